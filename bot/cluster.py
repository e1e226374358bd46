"""A production-shaped deployment on one machine (``ceres-assist deploy-local``).

What architecture.md describes for production, started as processes on 127.0.0.1:

* **N bot instances** (``ceres-assist bot --webhook``), each its own process, all on
  the same PostgreSQL database (chat state, buttons, outbox: any instance can take
  any update); each listens on its own port and answers ``/healthz``;
* **HAProxy** (Debian's package) in front of them: round robin, health checks on
  ``/healthz`` every 300 ms, an instance that stops answering is taken out after two
  failed checks and put back after two good ones; a request whose connection fails
  is sent to another instance (``option redispatch``, ``retry-on conn-failure``);
* **the local Bot API server** (:mod:`bot.localapi`, in this process) with the
  webhook pointing at HAProxy (every instance calls ``setWebhook`` with the
  balancer's URL and the shared secret); its users are played over HTTP
  (``/_local/bot<token>/message`` …) and by the chat page on its root URL;
* **the support dashboard** (``ceres-assist serve``), also behind HAProxy;
* the background work (helpdesk outbox, closing resolved tickets) runs on the one
  instance holding the PostgreSQL lease of :mod:`bot.leader`.

Telegram's limits (30 messages a second for the bot, 20 a minute in a group) are
shared: each of the N instances is started with ``--instances N`` and keeps to 1/N
of them (see :func:`bot.cli.bot.rate_share`). A chat's own pace (about one message a
second) follows from its user's: the bot sends one answer per update.

:class:`LocalCluster` is used by the command, by ``tests/e2e/test_cluster.py`` and by
``benchmarks/bench_cluster.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import ClientSession, ClientTimeout, web

from bot.localapi.server import BotAccount, LocalBotApi

#: The project's root: the bot processes import the same packages as this one.
ROOT = Path(__file__).resolve().parents[1]
HEALTH_PATH = "/healthz"
WEBHOOK_PATH = "/telegram"
#: HAProxy health checks: every INTER ms; FALL failures take an instance out, RISE
#: successes put it back.
CHECK_INTER_MS = 300
CHECK_FALL = 2
CHECK_RISE = 2


class ClusterError(RuntimeError):
    """The cluster could not start; the message is in French, for the person who ran it."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def find_haproxy() -> str | None:
    return shutil.which("haproxy") or next(
        (p for p in ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy") if os.path.exists(p)), None)


def haproxy_config(*, host: str, balancer_port: int, bot_ports: list[int],
                   dashboard_port: int | None, dashboard_backend: int | None, stats_socket: Path) -> str:
    servers = "\n".join(
        f"    server bot{i + 1} {host}:{port} check" for i, port in enumerate(bot_ports))
    text = f"""global
    maxconn 2048
    stats socket {stats_socket} mode 600 level admin

defaults
    mode http
    timeout connect 1s
    timeout client 60s
    timeout server 60s
    timeout http-request 10s
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response
    default-server inter {CHECK_INTER_MS}ms fall {CHECK_FALL} rise {CHECK_RISE}

frontend telegram_webhook
    bind {host}:{balancer_port}
    default_backend bots

backend bots
    balance roundrobin
    option httpchk GET {HEALTH_PATH}
    http-check expect status 200
{servers}
"""
    if dashboard_port is not None and dashboard_backend is not None:
        text += f"""
frontend support_dashboard
    bind {host}:{dashboard_port}
    default_backend dashboard

backend dashboard
    option httpchk GET /connexion
    server dashboard1 {host}:{dashboard_backend} check
"""
    return text


@dataclass
class Instance:
    number: int
    port: int
    process: asyncio.subprocess.Process | None = None
    log: Path | None = None


@dataclass
class LocalCluster:
    """Start with :meth:`start`, stop with :meth:`stop`; :meth:`kill` and
    :meth:`start_instance` play a crash and a restart."""

    database_url: str
    instances: int = 2
    workdir: Path = field(default_factory=lambda: Path.cwd() / "cluster")
    host: str = "127.0.0.1"
    balancer_port: int = 0
    api_port: int = 0
    dashboard_port: int | None = 0  # None: no dashboard
    log_level: str = "WARNING"
    #: extra arguments of ``ceres-assist bot`` (e.g. a different rate limit).
    bot_args: tuple[str, ...] = ()
    chat_page: bool = True
    #: the local Bot API server (a subclass may record more, as the benchmark's does).
    api: LocalBotApi | None = None

    def __post_init__(self) -> None:
        if not self.database_url.startswith(("postgresql://", "postgresql+psycopg://")):
            raise ClusterError(
                "Le déploiement à plusieurs instances demande une base PostgreSQL "
                "(--database-url postgresql://…) : SQLite n'admet qu'une instance.")
        if not 1 <= self.instances <= 16:
            raise ClusterError("Le nombre d'instances doit être compris entre 1 et 16.")
        haproxy = find_haproxy()
        if haproxy is None:
            raise ClusterError(
                "HAProxy est introuvable : installez-le (apt-get install haproxy) puis relancez.")
        self.haproxy = haproxy
        self.secret = secrets.token_urlsafe(24)
        if self.api is None:
            self.api = LocalBotApi(documents=True)
        self.account: BotAccount = self.api.add_bot(username="ceres_assist_cluster_bot")
        self.token = self.account.token
        self.bots: list[Instance] = []
        self._haproxy: asyncio.subprocess.Process | None = None
        self._dashboard: asyncio.subprocess.Process | None = None
        self._web: web.AppRunner | None = None
        self._http: ClientSession | None = None
        self.api_url = ""
        self.balancer_url = ""
        self.dashboard_url: str | None = None

    # -- start and stop --------------------------------------------------------------------

    async def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self._http = ClientSession(timeout=ClientTimeout(total=10))
        await self._prepare_database()
        self.balancer_port = self.balancer_port or free_port(self.host)
        self.balancer_url = f"http://{self.host}:{self.balancer_port}"
        self.bots = [Instance(i + 1, free_port(self.host)) for i in range(self.instances)]
        dashboard_backend = None
        if self.dashboard_port is not None:
            self.dashboard_port = self.dashboard_port or free_port(self.host)
            dashboard_backend = free_port(self.host)
            self.dashboard_url = f"http://{self.host}:{self.dashboard_port}/"
        await self._start_api()
        cfg = self.workdir / "haproxy.cfg"
        cfg.write_text(haproxy_config(
            host=self.host, balancer_port=self.balancer_port, bot_ports=[b.port for b in self.bots],
            dashboard_port=self.dashboard_port, dashboard_backend=dashboard_backend,
            stats_socket=self.workdir / "haproxy.sock"), encoding="utf-8")
        check = await asyncio.create_subprocess_exec(
            self.haproxy, "-c", "-q", "-f", str(cfg),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await check.communicate()
        if check.returncode != 0:
            raise ClusterError(f"Configuration HAProxy refusée : {out.decode(errors='replace')}")
        self._haproxy = await asyncio.create_subprocess_exec(
            self.haproxy, "-db", "-f", str(cfg),
            stdout=self._logfile("haproxy.log"), stderr=asyncio.subprocess.STDOUT)
        for bot in self.bots:
            await self.start_instance(bot.number, wait=False)
        if dashboard_backend is not None:
            self._dashboard = await self._spawn(
                ["serve", "--host", self.host, "--port", str(dashboard_backend)], "dashboard.log")
        for bot in self.bots:
            await self.wait_healthy(bot.number)
        await self.wait_balanced()

    async def stop(self) -> None:
        for bot in self.bots:
            await self.stop_instance(bot.number)
        for proc in (self._dashboard, self._haproxy):
            await _terminate(proc)
        self._dashboard = self._haproxy = None
        await self.api.shutdown()
        if self._web is not None:
            await self._web.cleanup()
            self._web = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _prepare_database(self) -> None:
        """Migrate once, before the instances start (they would race on a new database)."""
        proc = await self._spawn(["init"], "init.log")
        if await proc.wait() != 0:
            log = (self.workdir / "init.log").read_text(encoding="utf-8", errors="replace")
            raise ClusterError(f"La base n'a pas pu être préparée :\n{log[-2000:]}")

    async def _start_api(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        self.api.routes(app)
        if self.chat_page:
            from bot.chatpage import ChatPage
            from ceres_core.core import Core

            ChatPage(self.api, self.token, Core.from_url(self.database_url),
                     dashboard_url=self.dashboard_url).routes(app)
        self._web = web.AppRunner(app, access_log=None)
        await self._web.setup()
        self.api_port = self.api_port or free_port(self.host)
        await web.TCPSite(self._web, self.host, self.api_port).start()
        self.api_url = f"http://{self.host}:{self.api_port}"
        self.api.base_url = self.api_url

    @property
    def pids(self) -> list[int]:
        """The running bot processes."""
        return [b.process.pid for b in self.bots
                if b.process is not None and b.process.returncode is None]

    # -- instances ---------------------------------------------------------------------------

    def instance(self, number: int) -> Instance:
        return self.bots[number - 1]

    async def start_instance(self, number: int, wait: bool = True) -> None:
        bot = self.instance(number)
        bot.process = await self._spawn(
            ["bot", "--webhook", "--token", self.token, "--api-url", self.api_url,
             "--listen", self.host, "--port", str(bot.port),
             "--webhook-url", f"{self.balancer_url}{WEBHOOK_PATH}",
             "--instances", str(self.instances), *self.bot_args],
            f"bot{number}.log", env={"CERES_WEBHOOK_SECRET": self.secret})
        if wait:
            await self.wait_healthy(number)

    def kill(self, number: int) -> None:
        """``kill -9`` of an instance: no clean-up of any kind."""
        proc = self.instance(number).process
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGKILL)

    async def stop_instance(self, number: int) -> None:
        bot = self.instance(number)
        await _terminate(bot.process)
        bot.process = None

    async def wait_healthy(self, number: int, timeout: float = 60) -> None:
        bot = self.instance(number)
        deadline = time.monotonic() + timeout
        assert self._http is not None
        while True:
            if bot.process is None or bot.process.returncode is not None:
                raise ClusterError(
                    f"L'instance {number} s'est arrêtée ; voir {self.workdir / f'bot{number}.log'}.")
            with contextlib.suppress(Exception):
                async with self._http.get(f"http://{self.host}:{bot.port}{HEALTH_PATH}") as r:
                    if r.status == 200:
                        return
            if time.monotonic() > deadline:
                raise ClusterError(f"L'instance {number} ne répond pas sur {HEALTH_PATH}.")
            await asyncio.sleep(0.1)

    async def server_states(self) -> dict[str, str]:
        """HAProxy's view of the bot instances: ``{"bot1": "UP", "bot2": "DOWN", …}``."""
        reader, writer = await asyncio.open_unix_connection(str(self.workdir / "haproxy.sock"))
        writer.write(b"show stat\n")
        await writer.drain()
        raw = (await reader.read()).decode()
        writer.close()
        states = {}
        for line in raw.splitlines():
            parts = line.split(",")
            if len(parts) > 17 and parts[0] == "bots" and parts[1].startswith("bot"):
                states[parts[1]] = parts[17].split(" ")[0]
        return states

    async def wait_balanced(self, up: set[int] | None = None, timeout: float = 30) -> None:
        """Wait until HAProxy sees exactly the instances ``up`` (default: all) as UP."""
        want = {f"bot{n}" for n in (up if up is not None else range(1, self.instances + 1))}
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError):
                states = await self.server_states()
                if {name for name, state in states.items() if state == "UP"} == want:
                    return
            if time.monotonic() > deadline:
                raise ClusterError(f"HAProxy ne voit pas les instances attendues ({sorted(want)}).")
            await asyncio.sleep(0.1)

    # -- processes ---------------------------------------------------------------------------

    def _logfile(self, name: str):
        return open(self.workdir / name, "ab")  # noqa: SIM115 - handed to the child process

    async def _spawn(self, argv: list[str], log: str,
                     env: dict[str, str] | None = None) -> asyncio.subprocess.Process:
        full_env = {**os.environ, "PYTHONPATH": str(ROOT), "CERES_LOG_LEVEL": self.log_level,
                    **(env or {})}
        if self.dashboard_url is not None:
            full_env.setdefault("CERES_DASHBOARD_SECRET", self.secret + self.secret)
        with self._logfile(log) as out:
            return await asyncio.create_subprocess_exec(
                sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())",
                "--database-url", self.database_url, *argv,
                cwd=str(ROOT), env=full_env, stdout=out, stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL)


async def _terminate(proc: asyncio.subprocess.Process | None, grace: float = 10) -> None:
    if proc is None or proc.returncode is not None:
        return
    proc.terminate()
    try:
        await asyncio.wait_for(proc.wait(), grace)
    except TimeoutError:
        proc.kill()
        await proc.wait()
