"""Dialogues read as tables: [(the user says, the bot answers), ...] (demo data, clock
22/11/2026). ``"[label]"`` presses a button of the previous answer. No HTML entity may
reach the user, in a message or an edit (tests.e2e.harness.verify_dialog)."""

from __future__ import annotations

import pytest

from bot import accounts, operation_texts, texts
from tests.e2e.harness import BotHarness, Chat, verify_dialog

pytestmark = pytest.mark.e2e

TP = "TITRE_B_2026_470405"
IMP_SIRET = "55301534800012"  # in the company directory, not in CERES
FORMAPRO_SIRET = "44201816400016"  # registered in CERES


async def linked(harness: BotHarness, core, login: str) -> Chat:
    chat = harness.chat()
    code = accounts.issue_link_code(core, login, 30).code
    await verify_dialog(chat, [(f"/start {code}", "C'est fait")])
    return chat


async def test_a_question_a_guided_procedure_and_cancel(harness: BotHarness):
    await verify_dialog(harness.chat(), [
        ("/annuler", texts.NOTHING_TO_CANCEL),
        ("/dte", "Quelle est votre question sur le DTE (dossier technique d'évaluation) ?"),
        # The question edited with the choice: never « d&#x27;évaluation ».
        ("[Quand le commander]", "titre professionnel complet ou sur un CCP"),
        ("/annuler", texts.PROCEDURE_CANCELLED),
        ("Comment demander un duplicata ?", "Demander un duplicata"),
    ])


async def test_ud_duplicate_found_by_ceres_id(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    await verify_dialog(chat, [
        ("/duplicata", operation_texts.ASK["candidate"]),
        ("C260000001", operation_texts.ASK["session_of_candidate"]),
        (f"[{TP}]", "Demander un duplicata de l'ensemble des documents de Julie Martin "
                    "(n° C260000001)"),
        ("[Confirmer]", "✅ Duplicata (l'ensemble des documents) demandé le 22/11/2026"),
    ])


async def test_a_centre_learns_at_once_who_prints(harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    await verify_dialog(chat, [
        ("/impression", "⛔ Votre profil ne permet pas de demander l'impression des documents : "
                        "l'UD/DDETS du département de la session s'en charge (R-ACT-2)."),
        ("/duplicata C260000001", "⛔ Votre profil ne permet pas de demander un duplicata"),
    ])


async def test_dreets_registers_a_centre_seeing_it_before_confirming(harness: BotHarness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    await verify_dialog(chat, [
        ("/centre", operation_texts.ASK["register_centre.site"]),  # R-SITE-6: its site first
        ("S-930002", operation_texts.ASK["siret"]),
        ("553 015 348 00013", "clé de contrôle"),  # a bad check digit: said at once
        (FORMAPRO_SIRET, "déjà enregistré"),  # already in CERES: refused at this step
        (IMP_SIRET, "Raison sociale : INSTITUT DES METIERS DU PAYSAGE"),  # shown first
        ("[Site]", operation_texts.ASK["register_centre.site"]),  # ✏️ Site: changed…
        ("S-930002", "Site à lui transférer : S-930002"),  # …back on the recap
        ("[Confirmer]", "✅ Centre enregistré dans CERES : INSTITUT DES METIERS DU PAYSAGE"),
    ])


async def test_a_recap_value_changed_then_annuler_cancels_the_confirmation(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    await verify_dialog(chat, [
        ("/annuler_session TITRE_B_2027_470401", operation_texts.ASK["reason"]),
        ("Formateur indisponible", "Annuler la session TITRE_B_2027_470401"),
        ("[Motif]", operation_texts.ASK["reason"]),
        ("Jury incomplet", "Motif : « Jury incomplet »"),
        ("/annuler", texts.CANCELLED_ALL),
        ("Comment annuler une session ?", "nnul"),  # a question again
    ])


async def test_ticket_right_after_a_ticket_does_not_reuse_its_question(harness: BotHarness):
    chat = harness.chat()
    await verify_dialog(chat, [
        ("Quel temps fera-t-il demain à la plage ?", "Je n'ai pas trouvé de réponse sûre"),
        ("[Ouvrir un ticket]", "Objet : « Quel temps fera-t-il demain à la plage ? »"),
        ("[Envoyer]", "votre demande porte le numéro"),
        ("/ticket", texts.TICKET_ASK_SUBJECT),  # a new subject is asked, not the old one
    ])
