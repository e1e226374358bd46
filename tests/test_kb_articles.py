"""Loading and validating the knowledge articles."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.articles import (
    Article,
    ArticleError,
    expected_topic_ids,
    load_articles,
    parse_article,
    validate,
)

ARTICLE = """---
id: {id}
title: {title}
keywords: [mot clé, autre mot]
related: {related}
rules: [R-PRT-6]
---
La réponse courte,
sur deux lignes.

Un second paragraphe.

## Étapes
1. Faire ceci.
2. Puis cela.

## Si cela ne fonctionne pas
Contactez l'assistance.

Règles : R-PRT-6
"""


def write(
    folder: Path, name: str, *, id: str | None = None, related: str = "[]", title: str = "Titre"
) -> Path:
    path = folder / f"{name}.md"
    path.write_text(ARTICLE.format(id=id or name, related=related, title=title), encoding="utf-8")
    return path


def test_packaged_articles_cover_every_topic() -> None:
    articles = load_articles()
    ids = [a.id for a in articles]
    assert len(expected_topic_ids()) == 44
    assert sorted(ids) == sorted(expected_topic_ids())
    for article in articles:
        assert article.title and article.keywords and article.answer
        assert article.steps, article.id
        assert article.help, article.id
        assert article.rules, article.id


def test_article_helpers(tmp_path: Path) -> None:
    write(tmp_path, "alpha")
    (article,) = load_articles(tmp_path, expected_ids=["alpha"])
    assert article.answer == "La réponse courte, sur deux lignes."
    assert list(article.sections) == ["Étapes", "Si cela ne fonctionne pas"]
    assert article.steps == "1. Faire ceci.\n2. Puis cela."
    assert article.help == "Contactez l'assistance."  # the "Règles" line is left out
    assert article.keywords == ("mot clé", "autre mot")
    assert article.rules == ("R-PRT-6",)


def test_missing_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "alpha.md"
    path.write_text(ARTICLE.format(id="alpha", related="[]", title="T").replace("id: alpha\n", ""))
    with pytest.raises(ArticleError, match="alpha.md.*'id'"):
        load_articles(tmp_path, check_topics=False)


def test_id_must_match_file_name(tmp_path: Path) -> None:
    write(tmp_path, "alpha", id="beta")
    with pytest.raises(ArticleError, match="nom du fichier"):
        load_articles(tmp_path, check_topics=False)


def test_missing_title_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "alpha", title="''")
    with pytest.raises(ArticleError, match="'title'"):
        load_articles(tmp_path, check_topics=False)


def test_duplicate_id_is_refused() -> None:
    text = ARTICLE.format(id="alpha", related="[]", title="T")
    one = parse_article(text, Path("a/alpha.md"))
    two = parse_article(text, Path("b/alpha.md"))
    with pytest.raises(ArticleError, match="double.*alpha"):
        validate([one, two])


def test_unknown_related_id_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "alpha", related="[beta, gamma]")
    write(tmp_path, "beta")
    with pytest.raises(ArticleError, match="alpha.*inconnu 'gamma'"):
        load_articles(tmp_path, check_topics=False)


def test_missing_topic_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "alpha")
    with pytest.raises(ArticleError, match="manquants : beta"):
        load_articles(tmp_path, expected_ids=["alpha", "beta"])


def test_front_matter_is_required(tmp_path: Path) -> None:
    (tmp_path / "alpha.md").write_text("Pas d'en-tête.\n", encoding="utf-8")
    with pytest.raises(ArticleError, match="front matter"):
        load_articles(tmp_path, check_topics=False)


def test_keywords_must_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "alpha")
    path.write_text(path.read_text().replace("[mot clé, autre mot]", "mot clé"), encoding="utf-8")
    with pytest.raises(ArticleError, match="'keywords' doit être une liste"):
        load_articles(tmp_path, check_topics=False)


def test_invalid_yaml_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "alpha")
    path.write_text(
        path.read_text().replace("rules: [R-PRT-6]", "rules: [R-PRT-6"), encoding="utf-8"
    )
    with pytest.raises(ArticleError, match="YAML invalide"):
        load_articles(tmp_path, check_topics=False)


def test_article_is_a_value() -> None:
    article = Article("a", "T", ("k",), (), (), "Réponse.")
    assert article.answer == "Réponse."
    assert article.sections == {}
    assert article.steps == ""


# -- role variants ----------------------------------------------------------------

VARIANTS = """---
id: pv
title: PV
keywords: [PV]
rules: [R-RES-2]
---
Le centre envoie les PV.

## Étapes
1. Imprimer les PV.

## En bref (UD, DREETS)
Le service reçoit les PV et valide la session.

## Étapes (UD, DREETS)
1. Contrôler les PV reçus.

## Étapes (inconnu)
Une section dont le rôle n'existe pas reste générique.

## Si cela ne fonctionne pas
Contactez l'assistance.

Règles : R-RES-2
"""


def test_role_heading_parsing() -> None:
    from knowledge.articles import role_heading

    assert role_heading("Étapes (UD, DREETS)") == ("Étapes", frozenset({"ud", "dreets"}))
    assert role_heading("Étapes (DDETS)") == ("Étapes", frozenset({"ud"}))
    assert role_heading("Étapes (centre)") == ("Étapes", frozenset({"centre"}))
    assert role_heading("Étapes") is None
    assert role_heading("Étapes (inconnu)") is None


def test_an_article_reads_as_the_askers_role(tmp_path: Path) -> None:
    (tmp_path / "pv.md").write_text(VARIANTS, encoding="utf-8")
    (article,) = load_articles(tmp_path, check_topics=False)
    assert article.roles == {"ud", "dreets"}
    for role in ("ud", "dreets", "UD"):
        mine = article.for_role(role)
        assert mine.answer == "Le service reçoit les PV et valide la session."
        assert mine.steps == "1. Contrôler les PV reçus."
        assert mine.help == "Contactez l'assistance."
        assert "Imprimer les PV" not in mine.body
        assert mine.id == article.id and mine.rules == article.rules
    for role in (None, "centre", "afpa"):
        generic = article.for_role(role)
        assert generic.answer == "Le centre envoie les PV."
        assert generic.steps == "1. Imprimer les PV."
        assert "Contrôler" not in generic.body
        assert "Étapes (inconnu)" in generic.sections


def test_packaged_role_variants() -> None:
    articles = {a.id: a for a in load_articles()}
    assert {"ud", "dreets"} <= articles["transmission-pv"].roles
    assert "centre" in articles["print-request"].roles
    assert "centre" in articles["duplicata"].roles
    assert {"centre", "ud"} <= articles["transfert-site"].roles
    # A UD validating a PV is not told what a centre does, and the reverse.
    ud = articles["transmission-pv"].for_role("ud")
    assert "recto verso" not in ud.steps
    centre = articles["print-request"].for_role("centre")
    assert "Données vérifiées et conformes" not in centre.steps
    for article in articles.values():
        for role in article.roles:
            variant = article.for_role(role)
            assert variant.answer and variant.steps, (article.id, role)
