"""The rules as pure functions of values (ceres_core.rules): no database."""

from __future__ import annotations

from datetime import date

from ceres_core import rules as r
from ceres_core.models import SessionKind, SessionState
from ceres_core.settings import Rules

RULES = Rules()


# -- R-CAN-7 ------------------------------------------------------------------------------


def test_r_can_7_a_tp_session_has_the_final_interview_by_default():
    assert r.default_final_interview(SessionKind.TP) is True
    assert r.default_final_interview("CCP") is False
    assert r.default_final_interview(SessionKind.CCS) is False


def test_r_can_7_what_counts():
    assert r.counts_for_final_interview_limit("TP", True, SessionState.EN_PREPARATION)
    assert r.counts_for_final_interview_limit("CCP", True, SessionState.VALIDEE)
    assert not r.counts_for_final_interview_limit("CCP", False, SessionState.VALIDEE)
    assert not r.counts_for_final_interview_limit("CCS", True, SessionState.VALIDEE)
    assert not r.counts_for_final_interview_limit("TP", True, SessionState.ANNULEE)


def test_r_can_7_window_ending_at_the_new_session():
    new = date(2027, 5, 20)
    others = [date(2026, 5, 21), date(2026, 12, 1), date(2027, 3, 1)]
    breach = r.final_interview_breach(new, others, RULES)
    assert breach == r.FinalInterviewBreach(date(2026, 5, 21), new, tuple(others))
    # one day earlier, the first session leaves the window
    assert r.final_interview_breach(new, [date(2026, 5, 20), *others[1:]], RULES) is None


def test_r_can_7_windows_ending_at_later_sessions_count_too():
    # Three sessions after the new one within a year: the window ending at the last
    # of them would hold four.
    new = date(2027, 1, 10)
    later = [date(2027, 2, 1), date(2027, 6, 1), date(2027, 12, 1)]
    breach = r.final_interview_breach(new, later, RULES)
    assert breach is not None and breach.last == date(2027, 12, 1)
    assert r.final_interview_breach(new, later[:2], RULES) is None


def test_r_can_7_the_limit_is_a_setting():
    loose = Rules(max_final_interview_sessions=4)
    dates = [date(2027, 1, 1), date(2027, 2, 1), date(2027, 3, 1)]
    assert r.final_interview_breach(date(2027, 4, 1), dates, RULES) is not None
    assert r.final_interview_breach(date(2027, 4, 1), dates, loose) is None


# -- R-CAN-6 ------------------------------------------------------------------------------


def test_r_can_6_vae_window_extends_registration():
    start = date(2027, 5, 20)
    assert r.vae_window(start, RULES) == (date(2027, 4, 20), date(2027, 5, 19))
    early = date(2027, 3, 1)
    # Before the convocations: everyone, VAE or not, whatever the date before the start.
    assert r.may_register(before_convocations=True, vae=True, today=early, start=start, rules=RULES)
    assert r.may_register(before_convocations=True, vae=False, today=early, start=start, rules=RULES)
    # After them: only a VAE candidate, only inside the window.
    after = dict(before_convocations=False, start=start, rules=RULES)
    assert r.may_register(vae=True, today=date(2027, 4, 20), **after)
    assert r.may_register(vae=True, today=date(2027, 5, 19), **after)
    assert not r.may_register(vae=True, today=date(2027, 4, 19), **after)
    assert not r.may_register(vae=False, today=date(2027, 5, 1), **after)
    # Nobody once the session has started.
    assert not r.may_register(before_convocations=True, vae=False, today=start, start=start,
                              rules=RULES)
    strict = Rules(vae_after_convocations=False)
    assert not r.may_register(before_convocations=False, vae=True, today=date(2027, 5, 1),
                              start=start, rules=strict)


# -- R-ASS-2: the GEV, defined once -------------------------------------------------------


def test_r_ass_2_gev_mailbox_by_sector_ccs_goes_to_the_sector():
    from ceres_core.contacts import gev_email, gev_mailbox

    assert gev_mailbox("TP", "btp").email == "epreuves-btp@afpa.fr"
    assert gev_mailbox("CCS", "industrie").email == "epreuves-industrie@afpa.fr"
    assert gev_mailbox("CCP", "tertiaire").email == "epreuves-ccp@afpa.fr"
    assert gev_mailbox("TP", None) is None
    assert gev_email("TP", None) == (
        "epreuves-btp@afpa.fr ou epreuves-industrie@afpa.fr ou epreuves-tertiaire@afpa.fr")


def test_r_ass_2_the_helpdesk_reads_the_core_definition():
    from ceres_core import contacts
    from tickets import queues

    for sector, box in contacts.GEV_MAILBOXES.items():
        assert queues.queue_spec(box.queue).contact == box.email
        assert queues.GEV_SECTORS[sector] == (box.queue, box.name, box.email)
    assert queues.HOURS_GEV is contacts.GEV_HOURS
    for kind, sector in (("TP", "btp"), ("CCS", "tertiaire"), ("CCP", "industrie")):
        assert queues.gev_queue_for(sector, kind) == contacts.gev_mailbox(kind, sector).queue


def test_r_ass_2_engineering_questions_on_friday_morning_only():
    from datetime import datetime

    from ceres_core.clock import PARIS
    from ceres_core.contacts import engineering_slot

    friday = (datetime(2026, 11, 27, 8, 30, tzinfo=PARIS), datetime(2026, 11, 27, 12, 0, tzinfo=PARIS))
    assert engineering_slot(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)) == friday  # Monday
    assert engineering_slot(datetime(2026, 11, 27, 11, 59, tzinfo=PARIS)) == friday
    assert engineering_slot(datetime(2026, 11, 27, 7, 0, tzinfo=PARIS)) == friday
    # Friday afternoon: the GEV is open until 15:00, the engineers answer next Friday.
    nxt = engineering_slot(datetime(2026, 11, 27, 12, 0, tzinfo=PARIS))
    assert nxt == (datetime(2026, 12, 4, 8, 30, tzinfo=PARIS), datetime(2026, 12, 4, 12, 0, tzinfo=PARIS))


def test_r_ass_3_dte_content_questions_go_to_the_gev_for_the_engineers():
    from tickets.routing import RoutingInput, route

    content = route(RoutingInput(category="dte_contenu", sector="btp", session_kind="TP"))
    assert content.queue == "gev-btp"
    assert "ingénieurs de formation" in content.explanation
    assert "le vendredi de 8 h 30 à 12 h" in content.explanation
    assert "telle quelle" in content.explanation
    delivery = route(RoutingInput(category="dte_livraison", sector="btp", session_kind="CCS"))
    assert delivery.queue == "gev-btp" and "ingénieurs" not in delivery.explanation


# -- R-JUR-4 ------------------------------------------------------------------------------


def test_r_jur_4_practice_check():
    check = r.PracticeCheck
    start = date(2027, 1, 15)
    assert r.juror_practice(date(2022, 1, 15), start, on_title=True, max_years=5) is check.OK
    assert r.juror_practice(date(2022, 1, 14), start, on_title=True, max_years=5) is check.TOO_OLD
    assert r.juror_practice(None, start, on_title=True, max_years=5) is check.UNKNOWN
    assert r.juror_practice(date(2010, 1, 1), start, on_title=False, max_years=5) is (
        check.NOT_APPLICABLE)


# -- R-CON-2 and R-DTE-1: the delay constraints --------------------------------------------


def test_r_con_2_delay_constraints_enforced_by_default_transition_warns():
    from ceres_core.settings import DelayConstraints

    assert RULES.delay_constraints is DelayConstraints.ENFORCED
    last = date(2027, 4, 20)
    assert r.delay_decision(last, last, RULES) is r.DelayDecision.ON_TIME
    assert r.delay_decision(date(2027, 4, 21), last, RULES) is r.DelayDecision.REFUSE
    transition = Rules(delay_constraints="transition")
    assert transition.delay_constraints is DelayConstraints.TRANSITION
    assert r.delay_decision(date(2027, 4, 21), last, transition) is r.DelayDecision.WARN


# -- R-SES-2 / R-SES-5: who moves a session, until when ------------------------------------


def test_r_ses_2_r_ses_5_session_date_change():
    base = dict(today=date(2026, 11, 22), agrement_granted_on=date(2024, 1, 1),
                agrement_ends_on=date(2027, 1, 31))
    prep = SessionState.EN_PREPARATION
    # The centre: within the agrément, while in preparation.
    assert r.session_date_change_refusal(by_state_service=False, state=prep,
                                         start=date(2027, 1, 10), end=date(2027, 1, 31),
                                         **base) is None
    after = r.session_date_change_refusal(by_state_service=False, state=prep,
                                          start=date(2027, 3, 1), end=date(2027, 3, 2), **base)
    assert (after.rule, after.reason, after.limit) == ("R-SES-2", "after_agrement",
                                                       date(2027, 1, 31))
    assert r.session_date_change_refusal(
        by_state_service=False, state=SessionState.VALIDEE, start=date(2027, 1, 10),
        end=date(2027, 1, 10), **base).reason == "centre_after_preparation"
    # The DREETS/DDETS: up to a year after the agrément's end, validated sessions too.
    assert r.agrement_grace_end(date(2027, 1, 31)) == date(2028, 1, 31)
    assert r.session_date_change_refusal(by_state_service=True, state=prep,
                                         start=date(2028, 1, 30), end=date(2028, 1, 31),
                                         **base) is None
    grace = r.session_date_change_refusal(by_state_service=True, state=prep,
                                          start=date(2028, 2, 1), end=date(2028, 2, 1), **base)
    assert (grace.rule, grace.limit) == ("R-SES-2", date(2028, 1, 31))
    assert r.session_date_change_refusal(
        by_state_service=True, state=SessionState.VALIDEE, start=date(2026, 10, 1),
        end=date(2026, 10, 2), **base) is None  # a validated session's dates corrected
    assert r.session_date_change_refusal(
        by_state_service=True, state=SessionState.ANNULEE, start=date(2027, 1, 10),
        end=date(2027, 1, 10), **base).rule == "R-SES-4"
    assert r.session_date_change_refusal(by_state_service=True, state=prep,
                                         start=date(2026, 11, 1), end=date(2026, 11, 2),
                                         **base).reason == "past"


# -- R-CAN-5 ------------------------------------------------------------------------------


def test_r_can_5_birth_date_typos():
    assert r.birth_date_typo(date(1990, 3, 15), date(1990, 3, 16))
    assert r.birth_date_typo(date(1990, 3, 15), date(1980, 3, 15))
    assert r.birth_date_typo(date(1990, 3, 4), date(1990, 4, 3))  # day and month swapped
    assert not r.birth_date_typo(date(1990, 3, 15), date(1990, 3, 15))
    assert not r.birth_date_typo(date(1990, 3, 15), date(1991, 4, 15))
    assert not r.birth_date_typo(date(1990, 3, 15), date(1990, 3, 26))


# -- R-SES-5 / R-PRT-4: prints left at the Afpa by a cancellation -----------------------------


def test_r_ses_5_cancelling_a_validated_session_leaves_its_print_requests_at_the_afpa():
    left = r.prints_on_cancellation(state=SessionState.VALIDEE, sent=["C1", "C2"])
    assert left is not None and left.rule == "R-SES-5" and left.sent == ("C1", "C2")
    assert r.prints_on_cancellation(state="debloquee", sent=["C1"]).sent == ("C1",)
    assert r.prints_on_cancellation(state=SessionState.VALIDEE, sent=[]) is None
    assert r.prints_on_cancellation(state=SessionState.EN_PREPARATION, sent=["C1"]) is None


# -- R-AFT-2: no PND before the documents can have been mailed -----------------------------------


def test_r_aft_2_pnd_possible_from_the_first_request_plus_the_print_and_mail_delay():
    assert r.pnd_possible_from(None, RULES) is None  # nothing sent: no PND at all
    assert r.pnd_possible_from(date(2026, 11, 22), RULES) == date(2026, 11, 29)
    assert r.pnd_possible_from(date(2026, 11, 22), Rules(duplicate_delay_days=10)) == date(
        2026, 12, 2)
