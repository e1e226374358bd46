"""Checks beside the services (ceres_core.services.checks): the same rules, earlier."""

from __future__ import annotations

import pytest

from ceres_core.errors import RuleViolation
from ceres_core.services import checks
from ceres_core.services.dte import dte_status

TP_FUTURE = "TITRE_B_2027_470401"  # demo: in preparation, DTE not ordered
TP = "TITRE_B_2026_470405"  # demo: validated, DTE prepared


@pytest.fixture
def demo(core):
    from ceres_core.demo import load_demo

    load_demo(core)
    return core


def test_a_profile_that_may_not_run_learns_who_does_it(demo):
    with pytest.raises(RuleViolation) as exc:
        checks.check_may_run(demo, "centre.formapro", "print.request_session")
    assert exc.value.rule == "R-ACT-2"
    assert "l'UD/DDETS du département de la session s'en charge" in exc.value.message
    checks.check_may_run(demo, "ud75", "print.request_session")
    assert checks.may_run(demo, "ud75", "session.validate")
    assert not checks.may_run(demo, "ud75", "dte.order")


def test_dte_order_checked_step_by_step_without_writing(demo):
    # R-DTE-2: a session already ordered is refused at the session step.
    with pytest.raises(RuleViolation) as exc:
        checks.check_dte_order_session(demo, "centre.formapro", TP)
    assert exc.value.rule in ("R-DTE-1", "R-DTE-2")
    checks.check_dte_order_session(demo, "centre.formapro", TP_FUTURE)
    with pytest.raises(RuleViolation) as exc:
        checks.check_dte_order_fields(demo, "centre.formapro", TP_FUTURE, contact_phone="pas de tel")
    assert "pas de tel" in exc.value.message
    with pytest.raises(RuleViolation) as exc:
        checks.check_dte_order_fields(demo, "centre.formapro", TP_FUTURE, contact_email="01 23 45 67 8")
    assert "e-mail" in exc.value.message
    checks.check_dte_order_fields(demo, "centre.formapro", TP_FUTURE, contact_phone="01 23 45 67 89")
    assert not dte_status(demo, "centre.formapro", TP_FUTURE).ordered  # the dry runs wrote nothing


# -- a new candidate record, step by step (R-CAN-1, R-CAN-3, R-CAN-5) ---------------------------


def test_new_candidate_checked_step_by_step_without_writing(core, world):
    from sqlalchemy import func, select

    from ceres_core.models import Candidate
    from ceres_core.services.candidates import create_candidate

    def count():
        with core.transaction() as db:
            return db.scalar(select(func.count()).select_from(Candidate))

    before = count()
    base = {"last_name": "Durand", "first_name": "Lucie", "birth_date": "14/02/1991"}
    checks.check_new_candidate(core, "centre_a", **base)  # new person: accepted
    # R-CAN-3: the birth place only once its last part is given.
    checks.check_new_candidate(core, "centre_a", **base, birth_country="France")
    with pytest.raises(RuleViolation) as exc:
        checks.check_new_candidate(core, "centre_a", **base, birth_country="France",
                                   birth_commune="Lyon", birth_postal_code="")
    assert exc.value.rule == "R-CAN-3"
    checks.check_new_candidate(core, "centre_a", **base, civility="Mme", birth_country="France",
                               birth_commune="Lyon", birth_postal_code="69001")
    assert count() == before  # nothing written
    create_candidate(core, "centre_a", civility="Mme", birth_country="France",
                     birth_commune="Lyon", birth_postal_code="69001", **base)
    # R-CAN-1: the same person again is refused at the birth date, with the record's ID.
    with pytest.raises(RuleViolation) as exc:
        checks.check_new_candidate(core, "centre_a", **base)
    assert exc.value.rule == "R-CAN-1" and "CERES ID" in exc.value.message
    # R-CAN-5: a close name with the same birth date is a likely duplicate.
    close = checks.likely_duplicates(core, "centre_a", "Lucie", "Durant", "14/02/1991")
    assert [h.candidate.last_name.upper() for h in close] == ["DURAND"]
    # R-ACT-2: a profile that may not create records is refused.
    with pytest.raises(RuleViolation):
        checks.check_new_candidate(core, "afpa", **base)
