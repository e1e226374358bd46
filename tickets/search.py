"""Accent- and case-insensitive search over tickets and their messages.

Every searchable text is stored twice: as written, and **folded** (lower case, no
accents, ligatures spelled out, spaces collapsed) in a ``*_folded`` column filled
at insert time (:func:`fold`). A query is folded the same way and matched with
``LIKE`` on the folded copies, so « helene » finds « Hélène » and « Hélène » finds
« helene » on SQLite and PostgreSQL alike. On PostgreSQL the messages' folded
text has a trigram index (``pg_trgm``, GIN) so that ``LIKE '%…%'`` over message
texts stays fast at 100,000 tickets (``benchmarks/bench_tickets.py``).
"""

from __future__ import annotations

import re

from sqlalchemy import or_, select, union

from ceres_core.values import strip_accents  # the one accent-folding helper

#: Typographic quotes and dashes typed on phones, read as the plain ones.
_PUNCTUATION = str.maketrans({"’": "'", "‘": "'", "–": "-", "—": "-"})
#: Longest search text kept (characters).
MAX_QUERY = 100


def fold(text: str | None) -> str:
    """``"  Hélène  CŒUR "`` → ``"helene coeur"``: what searches compare."""
    value = strip_accents((text or "").translate(_PUNCTUATION)).lower()
    return " ".join(value.split())


def like_pattern(query: str | None) -> str | None:
    """The ``LIKE`` pattern of a folded query (wildcards typed by the user are literal
    spaces), or ``None`` for an empty query."""
    folded = fold((query or "")[:MAX_QUERY])
    folded = re.sub(r"[%_\\]", " ", folded).strip()
    return f"%{folded}%" if folded else None


def folded_default(source: str):
    """Column default: the folded copy of column ``source`` of the same row."""

    def default(context) -> str:
        return fold(context.get_current_parameters().get(source))

    return default


def ticket_search_conditions(query: str | None) -> list:
    """Conditions matching a ticket by number, subject, requester (name or login) or
    the text of any of its messages (public or internal), accents ignored.

    Written as « the ticket's id is among the ids found by each search », not as one
    ``OR`` with a correlated ``EXISTS``: each branch reads its own trigram index on
    PostgreSQL (tickets' ``search_folded`` and ``number``, messages' ``text_folded``)
    instead of every ticket of the queue (``benchmarks/bench_tickets.py`` at 100,000
    tickets: several hundred ms → tens of ms for a search across all statuses)."""
    from tickets.models import Ticket, TicketMessage

    pattern = like_pattern(query)
    if pattern is None:
        return []
    found = union(
        select(Ticket.id).where(or_(Ticket.search_folded.like(pattern),
                                    Ticket.number.ilike(pattern))),
        select(TicketMessage.ticket_id).where(TicketMessage.text_folded.like(pattern)),
    )
    return [Ticket.id.in_(found)]
