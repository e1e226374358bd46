"""R-SES-4: the session state machine, exhaustively (pure, no database)."""

from __future__ import annotations

import itertools

import pytest

from ceres_core.errors import RuleViolation
from ceres_core.models import SESSION_STATE_LABELS, SessionState
from ceres_core.session_states import (
    EVENT_TARGETS,
    FINAL_STATES,
    TRANSITIONS,
    VALIDATED_STATES,
    SessionEvent,
    allowed_events,
    can,
    can_move,
    event_for,
    transition,
)

S = SessionState
E = SessionEvent

#: The legal moves, written independently of the module's table.
EXPECTED_MOVES = {
    (S.EN_PREPARATION, S.CONVOCATIONS_ENVOYEES),
    (S.EN_PREPARATION, S.ANNULEE),
    (S.CONVOCATIONS_ENVOYEES, S.CONVOCATIONS_ENVOYEES),
    (S.CONVOCATIONS_ENVOYEES, S.RESULTATS_SAISIS),
    (S.CONVOCATIONS_ENVOYEES, S.ANNULEE),
    (S.RESULTATS_SAISIS, S.RESULTATS_SAISIS),
    (S.RESULTATS_SAISIS, S.EN_ATTENTE_VALIDATION),
    (S.RESULTATS_SAISIS, S.ANNULEE),
    (S.EN_ATTENTE_VALIDATION, S.VALIDEE),
    (S.EN_ATTENTE_VALIDATION, S.ANNULEE),
    (S.VALIDEE, S.DEBLOQUEE),
    (S.VALIDEE, S.ANNULEE),
    (S.DEBLOQUEE, S.DEBLOQUEE),
    (S.DEBLOQUEE, S.VALIDEE),
    (S.DEBLOQUEE, S.ANNULEE),
}


@pytest.mark.parametrize(("source", "target"), list(itertools.product(S, S)))
def test_r_ses_4_every_pair_of_states(source, target):
    legal = (source, target) in EXPECTED_MOVES
    assert can_move(source, target) is legal
    if legal:
        event = event_for(source, target)
        assert transition(source, event) is target
    else:
        with pytest.raises(RuleViolation) as err:
            event_for(source, target)
        assert err.value.rule == "R-SES-4"
        assert f"« {SESSION_STATE_LABELS[source]} »" in err.value.message
        assert f"« {SESSION_STATE_LABELS[target]} »" in err.value.message
        assert err.value.message.endswith("(R-SES-4).")


@pytest.mark.parametrize(("state", "event"), list(itertools.product(S, E)))
def test_r_ses_4_every_state_and_event(state, event):
    if (state, event) in TRANSITIONS:
        assert can(state, event)
        new = transition(state, event)
        assert (state, new) in EXPECTED_MOVES
    else:
        assert not can(state, event)
        with pytest.raises(RuleViolation) as err:
            transition(state, event)
        message = err.value.message
        assert err.value.rule == "R-SES-4"
        assert f"de l'état « {SESSION_STATE_LABELS[state]} »" in message
        assert f"à l'état « {SESSION_STATE_LABELS[EVENT_TARGETS[event]]} »" in message


def test_r_ses_4_main_path_in_order():
    state = S.EN_PREPARATION
    path = [state]
    for event in (E.ISSUE_CONVOCATIONS, E.ENTER_RESULTS, E.CLOSE_AT_CENTRE, E.VALIDATE):
        state = transition(state, event)
        path.append(state)
    assert path == [
        S.EN_PREPARATION,
        S.CONVOCATIONS_ENVOYEES,
        S.RESULTATS_SAISIS,
        S.EN_ATTENTE_VALIDATION,
        S.VALIDEE,
    ]


def test_r_ses_4_reopened_session_is_validated_again():
    state = transition(S.VALIDEE, E.REOPEN)
    assert state is S.DEBLOQUEE
    assert transition(state, E.ENTER_RESULTS) is S.DEBLOQUEE  # corrections stay "débloquée"
    assert transition(state, E.VALIDATE) is S.VALIDEE
    with pytest.raises(RuleViolation):
        transition(state, E.CLOSE_AT_CENTRE)


def test_r_ses_4_cancelled_is_final_and_every_other_state_can_be_cancelled():
    assert {S.ANNULEE} == FINAL_STATES
    assert allowed_events(S.ANNULEE) == ()
    for state in S:
        if state is not S.ANNULEE:
            assert transition(state, E.CANCEL) is S.ANNULEE
    with pytest.raises(RuleViolation) as err:
        transition(S.ANNULEE, E.ISSUE_CONVOCATIONS)
    assert "une session annulée ne peut plus changer d'état" in err.value.message


def test_r_ses_4_message_is_a_french_sentence_with_the_allowed_events():
    with pytest.raises(RuleViolation) as err:
        transition(S.EN_PREPARATION, E.VALIDATE)
    assert err.value.message == (
        "Impossible de valider la session : une session ne peut pas passer de l'état "
        "« en préparation » à l'état « validée » ; depuis cet état, on peut seulement "
        "éditer les convocations ou annuler la session (R-SES-4)."
    )


def test_r_ses_4_states_accept_raw_values_and_validated_states():
    assert transition("en_preparation", "issue_convocations") is S.CONVOCATIONS_ENVOYEES
    assert {S.VALIDEE, S.DEBLOQUEE} == VALIDATED_STATES
