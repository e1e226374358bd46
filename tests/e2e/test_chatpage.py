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
