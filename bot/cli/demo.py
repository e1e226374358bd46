"""``ceres-assist demo``: everything on the embedded default, in a browser.

SQLite with the demo data, a local Bot API server, the real bot polling it, and a
local chat page that plays the user — all on one port (http://127.0.0.1:8080) —
and the support staff dashboard at ``/support/`` with the demo staff accounts of
:mod:`bot.demo_staff`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import secrets
import signal

DASHBOARD_PATH = "/support/"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "demo",
        help="essayer l'assistant dans un navigateur (base de démonstration, sans Telegram)",
        description="Prépare la base SQLite de démonstration, démarre un serveur Bot API local, "
        "le bot et une page de conversation locale, puis affiche son adresse.",
    )
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port de la page (8080)")
    p.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from bot.cli.database import prepare_database
    from ceres_core.core import Core

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    core = Core.from_url(args.database_url)
    prepare_database(core)
    try:
        from ceres_core.demo import load_demo

        summary = load_demo(core)
        if not summary.already_loaded:
            print("Données de démonstration chargées.")
    except ImportError:  # pragma: no cover - demo data still being written
        print("Données de démonstration indisponibles : base vide.")
    asyncio.run(_serve(core, args.host, args.port))
    return 0


async def start_demo(core, host: str = "127.0.0.1", port: int = 8080):
    """Start the page, the local Bot API server, the bot and the dashboard (``/support/``);
    return (url, stop coroutine)."""
    from aiohttp import web

    from bot import reminders
    from bot.app import BotRunner
    from bot.chatpage import ChatPage
    from bot.cli.serve import SECRET_ENV
    from bot.config import BotConfig
    from bot.demo_staff import demo_staff_hint, ensure_demo_staff
    from bot.downloads import DownloadServer
    from bot.localapi.server import LocalBotApi
    from bot.runtime import Services, run_sync
    from tickets.web import create_app

    await run_sync(ensure_demo_staff, core)
    secret = os.environ.get(SECRET_ENV, "")
    if len(secret) < 16:
        secret = secrets.token_urlsafe(32)
    api = LocalBotApi(documents=True)
    account = api.add_bot(username="ceres_assist_demo_bot")
    app = web.Application()
    api.routes(app)
    ChatPage(api, account.token, core, dashboard_url=DASHBOARD_PATH,
             dashboard_hint=demo_staff_hint()).routes(app)
    DownloadServer(core).routes(app)  # one-time links to documents (attestation…)
    app.add_subapp(DASHBOARD_PATH, create_app(core, secret=secret,
                                                  report_sections=[reminders.report_section]))
    web_runner = web.AppRunner(app, access_log=None)
    await web_runner.setup()
    site = web.TCPSite(web_runner, host, port)
    await site.start()
    real_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    url = f"http://{host}:{real_port}"
    config = BotConfig(token=account.token, api_url=url, poll_timeout=10, public_url=url)
    bot = BotRunner(config, Services.default(core, config))
    await bot.start()

    async def stop() -> None:
        await bot.stop()
        await api.shutdown()
        await web_runner.cleanup()

    return url, stop


async def _serve(core, host: str, port: int) -> None:
    from bot.demo_staff import demo_staff_hint

    url, stop_all = await start_demo(core, host, port)
    print(f"CERES Assist est prêt : ouvrez {url} dans votre navigateur. Ctrl+C pour arrêter.")
    print(f"Tableau de bord du support : {url}{DASHBOARD_PATH}. {demo_staff_hint()}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await stop_all()
        print("Arrêté.")
