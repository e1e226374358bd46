"""The audit trail: every change of a ticket, who made it, when, old → new."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tickets.access import Operator
from tickets.models import AuthorKind, StaffAccount, Ticket, TicketEvent


def actor_fields(actor: StaffAccount | Operator | None, kind: AuthorKind | None = None) -> dict[str, Any]:
    if isinstance(actor, StaffAccount):
        return {"actor_kind": AuthorKind.STAFF, "staff_id": actor.id, "actor_label": actor.login}
    if isinstance(actor, Operator):
        return {"actor_kind": AuthorKind.SYSTEM, "staff_id": None, "actor_label": actor.login}
    if kind is AuthorKind.REQUESTER:
        return {"actor_kind": AuthorKind.REQUESTER, "staff_id": None, "actor_label": "demandeur"}
    return {"actor_kind": AuthorKind.SYSTEM, "staff_id": None, "actor_label": "système"}



def add_event(
    db: Session,
    ticket: Ticket,
    now: datetime,
    action: str,
    *,
    actor: StaffAccount | Operator | None = None,
    actor_kind: AuthorKind | None = None,
    old: object = None,
    new: object = None,
    detail: str | None = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        at=now,
        action=action,
        old_value=None if old is None else str(old)[:200],
        new_value=None if new is None else str(new)[:200],
        detail=detail,
        **actor_fields(actor, actor_kind),
    )
    db.add(event)
    ticket.updated_at = now
    return event
