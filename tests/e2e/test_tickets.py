"""End-to-end: the helpdesk in the chat (open, follow, ticket mode, delivery, rating,
staff group), with the real bot against the local Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import select

from bot import texts
from bot.runtime import Services
from tests.e2e.harness import BotHarness, Chat, plain
from tickets import services as ts
from tickets.models import Delivery, DeliveryStatus, StaffAccount

pytestmark = pytest.mark.e2e

STAFF_CHAT = -1001234567890
STAFF_TELEGRAM_ID = 7001


async def eventually(check: Callable[[], object], timeout: float = 5.0) -> object:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = check()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def assert_silent(chat: Chat, kinds: tuple[str, ...] = ("message",)) -> None:
    """Nothing of ``kinds`` is sent to the chat after its last mark (a short wait)."""
    await asyncio.sleep(0.5)
    events = [e for e in chat.api.events(chat.token, chat.chat_id, chat.cursor) if e["type"] in kinds]
    assert events == [], events


@pytest.fixture
def agent(core) -> str:
    ts.add_staff(core, "agent.assist", "Agent Assistance", "mot-de-passe-solide",
                 ["assistance", "gev-btp"])
    with core.transaction() as db:
        db.scalar(select(StaffAccount).where(StaffAccount.login == "agent.assist")).chat_id = STAFF_TELEGRAM_ID
    return "agent.assist"


async def open_from_none(chat: Chat, question: str = "Quel temps fera-t-il demain à la plage ?") -> str:
    reply = await chat.ask(question)
    draft = await chat.click(reply, "Ouvrir un ticket")
    assert f"Objet : « {question} »" in draft.text
    done = await chat.click(draft, "Envoyer")
    assert "votre demande porte le numéro" in done.text
    return done.text.split("numéro ")[1].split(".")[0]


def only_ticket(core, chat_id: int) -> ts.TicketSummary:
    mine = ts.list_my_tickets(core, chat_id)
    assert len(mine) == 1
    return mine[0]


async def test_ticket_from_a_none_answer(harness: BotHarness, core):
    chat = harness.chat()
    reply = await chat.ask("Quel temps fera-t-il demain à la plage ?")
    assert "Je n'ai pas trouvé de réponse sûre" in reply.text
    draft = await chat.click(reply, "Ouvrir un ticket")
    done = await chat.click(draft, "Envoyer")
    number = done.text.split("numéro ")[1].split(".")[0]
    # Committed before the user was told: the number shown is the stored ticket's.
    ticket = only_ticket(core, chat.chat_id)
    assert ticket.number == number and number.startswith("T-2026-")
    detail = ts.get_ticket_detail(core, ts.OPERATOR, ticket.id)
    assert detail.ticket.queue == "assistance"
    assert detail.routing_explanation in plain(done.text)
    assert "/mes_tickets" in done.text
    transcript = detail.context["transcript"]
    assert any(line["from"] == "user" and "plage" in line["text"] for line in transcript)
    assert any(line["from"] == "bot" and "réponse sûre" in line["text"] for line in transcript)
    assert detail.messages[0].text == "Quel temps fera-t-il demain à la plage ?"


async def test_ticket_with_details_and_a_changed_subject(harness: BotHarness, core):
    chat = harness.chat()
    reply = await chat.ask("/ticket")
    assert reply.text == texts.TICKET_ASK_SUBJECT  # nothing asked before: the subject first
    draft = await chat.ask("Les convocations <b>ne partent pas</b>")
    assert "Objet : « Les convocations <b>ne partent pas</b> »" in draft.text  # escaped
    await chat.click(draft, "précisions")
    draft = await chat.ask("Message : erreur 500 sur l'écran Convocations.")
    assert "Précisions : « Message : erreur 500" in draft.text
    done = await chat.click(draft, "Envoyer")
    assert "numéro" in done.text
    detail = ts.get_ticket_detail(core, ts.OPERATOR, only_ticket(core, chat.chat_id).id)
    assert detail.ticket.subject == "Les convocations <b>ne partent pas</b>"
    assert "erreur 500" in detail.messages[0].text
    # The draft is gone: its old buttons do nothing.
    await chat.press(draft.button("Envoyer"), draft.message_id, strict=False)
    await chat.collect(1, kinds=("callback_answer",))
    assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
    assert len(ts.list_my_tickets(core, chat.chat_id)) == 1


async def test_ticket_from_a_procedure_leaf_goes_to_the_gev(harness: BotHarness, core):
    # the GEV BTP has staff (a queue without any is never chosen: issue 11, defect 5)
    ts.add_staff(core, "agent.gev", "Agent GEV", "mot-de-passe-solide", ["gev-btp"])
    chat = harness.chat()
    reply = await chat.ask("/dte")
    reply = await chat.click(reply, "rien n'est arrivé")
    reply = await chat.click(reply, "accusé de réception")
    reply = await chat.click(reply, "il n'y a rien")
    reply = await chat.click(reply, "Bâtiment")
    assert "epreuves-btp@afpa.fr" in reply.text
    draft = await chat.click(reply, "Ouvrir un ticket")
    assert "DTE commandé mais non reçu (secteur BTP)" in draft.text
    done = await chat.click(draft, "Envoyer")
    assert "GEV BTP" in plain(done.text)
    detail = ts.get_ticket_detail(core, ts.OPERATOR, only_ticket(core, chat.chat_id).id)
    assert detail.ticket.queue == "gev-btp"
    assert detail.context["procedure"] == "dte" and detail.context["procedure_step"] == "gev_btp"
    assert detail.context["topic"] == "dte-non-recu"
    assert detail.context["routing"]["input"]["sector"] == "btp"


async def test_connection_trouble_gets_the_browser_advice_first(harness: BotHarness, core):
    chat = harness.chat()
    reply = await chat.ask("CERES ne fonctionne pas avec mon navigateur")
    draft = await chat.click(reply, "Ouvrir un ticket")
    advice = await chat.click(draft, "Envoyer")
    assert "Avant de transmettre votre demande" in advice.text and "Firefox" in advice.text
    assert ts.list_my_tickets(core, chat.chat_id) == []  # nothing stored yet
    done = await chat.click(advice, "J'ai essayé")
    assert "numéro" in done.text
    ticket = only_ticket(core, chat.chat_id)
    detail = ts.get_ticket_detail(core, ts.OPERATOR, ticket.id)
    assert detail.ticket.queue == "assistance" and detail.category == "connexion"
    assert "après les conseils sur le navigateur" in detail.routing_explanation


async def test_my_tickets_shows_only_my_own(harness: BotHarness, core):
    alice, bob = harness.chat("Alice"), harness.chat("Bob")
    a = await open_from_none(alice, "Ma question à moi sur les jurys ?")
    b = await open_from_none(bob, "Une question de Bob sur le ciel ?")
    listing = await alice.ask("/mes_tickets")
    assert a in listing.text and b not in listing.text
    assert "nouveau" in listing.text and "Assistance des ministères" in listing.text
    thread = await alice.click(listing, a)
    assert "Ma question à moi" in thread.text and "Bob" not in thread.text
    # Bob cannot use Alice's buttons (they are bound to her chat).
    bob._mark()
    await harness.api.press_button(harness.token, bob.chat_id, 1, listing.button(a))
    await bob.collect(1, kinds=("callback_answer",))
    assert bob.callback_answers() == [texts.BUTTON_EXPIRED]
    listing_b = await bob.ask("/mes_tickets")
    assert b in listing_b.text and a not in listing_b.text
    empty = await harness.chat("Claude").ask("/mes_tickets")
    assert empty.text == texts.MY_TICKETS_NONE


async def test_ticket_mode_leave_and_resume_then_hand_back(harness: BotHarness, core, agent):
    chat = harness.chat()
    await open_from_none(chat)
    ticket = only_ticket(core, chat.chat_id)
    chat._mark()
    ts.claim(core, agent, ticket.id)
    taken = await chat.reply()
    assert "a pris en charge votre demande" in taken.text
    # In ticket mode the text goes to the ticket, not to the answer engine.
    sent = await chat.ask("Comment demander un duplicata ?")
    assert sent.text.startswith("Message transmis à l'Assistance des ministères")
    detail = ts.get_ticket_detail(core, agent, ticket.id)
    assert detail.messages[-1].text == "Comment demander un duplicata ?"
    # Leave: the assistant answers again.
    left = await chat.ask("/quitter_ticket")
    assert ticket.number in left.text
    answer = await chat.ask("Comment demander un duplicata ?")
    assert answer.text.startswith("Demander un duplicata")
    # Resume from /mes_tickets.
    listing = await chat.ask("/mes_tickets")
    resumed = await chat.click(listing, "Reprendre")
    assert "de nouveau à la demande" in resumed.text
    sent = await chat.ask("La capture d'écran suit.")
    assert sent.text.startswith("Message transmis")
    # Staff hand the conversation back to the bot: announced, then the bot answers.
    chat._mark()
    ts.hand_back_to_bot(core, agent, ticket.id)
    handed = await chat.reply()
    assert "vous rend la main" in handed.text
    answer = await chat.ask("Comment demander un duplicata ?")
    assert answer.text.startswith("Demander un duplicata")


async def test_staff_reply_delivered_exactly_once_despite_a_crash(
    harness: BotHarness, core, clock, agent, monkeypatch
):
    chat = harness.chat()
    await open_from_none(chat)
    ticket = only_ticket(core, chat.chat_id)
    real = ts.mark_delivered
    calls: list[int] = []

    def crash_once(core_, delivery_id, message_id):
        calls.append(delivery_id)
        if len(calls) == 1:
            raise RuntimeError("le processus s'arrête entre l'envoi et l'enregistrement")
        return real(core_, delivery_id, message_id)

    monkeypatch.setattr(ts, "mark_delivered", crash_once)
    chat._mark()
    ts.staff_reply(core, agent, ticket.id, "Voici la marche à suivre : …")
    reply = await chat.reply()
    assert "Réponse du support – demande" in reply.text and "marche à suivre" in reply.text
    assert calls  # the send succeeded, the marking crashed

    def status() -> DeliveryStatus:
        with core.transaction() as db:
            return db.scalar(select(Delivery.status).where(Delivery.ticket_id == ticket.id))

    assert status() is DeliveryStatus.SENDING
    clock.advance(minutes=2)  # the lease expires: the entry is handed out again
    await eventually(lambda: status() is DeliveryStatus.SENT)
    await asyncio.sleep(0.3)
    texts_sent = [m.get("text", "") for m in harness.api.chat_messages(harness.token, chat.chat_id)]
    assert sum("marche à suivre" in t for t in texts_sent) == 1
    assert len(calls) == 2


async def test_blocked_user_is_marked_on_the_ticket(harness: BotHarness, core, agent):
    chat = harness.chat()
    await open_from_none(chat)
    ticket = only_ticket(core, chat.chat_id)
    harness.api.block(chat.chat_id)
    ts.staff_reply(core, agent, ticket.id, "Êtes-vous toujours là ?")
    await eventually(lambda: ts.get_my_ticket(core, chat.chat_id, ticket.id).ticket.requester_blocked)
    notes = [m.text for m in ts.get_ticket_detail(core, agent, ticket.id).messages if m.internal]
    assert any("a bloqué l'assistant" in n for n in notes)
    # The user comes back and writes: the held reply is delivered.
    harness.api.block(chat.chat_id, False)
    await chat.send("Je suis de retour.")
    replies = await chat.replies(2)
    assert any("Êtes-vous toujours là" in r.text for r in replies)
    assert not ts.get_my_ticket(core, chat.chat_id, ticket.id).ticket.requester_blocked


async def test_rating_after_resolution(harness: BotHarness, core, agent):
    chat = harness.chat()
    await open_from_none(chat)
    ticket = only_ticket(core, chat.chat_id)
    chat._mark()
    ts.set_status(core, agent, ticket.id, "résolu")
    announce = await chat.reply()
    assert "est résolue" in announce.text
    assert announce.labels() == ["1", "2", "3", "4", "5"]
    rated = await chat.click(announce, "4")
    assert rated.text == texts.TICKET_RATED.format(score=4)
    assert ts.get_my_ticket(core, chat.chat_id, ticket.id).rating == 4
    await chat.press(announce.button("5"), announce.message_id, strict=False)
    await chat.collect(1, kinds=("callback_answer",))
    assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
    assert ts.get_my_ticket(core, chat.chat_id, ticket.id).rating == 4


# -- the staff group ----------------------------------------------------------------------------


@pytest.fixture(params=["forum", "no_forum"])
async def group_harness(request, services: Services) -> AsyncIterator[BotHarness]:
    forum = request.param == "forum"
    h = BotHarness(services, forum_topics=forum, staff_chat_id=STAFF_CHAT)
    await h.api.start()
    h.api.add_group(h.token, STAFF_CHAT, "Support CERES", forum=forum)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


async def test_staff_group_relay_both_ways(group_harness: BotHarness, core, agent):
    h = group_harness
    forum = "createforumtopic" in h.api.methods
    group = Chat(h.api, h.token, STAFF_CHAT)
    group._mark()
    chat = h.chat()
    number = await open_from_none(chat)
    await group.collect(1)
    card = [e["message"] for e in group.events if e["type"] == "message"][-1]
    assert f"Nouvelle demande {number}" in card["text"]
    thread = card.get("message_thread_id")
    assert (thread is not None) == forum
    ticket = only_ticket(core, chat.chat_id)

    async def staff_says(text: str, user_id: int = STAFF_TELEGRAM_ID) -> dict:
        group._mark()
        chat._mark()
        if forum:
            return await h.api.group_message(h.token, STAFF_CHAT, user_id, "Agent", text,
                                             thread_id=thread)
        return await h.api.group_message(h.token, STAFF_CHAT, user_id, "Agent", text,
                                         reply_to=card["message_id"])

    # A staff member's message reaches the user, once.
    update = await staff_says("Bonjour, pouvez-vous préciser la session ?")
    reply = await chat.reply()
    assert "pouvez-vous préciser la session" in reply.text and "Agent Assistance" in reply.text
    ack = await group.reply()
    assert number in ack.text and "Réponse enregistrée" in ack.text
    # The same update delivered again (a retry): relayed once only.
    chat._mark()
    await h.api._push_update(h.api.bots[h.token], {"message": update["message"]})
    await assert_silent(chat)
    # The user now talks to the person: the message goes to the ticket and to the group.
    group._mark()
    sent = await chat.ask("C'est la session TITRE_B_2023_470415.")
    assert sent.text.startswith("Message transmis")
    relayed = await group.reply()
    assert "TITRE_B_2023_470415" in relayed.text and number in relayed.text
    # Someone unknown in the group: politely refused, nothing reaches the user.
    await staff_says("Je ne suis pas du support", user_id=9999)
    refusal = await group.reply()
    assert refusal.text == texts.STAFF_UNKNOWN_SENDER
    await asyncio.sleep(0.3)
    public = [m.text for m in ts.get_my_ticket(core, chat.chat_id, ticket.id).messages]
    assert not any("pas du support" in t for t in public)
    assert sum("préciser la session" in t for t in public) == 1
    # Staff chatting among themselves (no reply, main thread) is left alone.
    if not forum:
        group._mark()
        await h.api.group_message(h.token, STAFF_CHAT, STAFF_TELEGRAM_ID, "Agent", "Café ?")
        await assert_silent(group)
