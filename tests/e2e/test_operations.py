"""Operations in chat, end to end: the real bot on the local Bot API server, on the demo
data (``ceres_core.demo``), as linked users (clock: 22/11/2026)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot import operation_texts, texts
from bot.config import BotConfig
from bot.downloads import DownloadServer
from bot.runtime import Services
from ceres_core.errors import CeresError
from ceres_core.services.printing import documents_preview, print_history
from tests.e2e.harness import BotHarness, Chat, linked, plain

pytestmark = pytest.mark.e2e

TP = "TITRE_B_2026_470405"  # TP Ouvrier du paysage, validated, Paris 11e: 3/5 sent
TP_FUTURE = "TITRE_B_2027_470401"  # TP in preparation (01/04/2027), DTE not ordered
BZH = "TITRE_B_2026_470423"  # validated session in Bretagne
MARTIN, NGUYEN, DUPONT = "C260000001", "C260000002", "C260000006"
IMP_SIRET = "55301534800012"  # Institut des métiers du paysage: in the directory, not in CERES


async def confirm(chat: Chat, reply, count: int = 1):
    """Press « Confirmer » and return the result message."""
    return await chat.click(reply, "Confirmer", count)


async def test_unlinked_user_is_told_how_to_link(harness: BotHarness, demo):
    chat = harness.chat()
    for command in ("/sessions", f"/impression {TP}", "/transfert_site"):
        reply = await chat.ask(command)
        assert "/start CODE" in reply.text and "reliée à votre compte CERES" in reply.text


async def test_list_sessions_and_session_card(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask("/sessions")
    text = plain(reply.text)
    assert "Vos sessions (14)" in text
    assert f"{TP} – Ouvrier du paysage – du 23/09/2026 au 24/09/2026" in text
    assert "validée · impression : 3/5 envoyés · DTE préparé (liens envoyés)" in text
    assert BZH not in text  # Bretagne is out of the UD de Paris's zone
    card = await chat.click(reply, TP)
    text = plain(card.text)
    assert f"Session {TP}" in text and "Impression : 3/5 envoyés" in text
    assert "État : validée" in text
    assert any("Envoyer pour impression" in label for label in card.labels())
    # Generated from the catalogue, as the core accepts them now: no order (done), no
    # validation (already validated); the UD may reopen it.
    assert not any("Commander le DTE" in label for label in card.labels())
    assert any("Débloquer la session" in label for label in card.labels())
    assert any("Candidats (5)" in label for label in card.labels())
    candidates = await chat.click(card, "Candidats")
    martin = await chat.click(candidates, "Julie Martin")
    text = plain(martin.text)
    assert "Julie Martin (n° C260000001)" in text and "Résultat : admis" in text
    assert "Duplicata possible à partir du 19/11/2026." in text
    assert {"📄 Demander un duplicata", "🎓 Attestation de réussite"} <= set(martin.labels())


async def test_print_a_session_with_confirmation(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression {TP}")
    assert plain(reply.text).startswith(
        f"Envoyer pour impression les 2 candidats restants de la session {TP} "
        "(Ouvrier du paysage, 23/09/2026) : Aïssatou Diallo, Youssef MARIACH1 ?"
    )
    assert "« Données vérifiées et conformes » sera cochée" in reply.text
    assert reply.labels()[:2] == [texts.OP_CONFIRM, texts.OP_CANCEL]
    assert "✏️ Session" in reply.labels()  # the recap: any value can be changed
    assert documents_preview(demo, "ud75", TP).sent_count == 3  # nothing done yet
    data = reply.button("Confirmer")
    result = await confirm(chat, reply)
    text = plain(result.text)
    assert "1 candidat envoyé pour impression, 1 demande non transmise." in text
    assert "✅ Madame Aïssatou Diallo (n° C260000003) Demande d'impression initiale transmise le 22/11/2026" in text
    assert "⛔ Monsieur Youssef MARIACH1 (n° C260000005)\n" in result.text  # the core's message below
    assert "(n° C260000005) : Les données" not in text
    assert documents_preview(demo, "ud75", TP).sent_count == 4
    # The confirmation button pressed again: nothing happens twice.
    await chat.press(data, reply.message_id, strict=False)
    events = await chat.collect(1, kinds=("callback_answer",))
    assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
    assert not [e for e in events if e["type"] == "message"]


async def test_duplicate_refused_at_3_days_and_allowed_at_10_days(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    # Thomas Nguyen: initial request 3 days ago. The core refuses at the session step,
    # before any confirmation (issue 8: checked as typed).
    await chat.send(f"/duplicata {TP} {NGUYEN}")
    replies = await chat.replies(2)
    with pytest.raises(CeresError) as core_refusal:
        from ceres_core.services.printing import request_duplicate

        request_duplicate(demo, "ud75", TP, NGUYEN, data_verified=True)
    assert plain(replies[0].text).startswith(
        "⛔ Un duplicata ne peut être demandé que 7 jours après la dernière demande "
        "d'impression : possible à partir du 26/11/2026 (R-PRT-6).")
    assert core_refusal.value.message in replies[0].text
    assert "Demander un duplicata" not in replies[-1].text
    # Julie Martin, 10 days ago, found by a search, then her session picked.
    reply = await chat.ask("/duplicata")
    assert reply.text == operation_texts.ASK["candidate"]
    sessions = await chat.ask("martin julie")  # one record of that name: taken at once
    assert sessions.text == operation_texts.ASK["session_of_candidate"]
    assert len([b for b in sessions.labels() if "_B_" in b]) == 2  # TP and CCS sessions
    question = await chat.click(sessions, TP)
    assert "Julie Martin (n° C260000001), session " + TP in plain(question.text)
    result = await confirm(chat, question)
    assert result.text.startswith("✅ Duplicata (l'ensemble des documents) demandé le 22/11/2026 pour Madame Julie Martin")
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 1


async def test_pnd_with_a_new_address_and_no_duplicate(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/pnd {TP} {DUPONT}")
    assert reply.text == operation_texts.ASK["address"]
    reply = await chat.ask("chez elle")
    assert "code postal à 5 chiffres" in reply.text
    reply = await chat.ask("12 rue de la Roquette, 75011 Paris")
    assert plain(reply.text).startswith(
        f"Enregistrer le pli non distribuable de Marie-Hélène Dupont (n° {DUPONT}), session {TP}, "
        "avec la nouvelle adresse « 12 rue de la Roquette, 75011 Paris » ?"
    )
    result = await confirm(chat, reply)
    text = plain(result.text)
    assert "Pli non distribuable enregistré" in text and "Aucune demande de duplicata" in text
    assert "Nouvelle adresse : 12 rue de la Roquette, 75011 Paris" in text
    history = print_history(demo, "ud75", TP, DUPONT)
    assert history.candidate.duplicates_count == 0 and len(history.pnd_events) == 2


async def test_attestation_as_a_document(services: Services, demo):
    h = BotHarness(services, documents=True)
    await h.start()
    try:
        chat = await linked(h, demo, "ud75")
        await chat.send(f"/attestation {TP} {MARTIN}")
        events = await chat.collect(1, kinds=("document",))
        document = next(e for e in events if e["type"] == "document")["message"]
        assert document["document"]["file_name"].endswith(".pdf")
        assert document["document"]["mime_type"] == "application/pdf"
        assert "Attestation de réussite" in document["caption"]
        stored = next(iter(h.api.bots[h.token].files.values()))
        assert stored.content.startswith(b"%PDF")
    finally:
        await h.stop()


class LinkHarness(BotHarness):
    """A server without ``sendDocument`` and a download server for the links."""

    public_url: str | None = None

    def config(self) -> BotConfig:
        return dataclasses.replace(super().config(), public_url=self.public_url)


@pytest.fixture
async def link_harness(services: Services, demo) -> AsyncIterator[LinkHarness]:
    downloads = DownloadServer(demo)
    h = LinkHarness(services)
    h.public_url = await downloads.start()
    await h.start()
    try:
        yield h
    finally:
        await h.stop()
        await downloads.stop()


async def test_attestation_via_a_one_time_link(link_harness: LinkHarness, demo):
    chat = await linked(link_harness, demo, "ud75")
    reply = await chat.ask(f"/attestation {TP} {MARTIN}")
    assert "sendDocument".lower() not in link_harness.api.methods
    assert "valable une seule fois" in reply.text
    url = next(e["url"] for e in reply.entities if e["type"] == "text_link")
    assert url.startswith(link_harness.public_url + "/telechargement/")
    async with aiohttp.ClientSession() as http:
        async with http.get(url) as resp:
            assert resp.status == 200 and resp.content_type == "application/pdf"
            assert (await resp.read()).startswith(b"%PDF")
        async with http.get(url) as resp:  # once only
            assert resp.status == 410
            assert "n'est plus valable" in await resp.text()


async def test_attestation_without_documents_nor_download_server(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/attestation {TP} {MARTIN}")
    assert "aucun serveur de téléchargement n'est configuré" in reply.text


async def test_dte_timeline_of_a_session(harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/calendrier_dte {TP}")
    text = plain(reply.text)
    assert f"DTE de la session {TP} (TP, validée)" in text
    assert "État : DTE préparé (liens envoyés)" in text
    assert "Date limite de commande du DTE : lundi 22 juin 2026 (R-DTE-1)" in text


async def test_dte_order_form_to_confirmation(harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(f"/commande_dte {TP_FUTURE}")
    assert reply.text == operation_texts.ASK["candidates_count"]
    reply = await chat.ask("douze")
    assert "en chiffres" in reply.text
    reply = await chat.ask("12")
    assert reply.text == operation_texts.ASK["rs_kind"]
    reply = await chat.click(reply, "RS titulaire")
    assert reply.text == operation_texts.ASK["contact_name"]
    await chat.ask("Sophie Bernard")
    await chat.ask("01 43 55 66 77")
    await chat.ask("examens@formapro.example")
    reply = await chat.ask("12 rue de la Roquette, 75011 Paris")
    assert reply.text == operation_texts.ASK["comment"]
    summary = await chat.click(reply, operation_texts.NO_COMMENT)
    text = plain(summary.text)
    assert text.startswith(f"Commander le DTE de la session {TP_FUTURE} (Ouvrier du paysage, du 01/04/2027) ?")
    assert "Nombre de candidats : 12" in text and "RS titulaire de l'agrément" in text
    assert "Sophie Bernard, 01 43 55 66 77, examens@formapro.example" in text
    result = await confirm(chat, summary)
    text = plain(result.text)
    assert f"Commande du DTE enregistrée le 22/11/2026 pour la session {TP_FUTURE}" in text
    assert "RS titulaire – Claire Martin" in text


async def test_register_a_centre_then_transfer_the_misplaced_site(harness: BotHarness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    reply = await chat.ask("/centre 553 015 348 00012")
    assert reply.text == operation_texts.ASK["register_centre.site"]  # R-SITE-6: the site the centre is for
    reply = await chat.click(reply, "S-930002")
    assert "Enregistrer dans CERES le centre de SIRET <b>" not in reply.text  # HTML parsed
    assert "centre de SIRET 553 015 348 00012" in plain(reply.text)
    result = await confirm(chat, reply)
    assert "Centre enregistré dans CERES : INSTITUT DES METIERS DU PAYSAGE" in plain(result.text)
    reply = await chat.ask("/transfert_site")
    assert reply.text == operation_texts.ASK["site"]
    reply = await chat.click(reply, "S-930002")
    assert reply.text == operation_texts.ASK["target_siret"]
    reply = await chat.ask(IMP_SIRET)
    text = plain(reply.text)
    assert text.startswith(
        "Êtes-vous sûr de vouloir transférer le site vers le centre INSTITUT DES METIERS DU PAYSAGE ?"
    )
    assert "Centre actuel : " in text and "Nouveau centre : INSTITUT DES METIERS DU PAYSAGE (55301534800012)" in text
    assert "TITRE_B_2027_470426" in text
    result = await confirm(chat, reply)
    assert "est transféré vers le centre « INSTITUT DES METIERS DU PAYSAGE »" in plain(result.text)
    from ceres_core.services.sites import get_site

    assert get_site(demo, "dreets.idf", "S-930002").centre.siret == IMP_SIRET


async def test_transfert_procedure_ends_on_operations(harness: BotHarness, demo):
    chat = await linked(harness, demo, "dreets.idf")
    reply = await chat.ask("/transfert")
    reply = await chat.click(reply, "centre de reprise")
    # lookup: site → the sites of the DREETS's zone on the centre de reprise, as buttons
    reply = await chat.click(reply, "S-930002")
    # actor_is_site_dreets answered by the core, then the target SIRET is asked
    await chat.send(IMP_SIRET)
    replies = await chat.replies(2)
    leaf = replies[-1]
    assert "ne correspond à aucun centre enregistré" in plain(leaf.text)
    assert {"Enregistrer le centre", "Transférer le site", "Courrier d'activation"} <= set(
        leaf.labels()
    )
    question = await chat.click(leaf, "Enregistrer le centre")
    assert "centre de SIRET 553 015 348 00012" in plain(question.text)
    result = await confirm(chat, question)
    assert "Centre enregistré dans CERES" in result.text
    question = await chat.click(leaf, "Transférer le site")
    assert question.text.startswith(
        "Êtes-vous sûr de vouloir transférer le site vers le centre INSTITUT DES METIERS DU PAYSAGE ?"
    )
    result = await confirm(chat, question)
    assert "est transféré vers le centre" in result.text


async def test_out_of_scope_operation_is_refused_with_the_core_message(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    await chat.send(f"/impression {BZH}")
    refused, asked = await chat.replies(2)
    from ceres_core.services.printing import request_print_for_session

    with pytest.raises(CeresError) as refusal:
        request_print_for_session(demo, "ud75", BZH)
    assert refusal.value.rule == "R-ACT-2"
    assert refused.text.startswith("⛔ " + refusal.value.message)
    assert "hors de votre périmètre (R-ACT-2)" in refused.text
    assert asked.text == operation_texts.ASK["session"]  # nothing lost: the session is asked again
    assert BZH not in " ".join(asked.labels())


async def test_cancel_a_confirmation(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/impression {TP}")
    result = await chat.click(reply, "Annuler")
    assert result.text == operation_texts.CONFIRM_CANCELLED
    assert documents_preview(demo, "ud75", TP).sent_count == 3
    await chat.press(reply.button("Confirmer"), reply.message_id, strict=False)
    await chat.collect(1, kinds=("callback_answer",))
    assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
    assert documents_preview(demo, "ud75", TP).sent_count == 3


async def test_confirmation_survives_a_restart_and_works_once(harness: BotHarness, services, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/duplicata {TP} {MARTIN}")
    data = reply.button("Confirmer")
    await harness.stop_bot()
    harness.services = Services(services.core, services.matcher, services.procedures)
    await harness.start_bot()
    await chat.press(data, reply.message_id)
    result = await chat.reply()
    assert result.text.startswith("✅ Duplicata")
    for _ in range(2):  # replayed, before and after another restart
        await chat.press(data, reply.message_id, strict=False)
        events = await chat.collect(1, kinds=("callback_answer",))
        assert chat.callback_answers() == [texts.BUTTON_EXPIRED]
        assert not [e for e in events if e["type"] == "message"]
        await harness.stop_bot()
        await harness.start_bot()
    assert print_history(demo, "ud75", TP, MARTIN).candidate.duplicates_count == 1


async def test_form_abandoned_by_annuler_and_by_another_command(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(f"/pnd {TP} {DUPONT}")
    assert reply.text == operation_texts.ASK["address"]
    reply = await chat.ask("/annuler")
    assert reply.text == texts.CANCELLED_ALL
    # Free text is a question again.
    reply = await chat.ask("Comment demander un duplicata ?")
    assert "duplicata" in reply.text.lower()
    await chat.ask(f"/pnd {TP} {DUPONT}")
    reply = await chat.ask("/sessions")
    assert "Vos sessions" in reply.text
    reply = await chat.ask("12 rue de la Roquette, 75011 Paris")
    assert "Enregistrer le pli non distribuable" not in reply.text
