"""The staff dashboard (tickets/web) through aiohttp's test client, on a real database.

Access per queue, CSRF on every form, login, and that each form reaches its service
(reply → outbox entry, internal note not delivered, claim, assign, status…).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from ceres_core.clock import PARIS
from tickets.dashboard_store import LoginLimits, login_succeeded, take_login_attempt
from tickets.macros import plain_text
from tickets.models import Delivery, Ticket, TicketEvent, TicketMessage
from tickets.services import (
    UNASSIGNED,
    Requester,
    RoutingInput,
    TicketContext,
    add_staff,
    claim,
    list_queue,
    mark_failed,
    mark_requester_blocked,
    open_ticket,
    pending_deliveries,
    queue_members,
    queue_overview,
    rate,
    set_priority,
    set_status,
    staff_reply,
)
from tickets.web import create_app
from tickets.web.formatting import countdown, duration, fr_datetime
from tickets.web.security import SessionCodec, WebSession

PASSWORD = "un-mot-de-passe-long"
SECRET = "secret-de-test-pour-les-sessions"
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)
USER = Requester(1001, "Jeanne Centre", "jcentre")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ARTICLES: list | None = None


def articles() -> list:
    global _ARTICLES
    if _ARTICLES is None:
        from knowledge.articles import load_articles

        _ARTICLES = load_articles()
    return _ARTICLES


def dte_ticket(core, subject="DTE non reçu", requester=USER):
    context = TicketContext(
        question="Nos colis de DTE ne sont pas arrivés, la session est dans 10 jours.",
        transcript=[{"from": "user", "text": "dte pas reçu"}, {"from": "bot", "text": "Article dte-non-recu"}],
        topic="dte-non-recu", session_ref="TITRE_B_2026_000001", site_code="A1",
    )
    return open_ticket(core, requester, subject, context,
                       RoutingInput(topic="dte-non-recu", sector="btp", session_kind="TP"))


def dreets_ticket(core):
    return open_ticket(core, Requester(3003, "Centre Rennes"), "Transfert de site", None,
                       RoutingInput(category="transfert_site", region="53"))


@pytest.fixture
def desk(core, clock):
    clock.set(MONDAY_9)
    add_staff(core, "alice", "Alice GEV", PASSWORD, ["gev-btp"])
    add_staff(core, "bob", "Bob GEV", PASSWORD, ["gev-btp", "gev-ccp"])
    add_staff(core, "carol", "Carol DREETS", PASSWORD, ["dreets-53"])
    add_staff(core, "dora", "Dora Assistance", PASSWORD, ["assistance"])
    return core


_FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


class FormClient(TestClient):
    """A test client that, like a browser, posts a ticket's forms with the one-time
    form token of the page it was on (the ticket page, fetched just before)."""

    async def post(self, path, **kwargs):
        data = kwargs.get("data")
        if (isinstance(data, dict) and str(path).startswith("/demandes/") and data.get("csrf_token")
                and "form_token" not in data):
            page = await self.get("/".join(str(path).split("/")[:3]))
            found = _FORM_TOKEN.search(await page.text())
            if found:
                kwargs["data"] = {**data, "form_token": found[1]}
        return await super().post(path, **kwargs)


@pytest.fixture
async def client(desk):
    app = create_app(desk, secret=SECRET, articles=articles())
    async with FormClient(TestServer(app)) as c:
        yield c


def token_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF field in the page"
    return match[1]


async def login(client: TestClient, who: str, password: str = PASSWORD):
    page = await client.get("/connexion")
    token = token_of(await page.text())
    return await client.post("/connexion", data={"csrf_token": token, "login": who,
                                                 "password": password},
                             allow_redirects=False)


async def logged_in(client: TestClient, who: str) -> str:
    """Log in and return the session's CSRF token."""
    resp = await login(client, who)
    assert resp.status == 303, await resp.text()
    home = await client.get("/")
    assert home.status == 200
    return token_of(await home.text())


def linked(html: str) -> set[str]:
    """Numbers of the tickets a page links to."""
    return set(re.findall(r'href="/demandes/(T-\d{4}-\d{6})"', html))


def snapshot(core, ticket_id: int) -> tuple:
    with core.transaction() as db:
        t = db.get(Ticket, ticket_id)
        return (
            t.status.value, t.priority.value, t.assignee_id, t.queue_id, t.handled_by_human,
            db.scalar(select(func.count()).select_from(TicketMessage)),
            db.scalar(select(func.count()).select_from(Delivery)),
            db.scalar(select(func.count()).select_from(TicketEvent)),
        )


def ticket_forms(number: str) -> dict[str, dict[str, str]]:
    """Every POST form of the ticket page with valid fields (CSRF apart)."""
    base = f"/demandes/{number}"
    return {
        f"{base}/repondre": {"text": "Bonjour, voici la réponse."},
        f"{base}/note": {"text": "Note pour l'équipe."},
        f"{base}/prendre": {},
        f"{base}/attribuer": {"assignee": "bob"},
        f"{base}/statut": {"status": "en_attente"},
        f"{base}/priorite": {"priority": "urgente"},
        f"{base}/rendre": {},
        f"{base}/transferer": {"queue": "assistance", "reason": "Mauvaise file"},
    }


# -- login, sessions ---------------------------------------------------------------------------


async def test_login_page_logout_and_cookie_flags(client):
    resp = await client.get("/", allow_redirects=False)
    assert resp.status == 303 and resp.headers["Location"] == "/connexion?suite=/"
    cookie = resp.headers["Set-Cookie"]
    page = await client.get("/connexion")
    html = await page.text()
    assert "Connexion au support" in html and 'lang="fr"' in html
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")

    for who, password in (("alice", "mauvais-mot-de-passe"), ("personne", PASSWORD)):
        resp = await login(client, who, password)
        assert resp.status == 401
        assert "Identifiant ou mot de passe incorrect." in await resp.text()

    resp = await login(client, "alice")
    assert resp.status == 303 and resp.headers["Location"] == "/"
    home = await client.get("/")
    html = await home.text()
    assert "Alice GEV" in html and "GEV BTP" in html
    resp = await client.post("/deconnexion", data={"csrf_token": token_of(html)},
                             allow_redirects=False)
    assert resp.status == 303
    page = await client.get(resp.headers["Location"])
    assert "Vous êtes déconnecté." in await page.text()
    assert (await client.get("/", allow_redirects=False)).status == 303


async def test_login_goes_back_to_the_page_asked_but_never_elsewhere(client, desk):
    opened = dte_ticket(desk)
    resp = await client.get(f"/demandes/{opened.number}", allow_redirects=False)
    assert resp.headers["Location"] == f"/connexion?suite=/demandes/{opened.number}"
    page = await client.get(resp.headers["Location"])
    token = token_of(await page.text())
    resp = await client.post("/connexion", allow_redirects=False, data={
        "csrf_token": token, "login": "alice", "password": PASSWORD,
        "suite": f"/demandes/{opened.number}"})
    assert resp.headers["Location"] == f"/demandes/{opened.number}"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        await client.post("/deconnexion", data={"csrf_token": token_of(await (await client.get("/")).text())})
        token = token_of(await (await client.get("/connexion")).text())
        resp = await client.post("/connexion", allow_redirects=False, data={
            "csrf_token": token, "login": "alice", "password": PASSWORD, "suite": target})
        assert resp.headers["Location"] == "/"


async def test_failed_logins_are_limited_per_login_and_address(desk, clock):
    limits = LoginLimits(per_account=3, per_address=100, window_seconds=600)
    app = create_app(desk, secret=SECRET, articles=[], login_limits=limits)
    async with TestClient(TestServer(app)) as c:
        for _ in range(3):
            assert (await login(c, "alice", "faux-mot-de-passe")).status == 401
        resp = await login(c, "alice")  # even the right password, for now
        assert resp.status == 429 and "Trop de tentatives" in await resp.text()
        assert (await login(c, "bob")).status == 303  # another login is not affected
        clock.advance(seconds=601)
        assert (await login(c, "alice")).status == 303


async def test_a_forged_or_expired_session_cookie_is_ignored(client):
    await logged_in(client, "alice")
    cookie = next(iter(client.session.cookie_jar))
    value = cookie.value
    payload, _, signature = value.rpartition(".")
    client.session.cookie_jar.clear()
    client.session.cookie_jar.update_cookies(
        {"ceres_support": payload + "." + "0" * len(signature)}, response_url=client.make_url("/"))
    assert (await client.get("/", allow_redirects=False)).status == 303

    codec = SessionCodec(SECRET)
    old = WebSession(token="t", expires=1)
    assert codec.loads(codec.dumps(old)) is None
    good = WebSession(token="t")
    assert codec.loads(codec.dumps(good)).token == "t"
    assert SessionCodec("une-autre-cle-assez-longue").loads(codec.dumps(good)) is None


# -- access per queue ----------------------------------------------------------------------------


async def test_staff_see_and_change_only_their_queues(client, desk):
    btp = dte_ticket(desk)
    dreets = dreets_ticket(desk)
    token = await logged_in(client, "carol")

    home = await (await client.get("/")).text()
    assert "DREETS" in home and "GEV BTP" not in home
    assert (await client.get("/files/gev-btp")).status == 403
    # issue 12: « not yours » answers exactly like « does not exist »
    resp = await client.get(f"/demandes/{btp.number}")
    assert resp.status == 404
    html = await resp.text()
    assert f"La demande « {btp.number} » est introuvable." in unescape(html)
    assert "DTE non reçu" not in html and "GEV" not in html.split("<main", 1)[1]
    missing = await client.get("/demandes/T-2026-999999")
    assert missing.status == 404
    assert unescape(await missing.text()).replace("T-2026-999999", btp.number) == unescape(html)

    before = snapshot(desk, btp.ticket_id)
    for path, data in ticket_forms(btp.number).items():
        resp = await client.post(path, data={"csrf_token": token, **data})
        assert resp.status == 404, path
        assert "DTE non reçu" not in await resp.text()
    assert snapshot(desk, btp.ticket_id) == before

    queue = await (await client.get("/files/dreets-53")).text()
    assert linked(queue) == {dreets.number}
    # a search cannot reach another queue either
    queue = await (await client.get("/files/dreets-53", params={"q": btp.number})).text()
    assert linked(queue) == set()


async def test_every_form_rejects_a_missing_or_wrong_csrf_token(client, desk):
    opened = dte_ticket(desk)
    token = await logged_in(client, "alice")
    before = snapshot(desk, opened.ticket_id)
    for path, data in ticket_forms(opened.number).items():
        for bad in ({}, {"csrf_token": "faux"}, {"csrf_token": token[:-1]}, {"csrf_token": ""}):
            resp = await client.post(path, data={**data, **bad})
            assert resp.status == 403, (path, bad)
            assert "vérification de sécurité" in await resp.text()
    assert snapshot(desk, opened.ticket_id) == before

    # logout without the token: still logged in
    for bad in ({}, {"csrf_token": "faux"}):
        assert (await client.post("/deconnexion", data=bad)).status == 403
    assert (await client.get("/", allow_redirects=False)).status == 200

    # login without the token (a fresh visitor): refused, not logged in
    client.session.cookie_jar.clear()
    await client.get("/connexion")
    for bad in ({}, {"csrf_token": "faux"}):
        resp = await client.post("/connexion", allow_redirects=False,
                                 data={"login": "alice", "password": PASSWORD, **bad})
        assert resp.status == 403
    assert (await client.get("/", allow_redirects=False)).status == 303

    # a token of another session is wrong too
    token_a = await logged_in(client, "alice")
    client.session.cookie_jar.clear()
    await logged_in(client, "bob")
    resp = await client.post(f"/demandes/{opened.number}/note",
                             data={"csrf_token": token_a, "text": "x"})
    assert resp.status == 403
    assert snapshot(desk, opened.ticket_id) == before


# -- the forms reach their services -------------------------------------------------------------


async def test_reply_goes_to_the_outbox_and_a_note_does_not(client, desk):
    opened = dte_ticket(desk)
    token = await logged_in(client, "alice")
    resp = await client.post(f"/demandes/{opened.number}/repondre", allow_redirects=False,
                             data={"csrf_token": token, "text": "Nous relançons le transporteur."})
    assert resp.status == 303 and resp.headers["Location"] == f"/demandes/{opened.number}"
    page = await (await client.get(resp.headers["Location"])).text()
    assert "Réponse enregistrée" in page and "Nous relançons le transporteur." in page
    resp = await client.post(f"/demandes/{opened.number}/note",
                             data={"csrf_token": token, "text": "Transporteur <b>appelé</b>."})
    assert resp.status == 200
    page = await resp.text()
    assert "Transporteur &lt;b&gt;appelé&lt;/b&gt;." in page  # escaped
    assert "msg-internal" in page
    with desk.transaction() as db:
        deliveries = db.scalars(select(Delivery)).all()
        notes = db.scalars(select(TicketMessage).where(TicketMessage.internal.is_(True))).all()
        ticket = db.get(Ticket, opened.ticket_id)
        assert ticket.first_response_at is not None and ticket.assignee.login == "alice"
    assert len(deliveries) == 1 and "Nous relançons le transporteur." in deliveries[0].text
    assert [n.text for n in notes] == ["Transporteur <b>appelé</b>."]
    assert all(d.message_id != notes[0].id for d in deliveries)


async def test_claim_assign_status_priority_hand_back_and_move(client, desk, clock):
    opened = dte_ticket(desk)
    number = opened.number
    token = await logged_in(client, "alice")

    page = await (await client.post(f"/demandes/{number}/prendre", data={"csrf_token": token})).text()
    assert "Vous avez pris en charge la demande." in page
    with desk.transaction() as db:
        t = db.get(Ticket, opened.ticket_id)
        assert (t.assignee.login, t.status.value, t.handled_by_human) == ("alice", "en_cours", True)

    # claimed by someone else meanwhile: the page says who
    other = dte_ticket(desk, "Autre DTE")
    claim(desk, "bob", other.ticket_id)
    # (defect 6: after losing a claim, back on the ticket's page, not on /prendre)
    resp = await client.post(f"/demandes/{other.number}/prendre", data={"csrf_token": token})
    assert resp.status == 200 and resp.url.path == f"/demandes/{other.number}"
    assert "vient d&#39;être prise en charge par Bob GEV" in await resp.text()

    page = await (await client.post(f"/demandes/{number}/attribuer",
                                    data={"csrf_token": token, "assignee": "bob"})).text()
    assert "Demande attribuée à Bob GEV." in page
    resp = await client.post(f"/demandes/{number}/attribuer",
                             data={"csrf_token": token, "assignee": "carol"})
    assert resp.url.path == f"/demandes/{number}" and "ne fait pas partie" in await resp.text()

    page = await (await client.post(f"/demandes/{number}/priorite",
                                    data={"csrf_token": token, "priority": "urgente"})).text()
    assert "Priorité : urgente." in page

    page = await (await client.post(f"/demandes/{number}/statut",
                                    data={"csrf_token": token, "status": "en_attente"})).text()
    assert "Statut changé : en attente du demandeur." in page
    resp = await client.post(f"/demandes/{number}/statut",
                             data={"csrf_token": token, "status": "en_attente"})
    assert resp.url.path == f"/demandes/{number}" and "déjà au statut" in await resp.text()
    set_status(desk, "alice", number, "en cours")

    page = await (await client.post(f"/demandes/{number}/rendre", data={"csrf_token": token})).text()
    assert "La conversation est rendue à l&#39;assistant." in page

    resp = await client.post(f"/demandes/{number}/transferer", allow_redirects=False,
                             data={"csrf_token": token, "queue": "assistance",
                                   "reason": "Question d'utilisation"})
    # no longer her queue: back to the queue she came from
    assert resp.status == 303 and resp.headers["Location"] == "/files/gev-btp"
    assert "transférée à l&#39;Assistance des ministères." in await (await client.get("/files/gev-btp")).text()
    assert (await client.get(f"/demandes/{number}")).status == 404  # no longer her queue
    with desk.transaction() as db:
        t = db.get(Ticket, opened.ticket_id)
        assert (t.queue.code, t.priority.value, t.assignee_id) == ("assistance", "urgente", None)
        actions = [e.action for e in db.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))]
    assert {"assignee", "priority", "status", "owner", "queue"} <= set(actions)


async def test_refusals_show_the_page_again_with_the_text_kept(client, desk):
    opened = dte_ticket(desk)
    token = await logged_in(client, "alice")
    resp = await client.post(f"/demandes/{opened.number}/repondre",
                             data={"csrf_token": token, "text": "x" * 3600})
    assert resp.status == 409
    html = await resp.text()
    assert "trop long" in html and "x" * 3600 in html
    resp = await client.post(f"/demandes/{opened.number}/note", data={"csrf_token": token, "text": "  "})
    assert resp.status == 409 and "Le message est vide." in await resp.text()
    set_status(desk, "alice", opened.number, "clos")
    resp = await client.post(f"/demandes/{opened.number}/repondre",
                             data={"csrf_token": token, "text": "Encore ?"})
    # a closed ticket's page has no form (hence no form token): refused, page shown again
    assert resp.status == 400 and "est close" in await resp.text()
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    assert "Envoyer la réponse" not in page and "Cette demande est close" in page


async def test_ticket_page_shows_context_transcript_audit_and_warnings(client, desk, clock):
    opened = dte_ticket(desk)
    staff_reply(desk, "alice", opened.ticket_id, "Première réponse.")
    staff_reply(desk, "alice", opened.ticket_id, "Note secrète.", internal=True)
    await logged_in(client, "alice")
    html = await (await client.get(f"/demandes/{opened.number}")).text()
    for expected in ("Transmis au GEV BTP", "TITRE_B_2026_000001", "A1", "dte-non-recu",
                     "dte pas reçu", "(CERES : jcentre)", "Jeanne Centre", "23/11/2026 09:00",
                     "msg-requester", "msg-staff", "Note secrète.", "Historique", "création"):
        assert expected in html, expected
    assert "Demandeur injoignable" not in html and "Échec d'envoi" not in html

    items = pending_deliveries(desk, limit=5)
    mark_failed(desk, items[0].id, "Bad Request", lease_token=items[0].lease_token, permanent=True)
    mark_requester_blocked(desk, USER.chat_id)
    html = await (await client.get(f"/demandes/{opened.number}")).text()
    assert "Demandeur injoignable" in html and "Échec d'envoi" in html


async def test_canned_reply_cites_an_article_without_javascript(client, desk):
    opened = dte_ticket(desk)
    await logged_in(client, "alice")
    article = next(a for a in articles() if a.id == "dte-non-recu")
    html = await (await client.get(f"/demandes/{opened.number}",
                                   params={"modele": "article", "article": article.id})).text()
    textarea = unescape(re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', html, re.S)[1])
    assert textarea.startswith("Bonjour Jeanne Centre,")
    # defect 6: the article is cited in plain text, never raw Markdown
    assert f"{article.title}\n{plain_text(article.answer)}" in textarea
    assert "**" not in textarea and "2 semaines avant la date de certification" in textarea
    html = await (await client.get(f"/demandes/{opened.number}", params={"modele": "precisions"})).text()
    assert opened.number in re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', html, re.S)[1]


async def test_queue_page_filters_search_pagination_and_countdown(client, desk, clock):
    numbers = []
    for i in range(55):
        numbers.append(dte_ticket(desk, f"Sujet {i:02d}").number)
    set_priority(desk, "alice", numbers[3], "urgente")
    claim(desk, "alice", numbers[4])
    claim(desk, "bob", numbers[5])
    set_status(desk, "bob", numbers[6], "résolu")
    await logged_in(client, "alice")
    html = await (await client.get("/files/gev-btp")).text()
    assert "54 demandes" in html and "Page 1 sur 2" in html
    assert html.index(numbers[3]) < html.index(numbers[0])  # urgent first
    assert "4 h restantes" in html
    html = await (await client.get("/files/gev-btp", params={"page": "2"})).text()
    assert "Page 2 sur 2" in html and "Page précédente" in html

    async def listed(**params):
        return linked(await (await client.get("/files/gev-btp", params=params)).text())

    assert await listed(priorite="urgente") == {numbers[3]}
    assert await listed(agent="moi") == {numbers[4]}
    assert await listed(agent="bob") == {numbers[5]}
    assert await listed(statut="resolu") == {numbers[6]}
    assert await listed(q="Sujet 17") == {numbers[17]}
    assert await listed(q=numbers[20]) == {numbers[20]}
    html = await (await client.get("/files/gev-btp", params={"agent": UNASSIGNED, "statut": "toutes"})).text()
    assert "53 demandes" in html and len(linked(html)) == 50
    assert (await client.get("/files/gev-btp", params={"statut": "n'importe"})).status == 400

    clock.advance(hours=5)  # first response was due at 13:00
    html = await (await client.get("/files/gev-btp", params={"q": numbers[0]})).text()
    assert "dépassé de 1 h" in html

    overview = await (await client.get("/")).text()
    assert "GEV BTP" in overview and "pill-late" in overview


async def test_report_page_numbers_and_unanswered_questions(client, desk, clock):
    from knowledge.feedback import record_unanswered

    a = dte_ticket(desk)
    b = dte_ticket(desk)
    dte_ticket(desk)
    clock.advance(hours=1)
    staff_reply(desk, "alice", a.ticket_id, "Réponse 1")
    clock.advance(hours=5)
    staff_reply(desk, "alice", b.ticket_id, "Réponse 2")
    set_status(desk, "alice", a.ticket_id, "résolu")
    rate(desk, USER.chat_id, a.ticket_id, 4)
    dreets_ticket(desk)
    for _ in range(3):
        record_unanswered(desk, "Où trouver le formulaire de dérogation ?")
    await logged_in(client, "alice")
    html = await (await client.get("/rapport")).text()
    assert "du 01/11/2026 au 23/11/2026" in html
    row = re.search(r"<th scope=\"row\">GEV BTP</th>(.*?)</tr>", html, re.S)[1]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells[:4] == ["3", "1", "2", "3 h 30"]
    assert cells[4:6] == ["50 %", "100 %"]
    assert cells[6].startswith("4,0/5") and "(1 avis)" in cells[6]
    assert "DREETS" not in html  # carol's queue is not alice's
    assert "Où trouver le formulaire de dérogation ?" in html
    html = await (await client.get("/rapport", params={"du": "2026-12-01", "au": "2026-12-31"})).text()
    assert "Aucune demande créée sur cette période" in html
    assert (await client.get("/rapport", params={"du": "2026-13-01"})).status == 400
    html = await (await client.get("/rapport", params={"periode": "annee"})).text()
    assert "du 01/11/2025 au 23/11/2026" in html


async def test_static_css_and_unknown_pages(client):
    resp = await client.get("/static/style.css")
    assert resp.status == 200 and "--blue" in await resp.text()
    await logged_in(client, "alice")
    resp = await client.get("/nulle-part")
    assert resp.status == 404 and "Cette page n'existe pas." in unescape(await resp.text())


async def test_the_dashboard_can_be_mounted_under_a_prefix(desk):
    from aiohttp import web

    parent = web.Application()
    parent.add_subapp("/support/", create_app(desk, secret=SECRET, articles=[]))
    async with TestClient(TestServer(parent)) as c:
        resp = await c.get("/support/", allow_redirects=False)
        assert resp.headers["Location"] == "/support/connexion?suite=/support/"
        assert "Path=/support/" in resp.headers["Set-Cookie"]
        page = await c.get("/support/connexion")
        token = token_of(await page.text())
        resp = await c.post("/support/connexion", allow_redirects=False,
                            data={"csrf_token": token, "login": "alice", "password": PASSWORD})
        assert resp.headers["Location"] == "/support/"
        html = await (await c.get("/support/")).text()
        assert 'href="/support/files/gev-btp"' in html and "/support/static/style.css" in html


# -- services added for the dashboard -----------------------------------------------------------


def test_queue_members_and_overview(desk, clock):
    a = dte_ticket(desk)
    b = dte_ticket(desk)
    dte_ticket(desk)
    dreets_ticket(desk)
    claim(desk, "alice", a.ticket_id)
    set_status(desk, "alice", b.ticket_id, "en attente du demandeur")
    assert queue_members(desk, "alice", "gev-btp") == [("alice", "Alice GEV"), ("bob", "Bob GEV")]
    with pytest.raises(Exception, match="ne faites pas partie"):
        queue_members(desk, "carol", "gev-btp")

    [row] = queue_overview(desk, "alice")
    assert row.queue == "gev-btp"
    assert row.counts == {"nouveau": 1, "en_cours": 1, "en_attente": 1, "resolu": 0, "clos": 0}
    assert (row.open, row.unassigned, row.mine, row.overdue, row.at_risk) == (3, 2, 1, 0, 0)
    clock.advance(hours=3, minutes=30)  # 12:30, first responses due at 13:00
    [row] = queue_overview(desk, "alice")
    assert (row.overdue, row.at_risk) == (0, 2)
    clock.advance(hours=1)
    [row] = queue_overview(desk, "alice")
    assert (row.overdue, row.at_risk) == (2, 0)
    assert [r.queue for r in queue_overview(desk, "bob")] == ["gev-btp", "gev-ccp"]


def test_queue_at_risk_counts_opening_time(desk, clock):
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=PARIS))  # Friday; GEV closes at 15:00
    dte_ticket(desk)  # 4 opening hours: 1 h on Friday, then due Monday 11:30
    clock.set(datetime(2026, 11, 30, 10, 45, tzinfo=PARIS))  # Monday: 45 opening minutes left
    [row] = queue_overview(desk, "alice")
    assert (row.overdue, row.at_risk) == (0, 1)


def test_list_queue_filters_on_priority_and_assignee(desk):
    a = dte_ticket(desk)
    b = dte_ticket(desk)
    dte_ticket(desk)
    set_priority(desk, "alice", a.ticket_id, "haute")
    claim(desk, "bob", b.ticket_id)
    assert [r.ticket.number for r in list_queue(desk, "alice", "gev-btp", priority="haute").items] == [a.number]
    assert [r.ticket.number for r in list_queue(desk, "alice", "gev-btp", assignee="bob").items] == [b.number]
    assert list_queue(desk, "alice", "gev-btp", assignee=UNASSIGNED).total == 2
    assert list_queue(desk, "alice", "gev-btp", assignee="alice").total == 0


def test_formatting():
    assert fr_datetime(datetime(2026, 11, 22, 9, 5, tzinfo=PARIS)) == "22/11/2026 09:05"
    assert duration(80) == "1 h 20" and duration(45) == "45 min" and duration(120) == "2 h"

    class Sla:
        def __init__(self, remaining, overdue=False, paused=False):
            self.remaining_minutes, self.overdue, self.paused = remaining, overdue, paused

    assert countdown(Sla(80)) == ("1 h 20 restantes", "ok")
    assert countdown(Sla(30)) == ("30 min restantes", "soon")
    assert countdown(Sla(-120, overdue=True)) == ("dépassé de 2 h", "late")
    assert countdown(Sla(None, paused=True)) == ("en pause", "none")


def test_login_attempts_counted_per_account_and_address_in_the_database(desk, clock):
    limits = LoginLimits(per_account=2, per_address=3, window_seconds=60)
    assert take_login_attempt(desk, "Alice", "1.2.3.4", limits)
    assert take_login_attempt(desk, "alice", "1.2.3.4", limits)
    assert not take_login_attempt(desk, "alice", "5.6.7.8", limits)  # the account's limit
    assert take_login_attempt(desk, "bob", "1.2.3.4", limits)  # 3rd from the address
    assert take_login_attempt(desk, "carol", "1.2.3.4", limits) is False  # the address's limit
    assert take_login_attempt(desk, "bob", "9.9.9.9", limits)
    clock.advance(seconds=61)
    assert take_login_attempt(desk, "alice", "1.2.3.4", limits)  # a new window
    login_succeeded(desk, "alice", "1.2.3.4")
    assert take_login_attempt(desk, "alice", "1.2.3.4", limits)
    assert take_login_attempt(desk, "alice", "1.2.3.4", limits)


def test_session_codec_needs_a_real_secret():
    with pytest.raises(ValueError):
        SessionCodec("court")
    assert timedelta(hours=10).total_seconds() >= 3600


# -- issue 11, defects 3, 5, 6, 7 on the dashboard --------------------------------------------


def _form_token(html: str) -> str:
    return _FORM_TOKEN.search(html)[1]


async def test_defect_3_same_form_sent_twice_is_carried_out_once(client, desk):
    opened = dte_ticket(desk)
    token = await logged_in(client, "alice")
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    form = {"csrf_token": token, "form_token": _form_token(page), "text": "Une seule fois."}
    first = await client.post(f"/demandes/{opened.number}/repondre", data=form, allow_redirects=False)
    assert first.status == 303
    # Back + resend: the same form again
    again = await client.post(f"/demandes/{opened.number}/repondre", data=form)
    assert again.status == 200 and again.url.path == f"/demandes/{opened.number}"
    assert "déjà été envoyé : l&#39;action n&#39;a pas été refaite" in await again.text()
    # a double click: two identical posts at once
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    form = {"csrf_token": token, "form_token": _form_token(page), "text": "Double clic."}
    import asyncio

    await asyncio.gather(*(client.post(f"/demandes/{opened.number}/repondre", data=form)
                           for _ in range(3)))
    with desk.transaction() as db:
        texts = [m.text for m in db.scalars(select(TicketMessage).where(
            TicketMessage.ticket_id == opened.ticket_id, TicketMessage.author_kind == "staff"))]
    assert texts.count("Une seule fois.") == 1 and texts.count("Double clic.") == 1
    # a made-up or another session's token does nothing
    resp = await client.post(f"/demandes/{opened.number}/repondre",
                             data={**form, "form_token": "abc.9999999999.0123", "text": "Faux"})
    assert resp.status == 400 and "a expiré" in await resp.text()
    # a refused form (empty) gives its token back: the same form, corrected, goes through
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    form = {"csrf_token": token, "form_token": _form_token(page), "text": "  "}
    assert (await client.post(f"/demandes/{opened.number}/repondre", data=form)).status == 409
    resp = await client.post(f"/demandes/{opened.number}/repondre", data={**form, "text": "Corrigé"},
                             allow_redirects=False)
    assert resp.status == 303


async def test_defect_5_transfer_to_a_queue_without_staff_warned_and_refused(client, desk):
    opened = dte_ticket(desk)
    token = await logged_in(client, "alice")
    html = await (await client.get(f"/demandes/{opened.number}")).text()
    assert re.search(r'<option value="afpa-impression" disabled>[^<]*\(aucun membre\)', html)
    assert '<option value="assistance">' in html
    resp = await client.post(f"/demandes/{opened.number}/transferer",
                             data={"csrf_token": token, "queue": "ud-29", "reason": "UD"})
    assert resp.status == 409 and "aucun membre actif" in await resp.text()
    with desk.transaction() as db:
        assert db.get(Ticket, opened.ticket_id).queue.code == "gev-btp"


async def test_defect_6_canned_reply_inserted_after_the_typed_text(client, desk):
    opened = dte_ticket(desk, requester=Requester(1001, "Sophie Bernard (Formapro Paris)", "sb"))
    token = await logged_in(client, "alice")
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    resp = await client.post(f"/demandes/{opened.number}/inserer", data={
        "csrf_token": token, "form_token": _form_token(page), "text": "Ce que j'avais tapé.",
        "modele": "precisions", "article": ""})
    assert resp.status == 200
    html = await resp.text()
    textarea = unescape(re.search(r'<textarea id="reply-text"[^>]*>(.*?)</textarea>', html, re.S)[1])
    # defect 7: the person's name, not « Bonjour Sophie Bernard (Formapro Paris), »
    assert textarea.startswith("Ce que j'avais tapé.\n\nBonjour Sophie Bernard,\n")
    with desk.transaction() as db:  # inserting sends nothing
        assert db.scalar(select(func.count()).select_from(Delivery)) == 0


async def test_defect_6_assign_sends_taken_over_and_search_finds_accented_names(client, desk):
    opened = dte_ticket(desk, requester=Requester(1001, "Hélène Lefèvre", "hl"))
    token = await logged_in(client, "alice")
    await client.post(f"/demandes/{opened.number}/attribuer",
                      data={"csrf_token": token, "assignee": "bob"})
    with desk.transaction() as db:
        texts = [d.text for d in db.scalars(select(Delivery))]
    assert any(t.startswith("Une personne du GEV BTP a pris en charge") for t in texts), texts
    for query in ("helene", "HÉLÈNE", "Lefevre", "colis de dte"):
        assert linked(await (await client.get("/files/gev-btp", params={"q": query})).text()) == {
            opened.number}, query


async def test_defect_6_after_losing_a_claim_back_on_the_ticket_page(client, desk):
    opened = dte_ticket(desk)
    token = await logged_in(client, "alice")
    page = await (await client.get(f"/demandes/{opened.number}")).text()
    claim(desk, "bob", opened.number)  # Bob was quicker
    resp = await client.post(f"/demandes/{opened.number}/prendre", allow_redirects=False,
                             data={"csrf_token": token, "form_token": _form_token(page)})
    assert resp.status == 303 and resp.headers["Location"] == f"/demandes/{opened.number}"
    html = await (await client.get(resp.headers["Location"])).text()
    assert 'role="alert"' in html and "prise en charge par Bob GEV" in html


async def test_report_page_shows_the_sections_other_parts_add(desk):
    """The program that builds the dashboard passes sections (the bot's reminders, issue
    13); each is computed over the page's period and shown, escaped."""
    from tickets.reporting import ExtraReport

    periods = []

    def section(core, since, until):
        periods.append((since, until))
        return ExtraReport("Rappels envoyés par l'assistant",
                           (("Rappels <envoyés>", "12"), ("Suivis d'une action", "3 (25 %)")),
                           "Toutes files confondues.")

    app = create_app(desk, secret=SECRET, articles=[], report_sections=[section])
    async with FormClient(TestServer(app)) as client:
        await logged_in(client, "alice")
        html = await (await client.get("/rapport", params={"du": "2026-11-01",
                                                           "au": "2026-11-30"})).text()
    assert "Rappels envoyés par l&#39;assistant" in html or "Rappels envoyés par l'assistant" in html
    assert "Rappels &lt;envoyés&gt;" in html and "3 (25 %)" in html
    assert "Toutes files confondues." in html
    (since, until), = periods
    assert (since.date().isoformat(), until.date().isoformat()) == ("2026-11-01", "2026-12-01")
