"""What a question says about the user's own objects (bot.live_entities): pure, no database."""

from __future__ import annotations

from datetime import date

import pytest

from bot.live_entities import (
    DayMonth,
    find_ceres_ids,
    find_dates,
    find_kind,
    find_session_refs,
    mentions,
    person_name,
    session_phrase,
    without_entities,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quand dois-je commander le DTE de ma session du 15 mars ?", [DayMonth(15, 3)]),
        ("session du 1er avril 2027", [DayMonth(1, 4, 2027)]),
        ("ma session TP du 15/03", [DayMonth(15, 3)]),
        ("la session du 15/03/2027", [DayMonth(15, 3, 2027)]),
        ("le 15-03-27", [DayMonth(15, 3, 2027)]),
        ("sessions du 3 fév et du 12 decembre", [DayMonth(3, 2), DayMonth(12, 12)]),
        ("le 31/02 n'existe pas, ni le 32 mars", []),
        ("le 29 février", [DayMonth(29, 2)]),
        ("impressions à faire dans mon département", []),
        ("session TITRE_B_2026_470405", []),  # a reference is not a date
    ],
)
def test_dates(text: str, expected: list[DayMonth]) -> None:
    assert find_dates(text) == expected


def test_a_partial_date_matches_any_year_a_full_one_its_year() -> None:
    assert DayMonth(15, 3).matches(date(2027, 3, 15))
    assert DayMonth(15, 3, 2027).matches(date(2027, 3, 15))
    assert not DayMonth(15, 3, 2028).matches(date(2027, 3, 15))
    assert not DayMonth(16, 3).matches(date(2027, 3, 15))
    assert DayMonth(1, 4).label() == "1er avril"


def test_references_ids_and_kind() -> None:
    assert find_session_refs("et la titre_b_2026_470405 ?") == ["TITRE_B_2026_470405"]
    assert find_ceres_ids("pli revenu pour c260000006 et 11260000012K") == [
        "C260000006", "11260000012K"]
    assert find_ceres_ids("la session du 15/03/2027") == []
    assert find_kind("ma session TP du 15 mars") == "TP"
    assert find_kind("les liens du ccp") == "CCP"
    assert find_kind("un TP et un CCP") is None  # two kinds: no filter
    assert find_kind("la session TITRE_B_2026_470405") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quand envoyer les convocations de la session de Lyon ?", "Lyon"),
        ("quand arrive le DTE de ma session à Saint-Denis", "Saint-Denis"),
        ("la session de secrétaire comptable du 1er avril", "secrétaire comptable"),
        ("ma session du 15 mars", None),
        ("ma session de TP", None),
        ("la session", None),
    ],
)
def test_session_phrase(text: str, expected: str | None) -> None:
    assert session_phrase(text) == expected


def test_mentions_matches_every_word_without_accents() -> None:
    names = ["Formapro Paris 11e", "Bretagne Compétences Rennes", "TP-01303 Secrétaire comptable"]
    assert mentions("rennes", names) == ["Bretagne Compétences Rennes"]
    assert mentions("secretaire comptable", names) == ["TP-01303 Secrétaire comptable"]
    assert mentions("Lyon", names) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("où en est le duplicata de Julie Martin ?", "Julie Martin"),
        ("Julie Martin n'a jamais reçu son diplôme", "Julie Martin"),
        ("duplicata de julie martin", "julie martin"),
        ("attestation pour mme MARTIN", "MARTIN"),
        ("le pli d'Émilie Hoarau est revenu", "Émilie Hoarau"),
        ("quand dois-je commander le DTE de ma session du 15 mars ?", None),
        ("impressions à faire dans mon département", None),
        ("où en est le duplicata de la candidate ?", None),
        ("pli revenu pour la candidate C260000006", None),
    ],
)
def test_person_name(text: str, expected: str | None) -> None:
    assert person_name(text) == expected


def test_without_entities_leaves_the_situation() -> None:
    assert without_entities("où en est le duplicata de Julie Martin ?", "Julie Martin", ()) == (
        "où en est le duplicata de le candidat ?")
    assert without_entities("pli revenu C260000006", None, ["C260000006"]) == (
        "pli revenu le candidat")
