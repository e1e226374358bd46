"""The ``ceres-assist`` command: one sub-module per area, each with ``register(subparsers)``.

Commands only parse arguments, call one service and print the result; every rule
lives in ``ceres_core`` (see architecture.md).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
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
    "reminders",  # reminders preview
    "bot",  # bot
    "demo",  # demo
    "serve",  # serve (staff dashboard)
    "deploy",  # deploy-local (N instances behind HAProxy)
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


#: Exit status when the reader of the output went away (``… | head``): 128 + SIGPIPE.
EXIT_BROKEN_PIPE = 141


def _silence_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so that the final flush is quiet."""
    # No real file descriptor under test runners: nothing to silence then.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "handler", None):
            parser.print_help()
            return 2
        try:
            result = int(args.handler(args) or 0)
        except CeresError as exc:
            print(f"Erreur : {exc.message}", file=sys.stderr)
            return 1
        sys.stdout.flush()  # a closed pipe shows here, not at the interpreter's exit
        return result
    except BrokenPipeError:  # ``ceres-assist ask … | head``: the reader has all it wanted
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
