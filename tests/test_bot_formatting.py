"""Telegram HTML: escaping, the articles' Markdown subset, splitting at 4096 characters."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.formatting import esc, markdown_to_html, split_html, utf16_len, visible_text
from bot.handlers.questions import article_html
from bot.localapi.html_entities import EntityParseError, parse_html
from knowledge.articles import load_articles


def test_user_values_are_escaped():
    assert esc('<b>Tom & "Jerry"</b>') == "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;"
    text, entities = parse_html(f"Bonjour <b>{esc('<script>&')}</b>")
    assert text == "Bonjour <script>&"
    assert entities == [{"type": "bold", "offset": 8, "length": 9}]


def test_markdown_subset():
    html = markdown_to_html(
        "## Étapes\n1. Ouvrez **la session** et `CERES`.\n- un *point* & [lien](https://exemple.fr)\n"
    )
    assert "<b>Étapes</b>" in html
    assert "1. Ouvrez <b>la session</b> et <code>CERES</code>." in html
    assert '• un <i>point</i> &amp; <a href="https://exemple.fr">lien</a>' in html
    parse_html(html)  # valid for Telegram


def test_every_article_renders_as_valid_telegram_html():
    for article in load_articles():
        html = article_html(article)
        for part in split_html(html):
            text, _ = parse_html(part)
            assert utf16_len(text) <= 4096


def test_split_keeps_tags_balanced_and_prefers_paragraphs():
    paragraph = "<b>Titre</b> " + "mot " * 300
    html = "\n\n".join([paragraph] * 10)
    parts = split_html(html, 4096)
    assert len(parts) > 1
    for part in parts:
        text, _ = parse_html(part)  # raises if a tag is left open
        assert utf16_len(text) <= 4096
    assert visible_text("".join(parts)).replace(" ", "").replace("\n", "") == visible_text(
        html
    ).replace(" ", "").replace("\n", "")


def test_split_inside_a_long_bold_run_reopens_the_tag():
    html = "<b>" + "x" * 5000 + "</b>"
    parts = split_html(html, 4096)
    assert len(parts) == 2
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_split_never_cuts_an_entity():
    html = "&amp;" * 5000
    for part in split_html(html, 100):
        assert parse_html(part)[0] == "&" * len(parse_html(part)[0])


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=3000), st.integers(min_value=16, max_value=500))
def test_split_any_escaped_text(raw, limit):
    html = "<i>" + esc(raw) + "</i>"
    parts = split_html(html, limit)
    for part in parts:
        text, _ = parse_html(part)
        assert utf16_len(text) <= limit
    joined = "".join(parse_html(p)[0] for p in parts)
    assert "".join(joined.split()) == "".join(raw.split())


def test_invalid_html_is_refused_like_the_real_server():
    for bad in ("<b>open", "a < b <c>", "<b><i>x</b></i>", "<div>x</div>"):
        try:
            parse_html(bad)
        except EntityParseError:
            continue
        raise AssertionError(f"{bad!r} should be refused")


# -- visible_text: the one-pass version equals the per-atom reading (issue 14) ---------------


def _visible_text_by_atoms(text: str) -> str:
    """The former ``visible_text``, kept as the oracle: one object per tag, entity or
    character (``_TOKEN``), the visible parts joined."""
    import html as html_module
    import re

    token = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|.",
                       re.S)
    out = []
    for m in token.finditer(text):
        raw = m.group(0)
        if m.group(2):
            out.append("")
        elif raw.startswith("&") and len(raw) > 1:
            out.append(html_module.unescape(raw))
        else:
            out.append(raw)
    return "".join(out)


#: Pieces that make tags, entities and their near misses likely in generated strings.
_HTML_PIECES = st.sampled_from([
    "<", ">", "/", "&", ";", "#", "x", "b", "i", "a", "<b>", "</b>", "<a href=\"u\">", "</a>",
    "<code>", "<1>", "< b>", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&#x27;", "&#0;",
    "&#xD800;", "&#99999999;", "&nbsp;", "&ampfoo;", "&unknown;", "&amp", "é", "«", " ", "\n",
    "\U0001F600", "-", "<b-x y='>'>", "<br/>",
])


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(_HTML_PIECES, st.text(max_size=4)), max_size=30).map("".join))
def test_visible_text_equals_the_per_atom_reading_on_generated_strings(text):
    assert visible_text(text) == _visible_text_by_atoms(text)


@settings(max_examples=2000, deadline=None)
@given(st.text())
def test_visible_text_equals_the_per_atom_reading_on_any_text(text):
    assert visible_text(text) == _visible_text_by_atoms(text)


def test_visible_text_equals_the_per_atom_reading_on_every_article():
    for article in load_articles():
        html_text = article_html(article)
        assert visible_text(html_text) == _visible_text_by_atoms(html_text)
