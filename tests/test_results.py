"""Results: R-RES-1 (entry) and R-RES-2 (PVs to send), with R-ACT-2 scope checks."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import Registration, SessionKind, SessionState
from ceres_core.services import results as res
from ceres_core.services.sessions import get_session, issue_convocations
from tests.test_sessions import (
    A1_TP,
    add_candidate,
    make_session,
    refusals,
    register,
    run_to_closed,
    set_session,
)

ODP1, ODP2, SC1 = "CCP-00463-1", "CCP-00463-2", "CCP-01303-1"


@pytest.fixture
def convoked(core, world, clock):
    """A1_TP with candidates C1..C4 convoked, on the session's last day."""
    for i in range(4):
        register(core, A1_TP, add_candidate(core, f"C{i + 1}", f"CANDIDAT{chr(65 + i)}"))
    issue_convocations(core, "centre_a", A1_TP)
    clock.set(datetime(2027, 5, 21, 17, 0, tzinfo=PARIS))
    return A1_TP


def _registration(core, ceres_id: str) -> tuple:
    with core.transaction() as db:
        for reg in db.scalars(select(Registration)):
            if reg.candidate.ceres_id == ceres_id:
                return (reg.attendance, reg.result, sorted(c.code for c in reg.ccps_obtained))
    raise AssertionError(ceres_id)


def test_r_res_1_results_only_after_the_convocations(core, world, clock):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    clock.set(datetime(2027, 5, 21, 17, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        res.enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    assert err.value.rule == "R-RES-1" and "après les convocations" in err.value.message
    assert _registration(core, "C1") == (None, None, [])


def test_r_res_1_results_not_before_the_exam(core, world):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    issue_convocations(core, "centre_a", A1_TP)
    with pytest.raises(RuleViolation) as err:
        res.enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    assert err.value.rule == "R-RES-1" and "20/05/2027" in err.value.message


def test_r_res_1_entry_moves_the_session_and_counts_what_is_left(core, convoked):
    view = res.enter_result(core, "centre_a", convoked, "c1", attendance="Présent",
                            result="admis", comment=" Grille complète ")
    assert (view.attendance_label, view.result_label, view.comment) == (
        "présente", "admis", "Grille complète")  # C1 is « Mme »: the word agrees
    assert view.session_state_label == "résultats saisis"
    assert view.remaining_to_enter == 3
    view = res.enter_result(core, "centre_a", convoked, "C2", attendance="absence justifiée")
    assert (view.result, view.remaining_to_enter) == (None, 2)


def test_r_res_1_partially_admitted_needs_some_but_not_all_ccps_of_the_title(core, convoked):
    cases = [
        ((), "au moins un CCP"),
        ((SC1,), "n'appartient pas au titre TP-00463"),
        ((ODP1, ODP2), "le résultat est « admis »"),
    ]
    for ccps, expected in cases:
        with pytest.raises(RuleViolation) as err:
            res.enter_result(core, "centre_a", convoked, "C1", attendance="present",
                             result="partiellement admis", ccps_obtained=ccps)
        assert err.value.rule == "R-RES-1" and expected in err.value.message
    assert _registration(core, "C1") == (None, None, [])  # nothing written
    view = res.enter_result(core, "centre_a", convoked, "C1", attendance="present",
                            result="partiellement_admis", ccps_obtained=[ODP2, ODP2.lower()])
    assert view.ccps_obtained == (ODP2,) and view.result_label == "partiellement admis"
    assert _registration(core, "C1")[2] == [ODP2]
    # A new entry replaces the CCP list.
    res.enter_result(core, "centre_a", convoked, "C1", attendance="present", result="refusé")
    assert _registration(core, "C1") == ("present", "refuse", [])


def test_r_res_1_absent_candidates_have_no_result(core, convoked):
    for kwargs in ({"result": "refuse"}, {"ccps_obtained": [ODP1]}):
        with pytest.raises(RuleViolation) as err:
            res.enter_result(core, "centre_a", convoked, "C1",
                             attendance="absence_injustifiee", **kwargs)
        assert err.value.rule == "R-RES-1" and "absent n'a ni résultat ni CCP" in err.value.message


def test_r_res_1_ccp_list_only_for_partially_admitted(core, convoked):
    with pytest.raises(RuleViolation) as err:
        res.enter_result(core, "centre_a", convoked, "C1", attendance="present",
                         result="admis", ccps_obtained=[ODP1])
    assert err.value.rule == "R-RES-1"


def test_r_res_1_no_partial_admission_in_a_ccp_session(core, world, clock):
    ref = make_session(core, world, "CCP_A_2027_000080", date(2027, 1, 12), kind=SessionKind.CCP,
                       state=SessionState.EN_PREPARATION)
    register(core, ref, add_candidate(core, "C1", "DUPONT"))
    issue_convocations(core, "centre_a", ref)
    clock.set(datetime(2027, 1, 12, 17, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        res.enter_result(core, "centre_a", ref, "C1", attendance="present",
                         result="partiellement_admis", ccps_obtained=[ODP1])
    assert err.value.rule == "R-RES-1" and "certifie un seul bloc" in err.value.message
    assert res.enter_result(core, "centre_a", ref, "C1", attendance="present",
                            result="admis").result == "admis"


def test_enter_result_bad_input(core, convoked):
    with pytest.raises(InvalidInput):
        res.enter_result(core, "centre_a", convoked, "C1", attendance="en retard")
    with pytest.raises(InvalidInput):
        res.enter_result(core, "centre_a", convoked, "C1", attendance="present", result="ajourné")
    with pytest.raises(NotFound) as err:
        res.enter_result(core, "centre_a", convoked, "C99", attendance="present")
    assert "n'est pas inscrit" in err.value.message
    assert get_session(core, "centre_a", convoked).state == "convocations_envoyees"


def test_r_ses_4_no_entry_while_awaiting_validation(core, world, clock):
    run_to_closed(core, clock, A1_TP, {"C1": "admis"})
    with pytest.raises(RuleViolation) as err:
        res.enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="refuse")
    assert err.value.rule == "R-SES-4" and "« en attente de validation »" in err.value.message


def test_r_act_2_results_entered_by_the_centre_of_the_site(core, convoked):
    for actor in ("centre_b", "ud75", "dreets_idf"):
        with pytest.raises(RuleViolation) as err:
            res.enter_result(core, actor, convoked, "C1", attendance="present", result="admis")
        assert err.value.rule == "R-ACT-2"
    assert len(refusals(core, "results.enter")) == 3
    assert res.enter_result(core, "admin", convoked, "C1", attendance="present",
                            result="admis").result == "admis"


# -- R-RES-2 ---------------------------------------------------------------------------------


def test_r_res_2_general_pv_and_individual_pvs_never_for_admitted(core, world, clock):
    run_to_closed(core, clock, A1_TP, {"C1": "admis", "C2": "partiellement_admis",
                                       "C3": "refuse", "C4": "absent", "C5": "admis"})
    pvs = res.pv_to_send(core, "centre_a", A1_TP)
    assert pvs.general_pv
    assert [(p.ceres_id, p.result_label) for p in pvs.individual_pvs] == [
        ("C2", "partiellement admis"), ("C3", "refusé")]
    assert pvs.individual_pvs[0].ccps_obtained == (ODP1,)
    assert (pvs.admitted_not_sent, pvs.absent_count) == (2, 1)
    assert pvs.recipient == "DRIEETS Île-de-France"
    assert "le PV général" in pvs.summary and "2 PV individuels" in pvs.summary
    assert "Ne pas envoyer les PV individuels des candidats admis (2)" in pvs.summary
    assert res.pv_to_send(core, "ud75", A1_TP).individual_pvs == pvs.individual_pvs


def test_r_res_2_pvs_only_once_every_result_is_entered(core, convoked):
    with pytest.raises(RuleViolation) as err:
        res.pv_to_send(core, "centre_a", convoked)
    assert err.value.rule == "R-RES-2"
    res.enter_result(core, "centre_a", convoked, "C1", attendance="present", result="admis")
    with pytest.raises(RuleViolation) as err:
        res.pv_to_send(core, "centre_a", convoked)
    assert err.value.rule == "R-RES-2" and "3 candidat(s)" in err.value.message


def test_r_act_2_pv_list_scope(core, world, clock):
    run_to_closed(core, clock, A1_TP, {"C1": "admis"})
    set_session(core, A1_TP, state=SessionState.VALIDEE)
    for actor in ("centre_b", "ud35", "afpa"):
        with pytest.raises(RuleViolation) as err:
            res.pv_to_send(core, actor, A1_TP)
        assert err.value.rule == "R-ACT-2"
    assert res.pv_to_send(core, "dreets_idf", A1_TP).individual_pvs == ()


def test_r_res_1_results_entry_is_refused_like_the_entry_and_offers_the_title_ccps(
        core, world, clock):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    with pytest.raises(RuleViolation) as err:  # not convoked yet: the entry's own refusal
        res.results_entry(core, "centre_a", A1_TP)
    assert err.value.rule == "R-RES-1" and "après les convocations" in err.value.message
    issue_convocations(core, "centre_a", A1_TP)
    with pytest.raises(RuleViolation) as err:  # before the exam
        res.results_entry(core, "centre_a", A1_TP)
    assert err.value.rule == "R-RES-1"
    clock.set(datetime(2027, 5, 21, 17, 0, tzinfo=PARIS))
    entry = res.results_entry(core, "centre_a", A1_TP)
    assert [code for code, _ in entry.ccps] == [ODP1, ODP2]
    assert entry.pending == ("C1",) and entry.kind == "TP"
    res.enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    assert res.results_entry(core, "centre_a", A1_TP).pending == ()
