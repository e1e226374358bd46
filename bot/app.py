"""Building and running the python-telegram-bot ``Application``.

* ``base_url``/``base_file_url`` point at any server that speaks the Bot API
  (api.telegram.org, a self-hosted Bot API server, :mod:`bot.localapi`);
* :class:`RetryingRateLimiter` keeps within Telegram's limits (``AIORateLimiter``),
  retries on flood control (``RetryAfter``) and on network errors;
* updates are handled concurrently: the state of a chat is one database row with a
  version (see :mod:`bot.state`) and a per-chat lock serialises a chat's updates;
* polling (:meth:`BotRunner.start` with ``config.webhook`` false: :class:`Poller`) or
  a webhook served by aiohttp that checks the ``X-Telegram-Bot-Api-Secret-Token``
  header (python-telegram-bot's "customwebhookbot" pattern);
* either way an update is **handled, then acknowledged** (:meth:`BotRunner.handle`):
  it is claimed in the database first (:func:`bot.exactly_once.begin_update`), and
  Telegram forgets it only once handled — the webhook answers 200 then, the poller
  asks for the updates after it then (``getUpdates``' offset) — so that an instance
  killed between the fetch and the end of the handling loses nothing: the update is
  delivered again, and the claim makes a second handling a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from datetime import timedelta
from functools import partial
from typing import Any

import httpx
from aiohttp import web
from telegram import BotCommand, Update
from telegram._utils.defaultvalue import DefaultValue
from telegram.constants import ChatType, ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, Defaults
from telegram.request import BaseRequest, HTTPXRequest, RequestData

from bot import texts, wiring
from bot.config import BotConfig
from bot.delivery_worker import DeliveryWorker
from bot.exactly_once import UPDATE_LEASE, begin_update, flush_kept_lines, purge_updates
from bot.handlers import start as start_handlers
from bot.handlers import tickets as ticket_handlers
from bot.http_pool import cheap_transport
from bot.leader import AdvisoryLease, LeaderGate
from bot.outbox import OutboxWorker
from bot.runtime import Services, optional, run_sync
from bot.update_context import CURRENT
from bot.webhook_input import NotAnUpdate, read_update
from ceres_core.busy import DatabaseBusy

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


#: Connections to the Bot API server. httpcore's pool checks every connection (and
#: compares every idle one with all the others) each time a request starts or ends: 64
#: connections cost milliseconds of CPU per update (issue 14). Telegram allows ~30
#: messages a second, each answered in well under a second: 8 are plenty; a request
#: waits up to POOL_WAIT seconds for one.
HTTP_CONNECTIONS = 8
POOL_WAIT = 10.0


class JsonRequest(HTTPXRequest):
    """Bot API calls with a JSON body when they carry no file (the Bot API takes both).

    python-telegram-bot sends a form: ``urllib.parse.urlencode`` quotes a long HTML
    answer byte by byte, about a millisecond of CPU per message (issue 14); a JSON
    body is one ``json.dumps``. Calls with files keep the multipart form."""

    def _build_client(self) -> httpx.AsyncClient:
        """The client over :func:`bot.http_pool.cheap_transport` (no proxy, no socket
        options: else python-telegram-bot's own)."""
        kwargs = dict(self._client_kwargs)
        if kwargs.get("transport") is None and kwargs.get("proxy") is None:
            kwargs["transport"] = cheap_transport(kwargs["limits"], http2=bool(kwargs.get("http2")))
        return httpx.AsyncClient(**kwargs)

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         read_timeout: Any = BaseRequest.DEFAULT_NONE,
                         write_timeout: Any = BaseRequest.DEFAULT_NONE,
                         connect_timeout: Any = BaseRequest.DEFAULT_NONE,
                         pool_timeout: Any = BaseRequest.DEFAULT_NONE) -> tuple[int, bytes]:
        if request_data is None or request_data.contains_files:
            return await super().do_request(url, method, request_data, read_timeout,
                                            write_timeout, connect_timeout, pool_timeout)
        client = self._client
        default = client.timeout
        timeout = httpx.Timeout(
            connect=default.connect if isinstance(connect_timeout, DefaultValue) else connect_timeout,
            read=default.read if isinstance(read_timeout, DefaultValue) else read_timeout,
            write=default.write if isinstance(write_timeout, DefaultValue) else write_timeout,
            pool=default.pool if isinstance(pool_timeout, DefaultValue) else pool_timeout,
        )
        try:
            res = await client.request(
                method=method, url=url, timeout=timeout,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                content=json.dumps(request_data.parameters).encode())
        except httpx.TimeoutException as err:  # as HTTPXRequest.do_request
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut("Pool timeout: all connections of the pool are in use; the "
                               "request was not sent.") from err
            raise TimedOut from err
        except httpx.HTTPError as err:
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return res.status_code, res.content


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
        .request(JsonRequest(connection_pool_size=HTTP_CONNECTIONS, pool_timeout=POOL_WAIT))
        .get_updates_request(JsonRequest(connection_pool_size=1,
                                         read_timeout=config.poll_timeout + 10))
        .post_init(_post_init)
        .post_stop(_post_stop)
    )
    # No python-telegram-bot Updater: its polling acknowledges an update when it fetches
    # the next batch, before the update is handled; BotRunner polls with Poller instead.
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
    # The helpdesk outbox (staff replies, status announcements) → the chats.
    interval = svc.config.delivery_interval if svc.config else 2.0
    # Background work runs on the one instance that holds the lease (bot.leader).
    worker = app.bot_data["delivery_worker"] = DeliveryWorker(app.bot, svc, interval=interval)

    def lead() -> None:
        worker.start()
        # Chats linked before the catalogue changed: their menus set from today's
        # operations, in the background (one call per linked chat, within Telegram's
        # limits), once, by the instance that leads — not by every instance at each start.
        if "menus_task" not in app.bot_data:
            app.bot_data["menus_task"] = asyncio.create_task(
                start_handlers.refresh_linked_menus(app.bot, svc), name="refresh-linked-menus")

    app.bot_data["leader_gate"] = LeaderGate(AdvisoryLease(svc.core.engine), lead,
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
        self._poller: Poller | None = None
        self.webhook_port: int | None = None

    async def start(self) -> None:
        app = self.app
        await app.initialize()
        if app.post_init:
            await app.post_init(app)
        if self.config.webhook:
            await self._start_webhook()
        else:
            self._poller = Poller(self)
            await self._poller.start()
        await app.start()

    async def stop(self) -> None:
        app = self.app
        if self._poller is not None:
            await self._poller.stop()
            self._poller = None
        if app.post_stop:
            await app.post_stop(app)
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

    # -- one update ----------------------------------------------------------------------

    async def handle(self, update: Update) -> str:
        """Claim the update, then handle it: ``done`` (handled before: nothing to do),
        ``busy`` (another delivery of it is being handled: ask again later) or
        ``handled``. The claim reads what the handlers need first and the update's
        transcript lines are written with its « done » mark (:mod:`bot.update_context`)."""
        chat = update.effective_chat
        claim, snap = await run_sync(
            begin_update, self.services.core, update.update_id,
            chat.id if chat is not None else None,
            chat is not None and chat.type == ChatType.PRIVATE)
        if claim != "new" or snap is None:
            return claim
        snap.buffering = True
        token = CURRENT.set(snap)
        try:
            await self.app.process_update(update)
        finally:
            CURRENT.reset(token)
            if snap.lines:  # the handling stopped before its « done » mark
                try:
                    await run_sync(flush_kept_lines, self.services.core, snap)
                except Exception:
                    log.warning("could not record the transcript of update %s",
                                update.update_id, exc_info=True)
        return "handled"

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
        if await self.handle(update) == "busy":
            return web.Response(status=503, text="Update in progress")
        return web.Response(status=200)

    async def _health(self, request: web.Request) -> web.Response:
        return web.Response(text="ok")


class Poller:
    """``getUpdates`` long polling that acknowledges an update only once handled.

    Telegram forgets the updates before the ``offset`` of a ``getUpdates`` call. The
    poller fetches continuously and hands every new update to :meth:`BotRunner.handle`
    (at most ``concurrent_updates`` at a time), but its offset never passes the oldest
    update still being handled: a ``kill -9`` at any point leaves every update not
    handled yet on the server, fetched again at restart (the claim makes the ones
    handled meanwhile no-ops, and an update whose claim the dead process held is taken
    again after :data:`~bot.exactly_once.UPDATE_LEASE`). The updates fetched again while
    they are being handled are skipped; while some are in progress, the poller fetches
    at most every :attr:`REFETCH_PAUSE` (at once when none is left).
    """

    #: Shortest time between two fetches while updates are in progress (each fetch
    #: brings them again: the cost of the next fetch grows with their number).
    REFETCH_PAUSE = 0.04
    #: Pause before a claim held by another delivery is asked again.
    BUSY_RETRY = 1.0
    #: Longest wait for the updates in progress at stop.
    STOP_GRACE = 20.0
    #: Failed handlings of one update (its claim could not be taken) before giving up.
    MAX_FAILURES = 5

    def __init__(self, runner: BotRunner) -> None:
        self.runner = runner
        self.offset = 0  # every update before it is handled (Telegram may forget it)
        self.in_progress: dict[int, asyncio.Task] = {}
        self.handled: set[int] = set()  # handled, at or after the offset
        self._slots = asyncio.Semaphore(max(1, runner.config.concurrent_updates))
        self._progress = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    async def start(self) -> None:
        bot = self.runner.app.bot
        for attempt in range(4):  # bootstrap: polling needs the webhook removed
            try:
                await bot.delete_webhook(drop_pending_updates=False)
                break
            except (TimedOut, NetworkError):
                if attempt == 3:
                    raise
                await asyncio.sleep(1.0)
        self._task = asyncio.create_task(self._loop(), name="bot-poller")

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            self._task.cancel()
            # The loop's own stop (CancelledError) is expected; an error that ended it
            # earlier was logged then, and must not keep the rest of stop() from running.
            await asyncio.wait({self._task})
            task_error = None if self._task.cancelled() else self._task.exception()
            if task_error is not None:
                log.warning("the poller had stopped on an error: %r", task_error)
            self._task = None
        if self.in_progress:
            await asyncio.wait(list(self.in_progress.values()), timeout=self.STOP_GRACE)
        self._advance()
        if self.handled or self.offset:  # acknowledge what was handled since the last fetch
            with contextlib.suppress(TelegramError):  # acknowledged at the next start anyway
                await self.runner.app.bot.get_updates(offset=self.offset, limit=1, timeout=0,
                                                      allowed_updates=ALLOWED_UPDATES)

    async def _loop(self) -> None:
        bot = self.runner.app.bot
        timeout = self.runner.config.poll_timeout
        pause = 1.0
        while not self._stopping:
            try:
                # The raw JSON: an update fetched again is skipped by its id, unparsed
                # (python-telegram-bot's objects cost far more than the JSON).
                raw = await bot._post(  # noqa: SLF001 - Bot.get_updates parses every update
                    "getUpdates",
                    {"offset": self.offset, "timeout": timeout,
                     "allowed_updates": ALLOWED_UPDATES},
                    read_timeout=2 * timeout + 10)
                pause = 1.0
            except InvalidToken:
                log.critical("getUpdates: the bot's token is refused; polling stops")
                raise
            except RetryAfter as exc:  # Telegram's flood control says how long to wait
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                log.warning("getUpdates: flood control, again in %.0f s", seconds)
                await asyncio.sleep(seconds)
                continue
            except (TimedOut, NetworkError, Conflict) as exc:
                log.warning("getUpdates failed (%s): again in %.0f s", exc, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            except Exception:  # noqa: BLE001 - any other failure: logged, polling goes on
                log.exception("getUpdates failed: again in %.0f s", pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
                continue
            new = [u for u in map(self._parse, raw or ()) if u is not None]
            for update in new:
                self.in_progress[update.update_id] = asyncio.create_task(
                    self._handle(update), name=f"bot-update-{update.update_id}")
            self._advance()
            if self.in_progress:
                # The next fetch brings the updates in progress again (they are not
                # acknowledged): fetch at most every REFETCH_PAUSE while some are, sooner
                # when all of them are handled.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._all_handled(), self.REFETCH_PAUSE)

    def _parse(self, data: dict[str, Any]) -> Update | None:
        """A new update of a fetch; None for one seen already (or unreadable: skipped)."""
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or update_id < self.offset \
                or update_id in self.in_progress or update_id in self.handled:
            return None
        try:
            return Update.de_json(data, self.runner.app.bot)
        except Exception:
            log.exception("update %s: unreadable, skipped", update_id)
            self.handled.add(update_id)
            return None

    async def _all_handled(self) -> None:
        while self.in_progress:
            self._progress.clear()
            await self._progress.wait()

    async def _handle(self, update: Update) -> None:
        failures = 0
        outcome = "busy"
        try:
            while not self._stopping:
                try:
                    async with self._slots:
                        try:
                            outcome = await self.runner.handle(update)
                        except DatabaseBusy:
                            # SQLite stayed locked: the handlers' own claim meets it too
                            # and the user gets the French « base occupée » message (the
                            # error handler); nothing was recorded, the user says it again.
                            await self.runner.app.process_update(update)
                            outcome = "handled"
                except Exception:
                    # The claim could not be taken or written (the database is away):
                    # as a webhook answering 500, the update is handled again later.
                    failures += 1
                    if failures >= self.MAX_FAILURES:
                        log.exception("update %s: handling failed %d times, given up",
                                      update.update_id, failures)
                        outcome = "given up"
                        break
                    log.warning("update %s: handling failed, again in %.0f s",
                                update.update_id, self.BUSY_RETRY, exc_info=True)
                    outcome = "busy"
                if outcome != "busy":
                    break
                # Another delivery holds the claim (an instance that died holds it for
                # UPDATE_LEASE): the update stays unacknowledged until it is taken.
                await asyncio.sleep(min(self.BUSY_RETRY, UPDATE_LEASE.total_seconds()))
        finally:
            if outcome != "busy":  # else stopped before it was taken: it stays unacknowledged
                self.in_progress.pop(update.update_id, None)
                self.handled.add(update.update_id)
            self._progress.set()

    def _advance(self) -> None:
        """The offset: the oldest update in progress, else after the last one handled."""
        if self.in_progress:
            self.offset = min(self.in_progress)
        elif self.handled:
            self.offset = max(self.handled) + 1
        self.handled = {i for i in self.handled if i >= self.offset}
