"""French texts of the helpdesk: what the requester receives and what staff read.

Kept apart from the logic so that wording can change without touching rules.
Placeholders use ``str.format`` names.
"""

from __future__ import annotations

import re

from ceres_core.errors import CeresError
from tickets.models import STATUS_LABELS, TicketStatus

# -- queue names in a sentence (articles, elision, contraction) -----------------------------

#: Queues whose name does not take a plain article: the noun phrase to use instead.
_QUEUE_PHRASES = {"afpa": "le service impression de l'Afpa",
                  "assistance": "l'Assistance des ministères"}
#: Grammatical gender of a queue's name by kind (« le GEV BTP », « la DREETS Bretagne »).
_MASCULINE_KINDS = frozenset({"gev"})
_VOWEL = re.compile(r"^[aeiouyhàâäéèêëîïôöùûü]", re.IGNORECASE)


def elide(article: str, noun: str) -> str:
    """``elide("la", "UD de la DRIEETS")`` → ``"l'UD de la DRIEETS"``; ``"le GEV"``."""
    if article in ("le", "la") and _VOWEL.match(noun):
        return f"l'{noun}"
    return f"{article} {noun}"


def contract(preposition: str, phrase: str) -> str:
    """A preposition before a noun phrase with its article: ``de`` + ``le GEV BTP`` →
    ``du GEV BTP``, ``à`` + ``le …`` → ``au …``, ``de`` + ``l'Assistance`` → ``de
    l'Assistance``, ``de`` + ``les …`` → ``des …``."""
    for article, merged in (("le ", {"de": "du ", "à": "au "}), ("les ", {"de": "des ", "à": "aux "})):
        if phrase.startswith(article) and preposition in merged:
            return merged[preposition] + phrase[len(article):]
    return f"{preposition} {phrase}"


def queue_phrase(kind: str | None, name: str) -> str:
    """A queue as the subject of a sentence: « l'Assistance des ministères (CERES) »,
    « le GEV BTP », « la DREETS Bretagne », « l'UD de la DRIEETS (75 – Paris) »,
    « le service impression de l'Afpa »."""
    if kind in _QUEUE_PHRASES:
        return _QUEUE_PHRASES[kind]
    return elide("le" if kind in _MASCULINE_KINDS else "la", name)


def queue_code_values(code: str, name: str | None = None) -> dict[str, str]:
    """:func:`queue_values` of a queue known by its code (its name if the code is not
    a standard queue's)."""
    from tickets.queues import queue_spec

    try:
        spec = queue_spec(code)
    except CeresError:
        return queue_values(None, name or code)
    return queue_values(spec.kind, name or spec.name)


def queue_values(kind: str | None, name: str) -> dict[str, str]:
    """The placeholders a text about a queue may use: ``{queue}`` (the name),
    ``{queue_subject}`` (with its article), ``{de_queue}``, ``{par_queue}``, ``{a_queue}``,
    ``{depuis_queue}``."""
    phrase = queue_phrase(kind, name)
    return {"queue": name, "queue_subject": phrase, "de_queue": contract("de", phrase),
            "par_queue": contract("par", phrase), "a_queue": contract("à", phrase),
            "depuis_queue": contract("depuis", phrase)}


_INNER_QUOTES = re.compile(r"«\s*(.*?)\s*»", re.S)


def inner_quotes(text: str) -> str:
    """A text meant to be shown between « »: its own « … » become “…” (French quotes
    inside quotes), so that « Objet : « Signer » » reads « Objet : “Signer” »."""
    return _INNER_QUOTES.sub(lambda m: f"“{m[1]}”", text or "")


def quoted(text: str) -> str:
    """``« text »`` with the quotes inside turned into “ ”."""
    return f"« {inner_quotes(text)} »"


_PARENTHESIS = re.compile(r"\s*\([^()]*\)\s*$")


def person_name(requester_name: str | None) -> str:
    """The person's name for a greeting: « Sophie Bernard (Formapro Paris) » →
    « Sophie Bernard » (the organisation in brackets is dropped)."""
    name = " ".join((requester_name or "").split())
    stripped = _PARENTHESIS.sub("", name).strip()
    return stripped or name


# -- to the requester (through the delivery outbox) --------------------------------------

#: Every message relayed to the requester names its ticket; this line tells how to
#: answer on that ticket (a Telegram reply to the message is threaded to it).
REPLY_HINT = "Pour répondre sur cette demande, répondez à ce message."

STAFF_REPLY = "Réponse du support – demande {number}\n\n{text}\n\n— {staff}\n\n" + REPLY_HINT

STATUS_ANNOUNCES: dict[TicketStatus, str] = {
    TicketStatus.EN_COURS: "Votre demande {number} est en cours de traitement par {queue_subject}.",
    TicketStatus.EN_ATTENTE: (
        "Votre demande {number} est en attente de votre réponse : répondez à ce message "
        "pour que {queue_subject} puisse poursuivre."
    ),
    TicketStatus.RESOLU: (
        "Votre demande {number} est résolue. Si ce n'est pas le cas, répondez à ce message "
        "dans les {reopen_days} jours pour la rouvrir. Vous pouvez noter la réponse reçue, de 1 "
        "(pas du tout satisfait) à 5 (très satisfait)."
    ),
    TicketStatus.CLOS: "Votre demande {number} est close.",
    TicketStatus.NOUVEAU: "Votre demande {number} a été remise en attente de prise en charge.",
}
#: *Résolu* set without any reply sent to the requester (e.g. a bulk change): it
#: does not say an answer was received; the rating is about the handling.
RESOLVED_WITHOUT_REPLY = (
    "Votre demande {number} est résolue selon {queue_subject}. Si ce n'est pas le cas, "
    "répondez à ce message dans les {reopen_days} jours pour la rouvrir. Vous pouvez noter "
    "le traitement de votre demande, de 1 (pas du tout satisfait) à 5 (très satisfait)."
)

HANDED_BACK = (
    "Le support vous rend la main pour la demande {number} : vos prochains messages "
    "seront de nouveau traités par l'assistant. Pour écrire au support sur cette demande, "
    "reprenez-la depuis la liste de vos demandes."
)
TAKEN_OVER = (
    "Une personne {de_queue} a pris en charge votre demande {number} : vos messages "
    "dans cette conversation lui sont transmis. " + REPLY_HINT
)
MERGED = (
    "Votre demande {number} a été regroupée avec votre demande {target}, qui porte sur le "
    "même sujet : la suite se passe sur {target}."
)
MOVED = "Votre demande {number} a été transmise à une autre équipe : {queue_subject}."

#: Routing explanation when the natural queue has nobody (R-ASS-2 reading).
UNSTAFFED_FALLBACK = (
    "{about} ; {queue_subject} n'a encore personne pour traiter les demandes sur "
    "CERES Assist, l'Assistance des ministères la lui transmettra"
)

#: The message stored for a file sent without text, and the caption of a staff file.
ATTACHMENT_MESSAGE = "(pièce jointe : {name})"
ATTACHMENT_CAPTION = "Pièce jointe – demande {number} : {name}"

# -- to staff (internal notes written by the system) ------------------------------------

NOTE_BLOCKED = (
    "⚠ Le demandeur a bloqué l'assistant : il ne reçoit plus les réponses dans la "
    "conversation. Contactez-le par un autre moyen si c'est possible."
)
NOTE_UNBLOCKED = "Le demandeur a de nouveau écrit : les réponses lui sont à nouveau envoyées."
NOTE_DELIVERY_FAILED = (
    "⚠ Le message n° {message_id} n'a pas pu être remis au demandeur après {attempts} "
    "essais ({error})."
)
NOTE_MERGED_INTO = "Demande {source} ({subject}) fusionnée dans celle-ci. Ses échanges :"
NOTE_TRANSFER = "Transfert {depuis_queue} : {reason}"
NOTE_REOPENED = "Le demandeur a répondu dans le délai : la demande est rouverte."
NOTE_FOLLOW_UP = "Suite de la demande {number}, close ou résolue depuis plus de {days} jours."

# -- errors (shown as is) ---------------------------------------------------------------

ERR_TICKET_NOT_FOUND = "La demande « {ref} » est introuvable."
ERR_NOT_YOUR_QUEUE = (
    "La demande {number} appartient à la file « {queue} », dont vous ne faites pas partie : "
    "vous ne pouvez ni la consulter ni la modifier."
)
ERR_QUEUE_FORBIDDEN = "Vous ne faites pas partie de la file « {queue} »."
ERR_STAFF_UNKNOWN = "Le compte support « {login} » est inconnu ou désactivé."
ERR_ALREADY_CLAIMED = "La demande {number} vient d'être prise en charge par {staff}."
ERR_CLOSED = "La demande {number} est close : elle ne peut plus être modifiée."
ERR_EMPTY_TEXT = "Le message est vide."
ERR_TEXT_TOO_LONG = "Le message est trop long ({length} caractères, {limit} au plus)."
ERR_RATING_RANGE = "La note doit être un nombre entier de 1 à 5."
ERR_RATING_NOT_RESOLVED = "Vous pourrez noter la demande {number} une fois qu'elle sera résolue."
ERR_RATING_DONE = "La demande {number} a déjà été notée : merci !"
ERR_NOT_HANDLED = (
    "Personne ne suit la demande {number} en ce moment : vos messages vont à l'assistant."
)
ERR_QUEUE_UNSTAFFED = (
    "La file « {queue} » n'a aucun membre actif : personne ne verrait la demande. "
    "Choisissez une autre file, ou demandez à l'administrateur d'y rattacher quelqu'un."
)
ERR_MACRO_EMPTY = "Le texte du modèle est vide."
ERR_MACRO_TITLE = "Donnez un titre au modèle."
ERR_MACRO_UNKNOWN = "Ce modèle de réponse n'existe pas (ou plus) dans cette file."
ERR_MACRO_BRACES = (
    "Le texte du modèle contient une accolade seule : les champs s'écrivent entre "
    "accolades, p. ex. {demandeur}."
)
ERR_MACRO_PLACEHOLDER = "Champ inconnu dans le modèle : {{{name}}}. Champs possibles : {known}."
ERR_MACRO_STATUS = "Un modèle ne peut pas remettre une demande au statut « nouveau »."
ERR_MERGE_SAME = "Une demande ne peut pas être fusionnée avec elle-même ({number})."
MSG_MOVED = "Demande {number} transférée {a_queue}."
ERR_MOVE_NO_QUEUE = "Choisissez la file vers laquelle transférer la demande."
ERR_MERGE_NO_TARGET = "Indiquez le numéro de la demande à garder."
ERR_MERGE_TARGET = "La demande {ref} n'existe pas ou n'est pas dans vos files."
ERR_MERGE_REQUESTER = (
    "Les demandes {source} et {target} n'ont pas le même demandeur : elles ne peuvent pas "
    "être fusionnées."
)
ERR_BULK_ONE_ACTION = "Choisissez une action (attribuer, statut ou transfert) pour les demandes cochées."
ERR_CONFIRM_BULK = (
    "Cochez « Je confirme » pour appliquer l'action aux demandes cochées : rien n'a été modifié."
)
ERR_CONFIRM_MERGE = "Cochez « Je confirme la fusion » pour fusionner : rien n'a été modifié."
ERR_BULK_NONE = "Cochez au moins une demande."
ERR_ATTACHMENT_EMPTY = "Le fichier est vide."
ERR_ATTACHMENT_TOO_BIG = "Le fichier est trop volumineux ({size} Mo, {limit} Mo au plus)."
ERR_ATTACHMENT_TYPE = "Ce type de fichier n'est pas accepté : envoyez un fichier {accepted}."
ERR_ATTACHMENT_UNKNOWN = "Cette pièce jointe est introuvable."
ERR_ASSIGNEE_NOT_MEMBER = "{staff} ne fait pas partie de la file « {queue} »."
ERR_STATUS_UNKNOWN = (
    "Statut inconnu : « {value} ». Statuts possibles : nouveau, en cours, en attente du "
    "demandeur, résolu, clos."
)
ERR_PRIORITY_UNKNOWN = "Priorité inconnue : « {value} ». Priorités : basse, normale, haute, urgente."
ERR_DUE_FILTER = "Filtre d'échéance inconnu : « {value} »."
ERR_SAME_STATUS = "La demande {number} est déjà au statut « {status} »."
ERR_PASSWORD_SHORT = "Le mot de passe doit contenir au moins {n} caractères."
ERR_LOGIN_INVALID = (
    "L'identifiant « {login} » n'est pas valide : lettres minuscules, chiffres, point, "
    "tiret ou tiret bas, 2 à 64 caractères."
)
ERR_LOGIN_TAKEN = "Le compte support « {login} » existe déjà."
ERR_NO_QUEUE = "Indiquez au moins une file (--queue)."
ERR_CHAT_ID_INVALID = (
    "« {value} » n'est pas un identifiant Telegram : un nombre entier positif, p. ex. 123456789."
)
ERR_CHAT_ID_TAKEN = "L'identifiant Telegram {chat_id} est déjà lié au compte support « {login} »."
ERR_DELIVERY_UNKNOWN = "L'envoi n° {id} est introuvable."
ERR_BUSY = "La base de données est occupée : réessayez dans un instant."


def status_label(status: TicketStatus | str) -> str:
    return STATUS_LABELS[TicketStatus(status)]


#: Audit actions as staff read them.
EVENT_LABELS: dict[str, str] = {
    "created": "création",
    "assignee": "attribution",
    "status": "statut",
    "priority": "priorité",
    "queue": "changement de file",
    "reply": "réponse publique",
    "note": "note interne",
    "owner": "conversation",
    "requester_mode": "mode de conversation du demandeur",
    "requester_blocked": "demandeur injoignable",
    "rating": "note de satisfaction",
    "follow_up": "suite ouverte",
    "delivery_failed": "échec d'envoi",
    "requester_reply": "message du demandeur",
    "merge": "fusion",
}


def event_value(action: str, value: str | None) -> str | None:
    """A stored event value as staff read it (status codes → French labels, queue codes
    → queue names)."""
    if value is not None and action == "queue":
        return queue_code_values(value)["queue"]
    if value is not None and action == "status":
        try:
            return status_label(value)
        except ValueError:
            return value
    return value
