"""The one adapter between the procedures' ``check`` nodes and the CERES core.

:func:`evaluate` answers a check of :data:`knowledge.procedure_engine.CHECKS` with
one of its outcomes by calling a ``ceres_core`` service, or returns ``None`` when it
cannot (the check needs a linked account and there is none): the bot then asks the
user the check's own French question. A refusal of the core (out of scope, unknown
session…) raises :class:`~ceres_core.errors.CeresError`, whose message the bot shows
before asking the question instead.

No rule is decided here: each outcome is read from what a service returns.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ceres_core.core import Core
from ceres_core.models.candidates import Result

Evaluator = Callable[[Core, str | None, Mapping[str, str]], str | None]


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _siret_registered(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.centres import centre_is_registered

    return _yes_no(centre_is_registered(core, login, p["siret"]))


def _centre_has_activation_code(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.centres import centre_has_activation_code

    return _yes_no(centre_has_activation_code(core, login, p["siret"]))


def _print_request_age_days(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.printing import print_history

    history = print_history(core, login, p["session"], p["candidate"])
    if history.next_duplicate_from is None:
        return "none"
    # The core computes the first day a duplicate is allowed (R-PRT-6).
    if core.clock.today() >= history.next_duplicate_from:
        return "at_least_7_days"
    return "under_7_days"


def _candidate_admitted(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.printing import print_history

    history = print_history(core, login, p["session"], p["candidate"])
    return _yes_no(history.candidate.result == Result.ADMIS.value)


def _session_overseas(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.sessions import get_session

    # R-PRT-7: the core decides what counts as a DROM-COM session.
    return _yes_no(get_session(core, login, p["session"]).overseas)


def _session_has_candidates(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.sessions import get_session

    return _yes_no(get_session(core, login, p["session"]).registrations_count > 0)


def _dte_ordered(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.dte import dte_status

    return _yes_no(dte_status(core, login, p["session"]).ordered)


def _dte_order_status(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.dte import dte_status

    status = dte_status(core, login, p["session"])
    if not status.ordered or status.cancelled:
        return "not_ordered"
    # R-DTE-7: the core gives the day from which the GEV is to be contacted.
    if core.clock.today() < status.chase_gev_from:
        return "too_early"
    return "contact_gev"


def _actor_is_site_dreets(core: Core, login: str | None, p: Mapping[str, str]) -> str | None:
    if login is None:
        return None
    from ceres_core.services.sites import can_transfer_site

    return _yes_no(can_transfer_site(core, login, p["site"]))


#: Checks the bot can evaluate (the others are asked to the user).
EVALUATORS: dict[str, Evaluator] = {
    "siret_registered": _siret_registered,
    "centre_has_activation_code": _centre_has_activation_code,
    "print_request_age_days": _print_request_age_days,
    "candidate_admitted": _candidate_admitted,
    "session_overseas": _session_overseas,
    "session_has_candidates": _session_has_candidates,
    "dte_ordered": _dte_ordered,
    "dte_order_status": _dte_order_status,
    "actor_is_site_dreets": _actor_is_site_dreets,
}


def evaluate(core: Core, login: str | None, check: str, params: Mapping[str, str]) -> str | None:
    """The check's outcome from the core, or ``None`` to ask the user instead."""
    evaluator = EVALUATORS.get(check)
    if evaluator is None:
        return None
    return evaluator(core, login, params)
