"""The helpdesk queues as data: codes, French names, opening hours, SLA targets.

Sources (R-ASS-2) give the hours of two services; the others are our
**readings**, kept here as data so that an administrator can change them:

============================  =====================================  =============
queue                         opening hours                          source
============================  =====================================  =============
``assistance``                Mon–Fri 9:00–18:00                     R-ASS-2
``gev-btp`` … ``gev-ccp``     Mon–Thu 8:30–17:30, Fri 8:30–15:00     R-ASS-2
``dreets-<region>``           Mon–Fri 9:00–12:00, 14:00–17:00        reading
``ud-<département>``          Mon–Fri 9:00–12:00, 14:00–17:00        reading
``afpa-impression``           Mon–Fri 8:30–16:30                     reading
============================  =====================================  =============

Every queue is closed on French public holidays; a queue tied to a place (UD,
overseas DEETS, DREETS Grand Est) also closes on the local ones of its
département and counts hours in its local time zone (overseas).

SLA targets are in opening minutes (reading: first response within half an
opening day, resolution within three opening days of the queue); the delay
during which a requester's answer reopens a resolved ticket is 7 calendar days.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from ceres_core.contacts import GEV_HOURS, GEV_MAILBOXES, gev_mailbox
from ceres_core.errors import InvalidInput
from ceres_core.geography import departement as _departement
from ceres_core.geography import region as _region
from ceres_core.geography import regions as _regions
from tickets.hours import Schedule

# -- opening hours (weekday 0 = Monday) ------------------------------------------------

HOURS_ASSISTANCE = MappingProxyType({str(d): (("09:00", "18:00"),) for d in range(5)})
HOURS_GEV = GEV_HOURS  # R-ASS-2, defined once in ceres_core.contacts
HOURS_STATE_SERVICE = MappingProxyType(
    {str(d): (("09:00", "12:00"), ("14:00", "17:00")) for d in range(5)}
)
HOURS_AFPA = MappingProxyType({str(d): (("08:30", "16:30"),) for d in range(5)})

# -- targets (opening minutes) and reopening delay -------------------------------------


@dataclass(frozen=True)
class Targets:
    first_response_minutes: int
    resolution_minutes: int
    reopen_days: int = 7


#: Per kind of queue: first response = half an opening day, resolution = 3 opening days.
TARGETS = MappingProxyType(
    {
        "assistance": Targets(first_response_minutes=4 * 60, resolution_minutes=3 * 9 * 60),
        "gev": Targets(first_response_minutes=4 * 60, resolution_minutes=3 * 9 * 60),
        "dreets": Targets(first_response_minutes=3 * 60, resolution_minutes=3 * 6 * 60),
        "ud": Targets(first_response_minutes=3 * 60, resolution_minutes=3 * 6 * 60),
        "afpa": Targets(first_response_minutes=4 * 60, resolution_minutes=3 * 8 * 60),
    }
)

#: GEV sectors of the titles (``Title.sector``) and their queues (R-ASS-2): read from
#: the one definition, :data:`ceres_core.contacts.GEV_MAILBOXES`.
GEV_SECTORS = MappingProxyType(
    {s: (b.queue, b.name, b.email) for s, b in GEV_MAILBOXES.items()}
)

#: Overseas regions: the département whose holidays and time zone the DEETS follows.
_REGION_SEAT = MappingProxyType(
    {"01": "971", "02": "972", "03": "973", "04": "974", "06": "976", "44": "67"}
)

#: Local time zone of the overseas départements (others: Europe/Paris).
TIMEZONES = MappingProxyType(
    {
        "971": "America/Guadeloupe",
        "972": "America/Martinique",
        "973": "America/Cayenne",
        "974": "Indian/Reunion",
        "976": "Indian/Mayotte",
    }
)

QUEUE_KINDS = ("assistance", "gev", "dreets", "ud", "afpa")


@dataclass(frozen=True)
class QueueSpec:
    """What a queue is, before it is stored: everything :class:`tickets.models.Queue` holds."""

    code: str
    name: str
    kind: str
    hours: MappingProxyType
    timezone: str = "Europe/Paris"
    departement: str | None = None
    region: str | None = None
    contact: str | None = None

    @property
    def destination(self) -> str:
        """``"au GEV BTP"``, ``"à la DREETS Bretagne"``: completes "Transmis …"."""
        from tickets.texts import contract, queue_phrase

        return contract("à", queue_phrase(self.kind, self.name))

    @property
    def targets(self) -> Targets:
        return TARGETS[self.kind]

    @property
    def schedule(self) -> Schedule:
        return Schedule.from_spec(self.hours, self.timezone, self.departement)


def queue_spec(code: str) -> QueueSpec:
    """The definition of a standard queue by code; :class:`InvalidInput` if none.

    ``ud-<département>`` exists for every département (created on demand).
    """
    code = (code or "").strip().lower()
    if code == "assistance":
        return QueueSpec(
            code, "Assistance des ministères (CERES)", "assistance", HOURS_ASSISTANCE,
            contact="assistance.emploi.gouv.fr – 01 46 29 25 54 (option 1)",
        )
    if code == "afpa-impression":
        return QueueSpec(code, "Afpa – service impression", "afpa", HOURS_AFPA)
    for queue_code, name, mail in GEV_SECTORS.values():
        if code == queue_code:
            return QueueSpec(code, name, "gev", HOURS_GEV, contact=mail)
    if code.startswith("dreets-"):
        try:
            reg = _region(code.removeprefix("dreets-"))
        except InvalidInput:
            raise _unknown(code) from None
        seat = _REGION_SEAT.get(reg.code)
        return QueueSpec(
            f"dreets-{reg.code}", reg.service_name, "dreets", HOURS_STATE_SERVICE,
            timezone=TIMEZONES.get(seat or "", "Europe/Paris"), departement=seat, region=reg.code,
        )
    if code.startswith("ud-"):
        try:
            dep = _departement(code.removeprefix("ud-"))
        except InvalidInput:
            raise _unknown(code) from None
        return QueueSpec(
            f"ud-{dep.code}", dep.departmental_service_name, "ud", HOURS_STATE_SERVICE,
            timezone=TIMEZONES.get(dep.code, "Europe/Paris"), departement=dep.code,
            region=dep.region_code,
        )
    raise _unknown(code)


def _unknown(code: str) -> InvalidInput:
    return InvalidInput(
        f"La file « {code} » n'existe pas. Files possibles : assistance, gev-btp, "
        "gev-industrie, gev-tertiaire, gev-ccp, dreets-<code région>, "
        "ud-<département>, afpa-impression."
    )


def standard_queue_codes() -> list[str]:
    """The queues created at start (UD queues are created on demand)."""
    codes = ["assistance", *(q for q, _n, _m in GEV_SECTORS.values())]
    codes += [f"dreets-{r.code}" for r in _regions()]
    codes.append("afpa-impression")
    return codes


def gev_queue_for(sector: str | None, session_kind: str | None) -> str | None:
    """The GEV queue of a title's sector, or ``gev-ccp`` for a CCP session (R-ASS-2,
    :func:`ceres_core.contacts.gev_mailbox`)."""
    box = gev_mailbox(session_kind, sector)
    return box.queue if box else None
