"""The transcript of a private chat: the last lines of the conversation (user texts,
buttons pressed, bot messages), kept in ``bot_transcript`` so that a ticket carries
the conversation so far (:mod:`bot.ticket_context`). A link code is never kept."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from bot import update_context
from bot.models import TranscriptEntry
from ceres_core.core import Core

#: Lines of conversation kept per chat (and copied into a ticket).
TRANSCRIPT_KEEP = 40
TRANSCRIPT_LINE_MAX = 1500
#: Prefix of a transcript line that is a button press.
BUTTON_PREFIX = "[bouton] "

_START_PAYLOAD = re.compile(r"^(/start(?:@\w+)?)\s+\S.*$", re.S | re.I)
LINK_CODE_HIDDEN = "(code de liaison masqué)"


def redact(text: str) -> str:
    """A user's line as the transcript may keep it: never a link code (``/start CODE``)."""
    return _START_PAYLOAD.sub(lambda m: f"{m.group(1)} {LINK_CODE_HIDDEN}", text)


def record(core: Core, chat_id: int, sender: str, text: str, keep: int = TRANSCRIPT_KEEP) -> None:
    """Append a line to the chat's transcript and forget the oldest beyond ``keep``.

    A user's ``/start CODE`` is kept without its code (:func:`redact`). During the
    handling of an update of this chat by the runner, the line is kept with the update
    and written with its « done » mark (:mod:`bot.update_context`).
    """
    text = _line(sender, text)
    if not text:
        return
    now = core.clock.now()
    if update_context.keep_line(chat_id, sender, text, now):
        return
    with core.transaction() as db:
        record_in(db, chat_id, [(sender, text, now)], keep)


async def record_soon(core: Core, chat_id: int, sender: str, text: str) -> None:
    """:func:`record` from a handler: a line kept with the update needs no worker
    thread; any other goes to the database off the event loop."""
    line = _line(sender, text)
    if not line or update_context.keep_line(chat_id, sender, line, core.clock.now()):
        return
    from bot.runtime import run_sync

    await run_sync(record, core, chat_id, sender, text)


def _line(sender: str, text: str | None) -> str:
    """The line as kept: stripped, without a link code, cut to the longest line."""
    text = (text or "").strip()
    if sender == "user":
        text = redact(text)
    return text[:TRANSCRIPT_LINE_MAX]


def record_in(db: Any, chat_id: int, lines: list[tuple[str, str, datetime]],
              keep: int = TRANSCRIPT_KEEP) -> None:
    """Append ``(sender, text, at)`` lines (ready: redacted, cut) in the caller's
    transaction and forget the oldest beyond ``keep``."""
    if not lines:
        return
    conn = db.connection()
    conn.execute(_INSERT, [{"chat_id": chat_id, "sender": sender, "text": text, "at": at}
                           for sender, text, at in lines])
    cutoff = conn.execute(_CUTOFF, {"chat": chat_id, "keep": keep}).scalar()
    if cutoff is not None:
        conn.execute(_TRIM, {"chat": chat_id, "cutoff": cutoff})


#: Built once (a statement built at every call costs more than its execution).
_TABLE = TranscriptEntry.__table__
_INSERT = insert(_TABLE)
_CUTOFF = (select(_TABLE.c.id).where(_TABLE.c.chat_id == bindparam("chat"))
           .order_by(_TABLE.c.id.desc()).offset(bindparam("keep")).limit(1))
_TRIM = delete(_TABLE).where(_TABLE.c.chat_id == bindparam("chat"),
                             _TABLE.c.id <= bindparam("cutoff"))


def recent(core: Core, chat_id: int, limit: int = TRANSCRIPT_KEEP) -> list[dict[str, str]]:
    """The chat's last lines, oldest first, as ``TicketContext.transcript`` wants them."""
    with core.transaction() as db:
        rows = db.scalars(
            select(TranscriptEntry)
            .where(TranscriptEntry.chat_id == chat_id)
            .order_by(TranscriptEntry.id.desc())
            .limit(limit)
        ).all()
        lines = [{"from": r.sender, "text": r.text, "at": r.at.isoformat()} for r in reversed(rows)]
    # The lines of the update being handled, not written yet (bot.update_context).
    lines += [{"from": sender, "text": text, "at": at.isoformat()}
              for sender, text, at in update_context.kept_lines(chat_id)]
    return lines[-limit:] if limit > 0 else []


def last_question(transcript: list[dict[str, str]]) -> str | None:
    """The last thing the user typed that is a question (not a command nor a button)."""
    for line in reversed(transcript):
        text = line.get("text", "")
        if line.get("from") == "user" and not text.startswith(("/", BUTTON_PREFIX)):
            return text
    return None


