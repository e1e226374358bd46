"""Who may act on what, and finding things: the operator (command line), queues
(created on demand from :mod:`tickets.queues`), staff accounts and their queues
(R-ACT-2), ticket references, the requester's own tickets, queues that have staff."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ceres_core.core import Core
from ceres_core.errors import CeresError, NotFound, RuleViolation
from tickets import texts
from tickets.models import Queue, StaffAccount, StaffQueue, Ticket, TicketStatus
from tickets.queues import QueueSpec, queue_spec


class Operator:
    """The command line on the server: sees every queue (read-only listings)."""

    login = "operateur"
    display_name = "Opérateur (ligne de commande)"

    def __repr__(self) -> str:  # pragma: no cover
        return "OPERATOR"


OPERATOR = Operator()


StaffRef = str | Operator



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
