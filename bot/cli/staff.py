"""``ceres-assist staff add LOGIN --queue Q... [--name NOM] [--password-stdin]``,
``ceres-assist staff list`` and ``ceres-assist staff link-chat LOGIN CHAT_ID``."""

from __future__ import annotations

import argparse
import getpass
import sys

from bot.cli.database import help_handler, prepared_core
from ceres_core.errors import InvalidInput


def register(sub: argparse._SubParsersAction) -> None:
    staff = sub.add_parser(
        "staff",
        help="comptes du support (helpdesk)",
        description="Gère les comptes des personnes du support qui traitent les tickets.",
    )
    actions = staff.add_subparsers(dest="staff_command", metavar="ACTION")

    p = actions.add_parser(
        "add",
        help="crée un compte du support rattaché à une ou plusieurs files",
        description="Crée un compte du support. Files : assistance, gev-btp, gev-industrie, "
        "gev-tertiaire, gev-ccp, dreets-<code région>, ud-<département>, afpa-impression.",
    )
    p.add_argument("login", metavar="IDENTIFIANT")
    p.add_argument("--queue", "-q", dest="queues", nargs="+", action="extend", required=True,
                   metavar="FILE", help="file(s) de l'agent (option répétable)")
    p.add_argument("--name", help="nom affiché (par défaut : l'identifiant)")
    p.add_argument("--password-stdin", action="store_true",
                   help="lit le mot de passe sur l'entrée standard (première ligne)")
    p.set_defaults(handler=_add)

    p = actions.add_parser("list", help="liste les comptes du support et leurs files")
    p.set_defaults(handler=_list)

    p = actions.add_parser(
        "link-chat",
        help="lie un compte du support à son identifiant Telegram (groupe du support)",
        description="Lie un compte du support à son identifiant Telegram (un nombre) : ses "
        "messages dans le groupe du support (CERES_STAFF_CHAT_ID) sont alors reconnus et "
        "transmis aux demandeurs. « aucun » retire le lien.",
    )
    p.add_argument("login", metavar="IDENTIFIANT")
    p.add_argument("chat_id", metavar="CHAT_ID", help="identifiant Telegram, ou « aucun »")
    p.set_defaults(handler=_link_chat)
    staff.set_defaults(handler=help_handler(staff))


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise InvalidInput(
            "Aucun mot de passe : utilisez --password-stdin, ou lancez la commande dans un "
            "terminal pour le saisir."
        )
    first = getpass.getpass("Mot de passe : ")
    second = getpass.getpass("Confirmez le mot de passe : ")
    if first != second:
        raise InvalidInput("Les deux mots de passe saisis sont différents.")
    return first


def _add(args: argparse.Namespace) -> int:
    from tickets.staff import add_staff

    password = _read_password(args)
    core = prepared_core(args)
    info = add_staff(core, args.login, args.name, password, args.queues)
    print(f"Compte du support « {info.login} » créé ({info.display_name}).")
    print(f"Files : {', '.join(info.queues)}.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from tickets.staff import list_staff

    accounts = list_staff(prepared_core(args))
    if not accounts:
        print("Aucun compte du support.")
        return 0
    for info in accounts:
        state = "" if info.active else " (désactivé)"
        telegram = f" ; Telegram {info.chat_id}" if info.chat_id is not None else ""
        print(f"{info.login} – {info.display_name}{state} : {', '.join(info.queues)}{telegram}")
    return 0


def _link_chat(args: argparse.Namespace) -> int:
    from tickets.staff import link_staff_chat

    unlink = args.chat_id.strip().lower() in ("aucun", "none", "-")
    info = link_staff_chat(prepared_core(args), args.login, None if unlink else args.chat_id)
    if info.chat_id is None:
        print(f"Compte du support « {info.login} » : plus lié à Telegram.")
    else:
        print(f"Compte du support « {info.login} » lié à l'identifiant Telegram {info.chat_id}.")
    return 0
