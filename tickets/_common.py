"""Shared internals of the helpdesk services, split by concern:

* :mod:`tickets.access` — the operator, queues, staff and their rights (R-ACT-2), lookups;
* :mod:`tickets.sla` — the SLA clock of a ticket;
* :mod:`tickets.audit` — the audit trail;
* :mod:`tickets.outbox` — messages and their delivery entries;
* :mod:`tickets.views` — the views the services return;

and here what is left: text checks, status and priority parsing, the retry of a
write SQLite refused. The names of the modules above are re-exported for the
services that import them from here.

Not a public API: front ends call the functions of ``tickets.services``.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import OperationalError

from ceres_core.errors import CeresError, InvalidInput
from ceres_core.values import strip_accents
from tickets import texts
from tickets.access import (  # noqa: F401  (re-exported)
    _NUMBER,
    OPERATOR,
    Operator,
    StaffRef,
    ensure_queues,
    get_requester_ticket,
    get_ticket,
    load_staff,
    parse_ticket_ref,
    queue_by_code,
    require_open,
    require_queue_access,
    require_ticket_access,
    resolve_actor,
    staff_queue_ids,
    staffed_queue_codes,
    ticket_number,
)
from tickets.audit import (  # noqa: F401  (re-exported)
    actor_fields,
    add_event,
)
from tickets.models import STATUS_LABELS, Priority, TicketStatus
from tickets.outbox import (  # noqa: F401  (re-exported)
    BLOCKED_ERROR,
    add_message,
    announce,
)
from tickets.sla import (  # noqa: F401  (re-exported)
    active_time,
    clear_resolution,
    pause_sla,
    record_first_response,
    record_resolution,
    reopen_until,
    resume_sla,
    schedule_of,
    start_sla,
)
from tickets.views import (  # noqa: F401  (re-exported)
    EventView,
    MessageView,
    QueuePage,
    QueueRow,
    SlaView,
    TicketDetail,
    TicketOpened,
    TicketSummary,
    jsonable,
    sla_view,
    summary,
)

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
    plain = strip_accents((value or "").strip().lower())
    return re.sub(r"[\s_\-]+", " ", plain)
