"""Helpdesk services on a real database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from ceres_core.clock import PARIS
from ceres_core.errors import CeresError, InvalidInput, NotFound, RuleViolation
from tickets.models import Delivery, Ticket, TicketEvent, TicketMessage
from tickets.services import (
    OPERATOR,
    AdviceFirst,
    Requester,
    RoutingInput,
    TicketContext,
    TicketOpened,
    add_staff,
    assign,
    authenticate,
    claim,
    close_expired_resolved,
    conversation_owner,
    get_my_ticket,
    get_ticket_detail,
    hand_back_to_bot,
    leave_ticket_mode,
    list_my_tickets,
    list_queue,
    list_tickets,
    move_to_queue,
    open_ticket,
    rate,
    report,
    requester_message,
    resume_ticket_mode,
    set_priority,
    set_status,
    staff_reply,
)

PASSWORD = "un-mot-de-passe-long"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
USER = Requester(1001, "Jeanne Centre", "jcentre")
OTHER_USER = Requester(2002, "Paul Autre")


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "bob", "Bob GEV", PASSWORD, ["gev-btp", "gev-ccp"])
    add_staff(core, "carol", "Carol DREETS", PASSWORD, ["dreets-53"])
    return core


def dte_ticket(core, requester=USER, **kw) -> TicketOpened:
    context = TicketContext(
        question="Nos colis de DTE ne sont pas arrivés, la session est dans 10 jours.",
        transcript=[{"from": "user", "text": "dte pas reçu"}, {"from": "bot", "text": "Article dte-non-recu"}],
        topic="dte-non-recu",
        session_ref="TITRE_B_2026_000001",
        site_code="A1",
    )
    result = open_ticket(core, requester, "DTE non reçu", context,
                         RoutingInput(topic="dte-non-recu", sector="btp", session_kind="TP"), **kw)
    assert isinstance(result, TicketOpened)
    return result


def test_open_ticket_is_committed_with_context_and_routing(desk):
    opened = dte_ticket(desk)
    assert opened.number == f"T-2026-{opened.ticket_id:06d}"
    assert opened.queue == "gev-btp"
    assert opened.explanation.startswith("Transmis au GEV BTP")
    # visible from a brand new session: committed
    with desk.transaction() as db:
        ticket = db.get(Ticket, opened.ticket_id)
        assert ticket.status.value == "nouveau"
        assert ticket.context["session_ref"] == "TITRE_B_2026_000001"
        assert ticket.context["topic"] == "dte-non-recu"
        assert ticket.context["transcript"][0]["text"] == "dte pas reçu"
        assert ticket.context["routing"]["queue"] == "gev-btp"
        assert ticket.first_response_due == datetime(2026, 11, 23, 13, 0, tzinfo=PARIS)
        assert db.scalar(select(func.count()).select_from(TicketMessage)) == 1
        assert db.scalar(select(TicketEvent.action)) == "created"


def test_connection_trouble_asks_for_the_browser_advice_first(desk):
    result = open_ticket(desk, USER, "Bouton grisé", None, RoutingInput(topic="navigateur"))
    assert isinstance(result, AdviceFirst)
    with desk.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == 0
    result = open_ticket(desk, USER, "Bouton grisé", None,
                         RoutingInput(topic="navigateur", browser_advice_shown=True))
    assert result.queue == "assistance"


def test_full_life_of_a_ticket(desk, clock):
    opened = dte_ticket(desk)
    claimed = claim(desk, "alice", opened.number)
    assert claimed.status == "en_cours" and claimed.assignee == "Alice GEV"
    assert conversation_owner(desk, USER.chat_id).id == opened.ticket_id

    clock.advance(hours=1)
    reply = staff_reply(desk, "alice", opened.ticket_id, "Nous relançons le transporteur.")
    assert reply.delivery_id is not None
    staff_reply(desk, "alice", opened.ticket_id, "Transporteur appelé.", internal=True)

    set_status(desk, "alice", opened.ticket_id, "en attente du demandeur")
    clock.advance(days=1)
    msg = requester_message(desk, USER.chat_id, opened.ticket_id, "Toujours rien reçu.")
    assert msg.ticket.status == "en_cours" and not msg.reopened

    set_status(desk, "alice", opened.ticket_id, "resolu")
    assert conversation_owner(desk, USER.chat_id) is None  # the bot has the conversation back
    rate(desk, USER.chat_id, opened.ticket_id, 4, "Rapide")

    detail = get_ticket_detail(desk, "alice", opened.number)
    assert detail.rating == 4
    assert detail.sla.first_response_met is True
    assert detail.sla.resolution_met is True
    assert [m.internal for m in detail.messages].count(True) == 1
    actions = [e.action for e in detail.events]
    assert actions[:3] == ["created", "assignee", "status"]
    assert {"reply", "note", "rating"} <= set(actions)
    statuses = [(e.old, e.new) for e in detail.events if e.action == "status"]
    assert statuses == [("nouveau", "en_cours"), ("en_cours", "en_attente"),
                        ("en_attente", "en_cours"), ("en_cours", "resolu")]

    mine = get_my_ticket(desk, USER.chat_id, opened.number)
    assert all(not m.internal for m in mine.messages)
    assert "Transporteur appelé." not in [m.text for m in mine.messages]

    with desk.transaction() as db:
        texts = [d.text for d in db.scalars(select(Delivery).order_by(Delivery.id))]
    assert any("Nous relançons le transporteur." in t and "Alice GEV" in t for t in texts)
    assert any("en attente de votre réponse" in t for t in texts)
    assert any("est résolue" in t for t in texts)


def test_sla_clock_pauses_while_waiting_on_requester(desk, clock):
    opened = dte_ticket(desk)  # Monday 9:00, resolution target 27 opening hours
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=PARIS))
    claim(desk, "alice", opened.ticket_id)
    set_status(desk, "alice", opened.ticket_id, "en_attente")
    with desk.transaction() as db:
        t = db.get(Ticket, opened.ticket_id)
        assert t.resolution_due is None and t.paused_since is not None
    # waits Monday 10:00 → Tuesday 10:00 = 9 opening hours paused
    clock.set(datetime(2026, 11, 24, 10, 0, tzinfo=PARIS))
    requester_message(desk, USER.chat_id, opened.ticket_id, "Voici le numéro de suivi.")
    with desk.transaction() as db:
        t = db.get(Ticket, opened.ticket_id)
        assert t.paused_seconds == 9 * 3600
        # 27 h + 9 h paused from Monday 9:00 (GEV 8:30–17:30 Mon–Thu): Monday 8.5 h,
        # Tuesday to Thursday 27 h, the last half hour on Friday morning → Friday 9:00.
        assert t.resolution_due == datetime(2026, 11, 27, 9, 0, tzinfo=PARIS)
    clock.set(datetime(2026, 11, 26, 17, 0, tzinfo=PARIS))
    set_status(desk, "alice", opened.ticket_id, "résolu")
    with desk.transaction() as db:
        t = db.get(Ticket, opened.ticket_id)
        assert t.resolution_met is True
        assert t.resolution_seconds == 35 * 3600 - 9 * 3600  # Mon 9:00 → Thu 17:00, minus the pause


def test_reopen_within_delay_and_follow_up_after(desk, clock):
    opened = dte_ticket(desk)
    claim(desk, "alice", opened.ticket_id)
    set_status(desk, "alice", opened.ticket_id, "résolu")
    clock.advance(days=3)
    again = requester_message(desk, USER.chat_id, opened.ticket_id, "Finalement non, rien reçu.")
    assert again.reopened and again.ticket.status == "en_cours"
    assert conversation_owner(desk, USER.chat_id).id == opened.ticket_id
    set_status(desk, "alice", opened.ticket_id, "résolu")
    clock.advance(days=8)
    late = requester_message(desk, USER.chat_id, opened.ticket_id, "Encore un souci.")
    assert late.follow_up is not None and late.follow_up.number != opened.number
    assert late.follow_up.queue == "gev-btp"
    detail = get_ticket_detail(desk, "bob", late.follow_up.number)
    assert detail.parent_number == opened.number
    assert detail.ticket.status == "nouveau"
    assert get_ticket_detail(desk, "alice", opened.ticket_id).ticket.status == "clos"
    # writing on a closed ticket also opens a follow-up
    again = requester_message(desk, USER.chat_id, opened.ticket_id, "Et maintenant ?")
    assert again.follow_up is not None


def test_close_expired_resolved(desk, clock):
    opened = dte_ticket(desk)
    claim(desk, "alice", opened.ticket_id)
    set_status(desk, "alice", opened.ticket_id, "résolu")
    assert close_expired_resolved(desk) == []
    clock.advance(days=8)
    assert close_expired_resolved(desk) == [opened.number]


def test_rating_rules(desk):
    opened = dte_ticket(desk)
    with pytest.raises(CeresError, match="une fois qu'elle sera résolue"):
        rate(desk, USER.chat_id, opened.ticket_id, 5)
    claim(desk, "alice", opened.ticket_id)
    set_status(desk, "alice", opened.ticket_id, "résolu")
    for bad in (0, 6, "cinq", True):
        with pytest.raises(InvalidInput, match="de 1 à 5"):
            rate(desk, USER.chat_id, opened.ticket_id, bad)
    with pytest.raises(NotFound):
        rate(desk, OTHER_USER.chat_id, opened.ticket_id, 5)
    rate(desk, USER.chat_id, opened.ticket_id, 5)
    with pytest.raises(CeresError, match="déjà été notée"):
        rate(desk, USER.chat_id, opened.ticket_id, 3)


def test_staff_of_another_queue_is_refused(desk):
    opened = dte_ticket(desk)
    for call in (
        lambda: claim(desk, "carol", opened.ticket_id),
        lambda: staff_reply(desk, "carol", opened.ticket_id, "Bonjour"),
        lambda: set_status(desk, "carol", opened.ticket_id, "clos"),
        lambda: set_priority(desk, "carol", opened.ticket_id, "haute"),
        lambda: hand_back_to_bot(desk, "carol", opened.ticket_id),
        lambda: get_ticket_detail(desk, "carol", opened.ticket_id),
        lambda: list_queue(desk, "carol", "gev-btp"),
    ):
        with pytest.raises(RuleViolation) as exc:
            call()
        assert exc.value.rule == "R-ACT-2"
        assert "vous ne" in exc.value.message.lower() or "ne faites pas partie" in exc.value.message
    assert list_tickets(desk, "carol") == []
    assert [t.number for t in list_tickets(desk, "alice")] == [opened.number]
    assert [t.number for t in list_tickets(desk, OPERATOR)] == [opened.number]
    with pytest.raises(NotFound):
        claim(desk, "inconnu", opened.ticket_id)


def test_requester_never_sees_another_users_ticket(desk):
    opened = dte_ticket(desk)
    with pytest.raises(NotFound, match="introuvable"):
        requester_message(desk, OTHER_USER.chat_id, opened.ticket_id, "Coucou")
    with pytest.raises(NotFound):
        get_my_ticket(desk, OTHER_USER.chat_id, opened.number)
    with pytest.raises(NotFound):
        resume_ticket_mode(desk, OTHER_USER.chat_id, opened.number)
    assert list_my_tickets(desk, OTHER_USER.chat_id) == []
    assert [t.number for t in list_my_tickets(desk, USER.chat_id)] == [opened.number]
    with pytest.raises(NotFound):
        get_my_ticket(desk, USER.chat_id, f"T-1999-{opened.ticket_id:06d}")


def test_ticket_mode_leave_resume_and_hand_back(desk):
    first = dte_ticket(desk)
    second = dte_ticket(desk)
    assert conversation_owner(desk, USER.chat_id) is None  # nobody handles them yet
    claim(desk, "alice", first.ticket_id)
    claim(desk, "bob", second.ticket_id)
    assert conversation_owner(desk, USER.chat_id).id == second.ticket_id
    left = leave_ticket_mode(desk, USER.chat_id)
    assert left.id == second.ticket_id
    assert conversation_owner(desk, USER.chat_id).id == first.ticket_id
    resume_ticket_mode(desk, USER.chat_id, second.number)
    assert conversation_owner(desk, USER.chat_id).id == second.ticket_id
    hand_back_to_bot(desk, "bob", second.ticket_id)
    assert conversation_owner(desk, USER.chat_id) is None  # first was left when second resumed
    with pytest.raises(CeresError, match="Personne ne suit"):
        resume_ticket_mode(desk, USER.chat_id, second.number)
    resume_ticket_mode(desk, USER.chat_id, first.number)
    assert conversation_owner(desk, USER.chat_id).id == first.ticket_id


def test_assign_priority_move_and_closed_is_final(desk):
    opened = dte_ticket(desk)
    with pytest.raises(InvalidInput, match="ne fait pas partie"):
        assign(desk, "alice", opened.ticket_id, "carol")
    assert assign(desk, "alice", opened.ticket_id, "bob").assignee == "Bob GEV"
    assert set_priority(desk, "alice", opened.ticket_id, "urgente").priority == "urgente"
    with pytest.raises(InvalidInput, match="Priorité inconnue"):
        set_priority(desk, "alice", opened.ticket_id, "énorme")
    moved = move_to_queue(desk, "alice", opened.ticket_id, "gev-ccp", "C'est une session CCP")
    assert moved.queue == "gev-ccp" and moved.assignee is None and moved.status == "nouveau"
    with pytest.raises(RuleViolation):
        get_ticket_detail(desk, "alice", opened.ticket_id)  # no longer her queue
    set_status(desk, "bob", opened.ticket_id, "clos")
    with pytest.raises(CeresError, match="close"):
        staff_reply(desk, "bob", opened.ticket_id, "Encore un mot")
    with pytest.raises(CeresError, match="close"):
        set_status(desk, "bob", opened.ticket_id, "en cours")
    with pytest.raises(InvalidInput, match="Statut inconnu"):
        set_status(desk, "bob", opened.ticket_id, "perdu")


def test_reply_to_unassigned_ticket_takes_it_and_records_first_response(desk, clock):
    opened = dte_ticket(desk)
    clock.advance(hours=5)  # 14:00: first-response target (4 h → 13:00) missed
    result = staff_reply(desk, "bob", opened.ticket_id, "Je m'en occupe.")
    assert result.ticket.assignee == "Bob GEV" and result.ticket.status == "en_cours"
    with desk.transaction() as db:
        t = db.get(Ticket, opened.ticket_id)
        assert t.first_response_seconds == 5 * 3600
        assert t.first_response_met is False


def test_list_queue_page_and_countdown(desk, clock):
    numbers = [dte_ticket(desk).number for _ in range(5)]
    set_priority(desk, "alice", numbers[3], "haute")
    clock.advance(hours=1)
    page = list_queue(desk, "alice", "gev-btp", page_size=2)
    assert page.total == 5 and page.pages == 3
    assert page.items[0].ticket.number == numbers[3]
    assert page.items[0].sla.remaining_minutes == 180  # 4 h target, 1 h elapsed
    assert not page.items[0].sla.overdue
    search = list_queue(desk, "alice", "gev-btp", search=numbers[1])
    assert [r.ticket.number for r in search.items] == [numbers[1]]
    clock.advance(hours=4)
    page = list_queue(desk, "alice", "gev-btp", page=3, page_size=2)
    assert page.items[0].sla.overdue and page.items[0].sla.remaining_minutes < 0
    assert list_queue(desk, "alice", "gev-btp", status="résolu").total == 0
    assert list_queue(desk, "alice", "gev-btp", status="tous").total == 5


def test_report(desk, clock):
    a = dte_ticket(desk)
    b = dte_ticket(desk)
    dte_ticket(desk)
    clock.advance(hours=1)
    staff_reply(desk, "alice", a.ticket_id, "Réponse 1")
    clock.advance(hours=5)
    staff_reply(desk, "alice", b.ticket_id, "Réponse 2")
    set_status(desk, "alice", a.ticket_id, "résolu")
    rate(desk, USER.chat_id, a.ticket_id, 4)
    ccp = open_ticket(desk, USER, "Liens CCP", None, RoutingInput(topic="livraison-dte-ccp", session_kind="CCP"))
    r = report(desk, "alice", datetime(2026, 11, 1, tzinfo=PARIS), datetime(2026, 12, 1, tzinfo=PARIS))
    assert [row.queue for row in r.rows] == ["gev-btp"]
    row = r.rows[0]
    assert (row.created, row.resolved, row.open) == (3, 1, 2)
    assert row.median_first_response_minutes == (60 + 360) / 2
    assert row.first_response_met_pct == 50.0
    assert row.resolution_met_pct == 100.0
    assert row.satisfaction_avg == 4.0 and row.ratings == 1
    everything = report(desk, OPERATOR, datetime(2026, 11, 1, tzinfo=PARIS).date(),
                        datetime(2026, 12, 1, tzinfo=PARIS).date())
    assert everything.total.created == 4
    assert {row.queue for row in everything.rows} == {"gev-btp", ccp.queue}
    empty = report(desk, "carol", datetime(2026, 11, 1, tzinfo=PARIS), datetime(2026, 12, 1, tzinfo=PARIS))
    assert empty.rows == [] and empty.total.created == 0


def test_staff_accounts(desk):
    assert authenticate(desk, "alice", PASSWORD).queues == ("gev-btp",)
    assert authenticate(desk, "ALICE", PASSWORD) is not None
    assert authenticate(desk, "alice", "mauvais") is None
    assert authenticate(desk, "personne", PASSWORD) is None
    with pytest.raises(CeresError, match="existe déjà"):
        add_staff(desk, "alice", "Alice", PASSWORD, ["assistance"])
    with pytest.raises(InvalidInput, match="au moins 12"):
        add_staff(desk, "dave", "Dave", "court", ["assistance"])
    with pytest.raises(InvalidInput, match="n'existe pas"):
        add_staff(desk, "dave", "Dave", PASSWORD, ["gev-espace"])
    info = add_staff(desk, "ud29", "Agent UD 29", PASSWORD, ["ud-29", "afpa-impression"])
    assert info.queues == ("afpa-impression", "ud-29")


def test_link_staff_chat(desk):
    from bot.staff_group import staff_login_for
    from tickets.services import link_staff_chat, list_staff

    assert staff_login_for(desk, 7001) is None
    assert link_staff_chat(desk, "Alice", "7001").chat_id == 7001
    assert staff_login_for(desk, 7001) == "alice"
    assert {i.login: i.chat_id for i in list_staff(desk)}["alice"] == 7001
    assert link_staff_chat(desk, "alice", 7001).chat_id == 7001  # again: no change
    with pytest.raises(CeresError, match="déjà lié au compte support « alice »"):
        link_staff_chat(desk, "bob", 7001)
    with pytest.raises(InvalidInput, match="pas un identifiant Telegram"):
        link_staff_chat(desk, "bob", "@bob")
    with pytest.raises(InvalidInput, match="pas un identifiant Telegram"):
        link_staff_chat(desk, "bob", -100123)
    with pytest.raises(NotFound, match="inconnu"):
        link_staff_chat(desk, "personne", 7002)
    assert link_staff_chat(desk, "alice", None).chat_id is None
    assert staff_login_for(desk, 7001) is None
    assert link_staff_chat(desk, "bob", 7001).chat_id == 7001


def test_transcript_is_capped(desk):
    context = {"transcript": [("user", "x" * 5000)] * 80}
    opened = open_ticket(desk, USER, "Question", context, RoutingInput())
    with desk.transaction() as db:
        transcript = db.get(Ticket, opened.ticket_id).context["transcript"]
    assert len(transcript) == 50 and len(transcript[0]["text"]) == 2000


def test_time_flows_in_event_order(desk, clock):
    opened = dte_ticket(desk)
    clock.advance(minutes=5)
    claim(desk, "alice", opened.ticket_id)
    detail = get_ticket_detail(desk, "alice", opened.ticket_id)
    assert detail.events[1].at - detail.events[0].at == timedelta(minutes=5)
