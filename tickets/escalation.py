"""What the requester does: escalate from the chat, write on a ticket, follow it, rate it,
and leave or resume "ticket mode" (while a person handles the ticket, the user's
messages in the conversation go to the ticket: :func:`conversation_owner`).

A requester is identified by the chat id; another chat's ticket is "not found".
Every function commits before it returns, so the bot tells the user only what
is stored.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any

from sqlalchemy import and_, bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError

from ceres_core.core import Core
from ceres_core.errors import CeresError, InvalidInput
from tickets import texts
from tickets._common import (
    BLOCKED_ERROR,
    MAX_TEXT,
    MessageView,
    TicketDetail,
    TicketOpened,
    TicketSummary,
    add_event,
    add_message,
    clean_text,
    clear_resolution,
    ensure_queues,
    get_requester_ticket,
    parse_priority,
    queue_by_code,
    reopen_until,
    resume_sla,
    sla_view,
    staffed_queue_codes,
    start_sla,
    summary,
    ticket_number,
)
from tickets.core_facts import enrich
from tickets.models import (
    OPEN_STATUSES,
    AuthorKind,
    ChatMessageLink,
    Delivery,
    DeliveryStatus,
    Priority,
    Rating,
    Ticket,
    TicketMessage,
    TicketStatus,
)
from tickets.routing import AdviceFirst, RoutingInput, route

#: Transcript kept on a ticket: the last messages, each cut to a reasonable length.
TRANSCRIPT_MAX_MESSAGES = 50
TRANSCRIPT_MAX_CHARS = 2000
SUBJECT_MAX = 120


@dataclass(frozen=True)
class Requester:
    """Who asks: the chat (Telegram chat id), a name, the CERES login if linked."""

    chat_id: int
    display_name: str
    ceres_login: str | None = None


@dataclass
class TicketContext:
    """What the ticket carries from the chat.

    ``transcript``: the conversation so far, oldest first, as ``{"from": "user"|"bot",
    "text": ..., "at": ISO datetime (optional)}``; ``question``: what the user asked
    (the ticket's first message); ``topic`` / ``procedure`` / ``procedure_step``: the
    article or procedure step the user was on; the objects concerned:
    ``session_ref``, ``candidate_ids`` (CERES ids, e.g. duplicate records), ``site_code``.
    """

    question: str | None = None
    transcript: list[dict[str, Any]] = field(default_factory=list)
    topic: str | None = None
    procedure: str | None = None
    procedure_step: str | None = None
    session_ref: str | None = None
    candidate_ids: list[str] = field(default_factory=list)
    site_code: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _context_dict(context: TicketContext | dict[str, Any] | None) -> dict[str, Any]:
    if context is None:
        data: dict[str, Any] = {}
    elif is_dataclass(context):
        data = asdict(context)
    else:
        data = dict(context)
    transcript = []
    for entry in list(data.get("transcript") or [])[-TRANSCRIPT_MAX_MESSAGES:]:
        if isinstance(entry, dict):
            item = {k: str(v) for k, v in entry.items() if v is not None}
        else:  # ("user", "text") pairs
            who, text = entry
            item = {"from": str(who), "text": str(text)}
        item["text"] = item.get("text", "")[:TRANSCRIPT_MAX_CHARS]
        transcript.append(item)
    data["transcript"] = transcript
    data["candidate_ids"] = [str(c) for c in data.get("candidate_ids") or []]
    return {k: v for k, v in data.items() if v not in (None, [], {}, "")} | {
        "transcript": transcript
    }


@dataclass(frozen=True)
class RequesterMessageResult:
    """Where the requester's message went.

    ``reopened``: it reopened a resolved ticket; ``follow_up``: the ticket was
    closed (or resolved too long ago), so a new linked ticket holds the message.
    """

    ticket: TicketSummary
    message_id: int
    reopened: bool = False
    follow_up: TicketOpened | None = None
    #: The file stored with the message (:func:`tickets.attachments.add_requester_attachment`).
    attachment_id: int | None = None


def open_ticket(
    core: Core,
    requester: Requester,
    subject: str,
    context: TicketContext | dict[str, Any] | None,
    routing_input: RoutingInput,
    *,
    priority: Priority | str | None = None,
) -> TicketOpened | AdviceFirst:
    """Escalate: route, then store the ticket and its first message, committed.

    Returns :class:`AdviceFirst` instead (nothing stored) when a connection problem
    must first get the R-ASS-1 browser advice.
    """
    with core.transaction() as db:
        routing_input = enrich(db, routing_input, _context_dict(context))
        staffed = staffed_queue_codes(db)
    decision = route(routing_input, staffed)
    if isinstance(decision, AdviceFirst):
        return decision
    # The subject is always shown between « »: quotes inside it become “ ”.
    subject_text = texts.inner_quotes(" ".join(clean_text(subject, MAX_TEXT).split()))
    prio = parse_priority(priority) if priority else Priority.NORMALE
    data = _context_dict(context)
    data["routing"] = {
        "queue": decision.queue,
        "category": decision.category.value,
        "explanation": decision.explanation,
        "input": {k: v for k, v in asdict(routing_input).items() if v not in (None, False, "")},
    }
    question = clean_text(data.get("question") or subject, 4096)
    ensure_queues(core, [decision.queue])
    now = core.clock.now()
    with core.transaction() as db:
        queue = queue_by_code(db, decision.queue)
        ticket = Ticket(
            queue_id=queue.id,
            status=TicketStatus.NOUVEAU,
            priority=prio,
            subject=_shorten(subject_text, SUBJECT_MAX),
            category=decision.category.value,
            requester_chat_id=requester.chat_id,
            requester_name=(requester.display_name or "").strip()[:120] or str(requester.chat_id),
            requester_login=requester.ceres_login,
            context=data,
            routing_explanation=decision.explanation,
            handled_by_human=False,
            requester_away=False,
            requester_blocked=False,
            created_at=now,
            updated_at=now,
            paused_seconds=0,
        )
        ticket.queue = queue
        db.add(ticket)
        db.flush()
        ticket.number = ticket_number(now.year, ticket.id)
        start_sla(ticket, queue)
        add_message(db, ticket, now, question, author_kind=AuthorKind.REQUESTER)
        add_event(db, ticket, now, "created", actor_kind=AuthorKind.REQUESTER,
                  new=queue.code, detail=decision.explanation)
        result = TicketOpened(ticket.id, ticket.number, queue.code, queue.name, decision.explanation)
    return result


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def requester_message(core: Core, chat_id: int, ticket_id: int | str, text: str) -> RequesterMessageResult:
    """The requester writes on their ticket (committed before returning).

    * *en attente du demandeur* → back to *en cours* (the SLA clock resumes);
    * *résolu* within the queue's reopening delay → reopened;
    * *clos*, or *résolu* for longer than the delay → a new ticket, linked to this
      one (same queue), holds the message; a resolved one is then closed.
    A requester who had blocked the bot is evidently back: the flag is cleared
    and the replies held back are queued again.
    """
    body = clean_text(text, 4096)
    now = core.clock.now()
    with core.transaction() as db:
        ticket = get_requester_ticket(db, chat_id, ticket_id, for_update=True)
        if ticket.requester_blocked:
            _unblock(db, ticket, now)
        queue = ticket.queue
        too_late = ticket.status is TicketStatus.RESOLU and not _writable(ticket, now)
        if ticket.status is TicketStatus.CLOS or too_late:
            return _follow_up(db, ticket, now, body)
        reopened = False
        if ticket.status in (TicketStatus.RESOLU, TicketStatus.EN_ATTENTE):
            old = ticket.status
            ticket.status = TicketStatus.EN_COURS if ticket.assignee_id else TicketStatus.NOUVEAU
            if old is TicketStatus.RESOLU:
                reopened = True
                clear_resolution(ticket)
                ticket.handled_by_human = ticket.assignee_id is not None
                ticket.requester_away = False
                add_message(db, ticket, now, texts.NOTE_REOPENED,
                            author_kind=AuthorKind.SYSTEM, internal=True)
            resume_sla(ticket, queue, now)
            add_event(db, ticket, now, "status", actor_kind=AuthorKind.REQUESTER,
                      old=old.value, new=ticket.status.value,
                      detail="réponse du demandeur")
        message, _ = add_message(db, ticket, now, body, author_kind=AuthorKind.REQUESTER)
        ticket.requester_replied_at = now
        add_event(db, ticket, now, "requester_reply", actor_kind=AuthorKind.REQUESTER,
                  new=f"message {message.id}")
        return RequesterMessageResult(summary(ticket), message.id, reopened=reopened)


def _follow_up(db, ticket: Ticket, now, body: str) -> RequesterMessageResult:
    queue = ticket.queue
    if ticket.status is TicketStatus.RESOLU:
        ticket.status = TicketStatus.CLOS
        ticket.closed_at = now
        ticket.handled_by_human = False
        add_event(db, ticket, now, "status", old=TicketStatus.RESOLU.value,
                  new=TicketStatus.CLOS.value, detail="délai de réouverture dépassé")
    context = dict(ticket.context or {})
    context["parent"] = ticket.number
    new = Ticket(
        queue_id=queue.id,
        status=TicketStatus.NOUVEAU,
        priority=ticket.priority,
        subject=_shorten(f"Suite de {ticket.number} : {ticket.subject}", SUBJECT_MAX),
        category=ticket.category,
        requester_chat_id=ticket.requester_chat_id,
        requester_name=ticket.requester_name,
        requester_login=ticket.requester_login,
        context=context,
        routing_explanation=ticket.routing_explanation,
        parent_id=ticket.id,
        handled_by_human=False,
        requester_away=False,
        requester_blocked=False,
        created_at=now,
        updated_at=now,
        paused_seconds=0,
    )
    new.queue = queue
    db.add(new)
    db.flush()
    new.number = ticket_number(now.year, new.id)
    start_sla(new, queue)
    add_message(db, new, now, texts.NOTE_FOLLOW_UP.format(number=ticket.number, days=queue.reopen_days),
                author_kind=AuthorKind.SYSTEM, internal=True)
    message, _ = add_message(db, new, now, body, author_kind=AuthorKind.REQUESTER)
    add_event(db, new, now, "created", actor_kind=AuthorKind.REQUESTER, new=queue.code,
              detail=f"suite de {ticket.number}")
    add_event(db, ticket, now, "follow_up", new=new.number)
    opened = TicketOpened(new.id, new.number, queue.code, queue.name, new.routing_explanation)
    return RequesterMessageResult(summary(new), message.id, follow_up=opened)


def _unblock(db, ticket: Ticket, now) -> None:
    """The requester wrote again: clear the flag on their tickets, requeue held replies."""
    tickets = db.scalars(
        select(Ticket).where(
            Ticket.requester_chat_id == ticket.requester_chat_id,
            Ticket.requester_blocked.is_(True),
        )
    ).all()
    for t in tickets:
        t.requester_blocked = False
        add_event(db, t, now, "requester_blocked", actor_kind=AuthorKind.REQUESTER,
                  old="oui", new="non")
        add_message(db, t, now, texts.NOTE_UNBLOCKED, author_kind=AuthorKind.SYSTEM, internal=True)
    db.execute(
        update(Delivery)
        .where(
            Delivery.chat_id == ticket.requester_chat_id,
            Delivery.status == DeliveryStatus.FAILED,
            Delivery.last_error == BLOCKED_ERROR,
        )
        .values(status=DeliveryStatus.PENDING, last_error=None, next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )


def list_my_tickets(core: Core, chat_id: int, *, limit: int = 20) -> list[TicketSummary]:
    """The requester's tickets, most recently updated first."""
    with core.transaction() as db:
        rows = db.scalars(
            select(Ticket)
            .where(Ticket.requester_chat_id == chat_id)
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(limit)
        ).all()
        return [summary(t) for t in rows]


def get_my_ticket(core: Core, chat_id: int, ticket_id: int | str) -> TicketDetail:
    """One of the requester's tickets with its public messages (no internal notes)."""
    now = core.clock.now()
    with core.transaction() as db:
        ticket = get_requester_ticket(db, chat_id, ticket_id)
        messages = db.scalars(
            select(TicketMessage)
            .where(TicketMessage.ticket_id == ticket.id, TicketMessage.internal.is_(False))
            .order_by(TicketMessage.id)
        ).all()
        rating = db.scalar(select(Rating).where(Rating.ticket_id == ticket.id))
        return TicketDetail(
            ticket=summary(ticket),
            sla=sla_view(ticket, ticket.queue, now),
            category=ticket.category,
            routing_explanation=ticket.routing_explanation,
            context={},
            requester_login=ticket.requester_login,
            parent_number=None,
            messages=[_public_view(m) for m in messages],
            events=[],
            rating=rating.score if rating else None,
            rating_comment=rating.comment if rating else None,
        )


def _public_view(m: TicketMessage) -> MessageView:
    author = {"requester": "Vous", "system": "CERES Assist"}.get(m.author_kind.value)
    if author is None:
        author = m.staff.display_name if m.staff else "Support"
    return MessageView(m.id, m.author_kind.value, author, m.internal, m.text, m.created_at)


def rate(core: Core, chat_id: int, ticket_id: int | str, score: int, comment: str | None = None) -> TicketSummary:
    """Satisfaction 1..5, once per ticket, only once it was resolved."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        try:
            score = int(str(score).strip())
        except ValueError:
            raise InvalidInput(texts.ERR_RATING_RANGE) from None
        if not 1 <= score <= 5:
            raise InvalidInput(texts.ERR_RATING_RANGE)
    note = (comment or "").strip()[:2000] or None
    now = core.clock.now()
    try:
        with core.transaction() as db:
            ticket = get_requester_ticket(db, chat_id, ticket_id)
            if ticket.resolved_at is None or ticket.status not in (TicketStatus.RESOLU, TicketStatus.CLOS):
                raise CeresError(texts.ERR_RATING_NOT_RESOLVED.format(number=ticket.number))
            if db.scalar(select(Rating.id).where(Rating.ticket_id == ticket.id)) is not None:
                raise CeresError(texts.ERR_RATING_DONE.format(number=ticket.number))
            db.add(Rating(ticket_id=ticket.id, score=score, comment=note, created_at=now))
            add_event(db, ticket, now, "rating", actor_kind=AuthorKind.REQUESTER, new=score,
                      detail=note)
            db.flush()
            return summary(ticket)
    except IntegrityError:  # rated twice at the same moment
        raise CeresError(texts.ERR_RATING_DONE.format(number=str(ticket_id))) from None


# -- ticket mode -----------------------------------------------------------------------------


def _owner_query(chat_id: int):
    return (
        select(Ticket)
        .where(
            Ticket.requester_chat_id == chat_id,
            Ticket.status.in_(OPEN_STATUSES),
            Ticket.handled_by_human.is_(True),
            Ticket.requester_away.is_(False),
        )
        .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def conversation_owner(core: Core, chat_id: int) -> TicketSummary | None:
    """The open ticket a person handles for this chat, if the user is in ticket mode.

    When it is not ``None`` the bot passes the user's messages to
    :func:`requester_message` instead of answering them itself.
    """
    with core.transaction() as db:
        ticket = db.scalar(_owner_query(chat_id))
        return summary(ticket) if ticket else None


def leave_ticket_mode(core: Core, chat_id: int) -> TicketSummary | None:
    """The user talks to the bot again; the ticket stays open (resume later)."""
    now = core.clock.now()
    with core.transaction() as db:
        ticket = db.scalar(_owner_query(chat_id))
        if ticket is None:
            return None
        ticket.requester_away = True
        add_event(db, ticket, now, "requester_mode", actor_kind=AuthorKind.REQUESTER,
                  old="demande", new="assistant")
        return summary(ticket)


def _writable(ticket: Ticket, now) -> bool:
    """The requester's message goes to this ticket: it is open, or *résolu* within the
    reopening delay (the message then reopens it)."""
    if ticket.status in OPEN_STATUSES:
        return True
    until = reopen_until(ticket)
    return until is not None and now <= until


def resume_ticket_mode(core: Core, chat_id: int, ticket_id: int | str) -> TicketSummary:
    """The user's messages go to this ticket again (« Écrire » in the list of their
    tickets): an open ticket handled by a person, or a *résolu* one within the
    reopening delay (the next message reopens it). Their other tickets are left."""
    now = core.clock.now()
    with core.transaction() as db:
        ticket = get_requester_ticket(db, chat_id, ticket_id)
        resolved = ticket.status is TicketStatus.RESOLU and _writable(ticket, now)
        if not resolved and (ticket.status not in OPEN_STATUSES or not ticket.handled_by_human):
            raise CeresError(texts.ERR_NOT_HANDLED.format(number=ticket.number))
        others = db.scalars(
            select(Ticket).where(
                Ticket.requester_chat_id == chat_id,
                Ticket.id != ticket.id,
                Ticket.status.in_((*OPEN_STATUSES, TicketStatus.RESOLU)),
                Ticket.requester_away.is_(False),
            )
        ).all()
        for other in others:
            other.requester_away = True
            add_event(db, other, now, "requester_mode", actor_kind=AuthorKind.REQUESTER,
                      old="demande", new="assistant", detail=f"reprise de {ticket.number}")
        if ticket.requester_away:
            ticket.requester_away = False
            add_event(db, ticket, now, "requester_mode", actor_kind=AuthorKind.REQUESTER,
                      old="assistant", new="demande")
        return summary(ticket)


# -- threading: which ticket a requester's message belongs to -------------------------------

#: :attr:`RequesterTarget.kind`: the message answers a relayed message of a ticket.
TARGET_REPLY = "reply"
#: Exactly one ticket is waiting for the requester's words.
TARGET_SINGLE = "single"
#: Several are: ask which one (:attr:`RequesterTarget.candidates`, e.g. with buttons).
TARGET_AMBIGUOUS = "ambiguous"
#: None: the message is for the assistant (a question).
TARGET_NONE = "none"


@dataclass(frozen=True)
class RequesterTarget:
    """Where a requester's message goes (:func:`resolve_requester_target`).

    ``ticket`` is set for ``reply`` and ``single``; ``candidates`` lists, for
    ``ambiguous``, the tickets to choose from (most recently updated first).
    ``reopens``: writing there reopens a *résolu* ticket (the bot may confirm first);
    ``follow_up``: the ticket is closed (or resolved too long ago), so the message
    will open a new ticket linked to it (:func:`requester_message` does it).
    """

    kind: str
    ticket: TicketSummary | None = None
    candidates: tuple[TicketSummary, ...] = ()
    reopens: bool = False
    follow_up: bool = False


def _target(kind: str, ticket: Ticket, now) -> RequesterTarget:
    writable = _writable(ticket, now)
    return RequesterTarget(
        kind, summary(ticket),
        reopens=writable and ticket.status is TicketStatus.RESOLU,
        follow_up=not writable,
    )


@dataclass(frozen=True)
class ChatTickets:
    """What a chat's tickets allow :func:`resolve_requester_target` to find, read in one
    cheap statement (the bot reads it with the update's claim, issue 14): with neither,
    every message of the chat is for the assistant and the lookup is skipped."""

    #: The chat is the requester of at least one ticket (a reply may be about it).
    any: bool
    #: One of them may be waiting for the requester's words (open or *résolu*, and
    #: not left): a superset of the candidates of step 2.
    waiting: bool

    def may_target(self, reply_to_message_id: int | None) -> bool:
        """Whether the lookup can find a ticket for a message of this chat."""
        return self.waiting or (self.any and reply_to_message_id is not None)


_TICKETS = Ticket.__table__
_CHAT_TICKETS = select(
    func.count(),
    func.coalesce(func.sum(case(
        (and_(_TICKETS.c.requester_away.is_(False),
              _TICKETS.c.status.in_((*OPEN_STATUSES, TicketStatus.RESOLU))),
         1), else_=0)), 0),
).where(_TICKETS.c.requester_chat_id == bindparam("chat_id"))


def chat_tickets_in(db: Any, chat_id: int) -> ChatTickets:
    """:class:`ChatTickets` of the chat, in the caller's transaction."""
    count, waiting = db.connection().execute(_CHAT_TICKETS, {"chat_id": chat_id}).one()
    return ChatTickets(any=bool(count), waiting=bool(waiting))


def resolve_requester_target(
    core: Core, chat_id: int, reply_to_message_id: int | None = None
) -> RequesterTarget:
    """The ticket a requester's message belongs to.

    1. The message is a Telegram reply to a message the requester received about a
       ticket (a staff reply, an announcement: :func:`remember_chat_message`, recorded
       for every delivery): that ticket, whatever its state (a closed one gets a
       linked follow-up).
    2. Else the tickets waiting for the requester's words: open and held by a person
       (or *en attente du demandeur*), or *résolu* within the reopening delay, and not
       left by the requester (:func:`leave_ticket_mode`). One → that ticket; several →
       ``ambiguous`` with the candidates, so that the bot asks which one.
    3. None → ``none``: the message is for the assistant.
    """
    now = core.clock.now()
    with core.transaction() as db:
        if reply_to_message_id is not None:
            link = db.get(ChatMessageLink, (chat_id, int(reply_to_message_id)))
            if link is not None:
                ticket = db.get(Ticket, link.ticket_id)
                if ticket is not None and ticket.requester_chat_id == chat_id:
                    return _target(TARGET_REPLY, ticket, now)
        rows = db.scalars(
            select(Ticket)
            .where(
                Ticket.requester_chat_id == chat_id,
                Ticket.requester_away.is_(False),
                Ticket.status.in_((*OPEN_STATUSES, TicketStatus.RESOLU)),
            )
            .order_by(Ticket.updated_at.desc(), Ticket.id.desc())
            .limit(50)
        ).all()
        candidates = [
            t for t in rows
            if (t.status is TicketStatus.RESOLU and _writable(t, now))
            or (t.status in OPEN_STATUSES
                and (t.handled_by_human or t.status is TicketStatus.EN_ATTENTE))
        ]
        if not candidates:
            return RequesterTarget(TARGET_NONE)
        if len(candidates) == 1:
            return _target(TARGET_SINGLE, candidates[0], now)
        return RequesterTarget(TARGET_AMBIGUOUS, candidates=tuple(summary(t) for t in candidates))


def remember_chat_message(core: Core, chat_id: int, telegram_message_id: int,
                          ticket_id: int | str) -> None:
    """Record that the chat's message ``telegram_message_id`` is about this ticket (the
    bot calls it for the messages it sends itself about a ticket, e.g. « Demande
    T-… envoyée »; the delivery outbox records its own). Idempotent."""
    with core.transaction() as db:
        ticket = get_requester_ticket(db, chat_id, ticket_id)
        link_chat_message(db, chat_id, telegram_message_id, ticket.id, core.clock.now())


def link_chat_message(db, chat_id: int, telegram_message_id: int, ticket_id: int, now) -> None:
    """Insert the message → ticket mapping unless it exists (same transaction)."""
    key = (int(chat_id), int(telegram_message_id))
    existing = db.get(ChatMessageLink, key)
    if existing is not None:
        existing.ticket_id = ticket_id
        return
    # Another worker recording the same message at once: its row is kept.
    with contextlib.suppress(IntegrityError), db.begin_nested():
        db.add(ChatMessageLink(chat_id=key[0], telegram_message_id=key[1],
                               ticket_id=ticket_id, created_at=now))
