"""The ``ceres-assist`` command: one sub-module per area, each with ``register(subparsers)``.

Commands only parse arguments, call one service and print the result; every rule
lives in ``ceres_core`` (see architecture.md).
"""

from __future__ import annotations

import argparse
import importlib
import sys

from bot.cli import french
from ceres_core.errors import CeresError

#: Sub-modules of ``bot.cli`` that add commands, in help order.
COMMAND_MODULES: tuple[str, ...] = (
    "database",  # init, import
    "timeline",  # dte-timeline
    "ask",  # ask
    "kb",  # kb unanswered
    "staff",  # staff add, staff list
    "tickets",  # tickets list, show, reply
    "users",  # users link-code, users list
    "bot",  # bot
    "demo",  # demo
    "serve",  # serve (staff dashboard)
)


def build_parser() -> argparse.ArgumentParser:
    french.install()
    parser = argparse.ArgumentParser(
        prog="ceres-assist",
        description="CERES Assist : assistant de support pour CERES (titres professionnels).",
    )
    parser.add_argument(
        "--database-url",
        help="URL de la base (défaut : CERES_DATABASE_URL, sinon fichier SQLite local)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE")
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"bot.cli.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        return int(args.handler(args) or 0)
    except CeresError as exc:
        print(f"Erreur : {exc.message}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
