"""What the services return: plain, frozen views of tickets, queues and messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from tickets.hours import opening_time_between
from tickets.models import PRIORITY_LABELS, STATUS_LABELS, Queue, Ticket, TicketStatus
from tickets.sla import reopen_until, schedule_of


@dataclass(frozen=True)

class TicketOpened:
    """The escalation succeeded: tell the user ``number`` (already committed)."""

    ticket_id: int
    number: str
    queue: str
    queue_name: str
    explanation: str



@dataclass(frozen=True)

class TicketSummary:
    id: int
    number: str
    subject: str
    status: str
    status_label: str
    priority: str
    queue: str
    queue_name: str
    assignee: str | None
    requester_name: str
    created_at: datetime
    updated_at: datetime
    handled_by_human: bool
    requester_away: bool
    requester_blocked: bool
    #: Until when the requester's answer reopens it (a *résolu* ticket), else ``None``.
    reopen_until: datetime | None = None
    #: Login of the assigned staff member (``None``: nobody).
    assignee_login: str | None = None
    #: The requester wrote since the last public reply (« le demandeur a répondu »).
    requester_replied: bool = False

    @property
    def queue_phrases(self) -> dict[str, str]:
        """The queue in a sentence, with its article: ``a_queue`` (« à l'Assistance des
        ministères », « au GEV BTP »), ``de_queue``, ``depuis_queue``, ``queue_subject``
        (:func:`tickets.texts.queue_values`): front ends write « Message transmis
        {a_queue} », never « à » + the bare name."""
        from tickets.texts import queue_code_values

        return queue_code_values(self.queue, self.queue_name)



@dataclass(frozen=True)

class SlaView:
    first_response_due: datetime | None
    resolution_due: datetime | None
    paused: bool
    first_response_at: datetime | None
    first_response_met: bool | None
    resolved_at: datetime | None
    resolution_met: bool | None
    #: Opening minutes left before the next due date (negative: overdue); None if paused.
    remaining_minutes: int | None
    overdue: bool



@dataclass(frozen=True)

class QueueRow:
    ticket: TicketSummary
    sla: SlaView
    #: Changed since the staff member last opened it (or never opened).
    unread: bool = False



@dataclass(frozen=True)

class QueuePage:
    queue: str | None
    queue_name: str | None
    items: list[QueueRow]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))



@dataclass(frozen=True)

class MessageView:
    id: int
    author_kind: str
    author: str
    internal: bool
    text: str
    created_at: datetime
    #: Files of the message (:class:`tickets.attachments.AttachmentView`).
    attachments: tuple = ()



@dataclass(frozen=True)

class EventView:
    at: datetime
    actor: str
    action: str
    old: str | None
    new: str | None
    detail: str | None



@dataclass(frozen=True)

class TicketDetail:
    ticket: TicketSummary
    sla: SlaView
    category: str | None
    routing_explanation: str
    context: dict[str, Any]
    requester_login: str | None
    parent_number: str | None
    messages: list[MessageView] = field(default_factory=list)
    events: list[EventView] = field(default_factory=list)
    rating: int | None = None
    rating_comment: str | None = None



def summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(
        id=ticket.id,
        number=ticket.number or "",
        subject=ticket.subject,
        status=ticket.status.value,
        status_label=STATUS_LABELS[ticket.status],
        priority=PRIORITY_LABELS[ticket.priority],
        queue=ticket.queue.code,
        queue_name=ticket.queue.name,
        assignee=ticket.assignee.display_name if ticket.assignee else None,
        requester_name=ticket.requester_name,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        handled_by_human=ticket.handled_by_human,
        requester_away=ticket.requester_away,
        requester_blocked=ticket.requester_blocked,
        reopen_until=reopen_until(ticket),
        assignee_login=ticket.assignee.login if ticket.assignee else None,
        requester_replied=ticket.requester_replied_at is not None,
    )



def sla_view(ticket: Ticket, queue: Queue, now: datetime) -> SlaView:
    due = ticket.first_response_due if ticket.first_response_at is None else ticket.resolution_due
    if ticket.status not in (TicketStatus.NOUVEAU, TicketStatus.EN_COURS):
        due = None
    remaining = None
    if due is not None:
        remaining = int(opening_time_between(schedule_of(queue), now, due).total_seconds() // 60)
    return SlaView(
        first_response_due=ticket.first_response_due,
        resolution_due=ticket.resolution_due,
        paused=ticket.paused_since is not None,
        first_response_at=ticket.first_response_at,
        first_response_met=ticket.first_response_met,
        resolved_at=ticket.resolved_at,
        resolution_met=ticket.resolution_met,
        remaining_minutes=remaining,
        overdue=due is not None and due < now,
    )



def jsonable(value: Any) -> Any:
    """Dataclass views → JSON-ready dicts (ISO datetimes)."""
    if hasattr(value, "__dataclass_fields__"):
        extra = {"pages": value.pages} if isinstance(value, QueuePage) else {}
        value = {**asdict(value), **extra}
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
