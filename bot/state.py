"""Database-backed state of the bot: conversations, button tokens, pending confirmations.

All functions are synchronous (SQLAlchemy); handlers call them through
``asyncio.to_thread`` so that the event loop never waits on the database.

Buttons
    ``callback_data`` is ``t:`` followed by a random token (16 characters) naming a
    :class:`~bot.models.CallbackToken` row that holds the chat, the kind of button
    and its payload. :meth:`StateStore.consume` accepts a press only in the chat the
    button was sent to, before it expires, and (for single-use buttons) once per
    keyboard: spending one button spends its whole group, atomically
    (``UPDATE … WHERE used_at IS NULL``), so a replayed or concurrent second press
    does nothing. Anything else — data we never issued, another chat's button — is
    refused the same way.

Conversations
    One row per chat, versioned: :mod:`bot.conversation` (its mode and data), written
    with :func:`write_versioned` (optimistic locking).

Confirmations
    A :class:`~bot.models.PendingOperation` per sentence to confirm, owned by the
    Telegram user who prepared it; carried out exactly once by :mod:`bot.exactly_once`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from bot.models import CallbackToken, PendingOperation
from ceres_core.core import Core

CALLBACK_PREFIX = "t:"
TOKEN_BYTES = 12  # 16 URL-safe characters
DEFAULT_TTL = timedelta(days=7)
CONFIRMATION_TTL = timedelta(minutes=30)


_INSERT_TOKENS = insert(CallbackToken.__table__)


class InvalidButton(Exception):
    """A button press that must do nothing: ``reason`` is for the logs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def write_versioned(
    core: Core,
    model: type,
    chat_id: int,
    values: dict[str, Any],
    expected_version: int,
    now: datetime,
) -> int:
    """Optimistic write of a per-chat row (``chat_id``, ``version``, ``updated_at``).

    Creates the row at version 1 when ``expected_version`` is 0, otherwise updates
    it only if nobody wrote since ``expected_version``; returns the new version or
    raises :class:`ConcurrentUpdate` (several bot instances share the database).
    """
    with core.transaction() as db:
        if expected_version == 0 and db.get(model, chat_id) is None:
            db.add(model(chat_id=chat_id, version=1, updated_at=now, **values))
            try:
                db.flush()
            except Exception as exc:  # another instance created it meanwhile
                raise ConcurrentUpdate(str(exc)) from exc
            return 1
        result = db.execute(
            update(model)
            .where(model.chat_id == chat_id, model.version == expected_version)
            .values(version=expected_version + 1, updated_at=now, **values)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount != 1:
            raise ConcurrentUpdate(f"chat {chat_id}: version {expected_version} is stale")
        return expected_version + 1


class ConcurrentUpdate(Exception):
    """The conversation changed since it was read (another update won)."""


@dataclass(frozen=True)
class ButtonSpec:
    """A button to issue: label shown, kind and payload kept in the database."""

    label: str
    kind: str
    payload: dict[str, Any]
    reusable: bool = False


@dataclass(frozen=True)
class Press:
    """A valid button press."""

    token: str
    kind: str
    payload: dict[str, Any]


class StateStore:
    def __init__(self, core: Core, ttl: timedelta = DEFAULT_TTL) -> None:
        self.core = core
        self.ttl = ttl

    def _now(self) -> datetime:
        return self.core.clock.now()

    # -- buttons -----------------------------------------------------------------------

    def issue(self, chat_id: int, specs: list[ButtonSpec], *, ttl: timedelta | None = None) -> list[str]:
        """Store one token per button (single-use ones share a group); return callback data."""
        if not specs:
            return []
        with self.core.transaction() as db:
            return self.issue_in(db, chat_id, specs, ttl=ttl)

    def issue_in(self, db: Any, chat_id: int, specs: list[ButtonSpec], *,
                 ttl: timedelta | None = None) -> list[str]:
        """:meth:`issue` inside the caller's transaction."""
        now = self._now()
        group = secrets.token_urlsafe(TOKEN_BYTES)
        tokens = [secrets.token_urlsafe(TOKEN_BYTES) for _ in specs]
        expires = now + (ttl or self.ttl)
        # One multi-row INSERT (no ORM unit of work: a keyboard goes with every answer).
        db.connection().execute(_INSERT_TOKENS, [
            {"token": token, "chat_id": chat_id, "kind": spec.kind, "payload": spec.payload,
             "group_id": None if spec.reusable else group, "reusable": spec.reusable,
             "created_at": now, "expires_at": expires, "used_at": None}
            for token, spec in zip(tokens, specs, strict=True)])
        return [CALLBACK_PREFIX + t for t in tokens]

    def consume(self, chat_id: int | None, data: str | None) -> Press:
        """Validate a press; spend its group if single-use. Raise :class:`InvalidButton`."""
        if not data or not data.startswith(CALLBACK_PREFIX) or chat_id is None:
            raise InvalidButton("unknown callback data format")
        token = data[len(CALLBACK_PREFIX) :]
        if not token or len(token) > 24:
            raise InvalidButton("malformed token")
        now = self._now()
        with self.core.transaction() as db:
            row = db.get(CallbackToken, token)
            if row is None:
                raise InvalidButton("unknown token")
            if row.chat_id != chat_id:
                raise InvalidButton("token of another chat")
            if row.expires_at <= now:
                raise InvalidButton("expired token")
            if not row.reusable:
                if row.used_at is not None:
                    raise InvalidButton("token already used")
                result = db.execute(
                    update(CallbackToken)
                    .where(CallbackToken.group_id == row.group_id, CallbackToken.used_at.is_(None))
                    .values(used_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 0:
                    raise InvalidButton("token used concurrently")
            return Press(token, row.kind, dict(row.payload))

    def revoke_chat(self, chat_id: int, kinds: tuple[str, ...]) -> None:
        """Spend every live button of these kinds in the chat (e.g. after /annuler)."""
        with self.core.transaction() as db:
            db.execute(
                update(CallbackToken)
                .where(
                    CallbackToken.chat_id == chat_id,
                    CallbackToken.kind.in_(kinds),
                    CallbackToken.used_at.is_(None),
                )
                .values(used_at=self._now())
                .execution_options(synchronize_session=False)
            )

    def purge(self) -> int:
        """Delete expired buttons and decided or expired confirmations; return the count."""
        now = self._now()
        with self.core.transaction() as db:
            n = db.execute(delete(CallbackToken).where(CallbackToken.expires_at <= now)).rowcount
            n += db.execute(
                delete(PendingOperation).where(PendingOperation.expires_at <= now - self.ttl)
            ).rowcount
        return n or 0

    # -- confirmations -----------------------------------------------------------------

    def create_pending(
        self,
        chat_id: int,
        user_id: int,
        telegram_user_id: int | None,
        operation: str,
        params: dict[str, Any],
        summary: str,
        ttl: timedelta = CONFIRMATION_TTL,
    ) -> int:
        now = self._now()
        with self.core.transaction() as db:
            row = PendingOperation(
                chat_id=chat_id,
                user_id=user_id,
                telegram_user_id=telegram_user_id,
                operation=operation,
                params=params,
                summary=summary,
                status="pending",
                created_at=now,
                expires_at=now + ttl,
            )
            db.add(row)
            db.flush()
            return row.id

    def cancel_pending(self, pending_id: int, chat_id: int, telegram_user_id: int | None) -> None:
        """« Annuler » of a confirmation: ``pending`` → ``cancelled`` once, by its owner."""
        with self.core.transaction() as db:
            row = db.get(PendingOperation, pending_id)
            if row is None or row.chat_id != chat_id:
                raise InvalidButton("unknown pending operation")
            if row.telegram_user_id is not None and row.telegram_user_id != telegram_user_id:
                raise InvalidButton("confirmation of another Telegram user")
            result = db.execute(
                update(PendingOperation)
                .where(PendingOperation.id == pending_id, PendingOperation.status == "pending")
                .values(status="cancelled", decided_at=self._now())
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise InvalidButton("pending operation already decided")

    def cancel_pending_of_chat(self, chat_id: int) -> int:
        """/annuler: every confirmation still pending in the chat is cancelled."""
        with self.core.transaction() as db:
            return db.execute(
                update(PendingOperation)
                .where(PendingOperation.chat_id == chat_id, PendingOperation.status == "pending")
                .values(status="cancelled", decided_at=self._now())
                .execution_options(synchronize_session=False)
            ).rowcount or 0

    def pending_by_id(self, pending_id: int) -> PendingOperation | None:
        with self.core.transaction() as db:
            row = db.get(PendingOperation, pending_id)
            if row is not None:
                db.expunge(row)
            return row

    def pending_of_chat(self, chat_id: int) -> list[PendingOperation]:
        with self.core.transaction() as db:
            rows = db.scalars(
                select(PendingOperation).where(
                    PendingOperation.chat_id == chat_id, PendingOperation.status == "pending"
                )
            ).all()
            for row in rows:
                db.expunge(row)
            return list(rows)
