"""``ceres-assist dte-timeline``: the DTE timeline of a session (R-DTE-1, 4, 5, 7, R-CON-2).

Arguments are read as plain strings and checked here so that every error is in
French (argparse's own messages are in English); a bad value raises
:class:`~ceres_core.errors.InvalidInput`, which ``bot.cli.main`` prints on stderr
with exit code 1.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time

from ceres_core.calendar import parse_iso_date, parse_iso_datetime
from ceres_core.clock import PARIS, FixedClock, SystemClock
from ceres_core.dte_timeline import dte_timeline, order_window, parse_kind, render_timeline_fr
from ceres_core.errors import InvalidInput
from ceres_core.values import parse_date

#: The years the calculator works on: months and days are added to and taken from the
#: dates given, which must stay inside the calendar (years 1 to 9999).
YEARS = range(1900, 2201)


def _in_range(value: date, text: str, what: str):
    if value.year not in YEARS:
        raise InvalidInput(
            f"{what} « {text.strip()} » est hors de la période que le calendrier sait "
            f"calculer (années {YEARS.start} à {YEARS.stop - 1})."
        )
    return value


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dte-timeline",
        help="calendrier du DTE d'une session (commande, envoi, liens, convocations)",
        description=(
            "Calcule les dates clés du DTE d'une session : date limite de commande, "
            "envoi du DTE (TP) ou ouverture des liens (CCP), relance de la GEV et "
            "date limite des convocations."
        ),
    )
    parser.add_argument("--kind", type=str, metavar="{TP,CCP}", help="type de DTE : TP ou CCP")
    parser.add_argument(
        "--start", type=str, metavar="AAAA-MM-JJ",
        help="date de début de la session (AAAA-MM-JJ ou JJ/MM/AAAA)"
    )
    parser.add_argument(
        "--departement",
        type=str,
        metavar="CODE",
        help="département où a lieu la session (jours fériés locaux), ex. 57 ou 974",
    )
    parser.add_argument(
        "--ordered-at",
        type=str,
        metavar="AAAA-MM-JJ[THH:MM]",
        help="date de la commande du DTE (CCP : les liens partent le lendemain)",
    )
    parser.add_argument(
        "--today",
        type=str,
        metavar="AAAA-MM-JJ",
        help="date du jour pour le délai restant (défaut : aujourd'hui)",
    )
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    parser.set_defaults(handler=handle_dte_timeline)


def handle_dte_timeline(args: argparse.Namespace) -> int:
    if not args.kind:
        raise InvalidInput("Indiquez le type de DTE avec --kind TP ou --kind CCP.")
    if not args.start:
        raise InvalidInput(
            "Indiquez la date de début de la session avec --start AAAA-MM-JJ ou JJ/MM/AAAA "
            "(par exemple --start 2027-03-15 ou --start 15/03/2027)."
        )
    kind = parse_kind(args.kind)
    start = _in_range(parse_date(args.start, "La date de début"), args.start, "La date de début")
    ordered_at = (
        _in_range(parse_iso_datetime(args.ordered_at, "La date de commande"), args.ordered_at,
                  "La date de commande")
        if args.ordered_at else None
    )
    today = (_in_range(parse_iso_date(args.today, "La date du jour"), args.today, "La date du jour")
             if args.today else SystemClock().today())

    timeline = dte_timeline(kind, start, args.departement, ordered_at=ordered_at)
    window = order_window(start, FixedClock(datetime.combine(today, time(12, 0), tzinfo=PARIS)))

    if args.json:
        data: dict[str, object] = {**timeline.to_dict(), "order_days_left": window.days_left}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(render_timeline_fr(timeline))
        print(window.message_fr())
    return 0
