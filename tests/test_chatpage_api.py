"""The demo chat page's server: a Telegram reply and a document sent as a user would,
and every bad input refused in French (aiohttp test client, no bot, no browser)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.chatpage import MAX_UPLOAD, ChatPage, texts
from bot.localapi.server import LocalBotApi

CHAT = 424242


@pytest.fixture
async def page(core):
    api = LocalBotApi(documents=True)
    account = api.add_bot(token="123456:chatpage-test-token")
    app = web.Application()
    api.routes(app)
    ChatPage(api, account.token, core).routes(app)
    async with TestClient(TestServer(app)) as client:
        # A bot message in the chat, to answer.
        api.account(account.token)
        account.chats[CHAT] = {"id": CHAT, "type": "private", "first_name": "Karim"}
        resp = await client.post(f"/bot{account.token}/sendMessage",
                                 json={"chat_id": CHAT, "text": "Réponse du support – demande T-2026-000001"})
        assert (await resp.json())["ok"]
        yield client, api, account


def _form(**fields) -> aiohttp.FormData:
    form = aiohttp.FormData(quote_fields=False)  # as browsers send names: raw UTF-8
    for key, value in fields.items():
        if key == "file":
            name, data, mime = value
            form.add_field("file", data, filename=name, content_type=mime)
        else:
            form.add_field(key, str(value))
    return form


async def test_a_reply_to_a_bot_message_is_a_telegram_reply_to_message(page):
    client, api, account = page
    resp = await client.post("/api/send", json={"chat_id": CHAT, "text": "Voici la session",
                                                "reply_to": 1})
    assert resp.status == 200
    update = account.updates[-1]["message"]
    assert update["text"] == "Voici la session"
    assert update["reply_to_message"]["message_id"] == 1
    events = (await (await client.get(f"/api/events?chat_id={CHAT}&timeout=0")).json())["events"]
    mine = events[-1]
    assert mine["reply_to"] == {"message_id": 1,
                                "excerpt": "Réponse du support – demande T-2026-000001"}


async def test_a_file_is_a_document_update_with_its_caption_and_opens_from_the_page(page):
    client, api, account = page
    resp = await client.post("/api/file", data=_form(
        chat_id=CHAT, caption="La capture", reply_to=1,
        file=("C:\\Users\\k\\capture écran.png", b"\x89PNG\r\n\x1a\n1234", "image/png")))
    assert resp.status == 200, await resp.text()
    message = account.updates[-1]["message"]
    assert message["document"]["file_name"] == "capture écran.png"
    assert message["document"]["mime_type"] == "image/png"
    assert message["caption"] == "La capture"
    assert message["reply_to_message"]["message_id"] == 1
    events = (await (await client.get(f"/api/events?chat_id={CHAT}&timeout=0")).json())["events"]
    href = events[-1]["html"].split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    got = await client.get(href)
    assert got.status == 200 and await got.read() == b"\x89PNG\r\n\x1a\n1234"


@pytest.mark.parametrize(("path", "body", "expected"), [
    ("/api/send", {"chat_id": CHAT, "text": "  "}, texts.EMPTY_MESSAGE),
    ("/api/send", {"chat_id": CHAT, "text": "Bonjour", "reply_to": 999}, texts.REPLIED_NOT_FOUND),
    ("/api/send", {"chat_id": CHAT, "text": "Bonjour", "reply_to": "abc"}, texts.CHAT_EXPECTED),
    ("/api/send", {"text": "Bonjour"}, texts.CHAT_EXPECTED),
    ("/api/press", {"chat_id": "x"}, texts.CHAT_EXPECTED),
])
async def test_bad_messages_are_refused_in_french_and_nothing_is_sent(page, path, body, expected):
    client, api, account = page
    before = len(account.updates)
    resp = await client.post(path, json=body)
    assert resp.status == 400
    assert (await resp.json())["description"] == expected
    assert len(account.updates) == before


@pytest.mark.parametrize(("fields", "status", "expected"), [
    ({"chat_id": CHAT}, 400, texts.FILE_EXPECTED),
    ({"chat_id": CHAT, "file": ("vide.pdf", b"", "application/pdf")}, 400,
     texts.FILE_EMPTY.format(name="vide.pdf")),
    ({"file": ("a.pdf", b"%PDF", "application/pdf")}, 400, texts.CHAT_EXPECTED),
    ({"chat_id": CHAT, "caption": "x" * 1025, "file": ("a.pdf", b"%PDF", "application/pdf")},
     400, texts.CAPTION_TOO_LONG.format(limit=1024)),
    ({"chat_id": CHAT, "reply_to": 77, "file": ("a.pdf", b"%PDF", "application/pdf")}, 400,
     texts.REPLIED_NOT_FOUND),
    ({"chat_id": CHAT, "file": ("gros.pdf", b"0" * (MAX_UPLOAD + 1), "application/pdf")}, 413,
     texts.FILE_TOO_BIG.format(name="gros.pdf", limit=MAX_UPLOAD // (1024 * 1024))),
])
async def test_bad_files_are_refused_in_french_and_nothing_is_sent(page, fields, status, expected):
    client, api, account = page
    before = len(account.updates)
    resp = await client.post("/api/file", data=_form(**fields))
    assert resp.status == status
    assert (await resp.json())["description"] == expected
    assert len(account.updates) == before


async def test_a_file_request_that_is_not_a_form_is_refused_in_french(page):
    client, api, account = page
    before = len(account.updates)
    resp = await client.post("/api/file", json={"chat_id": CHAT})
    assert resp.status == 400
    assert (await resp.json())["description"] == texts.FILE_EXPECTED
    assert len(account.updates) == before
