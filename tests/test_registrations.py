"""Registrations: R-CAN-6 (window, VAE, once, unregistering), R-CAN-7 (yearly limit),
R-ACT-2 (scope), the list of registrations with alerts and results."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from ceres_core.clock import PARIS
from ceres_core.errors import NotFound, RuleViolation
from ceres_core.models import (
    Attendance,
    Ccp,
    ExamSession,
    Registration,
    Result,
    SessionKind,
    SessionState,
)
from ceres_core.services.registrations import (
    list_registrations,
    register_candidate,
    unregister_candidate,
)
from tests.test_candidates import last_event, make_session, new_candidate, register_raw

TP_A = "TITRE_A_2027_000001"  # site A1 (centre A, Paris), starts 20/05/2027


def registration_count(core) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count(Registration.id)))


def set_state(core, ref, state, issued=None):
    with core.transaction() as db:
        session = db.scalar(select(ExamSession).where(ExamSession.ref == ref))
        session.state = state
        session.convocations_issued_at = issued


# ------------------------------------------------------------------- R-CAN-6


def test_register_candidate_returns_the_registration(core, world):
    cand = new_candidate(core)
    view = register_candidate(core, "centre_a", TP_A.lower(), cand.ceres_id)
    assert (view.session_ref, view.ceres_id, view.full_name) == (
        TP_A, cand.ceres_id, "M. Jean Dupont")
    assert view.is_vae is False and view.result is None and view.alerts == ()
    assert view.candidate_state_label == "brouillon"
    event = last_event(core, "registration.register")
    assert (event.target_id, event.details["ceres_id"]) == (TP_A, cand.ceres_id)


def test_r_can_6_registration_closed_once_convocations_are_issued(core, world):
    cand = new_candidate(core)
    set_state(core, TP_A, SessionState.CONVOCATIONS_ENVOYEES,
              issued=datetime(2027, 4, 1, 9, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    assert err.value.rule == "R-CAN-6"
    assert "éditées le 01/04/2027" in err.value.message
    assert "convocations envoyées" in err.value.message
    assert registration_count(core) == 0
    refused = last_event(core, "registration.register")
    assert (refused.outcome, refused.rule) == ("refused", "R-CAN-6")


def test_r_can_6_no_registration_in_a_cancelled_session(core, world):
    cand = new_candidate(core)
    set_state(core, TP_A, SessionState.ANNULEE)
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    assert err.value.rule == "R-CAN-6" and "annulée" in err.value.message


def test_r_can_6_a_candidate_is_registered_once(core, world):
    cand = new_candidate(core)
    register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    assert err.value.rule == "R-CAN-6"
    assert "déjà inscrit" in err.value.message and "22/11/2026" in err.value.message
    assert registration_count(core) == 1


def test_r_can_6_vae_window_extends_registration_it_does_not_restrict_it(core, world, clock):
    """R-CAN-6 (004, "Les centres pourront… inscrire des candidats VAE dans les 30 jours
    précédents"): before the convocations a VAE candidate is registered like any other,
    even more than 30 days before the start."""
    cand = new_candidate(core)
    clock.set(datetime(2027, 3, 1, 10, 0))  # 80 days before the session of 20/05/2027
    assert register_candidate(core, "centre_a", TP_A, cand.ceres_id, vae=True).is_vae is True


def test_r_can_6_vae_refused_after_the_start(core, world, clock):
    cand = new_candidate(core)
    clock.set(datetime(2027, 5, 21, 10, 0))
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", TP_A, cand.ceres_id, vae=True)
    assert err.value.rule == "R-CAN-6" and "déjà commencé" in err.value.message


def test_r_can_6_vae_window_stays_open_after_the_convocations(core, world, clock):
    """Reading: the VAE window (004, its own permission) is an exception to the cut-off at
    the convocations, from start − 30 days to the day before the start."""
    from ceres_core.core import Core
    from ceres_core.settings import Rules

    cand = new_candidate(core)
    other = new_candidate(core, first_name="Paul")
    set_state(core, TP_A, SessionState.CONVOCATIONS_ENVOYEES,  # sent on time, a month before
              issued=datetime(2027, 4, 15, 9, 0, tzinfo=PARIS))
    clock.set(datetime(2027, 4, 25, 10, 0))
    with pytest.raises(RuleViolation) as err:  # not VAE: closed by the convocations
        register_candidate(core, "centre_a", TP_A, other.ceres_id)
    assert err.value.rule == "R-CAN-6" and "éditées le 15/04/2027" in err.value.message
    strict = Core(engine=core.engine, clock=clock, rules=Rules(vae_after_convocations=False))
    with pytest.raises(RuleViolation) as err:  # the other reading, configurable
        register_candidate(strict, "centre_a", TP_A, cand.ceres_id, vae=True)
    assert "éditées le 15/04/2027" in err.value.message
    assert register_candidate(core, "centre_a", TP_A, cand.ceres_id, vae=True).is_vae is True
    clock.set(datetime(2027, 5, 19, 18, 0))  # the day before the start: last day
    third = new_candidate(core, first_name="Luc")
    assert register_candidate(core, "centre_a", TP_A, third.ceres_id, vae=True).is_vae
    clock.set(datetime(2027, 5, 20, 8, 0))  # the start day: closed
    fourth = new_candidate(core, first_name="Marc")
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", TP_A, fourth.ceres_id, vae=True)
    assert "du 20/04/2027 au 19/05/2027" in err.value.message
    assert "commence aujourd'hui" in err.value.message
    assert registration_count(core) == 2


def test_r_can_6_unregister_until_the_start_day(core, world, clock):
    cand = new_candidate(core)
    other = new_candidate(core, first_name="Paul")
    register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    register_candidate(core, "centre_a", TP_A, other.ceres_id)
    clock.set(datetime(2027, 5, 20, 18, 0))  # the start day itself
    removed = unregister_candidate(core, "centre_a", TP_A, cand.ceres_id)
    assert removed.ceres_id == cand.ceres_id
    assert [v.ceres_id for v in list_registrations(core, "centre_a", TP_A)] == [other.ceres_id]
    clock.set(datetime(2027, 5, 21, 8, 0))
    with pytest.raises(RuleViolation) as err:
        unregister_candidate(core, "centre_a", TP_A, other.ceres_id)
    assert err.value.rule == "R-CAN-6"
    assert "a commencé le 20/05/2027" in err.value.message
    assert registration_count(core) == 1
    with pytest.raises(NotFound):
        unregister_candidate(core, "centre_a", TP_A, cand.ceres_id)


def test_unknown_session_and_candidate(core, world):
    cand = new_candidate(core)
    with pytest.raises(NotFound) as err:
        register_candidate(core, "centre_a", "TITRE_X_0000_000000", cand.ceres_id)
    assert "TITRE_X_0000_000000" in err.value.message
    with pytest.raises(NotFound):
        register_candidate(core, "centre_a", TP_A, "000")


# ------------------------------------------------------------------- R-CAN-7


def test_r_can_7_fourth_session_with_final_interview_in_a_year_refused(core, world):
    cand = new_candidate(core)
    refs = [
        make_session(core, world, kind=SessionKind.TP, start=date(2026, 12, 10)),
        make_session(core, world, kind=SessionKind.CCP, start=date(2027, 1, 20)),
        make_session(core, world, kind=SessionKind.TP, start=date(2027, 3, 10)),
    ]
    for ref in refs:
        register_candidate(core, "centre_a", ref, cand.ceres_id)
    fourth = make_session(core, world, kind=SessionKind.TP, start=date(2027, 4, 15))
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", fourth, cand.ceres_id)
    assert err.value.rule == "R-CAN-7"
    message = err.value.message
    assert all(ref in message for ref in refs)
    assert "le 10/12/2026" in message and "entre le 16/04/2026 et le 15/04/2027" in message
    assert "plus de 3 sessions" in message
    assert registration_count(core) == 3


def test_r_can_7_ccp_without_final_interview_and_ccs_are_unlimited(core, world):
    cand = new_candidate(core)
    for month in (1, 2, 3):
        register_candidate(core, "centre_a", make_session(
            core, world, kind=SessionKind.TP, start=date(2027, month, 10)), cand.ceres_id)
    for month in (4, 5, 6):
        register_candidate(core, "centre_a", make_session(
            core, world, kind=SessionKind.CCP, final=False, start=date(2027, month, 10)),
            cand.ceres_id)
        register_candidate(core, "centre_a", make_session(
            core, world, kind=SessionKind.CCS, final=False, start=date(2027, month, 12)),
            cand.ceres_id)
    assert registration_count(core) == 9


def test_r_can_7_window_is_rolling_and_cancelled_sessions_do_not_count(core, world):
    cand = new_candidate(core)
    old = make_session(core, world, start=date(2026, 4, 15))  # 365 days before 15/04/2027
    register_raw(core, old, cand.ceres_id)
    for start in (date(2027, 1, 10), date(2027, 2, 10)):
        register_candidate(core, "centre_a", make_session(core, world, start=start),
                           cand.ceres_id)
    cancelled = make_session(core, world, start=date(2027, 3, 10),
                             state=SessionState.ANNULEE)
    register_raw(core, cancelled, cand.ceres_id)
    # Window of 15/04/2027: 16/04/2026..15/04/2027 -> two counted sessions, the new is third.
    assert register_candidate(core, "centre_a", make_session(core, world, start=date(2027, 4, 15)),
                              cand.ceres_id).ceres_id == cand.ceres_id
    # Window of 14/04/2027 would include 15/04/2026: 3 already counted.
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", make_session(core, world, start=date(2027, 4, 14)),
                           cand.ceres_id)
    assert err.value.rule == "R-CAN-7" and old in err.value.message


def test_r_can_7_later_sessions_windows_are_checked_too(core, world):
    cand = new_candidate(core)
    for start in (date(2027, 6, 10), date(2027, 8, 10), date(2027, 9, 10)):
        register_candidate(core, "centre_a", make_session(core, world, start=start),
                           cand.ceres_id)
    # Nothing in the year before 20/05/2027, but the window of 10/09/2027 would hold 4.
    may = make_session(core, world, start=date(2027, 5, 20))
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", may, cand.ceres_id)
    assert err.value.rule == "R-CAN-7"
    assert "et le 10/09/2027" in err.value.message


# ----------------------------------------------------------- scope and list


def test_r_act_2_registration_scope(core, world):
    cand = new_candidate(core)
    for login in ("centre_b", "ud75", "dreets_idf", "afpa"):
        with pytest.raises(RuleViolation) as err:
            register_candidate(core, login, TP_A, cand.ceres_id)
        assert err.value.rule == "R-ACT-2"
    assert registration_count(core) == 0
    refused = last_event(core, "registration.register")
    assert (refused.outcome, refused.rule, refused.actor_login) == ("refused", "R-ACT-2", "afpa")
    register_candidate(core, "admin", TP_A, cand.ceres_id)
    with pytest.raises(RuleViolation) as err:
        unregister_candidate(core, "centre_b", TP_A, cand.ceres_id)
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation) as err:
        list_registrations(core, "ud35", TP_A)
    assert err.value.rule == "R-ACT-2" and "hors de votre périmètre" in err.value.message
    for login in ("centre_a", "ud75", "dreets_idf", "admin"):
        assert len(list_registrations(core, login, TP_A)) == 1


def test_centre_registers_a_candidate_found_elsewhere_in_france(core, world):
    # R-CAN-1: the record of another region is reused, not duplicated.
    cand = new_candidate(core, "centre_b", birth_commune="Rennes", birth_postal_code="35000")
    view = register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    assert view.ceres_id == cand.ceres_id


def test_list_registrations_shows_names_state_alerts_and_result(core, world):
    good = new_candidate(core, last_name="Bernard", first_name="Alice", civility="Mme")
    bad = new_candidate(core, last_name="MARIACH1", first_name="Colette", civility="Mme")
    register_candidate(core, "centre_a", TP_A, bad.ceres_id)
    register_candidate(core, "centre_a", TP_A, good.ceres_id)
    with core.transaction() as db:
        reg = db.scalars(select(Registration).order_by(Registration.id)).all()[1]
        reg.attendance = Attendance.PRESENT
        reg.result = Result.PARTIELLEMENT_ADMIS
        reg.ccps_obtained.append(db.get(Ccp, world.ccps["ODP1"]))
    views = list_registrations(core, "ud75", TP_A)
    assert [v.last_name for v in views] == ["Bernard", "MARIACH1"]
    alice, colette = views
    assert (alice.attendance_label, alice.result_label, alice.ccps_obtained) == (
        "présente", "partiellement admis", ("CCP-00463-1",))
    assert alice.alerts == () and alice.data_verified is False
    assert colette.result is None and colette.attendance_label is None
    assert [a.rule for a in colette.alerts] == ["R-CAN-4"]
    assert colette.candidate_state_label == "brouillon"
