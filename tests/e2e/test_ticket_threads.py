"""Issue 11 in the chat: every requester message in the right ticket (a Telegram reply to a
ticket's message goes to that ticket; with several open, the bot asks), and a resolved
ticket reopened from the chat."""

from __future__ import annotations

import pytest

from bot import texts
from tests.e2e.harness import BotHarness
from tests.e2e.test_tickets import agent, open_from_none  # noqa: F401 - fixture
from tickets import services as ts

pytestmark = pytest.mark.e2e


def messages_of(core, staff: str, ticket_id: int) -> list[str]:
    return [m.text for m in ts.get_ticket_detail(core, staff, ticket_id).messages]


async def test_a_resolved_ticket_reopens_when_the_requester_writes(
        harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = harness.chat()
    number = await open_from_none(chat)
    ticket = ts.list_my_tickets(core, chat.chat_id)[0]
    chat._mark()
    ts.claim(core, agent, ticket.id)
    await chat.reply()
    chat._mark()
    ts.set_status(core, agent, ticket.id, "résolu")
    resolved = await chat.reply()
    assert number in resolved.text
    # « Écrire » is offered on the resolved ticket; writing reopens it.
    listing = await chat.ask("/mes_tickets")
    prompt = await chat.click(listing, texts.BUTTON_TICKET_WRITE)
    assert number in prompt.text
    done = await chat.ask("Le problème est revenu ce matin.")
    assert done.text == texts.TICKET_MESSAGE_REOPENED.format(
        number=number, **ticket.queue_phrases)
    assert ts.get_ticket_detail(core, agent, ticket.id).ticket.status != "resolu"
    assert "Le problème est revenu ce matin." in messages_of(core, agent, ticket.id)


async def test_a_reply_to_a_resolution_reopens_that_ticket(
        harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = harness.chat()
    number = await open_from_none(chat)
    ticket = ts.list_my_tickets(core, chat.chat_id)[0]
    chat._mark()
    ts.set_status(core, agent, ticket.id, "résolu")
    resolved = await chat.reply()
    await chat.send("Non, ce n'est pas réglé.", reply_to=resolved.message_id)
    done = await chat.reply()
    assert number in done.text and "rouvert" in done.text
    assert "Non, ce n'est pas réglé." in messages_of(core, agent, ticket.id)


async def test_each_message_goes_to_its_ticket_when_several_are_open(
        harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = harness.chat()
    first = await open_from_none(chat, "Quel temps fera-t-il demain à la plage ?")
    second = await open_from_none(chat, "Où trouver un bon restaurant à Rennes ?")
    tickets = {t.number: t for t in ts.list_my_tickets(core, chat.chat_id)}
    a, b = tickets[first], tickets[second]
    for t in (a, b):
        chat._mark()
        ts.claim(core, agent, t.id)
        await chat.reply()
    chat._mark()
    ts.staff_reply(core, agent, a.id, "Pour la première demande : quel département ?")
    question_a = await chat.reply()
    assert first in question_a.text  # the ticket number is shown in every relayed message
    chat._mark()
    ts.staff_reply(core, agent, b.id, "Pour la seconde demande : quelle session ?")
    await chat.reply()
    # A Telegram reply to the first ticket's message goes to the first ticket.
    await chat.send("Le 35.", reply_to=question_a.message_id)
    sent = await chat.reply()
    assert first in sent.text
    assert "Le 35." in messages_of(core, agent, a.id)
    assert "Le 35." not in messages_of(core, agent, b.id)
    # Without a reply, the bot asks which ticket; the answer goes where chosen.
    which = await chat.ask("TITRE_B_2026_470405")
    assert which.text == texts.TICKET_WHICH
    assert len(which.buttons) == 2
    sent = await chat.click(which, second)
    assert second in sent.text
    assert "TITRE_B_2026_470405" in messages_of(core, agent, b.id)
    assert "TITRE_B_2026_470405" not in messages_of(core, agent, a.id)


async def test_a_staff_reply_with_html_characters_reaches_the_requester_as_written(
        harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = harness.chat()
    await open_from_none(chat)
    ticket = ts.list_my_tickets(core, chat.chat_id)[0]
    chat._mark()
    ts.staff_reply(core, agent, ticket.id, "Si 3 < 5 & « a > b », relancez <b>CERES</b>.")
    reply = await chat.reply()
    assert "Si 3 < 5 & « a > b », relancez <b>CERES</b>." in reply.text


@pytest.fixture
async def file_harness(services, tmp_path, monkeypatch):
    """A Bot API server that serves files (getFile); attachments kept under tmp_path."""
    monkeypatch.setenv("CERES_ATTACHMENTS_DIR", str(tmp_path / "attachments"))
    h = BotHarness(services, documents=True)
    await h.start()
    try:
        yield h
    finally:
        await h.stop()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_a_file_sent_in_ticket_mode_is_attached_to_the_ticket(
        file_harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = file_harness.chat()
    # No ticket waits for the user: the file is not taken, the user learns how.
    await chat.send_document("releve.pdf", PDF, "application/pdf")
    refused = await chat.reply()
    assert refused.text == texts.TICKET_FILE_NO_TICKET
    number = await open_from_none(chat)
    ticket = ts.list_my_tickets(core, chat.chat_id)[0]
    chat._mark()
    ts.claim(core, agent, ticket.id)  # a person handles it: ticket mode
    await chat.reply()
    await chat.send_document("releve.pdf", PDF, "application/pdf", caption="Le relevé demandé")
    done = await chat.reply()
    assert done.text == texts.TICKET_FILE_SENT.format(number=number, **ticket.queue_phrases)
    detail = ts.get_ticket_detail(core, agent, ticket.id)
    message = next(m for m in detail.messages if m.text == "Le relevé demandé")
    assert [a.filename for a in message.attachments] == ["releve.pdf"]
    # A file the helpdesk does not take (type by content): a French refusal, nothing kept.
    await chat.send_document("script.exe", b"MZ\x90\x00binary", "application/octet-stream")
    refused = await chat.reply()
    assert refused.text.startswith("Le fichier n'a pas été ajouté : ")
    assert len(ts.get_ticket_detail(core, agent, ticket.id).messages) == len(detail.messages)


async def test_a_file_goes_to_the_ticket_chosen_when_several_wait(
        file_harness: BotHarness, core, agent):  # noqa: F811 - fixture
    chat = file_harness.chat()
    first = await open_from_none(chat, "Quel temps fera-t-il demain à la plage ?")
    second = await open_from_none(chat, "Où trouver un bon restaurant à Rennes ?")
    for t in ts.list_my_tickets(core, chat.chat_id):
        chat._mark()
        ts.claim(core, agent, t.id)
        await chat.reply()
    await chat.send_document("photo.pdf", PDF, "application/pdf")
    which = await chat.reply()
    assert which.text == texts.TICKET_WHICH and len(which.buttons) == 2
    done = await chat.click(which, second)
    assert second in done.text and first not in done.text
    tickets = {t.number: t for t in ts.list_my_tickets(core, chat.chat_id)}
    files = [a.filename for m in ts.get_ticket_detail(core, agent, tickets[second].id).messages
             for a in m.attachments]
    assert files == ["photo.pdf"]
