"""The chat operations an article offers (issue 10, item 4): the article's
``operations`` front matter, checked against the catalogue; the buttons a linked user
gets under the article (only those the core says their profile may run, R-ACT-2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import catalogue, keyboards
from bot.article_operations import article_operations
from knowledge.articles import ArticleError, load_articles, parse_article


@pytest.fixture(scope="module")
def articles():
    return {a.id: a for a in load_articles()}


def test_every_article_operation_is_in_the_catalogue(articles):
    unknown = [(a.id, name) for a in articles.values() for name in a.operations
               if catalogue.by_name(name) is None]
    assert unknown == []


def test_the_articles_about_an_operation_name_it(articles):
    assert "record_pnd" in articles["pnd"].operations
    assert articles["commander-dte"].operations == ("order_dte",)
    assert "create_candidate" in articles["rechercher-candidat"].operations
    assert "request_duplicate" in articles["duplicata"].operations


def test_the_role_variant_of_an_article_keeps_its_operations(articles):
    assert articles["pnd"].for_role("ud").operations == articles["pnd"].operations


def _article(front: str) -> str:
    return f"---\nid: a\ntitle: T\nkeywords: [k]\n{front}---\nRéponse.\n"


def test_an_article_without_operations_has_none():
    assert parse_article(_article(""), Path("a.md")).operations == ()


@pytest.mark.parametrize("front, error", [
    ("operations: record_pnd\n", "doit être une liste"),
    ("operations: [Record-PND]\n", "nom d'opération 'Record-PND' invalide"),
    ("operations: [record_pnd, record_pnd]\n", "deux fois"),
])
def test_a_bad_operations_list_is_refused_at_load(front, error):
    with pytest.raises(ArticleError, match=error):
        parse_article(_article(front), Path("a.md"))


def test_answer_rows_put_one_operation_button_first_per_operation():
    rows = keyboards.answer_rows("pnd", "un PND", [], [("duplicata", "Duplicata")],
                                 [("record_pnd", "Pli non distribuable : nouvelle adresse")])
    first = rows[0]
    assert len(first) == 1
    assert first[0].kind == keyboards.OPERATION
    assert first[0].label == "▶️ Pli non distribuable : nouvelle adresse"
    assert first[0].payload == {"do": "run", "op": "record_pnd", "params": {}}
    assert first[0].reusable
    assert [b.kind for b in rows[1]] == [keyboards.FEEDBACK, keyboards.FEEDBACK]


def test_answer_rows_without_operations_are_unchanged():
    rows = keyboards.answer_rows("pnd", "un PND", [], [], [])
    assert rows == keyboards.answer_rows("pnd", "un PND", [], [])
    assert keyboards.OPERATION not in {b.kind for row in rows for b in row}


@pytest.fixture
def demo(core):
    from ceres_core.demo import load_demo

    load_demo(core)
    return core


def test_a_ud_gets_the_pnd_operation_it_may_run(demo, articles):
    ops = article_operations(demo, "ud75", articles["pnd"])
    assert ops == [("record_pnd", catalogue.by_name("record_pnd").menu)]


def test_a_centre_gets_no_pnd_operation(demo, articles):
    assert article_operations(demo, "centre.formapro", articles["pnd"]) == []


def test_the_afpa_gets_the_pnd_notices_it_handles(demo, articles):
    assert [name for name, _ in article_operations(demo, "afpa", articles["pnd"])] == ["pnd_notices"]


def test_a_centre_gets_the_dte_order(demo, articles):
    assert [n for n, _ in article_operations(demo, "centre.formapro", articles["commander-dte"])] \
        == ["order_dte"]


def test_an_unlinked_user_gets_no_operation(demo, articles):
    assert article_operations(demo, None, articles["pnd"]) == []


def test_every_offered_operation_is_one_the_menu_offers(demo, articles):
    """The same check as the command menu (bot.catalogue.menu_for)."""
    for login in ("ud75", "centre.formapro", "dreets.idf", "afpa", "gev"):
        menu = {text for _, text in catalogue.menu_for(demo, login)}
        for article in articles.values():
            assert {label for _, label in article_operations(demo, login, article)} <= menu
