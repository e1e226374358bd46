"""Issue 5 end to end: a user opens a ticket in the chat (the real bot against the
local Bot API server), a staff member answers it on the dashboard in a real Chromium
and marks it résolu, the delivery worker brings the answer to the chat once, the
user rates it with a button and the rating is stored."""

from __future__ import annotations

import asyncio
import os

import pytest

from bot import texts
from tests.e2e.harness import BotHarness
from tests.e2e.test_tickets import eventually, only_ticket, open_from_none
from tickets import services as ts

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "mot-de-passe-du-support"
ANSWER = "Bonjour, la météo n'est pas de notre ressort : consultez Météo-France."


@pytest.fixture
async def dashboard(core):
    from aiohttp import web

    from tickets.web import create_app

    ts.add_staff(core, "lea.assistance", "Léa Moreau", PASSWORD, ["assistance"])
    runner = web.AppRunner(create_app(core, secret="secret-du-parcours-complet-123", articles=[]),
                           access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _texts(harness: BotHarness, chat_id: int) -> list[str]:
    return [m.get("text", "") for m in harness.api.chat_messages(harness.token, chat_id)]


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_ticket_answered_on_the_dashboard_delivered_once_and_rated(
    harness: BotHarness, dashboard: str, core
):
    from playwright.async_api import async_playwright, expect

    # 1. The user opens a ticket in the chat.
    chat = harness.chat("Camille")
    number = await open_from_none(chat, "Quel temps fera-t-il demain à la plage ?")
    ticket = only_ticket(core, chat.chat_id)
    assert ticket.number == number
    chat._mark()

    # 2. A staff member answers it on the dashboard and marks it résolu.
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False, locale="fr-FR")
            page = await context.new_page()
            await page.goto(dashboard)
            await page.get_by_label("Identifiant").fill("lea.assistance")
            await page.get_by_label("Mot de passe").fill(PASSWORD)
            await page.get_by_role("button", name="Se connecter").click()
            await expect(page.get_by_role("heading", name="Mes files")).to_be_visible()
            await page.get_by_role("link", name="Assistance des ministères").first.click()
            await page.get_by_role("link", name=number).click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("plage")
            await page.locator("#reply-text").fill(ANSWER)
            await page.get_by_role("button", name="Envoyer la réponse").click()
            await expect(page.get_by_role("status")).to_contain_text("Réponse enregistrée")
            # The worker delivers the answer to the chat (before the status change).
            await eventually(lambda: any(ANSWER in t for t in _texts(harness, chat.chat_id)))
            await page.get_by_label("Statut", exact=True).select_option("resolu")
            await page.get_by_role("button", name="Changer le statut").click()
            await expect(page.locator(".ticket-head .status")).to_have_text("résolu")
        finally:
            await browser.close()

    # 3. The answer reached the user exactly once, then the résolu announcement with the
    #    rating buttons.
    await eventually(lambda: any("est résolue" in t for t in _texts(harness, chat.chat_id)))
    await asyncio.sleep(0.5)  # nothing else is on its way
    sent = _texts(harness, chat.chat_id)
    assert sum(ANSWER in t for t in sent) == 1
    assert sum("est résolue" in t for t in sent) == 1
    answer = next(t for t in sent if ANSWER in t)
    assert "Réponse du support" in answer and number in answer
    replies = await chat.replies(2)
    announce = replies[-1]
    assert "est résolue" in announce.text
    assert announce.labels() == ["1", "2", "3", "4", "5"]

    # 4. The user rates the answer: the rating is stored.
    rated = await chat.click(announce, "5")
    assert rated.text == texts.TICKET_RATED.format(score=5)
    mine = ts.get_my_ticket(core, chat.chat_id, ticket.id)
    assert mine.rating == 5 and mine.ticket.status == "resolu"
    detail = ts.get_ticket_detail(core, "lea.assistance", ticket.id)
    assert detail.rating == 5 and detail.ticket.assignee == "Léa Moreau"
    assert [m.text for m in detail.messages if m.author_kind == "staff"] == [ANSWER]
