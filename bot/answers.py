"""An article of the knowledge base as the chat shows it (answers, procedure leaves,
the ticket advice): title, answer, steps, help, rules."""

from __future__ import annotations

import re

from bot import texts
from bot.formatting import esc, markdown_to_html
from knowledge.articles import Article

_RULES_LINE = re.compile(r"^\s*R[èe]gles?\s*:.*$", re.MULTILINE | re.IGNORECASE)


def article_html(article: Article) -> str:
    """An article formatted for the chat: title, answer, steps, help, rules."""
    parts = [f"<b>{esc(article.title)}</b>", markdown_to_html(_RULES_LINE.sub("", article.intro))]
    if article.steps:
        parts += [texts.STEPS_HEADING + "\n" + markdown_to_html(article.steps)]
    if article.help:
        parts += [texts.HELP_HEADING + "\n" + markdown_to_html(article.help)]
    if article.rules:
        parts.append(texts.ANSWER_RULES.format(rules=esc(", ".join(article.rules))))
    return "\n\n".join(p for p in parts if p.strip())


