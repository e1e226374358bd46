"""Working-day calendar (R-DTE-6) and parsing of dates typed by users.

R-DTE-6: working days are Monday to Friday minus the French public holidays,
including the local ones of the département where the session takes place.
The holidays come from the maintained ``holidays`` library (``holidays.France``),
whose subdivisions cover the local days:

* Moselle (``"57"``) and Alsace (``"6AE"``, for Bas-Rhin 67 and Haut-Rhin 68):
  Good Friday and St Stephen's day (26 December);
* each DROM (``"971"``..``"976"``): the abolition of slavery day (27 May in
  Guadeloupe, 22 May in Martinique, 10 June in Guyane, 20 December in La Réunion,
  27 April in Mayotte) and the library's other local days (Guadeloupe and
  Martinique: Victor Schœlcher day; Guadeloupe: Mi-Carême and Good Friday).

We follow the library's list as is (Whit Monday included); the "school" category
(Zone A/B/C) is never used. Holiday sets are cached per (subdivision, year).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from types import MappingProxyType

import holidays

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput
from ceres_core.geography import departement as _departement

#: Département code → subdivision of ``holidays.France`` (R-DTE-6).
HOLIDAY_SUBDIVISIONS: Mapping[str, str] = MappingProxyType(
    {
        "57": "57",
        "67": "6AE",
        "68": "6AE",
        "971": "971",
        "972": "972",
        "973": "973",
        "974": "974",
        "976": "976",
    }
)

_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Holiday:
    """A public holiday: its date and French name (``"Lundi de Pâques"``)."""

    date: date
    name: str


def holiday_subdivision(departement: str | None) -> str | None:
    """The ``holidays.France`` subdivision for a département, ``None`` for national only."""
    if departement is None:
        return None
    return HOLIDAY_SUBDIVISIONS.get(_departement(departement).code)


@lru_cache(maxsize=2048)
def _holidays_of_year(subdivision: str | None, year: int) -> Mapping[date, str]:
    """French names of the holidays of one year, for one subdivision (cached)."""
    table = holidays.France(subdiv=subdivision, years=year, language="fr")
    return MappingProxyType({d: name for d, name in table.items() if d.year == year})


def _as_date(value: date) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise TypeError(f"a date is expected, not {type(value).__name__}")
    return value


class WorkingCalendar:
    """Working days of a département (R-DTE-6), or of the whole country if ``None``.

    Raises :class:`InvalidInput` for an unknown département code.
    """

    def __init__(self, departement: str | None = None) -> None:
        self.departement: str | None = (
            None if departement is None else _departement(departement).code
        )
        self.subdivision: str | None = holiday_subdivision(self.departement)

    def __repr__(self) -> str:
        return f"WorkingCalendar(departement={self.departement!r})"

    # -- holidays ------------------------------------------------------------------
    def holiday_name(self, d: date) -> str | None:
        """French name of the holiday on ``d``, or ``None``."""
        d = _as_date(d)
        return _holidays_of_year(self.subdivision, d.year).get(d)

    def is_holiday(self, d: date) -> bool:
        d = _as_date(d)
        return d in _holidays_of_year(self.subdivision, d.year)

    def holidays_between(self, a: date, b: date) -> list[Holiday]:
        """Holidays from ``a`` to ``b`` inclusive (any weekday), in date order."""
        a, b = _as_date(a), _as_date(b)
        if b < a:
            a, b = b, a
        found: list[Holiday] = []
        for year in range(a.year, b.year + 1):
            table = _holidays_of_year(self.subdivision, year)
            found.extend(Holiday(d, name) for d, name in table.items() if a <= d <= b)
        return sorted(found, key=lambda h: h.date)

    # -- working days --------------------------------------------------------------
    def is_working_day(self, d: date) -> bool:
        """Monday to Friday and not a public holiday of the département (R-DTE-6)."""
        d = _as_date(d)
        return d.weekday() < 5 and not self.is_holiday(d)

    def next_working_day(self, d: date) -> date:
        """``d`` if it is a working day, otherwise the first working day after it."""
        d = _as_date(d)
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def previous_working_day(self, d: date) -> date:
        """``d`` if it is a working day, otherwise the last working day before it."""
        d = _as_date(d)
        while not self.is_working_day(d):
            d -= _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (before it if ``n`` < 0); ``d`` itself if 0.

        ``d`` is not counted: from Friday 5, ``+1`` is Monday 8 (no holiday), and
        ``-5`` from a session day is the fifth working day strictly before it.
        """
        d = _as_date(d)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            d += step
            if self.is_working_day(d):
                remaining -= 1
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """Working-day steps from ``a`` to ``b``: the inverse of :meth:`add_working_days`.

        For ``b >= a`` it counts the working days in ``(a, b]``; for ``b < a`` it is
        minus the number of working days in ``[b, a)``. So for every ``d`` and ``n``,
        ``working_days_between(d, add_working_days(d, n)) == n``.
        """
        a, b = _as_date(a), _as_date(b)
        if b >= a:
            return self._count_working_days(a + _ONE_DAY, b)
        return -self._count_working_days(b, a - _ONE_DAY)

    def _count_working_days(self, first: date, last: date) -> int:
        """Number of working days in ``[first, last]`` (0 if empty)."""
        if last < first:
            return 0
        weekdays = _weekdays_until(last) - _weekdays_until(first - _ONE_DAY)
        weekday_holidays = sum(
            1 for h in self.holidays_between(first, last) if h.date.weekday() < 5
        )
        return weekdays - weekday_holidays


def _weekdays_until(d: date) -> int:
    """Number of Mondays-to-Fridays from a fixed Monday origin up to ``d`` inclusive."""
    days = d.toordinal()  # ordinal 1 (0001-01-01) is a Monday
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


# -- parsing what users type ---------------------------------------------------------

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ](\d{1,2}):(\d{2}))?$")


def parse_iso_date(text: str, what: str = "La date") -> date:
    """Parse ``AAAA-MM-JJ``; raise :class:`InvalidInput` with a French message otherwise.

    ``what`` starts the message (``"La date de début"``).
    """
    raw = (text or "").strip()
    if not raw:
        raise InvalidInput(f"{what} est vide : indiquez-la au format AAAA-MM-JJ.")
    match = _ISO_DATE.match(raw)
    if not match:
        raise InvalidInput(
            f"{what} « {raw} » n'est pas au format AAAA-MM-JJ (par exemple 2027-03-15)."
        )
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise InvalidInput(f"{what} « {raw} » n'existe pas dans le calendrier.") from None


def parse_iso_datetime(text: str, what: str = "La date") -> datetime:
    """Parse ``AAAA-MM-JJ`` or ``AAAA-MM-JJTHH:MM`` (Europe/Paris time, midnight by default)."""
    raw = (text or "").strip()
    if not raw:
        raise InvalidInput(f"{what} est vide : indiquez-la au format AAAA-MM-JJ.")
    match = _ISO_DATETIME.match(raw)
    if not match:
        raise InvalidInput(
            f"{what} « {raw} » n'est pas au format AAAA-MM-JJ ou AAAA-MM-JJTHH:MM "
            "(par exemple 2027-03-15T14:30)."
        )
    day = parse_iso_date(match[1], what)
    hour, minute = int(match[2] or 0), int(match[3] or 0)
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{what} « {raw} » a une heure qui n'existe pas.")
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
