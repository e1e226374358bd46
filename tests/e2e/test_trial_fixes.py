"""Dialogues from the new-user trial (/tmp/trial_report.md), on the demo data, end to end:
typed sessions, candidates and sites checked in CERES at the step, pickers, unknown
commands, link codes kept out of the transcript."""

from __future__ import annotations

import pytest

from bot import accounts
from tests.e2e.harness import Chat, linked, plain

pytestmark = pytest.mark.e2e

TP = "TITRE_B_2026_470405"  # validated, UD de Paris, Julie Martin C260000001 among its candidates
TP_FUTURE = "TITRE_B_2027_470401"  # in preparation
MONTREUIL = "Institut des métiers du paysage – Montreuil"  # S-930002, on the centre de reprise


# -- 1. finding a site in /transfert -------------------------------------------------------


@pytest.mark.parametrize("typed", ["s-930002", MONTREUIL, "institut des metiers du paysage montreuil"])
async def test_transfert_finds_the_site_by_code_any_case_or_by_name(harness, demo, typed):
    chat = await linked(harness, demo, "dreets.idf")
    reply = await chat.ask("/transfert")
    reply = await chat.click(reply, "centre de reprise")
    reply = await chat.ask(typed)
    text = plain(reply.text)
    assert "introuvable" not in text and "Êtes-vous la DREETS" not in text
    assert "SIRET du centre cible" in text  # the core answered the competence check


async def test_transfert_unknown_site_is_asked_again_with_the_sites_of_the_zone(harness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    reply = await chat.ask("/transfert")
    reply = await chat.click(reply, "centre de reprise")
    reply = await chat.ask("Lyon Part-Dieu")
    text = plain(reply.text)
    assert "Aucun site de votre périmètre ne correspond à « Lyon Part-Dieu »" in text
    assert "Êtes-vous la DREETS" not in text
    assert any("S-930002" in label for label in reply.labels())  # the picker, again
    reply = await chat.click(reply, "S-930002")
    assert "SIRET du centre cible" in reply.text


async def test_transfert_by_a_ud_ends_on_not_competent_without_asking(harness, demo):
    chat = await linked(harness, demo, "ud93")
    reply = await chat.ask("/transfert")
    reply = await chat.click(reply, "centre de reprise")
    reply = await chat.ask("S-930002")
    text = plain(reply.text)
    assert "Êtes-vous la DREETS" not in text
    # the UD's own text (issue 8): who transfers, not « you are not the DREETS »
    assert "ne se fait pas depuis un compte d'UD" in text
    assert "DREETS de la région où se trouve le site" in text
    assert "Vous n'êtes pas la DREETS" not in text


# -- 3 and 8. /documents: validated sessions, typed refs and candidates checked ---------------


async def test_documents_picker_lists_validated_sessions(harness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask("/documents")
    labels = " ".join(reply.labels())
    assert TP in labels
    assert TP_FUTURE not in labels  # in preparation: no documents yet


async def test_documents_loose_session_ref_and_candidate_name_are_resolved(harness, demo):
    chat = await linked(harness, demo, "ud75")
    await chat.ask("/documents")
    reply = await chat.ask("titre b 2026 470405")
    assert "Quel est le candidat" in reply.text
    assert any("Julie Martin" in label for label in reply.labels())  # the session's candidates
    reply = await chat.ask("zorro")
    assert f"Aucun candidat inscrit à la session {TP} ne correspond à « zorro »" in reply.text
    assert any("Julie Martin" in label for label in reply.labels())
    await chat.send("martin julie")
    replies = await chat.replies(2)
    assert any("Julie Martin (C260000001)" in r.text for r in replies)
    assert "C260000001" in replies[-1].text and "martin julie" not in replies[-1].text


async def test_documents_unknown_session_is_asked_again(harness, demo):
    chat = await linked(harness, demo, "ud75")
    await chat.ask("/documents")
    reply = await chat.ask("TITRE_B_1999_000000")
    assert "La session « TITRE_B_1999_000000 » est introuvable" in reply.text
    assert any(TP in label for label in reply.labels())
    reply = await chat.ask(TP.lower())
    assert "Quel est le candidat" in reply.text


# -- 6. a check asked to the user: its question once ----------------------------------------


async def test_check_question_is_asked_once(harness, demo):
    chat = harness.chat()  # not linked: the checks are asked
    await chat.ask("/documents")
    await chat.ask(TP)
    reply = await chat.ask("C260000001")
    reply = await chat.click(reply, "courrier perdu")
    assert reply.text.count("La session a-t-elle eu lieu dans un DROM-COM") == 1


# -- 4. a centre is told who requests the duplicate, and offered a ticket to the UD --------


async def _answer(chat: Chat, reply, *labels: str):
    """Click the first of ``labels`` the reply offers (checks the core may or may not answer)."""
    for label in labels:
        if any(label in b for b in reply.labels()):
            return await chat.click(reply, label)
    return reply


async def test_centre_reaches_the_duplicate_leaf_with_a_ticket_to_the_ud(harness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    await chat.ask("/documents")
    await chat.ask(TP)
    reply = await chat.ask("C260000001")
    reply = await chat.click(reply, "courrier perdu")
    reply = await _answer(chat, reply, "Non")  # DROM-COM? (answered by the core when it can)
    reply = await chat.click(reply, "Pas de PND")
    reply = await chat.click(reply, "Oui, l'adresse est correcte")
    for _ in range(6):  # the delay and the result: asked if the core cannot answer them here
        if "Recommencer" in " ".join(reply.labels()):
            break  # the leaf
        answered = await _answer(chat, reply, "7 jours ou plus", "Au moins 7 jours", "Oui")
        reply = answered if answered is not reply else await chat.reply()
    text = plain(reply.text)
    # The core says why and who does it (ceres_core.services.checks.check_may_run).
    assert ("Votre profil ne permet pas de demander un duplicata : l'UD/DDETS du département "
            "de la session s'en charge") in text
    assert "Demander le duplicata" not in " ".join(reply.labels())
    assert any("Ouvrir un ticket" in b for b in reply.labels())


# -- 5. unknown commands; 11. link codes out of the transcript -----------------------------


async def test_unknown_command_gets_a_french_answer_with_the_commands(harness):
    chat = harness.chat()
    reply = await chat.ask("/nimportequoi")
    assert reply.text.startswith("Commande inconnue : /nimportequoi.")
    assert "/aide" in reply.text and "/documents" in reply.text
    reply = await chat.ask("/aide")  # known commands are not caught
    assert "Commande inconnue" not in reply.text


async def test_link_code_is_never_kept_in_the_transcript(harness, demo):
    from sqlalchemy import select

    from bot.models import TranscriptEntry

    code = accounts.issue_link_code(demo, "ud75", 30).code
    chat = harness.chat()
    reply = await chat.ask(f"/start {code}")
    assert "C'est fait" in reply.text
    with demo.transaction() as db:
        lines = list(db.scalars(
            select(TranscriptEntry.text).where(TranscriptEntry.chat_id == chat.chat_id)
        ))
    assert lines and not any(code in line for line in lines)
    assert "/start (code de liaison masqué)" in lines


async def test_after_linking_the_user_sees_what_to_do(harness, demo):
    code = accounts.issue_link_code(demo, "ud75", 30).code
    reply = await harness.chat().ask(f"/start {code}")
    assert "C'est fait" in reply.text
    assert "/sessions" in reply.text and "/duplicata" in reply.text and "/aide" in reply.text
