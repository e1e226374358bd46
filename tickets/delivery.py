"""Delivering the public messages of tickets to the requester's chat (the outbox).

The sender (the bot) loops::

    for item in pending_deliveries(core, limit=20):
        try:
            sent = await bot.send_message(item.chat_id, item.text)
        except Forbidden:                       # the user blocked the bot
            mark_requester_blocked(core, item.chat_id)
        except TelegramError as exc:
            mark_failed(core, item.id, str(exc), lease_token=item.lease_token)
        else:
            mark_delivered(core, item.id, sent.message_id)

Guarantees:

* **at least once**: an entry stays in the outbox until it is marked sent; a worker
  that dies after claiming it loses its lease, and the entry is handed out again;
* **never twice** for everything the database can see: an entry is claimed by one
  worker at a time (conditional ``UPDATE`` on status and lease), a ``sent`` entry
  is never handed out again, and ``mark_delivered`` twice (a retry after success)
  is a no-op. The one window left is a worker that sent the message and died
  before ``mark_delivered``, for longer than the lease: Telegram has no
  idempotency key, so ``lease_seconds`` should exceed the send timeout.
* **in order per chat**: only the oldest unsent entry of a chat is handed out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import and_, or_, select, update

from ceres_core.core import Core
from ceres_core.errors import NotFound
from tickets import texts
from tickets._common import BLOCKED_ERROR, add_event, add_message, retry_if_locked
from tickets.escalation import link_chat_message
from tickets.models import OPEN_STATUSES, AuthorKind, Delivery, DeliveryStatus, Ticket, TicketStatus

MAX_ATTEMPTS = 6
#: Delay before retry n (seconds): 30 s, 1 min, 2 min, 4 min, 8 min.
BACKOFF_SECONDS = 30


@dataclass(frozen=True)
class DeliveryItem:
    id: int
    ticket_id: int
    ticket_number: str
    chat_id: int
    text: str
    idempotency_key: str
    attempt: int
    lease_token: str
    #: A file to send with the text, as a document (:func:`tickets.services.delivery_file`).
    attachment_id: int | None = None


def _claimable(now):
    return or_(
        and_(
            Delivery.status == DeliveryStatus.PENDING,
            or_(Delivery.next_attempt_at.is_(None), Delivery.next_attempt_at <= now),
        ),
        and_(Delivery.status == DeliveryStatus.SENDING, Delivery.lease_until < now),
    )


def pending_deliveries(core: Core, limit: int = 20, *, lease_seconds: int = 60) -> list[DeliveryItem]:
    """Claim up to ``limit`` messages to send (leased for ``lease_seconds``); committed."""
    return retry_if_locked(lambda: _pending(core, limit, lease_seconds))


def _pending(core: Core, limit: int, lease_seconds: int) -> list[DeliveryItem]:
    now = core.clock.now()
    items: list[DeliveryItem] = []
    with core.transaction() as db:
        rows = db.execute(
            select(Delivery.id, Delivery.chat_id, Delivery.status, Delivery.next_attempt_at,
                   Delivery.lease_until)
            .where(Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
            .order_by(Delivery.id)
            .limit(max(limit, 1) * 10)
        ).all()
        seen_chats: set[int] = set()
        for delivery_id, chat_id, _status, _next, _lease in rows:
            if chat_id in seen_chats:  # an older message of this chat is not sent yet
                continue
            seen_chats.add(chat_id)
            token = uuid.uuid4().hex
            claimed = db.execute(
                update(Delivery)
                .where(Delivery.id == delivery_id, _claimable(now))
                .values(status=DeliveryStatus.SENDING, lease_until=now + timedelta(seconds=lease_seconds),
                        lease_token=token, attempts=Delivery.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            if not claimed:
                continue
            d = db.get(Delivery, delivery_id, populate_existing=True)
            ticket = db.get(Ticket, d.ticket_id)
            items.append(DeliveryItem(d.id, d.ticket_id, ticket.number or "", d.chat_id, d.text,
                                      d.idempotency_key, d.attempts, token, d.attachment_id))
            if len(items) >= limit:
                break
    return items


def mark_delivered(core: Core, delivery_id: int, telegram_message_id: int | None) -> bool:
    """Record a successful send; ``False`` (and nothing changes) if it was already sent."""
    now = core.clock.now()
    with core.transaction() as db:
        done = db.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id, Delivery.status != DeliveryStatus.SENT)
            .values(status=DeliveryStatus.SENT, sent_at=now, telegram_message_id=telegram_message_id,
                    lease_until=None, last_error=None)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        delivery = db.get(Delivery, delivery_id)
        if delivery is None:
            raise NotFound(texts.ERR_DELIVERY_UNKNOWN.format(id=delivery_id))
        if telegram_message_id is not None:
            # A Telegram reply to this message is threaded to its ticket.
            link_chat_message(db, delivery.chat_id, telegram_message_id, delivery.ticket_id, now)
        return done


def mark_failed(
    core: Core, delivery_id: int, error: str, *, lease_token: str | None = None, permanent: bool = False
) -> DeliveryStatus:
    """A send failed: retry later (exponential backoff) or give up after
    :data:`MAX_ATTEMPTS` / when ``permanent``, with an internal note warning staff.
    A stale worker (another one holds the lease now) changes nothing."""
    now = core.clock.now()
    with core.transaction() as db:
        d = db.get(Delivery, delivery_id, with_for_update=True)
        if d is None:
            raise NotFound(texts.ERR_DELIVERY_UNKNOWN.format(id=delivery_id))
        if d.status is DeliveryStatus.SENT or (lease_token and d.lease_token != lease_token):
            return d.status
        d.last_error = (error or "")[:500]
        d.lease_until = None
        if permanent or d.attempts >= MAX_ATTEMPTS:
            d.status = DeliveryStatus.FAILED
            ticket = db.get(Ticket, d.ticket_id)
            add_message(db, ticket, now, texts.NOTE_DELIVERY_FAILED.format(
                message_id=d.message_id, attempts=d.attempts, error=d.last_error),
                author_kind=AuthorKind.SYSTEM, internal=True)
            add_event(db, ticket, now, "delivery_failed", new=f"message {d.message_id}",
                      detail=d.last_error)
        else:
            d.status = DeliveryStatus.PENDING
            d.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS * 2 ** max(d.attempts - 1, 0))
        return d.status


def mark_requester_blocked(core: Core, chat_id: int) -> list[str]:
    """The user blocked the bot: flag their unfinished tickets, warn staff with an
    internal note, hold back the messages not sent yet (they are queued again when
    the user writes). Returns the numbers of the tickets newly flagged."""
    now = core.clock.now()
    flagged: list[str] = []
    with core.transaction() as db:
        tickets = db.scalars(
            select(Ticket).where(
                Ticket.requester_chat_id == chat_id,
                Ticket.status.in_((*OPEN_STATUSES, TicketStatus.RESOLU)),
                Ticket.requester_blocked.is_(False),
            )
        ).all()
        for ticket in tickets:
            ticket.requester_blocked = True
            add_event(db, ticket, now, "requester_blocked", old="non", new="oui")
            add_message(db, ticket, now, texts.NOTE_BLOCKED, author_kind=AuthorKind.SYSTEM,
                        internal=True)
            flagged.append(ticket.number or "")
        db.execute(
            update(Delivery)
            .where(Delivery.chat_id == chat_id,
                   Delivery.status.in_((DeliveryStatus.PENDING, DeliveryStatus.SENDING)))
            .values(status=DeliveryStatus.FAILED, last_error=BLOCKED_ERROR, lease_until=None)
            .execution_options(synchronize_session=False)
        )
    return flagged
