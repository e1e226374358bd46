"""The form's lookups end to end (demo data, clock 22/11/2026): a candidate to register
is searched in the actor's whole scope (name, CERES ID, birth date), leaving out those
already registered; one to unregister among the registered ones."""

from __future__ import annotations

import pytest

from bot import operation_texts
from tests.e2e.harness import BotHarness, linked, plain

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


async def test_gev_acknowledges_receipt_then_preparation_with_the_cores_kinds(
        harness: BotHarness, demo):  # noqa: F811
    from ceres_core.services.dte import ack_kinds, dte_status, order_dte

    order_dte(demo, "centre.formapro", FUTURE, candidates_count=1, rs_kind="titulaire",
              rs_name=None, contact_name="Paul Durand", contact_phone="01 23 45 67 89",
              contact_email="examen@formapro.fr", delivery_address="1 rue de la Paix, 75002 Paris")
    gev = await linked(harness, demo, "gev")
    asked = await gev.ask(f"/accuse_dte {FUTURE}")
    # Exactly the kinds the core accepts now (R-DTE-3: receipt first), with its labels.
    kinds = dict(ack_kinds())
    assert [label.lower() for label in asked.labels()[:-2]] == [kinds["reception"].lower()]
    recap = await gev.click(asked, "réception")
    done = await gev.click(recap, "Confirmer")
    assert done.text.startswith("✅ Accusé enregistré"), done.text
    asked = await gev.ask(f"/accuse_dte {FUTURE}")
    assert [label.lower() for label in asked.labels()[:-2]] == [kinds["preparation"].lower()]
    links = await gev.click(asked, "préparation")
    assert links.text == operation_texts.ASK["links"]
    refused = await gev.ask("pas un lien")
    assert "n'est pas une adresse web valable" in refused.text
    recap = await gev.ask("https://dte.example.fr/470401")
    assert "https://dte.example.fr/470401" in plain(recap.text)
    done = await gev.click(recap, "Confirmer")
    assert done.text.startswith("✅ Accusé enregistré"), done.text
    assert dte_status(demo, "gev", FUTURE).prepared


async def test_dreets_finds_the_juror_by_name_in_a_picker(harness: BotHarness, demo):  # noqa: F811
    from ceres_core.services.juries import list_habilitations
    from ceres_core.services.juror_lookup import jurors_matching

    chat = await linked(harness, demo, "dreets.idf")
    asked = await chat.ask("/habilitation")
    assert asked.text == operation_texts.ASK["juror"]
    # The jurors with an habilitation the DREETS may act on, and only them.
    names = [j.full_name for j in jurors_matching(demo, "dreets.idf")
             if any(h.allowed_actions for h in list_habilitations(demo, "dreets.idf", j.id))]
    assert "M. Olivier Lambert" in names
    assert set(names) == {label for label in asked.labels() if label in names}
    assert len(asked.labels()) == len(names) + 1  # and ✖️ Annuler
    unknown = await chat.ask("Zyxwv")
    assert "Aucun juré de votre périmètre ne correspond à « Zyxwv »" in unknown.text
    assert "nombre de candidats" not in unknown.text
    habs = await chat.ask("lambert")
    assert habs.text == operation_texts.ASK["habilitation"]
    wrong = await chat.ask("la première")
    assert "le numéro de l'habilitation" in wrong.text and "candidats" not in wrong.text


async def test_retour_is_promised_only_where_it_is_and_choices_come_back(
        harness: BotHarness, demo):  # noqa: F811
    chat = await linked(harness, demo, "centre.formapro")
    # First step refused (R-DTE-2: already ordered): no « Retour » promised, none shown.
    await chat.send("/commande_dte TITRE_B_2026_470405")
    refused, asked = await chat.replies(2)
    assert refused.text.startswith("⛔") and "Retour" not in refused.text
    assert not any("Retour" in label for label in asked.labels())
    await chat.ask("/annuler")
    # A choice typed wrong: the buttons again, with the way back promised and shown.
    ud = await linked(harness, demo, "ud75")
    asked = await ud.ask("/corriger_fiche C260000001")
    fields = asked.labels()
    wrong = await ud.ask("la couleur des yeux")
    assert operation_texts.CHOICE_USE_BUTTONS in wrong.text and "Retour" in wrong.text
    labels = wrong.labels()
    assert [x for x in fields if "Retour" not in x and "Annuler" not in x] == [
        x for x in labels if "Retour" not in x and "Annuler" not in x]
    assert any("Retour" in label for label in labels)


async def test_a_picker_with_no_session_that_can_pass_says_why(harness: BotHarness, demo):  # noqa: F811
    gev = await linked(harness, demo, "gev")
    reply = await gev.ask("/accuse_dte")  # every order of the demo is acknowledged
    text = plain(reply.text)
    assert text.startswith("Aucune de vos sessions ne s'y prête en ce moment.")
    assert "(R-DTE-3)" in text or "accusé" in text
