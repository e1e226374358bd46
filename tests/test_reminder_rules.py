"""The reminders' date rules as pure functions (no database): offsets in working days of
the département (R-DTE-6, Alsace-Moselle and overseas holidays included), delivery hours
in the recipient's local time, and the French sentences."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ceres_core import reminder_texts as texts
from ceres_core.calendar import WorkingCalendar
from ceres_core.clock import PARIS
from ceres_core.models import SessionKind
from ceres_core.reminders import (
    agrement_end_due,
    close_due,
    convocations_due,
    dte_order_due,
    duplicate_due,
    gev_chase_due,
    gev_preparation_due,
    in_delivery_hours,
    local_today,
    offset_after,
    offset_before,
)
from ceres_core.settings import Rules

RULES = Rules()
NATIONAL = WorkingCalendar()
PARIS_CAL = WorkingCalendar("75")
MOSELLE = WorkingCalendar("57")
BAS_RHIN = WorkingCalendar("67")
REUNION = WorkingCalendar("974")
GUADELOUPE = WorkingCalendar("971")


def test_offsets_are_written_once_in_the_rules() -> None:
    assert RULES.reminder_dte_order_offsets == (15, 5, 1)
    assert RULES.reminder_hours == (9, 17)


# -- R-DTE-1 -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2027, 1, 28), None),  # before the first reminder
        (date(2027, 1, 29), (15, date(2027, 1, 29))),  # 15 working days before 19/02
        (date(2027, 2, 11), (15, date(2027, 1, 29))),  # still the same reminder (catch-up)
        (date(2027, 2, 12), (5, date(2027, 2, 12))),
        (date(2027, 2, 18), (1, date(2027, 2, 18))),
        (date(2027, 2, 19), (1, date(2027, 2, 18))),  # the deadline itself
        (date(2027, 2, 20), None),  # too late: nothing more to remind
    ],
)
def test_dte_order_reminder_at_15_5_1_working_days(today: date, expected) -> None:
    # R-DTE-1: session on 20/05/2027 → last ordering day Friday 19/02/2027.
    found = dte_order_due(date(2027, 5, 20), False, today, PARIS_CAL, RULES)
    if expected is None:
        assert found is None
    else:
        assert found == (*expected, date(2027, 2, 19))


def test_no_dte_reminder_once_ordered() -> None:
    assert dte_order_due(date(2027, 5, 20), True, date(2027, 2, 12), PARIS_CAL, RULES) is None


def test_dte_reminder_counts_good_friday_in_moselle() -> None:
    # Session 01/07/2027 → deadline Wednesday 31/03/2027; Easter Monday 29/03 is national,
    # Good Friday 26/03 is a holiday in Moselle only (R-DTE-6).
    start = date(2027, 7, 1)
    assert dte_order_due(start, False, date(2027, 3, 22), MOSELLE, RULES) == (
        5, date(2027, 3, 22), date(2027, 3, 31))
    assert dte_order_due(start, False, date(2027, 3, 22), NATIONAL, RULES)[0] == 15
    assert dte_order_due(start, False, date(2027, 3, 23), NATIONAL, RULES)[:2] == (
        5, date(2027, 3, 23))


def test_st_stephen_in_alsace_moves_the_last_reminder() -> None:
    # Deadline Monday 29/12/2025: one working day before is Friday 26/12 nationally,
    # but 26/12 is a holiday in Alsace (Bas-Rhin): Wednesday 24/12 there.
    deadline = date(2025, 12, 29)
    assert offset_before(deadline, date(2025, 12, 26), NATIONAL, (1,)) == (1, date(2025, 12, 26))
    assert offset_before(deadline, date(2025, 12, 24), BAS_RHIN, (1,)) == (1, date(2025, 12, 24))
    assert offset_before(deadline, date(2025, 12, 24), NATIONAL, (1,)) is None


def test_overseas_abolition_days_move_the_reminders() -> None:
    # La Réunion: 20 December; Guadeloupe: 27 May (R-DTE-6).
    assert offset_before(date(2027, 12, 21), date(2027, 12, 17), REUNION, (1,)) == (
        1, date(2027, 12, 17))
    assert offset_before(date(2027, 12, 21), date(2027, 12, 17), NATIONAL, (1,)) is None
    assert offset_before(date(2027, 5, 28), date(2027, 5, 26), GUADELOUPE, (1,)) == (
        1, date(2027, 5, 26))
    assert offset_before(date(2027, 5, 28), date(2027, 5, 26), NATIONAL, (1,)) is None


# -- R-CON-2 -------------------------------------------------------------------------------


def test_convocation_reminders_follow_the_delay_of_the_exam_type() -> None:
    # TP: 1 month → deadline 20/04/2027 (Tuesday); 10 working days before: 06/04.
    assert convocations_due(date(2027, 5, 20), "TP", False, date(2027, 4, 5), PARIS_CAL,
                            RULES) is None
    assert convocations_due(date(2027, 5, 20), "TP", False, date(2027, 4, 6), PARIS_CAL,
                            RULES) == (10, date(2027, 4, 6), date(2027, 4, 20))
    # CCP: 15 days → deadline 05/05/2027; 1 working day before: 04/05.
    assert convocations_due(date(2027, 5, 20), "CCP", False, date(2027, 5, 4), PARIS_CAL,
                            RULES) == (1, date(2027, 5, 4), date(2027, 5, 5))
    assert convocations_due(date(2027, 5, 20), "TP", True, date(2027, 4, 6), PARIS_CAL,
                            RULES) is None


# -- R-DTE-7 -------------------------------------------------------------------------------


def test_gev_chase_for_an_unprepared_tp_from_two_weeks_before() -> None:
    start = date(2027, 5, 20)
    assert gev_chase_due(start, True, True, False, date(2027, 5, 5)) is None
    assert gev_chase_due(start, True, True, False, date(2027, 5, 6)) == date(2027, 5, 6)
    assert gev_chase_due(start, True, True, False, date(2027, 5, 19)) == date(2027, 5, 6)
    assert gev_chase_due(start, True, True, False, start) is None
    assert gev_chase_due(start, True, True, True, date(2027, 5, 10)) is None  # prepared
    assert gev_chase_due(start, False, True, False, date(2027, 5, 10)) is None  # CCP: links
    assert gev_chase_due(start, True, False, False, date(2027, 5, 10)) is None  # no live order


def test_gev_preparation_is_due_from_the_shipping_window_or_the_day_after_the_order() -> None:
    start = date(2027, 5, 20)
    assert not gev_preparation_due(SessionKind.TP, start, date(2027, 1, 5), date(2027, 4, 7))
    assert gev_preparation_due(SessionKind.TP, start, date(2027, 1, 5), date(2027, 4, 8))
    assert not gev_preparation_due(SessionKind.CCP, start, date(2027, 1, 5), date(2027, 1, 5))
    assert gev_preparation_due(SessionKind.CCP, start, date(2027, 1, 5), date(2027, 1, 6))


# -- R-SES-2, R-SES-6 ----------------------------------------------------------------------


def test_agrement_ending_before_a_planned_session() -> None:
    end, start = date(2027, 1, 31), date(2027, 3, 1)
    assert agrement_end_due(end, start, date(2027, 1, 29), NATIONAL, RULES) == (
        5, date(2027, 1, 25))
    assert agrement_end_due(end, start, date(2027, 2, 1), NATIONAL, RULES) == (0, end)
    assert agrement_end_due(end, start, date(2027, 2, 28), NATIONAL, RULES) == (0, end)
    assert agrement_end_due(end, start, date(2027, 3, 1), NATIONAL, RULES) is None
    # A session before the end of its agrément: nothing to say.
    assert agrement_end_due(end, date(2027, 1, 20), date(2027, 1, 10), NATIONAL, RULES) is None


def test_session_over_and_not_closed() -> None:
    end = date(2026, 12, 3)  # Thursday
    assert close_due(end, False, end, PARIS_CAL, RULES) is None
    assert close_due(end, False, date(2026, 12, 4), PARIS_CAL, RULES) == (1, date(2026, 12, 4))
    assert close_due(end, False, date(2026, 12, 10), PARIS_CAL, RULES) == (5, date(2026, 12, 10))
    assert close_due(end, True, date(2026, 12, 10), PARIS_CAL, RULES) is None
    # 10 working days after, Christmas (25/12) skipped.
    assert close_due(end, False, date(2026, 12, 17), PARIS_CAL, RULES) == (10, date(2026, 12, 17))
    assert close_due(end, False, date(2027, 3, 1), PARIS_CAL, RULES) is None  # long forgotten
    assert offset_after(end, date(2026, 12, 3), PARIS_CAL, (1,)) is None


# -- R-PRT-6 -------------------------------------------------------------------------------


def test_duplicate_becomes_possible_7_days_after_the_last_request() -> None:
    last = date(2026, 11, 30)  # Monday → possible from Monday 07/12
    assert duplicate_due(last, date(2026, 12, 6), PARIS_CAL, RULES) is None
    assert duplicate_due(last, date(2026, 12, 7), PARIS_CAL, RULES) == date(2026, 12, 7)
    assert duplicate_due(last, date(2026, 12, 9), PARIS_CAL, RULES) == date(2026, 12, 7)
    assert duplicate_due(last, date(2026, 12, 10), PARIS_CAL, RULES) is None


def test_duplicate_opening_on_a_local_holiday_is_announced_the_next_working_day() -> None:
    # Opens on Friday 26/03/2027 (Good Friday): a holiday in Moselle, not in Paris.
    last = date(2027, 3, 19)
    assert duplicate_due(last, date(2027, 3, 26), PARIS_CAL, RULES) == date(2027, 3, 26)
    assert duplicate_due(last, date(2027, 3, 26), MOSELLE, RULES) is None
    # Easter Monday 29/03 is national: Tuesday 30/03 in Moselle.
    assert duplicate_due(last, date(2027, 3, 30), MOSELLE, RULES) == date(2027, 3, 26)


# -- delivery hours ---------------------------------------------------------------------------


def _paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("now", "departement", "expected"),
    [
        (_paris(2026, 12, 7, 10, 0), "75", True),
        (_paris(2026, 12, 7, 8, 59), "75", False),
        (_paris(2026, 12, 7, 17, 0), "75", False),
        (_paris(2026, 12, 5, 10, 0), "75", False),  # Saturday
        (_paris(2026, 12, 25, 10, 0), None, False),  # Christmas
        # La Réunion is 3 hours ahead in winter: 7:00 in Paris is 10:00 there.
        (_paris(2026, 12, 7, 7, 0), "974", True),
        (_paris(2026, 12, 7, 7, 0), "75", False),
        (_paris(2026, 12, 7, 14, 30), "974", False),  # 17:30 there
        # 20 December is a holiday in La Réunion only (a Monday in 2027).
        (_paris(2027, 12, 20, 8, 0), "974", False),
        (_paris(2027, 12, 20, 10, 0), "75", True),
        # Martinique is 5 hours behind in winter.
        (_paris(2026, 12, 7, 15, 0), "972", True),
        (_paris(2026, 12, 7, 21, 30), "972", True),
        (_paris(2026, 12, 7, 22, 0), "972", False),
        (_paris(2026, 12, 7, 10, 0), "972", False),  # 5:00 there
        # Good Friday: a holiday in Alsace-Moselle only.
        (_paris(2027, 3, 26, 10, 0), "67", False),
        (_paris(2027, 3, 26, 10, 0), "57", False),
        (_paris(2027, 3, 26, 10, 0), "75", True),
    ],
)
def test_delivery_hours_are_local_working_hours(now: datetime, departement, expected) -> None:
    assert in_delivery_hours(now, departement, RULES) is expected


def test_local_day_of_an_overseas_recipient() -> None:
    assert local_today(_paris(2026, 12, 7, 22, 30), "974") == date(2026, 12, 8)
    assert local_today(_paris(2026, 12, 7, 2, 0), "972") == date(2026, 12, 6)


# -- French sentences -----------------------------------------------------------------------


def test_french_sentences_agree_in_number() -> None:
    one = texts.dte_order("TITRE_A_2027_000001", date(2027, 5, 20), date(2027, 2, 19), 1)
    assert "dans 1 jour ouvré (R-DTE-1)" in one and "vendredi 19 février 2027" in one
    assert "aujourd'hui" in texts.dte_order("X", date(2027, 5, 20), date(2027, 2, 19), 0)
    assert texts.validation(["A"], "75 – Paris").startswith("1 session attend votre validation")
    assert texts.validation(["A", "B"], "75 – Paris").startswith(
        "2 sessions attendent votre validation")
    assert "1 demande d'impression reçue depuis" in texts.afpa_prints(1, ["S"], date(2026, 12, 4))
    assert "3 demandes d'impression reçues" in texts.afpa_prints(3, ["S"], date(2026, 12, 4))
    gev = texts.gev_orders(["A"], ["B", "C"])
    assert "1 commande attend votre accusé de réception : A" in gev
    assert "2 commandes sont à préparer" in gev


# -- recipients (R-ACT-2) ----------------------------------------------------------------------


def test_recipients_are_the_accounts_whose_scope_covers_the_object() -> None:
    from ceres_core.models import Departement, Profile, Role, Site, User
    from ceres_core.reminders import Recipients

    def user(uid: int, role: Role, **scope) -> User:
        return User(id=uid, login=f"u{uid}", profiles=[Profile(role=role, **scope)])

    users = Recipients([
        user(1, Role.CENTRE, centre_id=10), user(2, Role.CENTRE, centre_id=11),
        user(3, Role.UD, departement_code="75"), user(4, Role.UD, departement_code="93"),
        user(5, Role.DREETS, region_code="11"), user(6, Role.ADMIN), user(7, Role.AFPA),
        user(8, Role.GEV), User(id=9, login="u9", profiles=[
            Profile(role=Role.UD, departement_code="974"),
            Profile(role=Role.DREETS, region_code="04")]),
    ])
    paris = Site(centre_id=10, departement_code="75",
                 departement=Departement(code="75", name="Paris", region_code="11"))
    assert users.of_site(paris, Role.CENTRE) == (1,)
    assert users.of_site(paris, Role.UD) == (3,)
    assert users.of_site(paris, Role.DREETS) == (5,)  # not the admin: no such role
    assert users.of_region("11", Role.DREETS) == (5,)
    assert users.of_region("04", Role.DREETS) == (9,)
    assert users.of_role(Role.AFPA) == (7,) and users.of_role(Role.GEV) == (8,)
