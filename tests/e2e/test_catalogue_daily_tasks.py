"""The remaining daily tasks of issue 8, end to end on the local Bot API server (demo data,
clock 22/11/2026): a session's dates moved (R-SES-2/R-SES-5), a likely duplicate
reported to the DREETS (R-CAN-5), the cancellation and print recaps read from the
core, the PND refused before the documents can have been mailed (R-AFT-2), the
session card's next deadline, the new record's contact data, the command menus."""

from __future__ import annotations

from datetime import date

import pytest

from bot import operation_texts
from ceres_core.services.sessions import get_session
from tests.e2e.harness import BotHarness, linked, plain
from tests.e2e.test_catalogue_operations import FUTURE, TP

pytestmark = pytest.mark.e2e


# -- R-SES-2 / R-SES-5: a session's dates --------------------------------------------------------


async def test_centre_moves_its_session_in_preparation_and_the_ud_a_validated_one(
        harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    asked = await chat.ask(f"/dates_session {FUTURE}")
    assert asked.text == operation_texts.ASK["change_session_dates.start_date"]
    # Before today: the core refuses at that step (R-SES-1), nothing lost.
    refused = await chat.ask("01/11/2026")
    assert refused.text.startswith("⛔") and "(R-SES-1)" in refused.text
    asked = await chat.ask("08/04/2027")
    assert asked.text == operation_texts.ASK["change_session_dates.end_date"]
    asked = await chat.ask("09/04/2027")
    recap = await chat.click(asked, operation_texts.NO_REASON)
    text = plain(recap.text)
    assert text.startswith(f"Modifier les dates de la session {FUTURE}")
    assert "Aujourd'hui : du 01/04/2027 au 02/04/2027" in text
    assert "Nouvelles dates : du 08/04/2027 au 09/04/2027" in text
    done = await chat.click(recap, "Confirmer")
    assert plain(done.text).startswith(f"✅ Les dates de la session {FUTURE} sont modifiées")
    assert get_session(demo, "centre.formapro", FUTURE).start_date == date(2027, 4, 8)
    # A validated session: the centre is refused at the session step, told who does it.
    await chat.send(f"/dates_session {TP}")
    refused, asked = await chat.replies(2)
    assert refused.text.startswith("⛔") and "(R-SES-5)" in refused.text
    assert "qui peuvent modifier les dates de la session" in plain(refused.text)
    assert asked.text == operation_texts.ASK["session"]
    assert TP not in " ".join(asked.labels())  # the picker offers only what the core allows
    # The UD of the département moves the validated session, from its card.
    ud = await linked(harness, demo, "ud75")
    listing = await ud.ask("/sessions")
    card = await ud.click(listing, TP)
    label = operation_texts.CARD_LABEL["change_session_dates"]
    assert label in card.labels()
    asked = await ud.click(card, label)
    assert asked.text == operation_texts.ASK["change_session_dates.start_date"]
    await ud.ask("30/09/2026")
    asked = await ud.ask("01/10/2026")
    recap = await ud.ask("Erreur de saisie du centre")
    assert "Motif : « Erreur de saisie du centre »" in plain(recap.text)
    done = await ud.click(recap, "Confirmer")
    assert done.text.startswith("✅")
    assert get_session(demo, "ud75", TP).start_date == date(2026, 9, 30)


# -- R-CAN-5: a likely duplicate reported to the DREETS --------------------------------------------


def _tickets_of(core, chat_id: int) -> list:
    from sqlalchemy import select

    from tickets.models import Ticket

    with core.transaction() as db:
        return [(t.category, t.subject, (t.context or {}).get("candidate_ids"), t.number)
                for t in db.scalars(select(Ticket).where(Ticket.requester_chat_id == chat_id))]


async def test_a_likely_duplicate_reported_to_the_dreets_from_the_list_and_the_card(
        harness: BotHarness, demo):
    from ceres_core.services.candidates import find_duplicates

    pair = find_duplicates(demo, "centre.formapro")[0]
    first, second = pair.first.ceres_id, pair.second.ceres_id
    chat = await linked(harness, demo, "centre.formapro")
    listing = await chat.ask("/doublons")
    button = operation_texts.REPORT_PAIR.format(first=first, second=second)
    assert button in listing.labels()
    asked = await chat.click(listing, button)
    assert asked.text == operation_texts.ASK["report_duplicate.comment"]
    recap = await chat.click(asked, operation_texts.NO_COMMENT)
    text = plain(recap.text)
    assert text.startswith("Signaler à la DRIEETS") and first in text and second in text
    assert "(R-CAN-5)" in text
    done = await chat.click(recap, "Confirmer")
    assert plain(done.text).startswith("✅ Demande n°") and "(R-CAN-5)" in done.text
    [(category, subject, ids, number)] = _tickets_of(demo, chat.chat_id)
    assert category == "doublon_candidat" and ids == [first, second]
    assert number in done.text and "doublon" in subject
    # From the candidate card of a UD: the other record is offered by the core.
    ud = await linked(harness, demo, "ud75")
    listing = await ud.ask("/sessions")
    card = await ud.click(listing, TP)
    candidates = await ud.click(card, "Candidats")
    card = await ud.click(candidates, first)
    label = operation_texts.CARD_LABEL["report_duplicate"]
    assert label in card.labels()
    asked = await ud.click(card, label)
    assert asked.text == operation_texts.ASK["report_duplicate.other"]
    asked = await ud.click(asked, second)
    recap = await ud.ask("Même personne : deux fiches créées par deux centres")
    assert "Commentaire : « Même personne : deux fiches créées par deux centres »" in plain(
        recap.text)
    done = await ud.click(recap, "Confirmer")
    assert done.text.startswith("✅ Demande n°")
    assert [t[0] for t in _tickets_of(demo, ud.chat_id)] == ["doublon_candidat"]
    # A record with no likely duplicate: no such button on its card.
    card = await ud.click(candidates, "C260000001")
    assert label not in card.labels()


# -- R-SES-5 / R-PRT-4: cancelling a validated session whose prints were sent ---------------------


async def test_cancelling_a_validated_session_warns_of_the_prints_sent_before_confirming(
        harness: BotHarness, demo):
    from ceres_core.services.printing import documents_preview

    sent = [c for c in documents_preview(demo, "ud75", TP).candidates if c.initial_request_on]
    assert sent
    chat = await linked(harness, demo, "ud75")
    asked = await chat.ask(f"/annuler_session {TP}")
    assert asked.text == operation_texts.ASK["reason"]
    recap = await chat.ask("Titre retiré")
    text = plain(recap.text)
    assert text.startswith(f"Annuler la session {TP}")
    warning = text.split("⚠️", 1)[1]
    assert f"Les documents de {len(sent)} candidats ont déjà été envoyés pour impression" \
        in warning
    assert all(c.first_name in warning for c in sent)
    assert "(R-SES-5)" in warning and "service impression de l'Afpa" in warning
    assert "Confirmer" in " ".join(recap.labels())  # the warning comes before ✅ Confirmer
    done = await chat.click(recap, "Confirmer")
    assert plain(done.text).startswith(f"✅ Session {TP} annulée")
    assert "(R-SES-5)" in done.text
    assert get_session(demo, "ud75", TP).state == "annulee"


# -- R-AFT-2: no PND for documents just sent to print ---------------------------------------------


async def test_pnd_refused_for_documents_just_sent_and_not_offered_by_the_picker(
        harness: BotHarness, demo):
    from ceres_core.services.printing import print_history

    just_sent, mailed = "C260000002", "C260000001"  # sent on 19/11 and on 12/11 (today 22/11)
    assert print_history(demo, "ud75", TP, just_sent).pnd_possible_from == date(2026, 11, 26)
    chat = await linked(harness, demo, "ud75")
    # The candidate first: the session step refuses it, with the date it becomes possible.
    await chat.send(f"/pnd {just_sent}")
    refused, *_ = await chat.replies(1)
    text = plain(refused.text)
    assert text.startswith("⛔") and "(R-AFT-2)" in text
    assert "envoyés pour impression le 19/11/2026" in text and "avant le 26/11/2026" in text
    await chat.ask("/annuler")
    # The session first: the picker offers only candidates whose mail can have come back.
    asked = await chat.ask(f"/pnd {TP}")
    assert asked.text == operation_texts.ASK["candidate_in_session"]
    labels = " ".join(asked.labels())
    assert mailed in labels and just_sent not in labels
    assert "C260000003" not in labels  # nothing sent: no PND either
    asked = await chat.click(asked, mailed)
    assert asked.text == operation_texts.ASK["address"]
    # The candidate cards: the PND button only where the core would accept it.
    listing = await chat.ask("/sessions")
    card = await chat.click(listing, TP)
    candidates = await chat.click(card, "Candidats")
    label = operation_texts.CARD_LABEL["record_pnd"]
    assert label in (await chat.click(candidates, mailed)).labels()
    assert label not in (await chat.click(candidates, just_sent)).labels()


# -- R-PRT-2: the print recap shows what « Données vérifiées et conformes » attests ----------------


async def test_print_recap_shows_the_data_attested_for_each_named_candidate(
        harness: BotHarness, demo):
    from ceres_core.services.printing import documents_preview

    preview = documents_preview(demo, "ud75", TP)
    todo = [c for c in preview.candidates if c.to_send]
    chat = await linked(harness, demo, "ud75")
    recap = await chat.ask(f"/impression {TP}")
    text = plain(recap.text)
    data, attest = text.split("En confirmant, vous attestez", 1)
    assert "Données à vérifier" in data
    for c in todo:  # each named candidate, from the core's preview, before the attestation
        born = "née" if c.civility == "Madame" else "né"
        line = (f"{c.civility} {c.first_name} {c.last_name} (n° {c.ceres_id}), {born} le "
                f"{c.birth_date:%d/%m/%Y} à {c.birth_place}")
        assert line in data, line
        assert f"{preview.title_code}) – résultat : {c.result_label}" in data
    assert "&#" not in recap.text and "&amp;" not in text
    await chat.ask("/annuler")
    one = todo[0]
    recap = await chat.ask(f"/impression_candidat {TP} {one.ceres_id}")
    text = plain(recap.text)
    assert f"{one.first_name} {one.last_name} (n° {one.ceres_id})" in text
    assert f"le {one.birth_date:%d/%m/%Y} à {one.birth_place}" in text
    assert f"résultat : {one.result_label}" in text
    assert text.index("Données à vérifier") < text.index("En confirmant")


# -- the session card's next deadline, in one line ----------------------------------------------


async def test_session_card_shows_the_next_deadline_in_one_line(harness: BotHarness, demo):
    from ceres_core.services.dte import next_session_date

    chat = await linked(harness, demo, "centre.formapro")
    listing = await chat.ask("/sessions")
    for ref in (FUTURE, "TITRE_B_2026_470402", "TITRE_B_2026_470403", TP):
        card = await chat.click(listing, ref)
        lines = [plain(line) for line in card.text.splitlines() if "chéance" in line]
        assert len(lines) == 1, card.text  # one line
        deadline = next_session_date(demo, "centre.formapro", ref)
        if deadline is None:
            assert lines[0] == "⏰ Prochaine échéance : aucune"
        else:
            assert deadline.label in lines[0]
            assert lines[0].startswith("⚠️ Échéance dépassée" if deadline.overdue
                                       else "⏰ Prochaine échéance")
    assert next_session_date(demo, "centre.formapro", FUTURE).rule == "R-DTE-1"
    assert next_session_date(demo, "centre.formapro", "TITRE_B_2026_470402").rule == "R-DTE-7"
    assert next_session_date(demo, "centre.formapro", "TITRE_B_2026_470403").overdue


# -- a new record's contact data: address, e-mail, phone, each checked as typed -----------------


async def test_new_record_asks_address_email_and_phone_each_checked_as_typed(
        harness: BotHarness, demo):
    from ceres_core.services.candidates import get_candidate, search_candidates

    chat = await linked(harness, demo, "centre.formapro")
    await chat.ask("/creer_candidat")
    await chat.ask("Fontaine")
    await chat.ask("Camille")
    reply = await chat.ask("03/05/1994")
    reply = await chat.click(reply, "Madame")
    reply = await chat.click(reply, "France")
    await chat.ask("Nantes")
    reply = await chat.ask("44000")
    assert reply.text == operation_texts.ASK["create_candidate.address"]
    refused = await chat.ask("rue sans code postal")  # the address kind, as the PND's
    assert refused.text.startswith("⛔") and "code postal à 5 chiffres" in refused.text
    reply = await chat.ask("3 quai de la Fosse, 44000 Nantes")
    assert reply.text == operation_texts.ASK["create_candidate.email"]
    refused = await chat.ask("camille.fontaine@")  # the core's check, at this step
    assert refused.text.startswith("⛔") and "n'est pas valide" in refused.text
    assert "Rien n'est perdu" in refused.text
    reply = await chat.ask("camille.fontaine@exemple.fr")
    assert reply.text == operation_texts.ASK["create_candidate.phone"]
    refused = await chat.ask("pas de tel")
    assert refused.text.startswith("⛔") and "« pas de tel » n'est pas valable" in refused.text
    recap = await chat.ask("06 12 34 56 78")
    text = plain(recap.text)
    assert text.startswith("Créer la fiche candidat de Madame Camille Fontaine, née le 03/05/1994")
    assert "Adresse : 3 quai de la Fosse, 44000 Nantes" in text
    assert "E-mail : camille.fontaine@exemple.fr" in text and "Téléphone : 06 12 34 56 78" in text
    assert "✏️ Adresse" in recap.labels() and "✏️ Téléphone" in recap.labels()
    done = await chat.click(recap, "Confirmer")
    assert done.text.startswith("✅ Fiche créée")
    hit = search_candidates(demo, "centre.formapro", "Camille Fontaine", birth_date="03/05/1994")
    record = get_candidate(demo, "centre.formapro", hit[0].candidate.ceres_id)
    assert (record.address, record.postal_code, record.city) == (
        "3 quai de la Fosse", "44000", "Nantes")
    assert (record.email, record.phone) == ("camille.fontaine@exemple.fr", "06 12 34 56 78")


async def test_new_record_close_to_an_existing_one_offers_to_report_it(harness: BotHarness, demo):
    from ceres_core.services.candidates import get_candidate

    known = get_candidate(demo, "ud75", "C260000006")  # Mme Marie-Hélène Dupont
    chat = await linked(harness, demo, "centre.formapro")
    await chat.ask("/creer_candidat")
    await chat.ask("Dupond")  # one letter apart, same birth date: a likely duplicate
    await chat.ask(known.first_name)
    reply = await chat.ask(f"{known.birth_date:%d/%m/%Y}")
    reply = await chat.click(reply, "Madame")
    reply = await chat.click(reply, "France")
    await chat.ask("Paris")
    reply = await chat.ask("75012")
    reply = await chat.click(reply, operation_texts.EMPTY_ANSWER["address"])
    reply = await chat.click(reply, operation_texts.EMPTY_ANSWER["email"])
    recap = await chat.click(reply, operation_texts.EMPTY_ANSWER["phone"])
    assert known.ceres_id in recap.text  # the close records, before creating
    done = await chat.click(recap, "Confirmer")
    button = operation_texts.REPORT_WITH.format(ceres_id=known.ceres_id)
    assert button in done.labels()
    asked = await chat.click(done, button)
    assert asked.text == operation_texts.ASK["report_duplicate.comment"]
    recap = await chat.click(asked, operation_texts.NO_COMMENT)
    assert known.ceres_id in recap.text and "(R-CAN-5)" in recap.text
    done = await chat.click(recap, "Confirmer")
    assert done.text.startswith("✅ Demande n°")


# -- command menus of chats linked before the catalogue changed ----------------------------------


async def test_menus_of_chats_linked_before_are_refreshed_at_bot_start(
        harness: BotHarness, demo):
    import asyncio

    from bot import accounts, catalogue

    # Two chats linked while the bot was not there to set their menus (an older catalogue).
    centre = harness.chat()
    ud = harness.chat()
    for chat, login in ((centre, "centre.formapro"), (ud, "ud75")):
        code = accounts.issue_link_code(demo, login, 30).code
        accounts.redeem_link_code(demo, code, chat.chat_id, chat.chat_id)
    menus = harness.api.bots[harness.token].commands
    stale = [{"command": "sessions", "description": "Mes sessions"}]
    menus[f"chat:{centre.chat_id}"] = list(stale)
    await harness.stop_bot()
    await harness.start_bot()  # setMyCommands for every linked chat, in the background
    for _ in range(100):
        if all(menus.get(f"chat:{c.chat_id}") not in (None, stale) for c in (centre, ud)):
            break
        await asyncio.sleep(0.05)
    for chat, login in ((centre, "centre.formapro"), (ud, "ud75")):
        mine = {c["command"] for c in menus[f"chat:{chat.chat_id}"]}
        expected = {command for command, _ in catalogue.menu_for(demo, login)}
        assert expected <= mine, (login, expected - mine)
        others = {op.command for op in catalogue.CATALOGUE} - expected
        assert not others & mine, (login, others & mine)
    assert "dates_session" in {c["command"] for c in menus[f"chat:{centre.chat_id}"]}
    assert "valider" in {c["command"] for c in menus[f"chat:{ud.chat_id}"]}
