"""R-ASS-2, written once: the GEV's mailboxes and helpdesk queues by sector, its hours.

Seed 003 ("Besoin d'assistance sur l'envoi ou la livraison d'un DTE…"): "Contacter
selon le secteur l'Unité GEV par mail : Pour les DTE TP : epreuves-btp@afpa.fr,
epreuves-industrie@afpa.fr, epreuves-tertiaire@afpa.fr ; Pour les DTE CCP :
epreuves-ccp@afpa.fr". A CCP session goes to the CCP mailbox; a TP session, and a
CCS session (a CCS is attached to a title), to the GEV of the title's sector.

The core (messages naming the GEV) and the helpdesk (``tickets.queues``,
``tickets.routing``) both read :data:`GEV_MAILBOXES` and :func:`gev_mailbox`.

Hours (003): "Lundi au jeudi : 8h30 à 17h30 ; Vendredi : 8h30 à 15h ; Pour les
demandes liées à l'Ingénierie vendredi 8h30 à 12h": questions on the DTE content go
to the GEV, which forwards them to the training engineers and passes their answer
back unchanged (R-ASS-3); the engineers answer on Friday mornings only
(:func:`engineering_slot`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import MappingProxyType

from ceres_core.clock import PARIS


@dataclass(frozen=True)
class GevMailbox:
    """One of the GEV's mailboxes and the helpdesk queue that stands for it."""

    sector: str  # btp, industrie, tertiaire (``Title.sector``), or ccp
    queue: str  # helpdesk queue code
    name: str  # "GEV BTP"
    email: str


#: R-ASS-2: the GEV's mailboxes by sector (``Title.sector``), and the CCP one.
GEV_MAILBOXES = MappingProxyType(
    {
        "btp": GevMailbox("btp", "gev-btp", "GEV BTP", "epreuves-btp@afpa.fr"),
        "industrie": GevMailbox(
            "industrie", "gev-industrie", "GEV Industrie", "epreuves-industrie@afpa.fr"
        ),
        "tertiaire": GevMailbox(
            "tertiaire", "gev-tertiaire", "GEV Tertiaire", "epreuves-tertiaire@afpa.fr"
        ),
        "ccp": GevMailbox("ccp", "gev-ccp", "GEV CCP", "epreuves-ccp@afpa.fr"),
    }
)

#: R-ASS-2: the GEV's opening hours (weekday 0 = Monday), Europe/Paris.
GEV_HOURS = MappingProxyType(
    {**{str(d): (("08:30", "17:30"),) for d in range(4)}, "4": (("08:30", "15:00"),)}
)
#: R-ASS-2: engineering questions (DTE content, R-ASS-3) are answered on Friday 8:30–12:00.
GEV_ENGINEERING_HOURS = MappingProxyType({"4": (("08:30", "12:00"),)})
#: The same, as a French phrase for the messages.
GEV_ENGINEERING_HOURS_FR = "le vendredi de 8 h 30 à 12 h"


def gev_mailbox(session_kind: str | None, title_sector: str | None) -> GevMailbox | None:
    """R-ASS-2: the GEV mailbox for a session's DTE: CCP for a CCP session, the title's
    sector for a TP or CCS session; ``None`` when the sector is unknown."""
    if (session_kind or "").strip().upper() == "CCP":
        return GEV_MAILBOXES["ccp"]
    sector = (title_sector or "").strip().lower()
    if sector == "ccp":  # not a title sector
        return None
    return GEV_MAILBOXES.get(sector)


def gev_email(session_kind: str | None, title_sector: str | None) -> str:
    """The mailbox's address, or the three TP mailboxes when the sector is unknown."""
    box = gev_mailbox(session_kind, title_sector)
    if box is not None:
        return box.email
    return " ou ".join(b.email for s, b in GEV_MAILBOXES.items() if s != "ccp")


def _hm(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def engineering_slot(at: datetime) -> tuple[datetime, datetime]:
    """R-ASS-2: the Friday-morning slot ``(start, end)`` (8:30–12:00, Paris) in which
    the training engineers answer a DTE-content question asked at ``at``: the slot
    ``at`` falls in, otherwise the next one. Public holidays are not skipped (the GEV
    says when a Friday is closed).
    """
    local = at.astimezone(PARIS) if at.tzinfo else at.replace(tzinfo=PARIS)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for start_text, end_text in GEV_ENGINEERING_HOURS.get(str(day.weekday()), ()):
            start = datetime.combine(day, _hm(start_text), PARIS)
            end = datetime.combine(day, _hm(end_text), PARIS)
            if local < end:
                return start, end
    raise AssertionError("no engineering slot within a week")  # pragma: no cover


__all__ = [
    "GEV_ENGINEERING_HOURS",
    "GEV_ENGINEERING_HOURS_FR",
    "GEV_HOURS",
    "GEV_MAILBOXES",
    "GevMailbox",
    "engineering_slot",
    "gev_email",
    "gev_mailbox",
]
