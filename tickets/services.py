"""The helpdesk's public API, one function per operation (front ends import from here).

* requester side (the bot): :mod:`tickets.escalation`;
* staff side (dashboard, staff relay, CLI): :mod:`tickets.handling`, :mod:`tickets.reporting`;
* accounts: :mod:`tickets.staff`;
* delivery of public messages to the chat: :mod:`tickets.delivery`.

Each function opens its own transaction and commits before returning; refusals
raise :class:`ceres_core.errors.CeresError` with a French message.
"""

from tickets._common import (
    OPERATOR,
    EventView,
    MessageView,
    Operator,
    QueuePage,
    QueueRow,
    SlaView,
    TicketDetail,
    TicketOpened,
    TicketSummary,
    jsonable,
    parse_priority,
    parse_status,
    parse_ticket_ref,
)
from tickets.attachments import (
    MAX_BYTES,
    AttachmentStore,
    AttachmentView,
    add_requester_attachment,
    check_file,
    delivery_file,
    open_attachment,
    staff_reply_with_file,
)
from tickets.delivery import (
    DeliveryItem,
    mark_delivered,
    mark_failed,
    mark_requester_blocked,
    pending_deliveries,
)
from tickets.escalation import (
    TARGET_AMBIGUOUS,
    TARGET_NONE,
    TARGET_REPLY,
    TARGET_SINGLE,
    ChatTickets,
    Requester,
    RequesterMessageResult,
    RequesterTarget,
    TicketContext,
    chat_tickets_in,
    conversation_owner,
    get_my_ticket,
    leave_ticket_mode,
    list_my_tickets,
    open_ticket,
    rate,
    remember_chat_message,
    requester_message,
    resolve_requester_target,
    resume_ticket_mode,
)
from tickets.handling import (
    AT_RISK_MINUTES,
    DUE_OVERDUE,
    DUE_SOON,
    UNASSIGNED,
    BulkResult,
    Change,
    QueueOverview,
    ReplyResult,
    assign,
    bulk_update,
    changes_since,
    claim,
    close_expired_resolved,
    get_ticket_detail,
    hand_back_to_bot,
    list_queue,
    list_tickets,
    mark_seen,
    merge_tickets,
    move_to_queue,
    my_work,
    queue_members,
    queue_overview,
    requester_context,
    set_priority,
    set_status,
    staff_queues,
    staff_reply,
    staffed_queues,
    ticket_viewers,
)
from tickets.macros import (
    PLACEHOLDERS,
    MacroView,
    delete_macro,
    list_macros,
    save_macro,
)
from tickets.reporting import Report, ReportRow, report
from tickets.routing import AdviceFirst, Category, Route, RoutingInput, route
from tickets.staff import (
    StaffInfo,
    add_staff,
    authenticate,
    deactivate_staff,
    link_staff_chat,
    list_staff,
    set_staff_password,
    set_staff_queues,
)

__all__ = [
    "MAX_BYTES", "AttachmentStore", "AttachmentView", "add_requester_attachment", "check_file",
    "delivery_file", "open_attachment", "staff_reply_with_file",
    "requester_context", "ticket_viewers", "BulkResult", "bulk_update", "merge_tickets", "Change", "changes_since", "mark_seen", "my_work",
    "PLACEHOLDERS", "MacroView", "delete_macro", "list_macros", "save_macro",
    "TARGET_AMBIGUOUS", "TARGET_NONE", "TARGET_REPLY", "TARGET_SINGLE", "RequesterTarget",
    "ChatTickets", "chat_tickets_in",
    "remember_chat_message", "resolve_requester_target", "deactivate_staff",
    "set_staff_password",
    "AT_RISK_MINUTES", "DUE_OVERDUE", "DUE_SOON", "UNASSIGNED", "QueueOverview", "queue_members", "queue_overview",
    "OPERATOR", "AdviceFirst", "Category", "DeliveryItem", "EventView", "MessageView",
    "Operator", "QueuePage", "QueueRow", "ReplyResult", "Report", "ReportRow", "Requester",
    "RequesterMessageResult", "Route", "RoutingInput", "SlaView", "StaffInfo", "TicketContext",
    "TicketDetail", "TicketOpened", "TicketSummary", "add_staff", "assign", "authenticate",
    "claim", "close_expired_resolved", "conversation_owner", "get_my_ticket",
    "get_ticket_detail", "hand_back_to_bot", "jsonable", "leave_ticket_mode", "link_staff_chat",
    "list_my_tickets",
    "list_queue", "list_staff", "list_tickets", "mark_delivered", "mark_failed",
    "mark_requester_blocked", "move_to_queue", "open_ticket", "parse_priority", "parse_status",
    "parse_ticket_ref", "pending_deliveries", "rate", "report", "requester_message",
    "resume_ticket_mode", "route", "set_priority", "set_staff_queues", "set_status",
    "staff_queues", "staff_reply", "staffed_queues",
]
