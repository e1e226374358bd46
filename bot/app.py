"""Building and running the python-telegram-bot ``Application``.

* ``base_url``/``base_file_url`` point at any server that speaks the Bot API
  (api.telegram.org, a self-hosted Bot API server, :mod:`bot.localapi`);
* :class:`RetryingRateLimiter` keeps within Telegram's limits (``AIORateLimiter``),
  retries on flood control (``RetryAfter``) and on network errors;
* updates are handled concurrently: the state of a chat is one database row with a
  version (see :mod:`bot.state`) and a per-chat lock serialises a chat's updates;
* polling (:meth:`BotRunner.start` with ``config.webhook`` false) or a webhook
  served by aiohttp that checks the ``X-Telegram-Bot-Api-Secret-Token`` header
  (python-telegram-bot's "customwebhookbot" pattern).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from functools import partial
from typing import Any

from aiohttp import web
from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, TimedOut
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults

from bot import texts, wiring
from bot.config import BotConfig
from bot.delivery_worker import DeliveryWorker
from bot.exactly_once import PRECLAIMED, purge_updates, take_update
from bot.handlers import start as start_handlers
from bot.handlers import tickets as ticket_handlers
from bot.leader import AdvisoryLease, LeaderGate
from bot.outbox import OutboxWorker
from bot.runtime import Services, optional, run_sync
from bot.webhook_input import NotAnUpdate, read_update

log = logging.getLogger("bot")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]


class RetryingRateLimiter(AIORateLimiter):
    """``AIORateLimiter`` (flood control) that also retries transient network errors."""

    def __init__(self, *args: Any, network_retries: int = 2, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.network_retries = network_retries
        #: ``await observer(endpoint, data)`` after each successful call (the transcript
        #: of bot.handlers.tickets); its failures are logged, never raised.
        self.observer: Any = None

    async def _observe(self, endpoint: str, data: dict[str, Any]) -> None:
        if self.observer is not None:
            try:
                await self.observer(endpoint, data)
            except Exception:
                log.warning("observer failed on %s", endpoint, exc_info=True)

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[override]
        delay = 0.5
        for attempt in range(self.network_retries + 1):
            try:
                result = await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
                await self._observe(endpoint, data)
                return result
            except (BadRequest, Forbidden, InvalidToken, Conflict):
                raise
            except (TimedOut, NetworkError) as exc:
                if attempt >= self.network_retries or endpoint == "getUpdates":
                    raise
                log.warning("network error on %s (%s), retry in %.1fs", endpoint, exc, delay)
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")  # pragma: no cover


def build_application(config: BotConfig, svc: Services) -> Application:
    builder = (
        ApplicationBuilder()
        .token(config.token)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .rate_limiter(
            RetryingRateLimiter(
                overall_max_rate=config.overall_max_rate,
                group_max_rate=config.group_max_rate,
                max_retries=config.max_retries,
            )
        )
        .concurrent_updates(config.concurrent_updates)
        .connection_pool_size(max(8, min(config.concurrent_updates, 256)))
        .get_updates_read_timeout(config.poll_timeout + 10)
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    if config.webhook:
        builder = builder.updater(None)
    app = builder.build()
    svc.config = config
    app.bot_data["services"] = svc
    wiring.register(app, svc.procedures.ids())
    if isinstance(app.bot.rate_limiter, RetryingRateLimiter):
        app.bot.rate_limiter.observer = partial(ticket_handlers.record_sent, svc)
    return app


def bot_commands(svc: Services) -> list[BotCommand]:
    """The default command menu (chats not linked): procedures and common commands; a
    linked chat gets its own, with that user's operations (bot.handlers.start)."""
    lib = svc.procedures
    commands = [BotCommand(pid, lib[pid].title) for pid in lib.ids()]
    commands += [BotCommand(name, text) for name, text in texts.COMMON_COMMANDS]
    return commands


async def _post_init(app: Application) -> None:
    svc: Services = app.bot_data["services"]
    try:
        purged = await run_sync(svc.store.purge)
        purged += await run_sync(purge_updates, svc.core)
        if purged:
            log.info("purged %d expired buttons and confirmations", purged)
    except Exception:
        log.warning("could not purge expired buttons", exc_info=True)
    # Optional: a server that does not offer setMyCommands must not stop the bot.
    await optional(app.bot.set_my_commands(bot_commands(svc)), "setMyCommands")
    # Chats linked before the catalogue changed: their menus set from today's operations,
    # in the background (one call per linked chat, within Telegram's limits).
    app.bot_data["menus_task"] = asyncio.create_task(
        start_handlers.refresh_linked_menus(app.bot, svc), name="refresh-linked-menus")
    # The helpdesk outbox (staff replies, status announcements) → the chats.
    interval = svc.config.delivery_interval if svc.config else 2.0
    # Background work runs on the one instance that holds the lease (bot.leader).
    worker = app.bot_data["delivery_worker"] = DeliveryWorker(app.bot, svc, interval=interval)
    app.bot_data["leader_gate"] = LeaderGate(AdvisoryLease(svc.core.engine), worker.start,
                                             worker.stop).open()
    # The bot's own replies written with their effect (bot.outbox): sent after a crash.
    # Every instance runs it: its rows are leased one by one, and a row written by an
    # instance that died is sent by another one.
    app.bot_data["outbox_worker"] = OutboxWorker(app.bot, svc, interval=interval).start()


async def _post_stop(app: Application) -> None:
    menus = app.bot_data.pop("menus_task", None)
    if menus is not None and not menus.done():
        menus.cancel()
        with contextlib.suppress(asyncio.CancelledError):  # stopped on purpose
            await menus
    gate = app.bot_data.pop("leader_gate", None)
    if gate is not None:
        await gate.close()
    outbox_worker = app.bot_data.pop("outbox_worker", None)
    if outbox_worker is not None:
        await outbox_worker.stop()
    worker = app.bot_data.pop("delivery_worker", None)
    if worker is not None:
        await worker.stop()


class BotRunner:
    """Start and stop the Application in polling or webhook mode (tests, demo, CLI)."""

    def __init__(self, config: BotConfig, svc: Services) -> None:
        self.config = config
        self.services = svc
        self.app = build_application(config, svc)
        self._web: web.AppRunner | None = None
        self.webhook_port: int | None = None

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        if self.config.webhook:
            await self._start_webhook()
        else:
            assert app.updater is not None
            await app.updater.start_polling(
                poll_interval=0.0,
                timeout=self.config.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
                drop_pending_updates=False,
                bootstrap_retries=3,
            )
        await app.start()

    async def stop(self) -> None:
        app = self.app
        if app.post_stop:
            await app.post_stop(app)
        if app.updater is not None and app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        await app.shutdown()

    async def run_until(self, stop_event: asyncio.Event) -> None:
        await self.start()
        try:
            await stop_event.wait()
        finally:
            await self.stop()

    # -- webhook -------------------------------------------------------------------------

    async def _start_webhook(self) -> None:
        web_app = web.Application()
        web_app.router.add_post(self.config.webhook_path, self._webhook)
        web_app.router.add_get("/healthz", self._health)
        self._web = web.AppRunner(web_app, access_log=None)
        await self._web.setup()
        site = web.TCPSite(self._web, self.config.listen, self.config.port)
        await site.start()
        self.webhook_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        url = self.config.webhook_url or (
            f"http://{self.config.listen}:{self.webhook_port}{self.config.webhook_path}"
        )
        await self.app.bot.set_webhook(
            url=url,
            secret_token=self.config.secret_token,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=40,
        )
        log.info("webhook set to %s", url)

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.config.secret_token.encode()):
            return web.Response(status=403, text="Forbidden")
        try:
            update = await read_update(request, self.app.bot)  # bot.webhook_input
        except NotAnUpdate as exc:
            log.info("webhook: 400 for a body that is not an update (%s)", str(exc)[:200])
            return web.Response(status=400, text="Bad Request")
        # Handled before it is acknowledged: Telegram delivers an update again until it
        # gets a 2xx, so an instance that dies while handling loses nothing. The claim
        # in the database (bot.exactly_once) makes a redelivery a no-op once handled,
        # and asks to be retried later while another delivery of it is in progress.
        claim = await run_sync(take_update, self.services.core, update.update_id)
        if claim == "done":
            return web.Response(status=200)
        if claim == "busy":
            return web.Response(status=503, text="Update in progress")
        token = PRECLAIMED.set(update.update_id)
        try:
            await self.app.process_update(update)
        finally:
            PRECLAIMED.reset(token)
        return web.Response(status=200)

    async def _health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")
