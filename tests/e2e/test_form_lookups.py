"""The form's lookups end to end (demo data, clock 22/11/2026): a candidate to register
is searched in the actor's whole scope (name, CERES ID, birth date), leaving out those
already registered; one to unregister among the registered ones."""

from __future__ import annotations

import pytest

from bot import operation_texts
from tests.e2e.harness import BotHarness, plain
from tests.e2e.test_catalogue_operations import demo, linked  # noqa: F401

pytestmark = pytest.mark.e2e

FUTURE = "TITRE_B_2027_470401"  # en préparation, one candidate: M. Lucas Garcia


async def test_centre_registers_a_second_candidate_found_by_name_id_or_birth_date(
        harness: BotHarness, demo):  # noqa: F811
    chat = await linked(harness, demo, "centre.formapro")
    asked = await chat.ask(f"/inscrire {FUTURE}")
    assert asked.text == operation_texts.ASK["register_candidate.candidate"]
    assert "Lucas Garcia" not in " ".join(asked.labels())
    # Already registered: said so, not offered.
    again = await chat.ask("garcia")
    assert "est déjà inscrit à la session" in plain(again.text)
    recap = await chat.ask("moreau")
    assert "Inès Moreau" in plain(recap.text) and "Confirmer" in " ".join(recap.labels())
    await chat.click(recap, "Annuler")
    await chat.ask(f"/inscrire {FUTURE}")
    recap = await chat.ask("C260000009")
    assert "Inès Moreau" in plain(recap.text)
    await chat.click(recap, "Annuler")
    await chat.ask(f"/inscrire {FUTURE}")
    recap = await chat.ask("17/02/1998")  # Inès Moreau's birth date
    assert "Inès Moreau" in plain(recap.text)
    done = await chat.click(recap, "Confirmer")
    assert done.text.startswith("✅"), done.text


async def test_centre_unregisters_a_candidate_found_by_birth_date(harness: BotHarness, demo):  # noqa: F811
    chat = await linked(harness, demo, "centre.formapro")
    asked = await chat.ask(f"/desinscrire {FUTURE}")
    assert "Lucas Garcia" in " ".join(asked.labels())
    refused = await chat.ask("moreau")
    assert "Aucun candidat inscrit à la session" in plain(refused.text)
    born = demo_birth(demo, "C260000008")
    recap = await chat.ask(born)
    assert "Lucas Garcia" in plain(recap.text), recap.text


def demo_birth(core, ceres_id: str) -> str:
    from ceres_core.services.candidates import get_candidate

    return f"{get_candidate(core, 'centre.formapro', ceres_id).birth_date:%d/%m/%Y}"
