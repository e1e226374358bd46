"""The staff dashboard in a real Chromium (Playwright), without any JavaScript of ours.

Set ``CERES_SCREENSHOTS=/some/dir`` to keep a screenshot of each page.
"""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import pytest

from ceres_core.clock import PARIS

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "un-mot-de-passe-long"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


@pytest.fixture
async def dashboard(core, clock):
    from aiohttp import web

    from tickets.services import Requester, RoutingInput, TicketContext, add_staff, open_ticket
    from tickets.web import create_app

    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice Martin", PASSWORD, ["gev-btp"])
    add_staff(core, "bob", "Bruno Petit", PASSWORD, ["gev-btp"])
    add_staff(core, "carol", "Carole DREETS", PASSWORD, ["dreets-53"])
    subjects = ["Plis d'examen non reçus", "Lien du DTE expiré", "Erreur sur le nom d'un candidat"]
    numbers = []
    for i, subject in enumerate(subjects):
        context = TicketContext(
            question=f"{subject} : la session commence lundi, que faire ?",
            transcript=[{"from": "user", "text": "dte pas reçu"},
                        {"from": "bot", "text": "Avez-vous regardé dans vos courriers indésirables ?"},
                        {"from": "user", "text": "Oui, rien."}],
            topic="dte-non-recu", session_ref=f"TITRE_B_2026_00000{i + 1}", site_code="A1",
        )
        opened = open_ticket(core, Requester(1000 + i, f"Centre {i + 1}", f"centre{i + 1}"), subject,
                             context, RoutingInput(topic="dte-non-recu", sector="btp", session_kind="TP"))
        numbers.append(opened.number)
    open_ticket(core, Requester(3003, "Centre Rennes"), "Transfert de site", None,
                RoutingInput(category="transfert_site", region="53"))
    clock.advance(hours=2, minutes=40)

    runner = web.AppRunner(create_app(core, secret="secret-de-test-navigateur-1234"), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", numbers
    finally:
        await runner.cleanup()


async def _shot(page, name: str) -> None:
    folder = os.environ.get("CERES_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_log_in_open_a_queue_and_a_ticket_reply_and_change_status(dashboard, core):
    from playwright.async_api import async_playwright, expect
    from sqlalchemy import select

    from tickets.models import Delivery, Ticket

    url, numbers = dashboard
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False, locale="fr-FR",
                                                viewport={"width": 1280, "height": 900})
            page = await context.new_page()
            await page.goto(url)
            await expect(page.get_by_role("heading", name="Connexion au support")).to_be_visible()
            await _shot(page, "01-connexion")
            await page.get_by_label("Identifiant").fill("alice")
            await page.get_by_label("Mot de passe").fill("pas le bon")
            await page.get_by_role("button", name="Se connecter").click()
            await expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
            await page.get_by_label("Mot de passe").fill(PASSWORD)
            await page.get_by_role("button", name="Se connecter").click()

            await expect(page.get_by_role("heading", name="Mes files")).to_be_visible()
            await expect(page.get_by_text("Carole DREETS")).to_have_count(0)
            await expect(page.locator("main")).not_to_contain_text("DREETS")
            await _shot(page, "02-mes-files")

            await page.get_by_role("link", name="GEV BTP").click()
            await expect(page.get_by_role("heading", name="GEV BTP")).to_be_visible()
            await expect(page.locator("table.queue tbody tr")).to_have_count(3)
            await expect(page.locator("table.queue")).to_contain_text("1 h 20 restantes")
            await page.get_by_label("Rechercher").fill("candidat")
            await page.get_by_role("button", name="Filtrer").click()
            await expect(page.locator("table.queue tbody tr")).to_have_count(1)
            await page.get_by_role("link", name="Effacer").click()
            await expect(page.locator("table.queue tbody tr")).to_have_count(3)
            await _shot(page, "03-file")

            await page.get_by_role("link", name=numbers[0]).click()
            await expect(page.get_by_role("heading", level=1)).to_contain_text("Plis d'examen non reçus")
            await expect(page.locator(".routing")).to_contain_text("Transmis au GEV BTP")
            # a canned reply citing an article, inserted by the server
            await page.get_by_label("Modèle de réponse").select_option("article")
            await page.get_by_label("Citer un article").select_option("dte-non-recu")
            await page.get_by_role("button", name="Insérer dans la réponse").click()
            await expect(page.locator("#reply-text")).to_have_value(
                re.compile(r"^Bonjour Centre 1,.*Plis d'examen", re.S))
            await page.locator("#reply-text").fill("Bonjour, nous relançons le transporteur aujourd'hui.")
            await page.get_by_role("button", name="Envoyer la réponse").click()
            await expect(page.get_by_role("status")).to_contain_text("Réponse enregistrée")
            await expect(page.locator(".msg-staff").last).to_contain_text("nous relançons le transporteur")

            await page.get_by_label("Note (visible du support seulement)").fill("Transporteur appelé à 11 h.")
            await page.get_by_role("button", name="Ajouter la note").click()
            await expect(page.locator(".msg-internal")).to_contain_text("Transporteur appelé")

            await page.get_by_label("Statut", exact=True).select_option("en_attente")
            await page.get_by_role("button", name="Changer le statut").click()
            await expect(page.get_by_role("status")).to_contain_text("en attente du demandeur")
            await expect(page.locator(".ticket-head .status")).to_have_text("en attente du demandeur")
            await _shot(page, "04-demande")

            await page.get_by_role("link", name="Rapport").click()
            await expect(page.get_by_role("heading", name="Rapport")).to_be_visible()
            await expect(page.locator("table.report")).to_contain_text("GEV BTP")
            await _shot(page, "05-rapport")

            await page.get_by_role("button", name="Se déconnecter").click()
            await expect(page.get_by_role("status")).to_have_text("Vous êtes déconnecté.")
        finally:
            await browser.close()

    with core.transaction() as db:
        ticket = db.scalar(select(Ticket).where(Ticket.number == numbers[0]))
        assert ticket.status.value == "en_attente" and ticket.assignee.login == "alice"
        texts = [d.text for d in db.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id))]
    assert any("nous relançons le transporteur" in t for t in texts)
    assert not any("Transporteur appelé" in t for t in texts)


async def _log_in(page, url: str, who: str) -> None:
    await page.goto(url)
    await page.get_by_label("Identifiant").fill(who)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_queue_page_updates_itself_while_another_agent_works(dashboard, core):
    """Live queues: with JavaScript, a new ticket and a colleague's claim appear on the
    open queue page without reloading it (server-sent events)."""
    import asyncio

    from playwright.async_api import async_playwright, expect

    from tickets.services import Requester, RoutingInput, claim, open_ticket

    url, numbers = dashboard
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = await (await browser.new_context(locale="fr-FR")).new_page()
            await _log_in(page, url, "alice")
            await page.get_by_role("link", name="GEV BTP").click()
            rows = page.locator("table.queue tbody tr")
            await expect(rows).to_have_count(3)
            await page.wait_for_timeout(1500)  # the stream is open
            opened = await asyncio.to_thread(
                open_ticket, core, Requester(2001, "Centre Nouveau"), "Colis abîmé", None,
                RoutingInput(topic="dte-non-recu", sector="btp", session_kind="TP"))
            await expect(rows).to_have_count(4, timeout=10_000)
            await expect(page.locator("#live-count")).to_have_text("4 demandes")
            await expect(page.locator("[data-live-status]")).to_contain_text(
                f"Nouvelle demande : {opened.number}")
            await asyncio.to_thread(claim, core, "bob", numbers[1])
            await expect(page.locator("table.queue tbody tr", has_text=numbers[1])).to_contain_text(
                "Bruno Petit", timeout=10_000)
            await _shot(page, "06-file-en-direct")
        finally:
            await browser.close()


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_defect_6_inserting_a_macro_keeps_the_typed_text_and_double_click_sends_once(dashboard, core):
    """Without JavaScript: « Insérer » keeps what was typed; a double click on « Envoyer »
    (defect 3) stores and sends the reply once."""
    from playwright.async_api import async_playwright, expect
    from sqlalchemy import select

    from tickets.models import Delivery, Ticket

    url, numbers = dashboard
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(java_script_enabled=False, locale="fr-FR")
            page = await context.new_page()
            await _log_in(page, url, "alice")
            await page.goto(f"{url}/demandes/{numbers[2]}")
            await page.locator("#reply-text").fill("Nous avons vérifié la fiche.")
            await page.get_by_label("Modèle de réponse").select_option("resolution")
            await page.get_by_role("button", name="Insérer dans la réponse").click()
            await expect(page.locator("#reply-text")).to_have_value(
                re.compile(r"^Nous avons vérifié la fiche\.\n\nBonjour Centre 3,\n", re.S))
            await expect(page.locator("#then-status")).to_have_value("resolu")
            await page.get_by_role("button", name="Envoyer la réponse").dblclick()
            await expect(page.get_by_role("status")).to_contain_text("Statut : résolu.")
        finally:
            await browser.close()
    with core.transaction() as db:
        ticket = db.scalar(select(Ticket).where(Ticket.number == numbers[2]))
        texts = [d.text for d in db.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id))]
    assert sum("Nous avons vérifié la fiche." in t for t in texts) == 1
    assert ticket.status.value == "resolu"


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_pages_fit_a_phone_width_without_sideways_scrolling(dashboard, core, tmp_path):
    """390×844 (a phone): queue, ticket, « Mon travail » and report pages are no wider
    than the screen (document.documentElement.scrollWidth <= 390)."""
    from playwright.async_api import async_playwright, expect

    from tickets.services import claim

    url, numbers = dashboard
    claim(core, "alice", numbers[0])
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = await browser.new_context(locale="fr-FR", viewport={"width": 390, "height": 844},
                                                is_mobile=True, has_touch=True)
            page = await context.new_page()
            await page.goto(url)
            await page.get_by_label("Identifiant").fill("alice")
            await page.get_by_label("Mot de passe").fill(PASSWORD)
            await page.get_by_role("button", name="Se connecter").click()
            await expect(page.get_by_role("heading", name="Mes files")).to_be_visible()
            widths = {}
            for name, path in (("queue", "/files/gev-btp"), ("ticket", f"/demandes/{numbers[0]}"),
                               ("mon-travail", "/mon-travail"), ("rapport", "/rapport")):
                await page.goto(url + path)
                if name == "ticket":
                    await page.locator("details.transcript summary").click()
                await page.screenshot(path=str(tmp_path / f"phone-{name}.png"), full_page=True)
                await _shot(page, f"phone-{name}")
                widths[name] = await page.evaluate("document.documentElement.scrollWidth")
            assert all(w <= 390 for w in widths.values()), widths
            # on the queue, the subject, the status and the due date are readable
            await page.goto(url + "/files/gev-btp")
            row = page.locator("table.queue tbody tr").first
            await expect(row).to_contain_text("Plis d'examen non reçus")
            for label in ("Objet", "Statut", "Échéance"):
                box = await row.locator(f'td[data-label="{label}"]').bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (label, box)
        finally:
            await browser.close()
