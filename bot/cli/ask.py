"""``ceres-assist ask``: answer a question from the knowledge base.

    ceres-assist ask "comment demander un duplicata ?"
    ceres-assist ask --json "comment demander un duplicata ?"
    ceres-assist ask --json - < questions.txt

With ``-`` the questions are read from standard input, one per line, and one
answer is printed per line, in order. A blank line gets the ``none`` answer (with
an empty list of alternatives) so that output line *n* always answers input line *n*.

When a database is configured (``--database-url``, ``CERES_DATABASE_URL``, or an
existing local SQLite file), questions answered ``none`` are recorded for the
support team (``ceres-assist kb unanswered``). If the database or its table does
not exist yet, the answer is printed anyway.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Iterable, Iterator
from functools import lru_cache

from bot.formatting import markdown_to_text
from knowledge.articles import Article
from knowledge.matcher import Matcher, MatchResult, default_matcher

log = logging.getLogger(__name__)

NONE_MESSAGE = (
    "Je n'ai pas trouvé de réponse sûre à cette question. "
    "Essayez de la reformuler avec les mots de l'écran CERES concerné "
    "(par exemple « duplicata », « commande du DTE », « transfert de site »), "
    "ou ouvrez un ticket : un agent du support vous répondra."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ask",
        help="poser une question à la base de connaissances",
        description="Cherche l'article qui répond à une question sur CERES.",
    )
    parser.add_argument(
        "question",
        help="la question, ou « - » pour lire une question par ligne sur l'entrée standard",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="sortie JSON (une ligne par question) : topic, title, score, alternatives",
    )
    parser.set_defaults(handler=run)


@lru_cache(maxsize=1)
def _matcher() -> Matcher:
    return default_matcher()


def _questions(arg: str) -> Iterator[str]:
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        yield line.rstrip("\r\n")


def render_text(result: MatchResult, article: Article | None) -> str:
    """The plain-text answer, in French."""
    if result.topic is None or article is None:
        lines = [result.reply or NONE_MESSAGE]
        if result.alternatives:
            lines.append("")
            lines.append("Sujets qui s'en approchent peut-être :")
            lines += [f"- {title} ({topic})" for topic, title, _ in result.alternatives]
        return "\n".join(lines)
    lines = [article.title, "", markdown_to_text(article.answer)]
    if article.steps:
        lines += ["", "Étapes :", markdown_to_text(article.steps)]
    if article.help:
        lines += ["", "Si cela ne fonctionne pas :", markdown_to_text(article.help)]
    if article.rules:
        lines += ["", "Règles : " + ", ".join(article.rules)]
    if result.ambiguous and result.alternatives:
        lines += ["", "Vouliez-vous dire plutôt :"]
        lines += [f"- {title} ({topic})" for topic, title, _ in result.alternatives]
    lines += ["", f"(sujet : {article.id}, confiance {result.score:.2f})"]
    return "\n".join(lines)


class _Recorder:
    """Records ``none`` answers when a database is configured; never fails the answer."""

    def __init__(self, url: str | None) -> None:
        self._url = url
        self._core = None
        self._disabled = not self._configured(url)

    @staticmethod
    def _configured(url: str | None) -> bool:
        if url or os.environ.get("CERES_DATABASE_URL"):
            return True
        from ceres_core.db import DEFAULT_SQLITE_FILE

        # The default local database counts only once created (``ceres-assist init``).
        return os.path.exists(DEFAULT_SQLITE_FILE)

    def record(self, question: str) -> None:
        if self._disabled or not question.strip():
            return
        try:
            from knowledge.feedback import record_unanswered

            if self._core is None:
                from ceres_core.core import Core

                self._core = Core.from_url(self._url)
            record_unanswered(self._core, question)
        except Exception as exc:  # noqa: BLE001 - recording must never break an answer
            log.debug("question not recorded: %s", exc)
            self._disabled = True  # no table yet, or no server: stop trying

    def close(self) -> None:
        if self._core is not None:
            self._core.engine.dispose()


def answer_all(
    questions: Iterable[str], matcher: Matcher, recorder: _Recorder | None = None
) -> Iterator[tuple[str, MatchResult]]:
    for question in questions:
        if not question.strip():
            yield question, MatchResult(None, None, 0.0, [], False)
            continue
        result = matcher.match(question)
        # Small talk (« bonjour », « merci ») is answered, not a question left unanswered.
        if result.topic is None and result.smalltalk is None and recorder is not None:
            recorder.record(question)
        yield question, result


def run(args: argparse.Namespace) -> int:
    matcher = _matcher()
    recorder = _Recorder(getattr(args, "database_url", None))
    try:
        first = True
        for _question, result in answer_all(_questions(args.question), matcher, recorder):
            if args.json:
                print(json.dumps(result.to_json(), ensure_ascii=False), flush=True)
                continue
            if not first:
                print("\n" + "-" * 40 + "\n")
            first = False
            article = matcher.article(result.topic) if result.topic else None
            print(render_text(result, article), flush=True)
    finally:
        recorder.close()
    return 0
