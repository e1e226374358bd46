"""The transcript of a private chat: the last lines of the conversation (user texts,
buttons pressed, bot messages), kept in ``bot_transcript`` so that a ticket carries
the conversation so far (:mod:`bot.ticket_context`). A link code is never kept."""

from __future__ import annotations

import re

from sqlalchemy import delete, select

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

    A user's ``/start CODE`` is kept without its code (:func:`redact`).
    """
    text = (text or "").strip()
    if sender == "user":
        text = redact(text)
    if not text:
        return
    with core.transaction() as db:
        db.add(TranscriptEntry(chat_id=chat_id, sender=sender, text=text[:TRANSCRIPT_LINE_MAX],
                               at=core.clock.now()))
        db.flush()
        cutoff = db.scalar(
            select(TranscriptEntry.id)
            .where(TranscriptEntry.chat_id == chat_id)
            .order_by(TranscriptEntry.id.desc())
            .offset(keep)
            .limit(1)
        )
        if cutoff is not None:
            db.execute(
                delete(TranscriptEntry).where(
                    TranscriptEntry.chat_id == chat_id, TranscriptEntry.id <= cutoff
                )
            )


def recent(core: Core, chat_id: int, limit: int = TRANSCRIPT_KEEP) -> list[dict[str, str]]:
    """The chat's last lines, oldest first, as ``TicketContext.transcript`` wants them."""
    with core.transaction() as db:
        rows = db.scalars(
            select(TranscriptEntry)
            .where(TranscriptEntry.chat_id == chat_id)
            .order_by(TranscriptEntry.id.desc())
            .limit(limit)
        ).all()
        return [{"from": r.sender, "text": r.text, "at": r.at.isoformat()} for r in reversed(rows)]


def last_question(transcript: list[dict[str, str]]) -> str | None:
    """The last thing the user typed that is a question (not a command nor a button)."""
    for line in reversed(transcript):
        text = line.get("text", "")
        if line.get("from") == "user" and not text.startswith(("/", BUTTON_PREFIX)):
            return text
    return None


