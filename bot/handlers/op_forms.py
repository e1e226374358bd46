"""The operation a chat is filling in, in the database (``bot_operation_form``).

``{"op": <operation>, "params": {…}, "await": <parameter asked>}``: the handler asks
the missing parameters one by one; a restart (or another instance) continues where
the user was. Writes check the version read (optimistic locking, like
:class:`bot.state.StateStore` does for procedures). Synchronous: run off the loop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.models import OperationForm
from bot.state import write_versioned
from ceres_core.core import Core


@dataclass(frozen=True)
class FormSlot:
    data: dict[str, Any] | None
    version: int


def load_form(core: Core, chat_id: int) -> FormSlot:
    with core.transaction() as db:
        row = db.get(OperationForm, chat_id)
        if row is None:
            return FormSlot(None, 0)
        return FormSlot(dict(row.data) if row.data else None, row.version)


def save_form(core: Core, chat_id: int, data: dict[str, Any] | None, expected_version: int) -> int:
    """Write the form if nobody wrote since ``expected_version``; return the new version."""
    return write_versioned(core, OperationForm, chat_id, {"data": data}, expected_version,
                           core.clock.now())


def clear_form(core: Core, chat_id: int) -> bool:
    """Forget the form in progress; True if there was one."""
    with core.transaction() as db:
        row = db.get(OperationForm, chat_id)
        if row is None or row.data is None:
            return False
        row.data = None
        row.version += 1
        row.updated_at = core.clock.now()
        return True
