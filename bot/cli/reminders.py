"""``ceres-assist reminders preview [--login L] [--date D]``: the reminders that would be
sent (issue 13), in plain French text. It sends nothing and writes nothing."""

from __future__ import annotations

import argparse
from datetime import date

from bot.cli.database import help_handler, prepared_core
from ceres_core.core import Core
from ceres_core.values import parse_date


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reminders", help="rappels envoyés par le bot (aperçu)")
    actions = p.add_subparsers(dest="reminders_command", metavar="ACTION")
    preview = actions.add_parser(
        "preview",
        help="ce que le bot enverrait comme rappels",
        description=(
            "Affiche, compte par compte, les rappels que le bot enverrait ce jour-là "
            "(types activés, pas encore envoyés), et s'il peut les envoyer."
        ),
    )
    preview.add_argument("--login", metavar="LOGIN", help="un seul compte")
    preview.add_argument("--date", metavar="AAAA-MM-JJ",
                         help="le jour à prévisualiser (AAAA-MM-JJ ou JJ/MM/AAAA ; défaut : "
                              "aujourd'hui)")
    preview.set_defaults(handler=_preview)
    p.set_defaults(handler=help_handler(p))


def preview_text(core: Core, login: str | None = None, day: date | None = None) -> str:
    """The preview as plain text (one block per account that has something)."""
    from bot import reminders as rem
    from ceres_core.calendar import WorkingCalendar
    from ceres_core.dte_timeline import format_date_fr
    from ceres_core.geography import departement
    from ceres_core.services.reminders import due_reminders, recipient_of, recipients

    day = day or core.clock.today()
    people = [recipient_of(core, login)] if login else recipients(core)
    chats = rem.linked_chats(core)
    events = due_reminders(core, day)
    start, end = core.rules.reminder_hours
    blocks = [f"Rappels du {format_date_fr(day)}"]
    for r in people:
        digest = rem.plan(core, r, day, events, chats.get(r.user_id))
        if not digest.events and not login:
            continue
        where = departement(r.departement).label if r.departement else "France, calendrier national"
        lines = [f"{r.login} – {r.display_name}"]
        if digest.chat_id is None:
            lines.append("  Compte non relié à une conversation du bot : rien ne sera envoyé.")
        elif digest.blocked:
            lines.append("  La conversation a bloqué le bot : rien ne sera envoyé.")
        elif not WorkingCalendar(r.departement).is_working_day(day):
            lines.append(f"  Jour non ouvré ({where}) : rien ne sera envoyé ce jour-là.")
        elif digest.already_sent_today:
            lines.append("  Les rappels de ce jour ont déjà été envoyés : la suite le prochain "
                         "jour ouvré.")
        else:
            lines.append(f"  Envoi en un seul message entre {start} h et {end} h, heure locale "
                         f"({where}).")
        if not digest.events:
            lines.append("  Aucun rappel.")
        for n, e in enumerate(digest.events, start=1):
            lines.append(f"  {n}. {e.text}")
            label = rem.action_label(e.action)
            if label:
                lines.append(f"     Bouton : {label}")
        blocks.append("\n".join(lines))
    if len(blocks) == 1:
        blocks.append("Aucun rappel à envoyer ce jour-là.")
    return "\n\n".join(blocks)


def _preview(args: argparse.Namespace) -> int:
    day = parse_date(args.date, "La date") if args.date else None
    print(preview_text(prepared_core(args), args.login, day))
    return 0
