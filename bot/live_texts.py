"""French texts of the answers from live data (:mod:`bot.live_answers`).

``{…}`` fields are filled with escaped values (Telegram HTML). The dates and the
rules' sentences come from the core; these are the frames around them.
"""

from __future__ import annotations

SESSION_HEADER = "📅 <b>Session {ref}</b>\n{label} – {site} – début le {start}"
SESSION_LINE = "• <b>{ref}</b> – {label} – {site} – {start} : {what}"

DTE_ALREADY_ORDERED = "Le DTE de cette session est déjà commandé ({status})."
DTE_ORDERED_ON = "Commande passée le {day}."
DTE_DEADLINE_SHORT = "DTE à commander au plus tard le {deadline}"
DTE_DEADLINE_PASSED_SHORT = "date limite de commande du DTE dépassée ({deadline})"
CONVOCATIONS_DEADLINE = (
    "Les convocations doivent parvenir aux candidats au plus tard le <b>{deadline}</b> "
    "({delay} avant le début de la session, R-CON-2)."
)
CONVOCATIONS_SENT = "Elles ont été éditées le {day}."
CONVOCATIONS_NOT_SENT = "Elles n'ont pas encore été éditées dans CERES."
CONVOCATIONS_SHORT = "convocations à faire parvenir au plus tard le {deadline}"
CONVOCATIONS_SENT_SHORT = "convocations éditées le {day}"

SEVERAL_SESSIONS = "Plusieurs de vos sessions à venir correspondent ({count}) :"
WHICH_SESSION = "Précisez la date, le lieu ou la référence de la session pour le détail."
NO_SESSION_MATCH = (
    "Je ne trouve aucune session à venir {criteria} parmi les sessions de votre périmètre."
)
CRITERIA_DATE = "du {day}"
CRITERIA_PLACE = "« {phrase} »"
CRITERIA_KIND = "de type {kind}"
YOUR_NEXT_SESSIONS = "Vos prochaines sessions :"
NO_UPCOMING = "Vous n'avez aucune session à venir dans CERES."

TRACKING_HEADER = "🖨️ <b>Impressions à demander – {zone}</b>"
TRACKING_COUNTS = (
    "• {none} sans aucune demande d'impression\n"
    "• {partial} avec une partie seulement des demandes envoyées"
)
TRACKING_NOTHING = "Toutes les sessions validées de votre zone ont leurs demandes d'impression envoyées."
TRACKING_LINE = "• <b>{ref}</b> – {title} – {site} – validée le {validated} : {remaining}"
TRACKING_REMAINING = "{sent}/{total} envoyés, {left} à envoyer"
TRACKING_MORE = "… et {count} autres (tableau de suivi de la page d'accueil de CERES)."
VALIDATED_UNKNOWN = "?"

CANDIDATE_HEADER = "👤 <b>{name}</b> (n° {ceres_id})"
CANDIDATE_SESSION = "Session {ref} – {title} ({result})"
CANDIDATE_NOT_SENT = "Aucune demande d'impression n'a encore été transmise."
CANDIDATE_DUPLICATES = "{count} depuis, le dernier le {day}."
DUPLICATE_POSSIBLE_NOW = "Un duplicata peut être demandé dès maintenant (R-PRT-6)."
DUPLICATE_POSSIBLE_FROM = "Un duplicata pourra être demandé à partir du <b>{day}</b> (R-PRT-6)."
CANDIDATE_PND = "Pli non distribuable signalé le {day} ; nouvelle adresse transmise à l'Afpa le {afpa}."
ATTESTATION_AVAILABLE = "Une attestation de réussite peut être téléchargée (R-PRT-5)."
CANDIDATE_NO_PRINT_SESSION = "Aucune de ses sessions n'est encore validée : pas d'impression à suivre."
CANDIDATE_NOT_FOUND = (
    "Je ne trouve pas de candidat « {name} » dans votre périmètre. Vérifiez l'orthographe "
    "ou donnez son numéro CERES."
)
CANDIDATE_MANY = "Plusieurs candidats correspondent à « {name} » : précisez son numéro CERES."

WAITING_HEADER = "⏳ <b>Sessions en attente de validation ({count})</b>"
WAITING_NONE = "Aucune session de votre périmètre n'est en attente de validation."
WAITING_LINE = "• <b>{ref}</b> – {label} – {site} – du {start}, clôturée le {closed}"
CLOSED_UNKNOWN = "?"

#: The article one tap away (``{title}``: the article's title).
BUTTON_SEE_ARTICLE = "📄 Voir la fiche : {title}"
