"""``ceres-assist deploy-local``: N bot instances behind HAProxy on PostgreSQL (bot.cluster)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path

from ceres_core.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deploy-local",
        help="déploiement de production sur cette machine : N instances du bot derrière HAProxy",
        description="Démarre, sur cette machine, N instances du bot en mode webhook sur la base "
        "PostgreSQL, HAProxy devant elles (contrôles de santé sur /healthz), le tableau de bord du "
        "support et un serveur Bot API local dont le webhook pointe sur HAProxy. Base : "
        "--database-url ou CERES_DATABASE_URL (PostgreSQL obligatoire).",
    )
    p.add_argument("--database-url", default=argparse.SUPPRESS,
                   help="URL PostgreSQL de la base (défaut : CERES_DATABASE_URL)")
    p.add_argument("--instances", type=int, default=2, help="nombre d'instances du bot (2)")
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    p.add_argument("--port", type=int, default=8443,
                   help="port de HAProxy pour le webhook (8443)")
    p.add_argument("--api-port", type=int, default=8080,
                   help="port du serveur Bot API local et de sa page de conversation (8080)")
    p.add_argument("--dashboard-port", type=int, default=8081,
                   help="port de HAProxy pour le tableau de bord du support (8081)")
    p.add_argument("--workdir", default="cluster",
                   help="dossier de la configuration HAProxy et des journaux (./cluster)")
    p.set_defaults(handler=_deploy)


def _deploy(args: argparse.Namespace) -> int:
    from bot.cluster import ClusterError, LocalCluster

    url = args.database_url or os.environ.get("CERES_DATABASE_URL") or ""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cluster = LocalCluster(url, args.instances, workdir=Path(args.workdir), host=args.host,
                               balancer_port=args.port, api_port=args.api_port,
                               dashboard_port=args.dashboard_port, log_level="INFO")
        asyncio.run(_run(cluster))
    except ClusterError as exc:
        raise InvalidInput(str(exc)) from None
    return 0


async def _run(cluster) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows event loops have no signal handlers: Ctrl+C still ends the run there.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await cluster.start()
        print(f"{cluster.instances} instance(s) du bot derrière HAProxy : {cluster.balancer_url}/telegram")
        for bot in cluster.bots:
            print(f"  - instance {bot.number} : http://{cluster.host}:{bot.port} "
                  f"(journal {cluster.workdir / f'bot{bot.number}.log'})")
        print(f"Serveur Bot API local et page de conversation : {cluster.api_url}/")
        if cluster.dashboard_url:
            print(f"Tableau de bord du support : {cluster.dashboard_url}")
        print("Ctrl+C pour tout arrêter.")
        await stop.wait()
    finally:
        await cluster.stop()
        print("Arrêté.")
