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
