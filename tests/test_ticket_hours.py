"""Opening hours and the SLA clock (pure): examples and properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ceres_core.clock import PARIS
from tickets.hours import due_at, opening_minutes_between, opening_time_between
from tickets.queues import queue_spec, standard_queue_codes

ASSISTANCE = queue_spec("assistance").schedule
GEV = queue_spec("gev-btp").schedule
DREETS = queue_spec("dreets-53").schedule
REUNION = queue_spec("dreets-04").schedule
MOSELLE = queue_spec("ud-57").schedule


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


# -- examples ---------------------------------------------------------------------------------


def test_assistance_is_open_monday_to_friday_9_to_18():
    assert opening_minutes_between(ASSISTANCE, paris(2026, 11, 23, 0, 0), paris(2026, 11, 24, 0, 0)) == 540
    week = opening_minutes_between(ASSISTANCE, paris(2026, 11, 23), paris(2026, 11, 30))
    assert week == 5 * 540
    assert ASSISTANCE.is_open(paris(2026, 11, 23, 9, 0))
    assert not ASSISTANCE.is_open(paris(2026, 11, 23, 18, 0))
    assert not ASSISTANCE.is_open(paris(2026, 11, 22, 10, 0))  # Sunday


def test_gev_closes_earlier_on_friday():
    friday = opening_minutes_between(GEV, paris(2026, 11, 27), paris(2026, 11, 28))
    thursday = opening_minutes_between(GEV, paris(2026, 11, 26), paris(2026, 11, 27))
    assert (thursday, friday) == (540, 390)
    assert "vendredi 8:30–15:00" in GEV.describe()


def test_state_services_have_a_lunch_break():
    assert opening_minutes_between(DREETS, paris(2026, 11, 23, 11, 0), paris(2026, 11, 23, 15, 0)) == 120


def test_public_holidays_close_every_queue():
    # 11 November 2026 is a Wednesday (Armistice).
    for code in standard_queue_codes():
        sched = queue_spec(code).schedule
        assert opening_time_between(sched, paris(2026, 11, 11), paris(2026, 11, 12)) == timedelta(0)


def test_local_holidays_close_local_queues():
    # Good Friday 2027 (26 March) is a holiday in Moselle, not in Paris.
    day = (paris(2027, 3, 26), paris(2027, 3, 27))
    assert opening_time_between(MOSELLE, *day) == timedelta(0)
    assert opening_time_between(ASSISTANCE, *day) == timedelta(hours=9)
    # 20 December (abolition of slavery) closes the DEETS of La Réunion (a Monday in 2027).
    assert opening_time_between(REUNION, paris(2027, 12, 19), paris(2027, 12, 21)) == timedelta(0)


def test_overseas_queue_counts_local_hours():
    # 9:00 in Saint-Denis (UTC+4) is 6:00 in Paris in winter.
    assert REUNION.is_open(paris(2026, 11, 23, 6, 0))
    assert not REUNION.is_open(paris(2026, 11, 23, 9, 0))  # 12:00 local: lunch break


def test_due_skips_nights_weekends_and_holidays():
    # Friday 18:00 + 4 opening hours of the assistance → Monday 13:00.
    assert due_at(ASSISTANCE, paris(2026, 11, 20, 17, 0), 240) == paris(2026, 11, 23, 12, 0)
    # Tuesday 10 November 17:00 + 2 h → Thursday 12 November 10:00 (the 11th is a holiday).
    assert due_at(ASSISTANCE, paris(2026, 11, 10, 17, 0), 120) == paris(2026, 11, 12, 10, 0)
    # From a Sunday the clock starts on Monday at opening time.
    assert due_at(ASSISTANCE, paris(2026, 11, 22, 10, 0), 60) == paris(2026, 11, 23, 10, 0)


def test_due_zero_is_start_and_negative_is_refused():
    start = paris(2026, 11, 22, 10, 0)
    assert due_at(ASSISTANCE, start, 0) == start
    with pytest.raises(ValueError):
        due_at(ASSISTANCE, start, -1)


def test_daylight_saving_change_does_not_distort_the_count():
    # Clocks go back on 25 October 2026: the week still has 5 × 9 hours.
    assert opening_minutes_between(ASSISTANCE, paris(2026, 10, 19), paris(2026, 10, 26)) == 5 * 540
    assert opening_minutes_between(ASSISTANCE, paris(2026, 10, 26), paris(2026, 11, 2)) == 5 * 540


def test_negative_when_end_before_start():
    assert opening_minutes_between(ASSISTANCE, paris(2026, 11, 23, 12), paris(2026, 11, 23, 10)) == -120


# -- properties ---------------------------------------------------------------------------------

SCHEDULES = st.sampled_from([ASSISTANCE, GEV, DREETS, REUNION, MOSELLE])
INSTANTS = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31),
).map(lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC))
AMOUNTS = st.integers(min_value=0, max_value=8000).map(lambda m: timedelta(minutes=m))


@settings(max_examples=150, deadline=None)
@given(SCHEDULES, INSTANTS, INSTANTS, INSTANTS)
def test_monotonic_and_additive(sched, a, b, c):
    a, b, c = sorted((a, b, c))
    ab, bc, ac = (opening_time_between(sched, a, b), opening_time_between(sched, b, c),
                  opening_time_between(sched, a, c))
    assert ab <= ac and bc <= ac
    assert ab + bc == ac
    assert timedelta(0) <= ac <= c - a


@settings(max_examples=150, deadline=None)
@given(SCHEDULES, INSTANTS, AMOUNTS)
def test_due_round_trips(sched, start, amount):
    due = due_at(sched, start, amount)
    assert due >= start
    assert opening_time_between(sched, start, due) == amount
    # due is the earliest such instant: one minute earlier is not enough.
    if amount > timedelta(0):
        assert opening_time_between(sched, start, due - timedelta(minutes=1)) < amount


@settings(max_examples=100, deadline=None)
@given(SCHEDULES, INSTANTS, INSTANTS)
def test_due_of_elapsed_time_is_not_after_end(sched, a, b):
    a, b = sorted((a, b))
    assert due_at(sched, a, opening_time_between(sched, a, b)) <= b


@settings(max_examples=100, deadline=None)
@given(SCHEDULES, st.dates(min_value=datetime(2026, 1, 1).date(), max_value=datetime(2028, 12, 31).date()))
def test_closed_days_and_nights_add_nothing(sched, day):
    local = lambda h, m=0: datetime(day.year, day.month, day.day, h, m, tzinfo=sched.tz)  # noqa: E731
    # Night: 20:00 → next day 07:00 local is always closed.
    assert opening_time_between(sched, local(20), local(20) + timedelta(hours=11)) == timedelta(0)
    if sched.is_closed_day(day):
        assert opening_time_between(sched, local(0), local(23, 59)) == timedelta(0)
