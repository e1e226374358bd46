"""Dialogues for the small defects left by the new-user trial of issue 8, on the demo data,
end to end: pickers in date order, words agreeing with the civility, the centre de reprise
named, what a validated session is waiting for, and the way back to printing."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.e2e.harness import BotHarness, linked, plain

pytestmark = pytest.mark.e2e


def _start_dates(labels: list[str]) -> list[datetime]:
    return [datetime.strptime(label.rsplit("– ", 1)[1].strip(), "%d/%m/%Y")
            for label in labels if label.count("–") >= 2]


async def test_dates_session_picker_lists_sessions_by_start_date_newest_first(
        harness: BotHarness, demo):
    # the UD's picker mixes validated sessions (tried first) and others in preparation
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask("/dates_session")
    dates = _start_dates(reply.labels())
    assert len(dates) >= 2
    assert dates == sorted(dates, reverse=True)


def _woman_to_enter(core) -> tuple[str, str]:
    """A session of Formapro whose results may be entered now, and a candidate « Mme » of it."""
    from ceres_core.errors import CeresError
    from ceres_core.services.candidates import get_candidate
    from ceres_core.services.results import results_entry
    from ceres_core.services.sessions import get_session, list_sessions

    for s in list_sessions(core, "centre.formapro", limit=200):
        try:
            results_entry(core, "centre.formapro", s.ref)
        except CeresError:
            continue
        for r in get_session(core, "centre.formapro", s.ref).registrations:
            if get_candidate(core, "centre.formapro", r.ceres_id).civility == "Mme":
                return s.ref, r.ceres_id
    raise AssertionError("no woman candidate of the demo is open for results")


async def test_result_recap_says_presente_for_a_woman_candidate(harness: BotHarness, demo):
    ref, ceres_id = _woman_to_enter(demo)
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/resultats {ref} {ceres_id}")
    assert "Présente" in reply.labels()
    reply = await chat.click(reply, "Présente")
    reply = await chat.click(reply, "Admis")
    recap = await chat.click(reply, "Aucun commentaire")
    assert "• Présence : présente" in plain(recap.text)
    done = await chat.click(recap, "Confirmer")
    assert "présente, admis" in plain(done.text)


async def test_transfer_recap_names_the_centre_de_reprise_instead_of_its_pseudo_siret(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    await chat.ask("/centre S-930002")
    recap = await chat.ask("553 015 348 00012")
    await chat.click(recap, "Confirmer")
    await chat.ask("/transfert_site S-930002")
    recap = await chat.ask("553 015 348 00012")
    text = plain(recap.text)
    assert "Centre actuel : Centre de reprise" in text  # R-SITE-2
    assert "0000000000000" not in text


async def test_validated_session_card_names_the_prints_still_to_send(harness: BotHarness, demo):
    from ceres_core.services.printing import documents_preview

    ref = "TITRE_B_2026_470405"  # validated, UD de Paris, prints pending
    pending = documents_preview(demo, "ud75", ref).to_send_count
    assert pending
    chat = await linked(harness, demo, "ud75")
    listing = await chat.ask("/sessions")
    card = await chat.click(listing, ref)
    text = plain(card.text)
    assert "Prochaine échéance : aucune" not in text
    assert "⏰ Prochaine échéance : Envoyer pour impression les documents de" in text
    assert "(R-PRT-2)" in text


async def test_corrected_record_offers_the_print_it_had_blocked(harness: BotHarness, demo):
    ref = "TITRE_B_2026_470405"  # validated; Youssef MARIACH1 has a digit in his name
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression_candidat {ref}")
    refused = await chat.click(reply, "MARIACH1")
    assert "(R-PRT-3)" in refused.text
    asked = await chat.click(refused, "Corriger la fiche du candidat")
    asked = await chat.click(asked, "Nom de naissance")
    recap = await chat.ask("MARIACH")
    done = await chat.click(recap, "Confirmer")
    assert "corrigée" in plain(done.text)
    label = f"🖨️ Envoyer pour impression : {ref}"
    assert label in done.labels()  # R-CAN-2 done: the core now accepts the request
    recap = await chat.click(done, label)
    assert "Envoyer pour impression les documents de Youssef MARIACH" in plain(recap.text)
    sent = await chat.click(recap, "Confirmer")
    assert "⛔" not in sent.text


async def test_dte_order_offers_the_account_own_contact_values_still_editable(
        harness: BotHarness, demo):
    from bot import operation_texts
    from ceres_core.models import User
    from ceres_core.services.dte import dte_status

    future = "TITRE_B_2027_470401"  # Formapro Paris, DTE not ordered
    with demo.transaction() as db:  # R-DTE-2: the account holds an e-mail, no phone
        db.query(User).filter_by(login="centre.formapro").one().email = "s.bernard@formapro.fr"
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/commande_dte {future}")
    reply = await chat.ask("1")
    reply = await chat.click(reply, "Une autre personne")
    reply = await chat.ask("Jeanne Martin")
    assert reply.text == operation_texts.ASK["contact_name"]
    assert "👤 Sophie Bernard" in reply.labels()  # the name, without « (Formapro Paris) »
    reply = await chat.click(reply, "👤 Sophie Bernard")
    assert reply.text == operation_texts.ASK["contact_phone"]
    assert not any(label.startswith("👤") for label in reply.labels())  # no phone held
    reply = await chat.ask("01 23 45 67 89")
    assert "👤 s.bernard@formapro.fr" in reply.labels()
    reply = await chat.ask("examens@formapro.fr")  # typing another value stays possible
    reply = await chat.ask("12 rue de la Roquette, 75011 Paris")
    recap = await chat.click(reply, operation_texts.NO_COMMENT)
    text = plain(recap.text)
    assert "Sophie Bernard" in text and "examens@formapro.fr" in text
    done = await chat.click(recap, "Confirmer")
    assert "Commande du DTE enregistrée" in done.text
    assert dte_status(demo, "centre.formapro", future).order.contact_name == "Sophie Bernard"
