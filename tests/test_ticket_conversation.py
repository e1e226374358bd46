"""The requester's conversation with the helpdesk (issue 11, defects 1, 2, 4, 5, 6, 7):
messages threaded to the right ticket, reopening from the chat, routing from what the
conversation knows, no queue without staff, French wording of the relayed messages."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from ceres_core.clock import PARIS
from ceres_core.errors import CeresError
from tickets.models import ChatMessageLink, Delivery, Ticket
from tickets.routing import Category, Route, RoutingInput, route
from tickets.services import (
    TARGET_AMBIGUOUS,
    TARGET_NONE,
    TARGET_REPLY,
    TARGET_SINGLE,
    Requester,
    TicketContext,
    add_staff,
    assign,
    claim,
    list_my_tickets,
    list_queue,
    mark_delivered,
    move_to_queue,
    open_ticket,
    pending_deliveries,
    remember_chat_message,
    requester_message,
    resolve_requester_target,
    resume_ticket_mode,
    set_status,
    staff_reply,
)
from tickets.texts import contract, elide, person_name, queue_phrase

PASSWORD = "un-mot-de-passe-long"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
UD75 = Requester(7501, "Paul Durand (UD 75)", "ud75")


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "assist", "Anne Assistance", PASSWORD, ["assistance"])
    add_staff(core, "afpa", "Alain Afpa", PASSWORD, ["afpa-impression"])
    add_staff(core, "drieets", "Dina DRIEETS", PASSWORD, ["dreets-11"])
    add_staff(core, "gev", "Gaël GEV", PASSWORD, ["gev-btp"])
    return core


def _deliver_all(core) -> dict[int, int]:
    """Send the outbox like the worker does; returns Telegram message id → delivery id."""
    sent = {}
    next_id = 5000
    while True:
        items = pending_deliveries(core, 50)
        if not items:
            return sent
        for item in items:
            next_id += 1
            mark_delivered(core, item.id, next_id)
            sent[next_id] = item.id


def _ticket_of_message(core, telegram_id: int) -> int:
    with core.transaction() as db:
        return db.get(ChatMessageLink, (UD75.chat_id, telegram_id)).ticket_id


# -- defect 2: a requester's message lands in the right ticket --------------------------------


def test_defect_2_message_threaded_by_telegram_reply_to_its_ticket(desk):
    afpa = open_ticket(desk, UD75, "PND de la session 12", None,
                       RoutingInput(category="courrier", requester_kind="ud"))
    drieets = open_ticket(desk, UD75, "Doublon de candidat", None,
                          RoutingInput(category="doublon_candidat", region="11"))
    staff_reply(desk, "drieets", drieets.number, "Quel est le nom du candidat ?")
    staff_reply(desk, "afpa", afpa.number, "Le pli est reparti ce matin.")  # most recent
    sent = _deliver_all(desk)
    # every relayed message is mapped to its ticket and names it
    with desk.transaction() as db:
        for telegram_id, delivery_id in sent.items():
            delivery = db.get(Delivery, delivery_id)
            assert _ticket_of_message(desk, telegram_id) == delivery.ticket_id
            number = db.get(Ticket, delivery.ticket_id).number
            assert number in delivery.text
    drieets_msg = next(t for t, d in sent.items() if _delivery_ticket(desk, d) == drieets.ticket_id)

    target = resolve_requester_target(desk, UD75.chat_id, drieets_msg)
    assert target.kind == TARGET_REPLY and target.ticket.number == drieets.number

    # without a reply: two tickets wait for the requester → ask which one
    target = resolve_requester_target(desk, UD75.chat_id, None)
    assert target.kind == TARGET_AMBIGUOUS
    assert {t.number for t in target.candidates} == {afpa.number, drieets.number}

    requester_message(desk, UD75.chat_id, target.candidates[1].id, "Il s'appelle Jean Dupont.")
    # a reply to an unknown message (not one of ours) is not a ticket's
    assert resolve_requester_target(desk, UD75.chat_id, 999999).kind == TARGET_AMBIGUOUS


def _delivery_ticket(core, delivery_id: int) -> int:
    with core.transaction() as db:
        return db.get(Delivery, delivery_id).ticket_id


def test_defect_2_single_waiting_ticket_and_none(desk):
    opened = open_ticket(desk, UD75, "Question d'utilisation", None, RoutingInput(category="utilisation"))
    assert resolve_requester_target(desk, UD75.chat_id).kind == TARGET_NONE  # nobody holds it
    claim(desk, "assist", opened.number)
    target = resolve_requester_target(desk, UD75.chat_id)
    assert target.kind == TARGET_SINGLE and target.ticket.number == opened.number
    assert not target.reopens and not target.follow_up
    # another chat's message ids never point to this ticket
    _deliver_all(desk)
    assert resolve_requester_target(desk, 4242, 5001).kind == TARGET_NONE


def test_defect_2_bot_messages_about_a_ticket_can_be_remembered(desk):
    opened = open_ticket(desk, UD75, "Question", None, RoutingInput(category="utilisation"))
    remember_chat_message(desk, UD75.chat_id, 77, opened.ticket_id)
    remember_chat_message(desk, UD75.chat_id, 77, opened.ticket_id)  # idempotent
    assert resolve_requester_target(desk, UD75.chat_id, 77).ticket.number == opened.number
    with pytest.raises(CeresError):
        remember_chat_message(desk, 4242, 78, opened.ticket_id)  # not this chat's ticket


# -- defect 1: reopening a resolved ticket from the chat ---------------------------------------


def test_defect_1_resolved_ticket_reopened_from_the_chat_within_the_delay(desk, clock):
    opened = open_ticket(desk, UD75, "Question", None, RoutingInput(category="utilisation"))
    staff_reply(desk, "assist", opened.number, "Voici la marche à suivre.")
    set_status(desk, "assist", opened.number, "résolu")
    sent = _deliver_all(desk)
    resolved_msg = max(sent)
    assert "répondez à ce message dans les 7 jours" in _delivery_text(desk, sent[resolved_msg])

    clock.advance(days=3)
    # the requester's next message (a reply or not) goes to the resolved ticket
    target = resolve_requester_target(desk, UD75.chat_id)
    assert target.kind == TARGET_SINGLE and target.reopens
    mine = list_my_tickets(desk, UD75.chat_id)[0]
    assert mine.reopen_until == MONDAY_9 + timedelta(days=7)
    resume_ticket_mode(desk, UD75.chat_id, opened.number)  # « Écrire » in /mes_tickets
    result = requester_message(desk, UD75.chat_id, target.ticket.id, "Ça ne marche toujours pas.")
    assert result.reopened and result.ticket.status == "en_cours"

    # after the delay, the reply opens a linked follow-up instead
    set_status(desk, "assist", opened.number, "résolu")
    clock.advance(days=8)
    assert resolve_requester_target(desk, UD75.chat_id).kind == TARGET_NONE
    target = resolve_requester_target(desk, UD75.chat_id, resolved_msg)
    assert target.kind == TARGET_REPLY and target.follow_up and not target.reopens
    result = requester_message(desk, UD75.chat_id, target.ticket.id, "Encore moi.")
    assert result.follow_up is not None


def _delivery_text(core, delivery_id: int) -> str:
    with core.transaction() as db:
        return db.get(Delivery, delivery_id).text


# -- defect 4: routing uses the session, site and centre known -----------------------------------


def test_defect_4_routing_reads_sector_and_departement_from_the_core(desk, world):
    # a session known from the conversation: its title's sector (BTP) → GEV BTP
    opened = open_ticket(desk, UD75, "DTE non reçu", None,
                         RoutingInput(topic="dte-non-recu", session_ref="TITRE_A_2027_000001"))
    assert opened.queue == "gev-btp", opened.explanation
    # the same through the ticket's context
    opened = open_ticket(desk, UD75, "DTE non reçu",
                         TicketContext(session_ref="TITRE_A_2027_000001"),
                         RoutingInput(topic="dte-non-recu"))
    assert opened.queue == "gev-btp"
    # a centre with a single site reports a lost envelope: the site's département (75)
    add_staff(desk, "ud75", "Ulysse UD", PASSWORD, ["ud-75"])
    centre = Requester(1001, "Sophie Bernard (Formapro Paris)", "centre_a")
    opened = open_ticket(desk, centre, "Pli perdu", None,
                         RoutingInput(category="courrier", requester_kind="centre",
                                      centre_id=world.centres["A"]))
    assert opened.queue == "ud-75", opened.explanation
    # a site given by id
    opened = open_ticket(desk, centre, "Pli perdu", None,
                         RoutingInput(category="courrier", requester_kind="centre",
                                      site_id=world.sites["A1"]))
    assert opened.queue == "ud-75"
    # a DREETS question from an account whose département is known
    opened = open_ticket(desk, UD75, "Transfert", None,
                         RoutingInput(category="transfert_site", account_departement="75"))
    assert opened.queue == "dreets-11"


# -- defect 5: no ticket in a queue nobody covers ---------------------------------------------------


def test_defect_5_routing_never_chooses_a_queue_without_staff(desk, world):
    decision = route(RoutingInput(category="courrier", requester_kind="centre", departement="75"),
                     staffed=frozenset({"assistance"}))
    assert isinstance(decision, Route) and decision.queue == "assistance"
    assert decision.category is Category.COURRIER
    assert "l'UD de la DRIEETS (75 – Paris) n'a encore personne" in decision.explanation
    centre = Requester(1001, "Sophie Bernard (Formapro Paris)", "centre_a")
    opened = open_ticket(desk, centre, "PND", None,
                         RoutingInput(category="courrier", requester_kind="centre", departement="75"))
    assert opened.queue == "assistance" and "n'a encore personne" in opened.explanation


def test_defect_5_transfer_to_a_queue_without_staff_is_refused(desk):
    opened = open_ticket(desk, UD75, "Question", None, RoutingInput(category="utilisation"))
    with pytest.raises(CeresError, match="aucun membre actif"):
        move_to_queue(desk, "assist", opened.number, "ud-29")
    assert move_to_queue(desk, "assist", opened.number, "gev-btp").queue == "gev-btp"


# -- defect 6: « Attribuer » tells the requester; the queue's order; search --------------------------


def test_defect_6_assign_announces_taken_over(desk):
    opened = open_ticket(desk, UD75, "Question", None, RoutingInput(category="utilisation"))
    add_staff(desk, "assist2", "Bea Assistance", PASSWORD, ["assistance"])
    assign(desk, "assist", opened.number, "assist2")
    texts = [item.text for item in pending_deliveries(desk, 10)]
    assert any("a pris en charge votre demande " + opened.number in t for t in texts), texts


def test_defect_6_queue_sorted_by_the_due_date_shown(desk, clock):
    first = open_ticket(desk, UD75, "Ancienne, déjà répondue", None, RoutingInput(category="utilisation"))
    staff_reply(desk, "assist", first.number, "Réponse rapide.")  # next due: resolution (far)
    clock.advance(minutes=30)
    second = open_ticket(desk, UD75, "Récente, sans réponse", None, RoutingInput(category="utilisation"))
    page = list_queue(desk, "assist", "assistance")
    shown = [row.sla.remaining_minutes for row in page.items]
    assert [row.ticket.number for row in page.items] == [second.number, first.number]
    assert shown == sorted(shown)


def test_defect_6_search_accent_insensitive_both_ways_and_in_messages(desk):
    a = open_ticket(desk, Requester(1, "Hélène Lefèvre"), "Problème d'accès", None,
                    RoutingInput(category="utilisation"))
    b = open_ticket(desk, Requester(2, "helene martin"), "Question", None,
                    RoutingInput(category="utilisation"))
    c = open_ticket(desk, Requester(3, "Marc"), "Question",
                    TicketContext(question="Le relevé de l'écrit est illisible"),
                    RoutingInput(category="utilisation"))
    staff_reply(desk, "assist", b.number, "Vérifiez le cœur du problème")

    def found(text):
        return {row.ticket.number for row in list_queue(desk, "assist", "assistance", search=text).items}

    assert found("helene") == {a.number, b.number}
    assert found("Hélène") == {a.number, b.number}
    assert found("RELEVE DE L'ECRIT") == {c.number}
    assert found("coeur") == {b.number}
    assert found("100%") == set()
    assert found(a.number.lower()) == {a.number}


def test_search_by_trigram_indexes_finds_what_the_exists_form_finds(desk):
    """The two forms of the search (ids from each trigram index on PostgreSQL, one OR
    with EXISTS elsewhere) keep the same tickets, on either database."""
    from sqlalchemy import select

    from tickets.models import Queue, Ticket
    from tickets.search import ticket_search_conditions

    a = open_ticket(desk, Requester(1, "Hélène Lefèvre"), "Problème d'accès", None,
                    RoutingInput(category="utilisation"))
    b = open_ticket(desk, Requester(2, "Marc Dupont"), "Question", None,
                    RoutingInput(category="utilisation"))
    staff_reply(desk, "assist", b.number, "Session d'Évry du 12 mars, ref 12345")
    with desk.transaction() as db:
        queue_id = db.scalar(select(Queue.id).where(Queue.code == "assistance"))
        for query in ("helene", "DUPONT", "evry", "12345", a.number, "acces", "nothing here", "%"):
            forms = [set(db.scalars(select(Ticket.number).where(
                Ticket.queue_id == queue_id, *ticket_search_conditions(query, trigram=t))))
                for t in (False, True)]
            assert forms[0] == forms[1], query
        assert set(db.scalars(select(Ticket.number).where(
            *ticket_search_conditions("evry", trigram=True)))) == {b.number}


# -- defect 7: French ------------------------------------------------------------------------------


def test_defect_7_queue_names_with_their_article_and_elision():
    assert elide("la", "UD de la DRIEETS") == "l'UD de la DRIEETS"
    assert contract("de", "le GEV BTP") == "du GEV BTP"
    assert contract("de", "l'Assistance") == "de l'Assistance"
    assert contract("à", "le GEV BTP") == "au GEV BTP"
    assert queue_phrase("afpa", "Afpa – service impression") == "le service impression de l'Afpa"
    assert queue_phrase("assistance", "Assistance des ministères (CERES)").startswith("l'Assistance")
    assert person_name("Sophie Bernard (Formapro Paris)") == "Sophie Bernard"
    assert person_name("Centre Rennes") == "Centre Rennes"


def test_defect_7_relayed_texts_in_correct_french(desk):
    opened = open_ticket(desk, UD75, "Question", None, RoutingInput(category="utilisation"))
    claim(desk, "assist", opened.number)
    pnd = open_ticket(desk, UD75, "PND", None, RoutingInput(category="courrier", requester_kind="ud"))
    claim(desk, "afpa", pnd.number)
    set_status(desk, "afpa", pnd.number, "en attente du demandeur")
    with desk.transaction() as db:
        texts = [d.text for d in db.scalars(select(Delivery).order_by(Delivery.id))]
    assert any(t.startswith("Une personne de l'Assistance des ministères") for t in texts), texts
    assert any(t.startswith("Une personne du service impression de l'Afpa") for t in texts), texts
    assert any("pour que le service impression de l'Afpa puisse poursuivre" in t for t in texts)
    assert not any(" de Assistance" in t or "que Afpa" in t for t in texts)


# -- beyond the fixes: the requester's context on the ticket page ------------------------------------


def test_requester_context_other_tickets_centre_and_ceres_objects(desk, world):
    from ceres_core.models import Profile, Role, User
    from tickets.services import requester_context

    with desk.transaction() as db:  # a colleague of centre A
        colleague = User(login="centre_a2", display_name="Luc Martin", active=True,
                         created_at=desk.clock.now())
        colleague.profiles = [Profile(role=Role.CENTRE, centre_id=world.centres["A"])]
        db.add(colleague)
    centre = Requester(1001, "Sophie Bernard (Formapro Paris)", "centre_a")
    main = open_ticket(desk, centre, "DTE non reçu",
                       TicketContext(session_ref="TITRE_A_2027_000001"),
                       RoutingInput(topic="dte-non-recu"))
    mine = open_ticket(desk, centre, "Autre question", None, RoutingInput(category="utilisation"))
    elsewhere = open_ticket(desk, centre, "Transfert", None,
                            RoutingInput(category="transfert_site", region="11"))
    colleague_ticket = open_ticket(desk, Requester(1002, "Luc Martin", "centre_a2"), "Plis",
                                   None, RoutingInput(topic="dte-non-recu", sector="btp"))
    around = requester_context(desk, "gev", main.number)
    assert [t.number for t in around.requester_tickets] == []  # the others are not in gev-btp
    assert around.hidden_elsewhere == 2
    assert [t.number for t in around.centre_tickets] == [colleague_ticket.number]
    labels = dict(around.objects)
    assert labels["Session"].startswith("TITRE_A_2027_000001 – TP Ouvrier du paysage")
    assert "Formapro Paris" in labels["Centre du demandeur"]
    around = requester_context(desk, "assist", mine.number)
    assert around.hidden_elsewhere == 2 and elsewhere.queue == "dreets-11"


# -- issue 14: the claim's read of the chat's tickets lets the bot skip the lookup --------


def _chat_tickets(core, chat_id):
    from tickets.services import chat_tickets_in

    with core.transaction() as db:
        return chat_tickets_in(db, chat_id)


def test_chat_tickets_may_target_whenever_the_lookup_can_find_a_ticket(desk):
    """``may_target`` False only where :func:`resolve_requester_target` says ``none``."""
    def agree(reply_to=None):
        known = _chat_tickets(desk, UD75.chat_id)
        found = resolve_requester_target(desk, UD75.chat_id, reply_to).kind != TARGET_NONE
        assert known.may_target(reply_to) or not found
        return known

    known = agree()
    assert (known.any, known.waiting) == (False, False)
    assert not known.may_target(None) and not known.may_target(77)
    opened = open_ticket(desk, UD75, "Question", None, RoutingInput(category="utilisation"))
    known = agree()
    assert known.any and known.waiting  # open: may be waiting (the lookup decides)
    claim(desk, "assist", opened.number)
    known = agree()
    assert known.may_target(None)
    remember_chat_message(desk, UD75.chat_id, 77, opened.ticket_id)
    set_status(desk, "assist", opened.number, "clos")
    known = agree(77)
    assert known.any and not known.waiting
    assert not known.may_target(None)  # closed: no text goes to it unless a reply
    assert known.may_target(77)
    assert resolve_requester_target(desk, UD75.chat_id, 77).kind == TARGET_REPLY
    assert _chat_tickets(desk, 4242) == _chat_tickets(desk, 4243)  # other chats: none
    assert not _chat_tickets(desk, 4242).any
