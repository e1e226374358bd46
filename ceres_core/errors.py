"""The one error type a refused CERES operation raises.

Front ends (bot, dashboard, CLI) catch :class:`CeresError` and show ``message``
as is: it is written in French for the person who asked.
"""

from __future__ import annotations


class CeresError(Exception):
    """An operation was refused or could not be carried out.

    ``rule`` is the id of the rule of ``ceres-domain.md`` that refused it
    (``"R-PRT-6"``), or ``None`` for plain input or lookup errors.
    ``message`` is a complete French sentence, fit to be shown to a user as is.
    """

    def __init__(self, message: str, rule: str | None = None, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.rule = rule
        self.details = details

    def __str__(self) -> str:  # pragma: no cover - trivial
        return self.message


class RuleViolation(CeresError):
    """A rule of the domain refuses the operation; ``rule`` is always set."""

    def __init__(self, rule: str, message: str, **details: object) -> None:
        if f"({rule})" not in message:
            message = f"{message.rstrip().rstrip('.')} ({rule})."
        super().__init__(message, rule=rule, **details)


class InvalidInput(CeresError):
    """A value typed by the user is malformed (date, SIRET, e-mail...)."""


class NotFound(CeresError):
    """The object named does not exist (or is not visible to the actor)."""
