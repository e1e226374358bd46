"""Answers sent without parsing the Bot API's echo of them (bot.runtime.send_reply_html,
issue 14): the same sendMessage calls as send_html, split the same way."""

from __future__ import annotations

import asyncio
import json
import warnings

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.ext import ExtBot
from telegram.request import BaseRequest

from bot.runtime import quiet_send_by_name, send_html, send_reply_html


class RecordingRequest(BaseRequest):
    """A Bot API that records the calls and answers like Telegram (the sent message)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(self, url, method, request_data=None, read_timeout=None,
                         write_timeout=None, connect_timeout=None, pool_timeout=None):
        params = json.loads(request_data.json_payload) if request_data is not None else {}
        endpoint = url.rsplit("/", 1)[-1]
        self.calls.append((endpoint, params))
        result = {"message_id": len(self.calls), "date": 0, "chat": {"id": params.get("chat_id"),
                  "type": "private"}, "text": params.get("text", "")}
        return 200, json.dumps({"ok": True, "result": result}).encode()


def _sent(send, html: str, markup) -> list[tuple[str, dict]]:
    request = RecordingRequest()
    bot = ExtBot("1:abc", request=request, get_updates_request=RecordingRequest())
    asyncio.run(send(bot, 42, html, markup))
    return request.calls


def test_send_reply_html_makes_the_calls_send_html_makes():
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("👍 Oui", callback_data="t1")]])
    long_html = "\n\n".join(f"<b>Paragraphe {i}</b> « texte » " + "é" * 300 for i in range(40))
    for html in ("<b>Réponse</b> courte", long_html):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # any other warning fails the test
            quiet_send_by_name()  # as bot.runtime does at import
            quiet = _sent(send_reply_html, html, markup)
        full = _sent(send_html, html, markup)
        assert [e for e, _ in quiet] == ["sendMessage"] * len(full)
        for (_, q), (_, f) in zip(quiet, full, strict=True):
            assert (q["chat_id"], q["text"], q["parse_mode"]) == (f["chat_id"], f["text"], f["parse_mode"])
            assert q.get("reply_markup") == f.get("reply_markup")
        assert "reply_markup" in quiet[-1][1] and all("reply_markup" not in p for _, p in quiet[:-1])
    assert len(_sent(send_reply_html, long_html, None)) > 1  # split at 4096 characters


def test_an_answers_keyboard_built_as_json_is_sent_as_the_objects_would_be(core):
    """bot.keyboards.build_json_in: the same reply_markup as build_in's objects."""
    from bot import keyboards
    from bot.state import StateStore

    store = StateStore(core)
    rows = keyboards.answer_rows("dte", "délai du DTE", [("a", "Autre sujet " + "x" * 80)], [])
    with core.transaction() as db:
        as_json = keyboards.build_json_in(db, store, 5, rows)
    layout = [[b["text"] for b in row] for row in as_json["inline_keyboard"]]
    with core.transaction() as db:
        objects = keyboards.build_in(db, store, 5, rows)
    assert layout == [[b.text for b in row] for row in objects.inline_keyboard]
    tokens = [b["callback_data"] for row in as_json["inline_keyboard"] for b in row]
    assert len(set(tokens)) == len(tokens)
    sent = _sent(send_reply_html, "<b>Réponse</b>", as_json)
    assert json.loads(sent[0][1]["reply_markup"]) == as_json  # JSON text, as PTB sends it
    with core.transaction() as db:
        assert keyboards.build_json_in(db, store, 5, [[], []]) is None
