"""``ceres-assist users link-code LOGIN`` and ``ceres-assist users list``."""

from __future__ import annotations

import argparse

from bot.accounts import DEFAULT_TTL_MINUTES
from bot.cli.database import help_handler, prepared_core


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("users", help="comptes : codes de liaison du bot, liste des comptes")
    users = p.add_subparsers(dest="users_command", metavar="ACTION")
    code = users.add_parser(
        "link-code",
        help="code à usage unique pour relier une conversation du bot à un compte",
        description="Émet un code à usage unique : l'utilisateur l'envoie au bot avec /start CODE.",
    )
    code.add_argument("login", metavar="LOGIN")
    code.add_argument("--ttl-minutes", type=int, default=DEFAULT_TTL_MINUTES,
                      help=f"durée de validité en minutes (défaut : {DEFAULT_TTL_MINUTES})")
    code.add_argument("--bot-username", help="nom du bot, pour afficher le lien direct t.me")
    code.set_defaults(handler=_link_code)
    listing = users.add_parser("list", help="liste des comptes et de leur périmètre")
    listing.set_defaults(handler=_list)
    p.set_defaults(handler=help_handler(p))


def _link_code(args: argparse.Namespace) -> int:
    from bot.accounts import issue_link_code
    from ceres_core.dte_timeline import format_datetime_fr

    issued = issue_link_code(prepared_core(args), args.login, args.ttl_minutes)
    print(f"Code de liaison pour {issued.login} : {issued.code}")
    print(f"Valable une seule fois, jusqu'au {format_datetime_fr(issued.expires_at)}.")
    print(f"Dans la conversation avec le bot, envoyez : /start {issued.code}")
    if args.bot_username:
        print(f"Ou ouvrez : https://t.me/{args.bot_username}?start={issued.code}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bot.accounts import list_users

    rows = list_users(prepared_core(args))
    if not rows:
        print("Aucun compte.")
        return 0
    for row in rows:
        state = "" if row.active else " (désactivé)"
        linked = f", {row.linked_chats} conversation(s) reliée(s)" if row.linked_chats else ""
        print(f"{row.login} – {row.display_name}{state}{linked}")
        for scope in row.scopes:
            print(f"    {scope}")
    return 0
