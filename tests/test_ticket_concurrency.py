"""Two staff members claim the same ticket at once: exactly one wins (SQLite and PostgreSQL).

Each thread has its own connection (its own ORM session from the core's factory);
a barrier releases them together.
"""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select, update

from ceres_core.clock import PARIS
from ceres_core.errors import CeresError
from tickets.models import Ticket, TicketEvent
from tickets.services import Requester, RoutingInput, add_staff, claim, open_ticket

PASSWORD = "un-mot-de-passe-long"


def _race(calls):
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


@pytest.mark.parametrize("round_", range(8))
def test_two_concurrent_claims_exactly_one_wins(core, clock, round_):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    add_staff(core, "alice", "Alice", PASSWORD, ["assistance"])
    add_staff(core, "bob", "Bob", PASSWORD, ["assistance"])
    opened = open_ticket(core, Requester(7, "Demandeur"), "Aide", None, RoutingInput())
    results = _race([lambda: claim(core, "alice", opened.ticket_id),
                     lambda: claim(core, "bob", opened.ticket_id)])
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], CeresError)
    assert "vient d'être prise en charge par" in losses[0].message
    with core.transaction() as db:
        ticket = db.get(Ticket, opened.ticket_id)
        assert ticket.assignee.display_name == wins[0].assignee
        assignments = db.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                      TicketEvent.action == "assignee")
        ).all()
        assert len(assignments) == 1


def test_conditional_update_with_two_raw_sessions(core, clock):
    """The primitive itself: two sessions, each its own connection and transaction."""
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    add_staff(core, "alice", "Alice", PASSWORD, ["assistance"])
    add_staff(core, "bob", "Bob", PASSWORD, ["assistance"])
    opened = open_ticket(core, Requester(7, "Demandeur"), "Aide", None, RoutingInput())

    def attempt(staff_id: int) -> int:
        for _ in range(20):
            try:
                with core.transaction() as db:
                    return db.execute(
                        update(Ticket)
                        .where(Ticket.id == opened.ticket_id, Ticket.assignee_id.is_(None))
                        .values(assignee_id=staff_id)
                    ).rowcount
            except Exception as exc:  # SQLite "database is locked": retry like the service
                if "locked" not in str(exc):
                    raise
        raise AssertionError("never got the lock")

    results = _race([lambda: attempt(1), lambda: attempt(2)])
    assert sorted(results) == [0, 1]
