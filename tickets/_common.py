"""Shared internals of the helpdesk services: lookups, access checks, SLA bookkeeping,
audit events, public messages with their outbox entry, and the views returned.

Not a public API: front ends call the functions of ``tickets.services``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ceres_core.core import Core
from ceres_core.errors import CeresError, InvalidInput, NotFound, RuleViolation
from tickets import texts
from tickets.hours import Schedule, due_at, opening_time_between
from tickets.models import (
    PRIORITY_LABELS,
    STATUS_LABELS,
    AuthorKind,
    Delivery,
    DeliveryStatus,
    Priority,
    Queue,
    StaffAccount,
    StaffQueue,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)
from tickets.queues import QueueSpec, queue_spec

T = TypeVar("T")


def retry_if_locked(fn: Callable[[], T], attempts: int = 5) -> T:
    """SQLite may refuse a write at once ("database is locked") instead of waiting
    when two writers cross; retry a few times, then give a French message."""
    for attempt in range(attempts):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc).lower() or attempt == attempts - 1:
                if "locked" in str(exc).lower():
                    raise CeresError(texts.ERR_BUSY) from None
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover



#: Longest text a staff member or requester may send (Telegram's limit is 4096).
MAX_TEXT = 3500


class Operator:
    """The command line on the server: sees every queue (read-only listings)."""

    login = "operateur"
    display_name = "Opérateur (ligne de commande)"

    def __repr__(self) -> str:  # pragma: no cover
        return "OPERATOR"


OPERATOR = Operator()
StaffRef = str | Operator


# -- queues -------------------------------------------------------------------------------


def queue_by_code(db: Session, code: str) -> Queue:
    """A stored queue; :class:`NotFound` if it was never created."""
    spec = queue_spec(code)
    queue = db.scalar(select(Queue).where(Queue.code == spec.code))
    if queue is None:
        raise NotFound(f"La file « {spec.code} » n'a encore aucun ticket ni membre.")
    return queue


def ensure_queues(core: Core, codes: Iterable[str]) -> None:
    """Create the standard queues ``codes`` that are not stored yet (own transaction).

    Queues are created on demand (e.g. ``ud-29`` on its first ticket) from
    :func:`tickets.queues.queue_spec`; two processes creating the same queue at
    once is harmless: the loser retries and finds it.
    """
    specs = {spec.code: spec for spec in (queue_spec(c) for c in codes)}
    for attempt in range(3):
        try:
            with core.transaction() as db:
                existing = set(db.scalars(select(Queue.code).where(Queue.code.in_(specs))))
                for code, spec in specs.items():
                    if code not in existing:
                        db.add(_new_queue(spec))
            return
        except IntegrityError:
            if attempt == 2:
                raise


def _new_queue(spec: QueueSpec) -> Queue:
    targets = spec.targets
    return Queue(
        code=spec.code,
        name=spec.name,
        kind=spec.kind,
        hours={k: [list(i) for i in v] for k, v in spec.hours.items()},
        timezone=spec.timezone,
        departement=spec.departement,
        region=spec.region,
        contact=spec.contact,
        first_response_minutes=targets.first_response_minutes,
        resolution_minutes=targets.resolution_minutes,
        reopen_days=targets.reopen_days,
        active=True,
    )


def staffed_queue_codes(db: Session) -> frozenset[str]:
    """Codes of the queues with at least one active staff member."""
    return frozenset(db.scalars(
        select(Queue.code)
        .join(StaffQueue, StaffQueue.queue_id == Queue.id)
        .join(StaffAccount, StaffAccount.id == StaffQueue.staff_id)
        .where(StaffAccount.active.is_(True))
        .distinct()
    ))


def schedule_of(queue: Queue) -> Schedule:
    return Schedule.from_spec(queue.hours, queue.timezone, queue.departement)


# -- staff and access ---------------------------------------------------------------------


def load_staff(db: Session, login: str) -> StaffAccount:
    staff = db.scalar(select(StaffAccount).where(StaffAccount.login == (login or "").strip().lower()))
    if staff is None or not staff.active:
        raise NotFound(texts.ERR_STAFF_UNKNOWN.format(login=login))
    return staff


def staff_queue_ids(staff: StaffAccount | Operator) -> set[int] | None:
    """Ids of the staff member's queues; ``None`` for the operator (all queues)."""
    if isinstance(staff, Operator):
        return None
    return {q.id for q in staff.queues}


def resolve_actor(db: Session, staff: StaffRef) -> StaffAccount | Operator:
    return staff if isinstance(staff, Operator) else load_staff(db, staff)


def require_ticket_access(staff: StaffAccount | Operator, ticket: Ticket) -> None:
    """R-ACT-2 for the helpdesk: a staff member acts only on the tickets of their queues."""
    allowed = staff_queue_ids(staff)
    if allowed is not None and ticket.queue_id not in allowed:
        raise RuleViolation(
            "R-ACT-2",
            texts.ERR_NOT_YOUR_QUEUE.format(number=ticket.number, queue=ticket.queue.name),
            staff=staff.login,
        )


def require_queue_access(staff: StaffAccount | Operator, queue: Queue) -> None:
    allowed = staff_queue_ids(staff)
    if allowed is not None and queue.id not in allowed:
        raise RuleViolation("R-ACT-2", texts.ERR_QUEUE_FORBIDDEN.format(queue=queue.name))


# -- tickets ------------------------------------------------------------------------------

_NUMBER = re.compile(r"^\s*#?\s*(?:T-(\d{4})-)?0*(\d+)\s*$", re.IGNORECASE)


def ticket_number(year: int, ticket_id: int) -> str:
    return f"T-{year}-{ticket_id:06d}"


def parse_ticket_ref(ref: int | str) -> int:
    """``"T-2026-000123"``, ``"#123"``, ``"123"`` or ``123`` → ``123``."""
    if isinstance(ref, int):
        return ref
    match = _NUMBER.match(ref or "")
    if not match:
        raise NotFound(texts.ERR_TICKET_NOT_FOUND.format(ref=ref))
    return int(match[2])


def get_ticket(db: Session, ref: int | str, *, for_update: bool = False) -> Ticket:
    ticket_id = parse_ticket_ref(ref)
    stmt = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        stmt = stmt.with_for_update(of=Ticket)
    ticket = db.scalar(stmt)
    if ticket is None or (isinstance(ref, str) and ref.upper().startswith("T-") and ticket.number != ref.strip().upper()):
        raise NotFound(texts.ERR_TICKET_NOT_FOUND.format(ref=ref))
    return ticket


def get_requester_ticket(db: Session, chat_id: int, ref: int | str, *, for_update: bool = False) -> Ticket:
    """A requester's own ticket; another chat's ticket is simply not found."""
    ticket = get_ticket(db, ref, for_update=for_update)
    if ticket.requester_chat_id != chat_id:
        raise NotFound(texts.ERR_TICKET_NOT_FOUND.format(ref=ref))
    return ticket


def require_open(ticket: Ticket) -> None:
    if ticket.status is TicketStatus.CLOS:
        raise CeresError(texts.ERR_CLOSED.format(number=ticket.number))


def clean_text(text: str | None, limit: int = MAX_TEXT) -> str:
    value = (text or "").strip()
    if not value:
        raise InvalidInput(texts.ERR_EMPTY_TEXT)
    if len(value) > limit:
        raise InvalidInput(texts.ERR_TEXT_TOO_LONG.format(length=len(value), limit=limit))
    return value


def parse_status(value: str | TicketStatus) -> TicketStatus:
    """Accept the internal code or the French label, with or without accents."""
    if isinstance(value, TicketStatus):
        return value
    key = _fold(value)
    for status, label in STATUS_LABELS.items():
        if key in (_fold(status.value), _fold(label)):
            return status
    aliases = {"en attente": TicketStatus.EN_ATTENTE, "attente": TicketStatus.EN_ATTENTE,
               "ferme": TicketStatus.CLOS, "cloture": TicketStatus.CLOS}
    if key in aliases:
        return aliases[key]
    raise InvalidInput(texts.ERR_STATUS_UNKNOWN.format(value=value))


def parse_priority(value: str | Priority) -> Priority:
    if isinstance(value, Priority):
        return value
    key = _fold(value)
    for p in Priority:
        if key == p.value:
            return p
    raise InvalidInput(texts.ERR_PRIORITY_UNKNOWN.format(value=value))


def _fold(value: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", (value or "").strip().lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s_\-]+", " ", plain)


# -- SLA bookkeeping ------------------------------------------------------------------------


def start_sla(ticket: Ticket, queue: Queue) -> None:
    sched = schedule_of(queue)
    ticket.first_response_due = due_at(sched, ticket.created_at, queue.first_response_minutes)
    ticket.resolution_due = due_at(sched, ticket.created_at, queue.resolution_minutes)


def active_time(ticket: Ticket, queue: Queue, at: datetime) -> timedelta:
    """Opening time the ticket has spent with its clock running, up to ``at``."""
    sched = schedule_of(queue)
    total = opening_time_between(sched, ticket.created_at, at) - timedelta(seconds=ticket.paused_seconds)
    if ticket.paused_since is not None:
        total -= opening_time_between(sched, ticket.paused_since, at)
    return max(total, timedelta(0))


def pause_sla(ticket: Ticket, now: datetime) -> None:
    if ticket.paused_since is None:
        ticket.paused_since = now
        ticket.first_response_due = None
        ticket.resolution_due = None


def resume_sla(ticket: Ticket, queue: Queue, now: datetime) -> None:
    sched = schedule_of(queue)
    if ticket.paused_since is not None:
        paused = opening_time_between(sched, ticket.paused_since, now)
        ticket.paused_seconds += int(paused.total_seconds())
        ticket.paused_since = None
    extra = timedelta(seconds=ticket.paused_seconds)
    if ticket.first_response_at is None:
        ticket.first_response_due = due_at(
            sched, ticket.created_at, timedelta(minutes=queue.first_response_minutes) + extra
        )
    if ticket.resolved_at is None:
        ticket.resolution_due = due_at(
            sched, ticket.created_at, timedelta(minutes=queue.resolution_minutes) + extra
        )


def record_first_response(ticket: Ticket, queue: Queue, now: datetime) -> None:
    if ticket.first_response_at is not None:
        return
    spent = active_time(ticket, queue, now)
    ticket.first_response_at = now
    ticket.first_response_seconds = int(spent.total_seconds())
    ticket.first_response_met = spent <= timedelta(minutes=queue.first_response_minutes)


def record_resolution(ticket: Ticket, queue: Queue, now: datetime) -> None:
    spent = active_time(ticket, queue, now)
    ticket.resolved_at = now
    ticket.resolution_seconds = int(spent.total_seconds())
    ticket.resolution_met = spent <= timedelta(minutes=queue.resolution_minutes)


def clear_resolution(ticket: Ticket) -> None:
    ticket.resolved_at = None
    ticket.resolution_seconds = None
    ticket.resolution_met = None


# -- audit and messages ----------------------------------------------------------------------


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


# -- views ------------------------------------------------------------------------------------


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


def reopen_until(ticket: Ticket) -> datetime | None:
    """The end of the reopening delay of a *résolu* ticket (``Queue.reopen_days``)."""
    if ticket.status is not TicketStatus.RESOLU or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + timedelta(days=ticket.queue.reopen_days)


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
