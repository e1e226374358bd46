"""The demo's local chat page: try the bot in a browser, without Telegram.

The page talks to the *same* bot through the *same* Bot API calls: it plays the
user on :class:`~bot.localapi.server.LocalBotApi` (messages typed, buttons pressed)
and shows what the bot sent, read from the server's event stream (plain ``fetch``
long polling). Picking a demo account links the chat with a one-time code issued
by :func:`bot.accounts.issue_link_code`, exactly as ``users link-code`` does.

As in a Telegram client, the user can answer a given message of the bot (« Répondre »:
the update's ``message`` carries ``reply_to_message``, which the helpdesk uses to put
the answer in the right ticket) and send a file (a ``document`` message, with an
optional caption, that the bot fetches with ``getFile``). Every file in the
conversation, sent or received, opens from the page (``/api/document``).
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.accounts import issue_link_code
from bot.chatpage import texts
from bot.localapi.html_entities import entities_to_html
from bot.localapi.server import ApiError, LocalBotApi
from bot.runtime import run_sync
from ceres_core.core import Core

TEMPLATES = Path(__file__).parent / "templates"
#: Largest file the page sends (bytes): Telegram's bots download at most 20 MB; the
#: helpdesk refuses, in French, what is over its own limit.
MAX_UPLOAD = 20 * 1024 * 1024
#: Longest caption of a document, as on Telegram (characters).
MAX_CAPTION = 1024
_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape(["html"])
)


def demo_accounts() -> list[tuple[str, str]]:
    try:
        from ceres_core.demo import DEMO_USERS
    except ImportError:  # pragma: no cover - demo data not available
        return []
    return [(login, name) for login, (name, _profiles) in DEMO_USERS.items()]


class ChatPage:
    def __init__(self, api: LocalBotApi, token: str, core: Core, *,
                 dashboard_url: str | None = None, dashboard_hint: str = "") -> None:
        self.api = api
        self.token = token
        self.core = core
        #: the support dashboard served next to the page (linked from it), if any.
        self.dashboard_url = dashboard_url
        self.dashboard_hint = dashboard_hint

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/", self.index)
        app.router.add_post("/api/session", self.session)
        app.router.add_post("/api/send", self.send)
        app.router.add_post("/api/file", self.send_file)
        app.router.add_post("/api/press", self.press)
        app.router.add_get("/api/events", self.events)
        app.router.add_get("/api/document", self.document)

    async def index(self, request: web.Request) -> web.Response:
        html = _env.get_template("chat.html").render(accounts=demo_accounts(),
                                                     dashboard_url=self.dashboard_url,
                                                     dashboard_hint=self.dashboard_hint)
        return web.Response(text=html, content_type="text/html")

    async def session(self, request: web.Request) -> web.Response:
        body = await _json(request)
        chat_id = 100_000 + secrets.randbelow(900_000_000)
        login = body.get("login") or None
        name = str(body.get("name") or texts.DEFAULT_NAME)[:64]
        if login:
            try:
                issued = await run_sync(issue_link_code, self.core, str(login), 10)
            except Exception as exc:  # unknown login: say it in the page
                return web.json_response({"ok": False, "description": str(exc)}, status=400)
            await self.api.user_message(self.token, chat_id, f"/start {issued.code}", name)
        else:
            await self.api.user_message(self.token, chat_id, "/start", name)
        return web.json_response({"ok": True, "chat_id": chat_id})

    async def send(self, request: web.Request) -> web.Response:
        """A message typed by the user, as a Telegram reply to ``reply_to`` if given."""
        body = await _json(request)
        text = str(body.get("text") or "").strip()
        if not text:
            return _refusal(texts.EMPTY_MESSAGE)
        try:
            chat_id = int(body["chat_id"])
            reply_to = _optional_id(body.get("reply_to"))
        except (KeyError, TypeError, ValueError):
            return _refusal(texts.CHAT_EXPECTED)
        try:
            await self.api.user_message(self.token, chat_id, text[:4096],
                                        str(body.get("name") or texts.DEFAULT_NAME)[:64],
                                        reply_to=reply_to)
        except ApiError as exc:
            return _api_refusal(exc)
        return web.json_response({"ok": True})

    async def send_file(self, request: web.Request) -> web.Response:
        """A file sent by the user (multipart: ``chat_id``, ``file``, optional ``caption``,
        ``reply_to``, ``name``): a Telegram ``document`` message, whatever its type."""
        fields: dict[str, str] = {}
        upload: tuple[str, str, bytes] | None = None
        try:
            reader = await request.multipart()
        except (AssertionError, ValueError, KeyError):
            return _refusal(texts.FILE_EXPECTED)
        while (part := await reader.next()) is not None:
            if part.name == "file" and part.filename is not None:
                data = bytearray(await part.read_chunk(MAX_UPLOAD + 1))  # grows in place
                while len(data) <= MAX_UPLOAD and (chunk := await part.read_chunk()):
                    data += chunk
                name = _file_name(part.filename)
                if len(data) > MAX_UPLOAD:
                    return _refusal(texts.FILE_TOO_BIG.format(
                        name=name, limit=MAX_UPLOAD // (1024 * 1024)), status=413)
                mime = part.headers.get("Content-Type") or "application/octet-stream"
                upload = (name, mime.split(";")[0].strip(), bytes(data))
            elif part.name in ("chat_id", "caption", "reply_to", "name"):
                fields[part.name] = (await part.text())[:4096]
        if upload is None:
            return _refusal(texts.FILE_EXPECTED)
        name, mime, data = upload
        if not data:
            return _refusal(texts.FILE_EMPTY.format(name=name))
        caption = fields.get("caption", "").strip()
        if len(caption) > MAX_CAPTION:
            return _refusal(texts.CAPTION_TOO_LONG.format(limit=MAX_CAPTION))
        try:
            chat_id = int(fields["chat_id"])
            reply_to = _optional_id(fields.get("reply_to"))
        except (KeyError, TypeError, ValueError):
            return _refusal(texts.CHAT_EXPECTED)
        try:
            await self.api.user_document(
                self.token, chat_id, name, data, mime,
                (fields.get("name") or texts.DEFAULT_NAME)[:64],
                caption=caption or None, reply_to=reply_to)
        except ApiError as exc:
            return _api_refusal(exc)
        return web.json_response({"ok": True})

    async def press(self, request: web.Request) -> web.Response:
        body = await _json(request)
        try:
            chat_id, message_id, data = int(body["chat_id"]), int(body["message_id"]), str(body["data"])
        except (KeyError, TypeError, ValueError):
            return _refusal(texts.CHAT_EXPECTED)
        try:
            await self.api.press_button(self.token, chat_id, message_id, data, strict=True)
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)
        return web.json_response({"ok": True})

    async def document(self, request: web.Request) -> web.Response:
        """A document the bot sent in this chat (every one can be opened from the page)."""
        try:
            chat_id = int(request.query["chat_id"])
            message_id = int(request.query["message_id"])
        except (KeyError, ValueError):
            return web.Response(status=400, text=texts.DOCUMENT_IDS_EXPECTED)
        account = self.api.bots.get(self.token)
        message = account.messages.get((chat_id, message_id)) if account else None
        document = (message or {}).get("document")
        stored = account.files.get(document["file_id"]) if account and document else None
        if stored is None:
            return web.Response(status=404, text=texts.DOCUMENT_NOT_FOUND)
        disposition = "inline" if stored.mime_type == "application/pdf" else "attachment"
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream",
            headers={"Content-Disposition": f'{disposition}; filename="{_ascii(stored.name)}"',
                     "X-Content-Type-Options": "nosniff"})

    async def events(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.query["chat_id"])
            after = int(request.query.get("after", 0))
            timeout = min(float(request.query.get("timeout", 20)), 25.0)
        except (KeyError, ValueError):
            return _refusal(texts.CHAT_EXPECTED)
        events = await self.api.wait_events(self.token, chat_id, after, timeout)
        return web.json_response({"ok": True, "events": [_view(e) for e in events]})


def _view(event: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"seq": event["seq"], "type": event["type"]}
    message = event.get("message")
    if message is not None:
        out["message_id"] = message["message_id"]
        if "text" in message:
            out["html"] = entities_to_html(message["text"], message.get("entities"))
        elif "document" in message:
            name = message["document"].get("file_name") or texts.DOCUMENT_FALLBACK_NAME
            caption = entities_to_html(message.get("caption", ""), message.get("caption_entities"))
            href = (f"/api/document?chat_id={int(message['chat']['id'])}"
                    f"&message_id={int(message['message_id'])}")
            out["html"] = (f'📎 <a class="document" href="{_escape(href)}" target="_blank" '
                           f'rel="noopener"><b>{_escape(name)}</b></a><br>{caption}')
        replied = message.get("reply_to_message")
        if replied:
            out["reply_to"] = {"message_id": replied["message_id"], "excerpt": _excerpt(replied)}
        out["excerpt"] = _excerpt(message)
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        out["buttons"] = [
            [{"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")} for b in row]
            for row in rows
        ]
    for key in ("message_id", "text"):
        if key in event and key not in out:
            out[key] = event[key]
    return out


def _excerpt(message: dict[str, Any], limit: int = 120) -> str:
    """A message in one short line (plain text: the page shows it with ``textContent``),
    as a Telegram client quotes the message answered."""
    if "document" in message:
        name = message["document"].get("file_name") or texts.DOCUMENT_FALLBACK_NAME
        text = f"📎 {name} {message.get('caption', '')}"
    else:
        text = message.get("text") or message.get("caption") or ""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _optional_id(value: Any) -> int | None:
    """A message id sent by the page (``None``, ``""`` or a positive integer)."""
    if value in (None, ""):
        return None
    number = int(value)
    if number <= 0:
        raise ValueError(value)
    return number


def _file_name(raw: str) -> str:
    """The name of an uploaded file without any folder part (as a client sends it)."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] or texts.DOCUMENT_FALLBACK_NAME


def _refusal(description: str, status: int = 400) -> web.Response:
    return web.json_response({"ok": False, "description": description}, status=status)


def _api_refusal(exc: ApiError) -> web.Response:
    """The local Bot API refused the user's message: say why in French."""
    if "replied not found" in exc.description:
        return _refusal(texts.REPLIED_NOT_FOUND)
    if exc.code == 401:
        return _refusal(texts.CHAT_EXPECTED)
    return web.json_response(exc.body(), status=exc.code)


def _ascii(name: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in folded if c.isalnum() or c in "._- ") or "document"


def _escape(text: str) -> str:
    import html

    return html.escape(text)


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise web.HTTPBadRequest(text=texts.JSON_EXPECTED) from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text=texts.JSON_EXPECTED)
    return body
