"""The demo's local chat page, in a real Chromium driven by Playwright."""

from __future__ import annotations

import os

import pytest

pytestmark = pytest.mark.e2e

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
async def demo(core):
    from bot.cli.demo import start_demo
    from ceres_core.demo import load_demo

    load_demo(core)
    url, stop = await start_demo(core, "127.0.0.1", 0)
    try:
        yield url
    finally:
        await stop()


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_chat_page_links_an_account_asks_and_walks_a_procedure(demo):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = await browser.new_page()
            await page.goto(demo)
            await expect(page.locator(".msg.bot").first).to_contain_text("CERES Assist")
            # Pick a demo account: the page links the chat with a one-time code.
            await page.select_option("#account", "ud75")
            await expect(page.locator(".msg.bot").last).to_contain_text("Karim Haddad", timeout=10000)
            await page.fill("#text", "/moi")
            await page.press("#text", "Enter")
            await expect(page.locator(".msg.bot").last).to_contain_text("Paris")
            # A question, then the helpful button.
            await page.fill("#text", "Comment demander un duplicata ?")
            await page.click("button[type=submit]")
            answer = page.locator(".msg.bot").last
            await expect(answer).to_contain_text("Demander un duplicata")
            await answer.get_by_role("button", name="👍 Utile").click()
            await expect(page.locator("#toast")).to_contain_text("Merci")
            await expect(answer.get_by_role("button", name="👍 Utile")).to_have_count(0)
            # A procedure with buttons and typed dates.
            await page.fill("#text", "/dte")
            await page.press("#text", "Enter")
            await page.locator(".msg.bot").last.get_by_role("button", name="Quand le commander, quand il arrive").click()
            await page.locator(".msg.bot").last.get_by_role("button", name="Titre professionnel (TP)").click()
            await expect(page.locator(".msg.bot").last).to_contain_text("date de début")
            await page.fill("#text", "15 mars 2027")
            await page.press("#text", "Enter")
            await expect(page.locator(".msg.bot").last).to_contain_text("département")
            await page.fill("#text", "974")
            await page.press("#text", "Enter")
            await expect(page.locator(".msg.bot").last).to_contain_text("Date limite de commande du DTE")
        finally:
            await browser.close()


async def test_demo_serves_the_dashboard_with_demo_staff(demo, core):
    import re

    import aiohttp

    from bot.demo_staff import DEMO_STAFF, DEMO_STAFF_PASSWORD, ensure_demo_staff
    from tickets.services import list_staff

    staff = {info.login: info.queues for info in list_staff(core)}
    assert staff["gev.btp"] == ("gev-btp",) and staff["dreets.idf.support"] == ("dreets-11",)
    assert set(DEMO_STAFF) <= set(staff)
    assert ensure_demo_staff(core) == []  # idempotent: a second start creates nothing
    # unsafe: keep cookies for an IP address (127.0.0.1)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        page = await (await http.get(demo)).text()
        assert '<a href="/support/"' in page and "Tableau de bord du support" in page
        assert DEMO_STAFF_PASSWORD in page
        login = await (await http.get(f"{demo}/support/connexion")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        resp = await http.post(f"{demo}/support/connexion", allow_redirects=False,
                               data={"csrf_token": token, "login": "gev.btp",
                                     "password": DEMO_STAFF_PASSWORD})
        assert resp.status == 303 and resp.headers["Location"] == "/support/"
        home = await (await http.get(f"{demo}/support/")).text()
        assert "Mes files" in home and 'href="/support/files/gev-btp"' in home


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Chromium absent (/usr/bin/chromium) : apt-get install chromium")
async def test_chat_page_at_a_phone_width_opens_the_documents_the_bot_sends(demo):
    from playwright.async_api import async_playwright, expect

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            # A phone: 390 × 844 CSS pixels, touch.
            context = await browser.new_context(viewport={"width": 390, "height": 844},
                                                is_mobile=True, has_touch=True)
            page = await context.new_page()
            await page.goto(demo)
            await page.select_option("#account", "ud75")
            await expect(page.locator(".msg.bot").last).to_contain_text("Karim Haddad", timeout=10000)
            # Nothing wider than the screen: no horizontal scrolling.
            width = await page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390
            box = await page.locator("#chat").bounding_box()
            assert box is not None and box["width"] >= 350 and box["height"] >= 300
            await page.fill("#text", "/attestation TITRE_B_2026_470405 C260000001")
            await page.press("#text", "Enter")
            link = page.locator(".msg.bot a.document").last
            await expect(link).to_contain_text(".pdf", timeout=10000)
            href = await link.get_attribute("href")
            response = await page.request.get(demo.rstrip("/") + href)
            assert response.status == 200
            assert response.headers["content-type"] == "application/pdf"
            assert (await response.body()).startswith(b"%PDF")
        finally:
            await browser.close()
