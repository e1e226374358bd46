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
