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
    "• /start CODE : relier cette conversation à votre compte CERES avec le code reçu "
    "(commande <code>ceres-assist users link-code</code> de votre administrateur).\n"
    "• /moi : le compte relié et son périmètre.\n"
    "• /deconnexion : délier cette conversation.\n\n"
    "• /annuler : abandonner la procédure en cours.\n"
    "• /aide : ce message."
)
PROCEDURE_LINE = "   /{id} – {title}"

LINKED = (
    "C'est fait : cette conversation est reliée au compte <b>{name}</b> ({login}).\n"
    "Périmètre :\n{scopes}"
)
LINK_REFUSED = "Je n'ai pas pu relier votre compte : {message}"
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

ANSWER_RULES = "<i>Règles : {rules}</i>"
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

# -- procedures --------------------------------------------------------------------------

PROCEDURE_CHOSEN = "{text}\n\n➜ <i>{answer}</i>"
PROCEDURE_TYPE_ANSWER = "<i>Écrivez votre réponse.</i>"
PROCEDURE_HINT = "<i>{hint}</i>"
PROCEDURE_CANCELLED = "Procédure abandonnée. Posez une autre question quand vous voulez."
NO_PROCEDURE = "Aucune procédure n'est en cours."
PROCEDURE_SEE_ARTICLE = "Pour en savoir plus : la fiche « {title} »."
CHECK_ASKED = "{text}\n\n{question}"
CHECK_REFUSED = "Je n'ai pas pu vérifier dans CERES : {message}"
CHECK_DONE = "<i>{text}</i>\n➜ {outcome}"
TIMELINE_FAILED = "Je n'ai pas pu calculer le calendrier : {message}"
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
