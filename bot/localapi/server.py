"""A minimal, standards-faithful local Bot API server on aiohttp.

It speaks the Bot API over HTTP exactly as documented at
https://core.telegram.org/bots/api for the methods CERES Assist needs:

``getMe``, ``getUpdates`` (long polling, offset semantics), ``setWebhook`` /
``deleteWebhook`` / ``getWebhookInfo`` (updates POSTed to the webhook with the
``X-Telegram-Bot-Api-Secret-Token`` header), ``sendMessage``, ``editMessageText``,
``editMessageReplyMarkup``, ``answerCallbackQuery``, ``deleteMessage`` and, when
``documents=True``, ``sendDocument`` and ``getFile`` (with file download under
``/file/bot<token>/<path>``). Any other method answers 404 "Not Found", as the real
server does for unknown methods — so a bot tested here must not depend on them.

Requests may be query strings, ``application/json``, form-urlencoded or
multipart bodies; errors are ``{"ok": false, "error_code": 400, "description": …}``.

It also plays the *users*: :meth:`LocalBotApi.user_message` and
:meth:`LocalBotApi.press_button` inject updates, and every bot action is recorded as
an event that tests and the demo chat page read (:meth:`LocalBotApi.wait_events`);
the same is reachable over HTTP under ``/_local/bot<token>/…``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientSession, ClientTimeout, web

from bot.localapi.html_entities import EntityParseError, parse_html

log = logging.getLogger(__name__)

MINIMAL_METHODS = frozenset(
    {
        "getme",
        "setmycommands",
        "getmycommands",
        "deletemycommands",
        "getupdates",
        "setwebhook",
        "deletewebhook",
        "getwebhookinfo",
        "sendmessage",
        "editmessagetext",
        "editmessagereplymarkup",
        "answercallbackquery",
        "deletemessage",
    }
)
DOCUMENT_METHODS = frozenset({"senddocument", "getfile"})
#: Forum topics in supergroups (``forum_topics=True``): the staff group of the helpdesk.
FORUM_METHODS = frozenset({"createforumtopic"})

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_POLL_TIMEOUT = 50
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_COMMAND = re.compile(r"^/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "caption_entities",
                "link_preview_options", "reply_parameters"}
_INT_FIELDS = {"message_id", "offset", "limit", "timeout", "max_connections",
               "message_thread_id", "cache_time", "icon_color"}
_BOOL_FIELDS = {"drop_pending_updates", "show_alert", "disable_notification",
                "protect_content", "disable_web_page_preview"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, **extra: Any) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.extra = extra

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.code, "description": self.description}
        if self.extra:
            body["parameters"] = self.extra
        return body


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class Webhook:
    url: str
    secret_token: str | None
    max_connections: int = 40
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    path: str
    content: bytes
    name: str
    mime_type: str


@dataclass
class BotAccount:
    token: str
    id: int
    username: str
    first_name: str
    updates: list[dict[str, Any]] = field(default_factory=list)
    next_update_id: int = 1
    webhook: Webhook | None = None
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    next_message_id: dict[int, int] = field(default_factory=dict)
    queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, StoredFile] = field(default_factory=dict)
    #: forum topics per group chat: thread id → name.
    topics: dict[int, dict[int, str]] = field(default_factory=dict)
    in_flight: set[int] = field(default_factory=set)
    #: setMyCommands: the command menu per scope ("default", "chat:<id>").
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    delivery_task: asyncio.Task | None = None
    getting_updates: bool = False
    #: set by the server when created (it needs the running loop).
    cond: asyncio.Condition | None = None
    events_cond: asyncio.Condition | None = None

    def user(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class LocalBotApi:
    """The server: create it, :meth:`add_bot`, then :meth:`start` (or mount :meth:`routes`)."""

    def __init__(
        self, *, documents: bool = False, poll_cap: float = MAX_POLL_TIMEOUT,
        forum_topics: bool = False,
    ) -> None:
        self.methods = MINIMAL_METHODS | (DOCUMENT_METHODS if documents else frozenset())
        if forum_topics:
            self.methods |= FORUM_METHODS
        #: chats whose user blocked the bot: sending there answers 403 Forbidden.
        self.blocked_chats: set[int] = set()
        self.bots: dict[str, BotAccount] = {}
        self.poll_cap = poll_cap
        self.calls: dict[str, int] = {}
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        self._closing = False
        self.base_url: str | None = None

    # -- setup -------------------------------------------------------------------------

    def add_bot(
        self, token: str | None = None, username: str = "ceres_assist_bot", first_name: str = "CERES Assist"
    ) -> BotAccount:
        if token is None:
            token = f"{secrets.randbelow(9 * 10**9) + 10**9}:{secrets.token_urlsafe(26)}"
        bot_id = int(token.split(":", 1)[0]) if token.split(":", 1)[0].isdigit() else 1
        account = BotAccount(token, bot_id, username, first_name)
        self.bots[token] = account
        return account

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        app.router.add_post("/_local/bot{token}/message", self._local_message)
        app.router.add_post("/_local/bot{token}/press", self._local_press)
        app.router.add_get("/_local/bot{token}/events", self._local_events)
        app.router.add_get("/_local/bot{token}/chat/{chat_id}", self._local_chat)
        app.on_cleanup.append(self._on_cleanup)

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        real_port = sockets[0].getsockname()[1]
        self.base_url = f"http://{host}:{real_port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        else:
            await self._on_cleanup(None)

    async def shutdown(self) -> None:
        """Release every long poll and stop webhook deliveries (before closing the site)."""
        await self._on_cleanup(None)

    async def _on_cleanup(self, _app: web.Application | None) -> None:
        self._closing = True
        for account in self.bots.values():
            if account.delivery_task:
                account.delivery_task.cancel()
                with contextlib.suppress(BaseException):
                    await account.delivery_task
            for cond in (account.cond, account.events_cond):
                if cond is not None:
                    async with cond:
                        cond.notify_all()
        if self._client is not None:
            await self._client.close()
            self._client = None

    def _conds(self, account: BotAccount) -> None:
        if account.cond is None:
            account.cond = asyncio.Condition()
            account.events_cond = asyncio.Condition()

    # -- the users' side ---------------------------------------------------------------

    def account(self, token: str) -> BotAccount:
        account = self.bots.get(token)
        if account is None:
            raise ApiError(401, "Unauthorized")
        self._conds(account)
        return account

    def _chat(self, account: BotAccount, chat_id: int, first_name: str) -> dict[str, Any]:
        chat = account.chats.get(chat_id)
        if chat is None:
            chat = {"id": chat_id, "type": "private", "first_name": first_name}
            account.chats[chat_id] = chat
        return chat

    def _from(self, chat: dict[str, Any]) -> dict[str, Any]:
        return {"id": chat["id"], "is_bot": False, "first_name": chat["first_name"],
                "language_code": "fr"}

    def _message_id(self, account: BotAccount, chat_id: int) -> int:
        n = account.next_message_id.get(chat_id, 1)
        account.next_message_id[chat_id] = n + 1
        return n

    async def user_message(
        self, token: str, chat_id: int, text: str, first_name: str = "Utilisateur", *,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A user writes ``text`` in their private chat with the bot (as a Telegram reply to
        message ``reply_to``, if given); return the update."""
        account = self.account(token)
        chat = self._chat(account, chat_id, first_name)
        message: dict[str, Any] = {
            "message_id": self._message_id(account, chat_id),
            "from": self._from(chat),
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if reply_to is not None:
            replied = account.messages.get((chat_id, reply_to))
            if replied is None:
                raise bad_request("message to be replied not found")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        m = _COMMAND.match(text)
        if m:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(m.group(0))}]
        account.messages[(chat_id, message["message_id"])] = message
        await self._event(account, {"type": "user_message", "chat_id": chat_id, "message": message})
        return await self._push_update(account, {"message": message})

    async def user_document(
        self, token: str, chat_id: int, filename: str, content: bytes, mime_type: str,
        first_name: str = "Utilisateur", *, caption: str | None = None,
        reply_to: int | None = None,
    ) -> dict[str, Any]:
        """A user sends a file (a document) in their private chat; the bot can fetch it
        with ``getFile`` (``documents=True``). Return the update."""
        account = self.account(token)
        chat = self._chat(account, chat_id, first_name)
        file_id = secrets.token_urlsafe(24)
        stored = StoredFile(file_id, secrets.token_urlsafe(8), f"documents/{file_id}",
                            content, filename, mime_type)
        account.files[file_id] = stored
        message: dict[str, Any] = {
            "message_id": self._message_id(account, chat_id),
            "from": self._from(chat),
            "chat": chat,
            "date": int(time.time()),
            "document": {"file_id": file_id, "file_unique_id": stored.file_unique_id,
                         "file_name": filename, "mime_type": mime_type,
                         "file_size": len(content)},
        }
        if caption:
            message["caption"] = caption
        if reply_to is not None:
            replied = account.messages.get((chat_id, reply_to))
            if replied is None:
                raise bad_request("message to be replied not found")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        account.messages[(chat_id, message["message_id"])] = message
        await self._event(account, {"type": "user_message", "chat_id": chat_id, "message": message})
        return await self._push_update(account, {"message": message})

    def block(self, chat_id: int, blocked: bool = True) -> None:
        """The user of a private chat blocks (or unblocks) the bot."""
        (self.blocked_chats.add if blocked else self.blocked_chats.discard)(chat_id)

    def add_group(self, token: str, chat_id: int, title: str = "Support CERES",
                  *, forum: bool = False) -> dict[str, Any]:
        """A supergroup the bot is a member of (with topics when ``forum``)."""
        account = self.account(token)
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        if forum:
            chat["is_forum"] = True
        account.chats[chat_id] = chat
        return chat

    async def group_message(
        self, token: str, chat_id: int, user_id: int, first_name: str, text: str, *,
        reply_to: int | None = None, thread_id: int | None = None,
    ) -> dict[str, Any]:
        """A member writes in a group (in a forum topic, or replying to a message)."""
        account = self.account(token)
        chat = account.chats.get(chat_id)
        if chat is None or chat["type"] == "private":
            raise bad_request("chat not found")
        message: dict[str, Any] = {
            "message_id": self._message_id(account, chat_id),
            "from": {"id": user_id, "is_bot": False, "first_name": first_name, "language_code": "fr"},
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if thread_id is not None:
            message["message_thread_id"] = thread_id
            message["is_topic_message"] = True
        if reply_to is not None:
            replied = account.messages.get((chat_id, reply_to))
            if replied is None:
                raise bad_request("message to be replied not found")
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        m = _COMMAND.match(text)
        if m:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": _u16(m.group(0))}]
        account.messages[(chat_id, message["message_id"])] = message
        await self._event(account, {"type": "user_message", "chat_id": chat_id, "message": message})
        return await self._push_update(account, {"message": message})

    async def press_button(
        self, token: str, chat_id: int, message_id: int, data: str, *, strict: bool = False
    ) -> dict[str, Any]:
        """The user presses an inline button carrying ``data`` under message ``message_id``.

        With ``strict``, ``data`` must be one of the message's buttons (what a real
        client can send); without it any data is sent, as a forged client would.
        """
        account = self.account(token)
        message = account.messages.get((chat_id, message_id))
        if message is None:
            raise bad_request("message not found")
        if strict:
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            if not any(b.get("callback_data") == data for row in rows for b in row):
                raise bad_request("BUTTON_DATA_INVALID")
        chat = account.chats[chat_id]
        query_id = str(secrets.randbelow(10**18))
        account.queries[query_id] = {"chat_id": chat_id, "answered": False, "at": time.monotonic()}
        query = {
            "id": query_id,
            "from": self._from(chat),
            "message": message,
            "chat_instance": str(abs(hash((account.id, chat_id)))),
            "data": data,
        }
        await self._event(
            account,
            {"type": "button_press", "chat_id": chat_id, "message_id": message_id, "data": data,
             "callback_query_id": query_id},
        )
        return await self._push_update(account, {"callback_query": query})

    async def _push_update(self, account: BotAccount, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": account.next_update_id, **payload}
        account.next_update_id += 1
        account.updates.append(update)
        assert account.cond is not None
        async with account.cond:
            account.cond.notify_all()
        return update

    async def _event(self, account: BotAccount, event: dict[str, Any]) -> None:
        event = {"seq": len(account.events) + 1, "time": time.time(), **event}
        account.events.append(event)
        assert account.events_cond is not None
        async with account.events_cond:
            account.events_cond.notify_all()

    def events(self, token: str, chat_id: int | None = None, after: int = 0) -> list[dict[str, Any]]:
        account = self.account(token)
        return [
            e for e in account.events[after:]
            if chat_id is None or e.get("chat_id") == chat_id
        ]

    async def wait_events(
        self, token: str, chat_id: int | None = None, after: int = 0, timeout: float = 10.0
    ) -> list[dict[str, Any]]:
        """Events after sequence number ``after``; wait up to ``timeout`` for the first one."""
        account = self.account(token)
        assert account.events_cond is not None
        deadline = time.monotonic() + timeout
        async with account.events_cond:
            while True:
                found = self.events(token, chat_id, after)
                left = deadline - time.monotonic()
                if found or left <= 0 or self._closing:
                    return found
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(account.events_cond.wait(), left)

    def chat_messages(self, token: str, chat_id: int) -> list[dict[str, Any]]:
        account = self.account(token)
        return [m for (c, _), m in sorted(account.messages.items()) if c == chat_id]

    # -- HTTP: the Bot API -------------------------------------------------------------

    async def _handle_method(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        method = request.match_info["method"].lower()
        try:
            account = self.account(token)
            if method not in self.methods:
                raise ApiError(404, "Not Found")
            params = await self._params(request)
            self.calls[method] = self.calls.get(method, 0) + 1
            handler = getattr(self, f"_m_{method}")
            result = await handler(account, params)
            return web.json_response({"ok": True, "result": result})
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except json.JSONDecodeError:
                    raise bad_request("invalid JSON body") from None
                if not isinstance(body, dict):
                    raise bad_request("JSON body must be an object")
                params.update(body)
            elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        params[key] = {"__file__": True, "name": value.filename,
                                       "content": value.file.read(),
                                       "mime": value.content_type or "application/octet-stream"}
                    else:
                        params[key] = value
        for key in list(params):
            value = params[key]
            if key in _JSON_FIELDS and isinstance(value, str):
                try:
                    params[key] = json.loads(value)
                except json.JSONDecodeError:
                    raise bad_request(f"can't parse {key} JSON object") from None
            elif key in _INT_FIELDS and isinstance(value, str):
                try:
                    params[key] = int(value)
                except ValueError:
                    raise bad_request(f"field \"{key}\" must be of type Integer") from None
            elif key in _BOOL_FIELDS and isinstance(value, str):
                params[key] = value.lower() in ("true", "1")
        return params

    # getMe -------------------------------------------------------------------------------

    async def _m_getme(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        return account.user()

    # getUpdates --------------------------------------------------------------------------

    async def _m_getupdates(self, account: BotAccount, params: dict[str, Any]) -> list[dict[str, Any]]:
        if account.webhook is not None:
            raise ApiError(
                409, "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first"
            )
        offset = params.get("offset")
        limit = params.get("limit", 100)
        limit = 100 if not isinstance(limit, int) or not 1 <= limit <= 100 else limit
        timeout = params.get("timeout", 0)
        timeout = max(0, min(int(timeout or 0), self.poll_cap))
        allowed = params.get("allowed_updates")
        self._confirm(account, offset)
        assert account.cond is not None
        deadline = time.monotonic() + timeout
        async with account.cond:
            while True:
                pending = self._pending(account, allowed)
                left = deadline - time.monotonic()
                if pending or left <= 0 or self._closing or account.webhook is not None:
                    return pending[:limit]
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(account.cond.wait(), left)

    @staticmethod
    def _confirm(account: BotAccount, offset: Any) -> None:
        if not isinstance(offset, int) or offset == 0:
            return
        if offset < 0:
            # The last -offset updates are kept; all earlier ones are forgotten.
            keep = -offset
            account.updates = account.updates[-keep:] if keep else []
        else:
            account.updates = [u for u in account.updates if u["update_id"] >= offset]

    @staticmethod
    def _pending(account: BotAccount, allowed: list[str] | None) -> list[dict[str, Any]]:
        if not allowed:
            return list(account.updates)
        return [u for u in account.updates if any(k in u for k in allowed)]

    # webhooks ----------------------------------------------------------------------------

    async def _m_setwebhook(self, account: BotAccount, params: dict[str, Any]) -> bool:
        url = str(params.get("url", "") or "")
        if params.get("drop_pending_updates"):
            account.updates.clear()
        if not url:
            await self._remove_webhook(account)
            return True
        if not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443")
        secret = params.get("secret_token")
        if secret is not None and not _SECRET.match(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        max_conn = params.get("max_connections", 40)
        if not isinstance(max_conn, int) or not 1 <= max_conn <= 100:
            max_conn = 40
        account.webhook = Webhook(url, secret, max_conn, params.get("allowed_updates"))
        if account.delivery_task is None or account.delivery_task.done():
            account.delivery_task = asyncio.create_task(self._deliver_loop(account))
        else:
            assert account.cond is not None
            async with account.cond:
                account.cond.notify_all()
        return True

    async def _m_deletewebhook(self, account: BotAccount, params: dict[str, Any]) -> bool:
        if params.get("drop_pending_updates"):
            account.updates.clear()
        await self._remove_webhook(account)
        return True

    async def _remove_webhook(self, account: BotAccount) -> None:
        account.webhook = None
        task = account.delivery_task
        account.delivery_task = None
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        account.in_flight.clear()

    async def _m_getwebhookinfo(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        hook = account.webhook
        info: dict[str, Any] = {
            "url": hook.url if hook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(account.updates),
        }
        if hook:
            info["max_connections"] = hook.max_connections
            if hook.allowed_updates:
                info["allowed_updates"] = hook.allowed_updates
            if hook.last_error_date:
                info["last_error_date"] = hook.last_error_date
                info["last_error_message"] = hook.last_error_message
        return info

    async def _deliver_loop(self, account: BotAccount) -> None:
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=60))
        assert account.cond is not None
        tasks: set[asyncio.Task] = set()
        try:
            async with account.cond:
                while account.webhook is not None and not self._closing:
                    hook = account.webhook
                    todo = [
                        u for u in self._pending(account, hook.allowed_updates)
                        if u["update_id"] not in account.in_flight
                    ]
                    free = hook.max_connections - len(account.in_flight)
                    for update in todo[: max(0, free)]:
                        account.in_flight.add(update["update_id"])
                        task = asyncio.create_task(self._deliver(account, hook, update))
                        tasks.add(task)
                        task.add_done_callback(tasks.discard)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(account.cond.wait(), 1.0)
        finally:
            for task in tasks:
                task.cancel()

    async def _deliver(self, account: BotAccount, hook: Webhook, update: dict[str, Any]) -> None:
        assert self._client is not None and account.cond is not None
        headers = {"Content-Type": "application/json"}
        if hook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook.secret_token
        delay = 0.2
        try:
            while account.webhook is hook and not self._closing:
                try:
                    async with self._client.post(
                        hook.url, data=json.dumps(update), headers=headers
                    ) as response:
                        if 200 <= response.status < 300:
                            account.updates = [
                                u for u in account.updates if u["update_id"] != update["update_id"]
                            ]
                            return
                        hook.last_error_message = f"Wrong response from the webhook: {response.status}"
                except Exception as exc:  # network errors: retry, like the real server
                    hook.last_error_message = f"Connection failed: {exc.__class__.__name__}"
                hook.last_error_date = int(time.time())
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        finally:
            account.in_flight.discard(update["update_id"])
            async with account.cond:
                account.cond.notify_all()

    # messages ----------------------------------------------------------------------------

    def _target_chat(self, account: BotAccount, params: dict[str, Any]) -> int:
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad_request("chat_id is empty")
        try:
            chat_id = int(raw)
        except (TypeError, ValueError):
            raise bad_request("chat not found") from None
        if chat_id not in account.chats:
            raise bad_request("chat not found")
        return chat_id

    @staticmethod
    def _text(params: dict[str, Any], key: str = "text", limit: int = MAX_TEXT,
              required: bool = True) -> tuple[str, list[dict[str, Any]]]:
        raw = params.get(key)
        if raw is None:
            if required:
                raise bad_request("message text is empty")
            return "", []
        raw = str(raw)
        mode = str(params.get("parse_mode") or "")
        if mode.lower() == "html":
            try:
                text, entities = parse_html(raw)
            except EntityParseError as exc:
                raise bad_request(str(exc)) from None
        else:
            text, entities = raw, list(params.get("entities") or params.get("caption_entities") or [])
        stripped = text.strip()
        if required and not stripped:
            raise bad_request("message text is empty")
        if _u16(text) > limit:
            raise bad_request("message is too long" if key == "text" else "message caption is too long")
        return text, entities

    @staticmethod
    def _markup(params: dict[str, Any]) -> dict[str, Any] | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return markup  # reply keyboards and removals are accepted as is
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
        kinds = ("callback_data", "url", "switch_inline_query", "switch_inline_query_current_chat",
                 "login_url", "web_app", "callback_game", "pay", "copy_text")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not str(button.get("text", "")).strip():
                    raise bad_request("BUTTON_TEXT_INVALID")
                if sum(1 for k in kinds if k in button) != 1:
                    raise bad_request("can't parse inline keyboard button: exactly one of the optional fields must be used")
                if "callback_data" in button:
                    data = str(button["callback_data"])
                    if not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://", str(button["url"])):
                    raise bad_request("BUTTON_URL_INVALID")
        if not any(rows):
            return None
        return {"inline_keyboard": rows}

    def _bot_message(self, account: BotAccount, chat_id: int, **fields: Any) -> dict[str, Any]:
        message = {
            "message_id": self._message_id(account, chat_id),
            "from": account.user(),
            "chat": account.chats[chat_id],
            "date": int(time.time()),
            **{k: v for k, v in fields.items() if v is not None and v != []},
        }
        account.messages[(chat_id, message["message_id"])] = message
        return message

    def _check_not_blocked(self, chat_id: int) -> None:
        if chat_id in self.blocked_chats:
            raise ApiError(403, "Forbidden: bot was blocked by the user")

    def _thread(self, account: BotAccount, chat_id: int, params: dict[str, Any]) -> dict[str, Any]:
        """``message_thread_id``: a topic of a forum supergroup (the fields to add)."""
        thread_id = params.get("message_thread_id")
        if thread_id in (None, 0):
            return {}
        chat = account.chats[chat_id]
        topics = account.topics.get(chat_id, {})
        if not chat.get("is_forum") or thread_id not in topics:
            raise bad_request("message thread not found")
        return {"message_thread_id": thread_id, "is_topic_message": True}

    async def _m_sendmessage(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(account, params)
        self._check_not_blocked(chat_id)
        text, entities = self._text(params)
        markup = self._markup(params)
        thread = self._thread(account, chat_id, params)
        reply = params.get("reply_parameters") or {}
        replied = account.messages.get((chat_id, reply.get("message_id"))) if isinstance(reply, dict) else None
        message = self._bot_message(account, chat_id, text=text, entities=entities,
                                    reply_markup=markup, **thread)
        if replied is not None:
            message["reply_to_message"] = {k: v for k, v in replied.items() if k != "reply_to_message"}
        await self._event(account, {"type": "message", "chat_id": chat_id, "message": message})
        return message

    def _editable(self, account: BotAccount, params: dict[str, Any], what: str) -> dict[str, Any]:
        if params.get("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat_id = self._target_chat(account, params)
        message_id = params.get("message_id")
        if not isinstance(message_id, int):
            raise bad_request("message identifier is not specified")
        message = account.messages.get((chat_id, message_id))
        if message is None:
            raise bad_request(f"message to {what} not found")
        if message["from"]["id"] != account.id:
            raise bad_request("message can't be edited")
        return message

    async def _m_editmessagetext(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        message = self._editable(account, params, "edit")
        if "text" not in message:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(params)
        markup = self._markup(params)
        if (
            text == message.get("text")
            and entities == message.get("entities", [])
            and markup == message.get("reply_markup")
        ):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        message["text"] = text
        message["edit_date"] = int(time.time())
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        await self._event(account, {"type": "edit", "chat_id": message["chat"]["id"],
                                    "message": dict(message)})
        return message

    async def _m_editmessagereplymarkup(
        self, account: BotAccount, params: dict[str, Any]
    ) -> dict[str, Any]:
        message = self._editable(account, params, "edit")
        markup = self._markup(params)
        if markup == message.get("reply_markup"):
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        if markup:
            message["reply_markup"] = markup
        else:
            message.pop("reply_markup", None)
        message["edit_date"] = int(time.time())
        await self._event(account, {"type": "edit_markup", "chat_id": message["chat"]["id"],
                                    "message": dict(message)})
        return message

    async def _m_deletemessage(self, account: BotAccount, params: dict[str, Any]) -> bool:
        chat_id = self._target_chat(account, params)
        message_id = params.get("message_id")
        if (chat_id, message_id) not in account.messages:
            raise bad_request("message to delete not found")
        del account.messages[(chat_id, message_id)]
        await self._event(account, {"type": "delete", "chat_id": chat_id, "message_id": message_id})
        return True

    @staticmethod
    def _scope_key(params: dict[str, Any]) -> str:
        scope = params.get("scope")
        if isinstance(scope, str):
            scope = json.loads(scope)
        if not scope or scope.get("type") == "default":
            return "default"
        if scope.get("type") == "chat":
            return f"chat:{int(scope['chat_id'])}"
        return str(scope.get("type"))

    async def _m_setmycommands(self, account: BotAccount, params: dict[str, Any]) -> bool:
        commands = params.get("commands")
        if isinstance(commands, str):
            commands = json.loads(commands)
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        account.commands[self._scope_key(params)] = [
            {"command": str(c["command"]), "description": str(c["description"])} for c in commands]
        return True

    async def _m_deletemycommands(self, account: BotAccount, params: dict[str, Any]) -> bool:
        account.commands.pop(self._scope_key(params), None)
        return True

    async def _m_getmycommands(self, account: BotAccount, params: dict[str, Any]) -> list[Any]:
        return account.commands.get(self._scope_key(params), [])

    async def _m_answercallbackquery(self, account: BotAccount, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        query = account.queries.get(query_id)
        if query is None or query["answered"]:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        await self._event(
            account,
            {"type": "callback_answer", "chat_id": query["chat_id"], "callback_query_id": query_id,
             "text": text, "show_alert": bool(params.get("show_alert"))},
        )
        return True

    # forum topics (optional) -------------------------------------------------------------

    async def _m_createforumtopic(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(account, params)
        chat = account.chats[chat_id]
        if chat["type"] != "supergroup" or not chat.get("is_forum"):
            raise bad_request("the chat is not a forum")
        name = str(params.get("name") or "").strip()
        if not 1 <= len(name) <= 128:
            raise bad_request("TOPIC_TITLE_EMPTY" if not name else "TOPIC_TITLE_TOO_LONG")
        # As on Telegram, the topic's id is the id of its "topic created" service message.
        service = self._bot_message(account, chat_id, forum_topic_created={"name": name,
                                                                             "icon_color": 7322096})
        thread_id = service["message_id"]
        service["message_thread_id"] = thread_id
        service["is_topic_message"] = True
        account.topics.setdefault(chat_id, {})[thread_id] = name
        await self._event(account, {"type": "topic", "chat_id": chat_id, "message": service})
        return {"message_thread_id": thread_id, "name": name, "icon_color": 7322096}

    # documents (optional) ----------------------------------------------------------------

    async def _m_senddocument(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = self._target_chat(account, params)
        self._check_not_blocked(chat_id)
        doc = params.get("document")
        if isinstance(doc, dict) and doc.get("__file__"):
            file_id = secrets.token_urlsafe(24)
            stored = StoredFile(file_id, secrets.token_urlsafe(8), f"documents/{file_id}",
                                doc["content"], doc["name"] or "document", doc["mime"])
            account.files[file_id] = stored
        elif isinstance(doc, str) and doc in account.files:
            stored = account.files[doc]
        else:
            raise bad_request("there is no document in the request")
        caption, entities = self._text(params, "caption", MAX_CAPTION, required=False)
        document = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                    "file_name": stored.name, "mime_type": stored.mime_type,
                    "file_size": len(stored.content)}
        message = self._bot_message(account, chat_id, document=document, caption=caption or None,
                                    caption_entities=entities, reply_markup=self._markup(params))
        await self._event(account, {"type": "document", "chat_id": chat_id, "message": message})
        return message

    async def _m_getfile(self, account: BotAccount, params: dict[str, Any]) -> dict[str, Any]:
        stored = account.files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise bad_request("invalid file_id")
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content), "file_path": stored.path}

    async def _handle_file(self, request: web.Request) -> web.Response:
        account = self.bots.get(request.match_info["token"])
        path = request.match_info["path"]
        if account is None or "senddocument" not in self.methods:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"},
                                     status=404)
        for stored in account.files.values():
            if stored.path == path:
                return web.Response(body=stored.content, content_type=stored.mime_type)
        return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"},
                                 status=404)

    # -- HTTP: the users' side (tests and the demo chat page) ---------------------------

    async def _local_message(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            update = await self.user_message(
                request.match_info["token"], int(body["chat_id"]), str(body["text"]),
                str(body.get("first_name") or "Utilisateur"),
            )
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)
        except (KeyError, ValueError, TypeError):
            return web.json_response(bad_request("chat_id and text are required").body(), status=400)
        return web.json_response({"ok": True, "result": update})

    async def _local_press(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
            update = await self.press_button(
                request.match_info["token"], int(body["chat_id"]), int(body["message_id"]),
                str(body["data"]), strict=bool(body.get("strict", True)),
            )
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)
        except (KeyError, ValueError, TypeError):
            return web.json_response(
                bad_request("chat_id, message_id and data are required").body(), status=400
            )
        return web.json_response({"ok": True, "result": update})

    async def _local_events(self, request: web.Request) -> web.Response:
        try:
            chat_id = int(request.query["chat_id"]) if "chat_id" in request.query else None
            after = int(request.query.get("after", 0))
            timeout = min(float(request.query.get("timeout", 0)), 30.0)
            events = await self.wait_events(request.match_info["token"], chat_id, after, timeout)
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)
        except ValueError:
            return web.json_response(bad_request("bad parameters").body(), status=400)
        return web.json_response({"ok": True, "result": events})

    async def _local_chat(self, request: web.Request) -> web.Response:
        try:
            messages = self.chat_messages(request.match_info["token"], int(request.match_info["chat_id"]))
        except ApiError as exc:
            return web.json_response(exc.body(), status=exc.code)
        return web.json_response({"ok": True, "result": messages})
