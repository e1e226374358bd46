"""The chat → ticket context: routing input, ticket context, transcript, drafts, rating."""

from __future__ import annotations

import pytest

from bot import ticket_context as tc
from bot import transcript
from bot.delivery_worker import wants_rating
from tickets import services as ts
from tickets.routing import AdviceFirst, Route, route


def _route(facts: tc.ChatFacts, account: tc.AccountInfo | None = None) -> Route:
    decision = route(tc.routing_input(facts, account))
    assert isinstance(decision, Route)
    return decision


# -- routing input (pure) ----------------------------------------------------------------------


def test_procedure_leaf_with_gev_hint_goes_to_the_sector_gev():
    facts = tc.ChatFacts(topic="dte-non-recu", procedure="dte", procedure_step="gev_btp",
                         queue_hint="gev-btp")
    data = tc.routing_input(facts)
    assert data.sector == "btp" and data.category == "dte_livraison"
    assert data.procedure_step == "dte:gev_btp"
    assert _route(facts).queue == "gev-btp"


def test_gev_ccp_hint_sets_the_session_kind():
    facts = tc.ChatFacts(topic="dte-non-recu", queue_hint="gev-ccp")
    assert tc.routing_input(facts).session_kind == "CCP"
    assert _route(facts).queue == "gev-ccp"


def test_hint_overrides_a_topic_of_another_category():
    # contacter-gev is a DTE content topic: kept; utilisation topic under a dreets hint: not.
    assert tc.routing_input(tc.ChatFacts(topic="contacter-gev", queue_hint="gev-btp")).category == "dte_contenu"
    data = tc.routing_input(tc.ChatFacts(topic="convocations", queue_hint="dreets"))
    assert data.category == "habilitation"


def test_dreets_region_from_the_procedure_departement_then_the_account():
    facts = tc.ChatFacts(topic="transfert-site", queue_hint="dreets", variables={"departement": "29"})
    assert _route(facts).queue == "dreets-53"
    ud = tc.AccountInfo("ud.35", "UD 35", "ud", departement="35")
    assert _route(tc.ChatFacts(topic="transfert-site"), ud).queue == "dreets-53"
    dreets = tc.AccountInfo("dreets.ara", "DREETS ARA", "dreets", region="84")
    assert _route(tc.ChatFacts(topic="doublon-candidat"), dreets).queue == "dreets-84"
    # Nothing known: the assistance, and the explanation says why.
    missing = _route(tc.ChatFacts(topic="doublon-candidat"))
    assert missing.queue == "assistance" and "région est inconnue" in missing.explanation


def test_mail_goes_to_the_ud_for_a_centre_and_to_the_afpa_for_a_state_service():
    facts = tc.ChatFacts(topic="pnd", variables={"departement": "69"})
    centre = tc.AccountInfo("centre", "Centre", "centre", centre_siret="38939456000020")
    assert _route(facts, centre).queue == "ud-69"
    ud = tc.AccountInfo("ud.69", "UD 69", "ud", departement="69")
    assert _route(tc.ChatFacts(topic="pnd"), ud).queue == "afpa-impression"
    assert tc.routing_input(facts, centre).requester_kind == "centre"


def test_connection_trouble_needs_the_browser_advice_first():
    facts = tc.ChatFacts(question="CERES ne marche pas", topic="navigateur")
    assert isinstance(route(tc.routing_input(facts)), AdviceFirst)
    facts.browser_advice_shown = True
    assert _route(facts).queue == "assistance"


def test_unknown_or_missing_topic_goes_to_the_assistance():
    assert _route(tc.ChatFacts(question="Quel temps fera-t-il ?")).queue == "assistance"


# -- ticket context (pure) ---------------------------------------------------------------------


def test_ticket_context_carries_objects_step_details_and_transcript():
    facts = tc.ChatFacts(
        question="Fiches candidat en double à fusionner.", topic="doublon-candidat",
        procedure="bloque", procedure_step="doublon",
        variables={"session": "TITRE_B_2023_470415", "candidate": "2122560", "site": "Site de Rennes",
                   "target_siret": "38939456000020"},
        details="Les deux fiches ont le même nom.",
    )
    transcript = [{"from": "user", "text": "/bloque"}, {"from": "bot", "text": "Qu'est-ce qui est bloqué ?"}]
    account = tc.AccountInfo("c", "Centre", "centre", centre_siret="38939456000020")
    ctx = tc.ticket_context(facts, transcript, account)
    assert ctx.session_ref == "TITRE_B_2023_470415"
    assert ctx.candidate_ids == ["2122560"]
    assert ctx.site_code == "Site de Rennes"
    assert ctx.procedure == "bloque" and ctx.procedure_step == "doublon"
    assert ctx.topic == "doublon-candidat"
    assert ctx.transcript == transcript
    assert ctx.question.endswith("Les deux fiches ont le même nom.")
    assert ctx.extra["target_siret"] == "38939456000020"
    assert ctx.extra["requester"] == {"kind": "centre", "centre_siret": "38939456000020"}
    assert ("Candidat", "2122560") in tc.objects_lines(facts)


def test_session_facts_complete_routing_and_objects():
    facts = tc.ChatFacts(topic="annuler-session", variables={"session": "S1"})
    session = tc.SessionFacts("S1", kind="CCP", departement="974", site_code="SITE-974")
    data = tc.routing_input(facts, None, session)
    assert data.departement == "974" and data.session_kind == "CCP"
    assert route(data).queue == "dreets-04"  # La Réunion
    assert tc.ticket_context(facts, [], None, session).site_code == "SITE-974"


def test_last_question_skips_commands_and_buttons():
    lines = [
        {"from": "user", "text": "Comment commander le DTE ?"},
        {"from": "bot", "text": "Commander le DTE…"},
        {"from": "user", "text": transcript.BUTTON_PREFIX + "👎 Pas utile"},
        {"from": "user", "text": "/ticket"},
    ]
    assert transcript.last_question(lines) == "Comment commander le DTE ?"
    assert transcript.last_question([{"from": "bot", "text": "Bonjour"}]) is None


def test_facts_round_trip_through_the_draft_dict():
    facts = tc.ChatFacts(question="q", topic="pnd", variables={"session": "S1"}, queue_hint="ud",
                         browser_advice_shown=True)
    assert tc.facts_from_dict(tc.facts_to_dict(facts)) == facts
    assert tc.facts_from_dict({"question": "q", "unknown": 1}) == tc.ChatFacts(question="q")


# -- database: transcript, drafts, account, rating prompt ---------------------------------------


def test_transcript_keeps_the_last_lines_of_each_chat(core):
    for i in range(8):
        transcript.record(core, 1, "user" if i % 2 == 0 else "bot", f"ligne {i}", keep=5)
    transcript.record(core, 2, "user", "autre chat", keep=5)
    transcript.record(core, 1, "user", "   ", keep=5)  # blank lines are not kept
    lines = transcript.recent(core, 1)
    assert [line["text"] for line in lines] == [f"ligne {i}" for i in range(3, 8)]
    assert lines[0]["from"] == "bot" and "at" in lines[0]
    assert [line["text"] for line in transcript.recent(core, 2)] == ["autre chat"]


def test_account_info_of_a_linked_chat(core):
    from bot.models import ChatLink
    from ceres_core.models import Profile, Role, User
    from ceres_core.seed import ensure_geography

    with core.transaction() as db:
        ensure_geography(db)
    with core.transaction() as db:
        user = User(login="ud.29", display_name="Anne UD", created_at=core.clock.now())
        user.profiles.append(Profile(role=Role.UD, departement_code="29"))
        db.add(user)
        db.flush()
        db.add(ChatLink(chat_id=77, user_id=user.id, linked_at=core.clock.now()))
    info = tc.account_info(core, 77)
    assert info == tc.AccountInfo("ud.29", "Anne UD", "ud", None, "29", None)
    assert tc.account_info(core, 78) is None


def _open(core, chat_id: int = 10) -> ts.TicketOpened:
    opened = ts.open_ticket(core, ts.Requester(chat_id, "Camille"), "Question",
                            ts.TicketContext(question="Question"), ts.RoutingInput(topic="duplicata"))
    assert isinstance(opened, ts.TicketOpened)
    return opened


@pytest.fixture
def agent(core) -> str:
    ts.add_staff(core, "agent.assist", "Agent Assistance", "mot-de-passe-solide", ["assistance"])
    return "agent.assist"


def test_rating_buttons_only_on_the_resolved_announcement(core, agent):
    opened = _open(core)
    ts.staff_reply(core, agent, opened.ticket_id, "Voici la réponse.")
    reply = ts.pending_deliveries(core, 10)
    assert len(reply) == 1 and not wants_rating(core, reply[0])
    ts.mark_delivered(core, reply[0].id, 1)
    ts.set_status(core, agent, opened.ticket_id, "résolu")
    resolved = ts.pending_deliveries(core, 10)
    assert "est résolue" in resolved[0].text and wants_rating(core, resolved[0])
    ts.rate(core, 10, opened.ticket_id, 5)
    assert not wants_rating(core, resolved[0])  # already rated


@pytest.mark.parametrize(("queue", "name", "expected"), [
    ("gev-btp", "GEV BTP", "Message transmis au GEV BTP (demande T-2026-000001)."),
    ("assistance", "Assistance des ministères",
     "Message transmis à l'Assistance des ministères (demande T-2026-000001)."),
    ("afpa-impression", "Afpa – service impression",
     "Message transmis au service impression de l'Afpa (demande T-2026-000001)."),
])
def test_ticket_message_sent_names_the_queue_with_the_summarys_phrases(queue, name, expected):
    """TICKET_MESSAGE_SENT*: the queue in a sentence comes from
    ``TicketSummary.queue_phrases`` (one source), never « à » + the bare name."""
    from datetime import datetime
    from html import unescape  # the bot sends HTML: the apostrophe is escaped

    from bot import texts
    from bot.handlers.tickets import _queue_phrases
    from tickets.services import TicketSummary

    at = datetime(2026, 11, 23, 9, 0)
    summary = TicketSummary(1, "T-2026-000001", "Objet", "nouveau", "nouveau", "normale", queue,
                            name, None, "Karim", at, at, True, False, False)
    phrases = _queue_phrases(summary)
    assert unescape(texts.TICKET_MESSAGE_SENT.format(number=summary.number, **phrases)) == expected
    assert unescape(texts.TICKET_MESSAGE_SENT_MODE.format(
        number=summary.number, **phrases)).startswith(expected[:-1])
    assert unescape(texts.TICKET_MESSAGE_REOPENED.format(number=summary.number, **phrases)).endswith(
        f"transmis {summary.queue_phrases['a_queue']}.")
