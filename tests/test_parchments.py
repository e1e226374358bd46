"""R-POST-2: the collection form's file name and deadline."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ceres_core.errors import RuleViolation
from ceres_core.models import ExamSession, SessionState
from ceres_core.services.parchments import collection_form, collection_form_filename


def test_r_post_2_file_name_as_in_the_source_example():
    assert (
        collection_form_filename("TP-01303", "ECSR", "Forma Réunion", date(2019, 2, 25))
        == "RA_TP-01303_ECSR_FORMAREUNION_25022019"
    )
    assert collection_form_filename("TP-00463", "ODP", "L'Atelier d'Été", date(2027, 1, 5)) == (
        "RA_TP-00463_ODP_LATELIERDETE_05012027"
    )


def test_r_post_2_collection_form_for_a_validated_session(core, world):
    with core.transaction() as db:
        session = db.get(ExamSession, world.sessions["A1-TP"])
        session.state = SessionState.VALIDEE
        ref, start = session.ref, session.start_date
    view = collection_form(core, "centre_a", ref, received_on=date(2026, 10, 1))
    assert view.filename == f"RA_TP-00463_ODP_FORMAPROPARIS_{start:%d%m%Y}.pdf"
    assert view.send_by == date(2026, 12, 1)
    assert view.send_to == "DRIEETS Île-de-France"
    assert "01/12/2026" in view.instructions


def test_r_post_1_no_form_before_validation(core, world):
    with core.transaction() as db:
        ref = db.scalar(select(ExamSession.ref).where(ExamSession.id == world.sessions["A1-TP"]))
    with pytest.raises(RuleViolation) as err:
        collection_form(core, "centre_a", ref)
    assert err.value.rule == "R-POST-1"


def test_r_act_2_other_centre_refused(core, world):
    with core.transaction() as db:
        session = db.get(ExamSession, world.sessions["A1-TP"])
        session.state = SessionState.VALIDEE
        ref = session.ref
    with pytest.raises(RuleViolation) as err:
        collection_form(core, "centre_b", ref)
    assert err.value.rule == "R-ACT-2"
