"""End-to-end: answers from live data, through the real bot over HTTP, on the demo data
(clock 22/11/2026), as linked users: the core's answer first, its action button
started as the reminders start theirs, the article one tap away."""

from __future__ import annotations

import pytest

from bot import accounts
from tests.e2e.harness import BotHarness, Chat, plain

pytestmark = pytest.mark.e2e

TP_APRIL = "TITRE_B_2027_470401"
TP_VALIDATED = "TITRE_B_2026_470405"
CCS_VALIDATED = "CCS_B_2026_470419"
MARTIN = "C260000001"


async def linked(harness: BotHarness, core, login: str) -> Chat:
    chat = harness.chat()
    reply = await chat.ask(f"/start {accounts.issue_link_code(core, login, 30).code}")
    assert "C'est fait" in reply.text
    return chat


async def run_dialogue(chat: Chat, dialogue: list[tuple[str, list[str]]]):
    """Each (user says, what the bot's answer contains); returns the last reply."""
    reply = None
    for says, expected in dialogue:
        reply = await chat.ask(says)
        text = plain(reply.text)
        for part in expected:
            assert part in text, (says, part, text[:300])
    return reply


async def test_centre_asks_when_to_order_the_dte_of_its_sessions(harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    dialogue = [
        ("quand dois-je commander le DTE de ma session du 15 mars ?",
         ["Je ne trouve aucune session à venir du 15 mars",
          f"{TP_APRIL} – TP-00463 Ouvrier du paysage",
          "DTE à commander au plus tard le 31 décembre 2026"]),
        ("et celle du 1er avril en TP, je dois commander le DTE quand ?",
         [f"Session {TP_APRIL}", "date limite le jeudi 31 décembre 2026 (R-DTE-1)"]),
    ]
    reply = await run_dialogue(chat, dialogue)
    assert any("Commander le DTE" in label for label in reply.labels())
    assert any("Voir la fiche" in label for label in reply.labels())
    # The action starts the DTE order of that session (the operation's own form).
    form = await chat.click(reply, "Commander le DTE")
    assert form.text.startswith("Commande du DTE – 1/7 : combien de candidats")  # session known
    # The article, one tap away.
    article = await chat.click(reply, "Voir la fiche")
    assert article.text.startswith("Date limite pour commander le DTE")


async def test_ud_asks_for_its_prints_and_a_candidate_duplicate(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    dialogue = [
        ("impressions à faire dans mon département",
         ["Impressions à demander – département 75",
          "1 session validée sans aucune demande d'impression",
          f"{TP_VALIDATED} – Ouvrier du paysage", "3/5 envoyés, 2 à envoyer", CCS_VALIDATED]),
        ("où en est le duplicata de Julie Martin ?",
         [f"Julie Martin (n° {MARTIN})", f"Session {TP_VALIDATED}",
          "Demande d'impression initiale transmise le 12/11/2026",
          "Un duplicata peut être demandé dès maintenant (R-PRT-6)"]),
    ]
    reply = await run_dialogue(chat, dialogue)
    # The duplicate's operation, with the candidate and the session already known.
    question = await chat.click(reply, "Demander un duplicata")
    assert f"Julie Martin (n° {MARTIN}), session {TP_VALIDATED}" in plain(question.text)
    result = await chat.click(question, "Confirmer")
    assert result.text.startswith("✅ Duplicata (l'ensemble des documents) demandé le 22/11/2026")


async def test_ud_follow_up_on_another_candidate(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    await run_dialogue(chat, [
        ("où en est le duplicata de Julie Martin ?", [f"Julie Martin (n° {MARTIN})"]),
        ("et pour Thomas Nguyen ?",
         ["Thomas Nguyen (n° C260000002)",
          "Un duplicata pourra être demandé à partir du jeudi 26 novembre 2026 (R-PRT-6)"]),
        ("et pour C260000006 ?",
         ["Marie-Hélène Dupont (n° C260000006)", "Pli non distribuable signalé le 14 novembre 2026"]),
    ])


async def test_ud_sessions_waiting_for_validation_and_unlinked_user(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    await run_dialogue(chat, [
        ("mes sessions en attente de validation",
         ["Sessions en attente de validation (2)", "TITRE_B_2026_470404", "CCS_B_2026_470418"]),
    ])
    # Not linked: the article, as before.
    stranger = harness.chat("Dominique")
    reply = await stranger.ask("impressions à faire dans mon département")
    assert "Impressions à demander" not in reply.text
    assert reply.text.startswith("Suivre les sessions validées")


async def test_ud_attestation_button_sends_the_document(services, demo):
    h = BotHarness(services, documents=True)
    await h.start()
    try:
        chat = await linked(h, demo, "ud75")
        reply = await run_dialogue(chat, [
            ("attestation de réussite pour Julie Martin",
             [f"Julie Martin (n° {MARTIN})",
              "Une attestation de réussite peut être téléchargée (R-PRT-5)"]),
        ])
        await chat.press(reply.button("Attestation de réussite"))
        events = await chat.collect(1, kinds=("document",))
        document = next(e for e in events if e["type"] == "document")["message"]
        assert document["document"]["mime_type"] == "application/pdf"
    finally:
        await h.stop()
