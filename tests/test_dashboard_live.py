"""Live queues (issue 11, « Live queues »): server-sent events from the database's audit
trail, unread and « le demandeur a répondu » markers, the « mon travail » view. The
pages stay complete without JavaScript (the markers are in the HTML)."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

import pytest
from aiohttp.test_utils import TestServer

from ceres_core.clock import PARIS
from tests.test_dashboard import FormClient, linked, logged_in
from tickets.services import (
    Requester,
    RoutingInput,
    add_staff,
    assign,
    changes_since,
    claim,
    my_work,
    open_ticket,
    requester_message,
)
from tickets.web import create_app

PASSWORD = "un-mot-de-passe-long"
SECRET = "secret-de-test-pour-les-sessions"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
USER = Requester(1001, "Jeanne Centre", "jcentre")


def dte(core, subject="DTE non reçu"):
    return open_ticket(core, USER, subject, None, RoutingInput(topic="dte-non-recu", sector="btp"))


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "bob", "Bob GEV", PASSWORD, ["gev-btp", "dreets-53"])
    return core


def test_changes_since_reads_the_audit_trail(desk):
    last, changes = changes_since(desk, None)
    assert changes == []
    opened = dte(desk)
    claim(desk, "alice", opened.number)
    last, changes = changes_since(desk, last)
    assert [(c.ticket_number, c.queue, c.action) for c in changes] == [
        (opened.number, "gev-btp", "created"), (opened.number, "gev-btp", "assignee"),
        (opened.number, "gev-btp", "status")]
    assert changes_since(desk, last) == (last, [])


async def _next_event(resp, timeout=10.0) -> dict:
    buffer = ""
    async def read():
        nonlocal buffer
        while True:
            line = (await resp.content.readline()).decode()
            if line.startswith("data: "):
                return json.loads(line[6:])
    return await asyncio.wait_for(read(), timeout)


async def test_queue_stream_tells_the_open_page_about_other_agents_work(desk):
    app = create_app(desk, secret=SECRET, articles=[], live_interval=0.05)
    async with FormClient(TestServer(app)) as client:
        await logged_in(client, "alice")
        html = await (await client.get("/files/gev-btp")).text()
        assert 'data-live-url="/files/gev-btp/flux"' in html and "live.js" in html
        resp = await client.get("/files/gev-btp/flux")
        assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
        await asyncio.sleep(0.2)  # the feed took its starting point
        opened = await asyncio.to_thread(dte, desk)  # another agent, the bot…
        event = await _next_event(resp)
        assert event == {"numero": opened.number, "file": "gev-btp", "action": "created"}
        # a queue that is not hers: no stream
        assert (await client.get("/files/dreets-53/flux")).status == 403
        resp.close()


async def test_unread_and_requester_replied_markers_and_my_work(desk):
    first, second = dte(desk), dte(desk, "Lien expiré")
    claim(desk, "alice", first.number)
    assign(desk, "bob", second.number, "alice")
    requester_message(desk, USER.chat_id, first.ticket_id, "Toujours rien reçu.")
    rows = my_work(desk, "alice")
    assert {r.ticket.number for r in rows} == {first.number, second.number}
    assert all(r.unread for r in rows)
    assert [r.ticket.requester_replied for r in rows if r.ticket.number == first.number] == [True]
    app = create_app(desk, secret=SECRET, articles=[])
    async with FormClient(TestServer(app)) as client:
        token = await logged_in(client, "alice")
        html = await (await client.get("/mon-travail")).text()
        assert linked(html) == {first.number, second.number}
        assert html.count("non lu") == 2 and "le demandeur a répondu" in html
        await client.get(f"/demandes/{first.number}")  # opened: read
        html = await (await client.get("/files/gev-btp")).text()
        assert html.count(">non lu<") == 1
        await client.post(f"/demandes/{first.number}/repondre",
                          data={"csrf_token": token, "text": "Nous relançons."})
        html = await (await client.get("/files/gev-btp")).text()
        assert "le demandeur a répondu" not in html  # answered since


async def test_a_colleague_on_the_same_ticket_is_shown(desk, clock):
    from tickets.services import mark_seen, ticket_viewers

    opened = dte(desk)
    mark_seen(desk, "bob", opened.number)
    assert [name for name, _ in ticket_viewers(desk, "alice", opened.number)] == ["Bob GEV"]
    assert ticket_viewers(desk, "bob", opened.number) == []  # not oneself
    app = create_app(desk, secret=SECRET, articles=[])
    async with FormClient(TestServer(app)) as client:
        await logged_in(client, "alice")
        html = await (await client.get(f"/demandes/{opened.number}")).text()
        assert "Bob GEV a ouvert cette demande il y a moins de 10 minutes" in html
    clock.advance(minutes=11)
    assert ticket_viewers(desk, "alice", opened.number) == []
