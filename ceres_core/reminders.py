"""Reminders: the events the assistant tells people about before they ask (issue 13).

Each :class:`ReminderEvent` comes from one rule of ``ceres-domain.md`` (``rule``), names
the accounts whose scope covers its object (``recipients``, R-ACT-2), carries a stable
idempotency key (kind + object + due date or offset: the delivery sends each key once
per recipient), a French text (:mod:`ceres_core.reminder_texts`) and an
:class:`Action` (an operation name and its parameters) that a front end maps to its own
way of starting it.

Two layers:

* **pure functions of values** (dates, states, a :class:`~ceres_core.calendar.WorkingCalendar`):
  :func:`offset_before`, :func:`offset_after`, :func:`dte_order_due`,
  :func:`convocations_due`, :func:`gev_chase_due`, :func:`agrement_end_due`,
  :func:`close_due`, :func:`duplicate_due`, :func:`in_delivery_hours`… tested without
  a database;
* :func:`collect_events`, which reads the database once per kind and applies them.

When is an event "current"? The offsets of a kind (``Rules.reminder_*_offsets``, in
working days of the object's département, R-DTE-6) give due days; on a given day the
current event is the one of the **latest due day passed** (and the deadline not yet
passed). So an event missed on its day (the bot was down, a weekend in the recipient's
zone) is still delivered the next time, and the next offset replaces it: the key holds
the offset, so each offset is sent once.

Readings (the issue leaves them open):

* recipients are the *operational* profiles of the kind's role (centre, UD, DREETS,
  GEV, Afpa) whose scope covers the object; the national admin, whose scope is all of
  France, receives none;
* R-DTE-7: a **TP** session whose live order has no preparation acknowledgement
  (R-DTE-3: the packages are shipped with it) from the chase day (2 weeks before) to
  the start;
* R-SES-2: a planned session that starts after its agrément's end;
* R-SES-6: a session over (end date passed) and not closed by the centre, in the states
  before *en attente de validation*, for ``max(reminder_close_offsets)`` + 20 working
  days at most;
* R-PRT-6: for each registration, the day its duplicate becomes possible (last print
  request + ``duplicate_delay_days``); it is announced on the first working day from
  then and for 3 working days (one event per session and day, listing the candidates);
* a PND (R-AFT-2): to the UD while no later PND of the registration carries the corrected
  address; to the Afpa once it does (it re-sends the mail);
* UD validation and GEV orders: one summary event per working day (its key holds the
  day); Afpa print requests: one summary per working day of the requests received since
  the previous working day;
* habilitations: an *active* habilitation with an end date, at the offsets before it,
  to the DREETS of the juror's region.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from ceres_core import geography
from ceres_core import reminder_texts as texts
from ceres_core.access import profile_covers_region, profile_covers_site
from ceres_core.calendar import WorkingCalendar
from ceres_core.clock import PARIS
from ceres_core.dte_timeline import (
    convocation_deadline,
    convocation_delay,
    convocation_delay_label,
    gev_chase_from,
    order_deadline,
    tp_shipping_window,
)
from ceres_core.errors import CeresError
from ceres_core.models import (
    AckKind,
    Agrement,
    DteOrder,
    ExamSession,
    Habilitation,
    HabilitationState,
    PndEvent,
    PrintRequest,
    Profile,
    Registration,
    Role,
    SessionKind,
    SessionState,
    Site,
    User,
)
from ceres_core.settings import Rules


class ReminderKind(StrEnum):
    """The kinds of reminders; a user switches each one on or off (``/rappels``)."""

    DTE_ORDER = "dte_commande"
    CONVOCATIONS = "convocations"
    GEV_CHASE = "relance_gev"
    AGREMENT_END = "fin_agrement"
    SESSION_CLOSE = "cloture_session"
    VALIDATION = "validation"
    DUPLICATE_OPEN = "duplicata_possible"
    PND_RETURNED = "pnd_retourne"
    HABILITATION_EXPIRY = "habilitation_expire"
    CANDIDATE_DUPLICATES = "doublons_candidats"
    GEV_ORDERS = "commandes_gev"
    AFPA_PRINTS = "impressions_afpa"
    AFPA_PND = "pnd_afpa"

    @property
    def label(self) -> str:
        return texts.KIND_LABELS[self.value]


#: Kind → (rule it comes from, role of its recipients).
KIND_RULES: Mapping[ReminderKind, tuple[str, Role]] = {
    ReminderKind.DTE_ORDER: ("R-DTE-1", Role.CENTRE),
    ReminderKind.CONVOCATIONS: ("R-CON-2", Role.CENTRE),
    ReminderKind.GEV_CHASE: ("R-DTE-7", Role.CENTRE),
    ReminderKind.AGREMENT_END: ("R-SES-2", Role.CENTRE),
    ReminderKind.SESSION_CLOSE: ("R-SES-6", Role.CENTRE),
    ReminderKind.VALIDATION: ("R-SES-4", Role.UD),
    ReminderKind.DUPLICATE_OPEN: ("R-PRT-6", Role.UD),
    ReminderKind.PND_RETURNED: ("R-AFT-2", Role.UD),
    ReminderKind.HABILITATION_EXPIRY: ("R-JUR-1", Role.DREETS),
    ReminderKind.CANDIDATE_DUPLICATES: ("R-CAN-5", Role.DREETS),
    ReminderKind.GEV_ORDERS: ("R-DTE-3", Role.GEV),
    ReminderKind.AFPA_PRINTS: ("R-PRT-2", Role.AFPA),
    ReminderKind.AFPA_PND: ("R-AFT-2", Role.AFPA),
}


def kinds_for_roles(roles: Iterable[Role]) -> tuple[ReminderKind, ...]:
    """The kinds a holder of ``roles`` may receive, in catalogue order."""
    wanted = set(roles)
    return tuple(k for k, (_rule, role) in KIND_RULES.items() if role in wanted)


@dataclass(frozen=True)
class Action:
    """What the reminder's button does: an operation name and its parameters.

    Names: ``commander_dte``, ``voir_session``, ``calendrier_dte``, ``valider_sessions``,
    ``demander_duplicata``, ``enregistrer_pnd``, ``voir_doublons``,
    ``voir_habilitations``, ``traiter_commandes_dte``, ``traiter_impressions``,
    ``renvoyer_pnd``. Parameters are strings (``session``: a session reference,
    ``candidate``: a CERES ID…).
    """

    operation: str
    params: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ReminderEvent:
    kind: ReminderKind
    rule: str
    #: Stable idempotency key: kind, object, due date or offset.
    key: str
    #: The day the event became due (its first day of delivery).
    due: date
    text: str
    action: Action | None
    #: ``users.id`` of the accounts whose scope covers the object (R-ACT-2).
    recipients: tuple[int, ...]
    #: The object, for people: a session reference, a CERES ID, a département…
    subject: str = ""


# -- pure rules ---------------------------------------------------------------------------


def offset_before(
    deadline: date,
    today: date,
    calendar: WorkingCalendar,
    offsets: Sequence[int],
    *,
    until: date | None = None,
) -> tuple[int, date] | None:
    """The offset current on ``today`` before ``deadline``, with its due day.

    The due day of offset ``k`` is ``k`` working days before ``deadline``; the current
    offset is the one with the latest due day on or before ``today``, as long as
    ``today`` is not after ``until`` (``deadline`` by default). ``None`` otherwise.
    """
    limit = deadline if until is None else until
    if today > limit:
        return None
    best: tuple[int, date] | None = None
    for k in sorted(set(offsets), reverse=True):
        due = calendar.add_working_days(deadline, -k) if k else deadline
        if due <= today:
            best = (k, due)
    return best


def offset_after(
    start: date, today: date, calendar: WorkingCalendar, offsets: Sequence[int]
) -> tuple[int, date] | None:
    """The offset current on ``today`` after ``start``: the latest of the due days
    (``k`` working days after ``start``) on or before ``today``."""
    best: tuple[int, date] | None = None
    for k in sorted(set(offsets)):
        due = calendar.add_working_days(start, k)
        if due <= today:
            best = (k, due)
    return best


def dte_order_due(
    start: date, ordered: bool, today: date, calendar: WorkingCalendar, rules: Rules
) -> tuple[int, date, date] | None:
    """R-DTE-1: ``(offset, due day, deadline)`` of the order reminder current today."""
    if ordered:
        return None
    deadline = order_deadline(start)
    found = offset_before(deadline, today, calendar, rules.reminder_dte_order_offsets)
    return None if found is None else (*found, deadline)


def convocations_due(
    start: date, exam_type: str, issued: bool, today: date, calendar: WorkingCalendar,
    rules: Rules,
) -> tuple[int, date, date] | None:
    """R-CON-2: ``(offset, due day, deadline)`` of the convocation reminder current today."""
    if issued:
        return None
    deadline = convocation_deadline(start, exam_type, rules)
    found = offset_before(deadline, today, calendar, rules.reminder_convocation_offsets)
    return None if found is None else (*found, deadline)


def gev_chase_due(
    start: date, is_tp: bool, order_live: bool, prepared: bool, today: date
) -> date | None:
    """R-DTE-7: the chase day, if a TP's live order is not prepared and it is time."""
    if not (is_tp and order_live) or prepared:
        return None
    chase = gev_chase_from(start)
    return chase if chase <= today < start else None


def agrement_end_due(
    agrement_end: date, session_start: date, today: date, calendar: WorkingCalendar,
    rules: Rules,
) -> tuple[int, date] | None:
    """R-SES-2: the reminder current today for a session planned after its agrément's end."""
    if session_start <= agrement_end or today >= session_start:
        return None
    return offset_before(agrement_end, today, calendar, rules.reminder_agrement_end_offsets,
                         until=session_start - timedelta(days=1))


#: R-SES-6: working days after the last offset during which a missed reminder is still sent.
CLOSE_CATCH_UP_WORKING_DAYS = 20


def close_due(
    end: date, closed: bool, today: date, calendar: WorkingCalendar, rules: Rules
) -> tuple[int, date] | None:
    """R-SES-6: the close reminder current today for a session over and not closed."""
    if closed or today <= end:
        return None
    last = max(rules.reminder_close_offsets)
    if calendar.working_days_between(end, today) > last + CLOSE_CATCH_UP_WORKING_DAYS:
        return None
    return offset_after(end, today, calendar, rules.reminder_close_offsets)


#: R-PRT-6: working days after the first one during which a missed reminder is still sent.
DUPLICATE_CATCH_UP_WORKING_DAYS = 2


def duplicate_due(
    last_request_on: date, today: date, calendar: WorkingCalendar, rules: Rules
) -> date | None:
    """R-PRT-6: the day a duplicate becomes possible, if it is announced today.

    Announced on the first working day on or after that day, and on the next
    :data:`DUPLICATE_CATCH_UP_WORKING_DAYS` working days if missed.
    """
    opens = last_request_on + timedelta(days=rules.duplicate_delay_days)
    first = calendar.next_working_day(opens)
    if first <= today <= calendar.add_working_days(first, DUPLICATE_CATCH_UP_WORKING_DAYS):
        return opens
    return None


def gev_preparation_due(kind: SessionKind, start: date, ordered_on: date, today: date) -> bool:
    """R-DTE-4/5: the GEV should prepare now: a TP from its shipping window, a CCP or CCS
    from the day after the order (the automaton sends the links then)."""
    if kind is SessionKind.TP:
        return tp_shipping_window(start)[0] <= today
    return ordered_on < today


# -- where and when a recipient is reached -------------------------------------------------

#: Time zone of the overseas départements (others: Europe/Paris).
TIMEZONES: Mapping[str, str] = {
    "971": "America/Guadeloupe",
    "972": "America/Martinique",
    "973": "America/Cayenne",
    "974": "Indian/Reunion",
    "976": "Indian/Mayotte",
}


def timezone_of(departement: str | None) -> ZoneInfo:
    name = TIMEZONES.get(departement or "")
    return ZoneInfo(name) if name else PARIS


def in_delivery_hours(now: datetime, departement: str | None, rules: Rules) -> bool:
    """Is ``now`` within the delivery hours of a recipient of ``departement``?

    From ``rules.reminder_hours[0]`` o'clock to ``rules.reminder_hours[1]`` o'clock local
    time, on a working day of the département (national calendar if ``None``, R-DTE-6).
    """
    local = now.astimezone(timezone_of(departement))
    start, end = rules.reminder_hours
    if not time(start) <= local.time() < time(end):
        return False
    return WorkingCalendar(departement).is_working_day(local.date())


def local_today(now: datetime, departement: str | None) -> date:
    return now.astimezone(timezone_of(departement)).date()


def profile_departement(profile: Profile) -> str | None:
    """The département whose holidays and time a profile follows (``None``: national).

    UD: its own; centre: the département of its first site (else of its postal code);
    DREETS: its region's département when the region has only one (overseas), else
    national; GEV, Afpa, admin: national.
    """
    if profile.role is Role.UD:
        return profile.departement_code
    if profile.role is Role.CENTRE and profile.centre is not None:
        if profile.centre.sites:
            return profile.centre.sites[0].departement_code
        return _departement_of_postal_code(profile.centre.postal_code)
    if profile.role is Role.DREETS and profile.region_code:
        try:
            deps = geography.departements_of_region(profile.region_code)
        except CeresError:
            return None
        return deps[0].code if len(deps) == 1 else None
    return None


def user_departement(user: User) -> str | None:
    """The département of a user's first operational profile (see :func:`profile_departement`)."""
    for profile in user.profiles:
        dep = profile_departement(profile)
        if dep is not None:
            return dep
    return None


def _departement_of_postal_code(postal_code: str | None) -> str | None:
    code = (postal_code or "").strip()
    if len(code) != 5 or not code.isdigit():
        return None
    guess = code[:3] if code.startswith("97") else code[:2]
    if guess == "20":
        guess = "2A" if int(code) < 20200 else "2B"
    try:
        return geography.departement(guess).code
    except CeresError:
        return None


# -- recipients (R-ACT-2) -------------------------------------------------------------------


class Recipients:
    """Active accounts indexed by role and scope, to find an event's recipients quickly;
    each candidate is then checked with the core's scope rules (R-ACT-2,
    :func:`ceres_core.access.profile_covers_site` / ``profile_covers_region``)."""

    def __init__(self, users: Iterable[User]) -> None:
        self.users = list(users)
        self._by: dict[tuple[Role, object], list[tuple[int, Profile]]] = {}
        for u in self.users:
            for p in u.profiles:
                self._by.setdefault((p.role, _profile_key(p)), []).append((u.id, p))

    def of_site(self, site: Site, role: Role) -> tuple[int, ...]:
        """Accounts holding ``role`` with a scope covering ``site``."""
        found = self._by.get((role, _site_key(site, role)), ())
        return tuple(sorted({uid for uid, p in found if profile_covers_site(p, site)}))

    def of_region(self, region_code: str, role: Role) -> tuple[int, ...]:
        found = self._by.get((role, region_code if role is Role.DREETS else None), ())
        return tuple(sorted({uid for uid, p in found if profile_covers_region(p, region_code)}))

    def of_role(self, role: Role) -> tuple[int, ...]:
        """Accounts holding ``role`` (GEV, Afpa: their scope is the whole service)."""
        return tuple(sorted({uid for uid, _p in self._by.get((role, None), ())}))


def _profile_key(profile: Profile) -> object:
    if profile.role is Role.CENTRE:
        return profile.centre_id
    if profile.role is Role.UD:
        return profile.departement_code
    if profile.role is Role.DREETS:
        return profile.region_code
    return None


def _site_key(site: Site, role: Role) -> object:
    if role is Role.CENTRE:
        return site.centre_id
    if role is Role.UD:
        return site.departement_code
    if role is Role.DREETS:
        return geography.departement(site.departement_code).region_code
    return None


# -- collecting the events of a day --------------------------------------------------------


class _Calendars:
    def __init__(self) -> None:
        self._cache: dict[str | None, WorkingCalendar] = {}

    def __call__(self, departement: str | None) -> WorkingCalendar:
        cal = self._cache.get(departement)
        if cal is None:
            cal = self._cache[departement] = WorkingCalendar(departement)
        return cal


def load_recipients(db: Session) -> list[User]:
    """Active accounts with their profiles (and centres' sites, for their locality)."""
    from ceres_core.models import Centre

    return list(
        db.scalars(
            select(User)
            .where(User.active.is_(True))
            .order_by(User.id)
            .options(
                selectinload(User.profiles)
                .selectinload(Profile.centre)
                .selectinload(Centre.sites)
            )
        )
    )


def _event(kind: ReminderKind, key: str, due: date, text: str, action: Action | None,
           recipients: tuple[int, ...], subject: str) -> ReminderEvent:
    return ReminderEvent(kind=kind, rule=KIND_RULES[kind][0], key=key, due=due, text=text,
                         action=action, recipients=recipients, subject=subject)


def _role(kind: ReminderKind) -> Role:
    return KIND_RULES[kind][1]


def collect_events(
    db: Session, today: date, rules: Rules, users: Sequence[User] | None = None
) -> list[ReminderEvent]:
    """Every event current on ``today`` (except R-CAN-5 duplicates: see
    :func:`ceres_core.services.reminders.due_reminders`), with its recipients."""
    index = Recipients(users if users is not None else load_recipients(db))
    cals = _Calendars()
    events: list[ReminderEvent] = []
    events += _session_events(db, today, rules, index, cals)
    events += _validation_events(db, today, index, cals)
    events += _duplicate_open_events(db, today, rules, index, cals)
    events += _pnd_events(db, today, index)
    events += _habilitation_events(db, today, rules, index, cals)
    events += _gev_events(db, today, index, cals)
    events += _afpa_print_events(db, today, index, cals)
    return [e for e in events if e.recipients]


def _session_events(db: Session, today: date, rules: Rules, users: Recipients,
                    cals: _Calendars) -> list[ReminderEvent]:
    from ceres_core.services.sessions import gev_email, order_was_prepared

    horizon = today - timedelta(days=60)
    sessions = db.scalars(
        select(ExamSession)
        .where(
            ExamSession.state != SessionState.ANNULEE,
            or_(
                ExamSession.start_date >= today,
                and_(
                    ExamSession.end_date >= horizon,
                    ExamSession.closed_by_centre_at.is_(None),
                    ExamSession.state.in_(
                        (SessionState.EN_PREPARATION, SessionState.CONVOCATIONS_ENVOYEES,
                         SessionState.RESULTATS_SAISIS)
                    ),
                ),
            ),
        )
        .order_by(ExamSession.start_date, ExamSession.ref)
        .options(
            selectinload(ExamSession.site),
            selectinload(ExamSession.agrement).selectinload(Agrement.title),
            selectinload(ExamSession.title),
            selectinload(ExamSession.dte_order).selectinload(DteOrder.acknowledgements),
        )
    ).all()
    out: list[ReminderEvent] = []
    for s in sessions:
        dep = s.site.departement_code
        cal = cals(dep)
        to = users.of_site(s.site, Role.CENTRE)
        if not to:
            continue
        order = s.dte_order
        live = order is not None and order.cancelled_at is None
        card = Action("voir_session", {"session": s.ref})
        if s.start_date >= today:
            found = dte_order_due(s.start_date, order is not None, today, cal, rules)
            if found and s.state is SessionState.EN_PREPARATION:
                k, due, deadline = found
                left = cal.working_days_between(today, deadline)
                out.append(_event(
                    ReminderKind.DTE_ORDER, f"dte_commande:{s.ref}:{deadline}:J-{k}", due,
                    texts.dte_order(s.ref, s.start_date, deadline, left),
                    Action("commander_dte", {"session": s.ref}), to, s.ref))
            issued = s.convocations_issued_at is not None or s.state is not SessionState.EN_PREPARATION
            found = convocations_due(s.start_date, s.kind.value, issued, today, cal, rules)
            if found:
                k, due, deadline = found
                left = cal.working_days_between(today, deadline)
                label = convocation_delay_label(convocation_delay(s.kind.value, rules))
                out.append(_event(
                    ReminderKind.CONVOCATIONS, f"convocations:{s.ref}:{deadline}:J-{k}", due,
                    texts.convocations(s.ref, s.start_date, deadline, left, label), card, to,
                    s.ref))
            chase = gev_chase_due(s.start_date, s.kind is SessionKind.TP, live,
                                  order_was_prepared(order), today)
            if chase is not None:
                out.append(_event(
                    ReminderKind.GEV_CHASE, f"relance_gev:{s.ref}:{chase}", chase,
                    texts.gev_chase(s.ref, s.start_date, gev_email(s)),
                    Action("calendrier_dte", {"session": s.ref}), to, s.ref))
            found_agr = agrement_end_due(s.agrement.ends_on, s.start_date, today, cal, rules)
            if found_agr:
                k, due = found_agr
                out.append(_event(
                    ReminderKind.AGREMENT_END,
                    f"fin_agrement:{s.ref}:{s.agrement.ends_on}:J-{k}", due,
                    texts.agrement_end(s.ref, s.start_date, s.agrement.title.label,
                                       s.agrement.ends_on, today > s.agrement.ends_on),
                    card, to, s.ref))
        found = close_due(s.end_date, s.closed_by_centre_at is not None, today, cal, rules)
        if found and s.state in (SessionState.EN_PREPARATION, SessionState.CONVOCATIONS_ENVOYEES,
                                 SessionState.RESULTATS_SAISIS):
            k, due = found
            out.append(_event(
                ReminderKind.SESSION_CLOSE, f"cloture_session:{s.ref}:J+{k}", due,
                texts.session_close(s.ref, s.end_date, cal.working_days_between(s.end_date, today)),
                card, to, s.ref))
    return out


def _validation_events(db: Session, today: date, users: Recipients,
                       cals: _Calendars) -> list[ReminderEvent]:
    rows = db.scalars(
        select(ExamSession)
        .where(ExamSession.state == SessionState.EN_ATTENTE_VALIDATION)
        .order_by(ExamSession.start_date, ExamSession.ref)
        .options(selectinload(ExamSession.site))
    ).all()
    by_dep: dict[str, list[ExamSession]] = {}
    for s in rows:
        by_dep.setdefault(s.site.departement_code, []).append(s)
    out = []
    for dep, sessions in sorted(by_dep.items()):
        if not cals(dep).is_working_day(today):
            continue
        to = users.of_site(sessions[0].site, Role.UD)
        label = geography.departement(dep).label
        out.append(_event(
            ReminderKind.VALIDATION, f"validation:{dep}:{today}", today,
            texts.validation([s.ref for s in sessions], label),
            Action("valider_sessions", {"departement": dep}), to, label))
    return out


def _duplicate_open_events(db: Session, today: date, rules: Rules, users: Recipients,
                           cals: _Calendars) -> list[ReminderEvent]:
    since = datetime.combine(today - timedelta(days=rules.duplicate_delay_days + 14), time(0),
                             tzinfo=PARIS)
    regs = db.scalars(
        select(Registration)
        .where(Registration.id.in_(
            select(PrintRequest.registration_id).where(PrintRequest.requested_at >= since)
        ))
        .order_by(Registration.id)
        .options(
            selectinload(Registration.print_requests),
            selectinload(Registration.candidate),
            selectinload(Registration.session).selectinload(ExamSession.site),
        )
    ).all()
    groups: dict[tuple[str, date], list[Registration]] = {}
    for reg in regs:
        last = max(r.requested_at for r in reg.print_requests).astimezone(PARIS).date()
        opens = duplicate_due(last, today, cals(reg.session.site.departement_code), rules)
        if opens is not None:
            groups.setdefault((reg.session.ref, opens), []).append(reg)
    out = []
    for (ref, opens), group in sorted(groups.items()):
        site = group[0].session.site
        names = [f"{r.candidate.first_name} {r.candidate.last_name} (n° {r.candidate.ceres_id})"
                 for r in group]
        out.append(_event(
            ReminderKind.DUPLICATE_OPEN, f"duplicata_possible:{ref}:{opens}", opens,
            texts.duplicate_open(ref, names, opens),
            Action("demander_duplicata", {"session": ref}),
            users.of_site(site, Role.UD), ref))
    return out


def _pnd_events(db: Session, today: date, users: Recipients) -> list[ReminderEvent]:
    since = datetime.combine(today - timedelta(days=90), time(0), tzinfo=PARIS)
    events = db.scalars(
        select(PndEvent)
        .where(PndEvent.reported_at >= since)
        .order_by(PndEvent.reported_at, PndEvent.id)
        .options(
            selectinload(PndEvent.registration).selectinload(Registration.candidate),
            selectinload(PndEvent.registration).selectinload(Registration.session)
            .selectinload(ExamSession.site),
        )
    ).all()
    corrected: dict[int, datetime] = {}  # registration → last PND with a corrected address
    for e in events:
        if e.new_address:
            corrected[e.registration_id] = max(e.reported_at,
                                               corrected.get(e.registration_id, e.reported_at))
    out = []
    for e in events:
        reg = e.registration
        cand, session = reg.candidate, reg.session
        name = f"{cand.first_name} {cand.last_name}"
        reported = e.reported_at.astimezone(PARIS).date()
        if reported > today:
            continue
        if not e.new_address:
            fixed = corrected.get(e.registration_id)
            if fixed is not None and fixed >= e.reported_at:
                continue  # the address was corrected since (R-AFT-2)
            out.append(_event(
                ReminderKind.PND_RETURNED, f"pnd_retourne:{e.id}", reported,
                texts.pnd_returned(session.ref, name, cand.ceres_id, reported),
                Action("enregistrer_pnd", {"session": session.ref, "candidate": cand.ceres_id}),
                users.of_site(session.site, Role.UD), cand.ceres_id))
        elif e.afpa_notified_at is not None:
            notified = e.afpa_notified_at.astimezone(PARIS).date()
            if notified > today:
                continue
            out.append(_event(
                ReminderKind.AFPA_PND, f"pnd_afpa:{e.id}", notified,
                texts.afpa_pnd(name, cand.ceres_id, session.ref, e.new_address),
                Action("renvoyer_pnd", {"session": session.ref, "candidate": cand.ceres_id}),
                users.of_role(Role.AFPA), cand.ceres_id))
    return out


def _habilitation_events(db: Session, today: date, rules: Rules, users: Recipients,
                         cals: _Calendars) -> list[ReminderEvent]:
    from ceres_core.models import Juror

    horizon = today + timedelta(days=7 * (max(rules.reminder_habilitation_offsets) // 5 + 3))
    habs = db.scalars(
        select(Habilitation)
        .where(
            Habilitation.state == HabilitationState.ACTIVE,
            Habilitation.ends_on.is_not(None),
            Habilitation.ends_on >= today,
            Habilitation.ends_on <= horizon,
        )
        .order_by(Habilitation.ends_on, Habilitation.id)
        .options(selectinload(Habilitation.juror), selectinload(Habilitation.title),
                 selectinload(Habilitation.ccp), selectinload(Habilitation.ccs))
    ).all()
    out = []
    for h in habs:
        juror: Juror = h.juror
        region = juror.region_code
        if not region:
            continue
        deps = geography.departements_of_region(region)
        cal = cals(deps[0].code if len(deps) == 1 else None)
        assert h.ends_on is not None
        found = offset_before(h.ends_on, today, cal, rules.reminder_habilitation_offsets)
        if found is None:
            continue
        k, due = found
        on = h.ccs.label if h.ccs else h.ccp.label if h.ccp else h.title.label
        out.append(_event(
            ReminderKind.HABILITATION_EXPIRY, f"habilitation_expire:{h.id}:{h.ends_on}:J-{k}", due,
            texts.habilitation_expiry(juror.full_name, on, h.ends_on,
                                      cal.working_days_between(today, h.ends_on)),
            Action("voir_habilitations", {"juror": str(juror.id)}),
            users.of_region(region, Role.DREETS), juror.full_name))
    return out


def _gev_events(db: Session, today: date, users: Recipients,
                cals: _Calendars) -> list[ReminderEvent]:
    if not cals(None).is_working_day(today):
        return []
    orders = db.scalars(
        select(DteOrder)
        .join(ExamSession, ExamSession.id == DteOrder.session_id)
        .where(DteOrder.cancelled_at.is_(None), ExamSession.state != SessionState.ANNULEE,
               ExamSession.start_date >= today)
        .order_by(ExamSession.start_date, ExamSession.ref)
        .options(selectinload(DteOrder.acknowledgements), selectinload(DteOrder.session))
    ).all()
    to_ack, to_prepare = [], []
    for o in orders:
        kinds = {a.kind for a in o.acknowledgements}
        if AckKind.RECEPTION not in kinds:
            to_ack.append(o.session.ref)
        elif AckKind.PREPARATION not in kinds and gev_preparation_due(
            o.session.kind, o.session.start_date, o.ordered_at.astimezone(PARIS).date(), today
        ):
            to_prepare.append(o.session.ref)
    if not (to_ack or to_prepare):
        return []
    return [_event(
        ReminderKind.GEV_ORDERS, f"commandes_gev:{today}", today,
        texts.gev_orders(to_ack, to_prepare), Action("traiter_commandes_dte", {}),
        users.of_role(Role.GEV), "GEV")]


def _afpa_print_events(db: Session, today: date, users: Recipients,
                       cals: _Calendars) -> list[ReminderEvent]:
    cal = cals(None)
    if not cal.is_working_day(today):
        return []
    since = cal.add_working_days(today, -1)
    start = datetime.combine(since, time(0), tzinfo=PARIS)
    end = datetime.combine(today, time(0), tzinfo=PARIS)
    rows = db.execute(
        select(ExamSession.ref)
        .join(Registration, Registration.session_id == ExamSession.id)
        .join(PrintRequest, PrintRequest.registration_id == Registration.id)
        .where(PrintRequest.requested_at >= start, PrintRequest.requested_at < end)
        .order_by(ExamSession.ref)
    ).all()
    if not rows:
        return []
    refs = sorted({r[0] for r in rows})
    return [_event(
        ReminderKind.AFPA_PRINTS, f"impressions_afpa:{today}", today,
        texts.afpa_prints(len(rows), refs, since), Action("traiter_impressions", {}),
        users.of_role(Role.AFPA), "Afpa")]


def duplicate_pair_event(
    region_code: str, first: str, second: str, first_label: str, second_label: str,
    reason: str, today: date, users: Recipients,
) -> ReminderEvent:
    """R-CAN-5: a likely duplicate pair of the region, told once to its DREETS."""
    a, b = sorted((first, second))
    return _event(
        ReminderKind.CANDIDATE_DUPLICATES, f"doublons_candidats:{a}:{b}", today,
        texts.candidate_duplicates(first_label, second_label, reason),
        Action("voir_doublons", {"candidates": f"{a},{b}"}),
        users.of_region(region_code, Role.DREETS), f"{a}, {b}")
