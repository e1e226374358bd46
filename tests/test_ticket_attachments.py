"""Attachments both ways (issue 11, « Attachments both ways »): a requester's file from
the chat stored with the ticket, a staff file delivered as a document; types checked
by content, size limited, files outside the web root, served only to the queue's staff."""

from __future__ import annotations

import re
from datetime import datetime
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestServer

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput, NotFound
from tests.test_dashboard import FormClient, logged_in
from tickets.services import (
    MAX_BYTES,
    AttachmentStore,
    Requester,
    RoutingInput,
    add_requester_attachment,
    add_staff,
    check_file,
    get_ticket_detail,
    open_attachment,
    open_ticket,
    pending_deliveries,
    set_status,
    staff_reply_with_file,
)
from tickets.web import create_app

PASSWORD = "un-mot-de-passe-long"
SECRET = "secret-de-test-pour-les-sessions"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
USER = Requester(1001, "Jeanne Centre", "jcentre")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n% test\n"
_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "carol", "Carol DREETS", PASSWORD, ["dreets-53"])
    return core


@pytest.fixture
def store(tmp_path):
    return AttachmentStore(tmp_path / "fichiers")


def dte(core):
    return open_ticket(core, USER, "Pli revenu", None, RoutingInput(topic="dte-non-recu", sector="btp"))


def test_files_are_checked_by_content_and_size():
    assert check_file("capture.PNG", PNG).content_type == "image/png"
    assert check_file("../../etc/passwd", PDF).filename == "passwd.pdf"
    assert check_file("scan.exe", PDF).filename == "scan.pdf"  # the real type's extension
    assert check_file(None, b"Erreur 500 sur CERES").content_type == "text/plain"
    for data in (b"MZ\x90\x00binary\x00", b""):
        with pytest.raises(InvalidInput):
            check_file("x.exe", data)
    with pytest.raises(InvalidInput, match="trop volumineux"):
        check_file("big.pdf", PDF + b"0" * MAX_BYTES)


def test_requester_file_stored_with_the_ticket_outside_the_web_root(desk, store):
    opened = dte(desk)
    set_status(desk, "alice", opened.number, "résolu")
    result = add_requester_attachment(desk, store, USER.chat_id, opened.ticket_id, "enveloppe.png",
                                      PNG, caption="Le pli revenu")
    assert result.reopened and result.attachment_id  # a file reopens like a text
    detail = get_ticket_detail(desk, "alice", opened.number)
    message = next(m for m in detail.messages if m.attachments)
    assert message.text == "Le pli revenu" and message.attachments[0].filename == "enveloppe.png"
    view, data = open_attachment(desk, store, "alice", result.attachment_id)
    assert data == PNG and view.content_type == "image/png"
    assert list(store.root.rglob("*"))[-1].name != "enveloppe.png"  # stored under a random name
    with pytest.raises(NotFound):
        open_attachment(desk, store, "carol", result.attachment_id)  # not her queue
    with pytest.raises(NotFound):
        add_requester_attachment(desk, store, 4242, opened.ticket_id, "x.png", PNG)  # not his


async def test_staff_file_sent_to_the_chat_as_a_document(desk, store):
    from bot.delivery_worker import DeliveryWorker

    opened = dte(desk)
    staff_reply_with_file(desk, store, "alice", opened.number, "Voici l'attestation.",
                          "attestation.pdf", PDF)
    sent = []

    class Bot:
        # Plain text: a staff reply is sent as written (the bot's Defaults are HTML).
        async def send_message(self, chat_id, text, reply_markup=None, parse_mode="HTML"):
            assert parse_mode is None
            sent.append(("text", chat_id, text))
            return SimpleNamespace(message_id=len(sent))

        async def send_document(self, chat_id, document, filename, caption, reply_markup=None,
                                parse_mode="HTML"):
            assert parse_mode is None
            sent.append(("document", chat_id, filename, document, caption))
            return SimpleNamespace(message_id=len(sent))

    worker = DeliveryWorker(Bot(), SimpleNamespace(core=desk, store=None), store=store)
    assert await worker.run_once() == 1
    kind, chat, name, data, caption = sent[0]
    assert (kind, chat, name, data) == ("document", USER.chat_id, "attestation.pdf", PDF)
    assert opened.number in caption and "Voici l'attestation." in caption
    assert pending_deliveries(desk, 10) == []


async def test_dashboard_reply_with_a_file_and_download_for_the_queue_only(desk, store):
    opened = dte(desk)
    app = create_app(desk, secret=SECRET, articles=[], attachments=store)
    async with FormClient(TestServer(app)) as client:
        token = await logged_in(client, "alice")
        page = await (await client.get(f"/demandes/{opened.number}")).text()
        assert 'enctype="multipart/form-data"' in page
        import aiohttp

        form = aiohttp.FormData()
        form.add_field("csrf_token", token)
        form.add_field("form_token", _FORM_TOKEN.search(page)[1])
        form.add_field("text", "Le bordereau en pièce jointe.")
        form.add_field("fichier", PDF, filename="bordereau.pdf", content_type="application/pdf")
        resp = await client.post(f"/demandes/{opened.number}/repondre", data=form)
        html = await resp.text()
        assert resp.status == 200 and "bordereau.pdf" in html
        link = re.search(r'href="(/pieces-jointes/\d+)"', html)[1]
        resp = await client.get(link)
        assert await resp.read() == PDF
        assert resp.headers["Content-Disposition"].startswith("attachment;")
        client.session.cookie_jar.clear()
        await logged_in(client, "carol")
        assert (await client.get(link)).status == 404
    item = pending_deliveries(desk, 10)[0]
    assert item.attachment_id is not None
