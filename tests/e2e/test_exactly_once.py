"""Nothing lost, nothing done twice (issue 12), end to end: redelivered updates (same
``update_id``, concurrently), a crash after the commit (the reply is sent from the outbox
after restart), a crash before it (the button stays usable), group chats."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from bot import accounts, outbox, texts
from bot.app import SECRET_HEADER
from bot.runtime import Services
from ceres_core.services.printing import print_history
from tests.e2e.harness import BotHarness, Chat, linked
from tests.e2e.test_tickets import agent, only_ticket, open_from_none  # noqa: F401 - fixture
from tickets import services as ts

pytestmark = pytest.mark.e2e

TP = "TITRE_B_2026_470405"
MARTIN = "C260000001"


@pytest.fixture
async def webhook_harness(services: Services):
    h = BotHarness(services, webhook=True)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def redeliver(harness: BotHarness, update: dict, times: int = 2) -> None:
    """Telegram sends the same update again (a slow webhook answer), concurrently."""
    assert harness.runner is not None
    url = (f"http://127.0.0.1:{harness.runner.webhook_port}"
           f"{harness.runner.config.webhook_path}")
    headers = {SECRET_HEADER: harness.runner.config.secret_token}
    async with aiohttp.ClientSession() as http:
        results = await asyncio.gather(*(http.post(url, json=update, headers=headers)
                                         for _ in range(times)))
        assert [r.status for r in results] == [200] * times


def sent_texts(harness: BotHarness, chat: Chat) -> list[str]:
    return [m.get("text") or m.get("caption") or ""
            for m in harness.api.chat_messages(harness.token, chat.chat_id)]


async def test_a_confirmation_delivered_three_times_is_carried_out_once(
        webhook_harness: BotHarness, demo):
    chat = await linked(webhook_harness, demo, "ud75")
    recap = await chat.ask(f"/duplicata {TP} {MARTIN}")
    chat._mark()
    update = await webhook_harness.api.press_button(
        webhook_harness.token, chat.chat_id, recap.message_id, recap.button("Confirmer"))
    await chat.replies(1)
    await redeliver(webhook_harness, update, times=2)
    await asyncio.sleep(0.5)
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 1
    assert sum(t.startswith("✅ Duplicata") for t in sent_texts(webhook_harness, chat)) == 1


async def test_a_message_on_a_ticket_delivered_three_times_is_stored_once(
        webhook_harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = webhook_harness.chat()
    await open_from_none(chat)
    ticket = only_ticket(core, chat.chat_id)
    chat._mark()
    ts.claim(core, agent, ticket.id)
    await chat.reply()  # « pris en charge »: ticket mode
    update = await chat.send("Voici le numéro de session demandé.")
    await chat.replies(1)
    await redeliver(webhook_harness, update, times=2)
    await asyncio.sleep(0.5)
    detail = ts.get_ticket_detail(core, agent, ticket.id)
    assert [m.text for m in detail.messages].count("Voici le numéro de session demandé.") == 1
    assert sum(t.startswith("Message transmis") for t in sent_texts(webhook_harness, chat)) == 1


async def test_crash_after_the_commit_the_reply_is_sent_after_restart(
        harness: BotHarness, services, demo, monkeypatch):
    chat = await linked(harness, demo, "ud75")
    recap = await chat.ask(f"/duplicata {TP} {MARTIN}")
    real_flush = outbox.flush

    async def crash(*args, **kwargs):  # the process dies between the commit and the message
        return 0

    monkeypatch.setattr(outbox, "flush", crash)
    await harness.stop_bot()
    harness.services = Services(services.core, services.matcher, services.procedures)
    await harness.start_bot()
    await chat.press(recap.button("Confirmer"), recap.message_id)
    await chat.collect(1, kinds=("callback_answer",))
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 1  # committed
    assert not any(t.startswith("✅ Duplicata") for t in sent_texts(harness, chat))
    # Restart: the outbox is sent, once.
    await harness.stop_bot()
    monkeypatch.setattr(outbox, "flush", real_flush)
    chat._mark()
    await harness.start_bot()
    result = await chat.reply()
    assert result.text.startswith("✅ Duplicata")
    await asyncio.sleep(0.3)
    assert sum(t.startswith("✅ Duplicata") for t in sent_texts(harness, chat)) == 1


async def test_crash_before_the_commit_leaves_the_button_usable(
        harness: BotHarness, demo, monkeypatch):
    from bot import catalogue

    chat = await linked(harness, demo, "ud75")
    recap = await chat.ask(f"/duplicata {TP} {MARTIN}")
    op = catalogue.by_name("request_duplicate")
    real_run = op.run

    def dies(core, login, params):
        real_run(core, login, params)  # the effect is written, then the process dies
        raise RuntimeError("kill -9 avant la validation de la transaction")

    object.__setattr__(op, "run", dies)
    try:
        await chat.press(recap.button("Confirmer"), recap.message_id)
        error = await chat.reply()
        assert "erreur inattendue" in error.text
    finally:
        object.__setattr__(op, "run", real_run)
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 0
    await chat.press(recap.button("Confirmer"), recap.message_id)  # still usable
    result = await chat.reply()
    assert result.text.startswith("✅ Duplicata")
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 1


async def test_in_a_group_the_bot_says_so_and_does_nothing(harness: BotHarness, demo):
    group = -100777
    harness.api.add_group(harness.token, group, "Équipe examens")
    code = accounts.issue_link_code(demo, "ud75", 30).code
    await harness.api.group_message(harness.token, group, 555, "Karim", f"/start {code}")
    messages: list[dict] = []
    after = 0
    while not messages:
        events = await harness.api.wait_events(harness.token, group, after, 5.0)
        assert events, "the bot said nothing in the group"
        after = events[-1]["seq"]
        messages = [e for e in events if e["type"] == "message"]
    assert messages[0]["message"]["text"] == texts.PRIVATE_ONLY
    assert accounts.linked_login(demo, group) is None
    # The code was not spent: it still links a private chat.
    chat = harness.chat()
    reply = await chat.ask(f"/start {code}")
    assert "C'est fait" in reply.text


async def test_the_webhook_answers_400_to_anything_that_is_not_an_update(
        webhook_harness: BotHarness):
    assert webhook_harness.runner is not None
    url = (f"http://127.0.0.1:{webhook_harness.runner.webhook_port}"
           f"{webhook_harness.runner.config.webhook_path}")
    headers = {SECRET_HEADER: webhook_harness.runner.config.secret_token,
               "Content-Type": "application/json"}
    nested = "[" * 100_000 + "]" * 100_000
    async with aiohttp.ClientSession() as http:
        for body in ("[1, 2]", '"texte"', "{}", '{"update_id": "x"}', nested, "{pas du json"):
            resp = await http.post(url, data=body, headers=headers)
            assert resp.status == 400, body[:40]
    # Still answering afterwards.
    chat = webhook_harness.chat()
    reply = await chat.ask("/aide")
    assert "Ce que je sais faire" in reply.text


async def test_a_press_by_another_telegram_user_does_nothing(webhook_harness: BotHarness, demo):
    from bot.models import PendingOperation

    chat = await linked(webhook_harness, demo, "ud75")
    recap = await chat.ask(f"/duplicata {TP} {MARTIN}")
    with demo.transaction() as db:
        owner = db.query(PendingOperation).one().telegram_user_id
    assert owner == chat.chat_id  # the person who prepared it
    # A forged update: the same button, pressed by someone else.
    account = webhook_harness.api.bots[webhook_harness.token]
    message = account.messages[(chat.chat_id, recap.message_id)]
    forged = {"update_id": 990001, "callback_query": {
        "id": "forged-1", "chat_instance": "x", "data": recap.button("Confirmer"),
        "message": message,
        "from": {"id": 424242, "is_bot": False, "first_name": "Intrus"}}}
    await redeliver(webhook_harness, forged, times=1)
    await asyncio.sleep(0.5)
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 0
    # Its owner still can.
    result = await chat.click(recap, "Confirmer")
    assert result.text.startswith("✅ Duplicata")
