"""Delivery of staff replies to the chat: at least once, never twice, in order;
a user who blocked the bot is flagged on the ticket and staff are warned."""

from __future__ import annotations

import threading
from datetime import datetime

import pytest
from sqlalchemy import select

from ceres_core.clock import PARIS
from ceres_core.errors import NotFound
from tickets.delivery import MAX_ATTEMPTS
from tickets.models import Delivery, DeliveryStatus, Ticket
from tickets.services import (
    Requester,
    RoutingInput,
    add_staff,
    claim,
    get_ticket_detail,
    list_queue,
    mark_delivered,
    mark_failed,
    mark_requester_blocked,
    open_ticket,
    pending_deliveries,
    requester_message,
    staff_reply,
)

PASSWORD = "un-mot-de-passe-long"
CHAT = 4242


@pytest.fixture
def ticket(core, clock):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    add_staff(core, "alice", "Alice", PASSWORD, ["assistance"])
    opened = open_ticket(core, Requester(CHAT, "Demandeur"), "Aide", None, RoutingInput())
    claim(core, "alice", opened.ticket_id)  # announces the take-over (delivery 1)
    return opened


def _drain(core):
    sent = []
    while items := pending_deliveries(core, 10):
        for item in items:
            mark_delivered(core, item.id, 9000 + item.id)
            sent.append(item)
    return sent


def test_reply_is_delivered_once_and_marking_twice_is_a_noop(core, ticket):
    _drain(core)
    staff_reply(core, "alice", ticket.ticket_id, "Voici la réponse.")
    items = pending_deliveries(core, 10)
    assert len(items) == 1 and "Voici la réponse." in items[0].text
    assert items[0].chat_id == CHAT and items[0].idempotency_key.startswith("ticket-message-")
    assert pending_deliveries(core, 10) == []  # leased: not handed out again
    assert mark_delivered(core, items[0].id, 555) is True
    assert mark_delivered(core, items[0].id, 556) is False  # retry after success
    with core.transaction() as db:
        d = db.get(Delivery, items[0].id)
        assert (d.status, d.telegram_message_id) == (DeliveryStatus.SENT, 555)
    assert pending_deliveries(core, 10) == []
    with pytest.raises(NotFound):
        mark_delivered(core, 999999, 1)


def test_expired_lease_is_handed_out_again(core, clock, ticket):
    _drain(core)
    staff_reply(core, "alice", ticket.ticket_id, "Réponse")
    first = pending_deliveries(core, 10, lease_seconds=60)
    assert len(first) == 1
    clock.advance(seconds=61)  # the worker died without marking it
    second = pending_deliveries(core, 10)
    assert [i.id for i in second] == [first[0].id] and second[0].attempt == 2
    # the stale worker's failure report does not undo the new lease
    assert mark_failed(core, first[0].id, "timeout", lease_token=first[0].lease_token) is DeliveryStatus.SENDING
    assert mark_delivered(core, second[0].id, 1) is True


def test_failures_are_retried_with_backoff_then_staff_warned(core, clock, ticket):
    _drain(core)
    staff_reply(core, "alice", ticket.ticket_id, "Réponse")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        items = pending_deliveries(core, 10)
        assert len(items) == 1 and items[0].attempt == attempt
        status = mark_failed(core, items[0].id, "Bad Gateway", lease_token=items[0].lease_token)
        assert pending_deliveries(core, 10) == []  # backoff
        clock.advance(hours=1)
    assert status is DeliveryStatus.FAILED
    detail = get_ticket_detail(core, "alice", ticket.ticket_id)
    assert any(m.internal and "n'a pas pu être remis" in m.text for m in detail.messages)


def test_one_chat_in_order(core, ticket):
    _drain(core)
    staff_reply(core, "alice", ticket.ticket_id, "Un")
    staff_reply(core, "alice", ticket.ticket_id, "Deux")
    first = pending_deliveries(core, 10)
    assert len(first) == 1 and "Un" in first[0].text  # "Deux" waits for "Un"
    mark_delivered(core, first[0].id, 1)
    second = pending_deliveries(core, 10)
    assert len(second) == 1 and "Deux" in second[0].text


def test_two_workers_never_get_the_same_message(core, clock):
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS))
    add_staff(core, "alice", "Alice", PASSWORD, ["assistance"])
    for chat in range(20):
        opened = open_ticket(core, Requester(100 + chat, "D"), "Aide", None, RoutingInput())
        staff_reply(core, "alice", opened.ticket_id, f"Réponse {chat}")
    got: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def worker(n):
        barrier.wait()
        for _ in range(5):
            got[n].extend(i.id for i in pending_deliveries(core, 3))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not set(got[0]) & set(got[1])
    assert len(got[0]) + len(got[1]) == 20


def test_blocked_requester_is_flagged_and_replies_held_until_they_return(core, ticket):
    _drain(core)
    staff_reply(core, "alice", ticket.ticket_id, "Première réponse")
    items = pending_deliveries(core, 10)
    # the bot gets "Forbidden: bot was blocked by the user"
    assert mark_requester_blocked(core, CHAT) == [ticket.number]
    assert mark_requester_blocked(core, CHAT) == []  # idempotent
    page = list_queue(core, "alice", "assistance")
    assert page.items[0].ticket.requester_blocked
    detail = get_ticket_detail(core, "alice", ticket.ticket_id)
    assert any(m.internal and "bloqué l'assistant" in m.text for m in detail.messages)
    # the reply in flight and new ones are held back
    staff_reply(core, "alice", ticket.ticket_id, "Deuxième réponse")
    assert pending_deliveries(core, 10) == []
    assert mark_delivered(core, items[0].id, 1) is True  # a late success still counts
    # the user writes again: the flag is cleared and held replies are queued again
    requester_message(core, CHAT, ticket.ticket_id, "Je suis de retour")
    with core.transaction() as db:
        assert db.get(Ticket, ticket.ticket_id).requester_blocked is False
        pending = db.scalars(select(Delivery).where(Delivery.status == DeliveryStatus.PENDING)).all()
    assert ["Deuxième réponse" in d.text for d in pending] == [True]


# -- the periodic closing of resolved tickets (bot.delivery_worker) ----------------------------


async def test_worker_closes_expired_resolved_tickets(core, clock, ticket):
    from types import SimpleNamespace

    from bot.delivery_worker import DeliveryWorker
    from tickets.services import get_my_ticket, set_status

    _drain(core)
    set_status(core, "alice", ticket.ticket_id, "résolu")
    worker = DeliveryWorker(None, SimpleNamespace(core=core))  # type: ignore[arg-type]
    assert await worker.close_expired() == []  # within the reopening delay (7 days)
    clock.advance(days=8)
    assert await worker.close_expired() == [ticket.number]
    assert get_my_ticket(core, CHAT, ticket.ticket_id).ticket.status == "clos"


async def test_worker_calls_the_closing_periodically_and_survives_its_errors(core, monkeypatch):
    import asyncio
    from types import SimpleNamespace

    from bot import delivery_worker
    from tickets import services as ticket_services

    calls: list[object] = []

    def fake_close(core_):
        calls.append(core_)
        if len(calls) == 2:
            raise RuntimeError("base indisponible")
        return []

    monkeypatch.setattr(ticket_services, "close_expired_resolved", fake_close)
    worker = delivery_worker.DeliveryWorker(None, SimpleNamespace(core=core),  # type: ignore[arg-type]
                                            interval=0.01, close_interval=0.1)
    assert worker.close_interval == 0.1
    assert delivery_worker.DeliveryWorker(None, None).close_interval == 600  # type: ignore[arg-type]
    worker.start()
    try:
        await asyncio.sleep(0.05)
        assert calls == [core]  # once at start
        await asyncio.sleep(0.45)
    finally:
        await worker.stop()
    assert 4 <= len(calls) <= 6  # every 0.1 s, the loop still alive after the failure
