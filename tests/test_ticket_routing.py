"""Routing of escalations (pure) and the queue definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceres_core.errors import InvalidInput
from tickets.queues import queue_spec, standard_queue_codes
from tickets.routing import TOPIC_CATEGORIES, AdviceFirst, Category, Route, RoutingInput, route

ARTICLES = Path(__file__).resolve().parent.parent / "knowledge" / "articles"


def test_every_knowledge_topic_has_a_category():
    ids = {p.stem for p in ARTICLES.glob("*.md")}
    assert len(TOPIC_CATEGORIES) == 44
    if ids:
        assert set(TOPIC_CATEGORIES) == ids


@pytest.mark.parametrize(
    ("data", "queue"),
    [
        (RoutingInput(topic="livraison-dte-tp", sector="btp", session_kind="TP"), "gev-btp"),
        (RoutingInput(category="dte_contenu", sector="industrie"), "gev-industrie"),
        (RoutingInput(topic="dte-non-recu", sector="tertiaire"), "gev-tertiaire"),
        (RoutingInput(topic="livraison-dte-ccp", sector="btp", session_kind="CCP"), "gev-ccp"),
        (RoutingInput(topic="doublon-candidat", departement="35"), "dreets-53"),
        (RoutingInput(topic="transfert-site", departement="93"), "dreets-11"),
        (RoutingInput(topic="annuler-session", region="84"), "dreets-84"),
        (RoutingInput(topic="habilitation-jury", departement="974"), "dreets-04"),
        (RoutingInput(topic="pnd", departement="29", requester_kind="centre"), "ud-29"),
        (RoutingInput(topic="courrier-perdu", departement="2A"), "ud-2A"),
        (RoutingInput(topic="pnd", departement="29", requester_kind="ud"), "afpa-impression"),
        (RoutingInput(topic="navigateur", browser_advice_shown=True), "assistance"),
        (RoutingInput(topic="convocations"), "assistance"),
        (RoutingInput(), "assistance"),
        (RoutingInput(topic="unknown-topic"), "assistance"),
        # missing data → the assistance triages
        (RoutingInput(topic="livraison-dte-tp"), "assistance"),
        (RoutingInput(topic="doublon-candidat"), "assistance"),
        (RoutingInput(topic="pnd", requester_kind="centre"), "assistance"),
    ],
)
def test_routing_table(data, queue):
    result = route(data)
    assert isinstance(result, Route)
    assert result.queue == queue
    assert result.explanation.startswith("Transmis ")
    assert result.explanation.endswith(".")


def test_explanations_are_readable_french():
    r = route(RoutingInput(topic="livraison-dte-tp", sector="btp"))
    assert r.explanation == (
        "Transmis au GEV BTP : question sur la commande ou la livraison du DTE "
        "d'un titre du secteur BTP."
    )
    r = route(RoutingInput(topic="doublon-candidat", departement="29"))
    assert r.explanation.startswith("Transmis à la DREETS Bretagne : fiches candidat en double")
    r = route(RoutingInput(topic="pnd", requester_kind="ud"))
    assert r.explanation.startswith("Transmis au service impression de l'Afpa")
    r = route(RoutingInput(topic="livraison-dte-tp"))
    assert "secteur du titre est inconnu" in r.explanation


def test_connection_trouble_needs_the_browser_advice_first():
    result = route(RoutingInput(topic="navigateur"))
    assert isinstance(result, AdviceFirst)
    assert result.topic == "navigateur" and result.rule == "R-ASS-1"
    assert "Firefox" in result.message
    assert isinstance(route(RoutingInput(category=Category.CONNEXION)), AdviceFirst)


def test_category_wins_over_topic_and_bad_category_is_refused():
    r = route(RoutingInput(category="habilitation", topic="pnd", region="53"))
    assert r.queue == "dreets-53" and r.category is Category.HABILITATION
    with pytest.raises(InvalidInput):
        route(RoutingInput(category="nimporte"))


def test_queue_specs():
    codes = standard_queue_codes()
    assert {"assistance", "gev-btp", "gev-industrie", "gev-tertiaire", "gev-ccp",
            "afpa-impression", "dreets-53", "dreets-04"} <= set(codes)
    assert len([c for c in codes if c.startswith("dreets-")]) == 18
    assert queue_spec("dreets-53").name == "DREETS Bretagne"
    assert queue_spec("dreets-11").name == "DRIEETS Île-de-France"
    assert queue_spec("ud-974").timezone == "Indian/Reunion"
    assert queue_spec("ud-5").code == "ud-05"
    assert queue_spec("GEV-BTP").contact == "epreuves-btp@afpa.fr"
    with pytest.raises(InvalidInput, match="n'existe pas"):
        queue_spec("ud-99")
    with pytest.raises(InvalidInput):
        queue_spec("gev-agriculture")


def test_tickets_core_imports_no_front_end():
    """Architecture: ``tickets`` (outside ``tickets/web``) imports neither telegram nor aiohttp."""
    import re

    root = Path(__file__).resolve().parent.parent / "tickets"
    pattern = re.compile(r"^\s*(from|import)\s+(telegram|aiohttp|bot)\b", re.MULTILINE)
    offenders = [
        str(p.relative_to(root)) for p in root.rglob("*.py")
        if "web" not in p.relative_to(root).parts and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []
