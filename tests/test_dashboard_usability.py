"""What a new agent met on the support dashboard: refusals kept on the page, French
wording, confirmations, ordering of lists, queue names in sentences (aiohttp test
client on a real database)."""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace

import pytest
from aiohttp.test_utils import TestServer

from tests.test_dashboard import (
    PASSWORD,
    SECRET,
    FormClient,
    articles,
    dreets_ticket,
    dte_ticket,
    logged_in,
)
from tickets.services import add_staff
from tickets.web import create_app


@pytest.fixture
def desk(core, clock):
    from tests.test_dashboard import MONDAY_9

    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "bob", "Bob GEV", PASSWORD, ["gev-btp", "gev-ccp"])
    add_staff(core, "carol", "Carol DREETS", PASSWORD, ["dreets-53"])
    add_staff(core, "dora", "Dora Assistance", PASSWORD, ["assistance"])
    return core


@pytest.fixture
async def client(desk):
    app = create_app(desk, secret=SECRET, articles=articles())
    async with FormClient(TestServer(app)) as c:
        yield c


# -- 12: lists of articles in French alphabetical order -------------------------------------


def test_article_titles_sort_in_french_order_accents_ignored():
    from tickets.macros import sorted_articles

    titles = ["États de la session", "Fermer un site", "Éditer un DTE", "Accès refusé", "editer"]
    got = [a.title for a in sorted_articles(SimpleNamespace(title=t) for t in titles)]
    assert got == ["Accès refusé", "editer", "Éditer un DTE", "États de la session", "Fermer un site"]


async def test_article_selects_of_ticket_and_macro_pages_are_in_french_order(client, desk):
    from ceres_core.values import strip_accents

    opened = dte_ticket(desk)
    await logged_in(client, "alice")
    for path, name in ((f"/demandes/{opened.number}", "article"),
                       ("/files/gev-btp/modeles", "article_id")):
        html = await (await client.get(path)).text()
        select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]

        titles = [unescape(t) for t in re.findall(r'<option value="[^"]+"[^>]*>([^<]+)</option>', select)]
        assert len(titles) > 10, path
        assert titles == sorted(titles, key=lambda t: (strip_accents(t).casefold(), t)), path


# -- 5: merging into a ticket that is not there (or not the agent's) ----------------------


@pytest.mark.parametrize("typed", ["OTHER_QUEUE", "99", "abc", "T-2026-999999"])
async def test_merge_into_an_invalid_target_is_refused_on_the_ticket_page_text_kept(
        client, desk, typed):
    opened = dte_ticket(desk)
    other = dreets_ticket(desk)
    into = other.number if typed == "OTHER_QUEUE" else typed
    csrf = await logged_in(client, "alice")
    resp = await client.post(f"/demandes/{opened.number}/fusionner",
                             data={"csrf_token": csrf, "into": into, "confirmer": "oui"})
    html = unescape(await resp.text())
    assert resp.status == 409
    assert f"La demande {into} n'existe pas ou n'est pas dans vos files." in html
    assert "Page introuvable" not in html and "est introuvable" not in html
    assert f'value="{into}"' in html
    assert f"<h1><span class=\"muted\">{opened.number}</span>" in html


# -- 8: resolving without a reply, confirmations ------------------------------------------


def _public_texts(core, ticket_id: int) -> list[str]:
    from sqlalchemy import select

    from tickets.models import TicketMessage

    with core.transaction() as db:
        return list(db.scalars(select(TicketMessage.text).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.internal.is_(False))
            .order_by(TicketMessage.id)))


def test_resolving_a_ticket_never_answered_does_not_claim_an_answer_was_received(desk):
    from tickets.services import bulk_update, staff_reply

    silent, answered = dte_ticket(desk), dte_ticket(desk, "Autre")
    staff_reply(desk, "alice", answered.number, "Voici la marche à suivre.")
    result = bulk_update(desk, "alice", [silent.number, answered.number], status="resolu")
    assert result.done == [silent.number, answered.number]
    told_silent = _public_texts(desk, silent.ticket_id)[-1]
    assert "est résolue selon le GEV BTP" in told_silent
    assert "réponse reçue" not in told_silent
    assert "noter la réponse reçue" in _public_texts(desk, answered.ticket_id)[-1]


async def test_bulk_action_and_merge_are_not_applied_without_confirmation(client, desk):
    from tickets.models import Ticket

    a, b = dte_ticket(desk), dte_ticket(desk, "Second")
    csrf = await logged_in(client, "alice")
    page = await (await client.get("/files/gev-btp")).text()
    assert 'name="confirmer"' in page and "data-confirm=" in page
    token = re.search(r'name="form_token" value="([^"]+)"', page)[1]
    resp = await client.post("/files/gev-btp/lot", data={
        "csrf_token": csrf, "form_token": token, "numeros": [a.number, b.number],
        "action": "statut", "status": "resolu"})
    assert "Cochez « Je confirme »" in unescape(await resp.text())
    resp = await client.post(f"/demandes/{b.number}/fusionner",
                             data={"csrf_token": csrf, "into": a.number})
    html = unescape(await resp.text())
    assert resp.status == 409 and "Je confirme la fusion" in html and f'value="{a.number}"' in html
    with desk.transaction() as db:
        assert {db.get(Ticket, t.ticket_id).status.value for t in (a, b)} == {"nouveau"}


def test_resolved_without_reply_announcement_still_offers_the_rating(desk):
    from bot.delivery_worker import wants_rating
    from tickets.services import pending_deliveries, set_status

    opened = dte_ticket(desk)
    set_status(desk, "alice", opened.number, "resolu")
    resolved = pending_deliveries(desk, 10)
    assert "est résolue selon le GEV BTP" in resolved[-1].text
    assert "noter le traitement de votre demande" in resolved[-1].text
    assert wants_rating(desk, resolved[-1])


# -- 11: transfer: back to the queue, current queue and history, names in the select ------


async def test_transfer_returns_to_the_queue_left_and_shows_queue_and_history(client, desk):
    from tickets.services import add_staff

    add_staff(desk, "erin", "Erin Assistance", PASSWORD, ["assistance", "gev-btp"])
    opened = dte_ticket(desk)
    csrf = await logged_in(client, "alice")
    html = await (await client.get(f"/demandes/{opened.number}")).text()
    select = html.split('<select id="queue" name="queue">', 1)[1].split("</select>", 1)[0]
    assert 'name="queue_code"' not in html
    assert '<option value="assistance">Assistance des ministères (CERES)</option>' in select
    assert re.search(r'<option value="dreets-11" disabled>[^<]*Île-de-France[^<]*\(aucun membre\)',
                     select)
    # selectable ones first, all by name
    assert select.index(">Assistance des") < select.index("disabled")
    resp = await client.post(f"/demandes/{opened.number}/transferer", allow_redirects=False,
                             data={"csrf_token": csrf, "queue": "assistance",
                                   "reason": "Question d'utilisation"})
    assert resp.status == 303 and resp.headers["Location"] == "/files/gev-btp"

    await logged_in(client, "erin")
    html = unescape(await (await client.get(f"/demandes/{opened.number}")).text())
    assert "File actuelle : <strong>Assistance des ministères (CERES)</strong>" in html
    assert "de GEV BTP vers Assistance des ministères (CERES), par alice" in html
    assert "(motif : Question d'utilisation)" in html
    assert "Transfert depuis le GEV BTP : Question d'utilisation" in html
    assert "Transfert depuis gev-btp" not in html


def test_queue_phrases_after_a_preposition_use_the_article():
    from tickets.texts import queue_code_values

    assistance = queue_code_values("assistance")
    assert assistance["a_queue"] == "à l'Assistance des ministères"
    assert assistance["depuis_queue"] == "depuis l'Assistance des ministères"
    assert queue_code_values("gev-btp")["de_queue"] == "du GEV BTP"
    from tickets.queues import queue_spec

    assert queue_spec("assistance").destination == "à l'Assistance des ministères"


def test_messages_to_requesters_carry_no_rule_codes():
    from tickets.routing import AdviceFirst, RoutingInput, route

    advice = route(RoutingInput(category="connexion"))
    assert isinstance(advice, AdviceFirst) and advice.rule == "R-ASS-1"
    assert not re.search(r"\bR-[A-Z]+-\d", advice.message)
    for data in (RoutingInput(topic="dte-non-recu"), RoutingInput(category="transfert_site"),
                 RoutingInput(category="courrier")):
        assert not re.search(r"\bR-[A-Z]+-\d", route(data).explanation)


# -- 9: French on the pages ---------------------------------------------------------------


def test_quotes_inside_french_quotes_become_english_quotes():
    from tickets.texts import inner_quotes, quoted

    assert quoted("Bouton « Signer » absent") == "« Bouton “Signer” absent »"
    assert inner_quotes("«Valider» puis « Signer »") == "“Valider” puis “Signer”"
    assert inner_quotes("sans guillemets") == "sans guillemets"


def test_a_subject_with_quotes_is_stored_with_inner_quotes(desk):
    from tickets.services import get_ticket_detail

    opened = dte_ticket(desk, subject="Le bouton « Signer » ne répond pas")
    detail = get_ticket_detail(desk, "alice", opened.number)
    assert detail.ticket.subject == "Le bouton “Signer” ne répond pas"


async def test_templates_page_and_my_work_caption_read_well(client, desk):
    from tickets.services import claim

    claim(desk, "bob", dte_ticket(desk).number)
    await logged_in(client, "bob")
    html = unescape(await (await client.get("/files/gev-btp/modeles")).text())
    assert re.search(r"\)\. Un modèle peut citer", html) and ".Un modèle" not in html
    html = unescape(await (await client.get("/mon-travail")).text())
    assert "Demandes de toutes vos files, les plus urgentes d'abord" in html
    html = unescape(await (await client.get("/files/gev-btp")).text())
    assert "Demandes de la file, les plus urgentes d'abord" in html


# -- 15: search field, clickable SLA counts ------------------------------------------------


async def test_overdue_and_soon_counts_link_to_the_queue_filtered_the_same_way(client, desk, clock):
    late = dte_ticket(desk, "En retard")
    clock.advance(hours=3, minutes=30)
    soon = dte_ticket(desk, "Bientôt")  # opened later: due later
    clock.advance(hours=1)
    await logged_in(client, "alice")
    home = unescape(await (await client.get("/")).text())
    links = dict(re.findall(r'<a href="(/files/gev-btp\?echeance=[^"]+)">(?:<span[^>]*>)?(\d+)', home))
    assert set(links) == {"/files/gev-btp?echeance=depasse", "/files/gev-btp?echeance=moins-1h"}
    for url, count in links.items():
        page = await (await client.get(url)).text()
        rows = set(re.findall(r'href="/demandes/(T-\d{4}-\d{6})"', page))
        assert len(rows) == int(count), url
    overdue = await (await client.get("/files/gev-btp?echeance=depasse")).text()
    assert late.number in overdue and soon.number not in overdue
    assert (await client.get("/files/gev-btp?echeance=hier")).status == 400


async def test_search_field_placeholder_fits_and_the_label_says_the_rest(client, desk):
    await logged_in(client, "alice")
    html = unescape(await (await client.get("/files/gev-btp")).text())
    placeholder = re.search(r'id="q" name="q" type="search" value="[^"]*" placeholder="([^"]+)"', html)[1]
    assert len(placeholder) <= 24
    assert "(numéro, objet, demandeur ou identifiant CERES)" in html


# -- 10: the live banner's time is the server's, in Paris time ------------------------------


async def test_live_pages_carry_the_server_time_in_paris_for_the_update_banner(client, desk, clock):
    from datetime import UTC, datetime
    from pathlib import Path

    clock.set(datetime(2026, 11, 23, 18, 52, tzinfo=UTC))  # 19:52 in Paris
    opened = dte_ticket(desk)
    await logged_in(client, "alice")
    for path in ("/files/gev-btp", "/mon-travail", f"/demandes/{opened.number}"):
        html = await (await client.get(path)).text()
        assert 'data-page-time="19:52"' in html, path
    script = (Path(__file__).parents[1] / "tickets/web/static/live.js").read_text(encoding="utf-8")
    assert "data-page-time" in script and "new Date" not in script


# -- 13: one greeting per reply; macros ask only for what the ticket lacks ------------------


def test_macro_greeting_left_out_after_a_typed_greeting_any_macro():
    from tickets.macros import fill

    body = "Bonjour {demandeur},\n\nVotre demande {numero} est notée."
    common = {"requester": "Sophie Bernard (Formapro)", "number": "T-1", "agent": "A",
              "queue": "gev-btp"}
    assert fill(body, **common).startswith("Bonjour Sophie Bernard,\n\nVotre demande T-1")
    for typed in ("Bonjour Madame Bernard,", "Madame,", "bonsoir", "Chère Madame,"):
        assert fill(body, after=typed, **common) == "Votre demande T-1 est notée.", typed
    assert fill(body, after="Suite à votre appel,", **common).startswith("Bonjour Sophie Bernard,")


def test_conditional_placeholders_ask_only_for_what_the_ticket_lacks(desk):
    from tickets.macros import STANDARD_MACROS, fill, save_macro

    body = next(m.body for m in STANDARD_MACROS if m.code == "precisions")
    common = {"requester": "Sophie Bernard", "number": "T-1", "agent": "A", "queue": "gev-btp"}
    without = fill(body, **common)
    assert "• le numéro de la session concernée ;" in without and "{" not in without
    with_session = fill(body, context={"session_ref": "TITRE_B_2026_000001",
                                       "candidate_ids": ["C1"]}, **common)
    assert "session" not in with_session and "candidats" not in with_session
    assert "\n\n\n" not in with_session and "• tout autre élément utile" in with_session
    assert fill("Session {session}.", context={"session_ref": "S-1"}, **common) == "Session S-1."
    saved = save_macro(desk, "alice", "gev-btp", title="Pièces",
                       body="Bonjour {demandeur},\n{si_sans_session:Quelle session ?}")
    assert saved.body.endswith("{si_sans_session:Quelle session ?}")


async def test_inserting_the_precisions_macro_after_a_typed_greeting(client, desk):
    from tests.test_dashboard import USER
    from tickets.services import Requester

    opened = dte_ticket(desk, requester=Requester(USER.chat_id, "Sophie Bernard", "sb"))
    csrf = await logged_in(client, "alice")
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    token = re.search(r'name="form_token" value="([^"]+)"', page)[1]
    resp = await client.post(f"/demandes/{opened.number}/inserer", data={
        "csrf_token": csrf, "form_token": token, "text": "Bonjour Madame Bernard,",
        "modele": "precisions", "article": ""})
    text = unescape(re.search(r'<textarea id="reply-text"[^>]*>([^<]*)</textarea>',
                              await resp.text())[1])
    assert text.startswith("Bonjour Madame Bernard,\n\nPour traiter votre demande")
    assert text.count("Bonjour") == 1
    assert "numéro de la session" not in text  # the ticket has its session


def test_a_queue_holding_the_former_precisions_text_gets_the_conditional_one(desk):
    from sqlalchemy import update

    from tickets.macros import _FORMER_BODIES, STANDARD_MACROS, list_macros
    from tickets.models import Macro

    list_macros(desk, "alice", "gev-btp")
    with desk.transaction() as db:
        db.execute(update(Macro).where(Macro.code == "precisions")
                   .values(body=_FORMER_BODIES["precisions"][0]))
    body = next(m.body for m in list_macros(desk, "alice", "gev-btp") if m.key == "precisions")
    assert body == next(m.body for m in STANDARD_MACROS if m.code == "precisions")


def test_a_ticket_summary_gives_its_queue_with_the_article_for_front_ends(desk):
    from tickets.services import get_ticket_detail, move_to_queue

    opened = dte_ticket(desk)
    summary = get_ticket_detail(desk, "alice", opened.number).ticket
    assert summary.queue_phrases["a_queue"] == "au GEV BTP"
    moved = move_to_queue(desk, "alice", opened.number, "assistance")
    assert moved.queue_phrases["a_queue"] == "à l'Assistance des ministères"
    assert moved.queue_phrases["depuis_queue"] == "depuis l'Assistance des ministères"


async def test_rule_ids_of_articles_are_shown_to_staff_on_the_ticket_page_only(client, desk):
    """ANSWER_RULES: requesters never see rule ids (bot.answers.article_html); staff
    picking an article to cite do, beside its title."""
    from bot.answers import article_html

    opened = dte_ticket(desk)
    await logged_in(client, "alice")
    html = unescape(await (await client.get(f"/demandes/{opened.number}")).text())
    cited = [a for a in articles() if a.rules]
    assert cited
    for article in cited[:5]:
        assert f"{article.title} · {', '.join(article.rules)}</option>" in html
        assert not any(rule in article_html(article) for rule in article.rules)
