"""R-JUR-1 / R-JUR-2: the habilitation life cycle as a pure table (no database)."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.habilitation_states import (
    Action,
    TitleStatus,
    allowed_actions,
    apply,
    parse_action,
    title_status,
)
from ceres_core.models import HabilitationState

B, A, S, E = (
    HabilitationState.BROUILLON,
    HabilitationState.ACTIVE,
    HabilitationState.SUSPENDUE,
    HabilitationState.EXPIREE,
)
COURS, PROLONG, HORS = (
    TitleStatus.EN_COURS,
    TitleStatus.PROLONGATION,
    TitleStatus.HORS_PROLONGATION,
)
DELETED = "deleted"

# The R-JUR-1 table written out cell by cell, independently of the module's data:
# (state, title status) -> {action: resulting state}; an absent action is refused.
_NON_EXPIRED = {
    B: {Action.VALIDER: A, Action.SUPPRIMER: DELETED},
    S: {Action.REACTIVER: A},
    A: {Action.REMETTRE_BROUILLON: B, Action.SUSPENDRE: S},
}
EXPECTED: dict[tuple[HabilitationState, TitleStatus], dict[Action, object]] = {
    **{(state, status): cells for state, cells in _NON_EXPIRED.items()
       for status in TitleStatus},
    (E, COURS): {Action.REMETTRE_BROUILLON: B},
    (E, PROLONG): {Action.REMETTRE_BROUILLON: B, Action.SUSPENDRE: S},
    (E, HORS): {},
}

CELLS = list(itertools.product(HabilitationState, TitleStatus, Action))


def _id(cell):
    state, status, action = cell
    return f"{state.value}-{status.value}-{action.value}"


@pytest.mark.parametrize("cell", CELLS, ids=[_id(c) for c in CELLS])
def test_r_jur_1_every_cell_of_the_table(cell):
    state, status, action = cell
    expected = EXPECTED[(state, status)].get(action)
    if expected is None:
        with pytest.raises(RuleViolation) as err:
            apply(state, action, status, False, False)
        # expired on a title past its extension: R-JUR-2; otherwise the table refuses.
        want = "R-JUR-2" if (state is E and status is HORS) else "R-JUR-1"
        assert err.value.rule == want
        assert err.value.message.endswith(f"({want}).")
    else:
        result = apply(state, action, status, False, False)
        assert (DELETED if result is None else result) == expected


@pytest.mark.parametrize("state,status", list(EXPECTED))
def test_r_jur_1_allowed_actions_match_the_table(state, status):
    assert set(allowed_actions(state, status, False, False)) == set(EXPECTED[(state, status)])


def test_r_jur_1_refusal_lists_the_possible_actions():
    with pytest.raises(RuleViolation) as err:
        apply(A, "valider", COURS, False, False)
    assert err.value.message == (
        "On ne peut pas valider une habilitation à l'état « active » : actions possibles : "
        "remettre en brouillon, suspendre (R-JUR-1)."
    )


def test_r_jur_1_expired_suspension_needs_extension_period():
    with pytest.raises(RuleViolation) as err:
        apply(E, "suspendre", COURS, False, False, title_label="Ouvrier du paysage",
              title_ends=date(2028, 12, 31))
    assert err.value.rule == "R-JUR-1"
    assert "délai de prolongation" in err.value.message
    assert "31/12/2028" in err.value.message


@pytest.mark.parametrize("action", list(Action))
def test_r_jur_2_no_action_on_expired_habilitation_of_title_past_extension(action):
    assert allowed_actions(E, HORS, False, False) == []
    with pytest.raises(RuleViolation) as err:
        apply(E, action, HORS, False, False, title_label="Ouvrier du paysage",
              extension_ends=date(2029, 12, 31))
    assert err.value.rule == "R-JUR-2"
    assert "hors de son délai de prolongation (délai terminé le 31/12/2029)" in err.value.message


@pytest.mark.parametrize("status", list(TitleStatus))
def test_r_jur_2_no_deletion_when_juror_registered_in_a_session(status):
    assert Action.SUPPRIMER not in allowed_actions(B, status, True, False)
    assert allowed_actions(B, status, True, False) == [Action.VALIDER]
    with pytest.raises(RuleViolation) as err:
        apply(B, "supprimer", status, True, False, juror_name="M. Paul Martin",
              sessions=["TITRE_A_2027_000001"])
    assert err.value.rule == "R-JUR-2"
    assert err.value.message == (
        "Impossible de supprimer cette habilitation : M. Paul Martin fait partie du jury "
        "d'une session (TITRE_A_2027_000001) (R-JUR-2)."
    )


@pytest.mark.parametrize("action", [Action.SUSPENDRE, Action.REMETTRE_BROUILLON])
def test_r_jur_2_no_inactivation_when_juror_in_session_awaiting_validation(action):
    assert allowed_actions(A, COURS, True, True) == []
    with pytest.raises(RuleViolation) as err:
        apply(A, action, COURS, True, True)
    assert err.value.rule == "R-JUR-2"
    assert "en attente de validation" in err.value.message
    # without the pending session the same action goes through
    assert apply(A, action, COURS, True, False) in (B, S)


def test_r_jur_2_inactivation_guard_does_not_touch_other_actions():
    # (reading) only taking an *active* habilitation out of "active" is an inactivation
    assert allowed_actions(E, PROLONG, True, True) == [Action.REMETTRE_BROUILLON,
                                                       Action.SUSPENDRE]
    assert allowed_actions(S, COURS, True, True) == [Action.REACTIVER]
    assert allowed_actions(B, COURS, False, True) == [Action.VALIDER, Action.SUPPRIMER]
    assert apply(E, "suspendre", PROLONG, True, True) is S


def test_r_jur_1_title_status_bounds():
    valid, ext = date(2028, 12, 31), date(2029, 12, 31)
    assert title_status(valid, ext, date(2028, 12, 31)) is COURS
    assert title_status(valid, ext, date(2029, 1, 1)) is PROLONG
    assert title_status(valid, ext, date(2029, 12, 31)) is PROLONG
    assert title_status(valid, ext, date(2030, 1, 1)) is HORS
    assert title_status(valid, None, date(2029, 1, 1)) is HORS
    assert title_status(None, None, date(2099, 1, 1)) is COURS


def test_unknown_action_is_invalid_input():
    assert parse_action(" Valider ") is Action.VALIDER
    with pytest.raises(InvalidInput) as err:
        apply(B, "activer", COURS, False, False)
    assert "Action inconnue « activer »" in err.value.message
