"""The Afpa print service's desk: the print requests it received (R-PRT-7, R-ACT-2)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.models import PrintKind, Result
from ceres_core.services.afpa import list_received_print_requests
from tests.test_printing import add_candidate, add_print, add_session, register

EARLY = datetime(2026, 11, 3, 9, 0, tzinfo=PARIS)
LATE = datetime(2026, 11, 9, 14, 0, tzinfo=PARIS)


@pytest.fixture
def received(core, world):
    with core.transaction() as db:
        paris = add_session(db, world, "TITRE_A_2026_200001", site="A1")
        henri = register(db, paris, add_candidate(db, "2200001", "CHEVALIER", "Henri"),
                         Result.ADMIS)
        marie = register(db, paris, add_candidate(db, "2200002", "DUPONT", "Marie",
                                                  civility="Mme"), Result.REFUSE)
        reunion = add_session(db, world, "TITRE_R_2026_200002", site="R1")
        paul = register(db, reunion, add_candidate(db, "2200003", "MARTIN", "Paul",
                                                   region="04"), Result.ADMIS)
        add_print(db, henri, "ud75", EARLY)
        add_print(db, marie, "ud75", EARLY)
        add_print(db, paul, "admin", LATE)
        add_print(db, henri, "ud75", LATE, kind=PrintKind.DUPLICATA)


def test_r_prt_7_afpa_reads_requests_newest_first_with_routing(core, received):
    views = list_received_print_requests(core, "afpa")
    # Newest first; the same instant: the last recorded first.
    assert [(v.ceres_id, v.kind) for v in views][:2] == [
        ("2200001", "duplicata"), ("2200003", "initiale")]
    assert len(views) == 4
    by = {(v.ceres_id, v.kind): v for v in views}
    henri = by[("2200001", "initiale")]
    assert henri.candidate_name == "Monsieur Henri CHEVALIER"
    assert henri.session_ref == "TITRE_A_2026_200001"
    assert henri.documents[0].startswith("Diplôme du titre professionnel")
    assert henri.routing.recipient == "candidat"
    assert by[("2200002", "initiale")].documents == ("Notification d'échec",)
    # R-PRT-7: a DROM-COM session's documents go to the DEETS.
    assert by[("2200003", "initiale")].routing.overseas is True
    assert by[("2200001", "duplicata")].kind_label == "duplicata"


def test_r_prt_7_since_and_limit(core, received):
    recent = list_received_print_requests(core, "afpa", since=date(2026, 11, 9))
    assert {v.ceres_id for v in recent} == {"2200001", "2200003"}
    assert len(list_received_print_requests(core, "admin", limit=1)) == 1
    with pytest.raises(InvalidInput):
        list_received_print_requests(core, "afpa", limit=0)


@pytest.mark.parametrize("login", ["ud75", "dreets_idf", "centre_a"])
def test_r_act_2_only_afpa_and_admin_read_the_desk(core, received, login):
    with pytest.raises(RuleViolation) as exc:
        list_received_print_requests(core, login)
    assert exc.value.rule == "R-ACT-2"


def test_r_ses_5_afpa_sees_that_a_session_was_cancelled_after_its_requests(core, received):
    from sqlalchemy import select

    from ceres_core.models import ExamSession, SessionState

    assert not any(r.session_cancelled for r in list_received_print_requests(core, "afpa"))
    with core.transaction() as db:
        db.scalar(select(ExamSession).where(
            ExamSession.ref == "TITRE_A_2026_200001")).state = SessionState.ANNULEE
    flagged = {(r.session_ref, r.session_cancelled)
               for r in list_received_print_requests(core, "afpa")}
    assert flagged == {("TITRE_A_2026_200001", True), ("TITRE_R_2026_200002", False)}
