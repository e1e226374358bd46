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

from sqlalchemy import exists, or_, select, union

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


def ticket_search_conditions(query: str | None, *, trigram: bool = False) -> list:
    """Conditions matching a ticket by number, subject, requester (name or login) or
    the text of any of its messages (public or internal), accents ignored.

    With ``trigram`` (PostgreSQL, whose ``pg_trgm`` GIN indexes cover the tickets'
    ``search_folded`` and ``number`` and the messages' ``text_folded``): « the
    ticket's id is among the ids each index finds », so no ticket of the queue is read
    for nothing (``benchmarks/bench_tickets.py`` at 100,000 tickets, search across all
    statuses: 140–180 ms of queries → 8–70 ms). Without (SQLite, no trigram index):
    one ``OR`` with a correlated ``EXISTS``, which reads only the tickets the other
    filters (queue, status) keep — a union there would scan every message."""
    from tickets.models import Ticket, TicketMessage

    pattern = like_pattern(query)
    if pattern is None:
        return []
    on_ticket = or_(Ticket.search_folded.like(pattern), Ticket.number.ilike(pattern))
    if trigram:
        found = union(
            select(Ticket.id).where(on_ticket),
            select(TicketMessage.ticket_id).where(TicketMessage.text_folded.like(pattern)),
        )
        return [Ticket.id.in_(found)]
    in_messages = exists(
        select(TicketMessage.id).where(TicketMessage.ticket_id == Ticket.id,
                                       TicketMessage.text_folded.like(pattern))
    )
    return [or_(on_ticket, in_messages)]
