"""The helpdesk end to end in Chromium: two requesters on the demo chat page, two
agents on the dashboard (issue 11).

Two demo accounts (one at a phone's width) each open two tickets from the chat; two
agents of the same queue, in two browser contexts, answer them (one answer with a
file); each requester answers a given staff message with the page's « Répondre »
(a Telegram ``reply_to_message``) and the message lands in that ticket, not in the
most recently updated one; a file goes from a requester to a ticket (downloadable on
the dashboard) and from staff to a requester (a link in the chat); a resolved
ticket is reopened from the chat; two tickets are merged on the dashboard and the
requester is told; the queue page left open updates by itself. Everything is checked as each user sees it, in French.

Set ``CERES_SCREENSHOTS=/some/dir`` to keep a screenshot of the main steps.
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
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
SECOND_AGENT = ("agent.assistance", "Hugo Lefort (Assistance des ministères)")
WAIT = 15_000  # ms: the bot answers through the local Bot API, the outbox and the page's polling
NUMBER = re.compile(r"T-\d{4}-\d{6}")


@pytest.fixture
async def demo(core, clock, tmp_path, monkeypatch):
    from bot.cli.demo import start_demo
    from bot.demo_staff import DEMO_STAFF_PASSWORD
    from ceres_core.demo import load_demo
    from tickets.services import add_staff

    clock.set(MONDAY_9)
    monkeypatch.setenv("CERES_ATTACHMENTS_DIR", str(tmp_path / "pieces-jointes"))
    load_demo(core)
    add_staff(core, SECOND_AGENT[0], SECOND_AGENT[1], DEMO_STAFF_PASSWORD, ["assistance"])
    url, stop = await start_demo(core, "127.0.0.1", 0)
    try:
        yield url
    finally:
        await stop()


async def _shot(page, name: str) -> None:
    folder = os.environ.get("CERES_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"{name}.png"))


# -- the requester's side: the demo chat page -------------------------------------------------


async def _chat(browser, url: str, login: str, name: str, **context_options):
    from playwright.async_api import expect

    context = await browser.new_context(locale="fr-FR", **context_options)
    page = await context.new_page()
    await page.goto(url)
    await page.select_option("#account", login)
    await expect(page.locator(".msg.bot").last).to_contain_text(name, timeout=WAIT)
    return page


async def _say(page, text: str) -> None:
    await page.fill("#text", text)
    await page.press("#text", "Enter")


async def _open_ticket(page, question: str) -> str:
    """A question the assistant cannot answer, then « Ouvrir un ticket » and « Envoyer »:
    the ticket number the bot gives."""
    from playwright.async_api import expect

    before = await page.locator(".msg.bot").count()
    opened = page.locator(".msg.bot", has_text="votre demande porte le numéro")
    already = await opened.count()
    await _say(page, question)
    answer = page.locator(".msg.bot").nth(before)
    await expect(answer.get_by_role("button", name="Ouvrir un ticket")).to_be_visible(timeout=WAIT)
    await answer.get_by_role("button", name="Ouvrir un ticket").click()
    draft = page.locator(".msg.bot", has_text=f"« {question} »").last
    await expect(draft.get_by_role("button", name="Envoyer")).to_be_visible(timeout=WAIT)
    await draft.get_by_role("button", name="Envoyer").click()
    await expect(opened).to_have_count(already + 1, timeout=WAIT)
    return NUMBER.search(await opened.last.inner_text()).group(0)


def _bot_message(page, *texts: str):
    """The last bot message containing every one of ``texts``."""
    locator = page.locator(".msg.bot")
    for text in texts:
        locator = locator.filter(has_text=text)
    return locator.last


async def _reply_to(page, message, text: str) -> None:
    """« Répondre » on ``message``: the quote shows above the input; then send ``text``."""
    from playwright.async_api import expect

    await message.get_by_role("button", name="Répondre à ce message").click()
    await expect(page.locator("#reply-box")).to_be_visible()
    excerpt = (await page.locator("#reply-excerpt").inner_text())[:30]
    assert excerpt and excerpt in " ".join((await message.inner_text()).split())
    await _say(page, text)
    sent = page.locator(".msg.user", has_text=text).last
    await expect(sent.locator(".quote")).to_contain_text(excerpt, timeout=WAIT)
    await expect(page.locator("#reply-box")).to_be_hidden()


# -- the staff's side: the dashboard ----------------------------------------------------------


async def _agent(browser, url: str, login: str):
    from playwright.async_api import expect

    from bot.demo_staff import DEMO_STAFF_PASSWORD

    context = await browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the merge's confirmation
    await page.goto(f"{url}/support/connexion")
    await page.get_by_label("Identifiant").fill(login)
    await page.get_by_label("Mot de passe").fill(DEMO_STAFF_PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Mes files")).to_be_visible()
    return page


async def _ticket(page, url: str, number: str) -> None:
    from playwright.async_api import expect

    await page.goto(f"{url}/support/demandes/{number}")
    await expect(page.get_by_role("heading", level=1)).to_be_visible()


async def _answer(page, url: str, number: str, text: str, file=None) -> None:
    from playwright.async_api import expect

    await _ticket(page, url, number)
    await page.locator("#reply-text").fill(text)
    if file is not None:
        await page.locator("#reply-file").set_input_files(file)
    await page.get_by_role("button", name="Envoyer la réponse").click()
    await expect(page.get_by_role("status")).to_contain_text("Réponse enregistrée")
    await expect(page.locator(".msg-staff").last).to_contain_text(text)


@pytest.mark.skipif(not os.path.exists(CHROMIUM),
                    reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_two_requesters_two_agents_threads_files_reopening_and_merge(demo, core):
    from playwright.async_api import async_playwright, expect

    from tickets.services import OPERATOR, get_ticket_detail

    url = demo
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            karim = await _chat(browser, url, "ud75", "Karim Haddad",
                                viewport={"width": 1100, "height": 900})
            sophie = await _chat(browser, url, "centre.formapro", "Sophie Bernard",
                                 viewport={"width": 390, "height": 844}, is_mobile=True,
                                 has_touch=True)
            # Two agents of the Assistance, each in their own browser context; Léa keeps
            # the queue page open in a second tab: it updates by itself.
            lea = await _agent(browser, url, "support.assistance")
            hugo = await _agent(browser, url, SECOND_AGENT[0])
            queue_tab = await lea.context.new_page()
            await queue_tab.goto(f"{url}/support/files/assistance")
            await expect(queue_tab.get_by_role("heading", level=1)).to_contain_text("Assistance")

            # Each requester opens two tickets from the chat.
            k1 = await _open_ticket(karim, "Quel temps fera-t-il demain à la plage ?")
            k2 = await _open_ticket(karim, "Où garer ma voiture près du stade ce soir ?")
            s1 = await _open_ticket(sophie, "Quel menu à la cantine de mon fils jeudi ?")
            s2 = await _open_ticket(sophie, "Quelle chaîne diffuse le match de rugby samedi ?")
            assert len({k1, k2, s1, s2}) == 4
            queues = {n: get_ticket_detail(core, OPERATOR, n).ticket.queue for n in (k1, k2, s1, s2)}
            assert set(queues.values()) == {"assistance"}, queues
            for number in (k1, k2, s1, s2):  # no reload: the live region was refreshed
                await expect(queue_tab.locator("table.queue")).to_contain_text(number, timeout=WAIT)
            await _answer(lea, url, k1, "Quel est le numéro de la session concernée ?")
            await _answer(hugo, url, k2, "De quel site s'agit-il ?")
            await _answer(lea, url, s1, "Pouvez-vous nous envoyer une capture d'écran ?")
            await _answer(hugo, url, s2, "Voici la notice demandée.",
                          file={"name": "notice-support.pdf", "mimeType": "application/pdf",
                                "buffer": b"%PDF-1.4\n% notice du support\n%%EOF\n"})

            # Karim answers the older staff message (k1), though k2 was updated last.
            on_k1 = _bot_message(karim, f"Réponse du support – demande {k1}")
            await expect(on_k1).to_contain_text("numéro de la session", timeout=WAIT)
            await expect(_bot_message(karim, f"Réponse du support – demande {k2}")).to_contain_text(
                "De quel site", timeout=WAIT)
            await _reply_to(karim, on_k1, "C'est la session TITRE_B_2026_470405.")
            await expect(_bot_message(karim, "Message transmis", k1)).to_contain_text(
                "à l'Assistance des ministères", timeout=WAIT)
            k1_row = queue_tab.locator("table.queue tr", has_text=k1)
            await expect(k1_row).to_contain_text("le demandeur a répondu", timeout=WAIT)
            await expect(queue_tab.locator("table.queue tr", has_text=k2)).not_to_contain_text(
                "le demandeur a répondu")
            await _ticket(lea, url, k1)
            await expect(lea.locator(".msg-requester").last).to_contain_text("TITRE_B_2026_470405")
            await _ticket(hugo, url, k2)
            await expect(hugo.locator("#live-messages")).not_to_contain_text("TITRE_B_2026_470405")

            # Sophie (phone width) receives the staff's file as a link that opens it…
            link = _bot_message(sophie, f"demande {s2}").locator("a.document")
            await expect(link).to_contain_text("notice-support.pdf", timeout=WAIT)
            got = await sophie.request.get(url + await link.get_attribute("href"))
            assert got.status == 200 and (await got.body()).startswith(b"%PDF-1.4\n% notice du support")
            assert await sophie.evaluate("document.documentElement.scrollWidth") <= 390
            # …and answers s1 (the older one) with a screenshot: « Répondre » + the paperclip.
            on_s1 = _bot_message(sophie, f"Réponse du support – demande {s1}")
            await on_s1.get_by_role("button", name="Répondre à ce message").click()
            await sophie.locator("#file").set_input_files(
                {"name": "capture-ceres.png", "mimeType": "image/png",
                 "buffer": b"\x89PNG\r\n\x1a\n" + b"\0" * 64})
            await expect(sophie.locator("#file-box")).to_contain_text("capture-ceres.png")
            await expect(sophie.locator("#reply-box")).to_contain_text(f"demande {s1}")
            await _shot(sophie, "chat-telephone-reponse-et-fichier")
            await _say(sophie, "La capture de l'erreur")
            mine = sophie.locator(".msg.user", has_text="capture-ceres.png").last
            await expect(mine.locator(".quote")).to_contain_text(s1, timeout=WAIT)
            await expect(mine).to_contain_text("La capture de l'erreur")
            await expect(_bot_message(sophie, "Fichier ajouté", s1)).to_contain_text(
                "et transmis à l'Assistance des ministères", timeout=WAIT)
            await expect(sophie.locator("#pending")).to_be_hidden()
            # The agent finds it on s1 (not s2) and downloads it.
            await _ticket(lea, url, s1)
            attachment = lea.locator(".msg-requester .files a", has_text="capture-ceres.png")
            await expect(attachment).to_be_visible()
            got = await lea.request.get(url + await attachment.get_attribute("href"))
            assert got.status == 200 and (await got.body()).startswith(b"\x89PNG")
            await _ticket(hugo, url, s2)
            await expect(hugo.locator("#live-messages")).not_to_contain_text("capture-ceres.png")
            await _shot(lea, "tableau-de-bord-piece-jointe")
            await _shot(sophie, "chat-telephone-apres-envoi")

            # A resolved ticket reopened from the chat, by answering the resolution.
            await _ticket(lea, url, k1)
            await lea.get_by_label("Statut", exact=True).select_option("resolu")
            await lea.get_by_role("button", name="Changer le statut").click()
            await expect(lea.locator(".ticket-head .status")).to_have_text("résolu")
            resolved = _bot_message(karim, f"Votre demande {k1} est résolue")
            await expect(resolved).to_be_visible(timeout=WAIT)
            await _reply_to(karim, resolved, "Le problème est revenu ce matin.")
            await expect(_bot_message(karim, f"rouvert la demande {k1}")).to_contain_text(
                "il est transmis à l'Assistance des ministères", timeout=WAIT)
            await _ticket(lea, url, k1)
            await expect(lea.locator(".ticket-head .status")).not_to_have_text("résolu")
            await expect(lea.locator(".msg-requester").last).to_contain_text("revenu ce matin")
            await _shot(karim, "chat-reouverture")

            # Two of Sophie's tickets merged on the dashboard: she is told.
            await _ticket(hugo, url, s2)
            await hugo.get_by_label("Fusionner cette demande dans la demande n°").fill(s1)
            await hugo.get_by_label("Je confirme la fusion").check()
            await hugo.get_by_role("button", name="Fusionner").click()
            await expect(hugo.get_by_role("status")).to_contain_text(s1)
            await expect(_bot_message(sophie, f"Votre demande {s2} a été regroupée")).to_contain_text(
                f"avec votre demande {s1}", timeout=WAIT)
            await _ticket(hugo, url, s2)
            await expect(hugo.locator(".ticket-head .status")).to_have_text("clos")
        finally:
            await browser.close()

    # What the database holds matches what each user saw.
    def texts_of(number: str) -> list[str]:
        return [m.text for m in get_ticket_detail(core, OPERATOR, number).messages]

    assert any("TITRE_B_2026_470405" in t for t in texts_of(k1))
    assert not any("TITRE_B_2026_470405" in t for t in texts_of(k2))
    assert any("revenu ce matin" in t for t in texts_of(k1))
