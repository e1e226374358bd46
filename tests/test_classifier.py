"""The topic classifier and its training data (knowledge.classifier, data/paraphrases.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.articles import Article, expected_topic_ids, load_articles
from knowledge.classifier import NONE, OOV, TopicClassifier, load_paraphrases
from knowledge.matcher import Matcher, MatcherConfig
from knowledge.text import normalise

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher.from_articles(load_articles())


def test_the_bank_covers_every_topic_and_names_no_unknown_one() -> None:
    bank = load_paraphrases()
    assert set(bank) == set(expected_topic_ids()) | {NONE}
    for topic, questions in bank.items():
        assert len(questions) >= 8, topic
    assert len(bank[NONE]) >= 50


def test_no_evaluation_question_is_a_training_question() -> None:
    """A question of a measured set that is also in the bank would measure nothing."""
    trained = {normalise(q) for qs in load_paraphrases().values() for q in qs}
    for path in sorted(DATA.glob("questions-*.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines()[1:]:
            if line.strip():
                question = line.split("\t", 1)[1]
                assert normalise(question) not in trained, (path.name, question)


def test_bad_bank_is_refused() -> None:
    with pytest.raises(ValueError, match="list of quoted questions"):
        load_paraphrases("topics:\n  duplicata:\n    - a: b\n")
    with pytest.raises(ValueError, match="'topics' must map"):
        load_paraphrases("topics: [a, b]\n")


def test_probabilities_sum_to_one(matcher: Matcher) -> None:
    assert matcher.classifier is not None
    probs = matcher.classifier.probabilities("le candidat a perdu son diplome")
    assert abs(sum(probs.values()) - 1.0) < 1e-9
    assert max(probs, key=probs.get) == "duplicata"
    assert NONE in probs


def test_words_no_article_uses_become_one_token(matcher: Matcher) -> None:
    clf = matcher.classifier
    assert clf is not None
    assert OOV in clf._word_text("attestation de domicile")  # noqa: SLF001
    assert OOV not in clf._word_text("attestation de réussite")  # noqa: SLF001


def test_field_words_in_daily_life_are_declined(matcher: Matcher) -> None:
    for question in (
        "duplicata de mon permis de conduire",
        "imprimer une photo sur mon imprimante",
        "le jury du club de football",
        "firefox plante sur youtube",
    ):
        assert matcher.match(question).topic is None, question


def test_situations_far_from_the_articles_words(matcher: Matcher) -> None:
    for question, topic in (
        ("la poste a renvoyé le diplome, le candidat a déménagé", "pnd"),
        ("mot de passe oublié ceres", "contacter-assistance"),
        ("le candidat était malade le jour de l'examen", "saisie-resultats"),
    ):
        assert matcher.match(question).topic == topic, question


def test_baseline_without_classifier() -> None:
    articles = load_articles()
    baseline = Matcher.from_articles(articles, config=MatcherConfig(use_classifier=False))
    assert baseline.classifier is None
    assert baseline.match("Comment demander un duplicata de diplôme ?").topic == "duplicata"


def test_a_bank_for_other_articles_trains_nothing() -> None:
    articles = [
        Article("a", "Duplicata", ("duplicata",), (), (), "Demander un duplicata."),
        Article("b", "PND", ("PND",), (), (), "Le courrier est revenu."),
    ]
    assert Matcher.from_articles(articles).classifier is None
    bank = {"a": ["refaire le diplome"], "b": ["la poste a renvoyé le pli"]}
    trained = Matcher.from_articles(articles, paraphrases=bank)
    assert isinstance(trained.classifier, TopicClassifier)
