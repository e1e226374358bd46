"""The bot's own tables: chat links, link codes, conversations, buttons, confirmations.

Everything the bot must remember between two updates lives here, in the shared
database, so that any instance behind a load balancer can take any update and a
restart loses nothing (architecture.md, "Data and scale").

``user_id`` columns hold ``users.id`` without a foreign key, so that this package's
migration branch does not depend on the order in which Alembic runs the branches;
accounts are deactivated rather than deleted, and every lookup checks ``active``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String, Text
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
    """Per-chat state: the procedure being walked and the last question asked.

    ``version`` grows at every change; writes check it (optimistic locking) so two
    updates of the same chat handled by two instances cannot both win.
    """

    __tablename__ = "bot_conversation"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    #: ``WalkState.to_dict()`` of the procedure in progress, or None.
    procedure: Mapped[dict[str, Any] | None] = mapped_column(JSON)
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
    the confirmation button points at this row, which is consumed once.
    """

    __tablename__ = "bot_pending_operation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    operation: Mapped[str] = mapped_column(String(64))
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(Text)
    #: ``pending``, ``confirmed``, ``cancelled`` or ``expired``.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
