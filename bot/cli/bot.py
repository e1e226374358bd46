"""``ceres-assist bot``: run the Telegram bot (polling, or a webhook with ``--webhook``)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal

from bot.config import BotConfig
from ceres_core.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bot",
        help="lance le bot Telegram (polling, ou webhook avec --webhook)",
        description="Lance le bot Telegram. Jeton : --token ou CERES_TELEGRAM_TOKEN ; serveur "
        "Bot API : --api-url ou CERES_TELEGRAM_API_URL (défaut : https://api.telegram.org).",
    )
    p.add_argument("--token", help="jeton du bot (défaut : CERES_TELEGRAM_TOKEN)")
    p.add_argument("--api-url", help="URL du serveur Bot API (défaut : CERES_TELEGRAM_API_URL)")
    p.add_argument("--webhook", action="store_true", help="recevoir les mises à jour par webhook")
    p.add_argument("--webhook-url", help="URL publique du webhook (défaut : CERES_WEBHOOK_URL)")
    p.add_argument("--listen", default="127.0.0.1", help="adresse d'écoute du webhook")
    p.add_argument("--port", type=int, default=8443, help="port d'écoute du webhook (8443)")
    p.add_argument("--secret-token", help="jeton secret du webhook (défaut : CERES_WEBHOOK_SECRET, "
                   "sinon tiré au hasard)")
    p.add_argument("--staff-chat-id", help="groupe Telegram du support qui reçoit les nouvelles "
                   "demandes (défaut : CERES_STAFF_CHAT_ID ; facultatif)")
    p.add_argument("--download-url", help="adresse publique du serveur de téléchargement des "
                   "documents (liens à usage unique quand le serveur Bot API n'envoie pas de "
                   "fichiers ; défaut : CERES_PUBLIC_URL)")
    p.add_argument("--download-port", type=int, default=8081,
                   help="port d'écoute du serveur de téléchargement, sur l'adresse --listen (8081)")
    p.add_argument("--instances", type=int, default=1,
                   help="nombre d'instances qui servent ce bot (webhook derrière un répartiteur) : "
                   "chacune respecte 1/N des limites d'envoi de Telegram (défaut : 1)")
    p.add_argument("--sans-limiteur", action="store_true",
                   help="n'applique pas les limites d'envoi de Telegram (serveur Bot API local "
                   "uniquement : mesures de performance)")
    p.set_defaults(handler=_run)


def rate_share(instances: int) -> dict[str, float]:
    """Each of ``instances`` bot processes keeps to its share of Telegram's limits
    (30 messages a second for the bot, 20 a minute in a group: BotConfig's defaults)."""
    if instances < 1:
        raise InvalidInput("Le nombre d'instances (--instances) doit être au moins 1.")
    return {"overall_max_rate": BotConfig.overall_max_rate / instances,
            "group_max_rate": BotConfig.group_max_rate / instances}


def _run(args: argparse.Namespace) -> int:
    from bot.app import BotRunner
    from bot.cli.database import prepare_database
    from bot.runtime import Services
    from ceres_core.core import Core

    level = os.environ.get("CERES_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    config = BotConfig.from_env(
        token=args.token,
        api_url=args.api_url,
        webhook=args.webhook,
        webhook_url=args.webhook_url,
        listen=args.listen,
        port=args.port,
        secret_token=args.secret_token,
        public_url=args.download_url,
        staff_chat_id=args.staff_chat_id,
        **(dict(overall_max_rate=0, group_max_rate=0) if args.sans_limiteur
           else rate_share(args.instances)),
    )
    core = Core.from_url(args.database_url)
    prepare_database(core)
    runner = BotRunner(config, Services.default(core, config))
    mode = "webhook" if config.webhook else "polling"
    print(f"Bot démarré ({mode}, serveur {config.api_url}). Ctrl+C pour arrêter.")
    download_port = args.download_port if config.public_url else None
    if download_port is not None:
        print(f"Liens de téléchargement : {config.public_url} (écoute sur "
              f"{config.listen}:{download_port}).")
    asyncio.run(_until_signal(runner, download_port))
    return 0


async def _until_signal(runner, download_port: int | None = None) -> None:
    from bot.downloads import DownloadServer

    downloads = DownloadServer(runner.services.core)
    if download_port is not None:
        await downloads.start(runner.config.listen, download_port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await runner.run_until(stop)
    finally:
        await downloads.stop()
