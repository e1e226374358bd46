"""The bot's own tables: chat links, link codes, conversations, buttons, confirmations.

Everything the bot must remember between two updates lives here, in the shared
database, so that any instance behind a load balancer can take any update and a
restart loses nothing (architecture.md, "Data and scale").

``user_id`` columns hold ``users.id`` without a foreign key, so that this package's
migration branch does not depend on the order in which Alembic runs the branches;
accounts are deactivated rather than deleted, and every lookup checks ``active``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ceres_core.models.base import Base


class ChatLink(Base):
    """A chat linked to a CERES account (one account per chat)."""

    __tablename__ = "bot_chat_link"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    #: the Telegram user who redeemed the code (the chat's owner in a private chat).
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    linked_at: Mapped[datetime]


class LinkCode(Base):
    """A one-time code that links a chat to an account (``users link-code``)."""

    __tablename__ = "bot_link_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: SHA-256 of the normalised code (the code itself is never stored).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_chat: Mapped[int | None] = mapped_column(BigInteger)


class Conversation(Base):
    """The one state of a chat (:mod:`bot.conversation`): its mode and that mode's data.

    ``mode``: ``idle``, ``procedure`` (a guided walk), ``form`` (an operation being
    filled in), ``ticket_draft`` (a ticket being written) or ``ticket_write`` (the next
    text goes to one ticket). ``version`` grows at every change; writes check it
    (optimistic locking) so two updates of the same chat handled by two instances
    cannot both win.
    """

    __tablename__ = "bot_conversation"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    mode: Mapped[str] = mapped_column(String(16), default="idle")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class CallbackToken(Base):
    """What an inline button means: its ``callback_data`` is ``t:<token>``.

    A button is valid in its own chat until ``expires_at``; a single-use button is
    spent with every other button of its ``group`` (one answer per keyboard).
    """

    __tablename__ = "bot_callback_token"

    token: Mapped[str] = mapped_column(String(24), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    group_id: Mapped[str | None] = mapped_column(String(24), index=True)
    reusable: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


class PendingOperation(Base):
    """An operation waiting for the user's explicit confirmation.

    ``summary`` is the sentence shown ("Envoyer pour impression les 3 candidats…");
    the confirmation button points at this row. ``status`` moves from ``pending`` to
    ``done`` (or ``refused``) in the transaction that carries the operation out
    (:mod:`bot.exactly_once`), or to ``cancelled``; ``telegram_user_id`` is the person
    who prepared it: nobody else can confirm it.
    """

    __tablename__ = "bot_pending_operation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    operation: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    #: ``pending``, ``done``, ``refused``, ``cancelled`` or ``expired``.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """A reply of the bot to send, written in the transaction of what it reports.

    The user is told from this durable record (:mod:`bot.outbox`): a crash after the
    commit ends with the message sent after restart. ``reply_markup`` is the keyboard's
    JSON (buttons already issued); ``document`` a file to attach. ``ticket_id`` ties the
    sent message to a ticket (a reply to it goes to that ticket).
    """

    __tablename__ = "bot_outbox"
    __table_args__ = (Index("ix_bot_outbox_pending", "sent_at", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    html: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    filename: Mapped[str | None] = mapped_column(String(200))
    document: Mapped[bytes | None] = mapped_column(LargeBinary)
    ticket_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
    lease_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)


class SeenUpdate(Base):
    """An update taken by an instance (``update_id``): a redelivery is a no-op.

    ``done_at`` is set when its handling committed; a claim never finished (the
    instance died) may be taken again after a lease.
    """

    __tablename__ = "bot_seen_update"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    claimed_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


# -- helpdesk in the chat (bot.handlers.tickets, bot.delivery_worker, bot.staff_group) --------


class TranscriptEntry(Base):
    """One line of the conversation (user text, button pressed, bot message), kept so
    that a ticket carries the conversation so far (the last lines of each chat only)."""

    __tablename__ = "bot_transcript"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    #: ``user`` or ``bot``.
    sender: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]


class SentDelivery(Base):
    """A helpdesk outbox entry this bot has sent (written right after Telegram's success,
    before ``mark_delivered``): a retry after a crash marks it instead of sending again."""

    __tablename__ = "bot_sent_delivery"

    idempotency_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    delivery_id: Mapped[int] = mapped_column(Integer)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime]


class StaffPost(Base):
    """A message of the staff group tied to a ticket (stored, never inferred from headers).

    ``kind``: ``ticket`` (the card of a new ticket), ``requester`` (a requester's message
    relayed), ``notice`` (a warning), ``staff_reply`` (a staff member's message relayed to
    the user: its row makes the relay idempotent). ``thread_id`` is the forum topic, if any.
    """

    __tablename__ = "bot_staff_post"
    __table_args__ = (
        UniqueConstraint("staff_chat_id", "message_id"),
        Index("ix_bot_staff_post_thread", "staff_chat_id", "thread_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    ticket_number: Mapped[str] = mapped_column(String(20))
    staff_chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    #: ``staff_reply`` rows: ``pending`` until the reply is stored, then ``done``.
    status: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime]


# -- operations in chat (bot/handlers/forms.py, bot/downloads.py) ---------------------------


class DownloadLink(Base):
    """A one-time download link to a document (attestation, activation letter).

    Only the SHA-256 of the token is stored; the document is stored once, when the
    link is made, and served once before ``expires_at``.
    """

    __tablename__ = "bot_download_link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(200))
    mime_type: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime] = mapped_column(index=True)
    used_at: Mapped[datetime | None]


# -- reminders (bot/reminders.py, bot/handlers/reminders.py) -------------------------------


class SentReminder(Base):
    """A reminder event delivered (or being delivered) to an account, once per key.

    ``key`` is the event's idempotency key (``ceres_core.reminders.ReminderEvent.key``),
    or ``digest:<day>`` for the one digest of a day. The unique ``(user_id, key)`` is what
    makes each event go out once per recipient across restarts and instances: a sender
    claims the rows (``status`` ``pending``) before calling Telegram, then marks them
    ``sent`` (or ``blocked``). ``acted_at``: the reminder's action button was pressed.
    """

    __tablename__ = "bot_sent_reminder"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    #: ``pending`` (claimed, Telegram not called yet), ``sending`` (the request may be on
    #: its way), ``sent``, ``blocked`` (the user blocked the bot) or ``unknown`` (its
    #: sender died while sending: maybe delivered, never sent again; bot.reminders).
    status: Mapped[str] = mapped_column(String(16))
    sent_at: Mapped[datetime]
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    acted_at: Mapped[datetime | None]
    #: The scheduler pass that claimed the row (instance and pass), while it is unresolved.
    claimed_by: Mapped[str | None] = mapped_column(String(64))


class ReminderPreference(Base):
    """An account's choice for one kind of reminder (no row: the kind is on)."""

    __tablename__ = "bot_reminder_pref"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    #: « Plus tard »: nothing of this kind before this day.
    snoozed_until: Mapped[date | None]
    updated_at: Mapped[datetime]


class ReminderChat(Base):
    """A chat the reminders must not be sent to: the user blocked the bot (Telegram's
    ``Forbidden``). Cleared when the user writes ``/rappels`` or presses a reminder button."""

    __tablename__ = "bot_reminder_chat"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(Integer)
    blocked_at: Mapped[datetime]
