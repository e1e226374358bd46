"""Knowledge articles: one Markdown file per topic, with YAML front matter.

An article file ``knowledge/articles/<id>.md`` looks like::

    ---
    id: duplicata
    title: Demander un duplicata
    keywords: [duplicata, réimpression]
    related: [courrier-perdu]
    rules: [R-PRT-6]
    operations: [request_duplicate]
    ---
    Answer paragraph.

    ## Étapes
    1. ...

    ## Si cela ne fonctionne pas
    ...

    Règles : R-PRT-6

:func:`load_articles` reads and validates them all; any problem raises
:class:`ArticleError` naming the file and what is wrong. The list of expected
topic ids is package data (``data/topics.yaml``).

``operations`` (optional) names the chat operations the article is about (operation
names of the bot's catalogue, ``bot.catalogue.by_name``): a linked user who may run
one gets its button under the article. This package does not import the bot: the
names are checked here for their form only, and against the catalogue by the bot's
tests (``tests/test_article_operations.py``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from importlib import resources
from pathlib import Path

import yaml

from ceres_core.settings import Rules
from knowledge.facts import UnknownFact, core_facts, fill

ARTICLES_DIR = Path(__file__).resolve().parent / "articles"
TOPICS_RESOURCE = "topics.yaml"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n?(.*)\Z", re.DOTALL)
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_OPERATION_NAME = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$")
_HEADING = re.compile(r"^##\s+(.+?)\s*$", re.MULTILINE)
_RULES_LINE = re.compile(r"^\s*R[èe]gles?\s*:.*$", re.MULTILINE | re.IGNORECASE)

STEPS_HEADING = "Étapes"
HELP_HEADING = "Si cela ne fonctionne pas"
#: the heading of a role's own short answer (« ## En bref (UD, DREETS) »).
ANSWER_HEADING = "En bref"

#: Role variants: « ## Étapes (UD) » holds the steps for that role. The names a
#: heading may use → the role (``ceres_core.models.Role`` values).
ROLE_NAMES: dict[str, str] = {
    "centre": "centre",
    "centres": "centre",
    "ud": "ud",
    "ddets": "ud",
    "deets": "ud",
    "dreets": "dreets",
    "admin": "admin",
    "afpa": "afpa",
    "gev": "gev",
    "support": "support",
}
_ROLE_HEADING = re.compile(r"^(?P<base>.+?)\s*\((?P<roles>[^()]+)\)$")


def role_heading(heading: str) -> tuple[str, frozenset[str]] | None:
    """``"Étapes (UD, DREETS)"`` → ``("Étapes", {"ud", "dreets"})``; ``None`` if generic."""
    m = _ROLE_HEADING.match(heading.strip())
    if not m:
        return None
    names = [n.strip().lower() for n in m.group("roles").split(",")]
    if not names or any(n not in ROLE_NAMES for n in names):
        return None
    return m.group("base").strip(), frozenset(ROLE_NAMES[n] for n in names)


class ArticleError(ValueError):
    """An article file is missing, malformed or inconsistent with the others."""


@dataclass(frozen=True)
class Article:
    """One knowledge article (a topic of ``topics.md``)."""

    id: str
    title: str
    keywords: tuple[str, ...]
    related: tuple[str, ...]
    rules: tuple[str, ...]
    body: str
    path: Path | None = field(default=None, compare=False)
    #: the chat operations (catalogue operation names) the article is about
    operations: tuple[str, ...] = ()

    @cached_property
    def answer(self) -> str:
        """The first paragraph of the body: the short answer."""
        intro = _HEADING.split(self.body, maxsplit=1)[0]
        for paragraph in re.split(r"\n\s*\n", intro.strip()):
            text = paragraph.strip()
            if text and not _RULES_LINE.fullmatch(text):
                return " ".join(line.strip() for line in text.splitlines())
        return ""

    @cached_property
    def intro(self) -> str:
        """Everything before the first ``##`` heading."""
        return _HEADING.split(self.body, maxsplit=1)[0].strip()

    @cached_property
    def sections(self) -> dict[str, str]:
        """``## Heading`` → its text (the final ``Règles :`` line left out)."""
        parts = _HEADING.split(self.body)
        result: dict[str, str] = {}
        for heading, text in zip(parts[1::2], parts[2::2], strict=True):
            result[heading.strip()] = _RULES_LINE.sub("", text).strip()
        return result

    @property
    def steps(self) -> str:
        return self.sections.get(STEPS_HEADING, "")

    @cached_property
    def roles(self) -> frozenset[str]:
        """The roles that have their own variant of this article."""
        out: set[str] = set()
        for heading in self.sections:
            parsed = role_heading(heading)
            if parsed:
                out |= parsed[1]
        return frozenset(out)

    def for_role(self, role: str | None) -> Article:
        """The article as the given role reads it (``ceres_core`` ``Role`` value).

        A section « Étapes (UD) » replaces « Étapes » for a UD, « En bref (UD) »
        replaces the short answer; the other roles' variants are left out. With no
        role, or a role without variant, the generic article (variants left out).
        """
        role = ROLE_NAMES.get((role or "").lower(), (role or "").lower()) or None
        generic: dict[str, str] = {}
        mine: dict[str, str] = {}
        for heading, text in self.sections.items():
            parsed = role_heading(heading)
            if parsed is None:
                generic[heading] = text
            elif role in parsed[1]:
                mine[parsed[0]] = text
        if not mine and len(generic) == len(self.sections):
            return self
        intro = mine.pop(ANSWER_HEADING, None) or _RULES_LINE.sub("", self.intro).strip()
        parts = [intro]
        for heading, text in generic.items():
            parts.append(f"## {heading}\n{mine.pop(heading, text)}")
        parts += [f"## {heading}\n{text}" for heading, text in mine.items()]
        if self.rules:
            parts.append("Règles : " + ", ".join(self.rules))
        return replace(self, body="\n\n".join(parts))

    @property
    def help(self) -> str:
        """What to do / whom to contact when it does not work."""
        return self.sections.get(HELP_HEADING, "")


def expected_topic_ids() -> list[str]:
    """The 44 topic ids the knowledge base must cover, in ``topics.md`` order."""
    text = resources.files("knowledge.data").joinpath(TOPICS_RESOURCE).read_text("utf-8")
    data = yaml.safe_load(text)
    return [str(t["id"]) for t in data["topics"]]


def _string_list(meta: dict, key: str, path: Path) -> tuple[str, ...]:
    value = meta.get(key, [])
    if value is None:
        value = []
    if isinstance(value, str) or not isinstance(value, list):
        raise ArticleError(f"{path.name}: '{key}' doit être une liste")
    items = tuple(str(v).strip() for v in value)
    if any(not v for v in items):
        raise ArticleError(f"{path.name}: '{key}' contient un élément vide")
    return items


def _operation_names(meta: dict, path: Path) -> tuple[str, ...]:
    """The ``operations`` list: operation names (``snake_case``), each once."""
    names = _string_list(meta, "operations", path)
    for name in names:
        if not _OPERATION_NAME.match(name):
            raise ArticleError(f"{path.name}: nom d'opération '{name}' invalide")
    if len(set(names)) != len(names):
        raise ArticleError(f"{path.name}: 'operations' cite deux fois la même opération")
    return names


def parse_article(text: str, path: Path) -> Article:
    """Parse one article file's text; ``path`` names it in errors."""
    m = _FRONT_MATTER.match(text.lstrip("\ufeff"))
    if not m:
        raise ArticleError(f"{path.name}: en-tête YAML (front matter) absent ou mal délimité")
    try:
        meta = yaml.safe_load(m.group(1))
    except yaml.YAMLError as exc:
        raise ArticleError(f"{path.name}: en-tête YAML invalide ({exc})") from exc
    if not isinstance(meta, dict):
        raise ArticleError(f"{path.name}: l'en-tête YAML doit être un dictionnaire")
    for key in ("id", "title", "keywords"):
        if not meta.get(key):
            raise ArticleError(f"{path.name}: champ obligatoire '{key}' manquant ou vide")
    article_id = str(meta["id"]).strip()
    if not _ID.match(article_id):
        raise ArticleError(f"{path.name}: identifiant '{article_id}' invalide")
    if article_id != path.stem:
        raise ArticleError(
            f"{path.name}: l'identifiant '{article_id}' ne correspond pas au nom du fichier"
        )
    body = m.group(2).strip()
    if not body:
        raise ArticleError(f"{path.name}: le corps de l'article est vide")
    return Article(
        id=article_id,
        title=str(meta["title"]).strip(),
        keywords=_string_list(meta, "keywords", path),
        related=_string_list(meta, "related", path),
        rules=_string_list(meta, "rules", path),
        body=body,
        path=path,
        operations=_operation_names(meta, path),
    )


def validate(articles: Iterable[Article], expected_ids: Iterable[str] | None = None) -> None:
    """Cross-article checks: unique ids, known ``related`` ids, every expected topic present."""
    seen: dict[str, Article] = {}
    for article in articles:
        if article.id in seen:
            raise ArticleError(f"identifiant en double : '{article.id}'")
        seen[article.id] = article
    for article in seen.values():
        for rel in article.related:
            if rel not in seen:
                raise ArticleError(f"{article.id}: article lié inconnu '{rel}'")
            if rel == article.id:
                raise ArticleError(f"{article.id}: un article ne peut pas se citer lui-même")
    if expected_ids is not None:
        missing = [i for i in expected_ids if i not in seen]
        if missing:
            raise ArticleError("articles manquants : " + ", ".join(missing))


def load_articles(
    directory: str | Path | None = None,
    expected_ids: Iterable[str] | None = None,
    *,
    check_topics: bool = True,
    rules: Rules | None = None,
) -> list[Article]:
    """Load and validate every ``*.md`` article of ``directory`` (default: the package's).

    With ``check_topics`` (the default), every id of ``expected_ids`` (default: the
    packaged topic list) must have its article. The placeholders of the rules'
    numbers (``{{duplicate_delay}}``, :mod:`knowledge.facts`) are filled from
    ``rules`` (default: the core's default settings).
    """
    folder = Path(directory) if directory is not None else ARTICLES_DIR
    if not folder.is_dir():
        raise ArticleError(f"dossier d'articles introuvable : {folder}")
    facts = core_facts(rules)
    articles = []
    for path in sorted(folder.glob("*.md")):
        try:
            text = fill(path.read_text(encoding="utf-8"), facts, path.name)
        except UnknownFact as exc:
            raise ArticleError(str(exc)) from exc
        articles.append(parse_article(text, path))
    if check_topics and expected_ids is None:
        expected_ids = expected_topic_ids()
    validate(articles, expected_ids if check_topics else None)
    return articles
