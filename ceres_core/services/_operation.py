"""The ``@operation`` decorator and the audit helper every service uses."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy.orm import Session

from ceres_core.errors import RuleViolation
from ceres_core.models import AuditEvent, User

log = logging.getLogger("ceres_core.audit")

P = ParamSpec("P")
R = TypeVar("R")


def audit(
    db: Session,
    core: Any,
    user: User | None,
    action: str,
    target: object = None,
    **details: Any,
) -> AuditEvent:
    """Record that ``user`` did ``action`` on ``target`` (in the caller's transaction)."""
    target_type = type(target).__name__ if target is not None else None
    target_id = None
    if target is not None:
        target_id = str(getattr(target, "ref", None) or getattr(target, "id", None) or target)
    event = AuditEvent(
        at=core.clock.now(),
        actor_id=user.id if user else None,
        actor_login=user.login if user else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        outcome="ok",
        details=_jsonable(details) or None,
    )
    db.add(event)
    return event


def _jsonable(details: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in details.items():
        if value is None or isinstance(value, str | int | float | bool | list | dict):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def record_refusal(core: Any, actor: str | None, action: str, exc: RuleViolation) -> None:
    """Log a refused operation in its own transaction (the operation's rolled back)."""
    try:
        with core.transaction() as db:
            user = None
            if actor:
                from sqlalchemy import select

                user = db.scalar(select(User).where(User.login == actor))
            db.add(
                AuditEvent(
                    at=core.clock.now(),
                    actor_id=user.id if user else None,
                    actor_login=actor,
                    action=action,
                    outcome="refused",
                    rule=exc.rule,
                    message=exc.message,
                    details=_jsonable(exc.details) or None,
                )
            )
    except Exception:  # the refusal itself must still reach the user
        log.exception("could not record refusal of %s by %s", action, actor)
    log.info("refused %s by %s: %s", action, actor, exc.message)


def operation(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Mark a service function as the operation ``action``; log its refusals.

    The decorated function's first two parameters are ``core`` and ``actor``.
    """

    def decorator(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except RuleViolation as exc:
                core = args[0] if args else kwargs.get("core")
                actor = args[1] if len(args) > 1 else kwargs.get("actor")
                record_refusal(core, actor if isinstance(actor, str) else None, action, exc)
                raise

        wrapper.action = action  # type: ignore[attr-defined]
        return wrapper

    return decorator
