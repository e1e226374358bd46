"""Rules as pure functions of values (dates, states, counts): no database here.

The services load what a rule needs, check the actor's scope (R-ACT-2), call the
rule and record the outcome; the rules themselves are tested on plain values
(``tests/test_rules.py``). Each function names the rule of ``ceres-domain.md`` it
decides; the numbers come from :class:`ceres_core.settings.Rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from ceres_core.models import SessionKind, SessionState
from ceres_core.settings import Rules

# -- R-CAN-7: sessions with final interview per year ------------------------------------


def default_final_interview(kind: SessionKind | str) -> bool:
    """R-CAN-7: whether a new session has a final interview unless told otherwise.

    The exam of a full title ends with the final interview: a TP session has one
    unless it is explicitly recorded without (004, v1.8 "Prise en compte de
    l'entretien final dans une session TITRE"). A CCP session alone has none unless
    it completes a title by capitalisation (said explicitly); a CCS never has one.
    """
    return SessionKind(kind) is SessionKind.TP


def counts_for_final_interview_limit(
    kind: SessionKind | str, with_final_interview: bool, state: SessionState | str
) -> bool:
    """R-CAN-7: a TP or CCP session *with* final interview counts, unless cancelled."""
    return (
        bool(with_final_interview)
        and SessionKind(kind) in (SessionKind.TP, SessionKind.CCP)
        and SessionState(state) is not SessionState.ANNULEE
    )


def final_interview_window(on_date: date, rules: Rules) -> tuple[date, date]:
    """R-CAN-7 (reading): the rolling window ``(first day, last day)`` ending at ``on_date``.

    ``final_interview_window_days`` days, ``on_date`` included: with 365 days, a session
    of 20/05/2027 looks back to 21/05/2026.
    """
    return on_date - timedelta(days=rules.final_interview_window_days - 1), on_date


def final_interview_span(on_date: date, rules: Rules) -> tuple[date, date]:
    """R-CAN-7: the days of every window that contains ``on_date`` (one query loads them)."""
    span = timedelta(days=rules.final_interview_window_days - 1)
    return on_date - span, on_date + span


@dataclass(frozen=True)
class FinalInterviewBreach:
    """A rolling window that would hold too many counted sessions (R-CAN-7)."""

    first: date
    last: date
    #: The candidate's other counted sessions' dates in that window (the new one aside).
    others: tuple[date, ...]


def final_interview_breach(
    new_date: date, other_dates: Sequence[date], rules: Rules
) -> FinalInterviewBreach | None:
    """R-CAN-7, the one reading for registration and validation.

    A candidate may have at most ``rules.max_final_interview_sessions`` counted
    sessions in any rolling window of ``final_interview_window_days`` days. The
    session at ``new_date`` is refused if a window containing it would hold more,
    its ``other_dates`` (the candidate's other counted sessions) included: the
    window ending at ``new_date``, and those ending at a later session (otherwise the
    UD could not validate that later session). Returns the first such window.
    """
    first_day, last_day = final_interview_span(new_date, rules)
    others = sorted(d for d in other_dates if first_day <= d <= last_day)
    anchors = [new_date] + [d for d in others if d > new_date]
    for anchor in anchors:
        first, last = final_interview_window(anchor, rules)
        inside = tuple(d for d in others if first <= d <= last)
        if len(inside) + 1 > rules.max_final_interview_sessions:
            return FinalInterviewBreach(first, last, inside)
    return None


# -- R-CAN-6: registration window -------------------------------------------------------


def vae_window(start: date, rules: Rules) -> tuple[date, date]:
    """R-CAN-6: ``(first day, last day)`` of the VAE registration window of a session."""
    return (
        start - timedelta(days=rules.vae_window_days),
        start - timedelta(days=rules.vae_window_ends_days_before),
    )


def may_register(
    *, before_convocations: bool, vae: bool, today: date, start: date, rules: Rules
) -> bool:
    """R-CAN-6 (004, "Les centres pourront…"): whether a candidate may be registered.

    Every candidate, VAE or not, until the convocations are issued. The VAE window
    (the 30 days before the start) is a permission that *extends* that: a VAE
    candidate may still be registered in it after the convocations
    (``rules.vae_after_convocations``). It never forbids an earlier registration.
    Nobody is registered once the session has started (reading: the convocations,
    and the VAE window, end before the start).
    """
    if today >= start:
        return False
    if before_convocations:
        return True
    if not (vae and rules.vae_after_convocations):
        return False
    opens, closes = vae_window(start, rules)
    return opens <= today <= closes


# -- R-JUR-4: the juror's recent practice ----------------------------------------------


class PracticeCheck(StrEnum):
    OK = "ok"
    NOT_APPLICABLE = "not_applicable"  # a CCP or CCS habilitation
    UNKNOWN = "unknown"  # no known date: allowed, the date is asked for
    TOO_OLD = "too_old"


def juror_practice(
    last_practice_on: date | None, starts_on: date, *, on_title: bool, max_years: int
) -> PracticeCheck:
    """R-JUR-4 (004: "habiliter un jury sur un TP si la dernière date connue
    d'occupation de l'emploi lié au TP date de plus de 5 ans"): only an habilitation on
    the title (TP) is concerned; it is refused when the last *known* date is more than
    ``max_years`` before the start (exactly ``max_years`` is allowed). An unknown date
    is not a refusal: the habilitation goes through and the date is asked for.
    """
    if not on_title:
        return PracticeCheck.NOT_APPLICABLE
    if last_practice_on is None:
        return PracticeCheck.UNKNOWN
    if last_practice_on < starts_on - relativedelta(years=max_years):
        return PracticeCheck.TOO_OLD
    return PracticeCheck.OK


# -- R-DTE-1, R-CON-2: the delay constraints --------------------------------------------


class DelayDecision(StrEnum):
    ON_TIME = "on_time"
    WARN = "warn"  # late, during the transition (002): accepted with a warning
    REFUSE = "refuse"  # late, constraints enforced: refused with the last possible date


def delay_decision(today: date, last_day: date, rules: Rules) -> DelayDecision:
    """R-DTE-1 / R-CON-2: what an operation due by ``last_day`` (included) becomes on
    ``today``, under ``rules.delay_constraints`` (``enforced`` by default, 002)."""
    if today <= last_day:
        return DelayDecision.ON_TIME
    return DelayDecision.REFUSE if rules.delays_enforced else DelayDecision.WARN


# -- R-SES-2 / R-SES-5: changing a session's dates ----------------------------------------


def agrement_grace_end(agrement_ends_on: date) -> date:
    """R-SES-2 (001, reading): the last day a session's date may be moved to after the
    agrément's end: "prévenir la DIECCTE de la modification de la date de la session
    dans les 1 an suivants la fin d'agrément"."""
    return agrement_ends_on + timedelta(days=365)


@dataclass(frozen=True)
class DateChangeRefusal:
    rule: str
    reason: str  # a code: the service words the French message
    limit: date | None = None


def session_date_change_state_refusal(
    *, by_state_service: bool, state: SessionState | str
) -> DateChangeRefusal | None:
    """The part of :func:`session_date_change_refusal` that needs no date: whether this
    session may be moved at all by this actor (R-SES-4: not once *annulée*; R-SES-5: the
    centre only while it is *en préparation*, the DDETS/DREETS in any other state). A
    front end asks it before the new dates (the session step, the card's button)."""
    state = SessionState(state)
    if state is SessionState.ANNULEE:
        return DateChangeRefusal("R-SES-4", "cancelled")
    if not by_state_service and state is not SessionState.EN_PREPARATION:
        return DateChangeRefusal("R-SES-5", "centre_after_preparation")
    return None


def session_date_change_refusal(
    *,
    by_state_service: bool,
    state: SessionState | str,
    start: date,
    end: date,
    today: date,
    agrement_granted_on: date,
    agrement_ends_on: date,
) -> DateChangeRefusal | None:
    """Who may move a session, and until when (R-SES-2, R-SES-5), or ``None`` if allowed.

    - The centre (R-SES-1/2): while the session is *en préparation*, to dates within
      its agrément (the session must end before the agrément's end), not in the past.
    - The DDETS/DREETS of the session's zone (R-SES-2: the centre tells the DREETS of
      the date change within a year after the agrément's end; R-SES-5: a validated
      session is modified through the DREETS/DDETS): in any state but *annulée*, to
      dates ending at the latest one year after the agrément's end. Only a session not
      yet validated must keep its dates ahead of today.
    """
    state = SessionState(state)
    refusal = session_date_change_state_refusal(by_state_service=by_state_service, state=state)
    if refusal is not None:
        return refusal
    if start < agrement_granted_on:
        return DateChangeRefusal("R-SES-1", "before_agrement", agrement_granted_on)
    validated = state in (SessionState.VALIDEE, SessionState.DEBLOQUEE)
    if not by_state_service:
        if end > agrement_ends_on:
            return DateChangeRefusal("R-SES-2", "after_agrement", agrement_ends_on)
    elif end > agrement_grace_end(agrement_ends_on):
        return DateChangeRefusal("R-SES-2", "after_grace", agrement_grace_end(agrement_ends_on))
    if not validated and start < today:
        return DateChangeRefusal("R-SES-1", "past", today)
    return None


# -- R-SES-5 / R-PRT-4: a validated session cancelled after its prints were requested -------------


@dataclass(frozen=True)
class PrintsOnCancellation:
    """What a cancellation means for the print requests already sent to the Afpa."""

    rule: str
    #: candidates (CERES IDs) whose documents were already sent for printing
    sent: tuple[str, ...]


def prints_on_cancellation(
    *, state: SessionState | str, sent: Sequence[str]
) -> PrintsOnCancellation | None:
    """R-SES-5 with R-PRT-4 (reading; the rules are silent on the prints): cancelling a
    validated session does not withdraw the print requests already transmitted to the
    Afpa — a request once transmitted stays on the candidate's line (R-PRT-4) and CERES
    has no way to call it back. The State service that cancels tells the Afpa print
    service which candidates' documents must not be mailed; no print request or
    duplicate can follow, documents being printed for a validated session only
    (R-PRT-1). ``None`` when nothing was sent (or the session is not validated)."""
    state = SessionState(state)
    if state not in (SessionState.VALIDEE, SessionState.DEBLOQUEE) or not sent:
        return None
    return PrintsOnCancellation("R-SES-5", tuple(sent))


# -- R-AFT-2: no PND before the documents can have been mailed ------------------------------------


def pnd_possible_from(first_request_on: date | None, rules: Rules) -> date | None:
    """R-AFT-2 (reading; the rules are silent on the timing): a PND is a mail returned
    undelivered, so it exists only once the Afpa has printed and posted the documents.
    CERES records the request only (R-PRT-4), not the printing nor the posting; the
    delay R-PRT-6 leaves the Afpa to print and mail before a duplicate may be requested
    (``rules.duplicate_delay_days`` after a request) is the one a support agent
    expects here too: a PND may be declared from that many days after the *first*
    print request of the candidate in the session (the first mail; a later duplicate
    does not stop the first mail from coming back). ``None``: nothing was sent, there
    can be no PND at all."""
    if first_request_on is None:
        return None
    return first_request_on + timedelta(days=rules.duplicate_delay_days)


# -- R-CAN-5: birth dates that are one typo apart ------------------------------------------


def birth_date_typo(a: date, b: date) -> bool:
    """R-CAN-5: whether two different birth dates are likely one date mistyped.

    Day and month swapped (03/04 ↔ 04/03), or one digit differs in the day, the month
    or the year, the rest being equal (15/03/1990 ↔ 16/03/1990, 15/03/1990 ↔
    15/03/1980).
    """
    if a == b:
        return False
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    da, db = f"{a:%d%m%Y}", f"{b:%d%m%Y}"
    return sum(x != y for x, y in zip(da, db, strict=True)) == 1
