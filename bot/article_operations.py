"""The chat operations an article offers to run (issue 10, item 4).

An article names the operations it is about (``operations`` in its front matter,
:class:`knowledge.articles.Article`); a linked user gets a button for each one the
core says one of their profiles may run (:func:`bot.catalogue.may_run`, the check the
command menu uses, R-ACT-2). An unlinked user gets none."""

from __future__ import annotations

from bot import catalogue
from ceres_core.core import Core
from knowledge.articles import Article


def article_operations(core: Core, login: str | None, article: Article) -> list[tuple[str, str]]:
    """``(operation name, menu text)`` of the article's operations ``login`` may run,
    in the article's order; none without a linked account."""
    if login is None or not article.operations:
        return []
    out = []
    for name in article.operations:
        op = catalogue.by_name(name)
        if op is not None and catalogue.may_run(core, login, op):
            out.append((op.name, op.menu))
    return out
