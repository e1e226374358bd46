"""Sessions: R-SES-1..6, R-CON-1/2, R-CAN-7 at validation, R-ACT-2 for each operation.

The helpers at the top build extra data (GEV user, candidates, registrations, past
sessions) and are reused by tests/test_dte_orders.py and tests/test_results.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from ceres_core.clock import PARIS
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    Agrement,
    AuditEvent,
    Candidate,
    DteAcknowledgement,
    DteOrder,
    ExamSession,
    PrintKind,
    PrintRequest,
    Profile,
    Registration,
    Role,
    RsKind,
    SessionKind,
    SessionState,
    User,
)
from ceres_core.services import sessions as svc
from ceres_core.services.results import enter_result
from ceres_core.settings import Rules

A1_TP = "TITRE_A_2027_000001"  # world: site A1 (75), ODP, 20-21/05/2027, 8:30
REPRISE_TP = "TITRE_B_2027_000002"  # world: site REPRISE1 (93), 10-11/06/2027


# -- helpers shared with the DTE and results tests ---------------------------------------


def add_user(core, login: str, role: Role, **scope) -> None:
    with core.transaction() as db:
        db.add(
            User(login=login, display_name=login, created_at=core.clock.now(),
                 profiles=[Profile(role=role, **scope)])
        )


def add_candidate(core, ceres_id: str, last_name: str, first_name: str = "Marie",
                  region: str = "11") -> int:
    with core.transaction() as db:
        cand = Candidate(
            ceres_id=ceres_id, civility="Mme", last_name=last_name, first_name=first_name,
            name_key=f"{last_name} {first_name}".upper(), birth_date=date(1990, 4, 2),
            region_code=region, created_at=core.clock.now(),
        )
        db.add(cand)
        db.flush()
        return cand.id


def session_id(core, ref: str) -> int:
    with core.transaction() as db:
        return db.scalar(select(ExamSession.id).where(ExamSession.ref == ref))


def register(core, ref: str, candidate_id: int, **fields) -> None:
    with core.transaction() as db:
        db.add(Registration(session_id=session_id(core, ref), candidate_id=candidate_id,
                            registered_at=core.clock.now(), **fields))


def set_session(core, ref: str, **fields) -> None:
    with core.transaction() as db:
        session = db.scalar(select(ExamSession).where(ExamSession.ref == ref))
        for key, value in fields.items():
            setattr(session, key, value)


def make_session(core, world, ref: str, start: date, *, agrement: str = "A1-ODP",
                 kind: SessionKind = SessionKind.TP, state: SessionState = SessionState.VALIDEE,
                 with_final_interview: bool = True, end: date | None = None) -> str:
    """A session inserted directly (any date, any state)."""
    with core.transaction() as db:
        agr = db.get(Agrement, world.agrements[agrement])
        db.add(ExamSession(
            ref=ref, site_id=agr.site_id, agrement_id=agr.id, kind=kind, title_id=agr.title_id,
            ccp_id=world.ccps["ODP1"] if kind is SessionKind.CCP else None,
            ccs_id=world.ccss["ODP-CCS"] if kind is SessionKind.CCS else None,
            with_final_interview=with_final_interview, start_date=start, start_time=time(9, 0),
            end_date=end or start, state=state, created_at=core.clock.now(),
        ))
    return ref


def add_order(core, ref: str, *, acks: tuple[str, ...] = ()) -> None:
    """A DTE order inserted directly, with acknowledgements."""
    with core.transaction() as db:
        order = DteOrder(
            session_id=session_id(core, ref), ordered_at=core.clock.now(),
            ordered_by_id=db.scalar(select(User.id).where(User.login == "centre_a")),
            candidates_count=2, rs_kind=RsKind.TITULAIRE, rs_name="Claire Martin",
            contact_name="Claire Martin", contact_phone="01 23 45 67 89",
            contact_email="examen@formapro.fr", delivery_address="12 rue de la Roquette, 75011 Paris",
        )
        for kind in acks:
            order.acknowledgements.append(
                DteAcknowledgement(kind=kind, at=core.clock.now(),
                                   links=["https://gev.afpa.fr/dte/1"] if kind == "preparation" else None)
            )
        db.add(order)


def count(core, model) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


def refusals(core, action: str) -> list[AuditEvent]:
    with core.transaction() as db:
        return list(db.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.outcome == "refused")))


def run_to_closed(core, clock, ref: str, candidates: dict[str, str]) -> None:
    """Register candidates (ceres id → result), convoke, pass the exam, enter, close."""
    for i, (ceres_id, _result) in enumerate(candidates.items()):
        register(core, ref, add_candidate(core, ceres_id, f"CANDIDAT{chr(65 + i)}"))
    svc.issue_convocations(core, "centre_a", ref)
    with core.transaction() as db:
        end = db.scalar(select(ExamSession.end_date).where(ExamSession.ref == ref))
    clock.set(datetime(end.year, end.month, end.day, 18, 0, tzinfo=PARIS))
    for ceres_id, result in candidates.items():
        if result == "absent":
            enter_result(core, "centre_a", ref, ceres_id, attendance="absence_justifiee")
        elif result == "partiellement_admis":
            enter_result(core, "centre_a", ref, ceres_id, attendance="present", result=result,
                         ccps_obtained=["CCP-00463-1"])
        else:
            enter_result(core, "centre_a", ref, ceres_id, attendance="present", result=result)
    svc.close_session_at_centre(core, "centre_a", ref)


# -- create_session (R-SES-1, R-SES-2) ----------------------------------------------------


def test_r_ses_1_session_created_from_an_agrement(core, world):
    view = svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "TP",
                              "2027-09-14", "8h30", "16/09/2027")
    assert re.fullmatch(r"TITRE_[A-Z]_2027_\d{6}", view.ref)
    number = int(view.ref[-6:])
    assert view.ref[6] == svc.ref_check_letter(2027, number)
    assert (view.start_date, view.start_time, view.end_date) == (
        date(2027, 9, 14), time(8, 30), date(2027, 9, 16))
    assert view.state_label == "en préparation"
    assert view.site_code == "S-A1" and view.title_code == "TP-00463"
    assert view.dte_status_label == "DTE non commandé"
    with core.transaction() as db:
        event = db.scalar(select(AuditEvent).where(AuditEvent.action == "session.create"))
        assert event.target_id == view.ref and event.actor_login == "centre_a"


def test_r_ses_1_ccp_and_ccs_sessions_name_a_block_of_the_title(core, world):
    ccp = svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "CCP",
                             date(2027, 3, 1), time(9, 0), date(2027, 3, 1),
                             ccp_code="ccp-00463-2", with_final_interview=True)
    assert ccp.ref.startswith("CCP_") and ccp.ccp_code == "CCP-00463-2"
    assert ccp.with_final_interview
    ccs = svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "CCS",
                             date(2027, 3, 2), time(9, 0), date(2027, 3, 2),
                             ccs_code="CCS-00463-1")
    assert ccs.ref.startswith("CCS_") and ccs.ccs_code == "CCS-00463-1"
    before = count(core, ExamSession)
    with pytest.raises(InvalidInput) as err:  # SC's CCP on the ODP agrément
        svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "CCP",
                           date(2027, 3, 1), time(9, 0), date(2027, 3, 1),
                           ccp_code="CCP-01303-1")
    assert "n'appartient pas au titre TP-00463" in err.value.message
    with pytest.raises(InvalidInput):
        svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "CCP",
                           date(2027, 3, 1), time(9, 0), date(2027, 3, 1))
    with pytest.raises(InvalidInput):
        svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "CCS",
                           date(2027, 3, 1), time(9, 0), date(2027, 3, 1),
                           ccs_code="CCS-00463-1", with_final_interview=True)
    assert count(core, ExamSession) == before


def test_r_ses_1_session_before_the_agrement_grant_refused(core, world):
    with core.transaction() as db:
        agr = Agrement(site_id=world.sites["A1"], title_id=world.titles["SC"],
                       granted_on=date(2027, 3, 1), ends_on=date(2031, 2, 28))
        db.add(agr)
        db.flush()
        agr_id = agr.id
    with pytest.raises(RuleViolation) as err:
        svc.create_session(core, "centre_a", agr_id, "TP", "2027-02-15", "9:00", "2027-02-16")
    assert err.value.rule == "R-SES-1"
    assert "01/03/2027" in err.value.message
    assert svc.create_session(core, "centre_a", agr_id, "TP", "2027-03-01", "9:00",
                              "2027-03-02").state == "en_preparation"


def test_r_ses_2_session_after_agrement_end_refused_with_the_path(core, world):
    # B1-SC ends on 31/01/2027.
    before = count(core, ExamSession)
    with pytest.raises(RuleViolation) as err:
        svc.create_session(core, "centre_b", world.agrements["B1-SC"], "TP",
                           "2027-01-29", "9:00", "2027-02-01")
    message = err.value.message
    assert err.value.rule == "R-SES-2"
    assert "La session du 29/01/2027 au 01/02/2027" in message
    assert "fin de l'agrément (31/01/2027)" in message
    assert "commander le DTE" in message and "DREETS" in message
    assert "au plus tard le 31/01/2028" in message and message.endswith("(R-SES-2).")
    assert count(core, ExamSession) == before
    assert [e.rule for e in refusals(core, "session.create")] == ["R-SES-2"]
    # Ending on the agrément's last day is fine.
    assert svc.create_session(core, "centre_b", world.agrements["B1-SC"], "TP",
                              "2027-01-28", "9:00", "2027-01-31").end_date == date(2027, 1, 31)


def test_r_ses_2_without_agrement_the_centre_must_apply_first(core, world):
    with pytest.raises(RuleViolation) as err:
        svc.create_session(core, "centre_a", None, "TP", "2027-03-01", "9:00", "2027-03-01")
    assert err.value.rule == "R-SES-2"
    assert "demander un agrément" in err.value.message


@pytest.mark.parametrize(
    ("start", "hour", "end", "expected"),
    [
        ("2027-13-01", "9:00", "2027-03-01", "n'existe pas"),
        ("demain", "9:00", "2027-03-01", "AAAA-MM-JJ"),
        ("2027-03-05", "9:00", "2027-03-01", "antérieure à la date de début"),
        ("2026-11-01", "9:00", "2026-11-02", "déjà passée"),
        ("2027-03-01", "25h", "2027-03-01", "n'existe pas"),
        ("2027-03-01", "midi", "2027-03-01", "heure valide"),
    ],
)
def test_create_session_bad_input_leaves_the_database_unchanged(core, world, start, hour, end,
                                                               expected):
    before = count(core, ExamSession)
    with pytest.raises(InvalidInput) as err:
        svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "TP", start, hour, end)
    assert expected in err.value.message
    assert count(core, ExamSession) == before


def test_create_session_unknown_kind_and_agrement(core, world):
    with pytest.raises(InvalidInput):
        svc.create_session(core, "centre_a", world.agrements["A1-ODP"], "VAE", "2027-03-01",
                           "9:00", "2027-03-01")
    with pytest.raises(NotFound):
        svc.create_session(core, "centre_a", 99999, "TP", "2027-03-01", "9:00", "2027-03-01")


def test_r_act_2_create_session_out_of_scope(core, world):
    with pytest.raises(RuleViolation) as err:
        svc.create_session(core, "centre_b", world.agrements["A1-ODP"], "TP",
                           "2027-03-01", "9:00", "2027-03-01")
    assert err.value.rule == "R-ACT-2" and "hors de votre périmètre" in err.value.message
    with pytest.raises(RuleViolation) as err:
        svc.create_session(core, "ud75", world.agrements["A1-ODP"], "TP",
                           "2027-03-01", "9:00", "2027-03-01")
    assert err.value.rule == "R-ACT-2"
    assert len(refusals(core, "session.create")) == 2


def test_session_refs_are_unique(core, world):
    refs = {
        svc.create_session(core, "admin", world.agrements["A1-ODP"], "TP", "2027-04-01",
                           "9:00", "2027-04-01").ref
        for _ in range(20)
    }
    assert len(refs) == 20


# -- delete_session (R-SES-3) ------------------------------------------------------------


def test_r_ses_3_delete_before_the_dte_order(core, world):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    deleted = svc.delete_session(core, "centre_a", A1_TP.lower())
    assert deleted.ref == A1_TP
    with pytest.raises(NotFound):
        svc.get_session(core, "centre_a", A1_TP)
    assert count(core, Registration) == 0


def test_r_ses_3_delete_refused_once_the_dte_is_ordered(core, world):
    add_order(core, A1_TP)
    with pytest.raises(RuleViolation) as err:
        svc.delete_session(core, "centre_a", A1_TP)
    assert err.value.rule == "R-SES-3"
    assert "annulée (R-SES-5)" in err.value.message and "22/11/2026" in err.value.message
    assert svc.get_session(core, "centre_a", A1_TP).ref == A1_TP


def test_r_act_2_delete_out_of_scope(core, world):
    with pytest.raises(RuleViolation) as err:
        svc.delete_session(core, "centre_b", A1_TP)
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(NotFound):
        svc.delete_session(core, "centre_a", "TITRE_Z_2027_999999")


# -- cancel_session (R-SES-5) -------------------------------------------------------------


def test_r_ses_5_centre_cancels_a_session_not_validated(core, world):
    view = svc.cancel_session(core, "centre_a", A1_TP, "Formation reportée")
    assert view.session.state_label == "annulée"
    assert view.previous_state_label == "en préparation"
    assert not view.dte_ordered and not view.gev_must_cancel_order
    assert not view.packages_to_destroy
    assert view.session.cancelled_at == core.clock.now()


def test_r_ses_5_validated_session_cancelled_by_the_state_services_only(core, world):
    set_session(core, A1_TP, state=SessionState.VALIDEE)
    with pytest.raises(RuleViolation) as err:
        svc.cancel_session(core, "centre_a", A1_TP, "Erreur de date")
    assert err.value.rule == "R-SES-5"
    assert "DREETS" in err.value.message and "epreuves-btp@afpa.fr" in err.value.message
    view = svc.cancel_session(core, "ud75", A1_TP, "Erreur de date")
    assert view.session.state == "annulee"


def test_r_ses_5_packages_received_must_be_destroyed(core, world):
    set_session(core, A1_TP, state=SessionState.VALIDEE)
    add_order(core, A1_TP, acks=("reception", "preparation"))
    view = svc.cancel_session(core, "dreets_idf", A1_TP, "Fermeture du site")
    assert view.gev_must_cancel_order and view.packages_to_destroy
    assert view.gev_email == "epreuves-btp@afpa.fr"
    assert any("détruit les plis" in step for step in view.next_steps)


def test_r_ses_5_packages_not_sent_the_gev_only_cancels(core, world):
    add_order(core, A1_TP, acks=("reception",))
    view = svc.cancel_session(core, "centre_a", A1_TP, "Pas assez de candidats")
    assert view.gev_must_cancel_order and not view.packages_to_destroy
    assert any("la GEV annule la commande" in step for step in view.next_steps)


def test_r_ses_4_a_cancelled_session_cannot_be_cancelled_again(core, world):
    svc.cancel_session(core, "centre_a", A1_TP, "Report")
    with pytest.raises(RuleViolation) as err:
        svc.cancel_session(core, "centre_a", A1_TP, "Report")
    assert err.value.rule == "R-SES-4"
    assert "« annulée »" in err.value.message


def test_r_act_2_cancel_out_of_scope_and_reason_required(core, world):
    with pytest.raises(RuleViolation) as err:
        svc.cancel_session(core, "ud35", A1_TP, "Report")
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(InvalidInput):
        svc.cancel_session(core, "centre_a", A1_TP, "  ")
    assert svc.get_session(core, "centre_a", A1_TP).state == "en_preparation"


# -- convocations (R-CON-1, R-CON-2) ------------------------------------------------------


def test_r_con_1_no_convocations_without_a_registered_candidate(core, world):
    with pytest.raises(RuleViolation) as err:
        svc.issue_convocations(core, "centre_a", A1_TP)
    assert err.value.rule == "R-CON-1"
    assert svc.get_session(core, "centre_a", A1_TP).state == "en_preparation"


def test_r_con_1_convocation_hour_may_differ_from_the_start_hour(core, world):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    view = svc.issue_convocations(core, "centre_a", A1_TP, convocation_time="7h45")
    assert view.convocation_time == time(7, 45)
    assert view.session.start_time == time(8, 30)
    assert view.session.state_label == "convocations envoyées"
    # Editing again (another hour) keeps the state; default is the start hour.
    again = svc.issue_convocations(core, "centre_a", A1_TP)
    assert again.convocation_time == time(8, 30)
    assert again.session.convocations_issued_at == view.session.convocations_issued_at


def test_r_con_2_deadline_per_kind_and_warning_when_late(core, world, clock):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    view = svc.issue_convocations(core, "centre_a", A1_TP)
    assert (view.delay_days, view.deadline, view.late, view.warning) == (
        30, date(2027, 4, 20), False, None)
    ccp = make_session(core, world, "CCP_A_2027_000010", date(2027, 1, 20),
                       kind=SessionKind.CCP, state=SessionState.EN_PREPARATION)
    register(core, ccp, add_candidate(core, "C2", "MARTIN"))
    clock.set(datetime(2027, 1, 10, 9, 0, tzinfo=PARIS))
    # Enforced (the default): refused, with the last possible date.
    with pytest.raises(RuleViolation) as err:
        svc.issue_convocations(core, "centre_a", ccp)
    assert err.value.rule == "R-CON-2"
    assert "le dernier jour possible pour les éditer était le 05/01/2027" in err.value.message
    # During the transition (002), a warning, not a refusal.
    transition = Core(engine=core.engine, clock=clock, rules=Rules(delay_constraints="transition"))
    late = svc.issue_convocations(transition, "centre_a", ccp)
    assert (late.delay_days, late.deadline, late.late) == (15, date(2027, 1, 5), True)
    assert "05/01/2027" in late.warning and "(R-CON-2)" in late.warning
    assert "parvenir 15 jours avant" in late.warning
    assert late.session.state == "convocations_envoyees"


def test_r_con_2_one_calendar_month_for_a_tp_fifteen_days_for_a_ccs(core, world, clock):
    """The reading of settings.Rules, the table the DTE timeline reads too."""
    from ceres_core.services.dte import dte_status

    tp = make_session(core, world, "TITRE_A_2027_000011", date(2027, 3, 31),
                      state=SessionState.EN_PREPARATION)
    register(core, tp, add_candidate(core, "C3", "DURAND"))
    clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=PARIS))
    transition = Core(engine=core.engine, clock=clock, rules=Rules(delay_constraints="transition"))
    view = svc.issue_convocations(transition, "centre_a", tp)
    # 1 month before 31/03/2027 is 28/02/2027 (31 days), not 30 days (01/03/2027).
    assert (view.delay_label, view.deadline, view.delay_days, view.late) == (
        "1 mois", date(2027, 2, 28), 31, True)
    assert "parvenir 1 mois avant" in view.warning
    assert dte_status(core, "centre_a", tp).timeline.convocation_deadline == view.deadline
    ccs = make_session(core, world, "CCS_A_2027_000012", date(2027, 3, 31),
                       kind=SessionKind.CCS, state=SessionState.EN_PREPARATION)
    register(core, ccs, add_candidate(core, "C4", "LEROY"))
    view = svc.issue_convocations(core, "centre_a", ccs)
    assert (view.delay_label, view.deadline, view.late) == ("15 jours", date(2027, 3, 16), False)
    assert dte_status(core, "centre_a", ccs).timeline.convocation_deadline == view.deadline


def test_r_ses_4_no_convocations_once_results_are_entered(core, world):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    set_session(core, A1_TP, state=SessionState.RESULTATS_SAISIS)
    with pytest.raises(RuleViolation) as err:
        svc.issue_convocations(core, "centre_a", A1_TP)
    assert err.value.rule == "R-SES-4"


def test_r_act_2_convocations_out_of_scope(core, world):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"))
    for actor in ("centre_b", "ud75"):
        with pytest.raises(RuleViolation) as err:
            svc.issue_convocations(core, actor, A1_TP)
        assert err.value.rule == "R-ACT-2"


# -- closure by the centre (R-SES-6) ------------------------------------------------------


def _convoked_a1(core, clock, n: int = 2) -> None:
    for i in range(n):
        register(core, A1_TP, add_candidate(core, f"C{i + 1}", f"CANDIDAT{chr(65 + i)}"))
    svc.issue_convocations(core, "centre_a", A1_TP)
    clock.set(datetime(2027, 5, 21, 17, 0, tzinfo=PARIS))


def test_r_ses_6_close_refused_before_the_session_is_over(core, world, clock):
    _convoked_a1(core, clock)
    clock.set(datetime(2027, 5, 20, 17, 0, tzinfo=PARIS))
    enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    enter_result(core, "centre_a", A1_TP, "C2", attendance="absence_injustifiee")
    with pytest.raises(RuleViolation) as err:
        svc.close_session_at_centre(core, "centre_a", A1_TP)
    assert err.value.rule == "R-SES-6" and "21/05/2027" in err.value.message


def test_r_ses_6_close_refused_while_the_entry_is_incomplete(core, world, clock):
    _convoked_a1(core, clock)
    enter_result(core, "centre_a", A1_TP, "C1", attendance="present")  # no result yet
    with pytest.raises(RuleViolation) as err:
        svc.close_session_at_centre(core, "centre_a", A1_TP)
    assert err.value.rule == "R-SES-6"
    assert "Mme Marie CANDIDATA (C1)" in err.value.message
    assert "Mme Marie CANDIDATB (C2)" in err.value.message
    assert svc.get_session(core, "centre_a", A1_TP).state == "resultats_saisis"


def test_r_ses_6_close_when_over_and_fully_entered(core, world, clock):
    _convoked_a1(core, clock)
    enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    enter_result(core, "centre_a", A1_TP, "C2", attendance="absence_justifiee")
    view = svc.close_session_at_centre(core, "centre_a", A1_TP)
    assert view.state_label == "en attente de validation"
    assert view.closed_by_centre_at == clock.now()


def test_r_act_2_close_out_of_scope(core, world, clock):
    _convoked_a1(core, clock, n=1)
    with pytest.raises(RuleViolation) as err:
        svc.close_session_at_centre(core, "ud75", A1_TP)
    assert err.value.rule == "R-ACT-2"


# -- validation and reopening (R-SES-6, R-CAN-7, R-SES-4) ----------------------------------


def test_r_ses_6_validation_refused_unless_closed_by_the_centre(core, world, clock):
    _convoked_a1(core, clock, n=1)
    enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    with pytest.raises(RuleViolation) as err:
        svc.validate_session(core, "ud75", A1_TP)
    assert err.value.rule == "R-SES-6"
    assert "le centre ne l'a pas encore clôturée" in err.value.message
    svc.close_session_at_centre(core, "centre_a", A1_TP)
    view = svc.validate_session(core, "ud75", A1_TP)
    assert view.state_label == "validée" and view.validated_at == clock.now()


def test_r_act_2_validation_by_the_ud_of_the_departement_or_the_dreets(core, world, clock):
    run_to_closed(core, clock, A1_TP, {"C1": "admis"})
    for actor in ("ud35", "dreets_bzh"):
        with pytest.raises(RuleViolation) as err:
            svc.validate_session(core, actor, A1_TP)
        assert "hors de votre périmètre" in err.value.message
    with pytest.raises(RuleViolation) as err:
        svc.validate_session(core, "centre_a", A1_TP)
    assert err.value.message == "Votre profil ne permet pas de valider cette session (R-ACT-2)."
    assert svc.validate_session(core, "dreets_idf", A1_TP).state == "validee"


def test_r_can_7_ud_cannot_validate_a_fourth_final_interview_session(core, world, clock):
    set_session(core, A1_TP, with_final_interview=True)  # 20/05/2027
    run_to_closed(core, clock, A1_TP, {"C1": "admis", "C2": "refuse"})
    with core.transaction() as db:
        c1 = db.scalar(select(Candidate.id).where(Candidate.ceres_id == "C1"))
    earlier = [
        make_session(core, world, "TITRE_A_2026_000101", date(2026, 5, 21)),  # first day in
        make_session(core, world, "CCP_A_2026_000102", date(2026, 12, 1),
                     kind=SessionKind.CCP),
        make_session(core, world, "TITRE_A_2027_000103", date(2027, 3, 1),
                     state=SessionState.EN_ATTENTE_VALIDATION),
    ]
    for ref in earlier:
        register(core, ref, c1)
    with pytest.raises(RuleViolation) as err:
        svc.validate_session(core, "ud75", A1_TP)
    message = err.value.message
    assert err.value.rule == "R-CAN-7"
    assert "Mme Marie CANDIDATA (C1) en a déjà 3" in message
    assert "entre le 21/05/2026 et le 20/05/2027" in message
    assert "L'UD ne peut pas valider la session" in message
    assert "CANDIDATB" not in message
    # Once one of them is cancelled, the session can be validated.
    set_session(core, earlier[1], state=SessionState.ANNULEE)
    assert svc.validate_session(core, "ud75", A1_TP).state == "validee"


def test_r_can_7_counting_function_window_and_exclusions(core, world):
    cid = add_candidate(core, "C9", "NGUYEN")
    on = date(2027, 5, 20)
    refs = {
        "TITRE_A_2026_000201": dict(start=date(2026, 5, 20)),  # one day too early
        "TITRE_A_2026_000202": dict(start=date(2026, 5, 21)),  # first day of the window
        "CCP_A_2027_000203": dict(start=date(2027, 1, 5), kind=SessionKind.CCP),
        "CCP_A_2027_000204": dict(start=date(2027, 1, 6), kind=SessionKind.CCP,
                                  with_final_interview=False),  # never counted
        "CCS_A_2027_000205": dict(start=date(2027, 1, 7), kind=SessionKind.CCS,
                                  with_final_interview=False),
        "TITRE_A_2027_000206": dict(start=date(2027, 2, 1), state=SessionState.ANNULEE),
        "TITRE_A_2027_000207": dict(start=date(2027, 5, 20)),  # the day itself counts
        "TITRE_A_2027_000208": dict(start=date(2027, 5, 21)),  # after: not in this window
    }
    for ref, spec in refs.items():
        start = spec.pop("start")
        make_session(core, world, ref, start, **spec)
        register(core, ref, cid)
    with core.transaction() as db:
        rules = core.rules
        assert svc.final_interview_sessions_in_window(db, cid, on, rules) == 3
        excluded = session_id(core, "TITRE_A_2027_000207")
        assert svc.final_interview_sessions_in_window(
            db, cid, on, rules, exclude_session_id=excluded) == 2
        assert svc.final_interview_window(on, rules) == (date(2026, 5, 21), on)
        # One listing, the count is its length (the registration's message lists them).
        first, last = svc.final_interview_window(on, rules)
        listed = svc.final_interview_sessions(db, cid, first, last)
        assert [x.ref for x in listed] == [
            "TITRE_A_2026_000202", "CCP_A_2027_000203", "TITRE_A_2027_000207"]
        # The Python predicate agrees with the SQL one on every session.
        counted = {x.ref for x in listed} | {"TITRE_A_2026_000201", "TITRE_A_2027_000208"}
        for ref in refs:
            session = db.scalar(select(ExamSession).where(ExamSession.ref == ref))
            assert svc.counts_for_final_interview_limit(session) is (ref in counted), ref


def test_r_can_7_no_limit_without_final_interview(core, world, clock):
    set_session(core, A1_TP, with_final_interview=False)  # recorded without final interview
    run_to_closed(core, clock, A1_TP, {"C1": "admis"})
    with core.transaction() as db:
        c1 = db.scalar(select(Candidate.id).where(Candidate.ceres_id == "C1"))
    for i in range(4):
        ref = make_session(core, world, f"TITRE_A_2027_00030{i}", date(2027, 1, 10 + i))
        register(core, ref, c1)
    assert svc.validate_session(core, "ud75", A1_TP).state == "validee"


def test_r_ses_4_reopen_then_validate_again(core, world, clock):
    run_to_closed(core, clock, A1_TP, {"C1": "refuse"})
    svc.validate_session(core, "ud75", A1_TP)
    view = svc.reopen_session(core, "ud75", A1_TP, "Erreur de saisie du résultat")
    assert view.state_label == "débloquée"
    enter_result(core, "centre_a", A1_TP, "C1", attendance="present", result="admis")
    again = svc.validate_session(core, "ud75", A1_TP)
    assert again.state_label == "validée"
    with pytest.raises(RuleViolation) as err:
        svc.reopen_session(core, "ud75", REPRISE_TP)  # out of scope first
    assert err.value.rule == "R-ACT-2"
    assert svc.reopen_session(core, "ud75", A1_TP).state == "debloquee"  # again
    set_session(core, A1_TP, state=SessionState.EN_PREPARATION)
    with pytest.raises(RuleViolation) as err:
        svc.reopen_session(core, "ud75", A1_TP)
    assert err.value.rule == "R-SES-4"


def test_r_act_2_reopen_is_for_the_ud(core, world):
    set_session(core, A1_TP, state=SessionState.VALIDEE)
    for actor in ("centre_a", "dreets_idf"):
        with pytest.raises(RuleViolation) as err:
            svc.reopen_session(core, actor, A1_TP)
        assert err.value.message == "Votre profil ne permet pas de débloquer cette session (R-ACT-2)."


def test_r_ses_6_reopened_session_revalidated_only_when_complete(core, world, clock):
    run_to_closed(core, clock, A1_TP, {"C1": "admis"})
    svc.validate_session(core, "ud75", A1_TP)
    svc.reopen_session(core, "ud75", A1_TP)
    enter_result(core, "centre_a", A1_TP, "C1", attendance="present")  # result removed
    with pytest.raises(RuleViolation) as err:
        svc.validate_session(core, "ud75", A1_TP)
    assert err.value.rule == "R-SES-6"


# -- reading: list_sessions, get_session ----------------------------------------------------


def test_r_act_2_list_sessions_in_the_actor_zone(core, world):
    def refs(actor, **kw):
        return [v.ref for v in svc.list_sessions(core, actor, **kw)]

    assert refs("centre_a") == [A1_TP]
    assert refs("ud75") == [A1_TP]
    assert refs("ud35") == []
    assert refs("dreets_idf") == [A1_TP, REPRISE_TP]
    assert refs("admin") == [A1_TP, REPRISE_TP]
    add_user(core, "gev", Role.GEV)
    assert refs("gev") == [A1_TP, REPRISE_TP]
    with pytest.raises(RuleViolation) as err:
        svc.list_sessions(core, "afpa")
    assert err.value.rule == "R-ACT-2"
    assert refusals(core, "session.list")[0].actor_login == "afpa"


def test_list_sessions_state_filter_counts_and_dte_status(core, world):
    set_session(core, A1_TP, state=SessionState.VALIDEE)
    ids = [add_candidate(core, f"C{i}", f"NOM{chr(65 + i)}") for i in range(3)]
    for cid in ids:
        register(core, A1_TP, cid)
    add_order(core, A1_TP, acks=("reception",))
    with core.transaction() as db:
        reg = db.scalar(select(Registration).where(Registration.candidate_id == ids[0]))
        admin_id = db.scalar(select(User.id).where(User.login == "ud75"))
        db.add(PrintRequest(registration_id=reg.id, kind=PrintKind.INITIALE,
                            requested_at=core.clock.now(), requested_by_id=admin_id))
    [view] = svc.list_sessions(core, "dreets_idf", state="validée")
    assert view.ref == A1_TP
    assert (view.registrations_count, view.initial_print_count) == (3, 1)
    assert view.dte_status == "receptionne"
    assert svc.list_sessions(core, "dreets_idf", state=SessionState.EN_PREPARATION)[0].ref == \
        REPRISE_TP
    assert len(svc.list_sessions(core, "admin", limit=1)) == 1
    with pytest.raises(InvalidInput):
        svc.list_sessions(core, "admin", state="terminée")
    with pytest.raises(InvalidInput):
        svc.list_sessions(core, "admin", limit=0)


def test_get_session_with_registrations(core, world):
    register(core, A1_TP, add_candidate(core, "C1", "DUPONT"), is_vae=True)
    view = svc.get_session(core, "ud75", A1_TP)
    assert view.centre_name == "Formapro Paris"
    assert view.certification_label == "TP-00463 Ouvrier du paysage (20/09/2018)"
    [line] = view.registrations
    assert (line.ceres_id, line.full_name, line.is_vae, line.attendance) == (
        "C1", "Mme Marie DUPONT", True, None)
    assert "20/05/2027 – en préparation" in view.summary_fr
    with pytest.raises(RuleViolation) as err:
        svc.get_session(core, "centre_b", A1_TP)
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(NotFound) as err:
        svc.get_session(core, "centre_a", "session 12")
    assert "forme attendue" in err.value.message
