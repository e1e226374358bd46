"""``ceres-assist kb``: knowledge-base maintenance.

ceres-assist kb unanswered [--limit N] [--reason none|unhelpful] [--json]
ceres-assist kb check
"""

from __future__ import annotations

import argparse
import json

from sqlalchemy.exc import SQLAlchemyError

from ceres_core.errors import CeresError
from knowledge.models import REASONS

_NOT_INITIALISED = (
    "La base de données n'est pas initialisée ou n'est pas joignable : "
    "lancez d'abord « ceres-assist init »."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "kb",
        help="base de connaissances : questions sans réponse, contrôle des articles",
        description="Maintenance de la base de connaissances.",
    )
    sub = parser.add_subparsers(dest="kb_command", metavar="ACTION")

    unanswered = sub.add_parser(
        "unanswered",
        help="les questions restées sans réponse ou jugées inutiles, les plus fréquentes d'abord",
    )
    unanswered.add_argument("--limit", type=int, default=20, help="nombre de lignes (défaut 20)")
    unanswered.add_argument("--reason", choices=REASONS, help="ne garder qu'un motif")
    unanswered.add_argument(
        "--json", action="store_true", help="sortie JSON (une ligne par question)"
    )
    unanswered.set_defaults(handler=run_unanswered)

    check = sub.add_parser("check", help="charge et vérifie tous les articles")
    check.set_defaults(handler=run_check)

    parser.set_defaults(handler=lambda args: (parser.print_help(), 2)[1])


def run_unanswered(args: argparse.Namespace) -> int:
    from ceres_core.core import Core
    from knowledge.feedback import top_unanswered

    core = Core.from_url(getattr(args, "database_url", None))
    try:
        rows = top_unanswered(core, args.limit, args.reason)
    except SQLAlchemyError as exc:
        raise CeresError(_NOT_INITIALISED) from exc
    finally:
        core.engine.dispose()
    if args.json:
        for row in rows:
            print(json.dumps(row.to_json(), ensure_ascii=False))
        return 0
    if not rows:
        print("Aucune question enregistrée.")
        return 0
    print(f"{'nombre':>6}  {'motif':<9}  {'dernière fois':<16}  {'sujet':<22}  question")
    for row in rows:
        seen = row.last_seen.strftime("%d/%m/%Y %H:%M")
        print(f"{row.count:>6}  {row.reason:<9}  {seen:<16}  {row.topic or '-':<22}  {row.example}")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from knowledge.articles import ArticleError, load_articles
    from knowledge.matcher import Matcher

    try:
        articles = load_articles()
    except ArticleError as exc:
        raise CeresError(f"Articles invalides : {exc}") from exc
    matcher = Matcher.from_articles(articles)
    print(f"{len(articles)} articles valides, {len(matcher.vocabulary)} termes indexés.")
    return 0
