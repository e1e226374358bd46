"""The DTE timeline of a session: when to order, when it ships, when links open.

Pure functions over :class:`~ceres_core.calendar.WorkingCalendar`; the delays are
module-level data so that a reading can be changed in one place.

* R-DTE-1 order deadline: the day before the same date three months earlier
  (calendar months, ``relativedelta``; 20/05/2019 → 19/02/2019). When the earlier
  month is shorter, ``relativedelta`` clamps to its last day (31/05 → 28/02 → 27/02).
* R-DTE-4 TP: the DTE ships 5 to 6 weeks before the start.
* R-DTE-5 CCP: links open 60 days before the start (organiser part) and 5 working
  days before it (jury and candidate parts, the département's calendar), each at the
  automaton's first run (08:00, 15:00, 21:00 Europe/Paris) on or after the opening
  date. The automaton sends the links on the day after the order, so with an order
  time the opening is the later of the two.
* R-DTE-7 chase the GEV from 2 weeks before the certification (start) date.
* R-CON-2 convocations: the delays per exam type are data of
  :class:`ceres_core.settings.Rules` (``convocation_delays``, the one table of that
  reading: 1 month for a TP session, 15 days for a CCP or CCS session); the
  services pass ``core.rules``.
* :func:`next_deadline`: the one deadline a session's list shows next (R-DTE-1 while
  the DTE is not ordered, R-CON-2 while convocations are not issued, R-SES-6 closing
  at the centre once the session is over).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ceres_core.calendar import WorkingCalendar
from ceres_core.clock import PARIS, Clock
from ceres_core.errors import InvalidInput
from ceres_core.geography import departement as _departement
from ceres_core.settings import Rules


class DteKind(StrEnum):
    """The kind of DTE, which decides how it is delivered (R-DTE-4, R-DTE-5)."""

    TP = "TP"
    CCP = "CCP"


# -- the delays, as data -------------------------------------------------------------

#: R-DTE-1: ordering closes 3 months + 1 day before the session start.
ORDER_DEADLINE_MONTHS = 3
#: R-DTE-4: a TP's DTE ships between 6 and 5 weeks before the start.
TP_SHIPPING_EARLIEST = timedelta(weeks=6)
TP_SHIPPING_LATEST = timedelta(weeks=5)
#: R-DTE-5: the CCP organiser link opens 60 days before the start...
CCP_ORGANISER_OPENS_DAYS_BEFORE = 60
#: ... and the jury and candidate links 5 working days before it.
CCP_JURY_CANDIDATE_OPENS_WORKING_DAYS_BEFORE = 5
#: R-DTE-5: the automaton's runs, Europe/Paris time.
AUTOMATON_RUN_TIMES: tuple[time, ...] = (time(8, 0), time(15, 0), time(21, 0))
#: R-DTE-7: contact the GEV if the DTE has not arrived 2 weeks before the start.
GEV_CHASE_BEFORE = timedelta(weeks=2)


# -- single rules ----------------------------------------------------------------------


def parse_kind(value: str | DteKind) -> DteKind:
    """``"tp"``/``"TP"`` → :attr:`DteKind.TP`; raises :class:`InvalidInput` in French."""
    text = str(value).strip().upper()
    try:
        return DteKind(text)
    except ValueError:
        raise InvalidInput(
            f"Le type de DTE « {str(value).strip()} » est inconnu : indiquez TP ou CCP."
        ) from None


def order_deadline(start: date) -> date:
    """R-DTE-1: last day to order the DTE, the day before the same date 3 months earlier."""
    return start - relativedelta(months=ORDER_DEADLINE_MONTHS) - timedelta(days=1)


def tp_shipping_window(start: date) -> tuple[date, date]:
    """R-DTE-4: ``(start − 6 weeks, start − 5 weeks)``, when the GEV ships a TP's DTE."""
    return start - TP_SHIPPING_EARLIEST, start - TP_SHIPPING_LATEST


def next_automaton_run(at: datetime) -> datetime:
    """R-DTE-5: the automaton's first run at or after ``at`` (naive means Europe/Paris)."""
    at = at.replace(tzinfo=PARIS) if at.tzinfo is None else at.astimezone(PARIS)
    day = at.date()
    while True:
        for run in AUTOMATON_RUN_TIMES:
            candidate = datetime.combine(day, run, tzinfo=PARIS)
            if candidate >= at:
                return candidate
        day += timedelta(days=1)


def _opening(day: date, ordered_at: datetime | None) -> datetime:
    """First run on or after ``day``, and not before the run of the day after the order."""
    earliest = datetime.combine(day, time(0, 0), tzinfo=PARIS)
    if ordered_at is not None:
        order_day = ordered_at.astimezone(PARIS).date() if ordered_at.tzinfo else ordered_at.date()
        sent = datetime.combine(order_day + timedelta(days=1), time(0, 0), tzinfo=PARIS)
        earliest = max(earliest, sent)
    return next_automaton_run(earliest)


def ccp_link_openings(
    start: date,
    calendar: WorkingCalendar | None = None,
    ordered_at: datetime | None = None,
) -> tuple[datetime, datetime]:
    """R-DTE-5: when the CCP links open, ``(organiser, jury and candidates)``.

    Organiser: 60 calendar days before ``start``; jury and candidates: 5 working days
    before it in ``calendar`` (national if ``None``). Each opens at the automaton's
    first run on or after that date, and not before the links are sent (the run of
    the day after ``ordered_at``, if given).
    """
    calendar = calendar or WorkingCalendar()
    organiser_day = start - timedelta(days=CCP_ORGANISER_OPENS_DAYS_BEFORE)
    jury_day = calendar.add_working_days(start, -CCP_JURY_CANDIDATE_OPENS_WORKING_DAYS_BEFORE)
    return _opening(organiser_day, ordered_at), _opening(jury_day, ordered_at)


def gev_chase_from(start: date) -> date:
    """R-DTE-7: from this day, contact the GEV if the DTE has not arrived."""
    return start - GEV_CHASE_BEFORE


def convocation_delay(exam_type: str, rules: Rules) -> relativedelta:
    """R-CON-2 (reading): the delay for an exam type (``"TP"``, ``"CCP"``, ``"CCS"``)."""
    return rules.convocation_delays.get(
        str(exam_type).strip().upper(), rules.default_convocation_delay
    )


def convocation_delay_label(delay: relativedelta) -> str:
    """``"1 mois"``, ``"15 jours"``, ``"1 mois et 2 jours"`` (for the messages)."""
    parts = []
    if delay.years:
        parts.append(f"{delay.years} an{'s' if delay.years > 1 else ''}")
    if delay.months:
        parts.append(f"{delay.months} mois")
    if delay.days or not parts:
        parts.append(f"{delay.days} jour{'s' if abs(delay.days) > 1 else ''}")
    return " et ".join(parts)


def convocation_deadline(start: date, exam_type: str, rules: Rules) -> date:
    """R-CON-2: the day by which convocations must have reached people."""
    return start - convocation_delay(exam_type, rules)


# -- the next deadline of a session -----------------------------------------------------

#: States in which the centre still has work before the session goes to validation.
_CENTRE_STATES = ("en_preparation", "convocations_envoyees", "resultats_saisis")


@dataclass(frozen=True)
class NextDeadline:
    """What the centre must do next for a session, by when, and whether it is late."""

    rule: str
    what: str  # « Commander le DTE »
    due: date | None  # None: as soon as possible (closing an ended session)
    overdue: bool
    #: how ``due`` reads: ``by`` (« au plus tard le »), ``on`` (« le »: a date of the DTE
    #: timeline), ``from`` (« à partir du »)
    reading: str = "by"

    @property
    def label(self) -> str:
        """« Commander le DTE au plus tard le 19/02/2027 (R-DTE-1) », « … : en retard »."""
        if self.due is None:
            return f"{self.what} ({self.rule})"
        when = f"{self.due:%d/%m/%Y}"
        late = " : date dépassée" if self.overdue else ""
        prefix = {"on": "le", "from": "à partir du"}.get(self.reading, "au plus tard le")
        return f"{self.what} {prefix} {when}{late} ({self.rule})"


def next_timeline_date(timeline: DteTimeline, today: date) -> NextDeadline | None:
    """The next date of a session's DTE timeline on or after ``today`` once the DTE is
    ordered (R-DTE-4 shipping of a TP, R-DTE-5 link openings of a CCP, R-DTE-7 chasing
    the GEV), ``None`` when all are past."""
    t = timeline
    steps: list[NextDeadline] = []
    if t.tp_shipping_to:
        steps.append(NextDeadline("R-DTE-4", "Envoi du DTE par la GEV", t.tp_shipping_to,
                                  False))
    if t.ccp_organiser_opens:
        steps.append(NextDeadline("R-DTE-5", "Ouverture du lien du DTE organisateur",
                                  t.ccp_organiser_opens.date(), False, "on"))
    if t.ccp_jury_candidate_opens:
        steps.append(NextDeadline("R-DTE-5", "Ouverture des liens des DTE jury et candidats",
                                  t.ccp_jury_candidate_opens.date(), False, "on"))
    steps.append(NextDeadline("R-DTE-7", "Relancer la GEV si les plis ne sont pas arrivés",
                              t.chase_gev_from, False, "from"))
    upcoming = [s for s in steps if s.due is not None and s.due >= today]
    return min(upcoming, key=lambda s: s.due) if upcoming else None  # type: ignore[return-value]


def next_deadline(
    *,
    state: str,
    kind: str,
    start: date,
    end: date,
    dte_ordered: bool,
    convocations_issued: bool,
    closed_by_centre: bool,
    today: date,
    rules: Rules,
) -> NextDeadline | None:
    """The session's next deadline on ``today``; ``None`` when the centre has none left
    (cancelled, waiting for validation, validated, or nothing due).

    * over (``end`` before ``today``) and not closed at the centre: close it (R-SES-6);
    * otherwise, DTE not ordered: the last ordering day (R-DTE-1), late once past;
    * otherwise, convocations not issued: the day they must have reached people
      (R-CON-2, the per-kind delay of ``rules``), late once past.
    """
    if state not in _CENTRE_STATES:
        return None
    if end < today:
        if closed_by_centre:
            return None
        return NextDeadline("R-SES-6", "Clôturer la session au centre", None, True)
    if not dte_ordered:
        due = order_deadline(start)
        return NextDeadline("R-DTE-1", "Commander le DTE", due, due < today)
    if not convocations_issued:
        due = convocation_deadline(start, kind, rules)
        return NextDeadline("R-CON-2", "Envoyer les convocations", due, due < today)
    return None


# -- the whole timeline ----------------------------------------------------------------


@dataclass(frozen=True)
class DteTimeline:
    """The dates of R-DTE-1, 4, 5, 7 and R-CON-2 for one session.

    The ``tp_*`` fields are set for a TP only, the ``ccp_*`` ones for a CCP only.
    """

    kind: DteKind
    start: date
    departement: str | None
    order_deadline: date
    chase_gev_from: date
    convocation_deadline: date
    tp_shipping_from: date | None = None
    tp_shipping_to: date | None = None
    ccp_organiser_opens: datetime | None = None
    ccp_jury_candidate_opens: datetime | None = None

    def to_dict(self) -> dict[str, str | None]:
        """JSON-ready: ISO dates, ISO date-times with offset; other kind's keys left out."""
        data: dict[str, str | None] = {
            "kind": self.kind.value,
            "start": self.start.isoformat(),
            "departement": self.departement,
            "order_deadline": self.order_deadline.isoformat(),
        }
        optional = {
            "tp_shipping_from": self.tp_shipping_from,
            "tp_shipping_to": self.tp_shipping_to,
            "ccp_organiser_opens": self.ccp_organiser_opens,
            "ccp_jury_candidate_opens": self.ccp_jury_candidate_opens,
        }
        data.update({key: value.isoformat() for key, value in optional.items() if value})
        data["chase_gev_from"] = self.chase_gev_from.isoformat()
        data["convocation_deadline"] = self.convocation_deadline.isoformat()
        return data


def dte_timeline(
    kind: DteKind | str,
    start: date,
    departement: str | None = None,
    *,
    rules: Rules | None = None,
    ordered_at: datetime | None = None,
) -> DteTimeline:
    """Compute the DTE timeline of a session starting on ``start``.

    ``departement`` (where the session takes place) picks the working-day calendar
    for the CCP jury/candidate links (R-DTE-6); ``ordered_at`` (CCP only) delays the
    openings to the links' sending (R-DTE-5); ``rules`` gives the convocation delays
    (R-CON-2): front ends pass ``core.rules`` (``None`` is the default
    :class:`~ceres_core.settings.Rules`, for a command with no core). Raises
    :class:`InvalidInput` for an unknown kind or département.
    """
    rules = rules if rules is not None else Rules()
    kind = parse_kind(kind)
    code = None if departement is None else _departement(departement).code
    common = {
        "kind": kind,
        "start": start,
        "departement": code,
        "order_deadline": order_deadline(start),
        "chase_gev_from": gev_chase_from(start),
        "convocation_deadline": convocation_deadline(start, kind.value, rules),
    }
    if kind is DteKind.TP:
        ship_from, ship_to = tp_shipping_window(start)
        return DteTimeline(**common, tp_shipping_from=ship_from, tp_shipping_to=ship_to)
    organiser, jury = ccp_link_openings(start, WorkingCalendar(code), ordered_at)
    return DteTimeline(**common, ccp_organiser_opens=organiser, ccp_jury_candidate_opens=jury)


# -- "is it still time to order?" ------------------------------------------------------


@dataclass(frozen=True)
class OrderWindow:
    """R-DTE-1 seen from ``today``: the deadline and the days left to order."""

    start: date
    today: date
    deadline: date

    @property
    def days_left(self) -> int:
        """Days until the deadline; 0 on the last day, negative once it has passed."""
        return (self.deadline - self.today).days

    @property
    def still_time(self) -> bool:
        return self.days_left >= 0

    def message_fr(self) -> str:
        """A French sentence for the user."""
        deadline = format_date_fr(self.deadline)
        session = format_date_fr(self.start)
        left = self.days_left
        if left > 1:
            return (
                f"Il reste {left} jours pour commander le DTE de la session du "
                f"{session} : date limite le {deadline} (R-DTE-1)."
            )
        if left == 1:
            return (
                f"Il reste 1 jour pour commander le DTE de la session du {session}"
                f" : date limite demain, le {deadline} (R-DTE-1)."
            )
        if left == 0:
            return (
                f"C'est le dernier jour pour commander le DTE de la session du {session}"
                f" : la date limite est aujourd'hui, {deadline} (R-DTE-1)."
            )
        late = -left
        return (
            f"Il est trop tard pour commander le DTE de la session du {session} : "
            f"la date limite était le {deadline}, il y a {late} jour"
            f"{'s' if late > 1 else ''} (R-DTE-1)."
        )


def order_window(start: date, clock: Clock) -> OrderWindow:
    """R-DTE-1: is it still time to order the DTE of a session, given the clock's today?"""
    return OrderWindow(start=start, today=clock.today(), deadline=order_deadline(start))


# -- French rendering (no locale) ------------------------------------------------------

FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def format_date_fr(d: date, with_weekday: bool = True) -> str:
    """``"lundi 15 mars 2027"``, ``"lundi 1er février 2027"``."""
    day = "1er" if d.day == 1 else str(d.day)
    text = f"{day} {FRENCH_MONTHS[d.month - 1]} {d.year}"
    return f"{FRENCH_DAYS[d.weekday()]} {text}" if with_weekday else text


def format_time_fr(t: time) -> str:
    """``"8 h"``, ``"14 h 30"`` (French style)."""
    if t.minute == 0:
        return f"{t.hour} h"
    return f"{t.hour} h {t.minute:02d}"


def format_datetime_fr(dt: datetime) -> str:
    """``"jeudi 14 janvier 2027 à 8 h"`` (Europe/Paris time)."""
    local = dt.astimezone(PARIS) if dt.tzinfo else dt
    return f"{format_date_fr(local.date())} à {format_time_fr(local.time())}"


def render_timeline_fr(timeline: DteTimeline) -> str:
    """The timeline in French, one line per step, in date order."""
    t = timeline
    where = ""
    if t.departement:
        dep = _departement(t.departement)
        where = f" ({dep.label})"
    header = f"Calendrier du DTE – session {t.kind.value} du {format_date_fr(t.start)}{where}"
    steps: list[tuple[date, str]] = [
        (
            t.order_deadline,
            f"Date limite de commande du DTE : {format_date_fr(t.order_deadline)} (R-DTE-1)",
        ),
    ]
    if t.tp_shipping_from and t.tp_shipping_to:
        steps.append(
            (
                t.tp_shipping_from,
                "Envoi du DTE par la GEV : entre le "
                f"{format_date_fr(t.tp_shipping_from)} et le {format_date_fr(t.tp_shipping_to)} "
                "(R-DTE-4)",
            )
        )
    if t.ccp_organiser_opens and t.ccp_jury_candidate_opens:
        steps.append(
            (
                t.ccp_organiser_opens.date(),
                "Ouverture du lien du DTE organisateur : "
                f"{format_datetime_fr(t.ccp_organiser_opens)} (R-DTE-5)",
            )
        )
        steps.append(
            (
                t.ccp_jury_candidate_opens.date(),
                "Ouverture des liens des DTE jury et candidats : "
                f"{format_datetime_fr(t.ccp_jury_candidate_opens)} (R-DTE-5)",
            )
        )
    steps.append(
        (
            t.convocation_deadline,
            "Convocations à faire parvenir au plus tard le "
            f"{format_date_fr(t.convocation_deadline)} (R-CON-2)",
        )
    )
    steps.append(
        (
            t.chase_gev_from,
            "Contacter la GEV si le DTE n'est pas arrivé : à partir du "
            f"{format_date_fr(t.chase_gev_from)} (R-DTE-7)",
        )
    )
    steps.sort(key=lambda step: step[0])
    return "\n".join([header, *(f"• {line}" for _, line in steps)])
