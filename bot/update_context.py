"""What one update's handling reads once and writes once (issue 14: a cheaper handler).

An update used to cost a dozen transactions, each in a worker thread: the claim, the
user's transcript line, the conversation state (read twice), the linked account (read
twice), then the bot's transcript line and the « done » mark. Now:

* :func:`bot.exactly_once.begin_update` claims the update and, for a private chat,
  reads the conversation state and the linked login **in the same transaction**; the
  result is an :class:`UpdateSnapshot`, current for the rest of the update's handling
  (:data:`CURRENT`, a context variable: python-telegram-bot runs an update's handlers in
  one task);
* the same transaction reads whether the chat has tickets a message could go to
  (:func:`chat_tickets`): most chats have none, and their idle texts skip the
  requester-target lookup of the helpdesk;
* the handlers read the state and the login from it (:func:`chat_state`,
  :func:`linked_login`) instead of the database; a write of this update to the state
  (:mod:`bot.conversation`) or to the link (:mod:`bot.accounts`) forgets the copy, so
  a later read in the same update goes to the database again;
* when the runner (:class:`bot.app.BotRunner`, webhook or polling) owns the snapshot,
  the transcript lines of the update's chat (the user's, the bot's) are kept in it and
  written with the « done » mark, in one transaction
  (:func:`bot.exactly_once.finish_update`); whatever is left (an update whose handling
  stopped early) is written when the runner's handling ends. A ticket opened during
  the update reads them too (:func:`bot.transcript.recent`).

The state read with the claim is as fresh as a read a few milliseconds later would be:
two updates of one chat handled by two instances are kept apart by the state's version
(:func:`bot.conversation.save`), not by the time of the read.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.conversation import ChatState
    from ceres_core.core import Core
    from tickets.services import ChatTickets


@dataclass
class UpdateSnapshot:
    """One update's claim and what was read with it."""

    update_id: int
    chat_id: int | None = None
    #: The chat is private (only private chats have a state, a link and a transcript).
    private: bool = False
    #: The conversation state read with the claim; None once this update wrote it.
    state: ChatState | None = None
    #: The linked login read with the claim (None: no account); see ``login_known``.
    login: str | None = None
    login_known: bool = False
    #: Whether the chat's tickets may hold a target for its messages, read with the
    #: claim (:func:`tickets.services.chat_tickets_in`); None: not read.
    tickets: ChatTickets | None = None
    #: Transcript lines of the chat kept until the « done » mark (``buffering`` only).
    buffering: bool = False
    lines: list[tuple[str, str, datetime]] = field(default_factory=list)
    #: The « done » mark is written: lines from now on go to the database at once.
    finished: bool = False

    def keeps_lines_of(self, chat_id: int) -> bool:
        return self.buffering and not self.finished and self.private and chat_id == self.chat_id


#: The update being handled by this task (set by the runner, else by the guard).
CURRENT: ContextVar[UpdateSnapshot | None] = ContextVar("bot_update_snapshot", default=None)


def current_for(update_id: int) -> UpdateSnapshot | None:
    snap = CURRENT.get()
    return snap if snap is not None and snap.update_id == update_id else None


def forget_state(chat_id: int) -> None:
    """This update wrote the chat's state: the copy read with the claim is stale."""
    snap = CURRENT.get()
    if snap is not None and snap.chat_id == chat_id:
        snap.state = None


def forget_login(chat_id: int) -> None:
    """This update linked or unlinked the chat: the login read with the claim is stale."""
    snap = CURRENT.get()
    if snap is not None and snap.chat_id == chat_id:
        snap.login_known = False
        snap.login = None


def keep_line(chat_id: int, sender: str, text: str, at: datetime) -> bool:
    """Keep a transcript line for the « done » mark's transaction; False when it must
    be written now (another chat, no runner, or the update is finished)."""
    snap = CURRENT.get()
    if snap is None or not snap.keeps_lines_of(chat_id):
        return False
    snap.lines.append((sender, text, at))  # list.append: safe from a worker thread
    return True


def kept_lines(chat_id: int) -> list[tuple[str, str, datetime]]:
    """The lines of ``chat_id`` kept and not written yet (oldest first)."""
    snap = CURRENT.get()
    if snap is None or not snap.keeps_lines_of(chat_id):
        return []
    return list(snap.lines)


def chat_tickets(chat_id: int) -> ChatTickets | None:
    """What the chat's tickets allow the requester-target lookup to find, as read with
    the claim; None when not read (no runner, another chat). The lookup comes first in
    an idle text's handling, before anything of the update could open a ticket."""
    snap = CURRENT.get()
    if snap is None or snap.chat_id != chat_id:
        return None
    return snap.tickets


async def chat_state(core: Core, chat_id: int) -> ChatState:
    """The chat's conversation state: the copy read with the claim, else the database."""
    from bot import conversation as conv
    from bot.runtime import run_sync

    snap = CURRENT.get()
    if snap is not None and snap.chat_id == chat_id and snap.state is not None:
        return snap.state
    return await run_sync(conv.load, core, chat_id)


async def linked_login(core: Core, chat_id: int) -> str | None:
    """The login linked to the chat: the one read with the claim, else the database."""
    from bot import accounts
    from bot.runtime import run_sync

    snap = CURRENT.get()
    if snap is not None and snap.chat_id == chat_id and snap.login_known:
        return snap.login
    return await run_sync(accounts.linked_login, core, chat_id)

