"""The life cycle of a juror's habilitation (R-JUR-1, R-JUR-2), as data and pure functions.

An habilitation is *brouillon* (draft), *active*, *suspendue* or *expirée*. The UD
and DREETS (DIRECCTE) act on it with five actions (source 004, release 1.7.1):

======================  ==========  ==========  ===============================
action                  from        to          title status allowed
======================  ==========  ==========  ===============================
``valider``             brouillon   active      any
``supprimer``           brouillon   (deleted)   any
``reactiver``           suspendue   active      any
``remettre_brouillon``  active      brouillon   any
``suspendre``           active      suspendue   any
``remettre_brouillon``  expirée     brouillon   current or in its extension period
``suspendre``           expirée     suspendue   in its extension period only
======================  ==========  ==========  ===============================

R-JUR-2 adds three guards:

* no action at all on an *expirée* habilitation whose title is past its extension
  period;
* no deletion of an habilitation of a juror registered in a session;
* no inactivation of a juror registered in a session awaiting validation.
  **Reading**: "inactivation" is an action that takes an *active* habilitation out
  of the active state (``suspendre``, ``remettre_brouillon`` from *active*);
  suspending or returning to draft an already *expirée* habilitation does not
  inactivate anyone.

Which sessions count ("registered in a session") is the service's business
(``ceres_core.services.juries``); here they arrive as two booleans.

The title's status is computed by :func:`title_status` from ``Title.valid_until``
(end of the title's life) and ``Title.extension_until`` (end of its extension
period) and today's date: *en cours* up to and including ``valid_until``, *en
prolongation* after it up to and including ``extension_until``, *hors délai de
prolongation* afterwards. A title without ``valid_until`` is current.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.models.juries import HABILITATION_STATE_LABELS, HabilitationState


class Action(StrEnum):
    """What a UD/DREETS can do to an habilitation (R-JUR-1)."""

    VALIDER = "valider"
    SUPPRIMER = "supprimer"
    REACTIVER = "reactiver"
    REMETTRE_BROUILLON = "remettre_brouillon"
    SUSPENDRE = "suspendre"


#: Button labels (front ends show them as is).
ACTION_LABELS: dict[Action, str] = {
    Action.VALIDER: "Valider",
    Action.SUPPRIMER: "Supprimer",
    Action.REACTIVER: "Réactiver",
    Action.REMETTRE_BROUILLON: "Remettre en brouillon",
    Action.SUSPENDRE: "Suspendre",
}

#: Infinitives, to build sentences ("On ne peut pas <verbe> une habilitation...").
ACTION_VERBS: dict[Action, str] = {
    Action.VALIDER: "valider",
    Action.SUPPRIMER: "supprimer",
    Action.REACTIVER: "réactiver",
    Action.REMETTRE_BROUILLON: "remettre en brouillon",
    Action.SUSPENDRE: "suspendre",
}

#: Past participles (feminine: "l'habilitation est ..."), for confirmations.
ACTION_DONE: dict[Action, str] = {
    Action.VALIDER: "validée",
    Action.SUPPRIMER: "supprimée",
    Action.REACTIVER: "réactivée",
    Action.REMETTRE_BROUILLON: "remise en brouillon",
    Action.SUSPENDRE: "suspendue",
}


class TitleStatus(StrEnum):
    """Where a title stands in its life (R-JUR-1, R-JUR-2)."""

    EN_COURS = "en_cours"
    PROLONGATION = "prolongation"
    HORS_PROLONGATION = "hors_prolongation"


TITLE_STATUS_LABELS: dict[TitleStatus, str] = {
    TitleStatus.EN_COURS: "titre en cours",
    TitleStatus.PROLONGATION: "titre en délai de prolongation",
    TitleStatus.HORS_PROLONGATION: "titre hors délai de prolongation",
}

ANY_TITLE = frozenset(TitleStatus)


@dataclass(frozen=True)
class Transition:
    """One cell of the R-JUR-1 table; ``target`` ``None`` means the habilitation is deleted."""

    action: Action
    source: HabilitationState
    target: HabilitationState | None
    title_statuses: frozenset[TitleStatus] = ANY_TITLE

    @property
    def deletes(self) -> bool:
        return self.target is None

    @property
    def inactivates(self) -> bool:
        """Takes an active habilitation out of the active state (R-JUR-2 reading)."""
        return self.source is HabilitationState.ACTIVE and self.target is not HabilitationState.ACTIVE


_S = HabilitationState

#: The R-JUR-1 table (source 004).
TRANSITIONS: tuple[Transition, ...] = (
    Transition(Action.VALIDER, _S.BROUILLON, _S.ACTIVE),
    Transition(Action.SUPPRIMER, _S.BROUILLON, None),
    Transition(Action.REACTIVER, _S.SUSPENDUE, _S.ACTIVE),
    Transition(Action.REMETTRE_BROUILLON, _S.ACTIVE, _S.BROUILLON),
    Transition(Action.SUSPENDRE, _S.ACTIVE, _S.SUSPENDUE),
    Transition(
        Action.REMETTRE_BROUILLON,
        _S.EXPIREE,
        _S.BROUILLON,
        frozenset({TitleStatus.EN_COURS, TitleStatus.PROLONGATION}),
    ),
    Transition(
        Action.SUSPENDRE, _S.EXPIREE, _S.SUSPENDUE, frozenset({TitleStatus.PROLONGATION})
    ),
)


def title_status(
    valid_until: date | None, extension_until: date | None, today: date
) -> TitleStatus:
    """The title's status on ``today`` (bounds included: a title is current on its last day)."""
    if valid_until is None or today <= valid_until:
        return TitleStatus.EN_COURS
    if extension_until is not None and today <= extension_until:
        return TitleStatus.PROLONGATION
    return TitleStatus.HORS_PROLONGATION


def parse_action(value: str | Action) -> Action:
    """The :class:`Action` named ``value`` (``"valider"``...), or :class:`InvalidInput`."""
    if isinstance(value, Action):
        return value
    try:
        return Action(str(value).strip().lower())
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise InvalidInput(
            f"Action inconnue « {value} » sur une habilitation : actions possibles : {known}."
        ) from None


def _transition(state: HabilitationState, action: Action) -> Transition | None:
    for transition in TRANSITIONS:
        if transition.source is state and transition.action is action:
            return transition
    return None


def _refusal(
    state: HabilitationState,
    action: Action,
    status: TitleStatus,
    juror_in_session: bool,
    juror_in_session_awaiting_validation: bool,
    *,
    title_label: str | None = None,
    title_ends: date | None = None,
    extension_ends: date | None = None,
    juror_name: str | None = None,
    sessions: Sequence[str] = (),
) -> RuleViolation | None:
    """Why ``action`` is refused on an habilitation in ``state``, or ``None``."""
    title = f"le titre « {title_label} »" if title_label else "le titre"
    juror = juror_name or "le juré"
    on_sessions = f" ({', '.join(sessions)})" if sessions else ""
    if state is _S.EXPIREE and status is TitleStatus.HORS_PROLONGATION:
        ended = f" (délai terminé le {extension_ends:%d/%m/%Y})" if extension_ends else ""
        return RuleViolation(
            "R-JUR-2",
            f"Aucune action n'est possible sur cette habilitation : elle est expirée et "
            f"{title} est hors de son délai de prolongation{ended}.",
        )
    transition = _transition(state, action)
    if transition is None:
        possible = [
            ACTION_VERBS[a]
            for a in allowed_actions(
                state, status, juror_in_session, juror_in_session_awaiting_validation
            )
        ]
        hint = (
            f"actions possibles : {', '.join(possible)}"
            if possible
            else "aucune action n'est possible"
        )
        return RuleViolation(
            "R-JUR-1",
            f"On ne peut pas {ACTION_VERBS[action]} une habilitation à l'état "
            f"« {HABILITATION_STATE_LABELS[state]} » : {hint}.",
        )
    if status not in transition.title_statuses:
        if action is Action.SUSPENDRE:
            why = (
                f"une habilitation expirée ne peut être suspendue que si {title} est dans "
                f"son délai de prolongation"
            )
        else:
            why = (
                f"une habilitation expirée ne peut revenir à l'état brouillon que si {title} "
                f"est en cours ou dans son délai de prolongation"
            )
        if status is TitleStatus.EN_COURS:
            where = (
                f"{title} est en cours jusqu'au {title_ends:%d/%m/%Y}"
                if title_ends
                else f"{title} est en cours"
            )
        else:
            where = f"{title} est hors de son délai de prolongation"
        return RuleViolation("R-JUR-1", f"Impossible : {why}, or {where}.")
    if transition.deletes and juror_in_session:
        return RuleViolation(
            "R-JUR-2",
            f"Impossible de supprimer cette habilitation : {juror} fait partie du jury "
            f"d'une session{on_sessions}.",
        )
    if transition.inactivates and juror_in_session_awaiting_validation:
        return RuleViolation(
            "R-JUR-2",
            f"Impossible de {ACTION_VERBS[action]} cette habilitation active : {juror} fait "
            f"partie du jury d'une session en attente de validation{on_sessions}.",
        )
    return None


def allowed_actions(
    state: HabilitationState | str,
    title_status: TitleStatus | str,
    juror_in_session: bool,
    juror_in_session_awaiting_validation: bool,
) -> list[Action]:
    """The actions R-JUR-1 and R-JUR-2 allow on an habilitation, in the table's order."""
    state = HabilitationState(state)
    status = TitleStatus(title_status)
    if state is _S.EXPIREE and status is TitleStatus.HORS_PROLONGATION:
        return []
    out: list[Action] = []
    for t in TRANSITIONS:
        if t.source is not state or status not in t.title_statuses:
            continue
        if t.deletes and juror_in_session:
            continue
        if t.inactivates and juror_in_session_awaiting_validation:
            continue
        out.append(t.action)
    return out


def apply(
    state: HabilitationState | str,
    action: Action | str,
    title_status: TitleStatus | str,
    juror_in_session: bool,
    juror_in_session_awaiting_validation: bool,
    *,
    title_label: str | None = None,
    title_ends: date | None = None,
    extension_ends: date | None = None,
    juror_name: str | None = None,
    sessions: Iterable[str] = (),
) -> HabilitationState | None:
    """The state after ``action`` (``None``: the habilitation is deleted).

    Raises :class:`RuleViolation` (R-JUR-1 or R-JUR-2) with a French message when
    the action is not allowed; the keyword arguments only make that message concrete.
    """
    state = HabilitationState(state)
    act = parse_action(action)
    status = TitleStatus(title_status)
    refusal = _refusal(
        state,
        act,
        status,
        juror_in_session,
        juror_in_session_awaiting_validation,
        title_label=title_label,
        title_ends=title_ends,
        extension_ends=extension_ends,
        juror_name=juror_name,
        sessions=tuple(sessions),
    )
    if refusal is not None:
        raise refusal
    transition = _transition(state, act)
    assert transition is not None
    return transition.target
