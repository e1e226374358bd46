"""What support staff do with tickets: claim, reply, change status / priority /
assignee / queue, hand the conversation back to the bot, read a ticket, list a
queue. Every function first loads the staff member and checks that the ticket
belongs to one of their queues (R-ACT-2); the command line may act as
:data:`~tickets._common.OPERATOR` for read-only listings.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ceres_core.core import Core
from ceres_core.errors import CeresError, InvalidInput, NotFound, RuleViolation
from tickets import texts
from tickets._common import (
    EventView,
    MessageView,
    QueuePage,
    QueueRow,
    StaffRef,
    TicketDetail,
    TicketSummary,
    add_event,
    add_message,
    announce,
    clean_text,
    clear_resolution,
    ensure_queues,
    get_ticket,
    load_staff,
    parse_priority,
    parse_status,
    pause_sla,
    queue_by_code,
    record_first_response,
    record_resolution,
    require_open,
    require_queue_access,
    require_ticket_access,
    resolve_actor,
    resume_sla,
    retry_if_locked,
    schedule_of,
    sla_view,
    staff_queue_ids,
    staffed_queue_codes,
    summary,
)
from tickets.attachments import new_attachment, ticket_attachments
from tickets.hours import due_at
from tickets.models import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    RUNNING_STATUSES,
    STATUS_LABELS,
    AuthorKind,
    Priority,
    Queue,
    Rating,
    StaffAccount,
    StaffQueue,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketRead,
    TicketStatus,
)
from tickets.search import ticket_search_conditions


@dataclass(frozen=True)
class ReplyResult:
    ticket: TicketSummary
    message_id: int
    delivery_id: int | None


# -- claim and assignment ----------------------------------------------------------------------


@contextmanager
def _open_ticket_for(
    core: Core, staff: str, ticket_id: int | str, *, lock: bool = True
) -> Iterator[tuple[Session, StaffAccount, Ticket]]:
    """One staff operation on an open ticket: the member is loaded, the ticket (locked
    by default) must be in one of their queues and not *clos*; then the caller acts."""
    with core.transaction() as db:
        actor = load_staff(db, staff)
        ticket = get_ticket(db, ticket_id, for_update=lock)
        require_ticket_access(actor, ticket)
        require_open(ticket)
        yield db, actor, ticket


def claim(core: Core, staff: str, ticket_id: int | str) -> TicketSummary:
    """Take an unassigned ticket. Of two staff members claiming at once exactly one wins:
    the assignment is a conditional ``UPDATE … WHERE assignee_id IS NULL`` whose row
    count decides; the other gets a French refusal naming the winner."""
    return retry_if_locked(lambda: _claim(core, staff, ticket_id))


def _claim(core: Core, staff: str, ticket_id: int | str) -> TicketSummary:
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id, lock=False) as (db, actor, ticket):
        if ticket.assignee_id == actor.id:
            return summary(ticket)
        if ticket.assignee_id is None:
            won = db.execute(
                update(Ticket)
                .where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None))
                .values(assignee_id=actor.id, handled_by_human=True, requester_away=False,
                        updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
        else:
            won = False
        db.refresh(ticket)
        if not won:
            holder = ticket.assignee.display_name if ticket.assignee else "un collègue"
            raise CeresError(texts.ERR_ALREADY_CLAIMED.format(number=ticket.number, staff=holder))
        add_event(db, ticket, now, "assignee", actor=actor, old=None, new=actor.login,
                  detail="prise en charge")
        if ticket.status is TicketStatus.NOUVEAU:
            _change_status(db, ticket, actor, TicketStatus.EN_COURS, now, announce_it=False)
        announce(db, ticket, now, texts.TAKEN_OVER)
        return summary(ticket)


def assign(core: Core, staff: str, ticket_id: int | str, assignee: str | None) -> TicketSummary:
    """Give the ticket to a member of its queue (or to nobody with ``None``)."""
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id) as (db, actor, ticket):
        target: StaffAccount | None = None
        if assignee:
            target = load_staff(db, assignee)
            if ticket.queue_id not in (staff_queue_ids(target) or set()):
                raise InvalidInput(texts.ERR_ASSIGNEE_NOT_MEMBER.format(
                    staff=target.display_name, queue=ticket.queue.name))
        old = ticket.assignee.login if ticket.assignee else None
        new = target.login if target else None
        if old == new:
            return summary(ticket)
        ticket.assignee = target
        ticket.assignee_id = target.id if target else None
        add_event(db, ticket, now, "assignee", actor=actor, old=old, new=new)
        if target is not None:
            ticket.handled_by_human = True
            ticket.requester_away = False
            if ticket.status is TicketStatus.NOUVEAU:
                _change_status(db, ticket, actor, TicketStatus.EN_COURS, now, announce_it=False)
            if old is None:  # as when claimed: the requester learns a person has it
                announce(db, ticket, now, texts.TAKEN_OVER)
        else:
            ticket.handled_by_human = False
        return summary(ticket)


# -- messages -----------------------------------------------------------------------------------


def staff_reply(
    core: Core, staff: str, ticket_id: int | str, text: str, *, internal: bool = False,
    status: TicketStatus | str | None = None, file=None,
) -> ReplyResult:
    """A public reply (queued for the requester's chat) or an internal note.

    The first public reply records the first-response time; replying to an
    unassigned ticket takes it (if nobody took it meanwhile). ``status``: then change
    the ticket's status in the same transaction (a macro's « puis résolu »), the
    requester being told after the reply. ``file``: a ``(CheckedFile, storage key)``
    stored with the message (:func:`tickets.attachments.staff_reply_with_file`).
    """
    body = clean_text(text)
    new_status = parse_status(status) if status else None
    return retry_if_locked(lambda: _staff_reply(core, staff, ticket_id, body, internal, new_status,
                                                file))


def _staff_reply(core: Core, staff: str, ticket_id: int | str, body: str, internal: bool,
                 new_status: TicketStatus | None = None, file=None) -> ReplyResult:
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id) as (db, actor, ticket):
        if internal:
            message, _ = add_message(db, ticket, now, body, author_kind=AuthorKind.STAFF,
                                     staff=actor, internal=True)
            if file is not None:
                new_attachment(db, ticket.id, message.id, "staff", file[0], file[1], now, actor.id)
            add_event(db, ticket, now, "note", actor=actor, new=f"message {message.id}")
            return ReplyResult(summary(ticket), message.id, None)
        if ticket.assignee_id is None:
            taken = db.execute(
                update(Ticket)
                .where(Ticket.id == ticket.id, Ticket.assignee_id.is_(None))
                .values(assignee_id=actor.id)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            db.refresh(ticket)
            if taken:
                add_event(db, ticket, now, "assignee", actor=actor, new=actor.login,
                          detail="prise en charge par une réponse")
        if ticket.status in OPEN_STATUSES:
            ticket.handled_by_human = True
        if ticket.status is TicketStatus.NOUVEAU:
            _change_status(db, ticket, actor, TicketStatus.EN_COURS, now, announce_it=False)
        record_first_response(ticket, ticket.queue, now)
        ticket.requester_replied_at = None
        deliver = texts.STAFF_REPLY.format(number=ticket.number, text=body, staff=actor.display_name)
        message, delivery = add_message(db, ticket, now, body, author_kind=AuthorKind.STAFF,
                                        staff=actor, deliver_text=deliver)
        if file is not None:
            row = new_attachment(db, ticket.id, message.id, "staff", file[0], file[1], now, actor.id)
            if delivery is not None:
                delivery.attachment_id = row.id
        add_event(db, ticket, now, "reply", actor=actor, new=f"message {message.id}")
        if new_status is not None and new_status is not ticket.status:
            _change_status(db, ticket, actor, new_status, now)
        db.flush()
        return ReplyResult(summary(ticket), message.id, delivery.id if delivery else None)


# -- status, priority, queue, ownership ---------------------------------------------------------


def _change_status(
    db, ticket: Ticket, actor: StaffAccount | None, new: TicketStatus, now, *, announce_it: bool = True
) -> None:
    """Apply a status change with its SLA effects, audit event and announcement."""
    old = ticket.status
    queue = ticket.queue
    running_before = old in (TicketStatus.NOUVEAU, TicketStatus.EN_COURS)
    if old is TicketStatus.RESOLU and new is not TicketStatus.CLOS:
        clear_resolution(ticket)
    if new is TicketStatus.RESOLU:
        record_resolution(ticket, queue, now)
    ticket.status = new
    if new in (TicketStatus.NOUVEAU, TicketStatus.EN_COURS):
        if not running_before:
            resume_sla(ticket, queue, now)
    else:
        pause_sla(ticket, now)
    if new is TicketStatus.CLOS:
        ticket.closed_at = now
    if new in (TicketStatus.RESOLU, TicketStatus.CLOS):
        ticket.handled_by_human = False
    add_event(db, ticket, now, "status", actor=actor, old=old.value, new=new.value)
    if announce_it:
        template = texts.STATUS_ANNOUNCES[new]
        if new is TicketStatus.RESOLU and not _has_public_reply(db, ticket):
            # Nothing was ever answered: the requester is not told an answer was received.
            template = texts.RESOLVED_WITHOUT_REPLY
        announce(db, ticket, now, template)


def _has_public_reply(db, ticket: Ticket) -> bool:
    """Whether the support ever sent the requester a reply on this ticket."""
    return db.scalar(select(TicketMessage.id).where(
        TicketMessage.ticket_id == ticket.id, TicketMessage.internal.is_(False),
        TicketMessage.author_kind == AuthorKind.STAFF).limit(1)) is not None


def set_status(core: Core, staff: str, ticket_id: int | str, status: TicketStatus | str) -> TicketSummary:
    """Change the status; the requester is told. *clos* is final. *En attente du
    demandeur* and *résolu* pause the SLA clock; leaving them resumes it."""
    new = parse_status(status)
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id) as (db, actor, ticket):
        if ticket.status is new:
            raise CeresError(texts.ERR_SAME_STATUS.format(number=ticket.number,
                                                          status=STATUS_LABELS[new]))
        _change_status(db, ticket, actor, new, now)
        return summary(ticket)


def set_priority(core: Core, staff: str, ticket_id: int | str, priority: Priority | str) -> TicketSummary:
    new = parse_priority(priority)
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id) as (db, actor, ticket):
        if ticket.priority is not new:
            add_event(db, ticket, now, "priority", actor=actor, old=ticket.priority.value,
                      new=new.value)
            ticket.priority = new
        return summary(ticket)


def hand_back_to_bot(core: Core, staff: str, ticket_id: int | str) -> TicketSummary:
    """The bot answers the user's messages again; the ticket itself stays as it is."""
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id) as (db, actor, ticket):
        if ticket.handled_by_human:
            ticket.handled_by_human = False
            add_event(db, ticket, now, "owner", actor=actor, old="support", new="assistant")
            announce(db, ticket, now, texts.HANDED_BACK)
        return summary(ticket)


def move_to_queue(
    core: Core, staff: str, ticket_id: int | str, queue: str, reason: str | None = None
) -> TicketSummary:
    """Send a misrouted ticket to another queue (unassigned there; the SLA due dates
    are recomputed on the new queue's hours and targets from the creation time)."""
    ensure_queues(core, [queue])
    now = core.clock.now()
    with _open_ticket_for(core, staff, ticket_id) as (db, actor, ticket):
        target = queue_by_code(db, queue)
        if target.id == ticket.queue_id:
            return summary(ticket)
        if target.code not in staffed_queue_codes(db):
            raise CeresError(texts.ERR_QUEUE_UNSTAFFED.format(queue=target.name))
        old = ticket.queue.code
        old_values = texts.queue_values(ticket.queue.kind, ticket.queue.name)
        ticket.queue_id = target.id
        ticket.queue = target
        ticket.assignee_id = None
        ticket.assignee = None
        ticket.handled_by_human = False
        if ticket.status is TicketStatus.EN_COURS:
            ticket.status = TicketStatus.NOUVEAU
        if ticket.paused_since is None:
            resume_sla(ticket, target, now)
        add_event(db, ticket, now, "queue", actor=actor, old=old, new=target.code, detail=reason)
        if reason:
            add_message(db, ticket, now, texts.NOTE_TRANSFER.format(
                            depuis_queue=old_values["depuis_queue"], reason=reason.strip()),
                        author_kind=AuthorKind.STAFF, staff=actor, internal=True)
        announce(db, ticket, now, texts.MOVED)
        return summary(ticket)


def merge_tickets(core: Core, staff: str, duplicate: int | str, into: int | str) -> TicketSummary:
    """Merge a duplicate into another ticket of the same requester: the duplicate is
    closed (its messages stay on it, a copy goes to the kept ticket as an internal
    note), replies to its messages in the chat now thread to the kept ticket, and
    the requester is told. Both must be in the staff member's queues."""
    from tickets.models import ChatMessageLink

    now = core.clock.now()
    with core.transaction() as db:
        actor = load_staff(db, staff)
        source = get_ticket(db, duplicate, for_update=True)
        require_ticket_access(actor, source)
        try:
            target = get_ticket(db, into, for_update=True)
            require_ticket_access(actor, target)
        except (NotFound, RuleViolation):
            # R-ACT-2: a ticket of another queue is answered like one that does not
            # exist (nothing is said about other queues), as a refusal of the typed value.
            raise InvalidInput(texts.ERR_MERGE_TARGET.format(
                ref=" ".join(str(into).split())[:40])) from None
        for t in (source, target):
            require_open(t)
        if source.id == target.id:
            raise CeresError(texts.ERR_MERGE_SAME.format(number=source.number))
        if source.requester_chat_id != target.requester_chat_id:
            raise CeresError(texts.ERR_MERGE_REQUESTER.format(source=source.number,
                                                              target=target.number))
        public = db.scalars(select(TicketMessage).where(
            TicketMessage.ticket_id == source.id, TicketMessage.internal.is_(False))
            .order_by(TicketMessage.id)).all()
        lines = [texts.NOTE_MERGED_INTO.format(source=source.number,
                                                subject=texts.quoted(source.subject))]
        for m in public:
            who = {"requester": source.requester_name, "system": "CERES Assist"}.get(
                m.author_kind.value) or (m.staff.display_name if m.staff else "Support")
            lines.append(f"[{m.created_at:%d/%m/%Y %H:%M}] {who} : {m.text}")
        add_message(db, target, now, "\n".join(lines)[:20000], author_kind=AuthorKind.SYSTEM,
                    internal=True)
        add_event(db, target, now, "merge", actor=actor, old=source.number, new=target.number)
        db.execute(update(ChatMessageLink).where(ChatMessageLink.ticket_id == source.id)
                   .values(ticket_id=target.id).execution_options(synchronize_session=False))
        announce(db, source, now, texts.MERGED, target=target.number)
        source.context = {**dict(source.context or {}), "merged_into": target.number}
        _change_status(db, source, actor, TicketStatus.CLOS, now, announce_it=False)
        add_event(db, source, now, "merge", actor=actor, old=source.number, new=target.number,
                  detail="doublon fusionné")
        return summary(target)


@dataclass(frozen=True)
class BulkResult:
    """What a bulk action did: the tickets changed, and those refused with why."""

    done: list[str]
    refused: list[tuple[str, str]]


def bulk_update(
    core: Core, staff: str, numbers: list[str], *, assignee: str | None = None,
    status: TicketStatus | str | None = None, queue: str | None = None,
) -> BulkResult:
    """One action on several tickets (assign — ``"-"`` for nobody —, status, or queue),
    each through the same service as alone, each in its own transaction: a refused
    one (not in the member's queues, same status…) does not stop the others."""
    actions = [a for a in (assignee, status, queue) if a]
    if len(actions) != 1:
        raise InvalidInput(texts.ERR_BULK_ONE_ACTION)
    done: list[str] = []
    refused: list[tuple[str, str]] = []
    for number in dict.fromkeys(n.strip() for n in numbers if n and n.strip()):
        try:
            if assignee:
                assign(core, staff, number, None if assignee == "-" else assignee)
            elif status:
                set_status(core, staff, number, status)
            else:
                move_to_queue(core, staff, number, queue or "")
        except CeresError as exc:
            refused.append((number, exc.message))
        else:
            done.append(number)
    return BulkResult(done, refused)


def close_expired_resolved(core: Core) -> list[str]:
    """Close the tickets resolved for longer than their queue's reopening delay
    (a periodic job); returns their numbers."""
    now = core.clock.now()
    closed: list[str] = []
    with core.transaction() as db:
        rows = db.scalars(
            select(Ticket).where(Ticket.status == TicketStatus.RESOLU).order_by(Ticket.id)
        ).all()
        from datetime import timedelta

        for ticket in rows:
            if ticket.resolved_at and now > ticket.resolved_at + timedelta(days=ticket.queue.reopen_days):
                _change_status(db, ticket, None, TicketStatus.CLOS, now, announce_it=False)
                closed.append(ticket.number or "")
    return closed


# -- reading --------------------------------------------------------------------------------------


def get_ticket_detail(core: Core, staff: StaffRef, ticket_id: int | str) -> TicketDetail:
    """The whole ticket for staff: context, public messages and internal notes, audit trail."""
    now = core.clock.now()
    with core.transaction() as db:
        actor = resolve_actor(db, staff)
        ticket = get_ticket(db, ticket_id)
        require_ticket_access(actor, ticket)
        messages = db.scalars(
            select(TicketMessage).where(TicketMessage.ticket_id == ticket.id).order_by(TicketMessage.id)
        ).all()
        events = db.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id).order_by(TicketEvent.id)
        ).all()
        rating = db.scalar(select(Rating).where(Rating.ticket_id == ticket.id))
        parent = db.get(Ticket, ticket.parent_id) if ticket.parent_id else None
        files = ticket_attachments(db, ticket.id)
        return TicketDetail(
            ticket=summary(ticket),
            sla=sla_view(ticket, ticket.queue, now),
            category=ticket.category,
            routing_explanation=ticket.routing_explanation,
            context=dict(ticket.context or {}),
            requester_login=ticket.requester_login,
            parent_number=parent.number if parent else None,
            messages=[_staff_view(m, ticket, files.get(m.id, ())) for m in messages],
            events=[EventView(e.at, e.actor_label, e.action, e.old_value, e.new_value, e.detail)
                    for e in events],
            rating=rating.score if rating else None,
            rating_comment=rating.comment if rating else None,
        )


@dataclass(frozen=True)
class RequesterContext:
    """Around a ticket, for staff: the requester's other tickets and their centre's
    (in the staff member's queues), how many more are in other queues, and the CERES
    objects concerned as they are now."""

    requester_tickets: list[TicketSummary]
    centre_tickets: list[TicketSummary]
    hidden_elsewhere: int
    objects: list[tuple[str, str]]


def requester_context(core: Core, staff: StaffRef, ticket_id: int | str,
                      limit: int = 10) -> RequesterContext:
    """The ticket's requester context (R-ACT-2: only tickets of the member's queues are
    shown; the others are only counted)."""
    from tickets.core_facts import centre_logins, objects_state

    with core.transaction() as db:
        actor = resolve_actor(db, staff)
        ticket = get_ticket(db, ticket_id)
        require_ticket_access(actor, ticket)
        allowed = staff_queue_ids(actor)
        mine = or_(Ticket.requester_chat_id == ticket.requester_chat_id,
                   and_(Ticket.requester_login.is_not(None),
                        Ticket.requester_login == ticket.requester_login))
        others = select(Ticket).where(mine, Ticket.id != ticket.id)
        visible = others if allowed is None else others.where(Ticket.queue_id.in_(allowed or [-1]))
        requester_rows = db.scalars(visible.order_by(Ticket.id.desc()).limit(limit)).all()
        total = db.scalar(select(func.count()).select_from(others.subquery())) or 0
        shown_total = db.scalar(select(func.count()).select_from(visible.subquery())) or 0
        colleagues = [x for x in centre_logins(db, ticket.requester_login) if x != ticket.requester_login]
        centre_rows = []
        if colleagues:
            stmt = select(Ticket).where(Ticket.requester_login.in_(colleagues), ~mine)
            if allowed is not None:
                stmt = stmt.where(Ticket.queue_id.in_(allowed or [-1]))
            centre_rows = db.scalars(stmt.order_by(Ticket.id.desc()).limit(limit)).all()
        return RequesterContext(
            [summary(t) for t in requester_rows], [summary(t) for t in centre_rows],
            total - shown_total, objects_state(db, dict(ticket.context or {}), ticket.requester_login),
        )


def _staff_view(m: TicketMessage, ticket: Ticket, files=()) -> MessageView:
    if m.author_kind is AuthorKind.REQUESTER:
        author = ticket.requester_name
    elif m.author_kind is AuthorKind.SYSTEM:
        author = "CERES Assist"
    else:
        author = m.staff.display_name if m.staff else "Support"
    return MessageView(m.id, m.author_kind.value, author, m.internal, m.text, m.created_at,
                       tuple(files))


def _status_filter(status: TicketStatus | str | None | list) -> list[TicketStatus] | None:
    """``None``: open statuses; ``"tous"``/``"all"``: no filter; else one or several."""
    if status is None:
        return list(OPEN_STATUSES)
    if isinstance(status, str) and status.strip().lower() in ("tous", "toutes", "all", "*"):
        return None
    if isinstance(status, list | tuple | set):
        return [parse_status(s) for s in status]
    return [parse_status(status)]


#: ``list_queue(assignee=UNASSIGNED)``: the tickets nobody took yet.
UNASSIGNED = "aucun"

_PRIORITY_ORDER = case({p.value: rank for p, rank in PRIORITY_RANK.items()}, value=Ticket.priority)
#: The due date the queue page shows (:func:`tickets._common.sla_view`): the first
#: response's until it is given, then the resolution's; none while the clock is paused.
_NEXT_DUE = case(
    (Ticket.status.not_in(RUNNING_STATUSES), None),
    (Ticket.first_response_at.is_(None), Ticket.first_response_due),
    else_=Ticket.resolution_due,
)


#: ``due`` filters of :func:`list_queue` (values in the dashboard's URLs).
DUE_OVERDUE = "depasse"
DUE_SOON = "moins-1h"


def list_queue(
    core: Core,
    staff: StaffRef,
    queue: str,
    status: TicketStatus | str | list | None = None,
    search: str | None = None,
    page: int = 1,
    page_size: int = 50,
    *,
    priority: Priority | str | None = None,
    assignee: str | None = None,
    due: str | None = None,
) -> QueuePage:
    """One page of a queue, most urgent first — priority, then the due date shown
    (first response until given, then resolution; paused ones last) — with the SLA
    countdown of each row. Open tickets by default; ``status="tous"`` for all.

    ``priority`` keeps one priority; ``assignee`` keeps the tickets of one staff
    login, or the unassigned ones with :data:`UNASSIGNED`. ``due`` keeps the running
    tickets whose next due date passed (:data:`DUE_OVERDUE`) or falls within
    :data:`AT_RISK_MINUTES` opening minutes (:data:`DUE_SOON`), as counted by
    :func:`queue_overview`.
    """
    if due not in (None, "", DUE_OVERDUE, DUE_SOON):
        raise InvalidInput(texts.ERR_DUE_FILTER.format(value=due))
    page = max(1, int(page))
    page_size = min(max(1, int(page_size)), 200)
    statuses = _status_filter(status)
    wanted_priority = parse_priority(priority) if priority else None
    now = core.clock.now()
    with core.transaction() as db:
        actor = resolve_actor(db, staff)
        q = queue_by_code(db, queue)
        require_queue_access(actor, q)
        conditions = [Ticket.queue_id == q.id]
        if statuses is not None:
            conditions.append(Ticket.status.in_(statuses))
        if wanted_priority is not None:
            conditions.append(Ticket.priority == wanted_priority)
        if assignee == UNASSIGNED:
            conditions.append(Ticket.assignee_id.is_(None))
        elif assignee:
            conditions.append(Ticket.assignee_id == load_staff(db, assignee).id)
        conditions += _search_conditions(db, search)
        if due:
            conditions.append(Ticket.status.in_(RUNNING_STATUSES))
            if due == DUE_OVERDUE:
                conditions.append(_next_due_before(now))
            else:
                soon = due_at(schedule_of(q), now, timedelta(minutes=AT_RISK_MINUTES))
                conditions += [~_next_due_before(now), _next_due_before(soon)]
        total = db.scalar(select(func.count()).select_from(Ticket).where(*conditions)) or 0
        rows = db.scalars(
            select(Ticket)
            .where(*conditions)
            .order_by(_PRIORITY_ORDER.desc(), _NEXT_DUE.is_(None), _NEXT_DUE, Ticket.id)
            .offset((page - 1) * page_size)
            .limit(page_size)
        ).all()
        items = _rows(db, actor, rows, now)
        return QueuePage(q.code, q.name, items, total, page, page_size)


def _rows(db: Session, actor, tickets, now) -> list[QueueRow]:
    """Queue rows with their SLA countdown and, for a staff member, the unread marker
    (changed since they last opened it, or never opened)."""
    seen: dict[int, datetime] = {}
    if isinstance(actor, StaffAccount) and tickets:
        seen = dict(db.execute(
            select(TicketRead.ticket_id, TicketRead.seen_at)
            .where(TicketRead.staff_id == actor.id,
                   TicketRead.ticket_id.in_([t.id for t in tickets]))
        ).all())
    return [
        QueueRow(summary(t), sla_view(t, t.queue, now),
                 unread=isinstance(actor, StaffAccount)
                 and (t.id not in seen or t.updated_at > seen[t.id]))
        for t in tickets
    ]


def mark_seen(core: Core, staff: str, ticket_id: int | str) -> None:
    """The staff member opened the ticket: it is no longer unread for them."""
    now = core.clock.now()

    def run() -> None:
        with core.transaction() as db:
            actor = load_staff(db, staff)
            ticket = get_ticket(db, ticket_id)
            require_ticket_access(actor, ticket)
            row = db.get(TicketRead, (actor.id, ticket.id))
            if row is None:
                db.add(TicketRead(staff_id=actor.id, ticket_id=ticket.id, seen_at=now))
            else:
                row.seen_at = max(row.seen_at, now)

    with suppress(IntegrityError):  # the same page opened twice at once: one row is enough
        retry_if_locked(run)


#: A colleague who opened a ticket this recently is shown as working on it.
VIEWER_MINUTES = 10


def ticket_viewers(core: Core, staff: str, ticket_id: int | str) -> list[tuple[str, datetime]]:
    """(name, since) of the colleagues who opened this ticket in the last
    :data:`VIEWER_MINUTES` minutes: a warning that someone else may be answering."""
    now = core.clock.now()
    with core.transaction() as db:
        actor = load_staff(db, staff)
        ticket = get_ticket(db, ticket_id)
        require_ticket_access(actor, ticket)
        rows = db.execute(
            select(StaffAccount.display_name, TicketRead.seen_at)
            .join(TicketRead, TicketRead.staff_id == StaffAccount.id)
            .where(TicketRead.ticket_id == ticket.id, StaffAccount.id != actor.id,
                   StaffAccount.active.is_(True),
                   TicketRead.seen_at >= now - timedelta(minutes=VIEWER_MINUTES))
            .order_by(TicketRead.seen_at.desc())
        ).all()
        return [(name, seen) for name, seen in rows]


def my_work(core: Core, staff: str, limit: int = 200) -> list[QueueRow]:
    """« Mon travail »: the open tickets assigned to the staff member across their
    queues, most urgent first (priority, then the due date shown), with markers."""
    now = core.clock.now()
    with core.transaction() as db:
        actor = load_staff(db, staff)
        rows = db.scalars(
            select(Ticket)
            .where(Ticket.assignee_id == actor.id, Ticket.status.in_(OPEN_STATUSES),
                   Ticket.queue_id.in_(staff_queue_ids(actor) or [-1]))
            .order_by(_PRIORITY_ORDER.desc(), _NEXT_DUE.is_(None), _NEXT_DUE, Ticket.id)
            .limit(limit)
        ).all()
        return _rows(db, actor, rows, now)


@dataclass(frozen=True)
class Change:
    """Something happened to a ticket (an audit event), for the live pages."""

    event_id: int
    ticket_number: str
    queue: str
    action: str


def changes_since(core: Core, after_event_id: int | None, limit: int = 500) -> tuple[int, list[Change]]:
    """The audit events after ``after_event_id`` (``None``: none, just the last id),
    with their ticket's number and queue — what the live queue pages listen to. Any
    instance sees every change: they are read from the database."""
    with core.transaction() as db:
        last = db.scalar(select(func.max(TicketEvent.id))) or 0
        if after_event_id is None or after_event_id >= last:
            return last, []
        rows = db.execute(
            select(TicketEvent.id, Ticket.number, Queue.code, TicketEvent.action)
            .join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .join(Queue, Queue.id == Ticket.queue_id)
            .where(TicketEvent.id > after_event_id)
            .order_by(TicketEvent.id)
            .limit(limit)
        ).all()
        changes = [Change(i, n or "", q, a) for i, n, q, a in rows]
        return (changes[-1].event_id if changes else last), changes


def _search_conditions(db: Session, search: str | None) -> list:
    """The search's conditions in the form the database answers fastest (trigram
    indexes on PostgreSQL: :func:`tickets.search.ticket_search_conditions`)."""
    return ticket_search_conditions(search, trigram=db.get_bind().dialect.name == "postgresql")


def list_tickets(
    core: Core,
    staff: StaffRef,
    *,
    queue: str | None = None,
    status: TicketStatus | str | list | None = None,
    search: str | None = None,
    limit: int = 100,
) -> list[TicketSummary]:
    """Tickets across the actor's queues (all queues for the operator), newest first."""
    statuses = _status_filter(status)
    with core.transaction() as db:
        actor = resolve_actor(db, staff)
        conditions = []
        if queue:
            q = queue_by_code(db, queue)
            require_queue_access(actor, q)
            conditions.append(Ticket.queue_id == q.id)
        allowed = staff_queue_ids(actor)
        if allowed is not None:
            conditions.append(Ticket.queue_id.in_(allowed or [-1]))
        if statuses is not None:
            conditions.append(Ticket.status.in_(statuses))
        conditions += _search_conditions(db, search)
        rows = db.scalars(
            select(Ticket).where(*conditions).order_by(Ticket.id.desc()).limit(limit)
        ).all()
        return [summary(t) for t in rows]


def staff_queues(core: Core, staff: str) -> list[tuple[str, str]]:
    """(code, name) of the staff member's queues."""
    with core.transaction() as db:
        actor = load_staff(db, staff)
        return sorted((q.code, q.name) for q in actor.queues)


def staffed_queues(core: Core) -> frozenset[str]:
    """Codes of the queues that have at least one active staff member (a ticket is
    never routed nor moved to another one: nobody would see it)."""
    with core.transaction() as db:
        return staffed_queue_codes(db)


def queue_info(core: Core, code: str) -> Queue:
    with core.transaction() as db:
        return queue_by_code(db, code)


def queue_members(core: Core, staff: str, queue: str) -> list[tuple[str, str]]:
    """(login, display name) of the active members of a queue of the staff member
    (whom a ticket of that queue can be assigned to), by name."""
    with core.transaction() as db:
        actor = load_staff(db, staff)
        q = queue_by_code(db, queue)
        require_queue_access(actor, q)
        members = db.scalars(
            select(StaffAccount)
            .join(StaffQueue, StaffQueue.staff_id == StaffAccount.id)
            .where(StaffQueue.queue_id == q.id, StaffAccount.active.is_(True))
        ).all()
        return sorted(((m.login, m.display_name) for m in members), key=lambda m: (m[1].lower(), m[0]))


#: A running ticket is "at risk" when its next due date is this close (opening minutes).
AT_RISK_MINUTES = 60


@dataclass(frozen=True)
class QueueOverview:
    """One line of the staff member's queues overview."""

    queue: str
    queue_name: str
    #: Tickets per status (internal codes), every status present.
    counts: dict[str, int]
    open: int
    unassigned: int
    mine: int
    #: Running tickets whose next due date (first response, else resolution) passed.
    overdue: int
    #: Running tickets due within :data:`AT_RISK_MINUTES` opening minutes.
    at_risk: int


def _next_due_before(instant):
    """The ticket's next due date (first response, else resolution) is before ``instant``."""
    first = Ticket.first_response_at.is_(None)
    return or_(
        and_(first, Ticket.first_response_due < instant),
        and_(~first, Ticket.resolution_due < instant),
    )


def queue_overview(core: Core, staff: str) -> list[QueueOverview]:
    """The staff member's queues with their counts by status and SLA alerts, by name.

    Aggregates on the ``(queue_id, status, resolution_due)`` index; "at risk" uses the
    instant at which :data:`AT_RISK_MINUTES` of the queue's opening time will have
    elapsed, so that the count is in opening time like the countdown.
    """
    now = core.clock.now()
    with core.transaction() as db:
        actor = load_staff(db, staff)
        queues = sorted(actor.queues, key=lambda q: q.name.lower())
        ids = [q.id for q in queues]
        counts: dict[int, dict[str, int]] = {q.id: {s.value: 0 for s in TicketStatus} for q in queues}
        for queue_id, status, n in db.execute(
            select(Ticket.queue_id, Ticket.status, func.count())
            .where(Ticket.queue_id.in_(ids or [-1]))
            .group_by(Ticket.queue_id, Ticket.status)
        ):
            counts[queue_id][TicketStatus(status).value] = n
        people = {
            queue_id: (int(unassigned or 0), int(mine or 0))
            for queue_id, unassigned, mine in db.execute(
                select(
                    Ticket.queue_id,
                    func.sum(case((Ticket.assignee_id.is_(None), 1), else_=0)),
                    func.sum(case((Ticket.assignee_id == actor.id, 1), else_=0)),
                )
                .where(Ticket.queue_id.in_(ids or [-1]), Ticket.status.in_(OPEN_STATUSES))
                .group_by(Ticket.queue_id)
            )
        }
        # the instant at which AT_RISK_MINUTES of each queue's opening time will have elapsed
        thresholds = {
            q.id: due_at(schedule_of(q), now, timedelta(minutes=AT_RISK_MINUTES)) for q in queues
        }
        alerts: dict[int, tuple[int, int]] = {}
        # one statement per distinct threshold: queues with the same hours share one
        by_threshold: dict[datetime, list[int]] = {}
        for queue_id, instant in thresholds.items():
            by_threshold.setdefault(instant, []).append(queue_id)
        for instant, queue_ids in by_threshold.items():
            for queue_id, overdue, at_risk in db.execute(
                select(
                    Ticket.queue_id,
                    func.sum(case((_next_due_before(now), 1), else_=0)),
                    func.sum(case((and_(~_next_due_before(now), _next_due_before(instant)), 1),
                                  else_=0)),
                )
                .where(Ticket.queue_id.in_(queue_ids), Ticket.status.in_(RUNNING_STATUSES))
                .group_by(Ticket.queue_id)
            ):
                alerts[queue_id] = (int(overdue or 0), int(at_risk or 0))
        return [
            QueueOverview(
                q.code, q.name, counts[q.id], sum(counts[q.id][s.value] for s in OPEN_STATUSES),
                *people.get(q.id, (0, 0)), *alerts.get(q.id, (0, 0)),
            )
            for q in queues
        ]
