"""The life cycle of an exam session (R-SES-4), as data, with a pure ``transition``.

States, in order (``ceres_core.models.SessionState``)::

    en préparation ──convocations──▶ convocations envoyées ──résultats──▶ résultats saisis
         │                                  │  ▲ (re-edition)                 │  ▲ (more results)
         │                                  └──┘                              └──┘
         │                                                       clôture par le centre (R-SES-6)
         │                                                                    ▼
         │                                                        en attente de validation
         │                                                                    │ validation (UD/DREETS)
         │                                                                    ▼
         │                              débloquée ◀──déblocage (UD)──────── validée
         │                                 │  ▲ (results corrected)            ▲
         │                                 └──┘──────validation again──────────┘
         ▼
      annulée  ◀── from every state but « annulée » itself

Readings (documented choices):

* A reopened (*débloquée*) session is corrected in place (results may be entered
  while it is *débloquée*) and the UD/DREETS validates it again straight from
  *débloquée*: it does not go back through *résultats saisis* nor through the
  centre's closure (004: "session débloquée", v1.8 "résultats modifiés dans une
  session débloquée"). The completeness check of R-SES-6 is still applied by the
  service at the second validation.
* Convocations may be edited again while the session is *convocations envoyées*
  (e.g. to change the convocation hour, R-CON-1): a self-loop.
* Every state but *annulée* can be cancelled. Who may do it is the services'
  business: the centre while the session is not validated; only the DREETS/DDETS
  once it is *validée* or *débloquée* (R-SES-5).
* *annulée* is final.

This module is pure: no database, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from ceres_core.errors import RuleViolation
from ceres_core.models.sessions import SESSION_STATE_LABELS, SessionState

S = SessionState


class SessionEvent(StrEnum):
    """What happens to a session (the operation that moves it)."""

    ISSUE_CONVOCATIONS = "issue_convocations"
    ENTER_RESULTS = "enter_results"
    CLOSE_AT_CENTRE = "close_at_centre"
    VALIDATE = "validate"
    REOPEN = "reopen"
    CANCEL = "cancel"


#: French infinitive of each event, to complete "Impossible de ...".
EVENT_LABELS: Mapping[SessionEvent, str] = MappingProxyType(
    {
        SessionEvent.ISSUE_CONVOCATIONS: "éditer les convocations",
        SessionEvent.ENTER_RESULTS: "saisir des résultats",
        SessionEvent.CLOSE_AT_CENTRE: "clôturer la session",
        SessionEvent.VALIDATE: "valider la session",
        SessionEvent.REOPEN: "débloquer la session",
        SessionEvent.CANCEL: "annuler la session",
    }
)

#: The state each event aims at (used to name the refused target in messages).
EVENT_TARGETS: Mapping[SessionEvent, SessionState] = MappingProxyType(
    {
        SessionEvent.ISSUE_CONVOCATIONS: S.CONVOCATIONS_ENVOYEES,
        SessionEvent.ENTER_RESULTS: S.RESULTATS_SAISIS,
        SessionEvent.CLOSE_AT_CENTRE: S.EN_ATTENTE_VALIDATION,
        SessionEvent.VALIDATE: S.VALIDEE,
        SessionEvent.REOPEN: S.DEBLOQUEE,
        SessionEvent.CANCEL: S.ANNULEE,
    }
)

#: R-SES-4: every legal (state, event) → new state. Anything else is refused.
TRANSITIONS: Mapping[tuple[SessionState, SessionEvent], SessionState] = MappingProxyType(
    {
        (S.EN_PREPARATION, SessionEvent.ISSUE_CONVOCATIONS): S.CONVOCATIONS_ENVOYEES,
        (S.EN_PREPARATION, SessionEvent.CANCEL): S.ANNULEE,
        (S.CONVOCATIONS_ENVOYEES, SessionEvent.ISSUE_CONVOCATIONS): S.CONVOCATIONS_ENVOYEES,
        (S.CONVOCATIONS_ENVOYEES, SessionEvent.ENTER_RESULTS): S.RESULTATS_SAISIS,
        (S.CONVOCATIONS_ENVOYEES, SessionEvent.CANCEL): S.ANNULEE,
        (S.RESULTATS_SAISIS, SessionEvent.ENTER_RESULTS): S.RESULTATS_SAISIS,
        (S.RESULTATS_SAISIS, SessionEvent.CLOSE_AT_CENTRE): S.EN_ATTENTE_VALIDATION,
        (S.RESULTATS_SAISIS, SessionEvent.CANCEL): S.ANNULEE,
        (S.EN_ATTENTE_VALIDATION, SessionEvent.VALIDATE): S.VALIDEE,
        (S.EN_ATTENTE_VALIDATION, SessionEvent.CANCEL): S.ANNULEE,
        (S.VALIDEE, SessionEvent.REOPEN): S.DEBLOQUEE,
        (S.VALIDEE, SessionEvent.CANCEL): S.ANNULEE,
        (S.DEBLOQUEE, SessionEvent.ENTER_RESULTS): S.DEBLOQUEE,
        (S.DEBLOQUEE, SessionEvent.VALIDATE): S.VALIDEE,
        (S.DEBLOQUEE, SessionEvent.CANCEL): S.ANNULEE,
    }
)

#: States of a session that has been validated by the State services (R-SES-5).
VALIDATED_STATES: frozenset[SessionState] = frozenset({S.VALIDEE, S.DEBLOQUEE})

#: Final states: no event applies.
FINAL_STATES: frozenset[SessionState] = frozenset(
    s for s in SessionState if not any(src is s for src, _ in TRANSITIONS)
)

#: Every (source, target) pair some event links (self-loops included).
MOVES: frozenset[tuple[SessionState, SessionState]] = frozenset(
    (src, dst) for (src, _), dst in TRANSITIONS.items()
)


def label(state: SessionState) -> str:
    """French label of a state ("en attente de validation")."""
    return SESSION_STATE_LABELS[SessionState(state)]


def can(state: SessionState, event: SessionEvent) -> bool:
    """Whether ``event`` is legal in ``state``."""
    return (SessionState(state), SessionEvent(event)) in TRANSITIONS


def allowed_events(state: SessionState) -> tuple[SessionEvent, ...]:
    """The events legal in ``state``, in the order of :class:`SessionEvent`."""
    state = SessionState(state)
    return tuple(e for e in SessionEvent if (state, e) in TRANSITIONS)


def transition(state: SessionState, event: SessionEvent) -> SessionState:
    """The state after ``event`` in ``state``; an illegal one raises R-SES-4.

    The message names the current state and the state the event aims at.
    """
    state, event = SessionState(state), SessionEvent(event)
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise RuleViolation(
            "R-SES-4",
            f"Impossible de {EVENT_LABELS[event]} : une session ne peut pas passer de "
            f"l'état « {label(state)} » à l'état « {label(EVENT_TARGETS[event])} »"
            + _hint(state),
            state=state.value,
            event=event.value,
        ) from None


def can_move(source: SessionState, target: SessionState) -> bool:
    """Whether some event takes a session from ``source`` to ``target``."""
    return (SessionState(source), SessionState(target)) in MOVES


def event_for(source: SessionState, target: SessionState) -> SessionEvent:
    """The event that moves ``source`` to ``target``; R-SES-4 naming both if none."""
    source, target = SessionState(source), SessionState(target)
    for (src, event), dst in TRANSITIONS.items():
        if src is source and dst is target:
            return event
    raise RuleViolation(
        "R-SES-4",
        f"Une session ne peut pas passer de l'état « {label(source)} » à l'état "
        f"« {label(target)} »" + _hint(source),
        state=source.value,
        target=target.value,
    )


def _hint(state: SessionState) -> str:
    events = allowed_events(state)
    if not events:
        return " : une session annulée ne peut plus changer d'état."
    return " ; depuis cet état, on peut seulement " + _join_fr(
        [EVENT_LABELS[e] for e in events]
    ) + "."


def _join_fr(items: list[str]) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " ou " + items[-1]
