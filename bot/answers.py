"""An article of the knowledge base as the chat shows it (answers, procedure leaves,
the ticket advice): title, answer, steps, help.

The rule ids an article cites (« R-PRT-6 ») are not shown here: requesters (civil
servants, centre staff) do not know them and they add nothing to the answer. They stay
in the article's metadata (``Article.rules``) and are shown to staff on the dashboard,
where agents pick an article to cite."""

from __future__ import annotations

import re
from functools import lru_cache

from bot import texts
from bot.formatting import esc, markdown_to_html
from knowledge.articles import Article

_RULES_LINE = re.compile(r"^\s*R[èe]gles?\s*:.*$", re.MULTILINE | re.IGNORECASE)


def article_html(article: Article) -> str:
    """An article formatted for the chat: title, answer, steps, help (no rule ids)."""
    return _article_html(article.title, article.intro, article.steps, article.help)


@lru_cache(maxsize=512)
def _article_html(title: str, intro: str, steps: str, help_text: str) -> str:
    """Cached: the articles do not change while the bot runs, and the Markdown reading
    is a good part of an answer's cost (issue 14)."""
    parts = [f"<b>{esc(title)}</b>", markdown_to_html(_RULES_LINE.sub("", intro))]
    if steps:
        parts += [texts.STEPS_HEADING + "\n" + markdown_to_html(steps)]
    if help_text:
        parts += [texts.HELP_HEADING + "\n" + markdown_to_html(help_text)]
    return "\n\n".join(p for p in parts if p.strip())


