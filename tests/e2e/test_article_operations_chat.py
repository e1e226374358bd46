"""End-to-end: an article's chat operations (issue 10, item 4), through the real bot
over HTTP on the demo data: a linked user gets a button for each operation of the
article their profile may run (R-ACT-2), which opens the operation's form as its
command does; a profile that may not run it, or an unlinked user, gets none."""

from __future__ import annotations

import pytest

from bot import catalogue
from tests.e2e.harness import BotHarness
from tests.e2e.test_live_answers_chat import linked

pytestmark = pytest.mark.e2e

PND_QUESTION = "un courrier est revenu avec la mention pli non distribuable, que faire ?"
PND_MENU = catalogue.by_name("record_pnd").menu


async def test_ud_asking_about_a_pnd_gets_the_pnd_operation_button(harness: BotHarness, demo):
    chat = await linked(harness, demo, "ud75")
    reply = await chat.ask(PND_QUESTION)
    assert reply.text.startswith("Pli non distribuable (PND)")
    assert f"▶️ {PND_MENU}" in reply.labels()
    form = await chat.click(reply, PND_MENU)
    assert form.text.startswith("Quel candidat ?")
    assert "✖️ Annuler" in form.labels()
    # The form's first step, as /pnd without arguments opens it.
    command = await chat.ask("/" + catalogue.by_name("record_pnd").command)
    assert form.text == command.text


async def test_centre_asking_about_a_pnd_gets_no_button_it_cannot_run(harness: BotHarness, demo):
    chat = await linked(harness, demo, "centre.formapro")
    reply = await chat.ask(PND_QUESTION)
    assert reply.text.startswith("Pli non distribuable (PND)")
    assert not any(label.startswith("▶️") for label in reply.labels())


async def test_unlinked_user_gets_the_pnd_article_as_before(harness: BotHarness, demo):
    chat = harness.chat("Dominique")
    reply = await chat.ask(PND_QUESTION)
    assert reply.text.startswith("Pli non distribuable (PND)")
    assert not any(label.startswith("▶️") for label in reply.labels())
    assert "👍 Utile" in reply.labels()
