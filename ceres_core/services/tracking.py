"""Print tracking on the home page of a UD / DREETS (R-PRT-8).

"Sessions avec demandes d'impression": in the actor's zone, the number of
validated sessions with **no** print request sent, and the number with **some but
not all** of them sent; each number opens the list of those sessions.

Readings:

* A session counts when its state is *validée* (a *débloquée* session is being
  reworked and is not counted until validated again).
* The documents to print are one set per registration **with a result** (admitted,
  partially admitted or refused all get documents, R-PRT-1); "all sent" means every
  such registration has at least one print request (the initial one). A validated
  session with no result entered has nothing to print and appears in neither count.
* Zone (R-ACT-2): a UD sees its département, a DREETS its region, an admin all of
  France; an actor with several such profiles sees the union of their zones.

Each call runs **one** SQL statement: a per-session aggregate (registrations with a
result, and how many of them have a print request) grouped by session, filtered on
the validated state and the zone, then counted or listed. It uses the indexes on
``exam_sessions.state``, ``sites.departement_code``, ``registrations.session_id``
and ``print_requests.registration_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy import ColumnElement, and_, case, func, select

from ceres_core import geography
from ceres_core.access import load_actor
from ceres_core.core import Core
from ceres_core.errors import CeresError, InvalidInput, RuleViolation
from ceres_core.models import (
    ExamSession,
    PrintRequest,
    Registration,
    Role,
    SessionState,
    Site,
    Title,
    User,
)
from ceres_core.services._operation import operation
from ceres_core.values import parse_int
from ceres_core.zone import zone_of

TRACKING_ROLES = (Role.UD, Role.DREETS, Role.ADMIN)

Which = Literal["none", "partial"]

WHICH_LABELS = {
    "none": "Sessions avec aucune demande d'impression envoyée",
    "partial": "Sessions avec une partie des demandes d'impression envoyées",
}


@dataclass(frozen=True)
class TrackingView:
    """The "Sessions avec demandes d'impression" block of the home page."""

    zone_label: str
    none_count: int  # validated sessions with no print request
    partial_count: int  # validated sessions with some but not all print requests
    none_label: str = WHICH_LABELS["none"]
    partial_label: str = WHICH_LABELS["partial"]


@dataclass(frozen=True)
class TrackedSession:
    session_ref: str
    kind: str
    site_code: str
    site_name: str
    departement_code: str
    title_code: str
    title_label: str
    start_date: date
    end_date: date
    validated_on: date | None
    to_print: int  # registrations with a result
    sent: int  # of which with a print request
    remaining: int


@dataclass(frozen=True)
class TrackingListView:
    which: str
    label: str
    zone_label: str
    sessions: tuple[TrackedSession, ...]
    total: int


@dataclass(frozen=True)
class _Zone:
    label: str
    condition: ColumnElement[bool]


def _departement_name(code: str) -> str:
    try:
        return geography.departement(code).label
    except CeresError:
        return code


def _region_name(code: str) -> str:
    try:
        return geography.region(code).name
    except CeresError:
        return code


def _zone(user: User) -> _Zone:
    """The actor's zone as a condition on ``Site`` (R-ACT-2), or refuse."""
    profiles = [p for p in user.profiles if p.role in TRACKING_ROLES]
    if not profiles:
        raise RuleViolation(
            "R-ACT-2",
            "Votre profil ne permet pas de consulter le suivi des demandes d'impression : "
            "il est réservé aux UD/DDETS/DEETS, aux DREETS et à l'administration nationale",
            actor=user.login,
        )
    zone = zone_of(profiles, TRACKING_ROLES)
    if zone.national:
        return _Zone("France entière", zone.site_condition())
    labels = [f"département {_departement_name(d)}" for d in sorted(zone.departements)]
    labels += [f"région {_region_name(r)}" for r in sorted(zone.regions)]
    return _Zone(", ".join(labels), zone.site_condition())


def _per_session(zone: _Zone):
    """One row per validated session of the zone: registrations to print and sent."""
    to_print = func.count(func.distinct(Registration.id))
    sent = func.count(func.distinct(PrintRequest.registration_id))
    return (
        select(
            ExamSession.id.label("session_id"),
            to_print.label("to_print"),
            sent.label("sent"),
        )
        .join(Site, Site.id == ExamSession.site_id)
        .join(
            Registration,
            and_(Registration.session_id == ExamSession.id, Registration.result.is_not(None)),
        )
        .outerjoin(PrintRequest, PrintRequest.registration_id == Registration.id)
        .where(ExamSession.state == SessionState.VALIDEE, zone.condition)
        .group_by(ExamSession.id)
        .subquery("per_session")
    )


@operation("print.tracking")
def print_tracking(core: Core, actor: str) -> TrackingView:
    """R-PRT-8: the two counts for the actor's zone (one SQL statement)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        zone = _zone(user)
        per = _per_session(zone)
        none_ = func.coalesce(func.sum(case((per.c.sent == 0, 1), else_=0)), 0)
        partial = func.coalesce(
            func.sum(case((and_(per.c.sent > 0, per.c.sent < per.c.to_print), 1), else_=0)), 0
        )
        row = db.execute(select(none_, partial)).one()
        return TrackingView(zone_label=zone.label, none_count=int(row[0]),
                            partial_count=int(row[1]))


@operation("print.tracking_list")
def print_tracking_list(
    core: Core, actor: str, which: Which, *, limit: int | None = None
) -> TrackingListView:
    """R-PRT-8: the sessions behind one of the counts (``"none"`` or ``"partial"``).

    Ordered by start date then reference; ``limit`` caps the rows returned (``total``
    is then the number of rows returned).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        zone = _zone(user)
        key = (which or "").strip().lower() if isinstance(which, str) else ""
        if key not in WHICH_LABELS:
            raise InvalidInput(
                "Choisissez la liste des sessions validées sans aucune demande d'impression, "
                "ou celle des sessions dont une partie seulement des demandes d'impression "
                "a été envoyée."
            )
        if limit is not None:
            limit = parse_int(limit, "Le nombre de sessions à afficher", lo=1)
        per = _per_session(zone)
        if key == "none":
            wanted = per.c.sent == 0
        else:
            wanted = and_(per.c.sent > 0, per.c.sent < per.c.to_print)
        stmt = (
            select(
                ExamSession.ref, ExamSession.kind, ExamSession.start_date, ExamSession.end_date,
                ExamSession.validated_at, Site.code, Site.name, Site.departement_code,
                Title.code, Title.label, per.c.to_print, per.c.sent,
            )
            .select_from(per)
            .join(ExamSession, ExamSession.id == per.c.session_id)
            .join(Site, Site.id == ExamSession.site_id)
            .join(Title, Title.id == ExamSession.title_id)
            .where(wanted)
            .order_by(ExamSession.start_date, ExamSession.ref)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        sessions = tuple(
            TrackedSession(
                session_ref=r[0], kind=str(r[1].value if hasattr(r[1], "value") else r[1]),
                start_date=r[2], end_date=r[3],
                validated_on=r[4].date() if r[4] else None,
                site_code=r[5], site_name=r[6], departement_code=r[7],
                title_code=r[8], title_label=r[9],
                to_print=int(r[10]), sent=int(r[11]), remaining=int(r[10]) - int(r[11]),
            )
            for r in db.execute(stmt).all()
        )
        return TrackingListView(
            which=key, label=WHICH_LABELS[key], zone_label=zone.label,
            sessions=sessions, total=len(sessions),
        )
