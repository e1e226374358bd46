"""Messages of a ticket and, for the public ones from staff or the system, their entry
in the delivery outbox (same transaction: nothing told that is not stored)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tickets import texts
from tickets.models import AuthorKind, Delivery, DeliveryStatus, StaffAccount, Ticket, TicketMessage


def add_message(
    db: Session,
    ticket: Ticket,
    now: datetime,
    text: str,
    *,
    author_kind: AuthorKind,
    staff: StaffAccount | None = None,
    internal: bool = False,
    deliver_text: str | None = None,
) -> tuple[TicketMessage, Delivery | None]:
    """Store a message; a public message from staff or system also gets an outbox entry.

    ``deliver_text`` is what the requester receives (defaults to ``text``).
    """
    message = TicketMessage(
        ticket_id=ticket.id,
        author_kind=author_kind,
        staff_id=staff.id if staff else None,
        internal=internal,
        text=text,
        created_at=now,
    )
    db.add(message)
    db.flush()
    delivery = None
    if not internal and author_kind is not AuthorKind.REQUESTER:
        blocked = ticket.requester_blocked
        delivery = Delivery(
            ticket_id=ticket.id,
            message_id=message.id,
            chat_id=ticket.requester_chat_id,
            text=deliver_text or text,
            idempotency_key=f"ticket-message-{message.id}",
            status=DeliveryStatus.FAILED if blocked else DeliveryStatus.PENDING,
            attempts=0,
            last_error=BLOCKED_ERROR if blocked else None,
            created_at=now,
        )
        db.add(delivery)
    ticket.updated_at = now
    return message, delivery


#: ``Delivery.last_error`` of an entry held back because the requester blocked the bot.
BLOCKED_ERROR = "blocked"



def announce(db: Session, ticket: Ticket, now: datetime, template: str, **values: Any) -> None:
    """A public system message to the requester (status change, hand-back…)."""
    text = template.format(number=ticket.number, reopen_days=ticket.queue.reopen_days,
                           **texts.queue_values(ticket.queue.kind, ticket.queue.name), **values)
    add_message(db, ticket, now, text, author_kind=AuthorKind.SYSTEM)
