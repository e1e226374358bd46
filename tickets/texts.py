"""French texts of the helpdesk: what the requester receives and what staff read.

Kept apart from the logic so that wording can change without touching rules.
Placeholders use ``str.format`` names.
"""

from __future__ import annotations

from tickets.models import STATUS_LABELS, TicketStatus

# -- to the requester (through the delivery outbox) --------------------------------------

STAFF_REPLY = "Réponse du support – demande {number}\n\n{text}\n\n— {staff}"

STATUS_ANNOUNCES: dict[TicketStatus, str] = {
    TicketStatus.EN_COURS: "Votre demande {number} est en cours de traitement par {queue}.",
    TicketStatus.EN_ATTENTE: (
        "Votre demande {number} est en attente de votre réponse : répondez dans cette "
        "conversation pour que {queue} puisse poursuivre."
    ),
    TicketStatus.RESOLU: (
        "Votre demande {number} est résolue. Si ce n'est pas le cas, répondez dans les "
        "{reopen_days} jours pour la rouvrir. Vous pouvez noter la réponse reçue, de 1 "
        "(pas du tout satisfait) à 5 (très satisfait)."
    ),
    TicketStatus.CLOS: "Votre demande {number} est close.",
    TicketStatus.NOUVEAU: "Votre demande {number} a été remise en attente de prise en charge.",
}

HANDED_BACK = (
    "Le support vous rend la main pour la demande {number} : vos prochains messages "
    "seront de nouveau traités par l'assistant. Pour écrire au support sur cette demande, "
    "reprenez-la depuis la liste de vos demandes."
)
TAKEN_OVER = (
    "Une personne de {queue} a pris en charge votre demande {number} : vos messages "
    "dans cette conversation lui sont transmis."
)
MOVED = "Votre demande {number} a été transmise à une autre équipe : {queue}."

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
ERR_ASSIGNEE_NOT_MEMBER = "{staff} ne fait pas partie de la file « {queue} »."
ERR_STATUS_UNKNOWN = (
    "Statut inconnu : « {value} ». Statuts possibles : nouveau, en cours, en attente du "
    "demandeur, résolu, clos."
)
ERR_PRIORITY_UNKNOWN = "Priorité inconnue : « {value} ». Priorités : basse, normale, haute, urgente."
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
}


def event_value(action: str, value: str | None) -> str | None:
    """A stored event value as staff read it (status codes → French labels)."""
    if value is not None and action == "status":
        try:
            return status_label(value)
        except ValueError:
            return value
    return value
