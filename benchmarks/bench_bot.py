"""Benchmark of the Telegram bot: many concurrent chats through a local Bot API server.

Starts the local Bot API server (:mod:`bot.localapi`) on 127.0.0.1 (a free port) in
this process, then runs two bots against it, one after the other, each in its own
process and each polling the server with ``getUpdates`` as in production:

* **echo** — a bare python-telegram-bot echo bot (``MessageHandler(filters.TEXT,
  echo)``), with the builder options of ours that matter here: ``base_url`` on the
  local server, ``concurrent_updates``, connection pool, long-poll timeout and — when
  the rate limiter is on — an ``AIORateLimiter`` with the same limits;
* **ceres** — the real CERES Assist bot, started exactly as ``ceres-assist bot``
  starts it (``bot.cli.main([... "bot", "--token", …, "--api-url", …])``), on a
  fresh database: SQLite in a temporary folder, or PostgreSQL with ``--db postgresql``
  (``--postgres-url``, a database whose name contains "bench", dropped and created
  again before each run), prepared with ``bot.cli.database.prepare_database``.

``--chats`` users (50) each send ``--messages`` questions (20) one after the other:
send, wait for the bot's whole reply, send the next. The questions are the French
ones of ``tests/data/questions-sample.tsv``; the echo bot gets the same texts. A
reply of CERES Assist is complete with the message carrying its inline keyboard
(every answer ends with one; a long answer is split in several messages); the echo
bot's with its one message.

Measured, after a short warm-up: updates per second over the whole run (replies /
wall time), the reply latency of every message (from the injection of the user's
message in the server to the bot's last ``sendMessage`` of the reply reaching the
server) at p50, p95, p99 and max, errors (replies missing or late, the bot's
"erreur inattendue" message, an echo differing from the message, failed Bot API
calls) and the CPU time of the bot's process per update. Figures only, no
thresholds: performance is read, not asserted.

``--rate-limit on`` (the default) keeps our ``AIORateLimiter``: like Telegram it
lets through at most ~30 messages per second for the whole bot, so the throughput of
both bots is capped near 30 updates/s and, the chats waiting for each reply, the
latency is mostly the limiter's queue (about chats / 30 seconds).
``--rate-limit off`` sets the limits to 0 (our retrying limiter stays in place, it no
longer throttles; the echo bot then has no limiter at all) and shows the cost of the
handlers themselves; ``both`` runs the two. The bot's CPU milliseconds per update
measure the handler cost in either mode.

    python benchmarks/bench_bot.py [--chats 50] [--messages 20] [--rate-limit on|off|both]
        [--db sqlite|postgresql] [--postgres-url URL] [--json [FILE]]
        [--reply-timeout 30] [--max-seconds 600]

Everything listens on 127.0.0.1 and the benchmark stops by itself: a missing reply
ends its chat after ``--reply-timeout`` seconds, a bot's run after ``--max-seconds``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT))

from aiohttp import web  # noqa: E402

from bot.localapi.server import BotAccount, LocalBotApi  # noqa: E402

QUESTIONS = ROOT / "tests" / "data" / "questions-sample.tsv"
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/ceres_bench_bot"
BOTS = ("echo", "ceres")
LABELS = {"echo": "echo bot (bare PTB)", "ceres": "CERES Assist bot"}
#: After a message without keyboard from CERES Assist (the first parts of a long answer,
#: or an unexpected reply), wait this long for more before taking the reply as complete:
#: longer than the rate limiter's queue (50 chats at 30 messages/s is under 2 s).
QUIET = 3.0
WARMUP_CHATS = 3
WARMUP_MESSAGES = 3
START_TIMEOUT = 90.0
STOP_TIMEOUT = 20.0
ERROR_PREFIX = "Désolé, une erreur inattendue"


# ----------------------------------------------------------------- the bots' processes


def stop_with_parent() -> None:
    """A bot process ends when the benchmark does, even if it was killed."""
    import threading

    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGTERM)  # a graceful stop first
        time.sleep(STOP_TIMEOUT)
        os._exit(1)

    threading.Thread(target=watch, name="stop-with-parent", daemon=True).start()


def serve_echo(token: str, api_url: str, rate_limit: bool) -> int:
    """The bare echo bot, with the builder options of ``bot.app.build_application``."""
    import logging

    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.app import ALLOWED_UPDATES
    from bot.config import BotConfig

    logging.basicConfig(level=logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    config = BotConfig(token=token, api_url=api_url)

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    builder = (
        ApplicationBuilder()
        .token(config.token)
        .base_url(config.base_url)
        .base_file_url(config.base_file_url)
        .concurrent_updates(config.concurrent_updates)
        .connection_pool_size(max(8, min(config.concurrent_updates, 256)))
        .get_updates_read_timeout(config.poll_timeout + 10)
    )
    if rate_limit:
        builder = builder.rate_limiter(
            AIORateLimiter(
                overall_max_rate=config.overall_max_rate,
                group_max_rate=config.group_max_rate,
                max_retries=config.max_retries,
            )
        )
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    print("echo bot started", flush=True)
    app.run_polling(
        poll_interval=0.0,
        timeout=config.poll_timeout,
        allowed_updates=ALLOWED_UPDATES,
        drop_pending_updates=False,
        bootstrap_retries=3,
    )
    return 0


def serve_ceres(token: str, api_url: str, database_url: str, rate_limit: bool) -> int:
    """``ceres-assist --database-url URL bot --token T --api-url U``, in this process.

    Without the rate limiter, the command's ``BotConfig`` gets limits of 0 (no
    throttling; ``AIORateLimiter``'s documented way to turn a limit off)."""
    from dataclasses import dataclass as _dataclass

    import bot.cli
    import bot.cli.bot as cli_bot
    from bot.config import BotConfig

    if not rate_limit:

        @_dataclass
        class UnthrottledConfig(BotConfig):
            overall_max_rate: float = 0
            group_max_rate: float = 0

        cli_bot.BotConfig = UnthrottledConfig  # type: ignore[misc]
    return bot.cli.main(
        ["--database-url", database_url, "bot", "--token", token, "--api-url", api_url]
    )


# ------------------------------------------------------------------ the server's side


class BenchBotApi(LocalBotApi):
    """The local server, with a per-chat inbox of the bot's messages (time-stamped as
    they reach the server), a signal when a bot starts polling and a count of
    failed Bot API calls."""

    def __init__(self) -> None:
        super().__init__()
        self.inboxes: dict[tuple[str, int], asyncio.Queue] = {}
        self.polling: dict[str, asyncio.Event] = {}
        self.failed_calls: Counter[tuple[str, str, int]] = Counter()

    async def _event(self, account: BotAccount, event: dict[str, Any]) -> None:
        stamp = time.perf_counter()
        await super()._event(account, event)
        if event["type"] in ("message", "document"):
            inbox = self.inboxes.get((account.token, event["chat_id"]))
            if inbox is not None:
                inbox.put_nowait((stamp, event["message"]))

    async def _m_getupdates(self, account: BotAccount, params: dict[str, Any]) -> list[dict[str, Any]]:
        started = self.polling.get(account.token)
        if started is not None:
            started.set()
        return await super()._m_getupdates(account, params)

    async def _handle_method(self, request: web.Request) -> web.Response:
        response = await super()._handle_method(request)
        if response.status >= 400:
            token = request.match_info["token"]
            method = request.match_info["method"]
            self.failed_calls[(token, method, response.status)] += 1
        return response


# ------------------------------------------------------------------------- measurement


@dataclass
class BotRun:
    bot: str
    rate_limit: bool
    database: str
    chats: int
    messages: int
    sent: int = 0
    replies: int = 0
    missing: int = 0
    error_replies: int = 0
    wrong_echoes: int = 0
    replies_without_keyboard: int = 0
    messages_per_reply: float = 0.0
    failed_api_calls: dict[str, int] = field(default_factory=dict)
    unsupported_api_calls: dict[str, int] = field(default_factory=dict)
    log_errors: int = 0
    seconds: float = 0.0
    updates_per_second: float = 0.0
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    first_message_latency_ms: dict[str, float | None] = field(default_factory=dict)
    bot_cpu_seconds: float | None = None
    bot_cpu_ms_per_update: float | None = None
    server_cpu_seconds: float = 0.0
    #: 1-minute load average of the machine before and after the measured run.
    load_average: tuple[float, float] = (0.0, 0.0)
    startup_seconds: float = 0.0
    timed_out: bool = False
    log_file: str = ""

    @property
    def errors(self) -> int:
        return (self.missing + self.error_replies + self.wrong_echoes + sum(self.failed_api_calls.values())
                + (1 if self.timed_out else 0))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (of a non-empty list)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(values: list[float]) -> dict[str, float | None]:
    if not values:
        return dict.fromkeys(("p50", "p95", "p99", "max", "mean"))
    return {
        "p50": percentile(values, 50) * 1000,
        "p95": percentile(values, 95) * 1000,
        "p99": percentile(values, 99) * 1000,
        "max": max(values) * 1000,
        "mean": sum(values) / len(values) * 1000,
    }


def read_questions(path: Path = QUESTIONS) -> list[str]:
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if i == 0 or not line.strip():
            continue  # header
        out.append(line.split("\t", 1)[1].strip())
    return out


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its threads (Linux ``/proc``)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def load_average() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on every platform
        return 0.0


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    first: list[float] = field(default_factory=list)
    parts: int = 0
    error_replies: int = 0
    wrong_echoes: int = 0
    without_keyboard: int = 0


class ChatDriver:
    """One user: send, wait for the whole reply, send the next."""

    def __init__(self, api: BenchBotApi, token: str, chat_id: int, keyboard_ends_reply: bool,
                 reply_timeout: float, outcome: Outcome) -> None:
        self.api = api
        self.token = token
        self.chat_id = chat_id
        self.keyboard_ends_reply = keyboard_ends_reply
        self.reply_timeout = reply_timeout
        self.outcome = outcome
        self.inbox: asyncio.Queue = asyncio.Queue()
        api.inboxes[(token, chat_id)] = self.inbox

    async def run(self, texts: list[str], record: bool = True) -> None:
        for text in texts:
            if not await self.exchange(text, record):
                return  # the chat gives up: the rest counts as missing

    async def exchange(self, text: str, record: bool) -> bool:
        """Send ``text`` and wait for the whole reply; False when none came in time."""
        sent_at = time.perf_counter()
        await self.api.user_message(self.token, self.chat_id, text, "Camille")
        deadline = sent_at + self.reply_timeout
        first = end = 0.0
        parts = 0
        while True:
            # After a part without keyboard, more may follow (a long answer is split).
            wait = QUIET if parts else deadline - time.perf_counter()
            try:
                end, message = await asyncio.wait_for(self.inbox.get(), max(wait, 0.0))
            except TimeoutError:
                if parts:  # a reply without keyboard, and nothing after it
                    self.outcome.without_keyboard += record
                    break
                return False
            parts += 1
            first = first or end
            if (message.get("text") or "").startswith(ERROR_PREFIX):
                self.outcome.error_replies += record
                break
            if not self.keyboard_ends_reply and message.get("text") != text:
                self.outcome.wrong_echoes += record
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
            if keyboard or not self.keyboard_ends_reply:
                break
        if record:
            self.outcome.latencies.append(end - sent_at)
            self.outcome.first.append(first - sent_at)
            self.outcome.parts += parts
        return True


async def start_bot_process(
    api: BenchBotApi, bot: str, token: str, rate_limit: bool, database_url: str | None,
    log_path: Path,
) -> asyncio.subprocess.Process:
    assert api.base_url is not None
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", bot, "--token", token,
               "--api-url", api.base_url, "--rate-limit", "on" if rate_limit else "off"]
    if database_url:
        command += ["--database-url", database_url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERES_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    with log_path.open("wb") as log:
        return await asyncio.create_subprocess_exec(
            *command, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=asyncio.subprocess.STDOUT,
            env=env, cwd=str(ROOT),
        )


async def stop_bot_process(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()


def fresh_postgres(url: str) -> None:
    """Drop and create the benchmark database (only one whose name says "bench")."""
    import psycopg
    from sqlalchemy import make_url

    parsed = make_url(url)
    name = parsed.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True,
                         connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def prepare(database_url: str) -> None:
    from bot.cli.database import prepare_database
    from ceres_core.core import Core

    core = Core.from_url(database_url)
    try:
        prepare_database(core)
    finally:
        core.engine.dispose()


async def run_bot(
    api: BenchBotApi, bot: str, *, chats: int, messages: int, rate_limit: bool, db: str,
    postgres_url: str, workdir: Path, reply_timeout: float, max_seconds: float,
    questions: list[str], log: Any,
) -> BotRun:
    mode = "on" if rate_limit else "off"
    database_url: str | None = None
    database = "-"
    if bot == "ceres":
        if db == "postgresql":
            fresh_postgres(postgres_url)
            database_url = postgres_url
            database = "PostgreSQL"
        else:
            database_url = f"sqlite:///{workdir / f'ceres-rate-{mode}.db'}"
            database = "SQLite"
        await asyncio.to_thread(prepare, database_url)
    run = BotRun(bot, rate_limit, database, chats, messages)
    account = api.add_bot(username=f"{bot}_bench_bot", first_name=LABELS[bot])
    token = account.token
    api.polling[token] = asyncio.Event()
    log_path = workdir / f"{bot}-rate-{mode}.log"
    run.log_file = str(log_path)
    log(f"[{bot}, rate limiter {mode}] starting the bot ({database}) ...")
    t_start = time.perf_counter()
    proc = await start_bot_process(api, bot, token, rate_limit, database_url, log_path)
    try:
        waiter = asyncio.create_task(api.polling[token].wait())
        exited = asyncio.create_task(proc.wait())
        await asyncio.wait({waiter, exited}, timeout=START_TIMEOUT,
                           return_when=asyncio.FIRST_COMPLETED)
        waiter.cancel()
        exited.cancel()
        if not api.polling[token].is_set():
            tail = log_path.read_text(errors="replace")[-3000:]
            raise SystemExit(f"the {bot} bot did not start (log {log_path}):\n{tail}")
        run.startup_seconds = time.perf_counter() - t_start

        keyboard_ends_reply = bot == "ceres"
        # Warm-up (not measured): the first updates open connections, fill caches.
        warm = Outcome()
        warm_drivers = [ChatDriver(api, token, 9_000 + i, keyboard_ends_reply, reply_timeout, warm)
                        for i in range(WARMUP_CHATS)]
        await asyncio.gather(*(
            d.run([questions[(i * 11 + j) % len(questions)] for j in range(WARMUP_MESSAGES)],
                  record=False)
            for i, d in enumerate(warm_drivers)
        ))

        outcome = Outcome()
        drivers = [ChatDriver(api, token, 10_000 + i, keyboard_ends_reply, reply_timeout, outcome)
                   for i in range(chats)]
        plans = [[questions[(i * messages + j) % len(questions)] for j in range(messages)]
                 for i in range(chats)]
        log(f"[{bot}, rate limiter {mode}] {chats} chats x {messages} messages ...")
        load0 = load_average()
        cpu0 = process_cpu_seconds(proc.pid)
        server_cpu0 = time.process_time()
        t0 = time.perf_counter()
        tasks = [asyncio.create_task(d.run(plan)) for d, plan in zip(drivers, plans, strict=True)]
        _done, pending = await asyncio.wait(tasks, timeout=max_seconds)
        if pending:
            run.timed_out = True
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        t1 = time.perf_counter()
        cpu1 = process_cpu_seconds(proc.pid)
        run.server_cpu_seconds = time.process_time() - server_cpu0
        run.load_average = (load0, load_average())
    finally:
        await stop_bot_process(proc)

    run.sent = sum(1 for e in api.bots[token].events
                   if e["type"] == "user_message" and e["chat_id"] >= 10_000)
    run.replies = len(outcome.latencies)
    run.missing = chats * messages - run.replies
    run.error_replies = outcome.error_replies
    run.wrong_echoes = outcome.wrong_echoes
    run.replies_without_keyboard = outcome.without_keyboard
    run.messages_per_reply = outcome.parts / run.replies if run.replies else 0.0
    run.seconds = t1 - t0
    run.updates_per_second = run.replies / run.seconds if run.seconds > 0 else 0.0
    run.latency_ms = summary_ms(outcome.latencies)
    run.first_message_latency_ms = summary_ms(outcome.first)
    if cpu0 is not None and cpu1 is not None:
        run.bot_cpu_seconds = cpu1 - cpu0
        run.bot_cpu_ms_per_update = (run.bot_cpu_seconds * 1000 / run.replies
                                     if run.replies else None)
    for (tok, method, status), count in api.failed_calls.items():
        if tok != token:
            continue
        key = f"{method} {status}"
        # Methods the local server does not offer (setMyCommands) answer 404, as
        # Telegram does for unknown methods; the bot treats them as optional.
        if status == 404 and method.lower() not in api.methods:
            run.unsupported_api_calls[key] = count
        else:
            run.failed_api_calls[key] = count
    text = log_path.read_text(errors="replace")
    run.log_errors = sum(1 for line in text.splitlines() if " ERROR " in line)
    log(f"[{bot}, rate limiter {mode}] {run.replies} replies in {run.seconds:.1f} s, "
        f"{run.updates_per_second:.1f} updates/s, p50 {_num(run.latency_ms['p50'])} ms, "
        f"{run.errors} errors")
    return run


# ---------------------------------------------------------------------------- output


def _ratio(ours: float | None, theirs: float | None) -> str:
    ratio = _safe_ratio(ours, theirs)
    return "-" if ratio is None else f"{ratio:.2f}"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(pairs: list[tuple[BotRun, BotRun]]) -> None:
    for echo, ceres in pairs:
        mode = "on" if ceres.rate_limit else "off"
        print()
        print(f"== rate limiter {mode} — {ceres.chats} chats x {ceres.messages} messages "
              f"= {ceres.chats * ceres.messages} updates per bot; CERES Assist on {ceres.database}")
        rows: list[tuple[str, str, str, str]] = [
            ("updates/s", _num(echo.updates_per_second), _num(ceres.updates_per_second),
             _ratio(ceres.updates_per_second, echo.updates_per_second)),
        ]
        for key in ("p50", "p95", "p99", "max"):
            rows.append((f"reply latency {key} (ms)", _num(echo.latency_ms[key]),
                         _num(ceres.latency_ms[key]),
                         _ratio(ceres.latency_ms[key], echo.latency_ms[key])))
        rows += [
            ("first message p50 (ms)", _num(echo.first_message_latency_ms["p50"]),
             _num(ceres.first_message_latency_ms["p50"]),
             _ratio(ceres.first_message_latency_ms["p50"], echo.first_message_latency_ms["p50"])),
            ("bot CPU per update (ms)", _num(echo.bot_cpu_ms_per_update, 2),
             _num(ceres.bot_cpu_ms_per_update, 2),
             _ratio(ceres.bot_cpu_ms_per_update, echo.bot_cpu_ms_per_update)),
            ("server+driver CPU (s)", _num(echo.server_cpu_seconds, 2),
             _num(ceres.server_cpu_seconds, 2), ""),
            ("replies / sent", f"{echo.replies}/{echo.sent}", f"{ceres.replies}/{ceres.sent}", ""),
            ("messages per reply", _num(echo.messages_per_reply, 2),
             _num(ceres.messages_per_reply, 2), ""),
            ("errors", str(echo.errors), str(ceres.errors), ""),
            ("wall time (s)", _num(echo.seconds, 2), _num(ceres.seconds, 2), ""),
            ("load average before/after",
             "{:.2f}/{:.2f}".format(*echo.load_average), "{:.2f}/{:.2f}".format(*ceres.load_average),
             f"{os.cpu_count()} CPUs"),
        ]
        width = max(len(r[0]) for r in rows)
        print(f"  {'':<{width}}  {'echo bot':>12}  {'CERES Assist':>12}  {'ours/echo':>9}")
        for label, a, b, r in rows:
            print(f"  {label:<{width}}  {a:>12}  {b:>12}  {r:>9}")
        for run in (echo, ceres):
            details = []
            if run.missing:
                details.append(f"{run.missing} replies missing")
            if run.error_replies:
                details.append(f"{run.error_replies} 'erreur inattendue' replies")
            if run.wrong_echoes:
                details.append(f"{run.wrong_echoes} echoes differing from the message")
            if run.failed_api_calls:
                details.append("failed Bot API calls " + ", ".join(
                    f"{k} x{v}" for k, v in run.failed_api_calls.items()))
            if run.replies_without_keyboard:
                details.append(f"{run.replies_without_keyboard} replies without keyboard")
            if run.log_errors:
                details.append(f"{run.log_errors} ERROR lines in {run.log_file}")
            if run.timed_out:
                details.append("stopped by --max-seconds")
            if details:
                print(f"  {LABELS[run.bot]}: " + "; ".join(details))
        if ceres.rate_limit:
            print("  note: AIORateLimiter lets through ~30 sendMessage per second per bot "
                  "(Telegram's limit), so updates/s is capped near 30 for both bots and "
                  f"latency is mostly queueing in the limiter (~{ceres.chats} chats / 30 = "
                  f"{ceres.chats / 30 * 1000:,.0f} ms); the handler cost is the CPU per "
                  "update (and the figures of --rate-limit off).")
        else:
            print("  note: no throttling; the echo bot's figures are the ceiling of this "
                  "server, driver and machine.")


# ------------------------------------------------------------------------------ main


async def run_all(args: argparse.Namespace, log: Any) -> list[tuple[BotRun, BotRun]]:
    modes = {"on": [True], "off": [False], "both": [True, False]}[args.rate_limit]
    questions = read_questions()
    api = BenchBotApi()
    await api.start("127.0.0.1", 0)
    log(f"local Bot API server on {api.base_url}")
    pairs: list[tuple[BotRun, BotRun]] = []
    workdir = Path(tempfile.mkdtemp(prefix="ceres-bench-bot-"))
    try:
        for rate_limit in modes:
            runs = {}
            for bot in BOTS:
                runs[bot] = await run_bot(
                    api, bot, chats=args.chats, messages=args.messages, rate_limit=rate_limit,
                    db=args.db, postgres_url=args.postgres_url, workdir=workdir,
                    reply_timeout=args.reply_timeout, max_seconds=args.max_seconds,
                    questions=questions, log=log,
                )
            pairs.append((runs["echo"], runs["ceres"]))
    finally:
        await api.shutdown()  # releases the long polls left by the stopped bots
        await api.stop()
        if not args.keep:
            for path in workdir.iterdir():
                path.unlink(missing_ok=True)
            workdir.rmdir()
        else:
            log(f"kept {workdir}")
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=50, help="concurrent chats (default 50)")
    parser.add_argument("--messages", type=int, default=20,
                        help="messages per chat, sent one after the other (default 20)")
    parser.add_argument("--rate-limit", choices=["on", "off", "both"], default="on",
                        help="our AIORateLimiter (default on; see the module's notes)")
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite",
                        help="database of CERES Assist (default sqlite, in a temporary folder)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help="a database whose name contains 'bench', recreated for each run "
                        f"(default {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--reply-timeout", type=float, default=30.0,
                        help="seconds to wait for a reply before giving up the chat (30)")
    parser.add_argument("--max-seconds", type=float, default=600.0,
                        help="longest measured run per bot, in seconds (600)")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="write the figures as JSON to FILE (or stdout, table not printed)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (bot logs, SQLite files)")
    # The bots' processes.
    parser.add_argument("--serve", choices=BOTS, help=argparse.SUPPRESS)
    parser.add_argument("--token", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        stop_with_parent()
    if args.serve == "echo":
        return serve_echo(args.token, args.api_url, args.rate_limit != "off")
    if args.serve == "ceres":
        return serve_ceres(args.token, args.api_url, args.database_url, args.rate_limit != "off")
    if args.chats < 1 or args.messages < 1:
        parser.error("--chats and --messages must be at least 1")

    to_stdout = args.json == "-"

    def log(message: str) -> None:
        print(message, file=sys.stderr if to_stdout else sys.stdout, flush=True)

    pairs = asyncio.run(run_all(args, log))
    payload = {
        "command": " ".join(["python", "benchmarks/bench_bot.py",
                             *(sys.argv[1:] if argv is None else argv)]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "config": {"chats": args.chats, "messages": args.messages, "db": args.db,
                   "rate_limit": args.rate_limit},
        "runs": [
            {
                "rate_limit": ceres.rate_limit,
                "echo": {**asdict(echo), "errors": echo.errors},
                "ceres": {**asdict(ceres), "errors": ceres.errors},
                "ratio": {
                    "updates_per_second": _safe_ratio(ceres.updates_per_second,
                                                      echo.updates_per_second),
                    "latency_p50": _safe_ratio(ceres.latency_ms["p50"], echo.latency_ms["p50"]),
                    "latency_p99": _safe_ratio(ceres.latency_ms["p99"], echo.latency_ms["p99"]),
                },
            }
            for echo, ceres in pairs
        ],
    }
    if args.json:
        data = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
        if to_stdout:
            print(data)
        else:
            Path(args.json).write_text(data + "\n", encoding="utf-8")
    if not to_stdout:
        print_table(pairs)
    return 0


def _safe_ratio(ours: float | None, theirs: float | None) -> float | None:
    if ours is None or not theirs:
        return None
    return ours / theirs


if __name__ == "__main__":
    sys.exit(main())
