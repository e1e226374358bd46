"""The demo's local chat page: try the bot in a browser, without Telegram.

The page talks to the *same* bot through the *same* Bot API calls: it plays the
user on :class:`~bot.localapi.server.LocalBotApi` (messages typed, buttons pressed)
and shows what the bot sent, read from the server's event stream (plain ``fetch``
long polling). Picking a demo account links the chat with a one-time code issued
by :func:`bot.accounts.issue_link_code`, exactly as ``users link-code`` does.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.accounts import issue_link_code
from bot.localapi.html_entities import entities_to_html
from bot.localapi.server import ApiError, LocalBotApi
from bot.runtime import run_sync
from ceres_core.core import Core

TEMPLATES = Path(__file__).parent / "templates"
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
        name = str(body.get("name") or "Visiteur")[:64]
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
        body = await _json(request)
        text = str(body.get("text") or "").strip()
        if not text:
            return web.json_response({"ok": False, "description": "message vide"}, status=400)
        await self.api.user_message(self.token, int(body["chat_id"]), text[:4096],
                                    str(body.get("name") or "Visiteur")[:64])
        return web.json_response({"ok": True})

    async def press(self, request: web.Request) -> web.Response:
        body = await _json(request)
        try:
            await self.api.press_button(
                self.token, int(body["chat_id"]), int(body["message_id"]), str(body["data"]),
                strict=True,
            )
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)
        return web.json_response({"ok": True})

    async def document(self, request: web.Request) -> web.Response:
        """A document the bot sent in this chat (every one can be opened from the page)."""
        try:
            chat_id = int(request.query["chat_id"])
            message_id = int(request.query["message_id"])
        except (KeyError, ValueError):
            return web.Response(status=400, text="chat_id et message_id attendus")
        account = self.api.bots.get(self.token)
        message = account.messages.get((chat_id, message_id)) if account else None
        document = (message or {}).get("document")
        stored = account.files.get(document["file_id"]) if account and document else None
        if stored is None:
            return web.Response(status=404, text="document introuvable")
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
            return web.json_response({"ok": False, "description": "chat_id attendu"}, status=400)
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
            name = message["document"].get("file_name", "document")
            caption = entities_to_html(message.get("caption", ""), message.get("caption_entities"))
            href = (f"/api/document?chat_id={int(message['chat']['id'])}"
                    f"&message_id={int(message['message_id'])}")
            out["html"] = (f'📎 <a class="document" href="{_escape(href)}" target="_blank" '
                           f'rel="noopener"><b>{_escape(name)}</b></a><br>{caption}')
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        out["buttons"] = [
            [{"text": b["text"], "data": b.get("callback_data"), "url": b.get("url")} for b in row]
            for row in rows
        ]
    for key in ("message_id", "text"):
        if key in event and key not in out:
            out[key] = event[key]
    return out


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
        raise web.HTTPBadRequest(text="JSON attendu") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="JSON attendu")
    return body
