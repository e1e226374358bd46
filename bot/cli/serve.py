"""``ceres-assist serve [--host 127.0.0.1] [--port 8081]``: the support staff dashboard."""

from __future__ import annotations

import argparse
import os
import secrets
import sys

SECRET_ENV = "CERES_DASHBOARD_SECRET"
HTTPS_ENV = "CERES_DASHBOARD_HTTPS"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "serve",
        help="tableau de bord du support (traitement des demandes) dans un navigateur",
        description="Prépare la base puis sert le tableau de bord du support. Les sessions "
        f"sont signées avec {SECRET_ENV} (le même sur toutes les instances) ; sans elle, une "
        "clé aléatoire est tirée et les sessions ne survivent pas à un redémarrage. Créez les "
        "comptes avec « ceres-assist staff add ».",
    )
    p.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (127.0.0.1)")
    p.add_argument("--port", type=int, default=8081, help="port d'écoute (8081)")
    p.add_argument("--https", action="store_true",
                   help=f"servi derrière https : cookie de session « Secure » (ou {HTTPS_ENV}=1)")
    p.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from bot import reminders
    from bot.cli.database import prepare_database
    from ceres_core.core import Core
    from tickets.web import create_app

    core = Core.from_url(args.database_url)
    prepare_database(core)
    secret = os.environ.get(SECRET_ENV, "")
    if not secret:
        secret = secrets.token_urlsafe(32)
        print(f"Attention : {SECRET_ENV} n'est pas définie ; les sessions seront perdues au "
              "redémarrage.", file=sys.stderr)
    elif len(secret) < 16:
        print(f"Erreur : {SECRET_ENV} doit contenir au moins 16 caractères.", file=sys.stderr)
        return 2
    secure = args.https or os.environ.get(HTTPS_ENV, "").strip().lower() in ("1", "true", "oui", "yes")
    app = create_app(core, secret=secret, secure_cookies=secure,
                     report_sections=[reminders.report_section])
    print(f"Tableau de bord du support : http://{args.host}:{args.port}/ (Ctrl+C pour arrêter).")
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0
