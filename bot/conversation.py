"""The conversation model: one state per chat, with an explicit mode.

A chat is in exactly one mode at a time:

``idle``          free text is a question (or, in ticket mode, a message to the support);
``procedure``     a guided walk (``data``: ``WalkState.to_dict()``);
``form``          an operation of the catalogue being filled in
                  (``data``: ``{"op", "params", "await", "history"}``);
``ticket_draft``  a ticket being written (``data``: ``{"id", "facts", "subject", "awaiting"}``);
``ticket_write``  the next text goes to one ticket (``data``: ``{"ticket_id", "number"}``).

In ``idle`` mode, ``data`` may hold ``{"turn": …}``: the last answered question
(:class:`knowledge.conversation.Turn`), which a follow-up (« et pour un CCP ? »)
reads (:func:`remember_turn`, :func:`last_turn`). Entering any other mode forgets it.

The state is one row (``bot_conversation``) with a version: :func:`save` writes only
if the version read is still current, so two instances handling two updates of the
same chat cannot both win (:class:`~bot.state.ConcurrentUpdate`). Entering a mode
leaves the previous one: there is nothing else to clean up. ``/annuler`` is
:func:`reset`.

Why not python-telegram-bot's ``ConversationHandler``: its states live in the memory
of one process (a persistence only reloads them at start and flushes them later),
so a second instance, or a restart between two updates, would see another state;
our state is read from and written to the database at every update, versioned.

Functions are synchronous (database): handlers call them with ``run_sync``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import bindparam, select, update

from bot import update_context
from bot.models import Conversation
from bot.state import write_versioned
from ceres_core.core import Core


class Mode(StrEnum):
    IDLE = "idle"
    PROCEDURE = "procedure"
    FORM = "form"
    TICKET_DRAFT = "ticket_draft"
    TICKET_WRITE = "ticket_write"


@dataclass(frozen=True)
class ChatState:
    mode: Mode
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0

    @property
    def idle(self) -> bool:
        return self.mode is Mode.IDLE


def load(core: Core, chat_id: int) -> ChatState:
    with core.transaction() as db:
        return load_in(db, chat_id)


#: Built once (a statement built at every call costs more than its execution).
_TABLE = Conversation.__table__
_LOAD = (select(_TABLE.c.mode, _TABLE.c.data, _TABLE.c.version)
         .where(_TABLE.c.chat_id == bindparam("chat_id")))
_REMEMBER = (update(_TABLE)
             .where(_TABLE.c.chat_id == bindparam("chat"), _TABLE.c.mode == Mode.IDLE.value)
             .values(data=bindparam("turn_data"), version=_TABLE.c.version + 1,
                     updated_at=bindparam("now")))


def load_in(db: Any, chat_id: int) -> ChatState:
    """:func:`load` inside the caller's transaction (three columns, no ORM object)."""
    row = db.connection().execute(_LOAD, {"chat_id": chat_id}).first()
    if row is None:
        return ChatState(Mode.IDLE, {}, 0)
    try:
        mode = Mode(row.mode)
    except ValueError:
        mode = Mode.IDLE
    data = dict(row.data) if row.data else {}
    return ChatState(mode if data or mode is Mode.IDLE else Mode.IDLE, data, row.version)


def save(core: Core, chat_id: int, mode: Mode, data: dict[str, Any] | None,
         expected_version: int) -> int:
    """Enter ``mode`` with ``data`` if nobody wrote since ``expected_version``."""
    if mode is Mode.IDLE:
        data = None
    update_context.forget_state(chat_id)
    return write_versioned(core, Conversation, chat_id, {"mode": mode.value, "data": data},
                           expected_version, core.clock.now())


def save_in(db: Any, chat_id: int, mode: Mode, data: dict[str, Any] | None,
            expected_version: int, now: Any) -> bool:
    """The same write inside the caller's transaction (exactly once with an effect);
    False when the state changed meanwhile."""
    update_context.forget_state(chat_id)
    result = db.execute(
        update(Conversation)
        .where(Conversation.chat_id == chat_id, Conversation.version == expected_version)
        .values(mode=mode.value, data=None if mode is Mode.IDLE else data,
                version=expected_version + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def reset(core: Core, chat_id: int) -> Mode:
    """Back to ``idle`` whatever the version (``/annuler``); returns the mode left."""
    update_context.forget_state(chat_id)
    with core.transaction() as db:
        row = db.get(Conversation, chat_id)
        if row is None:
            return Mode.IDLE
        try:
            left = Mode(row.mode)
        except ValueError:
            left = Mode.IDLE
        db.execute(
            update(Conversation)
            .where(Conversation.chat_id == chat_id)
            .values(mode=Mode.IDLE.value, data=None, version=Conversation.version + 1,
                    updated_at=core.clock.now())
            .execution_options(synchronize_session=False)
        )
        return left


# -- the follow-up context of the questions (idle mode) ------------------------------------


def remember_turn(core: Core, chat_id: int, turn: dict[str, Any] | None) -> None:
    """Keep the last answered question of an idle chat (nothing in another mode: a
    question typed during a walk or a form does not change that mode's data)."""
    with core.transaction() as db:
        remember_turn_in(db, chat_id, turn, core.clock.now())


def remember_turn_in(db: Any, chat_id: int, turn: dict[str, Any] | None, now: Any) -> None:
    """:func:`remember_turn` inside the caller's transaction (e.g. with the answer's
    buttons, :func:`bot.keyboards.build_in`: one transaction for both, issue 14)."""
    data = {"turn": turn} if turn else None
    update_context.forget_state(chat_id)
    # The usual case in one statement: the chat's row exists and is idle.
    if db.connection().execute(_REMEMBER, {"chat": chat_id, "turn_data": data, "now": now}).rowcount:
        return
    if db.get(Conversation, chat_id) is not None:
        return  # another mode: its data stays
    from sqlalchemy.exc import IntegrityError

    # The chat's first row; written meanwhile by another update, that row is kept
    # (the savepoint keeps the caller's transaction usable).
    with contextlib.suppress(IntegrityError), db.begin_nested():
        db.add(Conversation(chat_id=chat_id, mode=Mode.IDLE.value, data=data, version=1,
                            updated_at=now))
        db.flush()


def last_turn(core: Core, chat_id: int) -> dict[str, Any] | None:
    """The last answered question kept by :func:`remember_turn` (idle chats only)."""
    return turn_of(load(core, chat_id))


def turn_of(state: ChatState) -> dict[str, Any] | None:
    """The last answered question in ``state`` (idle chats only)."""
    if state.mode is not Mode.IDLE:
        return None
    turn = state.data.get("turn")
    return turn if isinstance(turn, dict) else None
