"""End-to-end dialogues: the real python-telegram-bot Application, over HTTP, against
the local Bot API server (minimal method set), as a user would chat."""

from __future__ import annotations

import aiohttp
import pytest

from bot import accounts, texts
from bot.runtime import Services
from ceres_core.models import Profile, Role, User
from tests.e2e.harness import BotHarness, plain

pytestmark = pytest.mark.e2e


@pytest.fixture
def agent(core) -> str:
    from ceres_core.seed import ensure_geography

    with core.transaction() as db:
        ensure_geography(db)
    with core.transaction() as db:
        user = User(login="dreets.bzh", display_name="Erwan <DREETS> Guillou", created_at=core.clock.now())
        user.profiles.append(Profile(role=Role.DREETS, region_code="53"))
        db.add(user)
    return "dreets.bzh"


async def test_question_answered_with_buttons_and_helpful(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("Comment demander un duplicata de diplôme ?")
    assert reply.text.startswith("Demander un duplicata")
    # Rule ids mean nothing to requesters: staff see them on the dashboard only.
    assert "R-PRT-6" not in reply.text and "Règles" not in reply.text
    assert {"bold"} <= {e["type"] for e in reply.entities}
    assert reply.labels()[:2] == [texts.BUTTON_HELPFUL, texts.BUTTON_UNHELPFUL]
    assert reply.labels()[-1] == texts.BUTTON_OPEN_TICKET  # the helpdesk, last
    await chat.press(reply.button("Utile"), reply.message_id)
    await chat.collect(1, kinds=("edit_markup",))
    assert chat.callback_answers() == [texts.THANKS_HELPFUL]
    edited = chat.edits()[-1]
    assert texts.BUTTON_HELPFUL not in edited.labels()  # feedback row gone, related topics kept
    assert any("📎" in label for label in edited.labels())


async def test_unhelpful_is_recorded(harness: BotHarness, core):
    from knowledge.feedback import top_unanswered

    chat = harness.chat()
    reply = await chat.ask("Comment demander un duplicata de diplôme ?")
    await chat.press(reply.button("Pas utile"), reply.message_id)
    thanks = await chat.reply()
    assert "Merci de votre retour" in thanks.text
    stats = top_unanswered(core, reason="unhelpful")
    assert stats and stats[0].topic == "duplicata"


async def test_related_topic_button_shows_the_article(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("Comment demander un duplicata de diplôme ?")
    other = await chat.click(reply, "courrier perdu")
    assert "courrier" in other.text.lower()


async def test_none_answer_is_honest(harness: BotHarness, core):
    from knowledge.feedback import top_unanswered

    chat = harness.chat()
    reply = await chat.ask("Quel temps fera-t-il demain à la plage ?")
    assert "Je n'ai pas trouvé de réponse sûre" in reply.text
    assert texts.BUTTON_REPHRASE in reply.labels()
    again = await chat.click(reply, "Reformuler")
    assert again.text == texts.REPHRASE_PROMPT
    assert top_unanswered(core, reason="none")[0].count == 1


async def test_did_you_mean(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("impression")
    assert texts.DID_YOU_MEAN in reply.text
    alternatives = [label for label in reply.labels() if label.startswith("❓")]
    assert alternatives
    chosen = await chat.click(reply, alternatives[0][2:12])
    assert chosen.labels()[:2] == [texts.BUTTON_HELPFUL, texts.BUTTON_UNHELPFUL]


async def test_account_linking_moi_and_deconnexion(harness: BotHarness, core, clock, agent):
    chat = harness.chat()
    reply = await chat.ask("/moi")
    assert "n'est reliée à aucun compte" in reply.text
    code = accounts.issue_link_code(core, agent, 30).code
    reply = await chat.ask(f"/start {code}")
    assert "C'est fait" in reply.text and "Erwan <DREETS> Guillou" in reply.text
    assert "DREETS – Bretagne" in reply.text
    reply = await chat.ask("/moi")
    assert "Erwan <DREETS> Guillou" in reply.text and "dreets.bzh" in reply.text
    # The same code a second time, from another chat: refused.
    other = harness.chat("Intrus")
    reply = await other.ask(f"/start {code}")
    assert "déjà servi" in reply.text
    # An expired code: refused.
    late = accounts.issue_link_code(core, agent, 1).code
    clock.advance(minutes=2)
    reply = await other.ask(f"/start {late}")
    assert "expiré" in reply.text
    reply = await chat.ask("/deconnexion")
    assert "n'est plus reliée" in reply.text
    reply = await chat.ask("/moi")
    assert "n'est reliée à aucun compte" in reply.text


async def test_dte_procedure_computes_the_dates(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("/dte")
    reply = await chat.click(reply, "Quand le commander")
    assert "titre professionnel complet" in reply.text
    reply = await chat.click(reply, "Titre professionnel (TP)")
    assert "date de début" in reply.text
    reply = await chat.ask("15 mars 2027")
    assert "département" in reply.text
    reply = await chat.ask("97")  # not a département: asked again
    assert "n'existe pas" in reply.text
    reply = await chat.ask("974")
    text = plain(reply.text)
    assert "Calendrier du DTE – session TP du lundi 15 mars 2027 (974 – La Réunion)" in text
    assert "Date limite de commande du DTE : lundi 14 décembre 2026 (R-DTE-1)" in text
    assert "entre le lundi 1er février 2027 et le lundi 8 février 2027" in text
    assert "Il reste 22 jours" in text
    assert any("Date limite pour commander" in label for label in reply.labels())
    # The walk is over: free text is a question again.
    reply = await chat.ask("Comment demander un duplicata ?")
    assert reply.text.startswith("Demander un duplicata")


async def test_documents_procedure_to_a_leaf(harness: BotHarness):
    chat = harness.chat()
    await chat.ask("/documents")
    await chat.ask("TITRE_B_2023_470415")
    reply = await chat.ask("2122560")
    assert "2122560" in reply.text
    reply = await chat.click(reply, "erreur sur un document")
    reply = await chat.click(reply, "Non, pas encore")
    assert "Corrigez d'abord la fiche du candidat 2122560" in plain(reply.text)


async def test_transfert_procedure_with_a_core_check(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("/transfert")
    reply = await chat.click(reply, "autre centre")
    reply = await chat.ask("Site de Rennes")
    # Not linked: the check is asked to the user with the engine's question.
    assert "Êtes-vous la DREETS compétente" in reply.text
    reply = await chat.click(reply, "Oui")
    assert "SIRET du centre cible" in reply.text
    reply = await chat.ask("389 394 560 0002")
    assert "13 chiffres" in reply.text
    reply = await chat.ask("389 394 560 00020")
    # Not linked: siret_registered is asked too (R-ACT-2: the core answers linked accounts).
    assert "Ce SIRET correspond-il à un centre enregistré dans CERES" in reply.text
    reply = await chat.click(reply, "Non")
    assert "38939456000020" in reply.text


async def test_bloque_procedure_with_back_and_leaf(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("/bloque")
    reply = await chat.click(reply, "bouton ne réagit pas")
    reply = await chat.click(reply, "Retour")
    assert "Qu'est-ce qui est bloqué" in reply.text
    reply = await chat.click(reply, "bouton ne réagit pas")
    reply = await chat.click(reply, "Firefox")
    reply = await chat.click(reply, "Pas encore")
    assert "Refaites l'opération avec Mozilla Firefox" in plain(reply.text)


async def test_forged_stale_and_replayed_buttons(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("/bloque")
    # Forged data on a real message: polite answer, nothing else.
    await chat.press("t:forgedforgedforg", reply.message_id, strict=False)
    events = await chat.collect(1, kinds=("callback_answer",))
    assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
    assert not [e for e in events if e["type"] in ("message", "edit", "edit_markup")]
    # A real button, then the same button again (replay): the second does nothing.
    data = reply.button("bouton ne réagit pas")
    await chat.press(data, reply.message_id)
    await chat.replies(1)
    await chat.press(data, reply.message_id, strict=False)
    events = await chat.collect(1, kinds=("callback_answer",))
    assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
    assert not [e for e in events if e["type"] in ("message", "edit", "edit_markup")]
    # Another chat pressing this chat's (still valid) button: refused.
    nav = (await chat.ask("/bloque")).button("Un bouton")
    intruder = harness.chat("Intrus")
    await intruder.send("bonjour")
    await intruder.collect(1)
    await harness.api.press_button(harness.token, intruder.chat_id, 1, nav)
    intruder.cursor = len(harness.api.bots[harness.token].events) - 1
    await intruder.collect(1, kinds=("callback_answer",))
    assert intruder.callback_answers() == [texts.BUTTON_EXPIRED]


async def test_restart_in_the_middle_of_a_procedure(harness: BotHarness, services: Services):
    chat = harness.chat()
    reply = await chat.ask("/dte")
    reply = await chat.click(reply, "Quand le commander")
    reply = await chat.click(reply, "Certificat (CCP)")
    await harness.stop_bot()
    # A new Application (as a new process would build it) on the same database.
    fresh = Services(services.core, services.matcher, services.procedures)
    harness.services = fresh
    await harness.start_bot()
    reply = await chat.ask("15/03/2027")
    assert "département" in reply.text
    reply = await chat.ask("Lyon 69")
    assert "session CCP du lundi 15 mars 2027 (69 – Rhône)" in plain(reply.text)


async def test_unknown_command_and_cancel(harness: BotHarness):
    chat = harness.chat()
    reply = await chat.ask("/annuler")
    assert reply.text == texts.NOTHING_TO_CANCEL
    await chat.ask("/documents")
    reply = await chat.ask("/annuler")
    assert reply.text == texts.PROCEDURE_CANCELLED


async def test_only_minimal_bot_api_methods_are_needed(harness: BotHarness):
    chat = harness.chat()
    await chat.ask("/start")
    await chat.ask("/dte")
    used = set(harness.api.calls)
    assert used <= harness.api.methods
    assert "getupdates" in used and "sendmessage" in used


async def test_webhook_mode_with_secret_token(services: Services):
    h = BotHarness(services, webhook=True)
    await h.start()
    try:
        account = h.api.bots[h.token]
        assert account.webhook is not None and account.webhook.secret_token == "s3cret-token_for-tests"
        chat = h.chat()
        reply = await chat.ask("/aide")
        assert "Ce que je sais faire" in reply.text
        url = account.webhook.url
        async with aiohttp.ClientSession() as http:
            update = {"update_id": 999, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "/aide"}}
            for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
                async with http.post(url, json=update, headers=headers) as resp:
                    assert resp.status == 403
    finally:
        await h.stop()
