"""Every French sentence of the operations in chat (bot.catalogue): menu entries,
prompts, confirmation sentences, results. Telegram HTML; values escaped by the caller."""

from __future__ import annotations

# -- menu (setMyCommands, /aide) and card buttons, by operation ------------------------------

MENU: dict[str, str] = {
    "list_sessions": "Mes sessions : état, impressions, DTE",
    "sessions_to_validate": "Sessions en attente de validation",
    "request_print": "Envoyer une session pour impression",
    "request_duplicate": "Demander un duplicata",
    "record_pnd": "Pli non distribuable : nouvelle adresse",
    "attestation_reussite": "Attestation de réussite",
    "dte_timeline": "Calendrier du DTE d'une session",
    "order_dte": "Commander le DTE d'une session",
    "register_centre": "Enregistrer un centre",
    "transfer_site": "Transférer un site",
    "activation_letter": "Courrier d'activation d'un centre",
    "validate_session": "Valider une session",
    "reopen_session": "Débloquer une session validée",
    "cancel_session": "Annuler une session",
    "close_session": "Clôturer une session au centre",
    "enter_results": "Saisir la présence et le résultat d'un candidat",
    "issue_convocations": "Éditer les convocations d'une session",
    "delete_session": "Supprimer une session",
    "change_session_dates": "Modifier les dates d'une session",
    "report_duplicate": "Signaler une fiche candidat en doublon à la DREETS",
    "register_candidate": "Inscrire un candidat à une session",
    "unregister_candidate": "Désinscrire un candidat d'une session",
    "dte_orders_to_prepare": "Commandes de DTE à préparer (GEV)",
    "acknowledge_dte": "Accuser réception d'une commande de DTE (GEV)",
    "print_tracking": "Suivi des impressions de votre zone",
    "export_jurors": "Liste des jurés (fichier CSV)",
    "request_print_candidate": "Envoyer un candidat pour impression (vérifié)",
    "correct_record": "Corriger une fiche candidat",
    "find_duplicates": "Fiches candidat en doublon probable",
    "habilitation": "Habilitations d'un juré : valider, suspendre, réactiver…",
    "create_session": "Créer une session à partir d'un agrément",
    "add_juror": "Désigner un juré pour une session",
    "create_candidate": "Créer une fiche candidat (après recherche)",
    "afpa_print_requests": "Demandes d'impression reçues (Afpa)",
    "pnd_notices": "Avis de plis non distribuables reçus (Afpa)",
    "handle_pnd_notice": "Pli non distribuable renvoyé à la nouvelle adresse (Afpa)",
}

CARD_LABEL: dict[str, str] = {
    "request_print": "🖨️ Envoyer pour impression",
    "request_duplicate": "📄 Demander un duplicata",
    "record_pnd": "📮 Pli non distribuable : nouvelle adresse",
    "attestation_reussite": "🎓 Attestation de réussite",
    "dte_timeline": "📅 Calendrier du DTE",
    "order_dte": "📦 Commander le DTE",
    "validate_session": "✅ Valider la session",
    "reopen_session": "🔓 Débloquer la session",
    "cancel_session": "🚫 Annuler la session",
    "close_session": "🏁 Clôturer la session",
    "enter_results": "📝 Saisir les résultats",
    "issue_convocations": "✉️ Éditer les convocations",
    "delete_session": "🗑️ Supprimer la session",
    "change_session_dates": "📆 Modifier les dates de la session",
    "report_duplicate": "📨 Signaler un doublon à la DREETS",
    "register_candidate": "➕ Inscrire un candidat",
    "unregister_candidate": "➖ Désinscrire ce candidat",
    "acknowledge_dte": "📬 Accuser réception de la commande",
    "request_print_candidate": "🖨️ Vérifier et envoyer pour impression",
    "correct_record": "✏️ Corriger la fiche",
    "add_juror": "🧑‍⚖️ Désigner un juré",
}

# -- prompts, by parameter name (or "<operation>.<parameter>") ------------------------------

ASK: dict[str, str] = {
    "session": "Pour quelle session ? Choisissez-la ci-dessous ou écrivez son identifiant CERES "
    "(par exemple TITRE_B_2026_470405).",
    "session_of_candidate": "Pour quelle session de ce candidat ?",
    "candidate": "Quel candidat ? Écrivez son nom ou son CERES ID (par exemple C260000001).",
    "candidate_in_session": "Quel candidat ? Choisissez-le ci-dessous ou écrivez son nom, "
    "son CERES ID ou sa date de naissance (JJ/MM/AAAA).",
    "register_candidate.candidate": "Quel candidat inscrire ? Écrivez son nom, son CERES ID "
    "(par exemple C260000001) ou sa date de naissance (JJ/MM/AAAA).",
    "attendance": "Présence du candidat à l'examen ?",
    "result": "Résultat du candidat ?",
    "ccps": "Quels CCP le candidat a-t-il obtenus ? Choisissez-le ci-dessous s'il n'y en a qu'un, ou "
    "écrivez leurs codes séparés par des espaces (par exemple CCP-00463-1 CCP-00463-2).",
    "enter_results.comment": "Un commentaire lié aux grilles d'évaluation ? Écrivez-le, ou "
    "choisissez « Aucun commentaire ».",
    "address": "Quelle est la nouvelle adresse complète du candidat ? Écrivez-la sur une ligne, "
    "par exemple « 12 rue de la Roquette, 75011 Paris ».",
    "candidates_count": "Commande du DTE – 1/7 : combien de candidats sont prévus ? (0 "
    "seulement si le DTE a déjà été traité et reçu par ailleurs, par exemple sous VALCE)",
    "rs_kind": "2/7 : qui est le responsable de session (RS) ?",
    "rs_name": "Nom et prénom du responsable de session :",
    "contact_name": "3/7 : nom du contact au centre pour cette commande ?",
    "contact_phone": "4/7 : téléphone du centre ?",
    "contact_email": "5/7 : adresse e-mail où la GEV enverra les accusés et les liens ?",
    "delivery_address": "6/7 : adresse postale de livraison (numéro, voie, code postal, "
    "commune) ?",
    "comment": "7/7 : un commentaire pour la GEV ? Écrivez-le, ou choisissez « Aucun "
    "commentaire ».",
    "siret": "Quel est le SIRET du centre (14 chiffres) ?",
    "register_centre.site": (
        "Pour quel site enregistrez-vous ce centre ? C'est le site qui lui sera transféré "
        "(R-SITE-6 : la DREETS compétente pour ce site enregistre le centre). Choisissez-le "
        "ci-dessous ou écrivez son identifiant CERES (par exemple S-930002)."
    ),
    "site": "Quel site faut-il transférer ? Choisissez-le ci-dessous ou écrivez son identifiant "
    "CERES (par exemple S-930002).",
    "target_siret": "Quel est le SIRET du centre cible (14 chiffres) ?",
    "reason": "Quel est le motif ? (une phrase)",
    "reopen_session.reason": "Pourquoi débloquer cette session ? (une phrase, facultatif : "
    "choisissez « Sans motif » sinon)",
    "ack_kind": "Quel accusé enregistrer ?",
    "links": "Quels sont les liens dématérialisés du DTE ? (une ou plusieurs adresses web, "
    "séparées par des espaces)",
    "field": "Quelle information de la fiche faut-il corriger ?",
    "juror": "Quel juré ? Choisissez-le ci-dessous ou écrivez son nom.",
    "add_juror.juror": "Quel juré ? Voici ceux de votre centre habilités pour cette session "
    "(R-JUR-1) ; vous pouvez aussi écrire son nom ou son numéro.",
    "agrement": "À partir de quel agrément ? (ceux de votre centre en vigueur)",
    "kind": "Quel type de session ?",
    "ccp": "Pour quel CCP ?",
    "start_date": "Date de début de la session ? (par exemple 15/03/2027)",
    "start_time": "Heure de début du premier jour ? (par exemple 9h00)",
    "end_date": "Date de fin de la session ? (par exemple 17/03/2027)",
    "change_session_dates.start_date": "Nouvelle date de début de la session ? (JJ/MM/AAAA, "
    "par exemple 15/03/2027)",
    "change_session_dates.end_date": "Nouvelle date de fin ? (JJ/MM/AAAA ; la même date pour "
    "une session d'un jour)",
    "change_session_dates.reason": "Pourquoi modifier les dates ? (une phrase, facultatif : "
    "choisissez « Sans motif » sinon)",
    "habilitation": "Quelle habilitation ? (celles sur lesquelles vous pouvez agir)",
    "action": "Que faire de cette habilitation ?",
    "value": "Quelle est la valeur correcte ? (les dates : JJ/MM/AAAA)",
    "last_name": "Création d'une fiche candidat – 1/10 : nom de naissance ? (la fiche n'est "
    "créée que si aucune n'existe déjà : je la recherche dans votre région puis dans toute la "
    "France)",
    "first_name": "2/10 : prénom ?",
    "birth_date": "3/10 : date de naissance ? (JJ/MM/AAAA)",
    "civility": "4/10 : civilité ?",
    "birth_country": "5/10 : pays de naissance ? Choisissez « France » ou écrivez le pays "
    "(ou le territoire d'outre-mer, par exemple « Réunion »).",
    "birth_commune": "6/10 : commune de naissance ? (facultative pour une naissance à "
    "l'étranger)",
    "birth_postal_code": "7/10 : code postal de la commune de naissance ? (pour une naissance "
    "en France métropolitaine seulement)",
    "report_duplicate.other": "Quelle fiche fait doublon avec celle-ci ? Choisissez-la "
    "ci-dessous (fiches proches trouvées par CERES) ou écrivez son CERES ID.",
    "report_duplicate.comment": "Un commentaire pour la DREETS ? Écrivez-le, ou choisissez "
    "« Aucun commentaire ».",
    "create_candidate.address": "8/10 : adresse postale du candidat ? Écrivez-la sur une "
    "ligne, par exemple « 12 rue de la Roquette, 75011 Paris » (facultative à la création ; "
    "l'Afpa y enverra ses documents, R-PRT-7).",
    "create_candidate.email": "9/10 : adresse e-mail du candidat ? (facultative, par exemple "
    "prenom.nom@exemple.fr)",
    "create_candidate.phone": "10/10 : téléphone du candidat ? (facultatif, par exemple "
    "06 12 34 56 78)",
    "notice": "Quel avis de pli non distribuable avez-vous traité (courrier renvoyé à la "
    "nouvelle adresse) ? Choisissez-le ci-dessous ou écrivez son numéro.",
}

#: What a parameter is called in the recap and its « Modifier » buttons.
PARAM_LABEL: dict[str, str] = {
    "session": "Session",
    "candidate": "Candidat",
    "attendance": "Présence",
    "result": "Résultat",
    "ccps": "CCP obtenus",
    "address": "Nouvelle adresse",
    "candidates_count": "Nombre de candidats",
    "rs_kind": "Responsable de session",
    "rs_name": "Nom du responsable",
    "contact_name": "Contact",
    "contact_phone": "Téléphone",
    "contact_email": "E-mail",
    "delivery_address": "Adresse de livraison",
    "comment": "Commentaire",
    "siret": "SIRET",
    "site": "Site",
    "target_siret": "SIRET du centre cible",
    "reason": "Motif",
    "ack_kind": "Accusé",
    "links": "Liens",
    "field": "Information",
    "juror": "Juré",
    "agrement": "Agrément",
    "kind": "Type",
    "ccp": "CCP",
    "start_date": "Début",
    "start_time": "Heure",
    "end_date": "Fin",
    "habilitation": "Habilitation",
    "action": "Action",
    "value": "Nouvelle valeur",
    "notice": "Avis",
    "other": "Autre fiche",
    "last_name": "Nom",
    "first_name": "Prénom",
    "birth_date": "Date de naissance",
    "civility": "Civilité",
    "birth_country": "Pays de naissance",
    "birth_commune": "Commune de naissance",
    "birth_postal_code": "Code postal de naissance",
    "create_candidate.address": "Adresse",
    "email": "E-mail",
    "phone": "Téléphone",
}

RS_CHOICES = (
    ("titulaire", "RS titulaire de l'agrément"),
    ("suppleant", "RS suppléant de l'agrément"),
    ("autre", "Une autre personne"),
)
RECORD_FIELDS = (
    ("last_name", "Nom de naissance"),
    ("first_name", "Prénom"),
    ("birth_date", "Date de naissance"),
    ("birth_commune", "Commune de naissance"),
    ("address", "Adresse (numéro et voie)"),
    ("postal_code", "Code postal"),
    ("city", "Commune de résidence"),
)
NO_COMMENT = "Aucun commentaire"
#: the button that leaves an optional value empty, by parameter (default: NO_COMMENT)
EMPTY_ANSWER: dict[str, str] = {
    "birth_commune": "Commune inconnue (naissance à l'étranger)",
    "birth_postal_code": "Sans code postal (naissance hors de métropole)",
    "address": "Adresse inconnue pour l'instant",
    "email": "Pas d'adresse e-mail",
    "phone": "Pas de téléphone",
    "result": "Résultat plus tard",
}
NOT_GIVEN = "non renseigné"
NOT_GIVEN_FEM = "non renseignée"
CIVILITIES = (("M.", "Monsieur"), ("Mme", "Madame"))
FRANCE = "France"
NO_REASON = "Sans motif"
ACK_LINKS = " (liens : {links})"

# -- the form ---------------------------------------------------------------------------------

BUTTON_BACK = "◀️ Retour"
BUTTON_EDIT = "✏️ {label}"
RECAP_EDIT_HINT = "<i>Pour changer une valeur, choisissez-la ci-dessous.</i>"
NO_SESSION_PASSES = ("Aucune de vos sessions ne s'y prête en ce moment. Par exemple : "
                     "{reason}")
NO_CANDIDATE_PASSES = ("Aucun candidat de cette session ne s'y prête en ce moment. Par "
                       "exemple : {reason}")
REFUSED_AT_STEP = "⛔ {message}\n\n<i>Rien n'est perdu : corrigez la valeur, ou ◀️ Retour.</i>"
#: The same when the step's other choices are offered again below.
REFUSED_AT_STEP_CHOOSE = ("⛔ {message}\n\n<i>Rien n'est perdu : choisissez une autre valeur "
                          "ci-dessous, ou ◀️ Retour.</i>")
REFUSED_AT_FIRST_STEP_CHOOSE = ("⛔ {message}\n\n<i>Rien n'est perdu : choisissez une autre "
                                "valeur ci-dessous.</i>")
NO_OPTION_PASSES = "Aucun choix ne s'y prête en ce moment. Par exemple : {reason}"
#: The same, named for a step (``operation.param``).
NO_OPTION_PASSES_FOR = {
    "add_juror.juror": ("Aucun juré de votre centre ne peut siéger dans le jury de cette "
                        "session. Par exemple : {reason}"),
    "habilitation.juror": ("Aucun juré n'a d'habilitation sur laquelle vous pouvez agir "
                           "aujourd'hui. Par exemple : {reason}"),
    "acknowledge_dte.ack_kind": "Aucun accusé ne reste à enregistrer pour cette session : {reason}",
}
#: The same at the first step (there is nothing to go back to).
REFUSED_AT_FIRST_STEP = "⛔ {message}\n\n<i>Rien n'est perdu : corrigez la valeur.</i>"
NOT_FOR_PROFILE = "⛔ {message}\n\nOuvrez une demande : elle lui sera transmise."
NOTHING_BEFORE = "C'est la première étape : il n'y a rien avant."
FORM_CANCELLED = "D'accord, j'abandonne cette opération : rien n'a été modifié dans CERES."
CONFIRM_CANCELLED = "Opération annulée : rien n'a été modifié dans CERES."
SEARCH_NONE = "Aucun candidat ne correspond à « {query} ». Essayez un autre nom ou le CERES ID."
SEARCH_RESULTS = "Candidats trouvés pour « {query} » : choisissez le bon."
#: after a question answered while a form waited for a value (nothing typed is lost)
FORM_STILL_OPEN = ("<i>Votre saisie « {title} » reste ouverte : répondez à la question "
                   "ci-dessous pour continuer, ou envoyez /annuler pour l'abandonner.</i>")
NO_SESSION_FOR_CANDIDATE = "Ce candidat n'est inscrit à aucune session de votre périmètre."
CANDIDATES = "Candidats de la session {ref} :"
NO_CANDIDATES = "Aucun candidat n'est inscrit à cette session."
COUNT_NOT_A_NUMBER = "Indiquez {what} en chiffres, par exemple 12."
#: What a number parameter is, in COUNT_NOT_A_NUMBER (by parameter name).
COUNT_WHAT: dict[str, str] = {
    "candidates_count": "le nombre de candidats",
    "agrement": "le numéro de l'agrément (ou choisissez-le avec les boutons)",
    "habilitation": "le numéro de l'habilitation (ou choisissez-la avec les boutons)",
}
RS_USE_BUTTONS = "Choisissez le responsable de session avec l'un des boutons."
CHOICE_USE_BUTTONS = "Choisissez l'une des réponses avec les boutons."
BACK_TO_SESSION = "🗂️ Retour à la session"
NOTHING_TO_LIST = "Rien à afficher pour l'instant."

# -- confirmation sentences -------------------------------------------------------------------

CONFIRM_PRINT_ONE = "Envoyer pour impression le candidat restant {where} : {names} ?"
CONFIRM_PRINT_MANY = "Envoyer pour impression les {count} candidats restants {where} : {names} ?"
CONFIRM_PRINT_WHERE = "de la session <b>{ref}</b> ({title}, {date})"
CONFIRM_PRINT_NOTHING = "Aucun candidat {where} ne reste à envoyer pour impression ({sent})."
CONFIRM_PRINT_ATTEST = (
    "\n\nEn confirmant, vous attestez avoir vérifié leurs documents : la case « Données "
    "vérifiées et conformes » sera cochée pour chacun, puis une demande d'impression sera "
    "transmise candidat par candidat.\n{routing}"
)
CONFIRM_DUPLICATE = (
    "Demander un duplicata de l'ensemble des documents {de_who}, session <b>{ref}</b> ?\n"
    "{attested}\nDocuments :\n{documents}\n\n"
    "En confirmant, vous attestez avoir vérifié à nouveau ses données (« Données vérifiées et "
    "conformes »).\n{status}."
)
CONFIRM_PND = (
    "Enregistrer le pli non distribuable {de_who}, session <b>{ref}</b>, avec la nouvelle "
    "adresse « {address} » ?\n\nL'adresse de sa fiche sera corrigée et le renvoi du pli sera "
    "inscrit sur la liste du service impression de l'Afpa (R-AFT-2). Aucun duplicata ne sera "
    "demandé."
)
CANDIDATE_WHO = "{name} (n° {ceres_id})"
#: « de » before a name, elided before a vowel (« d'Aïssatou Diallo »).
OF_NAME = "de {name}"
OF_NAME_ELIDED = "d'{name}"
#: After a count of 0 in the DTE order's recap (R-DTE-2: a DTE already handled elsewhere).
DTE_ZERO_NOTE = " (DTE déjà traité par ailleurs : aucun pli ne sera envoyé)"
CONFIRM_DTE_ORDER = (
    "Commander le DTE de la session <b>{ref}</b> ({title}, du {date}) ?\n\n"
    "• Nombre de candidats : {count}\n"
    "• Responsable de session : {rs}\n"
    "• Contact : {contact}, {phone}, {email}\n"
    "• Adresse de livraison : {address}\n"
    "• Commentaire : {comment}"
)
NO_COMMENT_VALUE = "aucun"
CONFIRM_REGISTER_CENTRE = (
    "Enregistrer dans CERES le centre de SIRET <b>{siret}</b> ?\n\n"
    "• Raison sociale : {name}\n• Adresse : {address}\n• Site à lui transférer : {site}\n\n"
    "Ces informations viennent du répertoire des entreprises ; vous pourrez les modifier "
    "ensuite."
)
CONFIRM_TRANSFER = (
    "{question}\n\nSite : {site} ({code})\nCentre actuel : {from_centre}\n"
    "Nouveau centre : {to_centre}\nSuivront le site : {agrements} et {sessions} ({refs})."
)
NONE_FEM = "aucune"
CONFIRM_SESSION_ACTION: dict[str, str] = {
    "validate_session": "Valider la session <b>{ref}</b> ({title}, du {date}) ?",
    "reopen_session": "Débloquer la session validée <b>{ref}</b> ({title}, du {date}) ?{reason}",
    "cancel_session": "Annuler la session <b>{ref}</b> ({title}, du {date}) ?{reason}",
    "close_session": "Clôturer au centre la session <b>{ref}</b> ({title}, du {date}) ?",
    "issue_convocations": "Éditer les convocations de la session <b>{ref}</b> ({title}, du "
    "{date}) pour {count} ?",
    "delete_session": "Supprimer la session <b>{ref}</b> ({title}, du {date}) ? Elle "
    "disparaîtra de CERES.",
}
REASON_LINE = "\nMotif : « {reason} »"
#: R-SES-2/R-SES-5: the session's dates before → after; the notes are the core's.
CONFIRM_CHANGE_DATES = (
    "Modifier les dates de la session <b>{ref}</b> ({title}) ?\n"
    "• Aujourd'hui : du {old_start} au {old_end}\n"
    "• Nouvelles dates : du {start} au {end}{reason}{notes}"
)
NOTE_LINE = "\n⚠️ {note}"
CONFIRM_REGISTER_CANDIDATE = "Inscrire {who} à la session <b>{ref}</b> ({title}, du {date}) ?"
CONFIRM_UNREGISTER_CANDIDATE = "Désinscrire {who} de la session <b>{ref}</b> ({title}, du {date}) ?"
CONFIRM_PRINT_CANDIDATE = (
    "Envoyer pour impression les documents {de_who}, session <b>{ref}</b> ?\n"
    "{attested}\nDocuments :\n{documents}{alerts}\n\n"
    "En confirmant, vous attestez avoir vérifié les données de ce candidat : la case "
    "« Données vérifiées et conformes » sera cochée pour lui seul, puis sa demande "
    "d'impression transmise.\n{routing}"
)
#: R-PRT-2: the data each « Données vérifiées et conformes » attests (the core's preview)
ATTESTED_HEAD = "\n<b>Données à vérifier</b> (celles que vous attestez conformes) :"
ATTESTED_LINE = ("• {civility} {first} {last} (n° {ceres_id}), {born} le {birth} à {place}\n"
                 "   {title} – résultat : {result}{ccps}")
ATTESTED_TITLE = "{label} ({code})"
ATTESTED_CCPS = " ({ccps})"
PRINT_DOCUMENT_LINE = "• {label}"
PRINT_NO_DOCUMENT = "• aucun document à imprimer"
PRINT_ALERT_LINE = "\n⚠️ {alert}"
NOT_REGISTERED = "Le candidat {ceres_id} n'est pas inscrit à la session {ref}."
CONFIRM_CORRECT_RECORD = (
    "Corriger la fiche {de_who} : {field} « {old} » → « {new} » ?\n\n"
    "La fiche repasse à l'état brouillon, est modifiée, puis validée à nouveau si aucune "
    "alerte ne l'en empêche."
)
SESSION_KINDS = (("TP", "Titre professionnel complet (TP)"), ("CCP", "Un CCP"))
AGREMENT_OPTION = "{code} – {site} – {label}"
CONFIRM_CREATE_SESSION = (
    "Créer une session {kind} sur l'agrément {agrement} ?\n"
    "• Du {start} au {end}, premier jour à {time}"
)
TIME_WHAT = "L'heure de début"
SESSION_CREATED = "✅ Session <b>{ref}</b> créée : {state}."
CONFIRM_ADD_JUROR = "Désigner {name} comme juré de la session <b>{ref}</b> ({title}, du {date}) ?"
HABILITATION_OPTION = "{subject} ({state})"
HABILITATION_UNKNOWN = "Choisissez l'habilitation avec l'un des boutons."
CONFIRM_HABILITATION = "{action} l'habilitation « {subject} » de {name} (aujourd'hui : {state}) ?"
CONFIRM_ACK = "Enregistrer pour la session <b>{ref}</b> : {kind} ?"

# -- results ----------------------------------------------------------------------------------

DONE = "✅ {message}"
SESSION_DONE: dict[str, str] = {
    "validate_session": "✅ Session <b>{ref}</b> validée.",
    "reopen_session": "✅ Session <b>{ref}</b> débloquée.",
    "close_session": "✅ Session <b>{ref}</b> clôturée au centre : {state}.",
}
CANCELLED_SESSION = "✅ Session <b>{ref}</b> annulée."
#: R-SES-5 / R-PRT-4 (ceres_core.rules.prints_on_cancellation): in the recap and the result
CANCEL_PRINTS_LEFT = (
    "\n\n⚠️ Les documents de {count} ont déjà été envoyés pour impression ({names}) : "
    "l'annulation ne retire pas ces demandes transmises à l'Afpa ({rule}). Prévenez le "
    "service impression de l'Afpa (/ticket) pour que ces documents ne soient pas envoyés ; "
    "aucune demande d'impression ni de duplicata ne pourra plus être faite pour cette "
    "session (R-PRT-1)."
)
DELETED_SESSION = "✅ Session <b>{ref}</b> supprimée."
CONVOCATIONS_DONE = "✅ Convocations de la session <b>{ref}</b> éditées ({count})."
REGISTERED = "✅ {name} (n° {ceres_id}) est {registered} à la session <b>{ref}</b>."
UNREGISTERED = "✅ {name} (n° {ceres_id}) est {unregistered} de la session <b>{ref}</b>."
ACK_DONE = "✅ Accusé enregistré pour la session <b>{ref}</b> : {status}."
ATTESTATION_CAPTION = (
    "Attestation de réussite – candidat n° {ceres_id}, session {ref} : à imprimer, signer et "
    "envoyer au candidat."
)
ACTIVATION_CAPTION = (
    "Courrier d'activation du centre de SIRET {siret} : à envoyer au centre pour qu'il ouvre "
    "son compte."
)
JURORS_CAPTION = "Liste des jurés de votre centre (fichier CSV)."
RECORD_CORRECTED = "✅ Fiche {de_who} corrigée : {state}."
DUPLICATES = "<b>Fiches candidat en doublon probable</b> ({count})"
DUPLICATES_NONE = "Aucune fiche candidat en doublon probable dans votre périmètre."
DUPLICATE_LINE = "\n• {first}\n  {second}\n  <i>{reason}</i>"
SESSIONS_TO_VALIDATE = "<b>Sessions en attente de validation</b> ({count})"
SESSIONS_TO_VALIDATE_NONE = "Aucune session n'attend de validation dans votre périmètre."
DTE_TO_PREPARE = "<b>Commandes de DTE à préparer</b> ({count})"
DTE_TO_PREPARE_NONE = "Aucune commande de DTE n'attend d'être préparée."
SESSION_LINE = "\n• <b>{ref}</b> – {title} – du {start} au {end}\n   {state} · {dte}"
TRACKING = (
    "<b>Suivi des impressions – {zone}</b>\n"
    "• Sessions validées sans aucune demande d'impression : {none}\n"
    "• Sessions validées dont une partie seulement des candidats est envoyée : {partial}"
)
#: The sessions behind the counts (R-PRT-8), each opening its card.
TRACKING_SESSION = "🖨️ {ref} – {title} – {sent}/{total} envoyés"
RUN_NEXT_PRINT = "➡️ Candidat suivant : {name}"
#: The account's own value offered at a contact step of the DTE order (R-DTE-2).
OWN_CONTACT = "👤 {value}"
#: After a record is corrected (R-CAN-2): its print request, now accepted (R-PRT-3).
RUN_PRINT_CORRECTED = "🖨️ Envoyer pour impression : {ref}"
CENTRE_REGISTERED = (
    "✅ Centre enregistré dans CERES : <b>{name}</b> (SIRET {siret})\nAdresse : {address}\n"
    "Vous pouvez maintenant lui transférer le site {site} (ci-dessous) ou un autre site : "
    "/transfert_site"
)
#: The next steps offered under a registered centre and a transferred site (R-SITE-6/7).
RUN_TRANSFER_SITE = "🔁 Transférer le site {site} à ce centre"
RUN_ACTIVATION_LETTER = "📄 Courrier d'activation du centre"
#: Under the PND notices to resend (R-AFT-2): one button per notice.
RUN_PND_RESENT = "📮 Renvoyé : {option}"
SIRET_ALREADY_REGISTERED = (
    "Le centre de SIRET {siret} est déjà enregistré dans CERES : il n'y a rien à faire. Pour "
    "lui rattacher un site : /transfert_site."
)

# -- typed values and look-ups (bot.operation_views) ------------------------------------------

ADDRESS_HINT = "Écrivez-la sur une ligne, par exemple « 12 rue de la Roquette, 75011 Paris »."
ADDRESS_NO_POSTAL_CODE = "Je ne trouve pas le code postal à 5 chiffres suivi de la commune."
ADDRESS_NO_STREET = "Indiquez aussi le numéro et la voie."
SESSION_PICK_OR_TYPE = ("Choisissez la session ci-dessous ou écrivez son identifiant CERES "
                        "(par exemple TITRE_B_2026_470405).")
SESSION_TYPE = "Écrivez son identifiant CERES (par exemple TITRE_B_2026_470405)."
CANDIDATES_IN_SESSION_SEVERAL = ("Plusieurs candidats de la session {ref} correspondent à "
                                 "« {query} » : choisissez le bon.")
CANDIDATES_IN_SESSION_NONE = (
    "Aucun candidat inscrit à la session {ref} ne correspond à « {query} ». Choisissez-le "
    "ci-dessous ou écrivez son nom ou son CERES ID (par exemple C260000001).")
CANDIDATES_SEVERAL = "Plusieurs candidats correspondent à « {query} » : choisissez le bon."
CANDIDATE_ALREADY_REGISTERED = ("Ce candidat ({label}) est déjà inscrit à la session {ref}. "
                                "Écrivez le nom, le CERES ID ou la date de naissance (JJ/MM/AAAA) d'un autre "
                                "candidat.")
CANDIDATES_NONE = ("Aucun candidat ne correspond à « {query} ». Écrivez son nom ou son CERES ID "
                   "(par exemple C260000001).")
JURORS_SEVERAL = "Plusieurs jurés correspondent à « {query} » : choisissez le bon."
JURORS_NONE = ("Aucun juré de votre périmètre ne correspond à « {query} ». Choisissez-le "
               "ci-dessous ou écrivez son nom.")
SITES_SEVERAL = "Plusieurs sites correspondent à « {query} » : choisissez le bon."
SITES_NONE = ("Aucun site de votre périmètre ne correspond à « {query} ». Écrivez son nom ou son "
              "identifiant CERES (par exemple S-930002).")
SITES_NONE_PICK = ("Aucun site de votre périmètre ne correspond à « {query} ». Écrivez son nom "
                   "ou son identifiant CERES (par exemple S-930002), ou choisissez-le ci-dessous.")

# -- cards and lists ------------------------------------------------------------------------

NO_SESSION = "Aucune session dans votre périmètre."
MY_SESSIONS = "<b>Vos sessions</b> ({count})"
MORE_SESSIONS = "\n… et {count} autres : /sessions affiche les plus récentes."
PRINT_PROGRESS = "impression : {sent}/{total} envoyés · "
#: the session's next deadline (the core's label, R-DTE-1 / R-CON-2 / R-SES-6)
NEXT_DEADLINE = "\n   ⏰ Prochaine échéance : {label}"
NEXT_DEADLINE_LATE = "\n   ⚠️ Échéance : {label}"
SESSION_CARD = (
    "<b>Session {ref}</b>\n{kind} – {certification}\n"
    "Site : {site} ({code}), centre {centre}\nDates : du {start} au {end}\n"
    "État : {state}\nCandidats inscrits : {count}"
)
CARD_PRINTS = "Impression : {sent}/{total} envoyés"
CARD_DTE = "DTE : {status}"
#: the session's next deadline (ceres_core.services.dte.next_session_date), one line
CARD_DEADLINE = "⏰ Prochaine échéance : {label}"
CARD_DEADLINE_LATE = "⚠️ Échéance dépassée : {label}"
CARD_NO_DEADLINE = "⏰ Prochaine échéance : aucune"
CANDIDATE_CARD = "<b>{name}</b> (n° {ceres_id}) – session {ref}\nRésultat : {result}\n{status}"
#: R-AFT-2: where the notice to the Afpa stands
CARD_PND = "Pli non distribuable signalé le {date} ({resent})"
CARD_PND_RESENT = "renvoyé par l'Afpa le {date}"
CARD_PND_WAITING = "renvoi en attente au service impression de l'Afpa"
CARD_DUPLICATE_FROM = "Duplicata possible à partir du {date}."
WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
DAY_HOLIDAY = "un jour férié ({name})"
DAY_WEEKDAY = "un {name}"
DAY_OFF_WARNING = "Le {date} est {day}, jour non ouvré : vérifiez la date de début de la session."

# -- results rendered from the core's views ----------------------------------------------------

BATCH_HEAD = "<b>Session {ref}</b> – {message}"
BATCH_LINE = "{mark} {name} (n° {ceres_id})\n   {message}"
PND_DONE = (
    "✅ {message}\nCandidat : {name} (n° {ceres_id}), session {ref}\n"
    "Nouvelle adresse : {address}\nAvis n° {notice} inscrit le {date} sur la liste de l'Afpa.\n"
    "{note}"
)
DTE_STATUS = "<b>DTE de la session {ref}</b> ({kind}, {state})\nÉtat : {status}\n\n{timeline}"
DTE_ORDERED = (
    "✅ Commande du DTE enregistrée le {date} pour la session <b>{ref}</b>.\n"
    "• Candidats : {count}\n• Responsable de session : {rs_kind} – {rs_name}\n"
    "• Contact : {contact}, {phone}, {email}\n• Livraison : {address}\n"
    "La GEV ({gev}) accusera réception de la commande par e-mail."
)


# -- the Afpa's desk ---------------------------------------------------------------------------
AFPA_REQUESTS = "<b>Demandes d'impression reçues</b>, les plus récentes d'abord ({count})"
AFPA_REQUESTS_NONE = "Aucune demande d'impression n'a été reçue."
AFPA_REQUEST_LINE = (
    "• {when} – {kind} – {who}, session {ref}\n   {documents}\n   → {to}"
)
#: R-SES-5: the session was cancelled after the request was sent.
AFPA_SESSION_CANCELLED = ("\n   ⚠️ Session annulée depuis la demande : n'envoyez pas ces "
                          "documents (R-SES-5).")
AFPA_TO_CANDIDATE = "envoi direct au candidat"
AFPA_TO_SERVICE = "envoi à la {service}, qui transmet"
PND_NOTICES = "<b>Avis de plis non distribuables à renvoyer</b> ({count})"
PND_NOTICES_NONE = "Aucun avis de pli non distribuable n'attend d'être traité."
PND_NOTICE_LINE = (
    "• Avis n° {id} du {when} – {who}, session {ref}\n   Nouvelle adresse : {address}\n"
    "   Documents : {documents}"
)
PND_NOTICE_OPTION = "n° {id} – {name} ({ref})"
PND_NOTICE_GONE = "L'avis n° {id} n'est plus en attente."
CONFIRM_HANDLE_PND = (
    "Enregistrer que le courrier a été renvoyé à la nouvelle adresse ?\n{line}\n\n"
    "Le service de l'État le verra dans l'historique d'impression du candidat."
)
PND_HANDLED = "✅ Avis n° {id} traité : {who} – {status}."


# -- a new candidate record ----------------------------------------------------------------------
CONFIRM_CREATE_CANDIDATE = (
    "Créer la fiche candidat de {civility} {first} {last}, {born} le {birth} à {place} ?\n"
    "• Adresse : {address}\n• E-mail : {email}\n• Téléphone : {phone}\n\n"
    "Aucune fiche n'existe pour cette personne (même nom, même date de naissance). La fiche "
    "sera créée à l'état brouillon, dans votre région."
)
CLOSE_RECORDS = "⚠️ <b>Fiches proches</b> (même date de naissance, nom voisin) :"
CLOSE_RECORD_LINE = "• {label} – {scope} ({region})"
CLOSE_RECORDS_HINT = (
    "\n\nSi c'est la même personne, n'en créez pas une autre : choisissez ✖️ Annuler et "
    "utilisez la fiche existante (R-CAN-1)."
)
CLOSE_RECORDS_REPORT = (
    "Doublon probable (R-CAN-5) : le centre ne peut pas fusionner des fiches ; s'il s'agit "
    "de la même personne, signalez-les à la DREETS avec le bouton « Signaler le doublon »."
)
CANDIDATE_CREATED = "✅ Fiche créée : {who} – {state}, région {region}."
CANDIDATE_ALERTS = "Alertes à corriger avant la validation de la fiche (R-CAN-4) :"
REGISTER_NEW_CANDIDATE = "L'inscrire à une session ? Choisissez-la ci-dessous."
REGISTER_TO = "➕ Inscrire : {session}"
#: Under « no candidate matches » when registering: the record may not exist yet.
CREATE_RECORD_BUTTON = "🆕 Créer sa fiche candidat"
CREATE_RECORD_HINT = "S'il n'a pas encore de fiche dans CERES, créez-la ci-dessous."


# -- R-CAN-5: a likely duplicate reported to the DREETS --------------------------------------------
REPORT_PAIR = "📨 Signaler à la DREETS : {first} / {second}"
REPORT_WITH = "📨 Signaler le doublon avec {ceres_id}"
CONFIRM_REPORT_DUPLICATE = (
    "Signaler à la {dreets} ces fiches candidat en doublon ?\n{records}\n"
    "Constat : {reasons}{comment}\n\n"
    "Une demande sera ouverte dans la file de la {dreets}, qui seule peut fusionner les "
    "fiches (R-CAN-5). Sa réponse arrivera dans cette conversation."
)
REPORT_RECORD_LINE = "• {label}, à {place} (fiche {state})"
REPORT_COMMENT = "\nCommentaire : « {comment} »"
DUPLICATE_REPORTED = (
    "✅ Demande n° {number} ouverte pour la {dreets} (file « {queue} ») : les fiches {ids} "
    "lui sont signalées comme doublon (R-CAN-5). Sa réponse arrivera ici."
)
REPORT_NOT_OPENED = ("La demande n'a pas pu être ouverte : écrivez /ticket pour la transmettre "
                     "à la DREETS.")

# -- results (R-RES-1) --------------------------------------------------------------------------

CONFIRM_RESULT = (
    "Enregistrer la saisie {de_who}, session <b>{ref}</b> ?\n"
    "• Présence : {attendance}\n• Résultat : {result}{ccps}\n• Commentaire : {comment}"
)
RESULT_LATER = "à saisir plus tard"
RESULT_NONE_ABSENT = "aucun (absent)"
RESULT_CCPS = " (CCP obtenus : {ccps})"
RESULT_DONE = "✅ Saisie enregistrée pour {who} : {attendance}{result}. Session : {state}."
RESULT_REMAINING = "Reste à saisir : {count}."
RESULT_ALL_ENTERED = "Tous les candidats sont saisis : vous pouvez clôturer la session (R-SES-6)."
RESULT_NEXT = "📝 Candidat suivant"

#: A refusal whose remedy is another operation of the chat (``bot.catalogue.REMEDIES``).
REMEDY_BUTTON = {
    "correct_record": "✏️ Corriger la fiche du candidat",
    "request_duplicate": "📄 Demander un duplicata",
}
