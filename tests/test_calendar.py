"""Working-day calendar (R-DTE-6): known holidays, then properties with hypothesis."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceres_core.calendar import (
    Holiday,
    WorkingCalendar,
    holiday_subdivision,
    parse_iso_date,
    parse_iso_datetime,
)
from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput

NATIONAL = WorkingCalendar()
LOCAL_DEPARTEMENTS = ["57", "67", "68", "971", "972", "973", "974", "976"]
CALENDARS = {code: WorkingCalendar(code) for code in [None, "75", "2A", *LOCAL_DEPARTEMENTS]}

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
calendars = st.sampled_from(list(CALENDARS.values()))
steps = st.integers(min_value=-400, max_value=400)


# -- known holidays -------------------------------------------------------------------


def test_r_dte_6_easter_monday_2027_is_a_national_holiday() -> None:
    assert NATIONAL.is_holiday(date(2027, 3, 29))
    assert NATIONAL.holiday_name(date(2027, 3, 29)) == "Lundi de Pâques"
    assert not NATIONAL.is_working_day(date(2027, 3, 29))
    assert NATIONAL.is_working_day(date(2027, 3, 30))


@pytest.mark.parametrize("code", ["57", "67", "68"])
def test_r_dte_6_alsace_moselle_has_good_friday_and_st_stephen(code: str) -> None:
    cal = WorkingCalendar(code)
    assert cal.is_holiday(date(2027, 12, 26))
    assert cal.is_holiday(date(2027, 3, 26))  # Good Friday 2027
    assert not cal.is_working_day(date(2026, 12, 26))
    assert not NATIONAL.is_holiday(date(2027, 12, 26))
    assert not NATIONAL.is_holiday(date(2027, 3, 26))
    assert NATIONAL.is_working_day(date(2027, 3, 26))
    assert not cal.is_working_day(date(2027, 3, 26))


@pytest.mark.parametrize(
    ("code", "day"),
    [
        ("974", date(2027, 12, 20)),
        ("971", date(2027, 5, 27)),
        ("972", date(2027, 5, 22)),
        ("973", date(2027, 6, 10)),
        ("976", date(2027, 4, 27)),
    ],
)
def test_r_dte_6_drom_abolition_of_slavery_days(code: str, day: date) -> None:
    cal = WorkingCalendar(code)
    assert cal.is_holiday(day)
    assert "esclavage" in (cal.holiday_name(day) or "").lower()
    assert not NATIONAL.is_holiday(day)
    # The day is local: metropolitan France and the other DROM work that day.
    assert not CALENDARS["75"].is_holiday(day)


def test_r_dte_6_subdivisions_of_the_holidays_library() -> None:
    assert holiday_subdivision(None) is None
    assert holiday_subdivision("75") is None
    assert holiday_subdivision("57") == "57"
    assert holiday_subdivision("67") == "6AE"
    assert holiday_subdivision("68") == "6AE"
    assert holiday_subdivision(" 974") == "974"


def test_unknown_departement_is_refused_in_french() -> None:
    with pytest.raises(InvalidInput, match="département « 99 » est inconnu"):
        WorkingCalendar("99")


def test_departement_code_is_normalised() -> None:
    assert WorkingCalendar("2a").departement == "2A"
    assert WorkingCalendar(" 974 ").subdivision == "974"


def test_holidays_between_lists_french_names_in_order() -> None:
    found = NATIONAL.holidays_between(date(2027, 1, 1), date(2027, 12, 31))
    assert len(found) == 11
    assert found[0] == Holiday(date(2027, 1, 1), "Jour de l'an")
    assert [h.date for h in found] == sorted(h.date for h in found)
    assert Holiday(date(2027, 7, 14), "Fête nationale") in found
    moselle = WorkingCalendar("57").holidays_between(date(2027, 12, 31), date(2027, 12, 20))
    assert [h.name for h in moselle] == ["Noël", "Saint-Étienne"]
    across = NATIONAL.holidays_between(date(2026, 12, 25), date(2027, 1, 1))
    assert [h.date for h in across] == [date(2026, 12, 25), date(2027, 1, 1)]


# -- working-day arithmetic, examples ---------------------------------------------------


def test_add_working_days_skips_weekends_and_holidays() -> None:
    friday = date(2027, 3, 26)  # national working day, Easter Monday follows
    assert NATIONAL.add_working_days(friday, 1) == date(2027, 3, 30)
    assert NATIONAL.add_working_days(date(2027, 3, 30), -1) == friday
    moselle = WorkingCalendar("57")
    assert moselle.add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)
    assert moselle.add_working_days(date(2027, 3, 30), -1) == date(2027, 3, 25)
    assert NATIONAL.add_working_days(date(2027, 3, 27), 0) == date(2027, 3, 27)
    assert NATIONAL.add_working_days(datetime(2027, 3, 26, 10, tzinfo=PARIS), 1) == date(
        2027, 3, 30
    )


def test_working_days_between_examples() -> None:
    assert NATIONAL.working_days_between(date(2027, 3, 22), date(2027, 4, 2)) == 8
    assert WorkingCalendar("57").working_days_between(date(2027, 3, 22), date(2027, 4, 2)) == 7
    assert NATIONAL.working_days_between(date(2027, 4, 2), date(2027, 3, 22)) == -8
    assert NATIONAL.working_days_between(date(2027, 3, 27), date(2027, 3, 28)) == 0


def test_next_and_previous_working_day() -> None:
    assert NATIONAL.next_working_day(date(2027, 3, 27)) == date(2027, 3, 30)
    assert NATIONAL.previous_working_day(date(2027, 3, 29)) == date(2027, 3, 26)
    assert NATIONAL.next_working_day(date(2027, 3, 30)) == date(2027, 3, 30)


# -- properties -----------------------------------------------------------------------


@given(calendars, dates, steps.filter(lambda n: n != 0))
def test_r_dte_6_add_working_days_lands_on_a_working_day(
    cal: WorkingCalendar, d: date, n: int
) -> None:
    result = cal.add_working_days(d, n)
    assert cal.is_working_day(result)
    assert (result > d) if n > 0 else (result < d)


@given(calendars, dates, steps)
def test_r_dte_6_round_trip_from_a_working_day(cal: WorkingCalendar, d: date, n: int) -> None:
    d = cal.next_working_day(d)
    assert cal.add_working_days(cal.add_working_days(d, n), -n) == d


@given(calendars, dates, steps, steps)
def test_r_dte_6_add_working_days_is_strictly_monotonic_in_n(
    cal: WorkingCalendar, d: date, n: int, m: int
) -> None:
    if n < m:
        assert cal.add_working_days(d, n) < cal.add_working_days(d, m)


@given(calendars, dates, dates, steps)
def test_r_dte_6_add_working_days_is_monotonic_in_the_date(
    cal: WorkingCalendar, a: date, b: date, n: int
) -> None:
    a, b = min(a, b), max(a, b)
    assert cal.add_working_days(a, n) <= cal.add_working_days(b, n)


@given(calendars, dates, steps)
def test_r_dte_6_working_days_between_inverts_add_working_days(
    cal: WorkingCalendar, d: date, n: int
) -> None:
    assert cal.working_days_between(d, cal.add_working_days(d, n)) == n


@given(calendars, dates, st.integers(min_value=-60, max_value=60))
def test_r_dte_6_working_days_between_matches_a_day_by_day_count(
    cal: WorkingCalendar, a: date, offset: int
) -> None:
    b = a + timedelta(days=offset)
    if b >= a:
        span = [a + timedelta(days=i) for i in range(1, offset + 1)]
        expected = sum(cal.is_working_day(x) for x in span)
    else:
        span = [b + timedelta(days=i) for i in range(-offset)]
        expected = -sum(cal.is_working_day(x) for x in span)
    assert cal.working_days_between(a, b) == expected


@given(calendars, dates, dates)
def test_r_dte_6_working_days_between_is_antisymmetric_on_working_days(
    cal: WorkingCalendar, a: date, b: date
) -> None:
    a, b = cal.next_working_day(a), cal.next_working_day(b)
    assert cal.working_days_between(a, b) == -cal.working_days_between(b, a)


@given(calendars, dates)
def test_r_dte_6_weekends_are_never_working_days(cal: WorkingCalendar, d: date) -> None:
    if d.weekday() >= 5:
        assert not cal.is_working_day(d)
    if cal.is_working_day(d):
        assert d.weekday() < 5 and not cal.is_holiday(d)


#: A day that is a holiday in the zone only (St Stephen, abolition of slavery).
LOCAL_DAYS = {
    "57": (12, 26),
    "67": (12, 26),
    "68": (12, 26),
    "971": (5, 27),
    "972": (5, 22),
    "973": (6, 10),
    "974": (12, 20),
    "976": (4, 27),
}


@given(st.sampled_from(LOCAL_DEPARTEMENTS), st.integers(min_value=1990, max_value=2090))
def test_r_dte_6_local_calendars_keep_every_national_holiday(code: str, year: int) -> None:
    first, last = date(year, 1, 1), date(year, 12, 31)
    national = {h.date for h in NATIONAL.holidays_between(first, last)}
    local = {h.date for h in CALENDARS[code].holidays_between(first, last)}
    assert national <= local
    # The local day is a holiday every year; it may fall on a national one
    # (10 June 2041 is also Whit Monday in Guyane).
    assert date(year, *LOCAL_DAYS[code]) in local


def test_r_dte_6_a_local_day_may_coincide_with_a_national_one() -> None:
    name = WorkingCalendar("973").holiday_name(date(2041, 6, 10)) or ""
    assert "esclavage" in name.lower() and "Pentecôte" in name


@given(st.sampled_from(LOCAL_DEPARTEMENTS), dates)
def test_r_dte_6_local_calendars_have_no_more_working_days(code: str, d: date) -> None:
    if CALENDARS[code].is_working_day(d):
        assert NATIONAL.is_working_day(d)


# -- parsing user dates ----------------------------------------------------------------


def test_parse_iso_date() -> None:
    assert parse_iso_date(" 2027-03-15 ") == date(2027, 3, 15)
    with pytest.raises(InvalidInput, match="n'est pas au format AAAA-MM-JJ"):
        parse_iso_date("15/03/2027")
    with pytest.raises(InvalidInput, match="« 2027-02-30 » n'existe pas"):
        parse_iso_date("2027-02-30")
    with pytest.raises(InvalidInput, match="^La date de début est vide"):
        parse_iso_date("", "La date de début")


def test_parse_iso_datetime() -> None:
    assert parse_iso_datetime("2027-03-15") == datetime(2027, 3, 15, tzinfo=PARIS)
    assert parse_iso_datetime("2027-03-15T14:30") == datetime(2027, 3, 15, 14, 30, tzinfo=PARIS)
    assert parse_iso_datetime("2027-03-15 9:05") == datetime(2027, 3, 15, 9, 5, tzinfo=PARIS)
    with pytest.raises(InvalidInput, match="heure qui n'existe pas"):
        parse_iso_datetime("2027-03-15T25:00")
    with pytest.raises(InvalidInput, match="n'existe pas"):
        parse_iso_datetime("2027-13-01T10:00")
    with pytest.raises(InvalidInput, match="format"):
        parse_iso_datetime("demain")
