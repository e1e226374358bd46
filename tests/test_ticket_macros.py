"""Macros: the queue's reply templates as data, edited on the dashboard (issue 11,
« Macros editable on the dashboard »): placeholders, article cited in plain text,
status change on sending, per queue and only for its members."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from tests.test_dashboard import FormClient, articles, logged_in
from tickets.macros import STANDARD_MACROS, compose, fill, find_macro
from tickets.models import Delivery, Ticket
from tickets.services import (
    Requester,
    RoutingInput,
    add_staff,
    delete_macro,
    list_macros,
    open_ticket,
    save_macro,
)
from tickets.web import create_app

PASSWORD = "un-mot-de-passe-long"
SECRET = "secret-de-test-pour-les-sessions"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "carol", "Carol DREETS", PASSWORD, ["dreets-53"])
    return core


def test_every_queue_starts_with_the_five_standard_macros(desk):
    macros = list_macros(desk, "alice", "gev-btp")
    assert [m.title for m in macros] == [m.title for m in STANDARD_MACROS]
    assert find_macro(macros, "resolution").set_status == "resolu"
    with pytest.raises(RuleViolation):
        list_macros(desk, "carol", "gev-btp")


def test_macros_are_data_per_queue_with_placeholders_checked(desk):
    made = save_macro(desk, "alice", "gev-btp", title="Colis relancé",
                      body="Bonjour {demandeur}, le colis de {numero} est relancé. — {agent}, {file}",
                      article_id="dte-non-recu", set_status="en attente du demandeur")
    assert made.set_status == "en_attente" and made.key == str(made.id)
    assert "Colis relancé" not in [m.title for m in list_macros(desk, "carol", "dreets-53")]
    for body, message in (("Bonjour {nom}", "Champ inconnu"), ("Bonjour {", "accolade"), ("  ", "vide")):
        with pytest.raises(InvalidInput, match=message):
            save_macro(desk, "alice", "gev-btp", title="x", body=body)
    changed = save_macro(desk, "alice", "gev-btp", macro_id=made.id, title="Colis relancé (2)",
                         body=made.body)
    assert changed.set_status is None and changed.title == "Colis relancé (2)"
    with pytest.raises(NotFound):
        save_macro(desk, "carol", "dreets-53", macro_id=made.id, title="vol", body="x")
    delete_macro(desk, "alice", "gev-btp", made.id)
    assert made.id not in [m.id for m in list_macros(desk, "alice", "gev-btp")]

    text = fill(made.body, requester="Sophie Bernard (Formapro Paris)", number="T-2026-000001",
                agent="Alice GEV", queue="gev-btp")
    assert text == "Bonjour Sophie Bernard, le colis de T-2026-000001 est relancé. — Alice GEV, GEV BTP"
    cited = compose(made, None, articles(), requester="X", number="T", agent="A", queue="gev-btp")
    assert "Plis d'examen" in cited and "**" not in cited


async def test_macros_edited_on_the_dashboard_and_applied_with_their_status(desk):
    opened = open_ticket(desk, Requester(1001, "Jeanne Centre"), "DTE non reçu", None,
                         RoutingInput(topic="dte-non-recu", sector="btp"))
    app = create_app(desk, secret=SECRET, articles=articles())
    async with FormClient(TestServer(app)) as client:
        token = await logged_in(client, "alice")
        page = await (await client.get("/files/gev-btp/modeles")).text()
        assert "Clôture après résolution" in page
        resp = await client.post("/files/gev-btp/modeles", data={
            "csrf_token": token, "form_token": _FORM_TOKEN.search(page)[1],
            "title": "Résolu par le transporteur", "body": "Bonjour {demandeur}, c'est livré.",
            "article_id": "", "set_status": "resolu"})
        assert resp.status == 200 and "Modèle enregistré." in await resp.text()
        # a bad placeholder: refused, what was typed is kept
        page = await (await client.get("/files/gev-btp/modeles")).text()
        resp = await client.post("/files/gev-btp/modeles", data={
            "csrf_token": token, "form_token": _FORM_TOKEN.search(page)[1],
            "title": "Faux", "body": "Bonjour {prenom}", "article_id": "", "set_status": ""})
        assert resp.status == 409
        html = unescape(await resp.text())
        assert "Champ inconnu dans le modèle : {prenom}" in html and "Bonjour {prenom}" in html
        assert (await client.get("/files/dreets-53/modeles")).status == 403

        made = next(m for m in list_macros(desk, "alice", "gev-btp") if m.title.startswith("Résolu par"))
        page = await (await client.get(f"/demandes/{opened.number}")).text()
        resp = await client.post(f"/demandes/{opened.number}/inserer", data={
            "csrf_token": token, "form_token": _FORM_TOKEN.search(page)[1], "text": "",
            "modele": made.key, "article": ""})
        html = unescape(await resp.text())
        assert "Bonjour Jeanne Centre, c'est livré." in html
        assert '<option value="resolu" selected>' in html  # the macro's status, proposed
        resp = await client.post(f"/demandes/{opened.number}/repondre", data={
            "csrf_token": token, "text": "Bonjour Jeanne Centre, c'est livré.",
            "then_status": "resolu"})
        assert "Statut : résolu." in unescape(await resp.text())
    with desk.transaction() as db:
        ticket = db.get(Ticket, opened.ticket_id)
        assert ticket.status.value == "resolu"
        texts = [d.text for d in db.scalars(select(Delivery).order_by(Delivery.id))]
    assert "c'est livré" in texts[-2] and "est résolue" in texts[-1]
