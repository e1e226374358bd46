"""Opening hours of a queue and the SLA clock (pure functions, no database).

A :class:`Schedule` is a queue's week (opening intervals per weekday, in the
queue's own time zone: a DEETS overseas opens at 9:00 *local* time) plus its
public holidays (French national ones, and the local ones of the queue's
département, through :class:`ceres_core.calendar.WorkingCalendar`). A holiday
closes the queue all day (R-ASS-2 gives the hours; the holidays are our reading).

The SLA clock counts **opening time** only:

* :func:`opening_time_between` – opening time between two instants;
* :func:`due_at` – the earliest instant at which ``n`` of opening time have
  elapsed since ``start`` (``start`` itself for ``n == 0``).

They are inverse of each other: ``opening_time_between(s, due_at(s, d)) == d``.
Pauses (a ticket waiting on its requester) are accounted by the caller, which
adds the opening time spent paused to the target (see ``tickets.handling``).

All arithmetic is done in UTC, so daylight-saving changes never distort a count.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ceres_core.calendar import WorkingCalendar

ZERO = timedelta(0)
_ONE_DAY = timedelta(days=1)
#: Upper bound on the days scanned by :func:`due_at` (a queue open at least one
#: minute a fortnight reaches any realistic target long before).
_MAX_SCAN_DAYS = 366 * 20

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

Interval = tuple[time, time]


def parse_hours(spec: Mapping[str, Sequence[Sequence[str]]]) -> tuple[tuple[Interval, ...], ...]:
    """Turn ``{"0": [["09:00", "18:00"]], ...}`` (weekday 0 = Monday) into intervals.

    Missing weekdays are closed. Intervals of a day must be increasing and disjoint.
    """
    week: list[tuple[Interval, ...]] = []
    for weekday in range(7):
        intervals: list[Interval] = []
        for start, end in spec.get(str(weekday), ()):
            a, b = time.fromisoformat(start), time.fromisoformat(end)
            if not a < b:
                raise ValueError(f"empty opening interval {start}-{end}")
            if intervals and a < intervals[-1][1]:
                raise ValueError(f"overlapping opening intervals on weekday {weekday}")
            intervals.append((a, b))
        week.append(tuple(intervals))
    return tuple(week)


@dataclass(frozen=True)
class Schedule:
    """A queue's opening hours: weekly intervals, time zone, holiday calendar."""

    week: tuple[tuple[Interval, ...], ...]
    timezone: str = "Europe/Paris"
    departement: str | None = None
    _calendar: WorkingCalendar = field(init=False, repr=False, compare=False)
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("a schedule has 7 weekdays")
        object.__setattr__(self, "_calendar", WorkingCalendar(self.departement))
        object.__setattr__(self, "_tz", ZoneInfo(self.timezone))

    @classmethod
    def from_spec(
        cls,
        spec: Mapping[str, Sequence[Sequence[str]]],
        timezone: str = "Europe/Paris",
        departement: str | None = None,
    ) -> Schedule:
        return _cached_schedule(_freeze(spec), timezone, departement)

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def is_closed_day(self, d: date) -> bool:
        """Closed all day: no interval on that weekday, or a public holiday."""
        return not self.week[d.weekday()] or self._calendar.is_holiday(d)

    def holiday_name(self, d: date) -> str | None:
        return self._calendar.holiday_name(d)

    def day_intervals(self, d: date) -> Iterator[tuple[datetime, datetime]]:
        """Opening intervals of local day ``d``, as UTC instants."""
        if self.is_closed_day(d):
            return
        for a, b in self.week[d.weekday()]:
            yield (
                datetime.combine(d, a, self._tz).astimezone(UTC),
                datetime.combine(d, b, self._tz).astimezone(UTC),
            )

    def weekly_minutes(self) -> int:
        """Opening minutes of an ordinary week (no holiday)."""
        total = 0
        for intervals in self.week:
            for a, b in intervals:
                total += (b.hour * 60 + b.minute) - (a.hour * 60 + a.minute)
        return total

    def is_open(self, at: datetime) -> bool:
        at = _utc(at)
        local = at.astimezone(self._tz).date()
        return any(a <= at < b for a, b in self.day_intervals(local))

    def describe(self) -> str:
        """French text, e.g. ``"lundi–vendredi 9:00–18:00"`` per distinct group of days."""
        parts: list[str] = []
        weekday = 0
        while weekday < 7:
            intervals = self.week[weekday]
            last = weekday
            while last + 1 < 7 and self.week[last + 1] == intervals:
                last += 1
            if intervals:
                days = WEEKDAYS[weekday] if last == weekday else f"{WEEKDAYS[weekday]}–{WEEKDAYS[last]}"
                hours = ", ".join(f"{_hm(a)}–{_hm(b)}" for a, b in intervals)
                parts.append(f"{days} {hours}")
            weekday = last + 1
        return " ; ".join(parts) + " (fermé les jours fériés)" if parts else "fermé"


def _hm(t: time) -> str:
    return f"{t.hour}:{t.minute:02d}"


def _freeze(spec: Mapping[str, Sequence[Sequence[str]]]) -> tuple:
    return tuple(
        (str(k), tuple(tuple(interval) for interval in v)) for k, v in sorted(spec.items())
    )


@lru_cache(maxsize=512)
def _cached_schedule(frozen: tuple, timezone: str, departement: str | None) -> Schedule:
    spec = {k: [list(i) for i in v] for k, v in frozen}
    return Schedule(parse_hours(spec), timezone, departement)


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime: the SLA clock needs aware datetimes")
    return at.astimezone(UTC)


def _local_days(schedule: Schedule, start: datetime) -> Iterator[date]:
    """Local days from the one containing ``start`` (UTC) onwards."""
    d = start.astimezone(schedule.tz).date() - _ONE_DAY  # an interval may straddle UTC midnight
    while True:
        yield d
        d += _ONE_DAY


def opening_time_between(schedule: Schedule, start: datetime, end: datetime) -> timedelta:
    """Opening time in ``[start, end]``; negative if ``end`` is before ``start``."""
    a, b = _utc(start), _utc(end)
    if b < a:
        return -opening_time_between(schedule, end, start)
    total = ZERO
    last_day = b.astimezone(schedule.tz).date() + _ONE_DAY
    for d in _local_days(schedule, a):
        if d > last_day:
            break
        for lo, hi in schedule.day_intervals(d):
            lo, hi = max(lo, a), min(hi, b)
            if hi > lo:
                total += hi - lo
    return total


def opening_minutes_between(schedule: Schedule, start: datetime, end: datetime) -> float:
    """:func:`opening_time_between` in minutes."""
    return opening_time_between(schedule, start, end).total_seconds() / 60


def due_at(schedule: Schedule, start: datetime, amount: timedelta | float) -> datetime:
    """Earliest instant at which ``amount`` of opening time has elapsed since ``start``.

    ``amount`` is a :class:`timedelta` or a number of minutes; ``0`` gives ``start``.
    The result is in the queue's time zone.
    """
    remaining = amount if isinstance(amount, timedelta) else timedelta(minutes=amount)
    if remaining < ZERO:
        raise ValueError("a negative SLA target makes no sense")
    a = _utc(start)
    if remaining == ZERO:
        return a.astimezone(schedule.tz)
    scanned = 0
    for d in _local_days(schedule, a):
        scanned += 1
        if scanned > _MAX_SCAN_DAYS:
            raise ValueError("the queue never opens: no due date")
        for lo, hi in schedule.day_intervals(d):
            lo = max(lo, a)
            if hi <= lo:
                continue
            if hi - lo >= remaining:
                return (lo + remaining).astimezone(schedule.tz)
            remaining -= hi - lo
    raise AssertionError("unreachable")  # pragma: no cover


def remaining_time(schedule: Schedule, now: datetime, due: datetime) -> timedelta:
    """Opening time left until ``due`` (negative once overdue): the dashboard countdown."""
    return opening_time_between(schedule, now, due)
