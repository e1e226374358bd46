"""Fuzzing the bot over its webhook (issue 12): hypothesis builds update shapes —
commands and free text from private chats, groups and channels, edited messages,
messages without text, wrong entities, forged and real button presses, update kinds
the bot does not know, wrong types — and POSTs them to the real bot's webhook, as the
Bot API server would. Only public entry points are used (the webhook over HTTP, the
local Bot API server's users), so the test holds whatever the bot's internals become.

It checks that:

* the webhook answers 200 to an update and 400 to anything else, never 500;
* no update ends in an unhandled exception (nothing logged at ERROR level: the bot's
  error handler logs every exception it is handed);
* afterwards the bot still answers a normal user normally.

``CERES_FUZZ_EXAMPLES`` (default 60) × 30 to 60 updates: ~2,500 updates in CI.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import BotConfig
from bot.runtime import Services
from ceres_core.clock import PARIS, FixedClock
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.models.base import Base
from tests.e2e.harness import BotHarness

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("CERES_FUZZ_EXAMPLES", "60"))
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
#: the fuzzed chats; the probe chat (a normal user) is not among them.
CHATS = list(range(5001, 5013))
GROUPS = [-1001, -100123]
CHANNEL = -100999
PROBE_CHAT = 4999
#: the commands the bot offers (its public interface) and a few it does not.
COMMANDS = [
    "/start", "/aide", "/help", "/moi", "/annuler", "/ticket", "/mes_tickets",
    "/quitter_ticket", "/annuler_ticket", "/deconnexion", "/sessions", "/dte",
    "/inconnue", "/start@ceres_assist_bot", "/aide@autre_bot", "/",
]
WORDS = [
    "bonjour", "DTE", "attestation", "parchemin", "jury", "session", "candidat", "oui", "non",
    "1", "0", "31/12/2026", "2026-13-45", "73282932000074", "ud75", "TITRE_B_2023_470415",
    "Confirmer", "✅", "annuler", "<b>gras</b>", "&amp;", "\u202e", "\x00", "👍🏽", "é" * 50,
]


class UnlimitedHarness(BotHarness):
    """Telegram's rate limits are the server's business: the local server has none, and
    the bot's limiter (20 messages a minute in a group) would only make the test wait."""

    def config(self) -> BotConfig:
        return dataclasses.replace(super().config(), overall_max_rate=0, group_max_rate=0)


class BackgroundBot:
    """The local Bot API server and the real bot in webhook mode, on an event loop in a
    thread (hypothesis drives a synchronous test)."""

    def __init__(self, services: Services) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.harness = UnlimitedHarness(services, webhook=True)
        self.run(self.harness.start())
        runner = self.harness.runner
        assert runner is not None
        self.url = f"http://127.0.0.1:{runner.webhook_port}{runner.config.webhook_path}"
        self.secret = runner.config.secret_token
        self.http: aiohttp.ClientSession = self.run(self._session())
        account = self.harness.api.bots[self.harness.token]
        for chat_id in CHATS:  # the users exist for the Bot API server: replies reach them
            account.chats[chat_id] = {"id": chat_id, "type": "private", "first_name": "Fuzz"}
        for chat_id in GROUPS:
            account.chats[chat_id] = {"id": chat_id, "type": "supergroup", "title": "Groupe"}
        account.chats[CHANNEL] = {"id": CHANNEL, "type": "channel", "title": "Canal"}
        self.account = account
        self.next_update_id = 10**6
        self.sent = 0  # bodies POSTed

    async def _session(self) -> aiohttp.ClientSession:
        return aiohttp.ClientSession()

    def run(self, coro: Any, timeout: float = 60) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def post(self, payload: Any, raw: bytes | None = None) -> int:
        data = raw if raw is not None else json.dumps(payload)
        async with self.http.post(self.url, data=data, headers={
            SECRET_HEADER: self.secret, "Content-Type": "application/json",
        }) as response:
            return response.status

    def close(self) -> None:
        self.run(self.http.close())
        self.run(self.harness.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


class ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        found, self.records = self.records, []
        return [self.format(r) for r in found]


@pytest.fixture(scope="module")
def bot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundBot]:
    from knowledge.matcher import default_matcher
    from knowledge.procedure_engine import load_procedures

    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    Base.metadata.create_all(engine)
    core = Core(engine=engine, clock=FixedClock(datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)))
    background = BackgroundBot(Services(core, default_matcher(), load_procedures()))
    try:
        yield background
    finally:
        background.close()
        engine.dispose()


@pytest.fixture(scope="module")
def errors() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    logging.getLogger().addHandler(handler)
    try:
        yield handler
    finally:
        logging.getLogger().removeHandler(handler)


# -- update shapes -----------------------------------------------------------------------

texts = st.one_of(
    st.sampled_from(COMMANDS),
    st.builds(lambda c, w: f"{c} {w}", st.sampled_from(COMMANDS), st.sampled_from(WORDS)),
    st.sampled_from(WORDS),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
    st.text(max_size=200),
    st.text(min_size=3000, max_size=4096, alphabet="ab é\n"),
)


def user(uid: int) -> dict[str, Any]:
    return {"id": uid, "is_bot": False, "first_name": "Fuzz", "language_code": "fr"}


@st.composite
def chats(draw) -> dict[str, Any]:
    kind = draw(st.sampled_from(["private"] * 6 + ["group", "supergroup", "channel"]))
    if kind == "private":
        return {"id": draw(st.sampled_from(CHATS)), "type": "private", "first_name": "Fuzz"}
    return {"id": draw(st.sampled_from(GROUPS)), "type": kind, "title": "Groupe"}


@st.composite
def entities(draw, text: str) -> list[dict[str, Any]]:
    found = []
    for _ in range(draw(st.integers(0, 3))):
        found.append({
            "type": draw(st.sampled_from(["bot_command", "bold", "url", "mention", "text_link"])),
            "offset": draw(st.integers(-2, len(text) + 2)),
            "length": draw(st.integers(0, len(text) + 2)),
            **({"url": "https://exemple.fr"} if draw(st.booleans()) else {}),
        })
    return found


@st.composite
def messages(draw, message_id: int) -> dict[str, Any]:
    chat = draw(chats())
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": draw(st.sampled_from([0, int(time.time()), 2**31 - 1])),
        "chat": chat,
    }
    if chat["type"] != "channel" or draw(st.booleans()):
        message["from"] = user(chat["id"] if chat["type"] == "private" else draw(st.sampled_from(CHATS)))
    content = draw(st.sampled_from(["text"] * 6 + ["caption", "sticker", "contact", "location", "none"]))
    if content == "text":
        text = draw(texts)
        message["text"] = text
        message["entities"] = draw(entities(text)) if draw(st.booleans()) else (
            [{"type": "bot_command", "offset": 0, "length": len(text.split(" ")[0])}]
            if text.startswith("/") else [])
    elif content == "caption":
        message["caption"] = draw(texts)
        message["document"] = {"file_id": "f1", "file_unique_id": "u1", "file_name": "a.pdf"}
    elif content == "sticker":
        message["sticker"] = {"file_id": "s", "file_unique_id": "s", "type": "regular",
                              "width": 1, "height": 1, "is_animated": False, "is_video": False}
    elif content == "contact":
        message["contact"] = {"phone_number": "+33612345678", "first_name": "Jean"}
    elif content == "location":
        message["location"] = {"latitude": 48.85, "longitude": 2.35}
    if draw(st.integers(0, 9)) == 0:
        message["reply_to_message"] = {"message_id": 1, "date": 0, "chat": chat, "text": "avant"}
    if draw(st.integers(0, 19)) == 0:
        message["forward_origin"] = {"type": "hidden_user", "date": 0, "sender_user_name": "X"}
    return message


@st.composite
def presses(draw) -> tuple[str, Any]:
    """A press: on a button the bot really sent (picked at run time), or forged."""
    if draw(st.booleans()):
        return ("real", draw(st.integers(0, 10**6)))
    data = draw(st.one_of(st.text(max_size=64), st.sampled_from(["", "x", "c:1", "ok", "0" * 64])))
    return ("forged", data)


@st.composite
def updates(draw) -> tuple[str, Any]:
    """("update", payload) POSTed as is; ("wrong", payload) too, an update with a field
    of the wrong type (200 or 400); ("press", …) resolved at run time; ("raw", bytes)
    for bodies that are not updates (400)."""
    kind = draw(st.sampled_from(
        ["message"] * 8 + ["edited", "press", "press", "channel", "unknown", "wrong", "raw"]))
    if kind == "message":
        return ("update", {"message": draw(messages(draw(st.integers(1, 10**6))))})
    if kind == "edited":
        message = draw(messages(draw(st.integers(1, 10**6))))
        return ("update", {"edited_message": {**message, "edit_date": int(time.time())}})
    if kind == "channel":
        return ("update", {"channel_post": {"message_id": 1, "date": 0, "text": draw(texts),
                                            "chat": {"id": CHANNEL, "type": "channel", "title": "C"}}})
    if kind == "press":
        return ("press", draw(presses()))
    if kind == "unknown":  # a kind added to the Bot API later; or a known kind, empty
        if draw(st.booleans()):
            return ("update", {"futur_type": {"id": 1}})
        return ("wrong", {draw(st.sampled_from(["my_chat_member", "poll", "message"])): {}})
    if kind == "wrong":  # a field of the wrong type somewhere
        message = draw(messages(1))
        key = draw(st.sampled_from(sorted(message)))
        message[key] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=5), st.just([])))
        return ("wrong", {"message": message})
    return ("raw", draw(st.sampled_from([b"", b"{", b"[]", b"null", b'{"update_id": "x"}',
                                         b"[" * 50_000, b'{"a":' * 5_000])))


# -- the test -------------------------------------------------------------------------------


def real_buttons(bot: BackgroundBot) -> list[tuple[int, int, str]]:
    found = []
    for (chat_id, message_id), message in list(bot.account.messages.items()):
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        found += [(chat_id, message_id, b["callback_data"]) for row in rows for b in row
                  if b.get("callback_data")]
    return found


def press_update(bot: BackgroundBot, how: str, value: Any) -> dict[str, Any]:
    buttons = real_buttons(bot)
    if how == "real" and buttons:
        chat_id, message_id, data = buttons[value % len(buttons)]
    else:
        chat_id, message_id, data = CHATS[0], 1, value if how == "forged" else "x"
    message = bot.account.messages.get((chat_id, message_id)) or {
        "message_id": message_id, "date": 0, "chat": {"id": chat_id, "type": "private"}}
    query_id = f"fuzz{bot.next_update_id}"
    # A query the Bot API server knows (so that answering it works), as Telegram's are.
    bot.account.queries[query_id] = {"chat_id": chat_id, "answered": False, "at": time.monotonic()}
    return {"callback_query": {"id": query_id, "from": user(chat_id), "message": message,
                               "chat_instance": "1", "data": data}}


async def send_all(bot: BackgroundBot, batch: list[tuple[str, Any]]) -> list[tuple[str, Any, int]]:
    statuses = []
    for kind, value in batch:
        bot.next_update_id += 1
        if kind == "raw":
            statuses.append((kind, value[:40], await bot.post(None, raw=value)))
            continue
        payload = press_update(bot, *value) if kind == "press" else value
        payload = {"update_id": bot.next_update_id, **payload}
        statuses.append((kind, payload, await bot.post(payload)))
    bot.sent += len(batch)
    return statuses


async def settle(bot: BackgroundBot, quiet: float = 0.15, limit: float = 20.0) -> None:
    """Wait until the bot has stopped acting for ``quiet`` seconds."""
    deadline = time.monotonic() + limit
    seen = len(bot.account.events)
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet)
        if len(bot.account.events) == seen:
            return
        seen = len(bot.account.events)


async def probe(bot: BackgroundBot) -> str:
    chat = bot.harness.chat("Probe", chat_id=PROBE_CHAT)
    reply = await chat.ask("/aide")
    return reply.text


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(batch=st.lists(updates(), min_size=30, max_size=60))
def test_fuzzed_updates_leave_the_bot_answering(bot: BackgroundBot, errors: ErrorLog,
                                                batch: list[tuple[str, Any]]) -> None:
    statuses = bot.run(send_all(bot, batch))
    for kind, payload, status in statuses:
        expected = {"raw": (400,), "wrong": (200, 400)}.get(kind, (200,))
        assert status in expected, f"webhook answered {status} to {payload!r}"
    bot.run(settle(bot))
    logged = errors.take()
    assert not logged, "unhandled errors:\n" + "\n\n".join(logged[:3])


def test_the_bot_answers_normally_after_the_fuzzing(bot: BackgroundBot, errors: ErrorLog) -> None:
    print(f"{bot.sent} fuzzed bodies POSTed to the webhook")
    assert "Ce que je sais faire" in bot.run(probe(bot))
    assert not errors.take()


@pytest.mark.parametrize("raw", [
    b"pas du json", b"[1, 2]", b"42", b"null", b'{"update_id": 1, "message": 5}',
    b"[" * 200_000, b'{"update_id": 1, "x": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001,
    b'{"update_id": 1, "message": {"text": "' + b"x" * (2 * 1024 * 1024) + b'"}}',
], ids=["not-json", "list", "number", "null", "wrong-type", "deep-list", "deep-object", "huge"])
def test_the_webhook_refuses_what_is_not_an_update(bot: BackgroundBot, errors: ErrorLog,
                                                  raw: bytes) -> None:
    assert bot.run(bot.post(None, raw=raw)) == 400
    assert "Ce que je sais faire" in bot.run(probe(bot))
    assert not errors.take()
