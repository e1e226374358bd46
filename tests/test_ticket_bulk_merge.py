"""Bulk actions and merging (issue 11, « Bulk actions and merging »)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from ceres_core.clock import PARIS
from ceres_core.errors import CeresError
from tests.test_dashboard import FormClient, logged_in
from tickets.models import Delivery, Ticket, TicketMessage
from tickets.services import (
    TARGET_REPLY,
    Requester,
    RoutingInput,
    add_staff,
    bulk_update,
    mark_delivered,
    merge_tickets,
    open_ticket,
    pending_deliveries,
    resolve_requester_target,
    staff_reply,
)
from tickets.web import create_app

PASSWORD = "un-mot-de-passe-long"
SECRET = "secret-de-test-pour-les-sessions"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
USER = Requester(1001, "Jeanne Centre", "jcentre")
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def dte(core, subject="DTE non reçu", requester=USER):
    return open_ticket(core, requester, subject, None, RoutingInput(topic="dte-non-recu", sector="btp"))


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "bob", "Bob GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "dora", "Dora Assistance", PASSWORD, ["assistance"])
    return core


def test_merge_a_duplicate_keeps_the_transcript_tells_the_requester_and_rethreads(desk):
    kept, duplicate = dte(desk), dte(desk, "Colis DTE toujours pas là")
    staff_reply(desk, "alice", duplicate.number, "Nous regardons.")
    item = pending_deliveries(desk, 10)[0]
    mark_delivered(desk, item.id, 9001)
    merged = merge_tickets(desk, "alice", duplicate.number, kept.number)
    assert merged.number == kept.number
    with desk.transaction() as db:
        source = db.get(Ticket, duplicate.ticket_id)
        assert source.status.value == "clos" and source.context["merged_into"] == kept.number
        note = db.scalars(select(TicketMessage).where(TicketMessage.ticket_id == kept.ticket_id,
                                                      TicketMessage.internal.is_(True))).all()[-1]
        assert duplicate.number in note.text and "Nous regardons." in note.text
        told = db.scalars(select(Delivery).where(Delivery.ticket_id == duplicate.ticket_id)
                          .order_by(Delivery.id)).all()[-1].text
    assert f"regroupée avec votre demande {kept.number}" in told
    # a reply to the duplicate's message now goes to the kept ticket
    target = resolve_requester_target(desk, USER.chat_id, 9001)
    assert target.kind == TARGET_REPLY and target.ticket.number == kept.number
    other = dte(desk, requester=Requester(2002, "Autre centre"))
    with pytest.raises(CeresError, match="pas le même demandeur"):
        merge_tickets(desk, "alice", other.number, kept.number)
    with pytest.raises(CeresError, match="elle-même"):
        merge_tickets(desk, "alice", kept.number, kept.number)


def test_bulk_actions_each_ticket_on_its_own(desk):
    a, b = dte(desk), dte(desk, "Second")
    elsewhere = open_ticket(desk, USER, "Question", None, RoutingInput(category="utilisation"))
    result = bulk_update(desk, "alice", [a.number, b.number, elsewhere.number], assignee="bob")
    assert result.done == [a.number, b.number]
    assert [n for n, _ in result.refused] == [elsewhere.number]
    result = bulk_update(desk, "alice", [a.number, b.number], status="en attente du demandeur")
    assert result.done == [a.number, b.number]
    result = bulk_update(desk, "alice", [a.number], queue="assistance")
    assert result.done == [a.number]
    with pytest.raises(CeresError):
        bulk_update(desk, "alice", [a.number], status="resolu", queue="assistance")


async def test_bulk_and_merge_on_the_dashboard(desk):
    a, b, c = dte(desk), dte(desk, "Second"), dte(desk, "Troisième")
    async with FormClient(TestServer(create_app(desk, secret=SECRET, articles=[]))) as client:
        token = await logged_in(client, "alice")
        page = await (await client.get("/files/gev-btp")).text()
        assert 'name="numeros"' in page and 'form="bulk-form"' in page
        resp = await client.post("/files/gev-btp/lot", data={
            "csrf_token": token, "form_token": _FORM_TOKEN.search(page)[1],
            "numeros": [a.number, b.number], "action": "attribuer", "assignee": "bob",
            "status": "en_cours", "queue": "assistance", "confirmer": "oui"})
        assert "2 demandes modifiées" in await resp.text()
        resp = await client.post(f"/demandes/{c.number}/fusionner",
                                 data={"csrf_token": token, "into": a.number, "confirmer": "oui"})
        assert resp.url.path == f"/demandes/{a.number}"
        assert f"fusionnée dans {a.number}" in await resp.text()
    with desk.transaction() as db:
        assert db.get(Ticket, a.ticket_id).assignee.login == "bob"
        assert db.get(Ticket, c.ticket_id).status.value == "clos"
