"""Every sentence the bot says, in French (Telegram HTML; values escaped by the caller)."""

from __future__ import annotations

WELCOME = (
    "Bonjour{name} ! Je suis <b>CERES Assist</b>, l'assistant de support de CERES "
    "(titres professionnels).\n\n"
    "Posez-moi votre question en quelques mots, par exemple "
    "<i>« Comment demander un duplicata ? »</i>, ou choisissez une procédure guidée."
)

HELP = (
    "<b>Ce que je sais faire</b>\n\n"
    "• Répondre à vos questions sur CERES : écrivez-les simplement.\n"
    "• Vous guider pas à pas :\n"
    "{procedures}\n\n"
    "<b>Votre compte</b>\n"
    "• /start CODE : relier cette conversation à votre compte CERES (demandez un code de "
    "liaison à votre administrateur CERES Assist).\n"
    "• /moi : le compte relié et son périmètre.\n"
    "• /deconnexion : délier cette conversation.\n\n"
    "• /annuler : abandonner la procédure en cours.\n"
    "• /ticket : écrire au support ; /mes_tickets : suivre vos demandes.\n"
    "• /aide : ce message."
)
PROCEDURE_LINE = "   /{id} – {title}"
UNKNOWN_COMMAND = "Commande inconnue : {command}. Voici les commandes que je connais (/aide) :"

LINKED = (
    "C'est fait : cette conversation est reliée au compte <b>{name}</b> ({login}).\n"
    "Périmètre :\n{scopes}"
)
LINKED_MORE = "Les procédures guidées et tout ce que je sais faire : /aide."
LINK_REFUSED = "Je n'ai pas pu relier votre compte.\n{message}"
NOT_LINKED = (
    "Cette conversation n'est reliée à aucun compte CERES. Vous pouvez poser des questions "
    "et suivre les procédures guidées ; pour agir dans CERES, demandez un code de liaison à "
    "votre administrateur puis envoyez <code>/start CODE</code>."
)
WHOAMI = "Vous êtes <b>{name}</b> (identifiant {login}).\nPérimètre :\n{scopes}"
SCOPE_LINE = "• {scope}"
NO_SCOPE = "• aucun profil"
UNLINKED = "Cette conversation n'est plus reliée au compte {login}. À bientôt !"
NOTHING_TO_UNLINK = "Cette conversation n'était reliée à aucun compte."

# -- answers ---------------------------------------------------------------------------

STEPS_HEADING = "<b>Étapes</b>"
HELP_HEADING = "<b>Si cela ne fonctionne pas</b>"
DID_YOU_MEAN = "Vouliez-vous dire plutôt l'un de ces sujets ?"
NONE_ANSWER = (
    "Je n'ai pas trouvé de réponse sûre à votre question, et je préfère ne pas vous "
    "répondre au hasard.\n\n"
    "Essayez de la reformuler avec les mots de l'écran CERES concerné (par exemple "
    "« duplicata », « commande du DTE », « transfert de site »)."
)
NONE_CLOSE_TOPICS = "Ces sujets s'en approchent peut-être :"
REPHRASE_PROMPT = "D'accord : écrivez votre question autrement, en quelques mots."
THANKS_HELPFUL = "Merci ! Ravi d'avoir pu vous aider."
THANKS_UNHELPFUL = (
    "Merci de votre retour : la question est transmise à l'équipe qui améliore les "
    "réponses. Vous pouvez la reformuler ou essayer une procédure guidée (/aide)."
)

BUTTON_HELPFUL = "👍 Utile"
BUTTON_UNHELPFUL = "👎 Pas utile"
BUTTON_REPHRASE = "✏️ Reformuler"
BUTTON_BACK = "◀️ Retour"
BUTTON_CANCEL = "✖️ Annuler"
BUTTON_READ_ARTICLE = "📄 {title}"
BUTTON_RESTART = "🔁 Recommencer"
#: A procedure leaf's article, told apart from the operations' buttons.
BUTTON_ARTICLE_PREFIX = "📖 Article : "

# -- procedures --------------------------------------------------------------------------

PROCEDURE_CHOSEN = "{text}\n\n➜ <i>{answer}</i>"
PROCEDURE_TYPE_ANSWER = "<i>Écrivez votre réponse.</i>"
PROCEDURE_HINT = "<i>{hint}</i>"
PROCEDURE_FOUND = "➜ <i>{label}</i>"
PROCEDURE_CANCELLED = "Procédure abandonnée. Posez une autre question quand vous voulez."
PROCEDURE_SEE_ARTICLE = "Pour en savoir plus : la fiche « {title} »."
CHECK_ASKED = "{text}\n\n{question}"
CHECK_REFUSED = "Je n'ai pas pu vérifier dans CERES.\n{message}"
CHECK_DONE = "<i>{text}</i>\n➜ {outcome}"
TIMELINE_FAILED = "Je n'ai pas pu calculer le calendrier.\n{message}"
PROCEDURE_BUSY = (
    "Votre message précédent est encore en cours de traitement ; renvoyez celui-ci dans "
    "un instant."
)

# -- buttons and errors ------------------------------------------------------------------

BUTTON_EXPIRED = "Ce bouton n'est plus valable. Reprenez depuis le dernier message ou tapez /aide."
BUTTON_DONE = "C'est noté."
ERROR = (
    "Désolé, une erreur inattendue s'est produite (référence {ref}). Réessayez dans un "
    "instant ; si cela se reproduit, signalez cette référence à l'assistance."
)

# -- helpdesk: tickets from the chat (bot.handlers.tickets, bot.delivery_worker) ---------

BUTTON_OPEN_TICKET = "🎫 Ouvrir un ticket"
BUTTON_TICKET_SEND = "✅ Envoyer la demande"
BUTTON_TICKET_DETAILS = "✏️ Ajouter des précisions"
BUTTON_TICKET_SUBJECT = "📝 Changer l'objet"
BUTTON_TICKET_CANCEL = "✖️ Annuler"
BUTTON_TICKET_TRIED = "J'ai essayé, ouvrir le ticket"
BUTTON_TICKET_VIEW = "📄 {number}"
BUTTON_TICKET_WRITE = "✍️ Écrire"
BUTTON_TICKET_RESUME = "↩️ Reprendre"
BUTTON_TICKET_LEAVE = "🚪 Revenir à l'assistant"
BUTTON_TICKET_PICK = "{number} – {subject}"
TICKET_REOPEN_ASK = (
    "Votre demande {number} (« {subject} ») a été résolue. Ce message la concerne-t-il ? "
    "Si oui, elle sera rouverte et le support le recevra ; sinon, je réponds à votre question."
)
BUTTON_TICKET_REOPEN = "Oui, rouvrir la demande {number}"
BUTTON_NEW_QUESTION = "Non, c'est une autre question"
TICKET_FILE_NO_TICKET = (
    "Je transmets un fichier seulement à une demande suivie par le support. Ouvrez une "
    "demande avec /ticket, puis envoyez le fichier (ou envoyez-le en réponse à un message "
    "du support)."
)
TICKET_FILE_SENT = "Fichier ajouté à votre demande {number} et transmis {a_queue}."
TICKET_FILE_FAILED = "Le fichier n'a pas été ajouté : {message}"
TICKET_FILE_DOWNLOAD_FAILED = (
    "Je n'ai pas pu récupérer ce fichier auprès de Telegram. Réessayez dans un instant."
)
TICKET_FILE_RELAYED = "(pièce jointe : {name})"
TICKET_WHICH = (
    "Plusieurs de vos demandes sont suivies par le support : pour laquelle est ce message ? "
    "(Astuce : répondez directement au message du support, il ira à la bonne demande.)"
)

TICKET_DRAFT = (
    "<b>Demande au support</b>\n\n"
    "Objet : « {subject} »\n"
    "{details}{objects}\n"
    "Votre demande sera accompagnée de notre échange. Je l'envoie ?"
)
TICKET_DRAFT_DETAILS = "Précisions : « {details} »\n"
TICKET_DRAFT_OBJECTS = "Concerne :\n{lines}\n"
TICKET_DRAFT_OBJECT_LINE = "• {label} : {value}"
TICKET_ASK_SUBJECT = (
    "Décrivez en une phrase ce qui vous bloque : ce sera l'objet de votre demande au "
    "support. (/annuler_ticket pour renoncer)"
)
TICKET_ASK_DETAILS = (
    "Écrivez les précisions utiles (message d'erreur, écran CERES, identifiants "
    "concernés) en un seul message."
)
TICKET_CANCELLED = "D'accord, je n'ouvre pas de demande. Posez une autre question quand vous voulez."
TICKET_NO_DRAFT = "Aucune demande n'est en préparation."
TICKET_ADVICE_FIRST = (
    "Avant de transmettre votre demande à l'assistance, essayez d'abord ceci "
    "(règle {rule}) :"
)
TICKET_OPENED = (
    "C'est enregistré : votre demande porte le numéro <b>{number}</b>.\n\n"
    "{explanation}\n\n"
    "Vous recevrez les réponses ici. Suivez vos demandes avec /mes_tickets."
)
TICKET_OPEN_FAILED = "Je n'ai pas pu ouvrir la demande.\n{message}"

MY_TICKETS_NONE = "Vous n'avez aucune demande au support. Pour en ouvrir une : /ticket."
MY_TICKETS_HEADING = "<b>Vos demandes au support</b>"
MY_TICKETS_LINE = "• <b>{number}</b> – {subject}\n   {status} · {queue}{mode}"
MY_TICKETS_MODE_ON = " · <i>vos messages lui sont transmis</i>"
MY_TICKETS_MODE_AWAY = " · <i>suivie par une personne (reprenez-la pour lui écrire)</i>"
TICKET_THREAD_HEADING = (
    "<b>{number}</b> – {subject}\nStatut : {status} · {queue}\n<i>{explanation}</i>"
)
TICKET_THREAD_MESSAGE = "<b>{author}</b>, {at} :\n{text}"
TICKET_THREAD_EMPTY = "Aucun message pour l'instant."
TICKET_THREAD_RATING = "Votre note : {score}/5."
TICKET_WRITE_PROMPT = "Écrivez votre message pour la demande {number} (un seul message)."
TICKET_MESSAGE_SENT = "Message transmis {a_queue} (demande {number})."
TICKET_MESSAGE_SENT_MODE = (
    "Message transmis {a_queue} (demande {number}). Une personne suit cette demande : vos "
    "messages lui vont directement. /quitter_ticket pour reparler à l'assistant."
)
TICKET_MESSAGE_REOPENED = "Votre message a rouvert la demande {number} ; il est transmis {a_queue}."
TICKET_MESSAGE_FOLLOW_UP = (
    "Cette demande était close : votre message ouvre la demande <b>{number}</b>, qui lui "
    "fait suite ({queue})."
)
TICKET_MESSAGE_FAILED = "Je n'ai pas pu transmettre votre message.\n{message}"
TICKET_LEFT = (
    "Vous parlez de nouveau à l'assistant. La demande {number} reste ouverte : "
    "/mes_tickets pour la reprendre."
)
TICKET_NOT_IN_MODE = "Aucune demande n'est en cours d'échange avec le support : je vous écoute."
TICKET_RESUMED = (
    "Vos messages vont de nouveau à la demande {number} ({queue}). /quitter_ticket pour "
    "reparler à l'assistant."
)
TICKET_RATE_PROMPT = "Notez la réponse reçue, de 1 (pas du tout satisfait) à 5 (très satisfait) :"
TICKET_RATED = "Merci pour votre note ({score}/5) !"

# -- helpdesk: the staff group (bot.staff_group, bot.handlers.staff_relay) ----------------

STAFF_TOPIC_NAME = "{number} – {subject}"
STAFF_NEW_TICKET = (
    "🎫 <b>Nouvelle demande {number}</b> – {subject}\n"
    "File : {queue}\n"
    "Demandeur : {requester}\n"
    "<i>{explanation}</i>\n\n"
    "{question}\n\n"
    "↩️ {how}"
)
STAFF_HOW_TOPIC = "Écrivez dans ce sujet : votre message est transmis au demandeur."
STAFF_HOW_REPLY = "Répondez à ce message : votre réponse est transmise au demandeur."
STAFF_REQUESTER_MESSAGE = "💬 <b>{number}</b> – message du demandeur ({name}) :\n\n{text}"
STAFF_BLOCKED = (
    "⚠ <b>{number}</b> : le demandeur a bloqué l'assistant ; il ne reçoit plus les "
    "réponses dans la conversation. Contactez-le par un autre moyen si c'est possible."
)
STAFF_REPLY_SENT = "✅ Réponse enregistrée pour la demande {number} : elle part vers le demandeur."
STAFF_UNKNOWN_SENDER = (
    "Désolé, je ne vous connais pas comme membre du support : votre message n'a pas été "
    "transmis au demandeur. Demandez à un administrateur de relier votre compte Telegram "
    "à votre compte du support."
)
STAFF_REPLY_REFUSED = "Votre message n'a pas été transmis.\n{message}"


# -- operations in chat (bot/handlers/forms.py; their own sentences: bot/operation_texts.py)

OP_NOT_LINKED = (
    "Pour agir dans CERES depuis cette conversation, elle doit d'abord être reliée à votre "
    "compte CERES : demandez un code de liaison à votre administrateur CERES Assist, puis "
    "envoyez <code>/start CODE</code>. "
    "Vous pourrez ensuite consulter vos sessions (/sessions) et agir dans votre périmètre."
)
OP_REFUSED = "⛔ {message}"
OP_CONFIRM = "✅ Confirmer"
OP_CANCEL = "✖️ Annuler"
OP_OTHER_ACCOUNT = (
    "Cette confirmation a été préparée pour un autre compte CERES que celui relié "
    "aujourd'hui à la conversation : elle n'est pas exécutée. Recommencez l'opération."
)
OP_CANDIDATES_BUTTON = "👥 Candidats ({count})"
OP_USE_RECAP_BUTTONS = (
    "Tout est renseigné : confirmez, changez une valeur ou annulez avec les boutons du "
    "récapitulatif ci-dessus (/annuler pour tout abandonner)."
)
PRIVATE_ONLY = (
    "Je n'agis que dans une conversation privée : relier un compte, agir dans CERES et "
    "écrire au support se font en message privé avec moi. Rien n'a été fait ici."
)
CANCELLED_ALL = "C'est annulé : rien n'a été modifié dans CERES. Posez une autre question quand vous voulez."
NOTHING_TO_CANCEL = "Il n'y a rien à annuler : je vous écoute."
NOT_YOUR_BUTTON = "Ce bouton appartient à la personne qui a préparé l'opération."
OP_DOCUMENT_LINK = (
    "{caption}\n\nLe document n'a pas pu être joint à ce message : téléchargez-le avec ce "
    "lien, valable une seule fois pendant 24 heures :\n<a href=\"{url}\">{url}</a>"
)
OP_NO_DOWNLOAD = (
    "{caption}\n\nLe document n'a pas pu être joint à ce message et aucun serveur de "
    "téléchargement n'est configuré : téléchargez-le directement dans CERES."
)
OP_HELP = "<b>Agir dans CERES</b> (conversation reliée à votre compte)\n{lines}"
OP_HELP_LINE = "• /{command} : {text}"
#: The command menu's entries every chat has (after the procedures and operations).
COMMON_COMMANDS = (
    ("aide", "Ce que je sais faire"),
    ("moi", "Le compte CERES relié à cette conversation"),
    ("annuler", "Abandonner ce qui est en cours"),
    ("ticket", "Ouvrir une demande au support"),
    ("mes_tickets", "Suivre mes demandes au support"),
    ("quitter_ticket", "Reparler à l'assistant plutôt qu'au support"),
    ("deconnexion", "Délier cette conversation de votre compte"),
)
