"""Helpdesk tables: queues, staff, tickets, messages, delivery outbox, ratings, audit.

Vocabulary kept in French where it is the users' (statuses: *nouveau*, *en cours*,
*en attente du demandeur*, *résolu*, *clos*).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models._types import enum_type
from ceres_core.models.base import Base
from tickets.search import folded_default


class TicketStatus(StrEnum):
    NOUVEAU = "nouveau"
    EN_COURS = "en_cours"
    EN_ATTENTE = "en_attente"  # en attente du demandeur: the SLA clock is paused
    RESOLU = "resolu"
    CLOS = "clos"


STATUS_LABELS: dict[TicketStatus, str] = {
    TicketStatus.NOUVEAU: "nouveau",
    TicketStatus.EN_COURS: "en cours",
    TicketStatus.EN_ATTENTE: "en attente du demandeur",
    TicketStatus.RESOLU: "résolu",
    TicketStatus.CLOS: "clos",
}

#: Statuses in which a ticket is still being worked on.
OPEN_STATUSES = (TicketStatus.NOUVEAU, TicketStatus.EN_COURS, TicketStatus.EN_ATTENTE)
#: Statuses in which the SLA clock runs.
RUNNING_STATUSES = (TicketStatus.NOUVEAU, TicketStatus.EN_COURS)


class Priority(StrEnum):
    BASSE = "basse"
    NORMALE = "normale"
    HAUTE = "haute"
    URGENTE = "urgente"


PRIORITY_LABELS: dict[Priority, str] = {
    Priority.BASSE: "basse",
    Priority.NORMALE: "normale",
    Priority.HAUTE: "haute",
    Priority.URGENTE: "urgente",
}
#: Sort rank (higher first on the queue page).
PRIORITY_RANK: dict[Priority, int] = {
    Priority.BASSE: 0,
    Priority.NORMALE: 1,
    Priority.HAUTE: 2,
    Priority.URGENTE: 3,
}


class AuthorKind(StrEnum):
    REQUESTER = "requester"
    STAFF = "staff"
    SYSTEM = "system"


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until ``lease_until``
    SENT = "sent"
    FAILED = "failed"


class Queue(Base):
    """A team's queue (R-ASS-2): opening hours, holidays, SLA targets as data."""

    __tablename__ = "helpdesk_queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)  # "gev-btp", "dreets-53"
    name: Mapped[str] = mapped_column(String(120))  # "GEV BTP", "DREETS Bretagne"
    kind: Mapped[str] = mapped_column(String(20))  # assistance, gev, dreets, ud, afpa
    #: ``{"0": [["09:00", "18:00"]], ...}``, weekday 0 = Monday, local time.
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)
    timezone: Mapped[str] = mapped_column(String(40), default="Europe/Paris")
    #: Département whose local holidays also close the queue (None: national only).
    departement: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(String(3))
    contact: Mapped[str | None] = mapped_column(String(200))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    reopen_days: Mapped[int] = mapped_column(Integer, default=7)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class StaffAccount(Base):
    """A support staff member (dashboard login; argon2 password hash)."""

    __tablename__ = "helpdesk_staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Telegram chat id of the staff member, for the staff relay (optional).
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]

    queues: Mapped[list[Queue]] = relationship(secondary="helpdesk_staff_queues", lazy="selectin")


class StaffQueue(Base):
    """Membership: a staff member works on a queue (and sees only its tickets)."""

    __tablename__ = "helpdesk_staff_queues"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_staff.id", ondelete="CASCADE"), primary_key=True
    )
    queue_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_queues.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Ticket(Base):
    """What the bot could not settle, handed to a person of one queue."""

    __tablename__ = "helpdesk_tickets"
    __table_args__ = (
        Index("ix_helpdesk_tickets_queue_status_due", "queue_id", "status", "resolution_due"),
        Index("ix_helpdesk_tickets_queue_created", "queue_id", "created_at"),
        Index("ix_helpdesk_tickets_chat_status", "requester_chat_id", "status"),
        # Search over all of a queue's tickets (``tickets.search``): trigram indexes on
        # PostgreSQL so that ``LIKE '%…%'`` on the subject/requester and the number
        # does not read every ticket of the queue (benchmarks/bench_tickets.py, 100,000).
        Index("ix_helpdesk_tickets_search_trgm", "search_folded", postgresql_using="gin",
              postgresql_ops={"search_folded": "gin_trgm_ops"}),
        Index("ix_helpdesk_tickets_number_trgm", "number", postgresql_using="gin",
              postgresql_ops={"number": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: For people: ``T-2026-000123`` (year of creation, id).
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_queues.id"))
    status: Mapped[TicketStatus] = mapped_column(
        enum_type(TicketStatus), default=TicketStatus.NOUVEAU
    )
    priority: Mapped[Priority] = mapped_column(enum_type(Priority), default=Priority.NORMALE)
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(30))

    requester_chat_id: Mapped[int] = mapped_column(BigInteger)
    requester_name: Mapped[str] = mapped_column(String(120))
    requester_login: Mapped[str | None] = mapped_column(String(64))
    #: Subject, requester name and login, folded (:func:`tickets.search.fold`).
    search_folded: Mapped[str] = mapped_column(Text, default=lambda ctx: _ticket_folded(ctx))
    #: Transcript so far, article / procedure step, objects concerned, routing.
    context: Mapped[dict[str, Any]] = mapped_column(JSON)
    routing_explanation: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_tickets.id"))

    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_staff.id"), index=True)
    #: A person holds the conversation: the requester's messages go to the ticket.
    handled_by_human: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The requester left ticket mode (talks to the bot meanwhile).
    requester_away: Mapped[bool] = mapped_column(Boolean, default=False)
    requester_blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The requester wrote and no staff member has answered publicly since (queue marker
    #: « le demandeur a répondu »).
    requester_replied_at: Mapped[datetime | None]

    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # -- SLA clock (opening time of the queue) --
    first_response_due: Mapped[datetime | None]
    resolution_due: Mapped[datetime | None]
    paused_since: Mapped[datetime | None]
    paused_seconds: Mapped[int] = mapped_column(Integer, default=0)
    first_response_at: Mapped[datetime | None]
    first_response_seconds: Mapped[int | None] = mapped_column(Integer)
    first_response_met: Mapped[bool | None] = mapped_column(Boolean)
    resolved_at: Mapped[datetime | None]
    resolution_seconds: Mapped[int | None] = mapped_column(Integer)
    resolution_met: Mapped[bool | None] = mapped_column(Boolean)
    closed_at: Mapped[datetime | None]

    queue: Mapped[Queue] = relationship(lazy="joined")
    assignee: Mapped[StaffAccount | None] = relationship(lazy="joined")


class TicketMessage(Base):
    """A message on a ticket: public (the requester sees it) or an internal note."""

    __tablename__ = "helpdesk_messages"
    __table_args__ = (
        Index("ix_helpdesk_messages_ticket", "ticket_id", "id"),
        Index("ix_helpdesk_messages_text_trgm", "text_folded", postgresql_using="gin",
              postgresql_ops={"text_folded": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"))
    author_kind: Mapped[AuthorKind] = mapped_column(enum_type(AuthorKind))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_staff.id"))
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text)
    #: ``text`` folded for accent-insensitive search (trigram index on PostgreSQL).
    text_folded: Mapped[str] = mapped_column(Text, default=folded_default("text"))
    created_at: Mapped[datetime]

    staff: Mapped[StaffAccount | None] = relationship(lazy="joined")


class Delivery(Base):
    """Outbox: one public message to send to the requester's chat.

    At least once: an entry stays ``pending`` until a worker marks it ``sent``.
    Never twice: a worker claims it (``sending`` with a lease) before sending, a
    sent entry is never handed out again, and marking it sent twice is a no-op.
    """

    __tablename__ = "helpdesk_deliveries"
    __table_args__ = (Index("ix_helpdesk_deliveries_status", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_messages.id", ondelete="CASCADE"), unique=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    text: Mapped[str] = mapped_column(Text)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_type(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None]
    lease_token: Mapped[str | None] = mapped_column(String(40))
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    #: A file sent with the message (a document in the chat).
    attachment_id: Mapped[int | None] = mapped_column(
        ForeignKey("helpdesk_attachments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class Attachment(Base):
    """A file of a ticket: sent by the requester in the chat, or by staff with a reply.

    The bytes are stored outside the web root (:class:`tickets.attachments.AttachmentStore`)
    under a random name; only staff of the ticket's queue can download it.
    """

    __tablename__ = "helpdesk_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("helpdesk_messages.id", ondelete="SET NULL")
    )
    #: ``requester`` or ``staff``.
    direction: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_staff.id"))
    created_at: Mapped[datetime]


class Rating(Base):
    """The requester's satisfaction (1 to 5) after resolution; one per ticket."""

    __tablename__ = "helpdesk_ratings"
    __table_args__ = (CheckConstraint("score BETWEEN 1 AND 5", name="score_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"), unique=True
    )
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class TicketEvent(Base):
    """Audit trail: every change of a ticket (who, when, what, old → new)."""

    __tablename__ = "helpdesk_events"
    __table_args__ = (Index("ix_helpdesk_events_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor_kind: Mapped[AuthorKind] = mapped_column(enum_type(AuthorKind))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_staff.id"))
    #: Who, for people: staff login, "demandeur", "système".
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(40))  # created, status, priority, assignee…
    old_value: Mapped[str | None] = mapped_column(String(200))
    new_value: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[str | None] = mapped_column(Text)


def _ticket_folded(context) -> str:
    from tickets.search import fold

    params = context.get_current_parameters()
    return fold(" ".join(str(params.get(k) or "") for k in
                         ("subject", "requester_name", "requester_login")))


@event.listens_for(Ticket.__table__, "before_create")
@event.listens_for(TicketMessage.__table__, "before_create")
def _trigram_extension(target, connection, **kw) -> None:
    """The trigram indexes need ``pg_trgm`` (created by the migration in production)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")


class ChatMessageLink(Base):
    """A Telegram message the requester received about a ticket: a reply to it
    (``reply_to_message``) is threaded to that ticket
    (:func:`tickets.services.resolve_requester_target`)."""

    __tablename__ = "helpdesk_chat_messages"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    telegram_message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime]


class UsedFormToken(Base):
    """A dashboard form token already spent: the same form sent twice (Back + resend,
    double click) does nothing the second time."""

    __tablename__ = "helpdesk_used_form_tokens"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("helpdesk_staff.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(index=True)
    #: Where the first submission led (the second one is sent there too).
    outcome_path: Mapped[str | None] = mapped_column(String(300))


class Macro(Base):
    """A reply template of a queue, editable on the dashboard: a text with placeholders
    (``{demandeur}``, ``{numero}``, ``{agent}``, ``{file}``), an optional article cited
    and an optional status to set when the reply is sent."""

    __tablename__ = "helpdesk_macros"
    __table_args__ = (UniqueConstraint("queue_id", "code", name="uq_helpdesk_macros_queue_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_queues.id", ondelete="CASCADE"),
                                          index=True)
    #: The standard macros' code (``prise-en-charge``…), ``None`` for the team's own.
    code: Mapped[str | None] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    article_id: Mapped[str | None] = mapped_column(String(80))
    set_status: Mapped[TicketStatus | None] = mapped_column(enum_type(TicketStatus), nullable=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str | None] = mapped_column(String(64))


class TicketRead(Base):
    """When a staff member last opened a ticket (unread marker on the queue pages)."""

    __tablename__ = "helpdesk_ticket_reads"

    staff_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_staff.id", ondelete="CASCADE"), primary_key=True
    )
    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_tickets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    seen_at: Mapped[datetime]


class StaffSession(Base):
    """A staff member's dashboard session, server-side and revocable.

    The browser holds a random token; only its SHA-256 is stored (a database leak gives
    no usable cookie). Revoked at logout, when the password changes and when the
    account is deactivated; a new one at every login (rotation).
    """

    __tablename__ = "helpdesk_staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(
        ForeignKey("helpdesk_staff.id", ondelete="CASCADE"), index=True
    )
    #: The session's CSRF token (sent back by every form).
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    #: Why it ended: ``logout``, ``password``, ``deactivated``, ``rotated``.
    revoked_reason: Mapped[str | None] = mapped_column(String(20))
    address: Mapped[str | None] = mapped_column(String(64))


class LoginThrottle(Base):
    """Login attempts counted per account and per address over a window, shared by
    every instance; taken atomically *before* the password hash is checked."""

    __tablename__ = "helpdesk_login_throttle"

    #: ``compte:<login>`` or ``adresse:<ip>``.
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(index=True)


__all__ = [
    "Attachment", "AuthorKind", "ChatMessageLink", "Delivery", "LoginThrottle", "Macro", "StaffSession",
    "TicketRead",
    "UsedFormToken", "DeliveryStatus", "OPEN_STATUSES", "PRIORITY_LABELS",
    "PRIORITY_RANK", "Priority", "Queue", "RUNNING_STATUSES", "Rating", "STATUS_LABELS",
    "StaffAccount", "StaffQueue", "Ticket", "TicketEvent", "TicketMessage", "TicketStatus",
]
