"""The readings of the seed rules that the core once got wrong, one test per rule id,
through the services on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import ExamSession, SessionKind, SessionState
from ceres_core.services import printing
from ceres_core.services import sessions as sessions_svc
from ceres_core.services.registrations import register_candidate
from tests.test_candidates import make_session, new_candidate, register_raw

TP_A = "TITRE_A_2027_000001"


def set_state(core, ref, state):
    with core.transaction() as db:
        db.scalar(select(ExamSession).where(ExamSession.ref == ref)).state = state  # site A1 (centre A, Paris), starts 20/05/2027


# -- R-CAN-7 ------------------------------------------------------------------------------


def test_r_can_7_a_tp_session_created_without_saying_counts(core, world):
    view = sessions_svc.create_session(
        core, "centre_a", world.agrements["A1-ODP"], "TP", "10/03/2027", "09:00", "11/03/2027"
    )
    assert view.with_final_interview is True
    ccp = sessions_svc.create_session(
        core, "centre_a", world.agrements["A1-ODP"], "CCP", "12/03/2027", "09:00",
        "12/03/2027", ccp_code="CCP-00463-1",
    )
    assert ccp.with_final_interview is False
    explicit = sessions_svc.create_session(
        core, "centre_a", world.agrements["A1-ODP"], "TP", "15/03/2027", "09:00",
        "15/03/2027", with_final_interview=False,
    )
    assert explicit.with_final_interview is False


def test_r_can_7_five_tp_sessions_cannot_be_given_to_one_candidate(core, world):
    cand = new_candidate(core)
    refs = [
        sessions_svc.create_session(
            core, "centre_a", world.agrements["A1-ODP"], "TP", start, "09:00", start
        ).ref
        for start in ("10/01/2027", "10/02/2027", "10/03/2027", "10/04/2027", "10/05/2027")
    ]
    for ref in refs[:3]:
        register_candidate(core, "centre_a", ref, cand.ceres_id)
    for ref in refs[3:]:
        with pytest.raises(RuleViolation) as err:
            register_candidate(core, "centre_a", ref, cand.ceres_id)
        assert err.value.rule == "R-CAN-7"


def test_r_can_7_validation_reads_the_windows_like_the_registration(core, world, clock):
    """A session whose later sessions fill a window is refused at registration *and*
    at validation (the same windows, one query)."""
    cand = new_candidate(core)
    first = make_session(core, world, start=date(2027, 1, 10))
    later = [make_session(core, world, start=d) for d in
             (date(2027, 2, 1), date(2027, 6, 1), date(2027, 12, 1))]
    for ref in later:
        register_candidate(core, "centre_a", ref, cand.ceres_id)
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", first, cand.ceres_id)
    assert err.value.rule == "R-CAN-7" and "01/12/2027" in err.value.message
    register_raw(core, first, cand.ceres_id)  # migrated data: registered anyway
    set_state(core, first, SessionState.EN_ATTENTE_VALIDATION)
    clock.set(clock.now().replace(year=2027, month=1, day=12))
    with pytest.raises(RuleViolation) as err:
        sessions_svc.validate_session(core, "ud75", first)
    assert err.value.rule == "R-CAN-7"
    assert "entre le 02/12/2026 et le 01/12/2027" in err.value.message
    # A CCS session never counts.
    ccs = make_session(core, world, kind=SessionKind.CCS, start=date(2027, 3, 1), final=True)
    register_candidate(core, "centre_a", ccs, cand.ceres_id)


# -- R-PRT-2 ------------------------------------------------------------------------------


def test_r_prt_2_no_candidate_is_marked_verified_without_being_named(core, world):
    import inspect

    from tests.test_printing import build_printing_session

    ref = build_printing_session(core, world)
    params = inspect.signature(printing.request_print_for_session).parameters
    assert "verify_all" not in params
    # 2122562 is not ticked: not named, it is not sent and stays unverified.
    batch = printing.request_print_for_session(core, "ud75", ref, ["2122559"])
    outcomes = {o.ceres_id: o for o in batch.outcomes}
    assert outcomes["2122559"].sent
    assert not outcomes["2122562"].sent and outcomes["2122562"].rule == "R-PRT-2"
    line = next(c for c in printing.documents_preview(core, "ud75", ref).candidates
                if c.ceres_id == "2122562")
    assert not line.data_verified
    with pytest.raises(InvalidInput) as err:
        printing.request_print_for_session(core, "ud75", ref, ["2122562", "9999999"])
    assert "9999999" in err.value.message
    assert printing.request_print_for_session(core, "ud75", ref, ["2122562"]).sent_count == 1


# -- R-AFT-2 ------------------------------------------------------------------------------


def test_r_aft_2_the_pnd_reaches_the_afpa_as_a_notice_it_acts_on(core, world, clock):
    from tests.test_printing import build_printing_session

    ref = build_printing_session(core, world)
    printing.request_print(core, "ud75", ref, "2122559")
    clock.advance(days=12)
    view = printing.record_pnd(core, "ud75", ref, "2122559", new_address="14 avenue Foch",
                               new_postal_code="69006", new_city="Lyon")
    # The user is told what really happened: a notice on the Afpa's list, not handled yet.
    assert "l'Afpa est informée" not in view.message
    assert f"avis n° {view.notice_id}" in view.message and "pas encore traité" in view.message
    assert view.afpa_handled_on is None
    notices = printing.list_pnd_notices(core, "afpa")
    assert [(n.id, n.ceres_id, n.new_address) for n in notices] == [
        (view.notice_id, "2122559", "14 avenue Foch, 69006 Lyon")]
    assert notices[0].status_label == "à renvoyer par l'Afpa"
    assert notices[0].notified_by == "Agent UD Paris"
    # Only the Afpa's print service (and the admin) reads and handles the list.
    for login in ("ud75", "centre_a", "dreets_idf", "support"):
        with pytest.raises(RuleViolation) as err:
            printing.list_pnd_notices(core, login)
        assert err.value.rule == "R-ACT-2"
        with pytest.raises(RuleViolation):
            printing.handle_pnd_notice(core, login, view.notice_id)
    clock.advance(days=2)
    handled = printing.handle_pnd_notice(core, "afpa", view.notice_id, comment="Renvoyé")
    assert handled.handled_by == "Opérateur Afpa" and handled.status_label.startswith("renvoyé")
    assert printing.list_pnd_notices(core, "afpa") == []
    assert len(printing.list_pnd_notices(core, "admin", include_handled=True)) == 1
    with pytest.raises(RuleViolation) as err:
        printing.handle_pnd_notice(core, "afpa", view.notice_id)
    assert err.value.rule == "R-AFT-2" and "déjà été traité" in err.value.message
    history = printing.print_history(core, "ud75", ref, "2122559")
    assert history.pnd_events[0].afpa_handled_on == clock.today()
    assert "L'Afpa a renvoyé le courrier" in history.pnd_events[0].message
    with pytest.raises(NotFound):
        printing.handle_pnd_notice(core, "afpa", 999)


# -- R-CAN-6 ------------------------------------------------------------------------------


def test_r_can_6_vae_registered_31_days_and_more_before_the_start(core, world, clock):
    from datetime import datetime

    from ceres_core.clock import PARIS

    cand = new_candidate(core)
    clock.set(datetime(2027, 4, 19, 10, 0, tzinfo=PARIS))  # 31 days before 20/05/2027
    assert register_candidate(core, "centre_a", TP_A, cand.ceres_id, vae=True).is_vae
    # After the convocations, the window is what remains open for a VAE candidate.
    with core.transaction() as db:
        session = db.scalar(select(ExamSession).where(ExamSession.ref == TP_A))
        session.state = SessionState.CONVOCATIONS_ENVOYEES
        session.convocations_issued_at = datetime(2027, 4, 18, 9, 0, tzinfo=PARIS)
    late = new_candidate(core, first_name="Paul")
    with pytest.raises(RuleViolation) as err:
        register_candidate(core, "centre_a", TP_A, late.ceres_id, vae=True)
    assert err.value.rule == "R-CAN-6"
    assert "possible à partir du 20/04/2027" in err.value.message
    clock.set(datetime(2027, 4, 20, 10, 0, tzinfo=PARIS))
    assert register_candidate(core, "centre_a", TP_A, late.ceres_id, vae=True).is_vae


# -- R-ASS-2, R-ASS-4, R-DTE-9 --------------------------------------------------------------


def test_r_ass_2_a_ccs_session_sends_users_to_the_sector_gev_like_the_helpdesk(core, world):
    from tickets.queues import gev_queue_for, queue_spec

    ref = make_session(core, world, kind=SessionKind.CCS, start=date(2027, 6, 1), final=False)
    view = sessions_svc.cancel_session(core, "centre_a", ref, "Plus de candidats")
    # The title (Ouvrier du paysage) is in the BTP sector.
    assert view.gev_email == "epreuves-btp@afpa.fr"
    assert queue_spec(gev_queue_for("btp", "CCS")).contact == view.gev_email
    ccp = make_session(core, world, kind=SessionKind.CCP, start=date(2027, 6, 2), final=False)
    assert sessions_svc.cancel_session(core, "centre_a", ccp, "Report").gev_email == (
        "epreuves-ccp@afpa.fr")


def test_r_ass_4_and_r_dte_9_dte_status_advice(core, world, clock):
    from datetime import datetime

    from ceres_core.clock import PARIS
    from ceres_core.services import dte
    from tests.test_dte_orders import order

    order(core)
    status = dte.dte_status(core, "centre_a", TP_A)
    assert any("courriers indésirables" in a and "(R-ASS-4)" in a for a in status.advice)
    clock.set(datetime(2027, 5, 22, 10, 0, tzinfo=PARIS))  # the session ended on 21/05/2027
    status = dte.dte_status(core, "centre_a", TP_A)
    assert any("détruisez les éléments du DTE, utilisés et non utilisés" in a
               and "(R-DTE-9)" in a for a in status.advice)


# -- R-CON-2 (and the DTE order's delay, R-DTE-1) -------------------------------------------


def test_r_con_2_late_convocations_refused_with_the_last_possible_date(core, world, clock):
    from datetime import datetime

    from ceres_core.clock import PARIS
    from ceres_core.core import Core
    from ceres_core.services import dte
    from ceres_core.settings import Rules
    from tests.test_dte_orders import GOOD

    cand = new_candidate(core)
    register_candidate(core, "centre_a", TP_A, cand.ceres_id)
    # The DTE order of 20/05/2027 was due by 19/02/2027 (R-DTE-1), the convocations by
    # 20/04/2027 (1 month for a TP).
    clock.set(datetime(2027, 4, 21, 9, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        dte.order_dte(core, "centre_a", TP_A, **GOOD)
    assert err.value.rule == "R-DTE-1" and "au plus tard le 19/02/2027" in err.value.message
    with pytest.raises(RuleViolation) as err:
        sessions_svc.issue_convocations(core, "centre_a", TP_A)
    assert err.value.rule == "R-CON-2"
    assert "était le 20/04/2027" in err.value.message
    transition = Core(engine=core.engine, clock=clock, rules=Rules(delay_constraints="transition"))
    assert dte.order_dte(transition, "centre_a", TP_A, **GOOD).late
    view = sessions_svc.issue_convocations(transition, "centre_a", TP_A)
    assert view.late and "20/04/2027" in view.warning


# -- R-SES-2 / R-SES-5: the date changes the messages point to exist -----------------------


def test_r_ses_2_session_moved_past_the_agrement_by_the_dreets(core, world):
    # Agrément B1-SC ends on 31/01/2027.
    agr = world.agrements["B1-SC"]
    with pytest.raises(RuleViolation) as err:
        sessions_svc.create_session(core, "centre_b", agr, "TP", "10/03/2027", "09:00",
                                    "11/03/2027")
    assert err.value.rule == "R-SES-2"
    assert "la DREETS ou la DDETS peut reporter la session" in err.value.message
    ref = sessions_svc.create_session(core, "centre_b", agr, "TP", "10/01/2027", "09:00",
                                      "11/01/2027").ref
    # The centre cannot move it past the agrément; the DREETS of the site can, within a year.
    with pytest.raises(RuleViolation) as err:
        sessions_svc.change_session_dates(core, "centre_b", ref, "10/03/2027", "11/03/2027")
    assert err.value.rule == "R-SES-2" and "DREETS Bretagne" in err.value.message
    for outsider in ("dreets_idf", "ud75", "centre_a"):
        with pytest.raises(RuleViolation) as err:
            sessions_svc.change_session_dates(core, outsider, ref, "10/03/2027", "11/03/2027")
        assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation) as err:
        sessions_svc.change_session_dates(core, "dreets_bzh", ref, "01/02/2028", "02/02/2028")
    assert err.value.rule == "R-SES-2" and "au plus tard le 31/01/2028" in err.value.message
    moved = sessions_svc.change_session_dates(core, "dreets_bzh", ref, "10/03/2027",
                                              "11/03/2027", reason="Agrément en renouvellement")
    assert moved.session.start_date == date(2027, 3, 10) and moved.changed_by_state_service
    assert "dans l'année qui suit (R-SES-2)" in moved.message
    # Within the agrément, the centre moves its own session in preparation.
    back = sessions_svc.change_session_dates(core, "centre_b", ref, "17/01/2027", "18/01/2027")
    assert back.previous_start == date(2027, 3, 10) and not back.changed_by_state_service


def test_r_ses_5_validated_session_modified_by_the_ddets_not_the_centre(core, world, clock):
    ref = make_session(core, world, start=date(2027, 1, 10), state=SessionState.VALIDEE)
    with pytest.raises(RuleViolation) as err:
        sessions_svc.change_session_dates(core, "centre_a", ref, "11/01/2027", "11/01/2027")
    assert err.value.rule == "R-SES-5" and "DDETS du département" in err.value.message
    with pytest.raises(RuleViolation) as err:
        sessions_svc.cancel_session(core, "centre_a", ref, "Erreur")
    assert err.value.rule == "R-SES-5" and "en modifier les dates" in err.value.message
    view = sessions_svc.change_session_dates(core, "ud75", ref, "11/01/2027", "11/01/2027")
    assert view.session.state == "validee" and view.session.start_date == date(2027, 1, 11)
    assert sessions_svc.cancel_session(core, "ud75", ref, "Erreur").session.state == "annulee"
    with pytest.raises(RuleViolation) as err:
        sessions_svc.change_session_dates(core, "ud75", ref, "12/01/2027", "12/01/2027")
    assert err.value.rule == "R-SES-4"


# -- R-CAN-5 ------------------------------------------------------------------------------


def test_r_can_5_likely_duplicates_shown_at_creation_and_search_then_reported(core, world):
    from ceres_core.services import candidates

    first = new_candidate(core)  # M. Jean Dupont, 15/03/1990
    assert first.likely_duplicates == () and first.duplicate_warning is None
    near = new_candidate(core, last_name="Dupond")
    assert [p.second.ceres_id for p in near.likely_duplicates] == [first.ceres_id]
    assert "orthographe très proche" in near.likely_duplicates[0].reason
    assert "signalez les fiches en doublon à la DREETS" in near.duplicate_warning
    typo = new_candidate(core, first_name="Jean", birth_date="16/03/1990")
    assert first.ceres_id in {p.second.ceres_id for p in typo.likely_duplicates}
    other = new_candidate(core, last_name="Martin", first_name="Paul")
    assert other.likely_duplicates == ()
    hits = {h.candidate.ceres_id: h for h in candidates.search_candidates(core, "centre_a", "dupont")}
    assert near.ceres_id in hits[first.ceres_id].likely_duplicates
    # The report: a value the front end turns into a ticket for the DREETS's queue.
    report = candidates.report_duplicate(core, "centre_a", [first.ceres_id, near.ceres_id])
    assert (report.ticket_category, report.region_code) == ("doublon_candidat", "11")
    assert report.ticket_subject.startswith("fiches candidat en doublon")
    assert report.dreets_name in report.ticket_subject
    from tickets.routing import RoutingInput, route

    assert route(RoutingInput(category=report.ticket_category,
                              region=report.region_code)).queue == "dreets-11"


def test_r_can_5_a_dreets_lists_the_likely_duplicates_of_its_region(core, world):
    from ceres_core.services import candidates

    first = new_candidate(core)
    near = new_candidate(core, last_name="Dupond")
    view = candidates.list_region_duplicates(core, "dreets_idf")
    assert view.region_code == "11" and view.dreets_name == "DRIEETS Île-de-France"
    assert [set(p.ceres_ids) for p in view.pairs] == [{first.ceres_id, near.ceres_id}]
    assert candidates.list_region_duplicates(core, "admin", "11").pairs == view.pairs
    with pytest.raises(RuleViolation) as err:
        candidates.list_region_duplicates(core, "dreets_bzh", "11")
    assert err.value.rule == "R-ACT-2"
    for login in ("ud75", "centre_a"):
        with pytest.raises(RuleViolation) as err:
            candidates.list_region_duplicates(core, login)
        assert err.value.rule == "R-ACT-2"
    assert candidates.list_region_duplicates(core, "dreets_bzh").pairs == ()


def test_r_ses_5_date_change_refused_at_the_session_step_before_any_date(core, world):
    """R-SES-4/R-SES-5: whether a session may be moved at all is known before its dates
    (``check_date_change``, ``checks.check_session_dates``), with the service's refusal."""
    from ceres_core import rules
    from ceres_core.services import checks

    assert rules.session_date_change_state_refusal(
        by_state_service=False, state=SessionState.VALIDEE).rule == "R-SES-5"
    assert rules.session_date_change_state_refusal(
        by_state_service=True, state=SessionState.ANNULEE).rule == "R-SES-4"
    assert rules.session_date_change_state_refusal(
        by_state_service=True, state=SessionState.VALIDEE) is None
    ref = make_session(core, world, start=date(2027, 1, 10), state=SessionState.VALIDEE)
    with pytest.raises(RuleViolation) as err:
        sessions_svc.check_date_change(core, "centre_a", ref)
    assert err.value.rule == "R-SES-5" and "DDETS du département" in err.value.message
    with pytest.raises(RuleViolation) as err:
        sessions_svc.check_date_change(core, "dreets_bzh", ref)
    assert err.value.rule == "R-ACT-2"
    assert sessions_svc.check_date_change(core, "ud75", ref).ref == ref
    # The start alone: refused when it alone decides (before the agrément, R-SES-1).
    with pytest.raises(RuleViolation) as err:
        checks.check_session_dates(core, "ud75", ref, "01/01/2000")
    assert err.value.rule == "R-SES-1"
    checks.check_session_dates(core, "ud75", ref, "11/01/2027")
    # Nothing was written by the checks: not the dates, and no audit row for a probe's
    # refusal (a card asking whether to show its button is not an attempt).
    assert sessions_svc.get_session(core, "ud75", ref).start_date == date(2027, 1, 10)
    from sqlalchemy import func, select

    from ceres_core.models import AuditEvent

    with core.transaction() as db:
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome == "refused")) == 0


def test_r_ses_5_cancellation_view_names_the_print_requests_left_at_the_afpa(core, world):
    """R-SES-5/R-PRT-4: the core's view of a cancellation says which candidates' documents
    were already sent for printing (the chat's recap warns before ✅ Confirmer)."""
    from ceres_core.models import PrintKind, PrintRequest, User
    from ceres_core.services.checks import dry_run

    ref = make_session(core, world, start=date(2026, 10, 1), state=SessionState.VALIDEE)
    printed, waiting = new_candidate(core), new_candidate(core, last_name="Martin",
                                                          first_name="Paul")
    register_raw(core, ref, printed.ceres_id)
    register_raw(core, ref, waiting.ceres_id)
    with core.transaction() as db:
        session = db.scalar(select(ExamSession).where(ExamSession.ref == ref))
        reg = next(r for r in session.registrations if r.candidate.ceres_id == printed.ceres_id)
        ud = db.scalar(select(User).where(User.login == "ud75"))
        db.add(PrintRequest(registration_id=reg.id, kind=PrintKind.INITIALE,
                            requested_at=core.clock.now(), requested_by_id=ud.id))
    preview = dry_run(core, sessions_svc.cancel_session, "ud75", ref, "Erreur de titre")
    assert preview.prints is not None and preview.prints.rule == "R-SES-5"
    assert preview.prints.sent == (printed.ceres_id,)
    assert preview.prints_names == ("M. Jean Dupont",)
    assert sessions_svc.get_session(core, "ud75", ref).state == "validee"  # rolled back
    done = sessions_svc.cancel_session(core, "ud75", ref, "Erreur de titre")
    assert done.prints.sent == (printed.ceres_id,) and done.session.state == "annulee"
    with pytest.raises(RuleViolation) as err:  # no print request after (R-PRT-1)
        printing.request_print(core, "ud75", ref, waiting.ceres_id)
    assert err.value.rule == "R-PRT-1"
