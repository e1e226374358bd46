"""Reminders end to end: the real bot on the local Bot API server, on the demo data. The
scheduler's pass sends the day's digest; pressing its action button starts the operation;
« Plus tard » and ``/rappels`` work from the chat."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select

from bot import operation_texts
from bot import reminders as rem
from bot.models import SentReminder
from ceres_core.clock import PARIS
from ceres_core.demo import load_demo
from tests.e2e.harness import BotHarness, linked, plain

pytestmark = pytest.mark.e2e

TP_FUTURE = "TITRE_B_2027_470401"  # TP in preparation, DTE not ordered (demo)


@pytest.fixture
def demo(core, clock):
    clock.set(datetime(2026, 12, 7, 8, 0, tzinfo=PARIS))  # a Monday
    load_demo(core)
    return core


def _number_of(text: str, ref: str) -> int:
    """The number of the digest's line naming ``ref``."""
    match = re.search(rf"(\d+)\. [^\n]*{ref}", text)
    assert match, text
    return int(match.group(1))


async def test_reminder_arrives_and_its_action_starts_the_order(harness: BotHarness, demo,
                                                                clock):
    chat = await linked(harness, demo, "centre.formapro")
    clock.set(datetime(2026, 12, 23, 10, 0, tzinfo=PARIS))  # 15 working days before 15/01
    assert await rem.run_pass(harness.runner.app.bot, harness.services) == 1
    digest = (await chat.replies(1))[-1]
    text = plain(digest.text)
    assert "Vos rappels CERES du mercredi 23 décembre 2026" in text
    assert f"Le DTE de la session {TP_FUTURE}" in text and "(R-DTE-1)" in text
    n = _number_of(digest.text, TP_FUTURE)
    assert f"{n} · Plus tard" in digest.labels()
    assert f"{n} · Ne plus recevoir ce type" in digest.labels()

    # The action button starts the DTE order of that session: its first question.
    reply = await chat.click(digest, f"{n} · Commander le DTE")
    assert operation_texts.ASK["candidates_count"] in reply.text
    with demo.transaction() as db:
        row = db.scalar(select(SentReminder).where(SentReminder.key.like(
            f"dte_commande:{TP_FUTURE}:%")))
        assert row is not None and row.status == "sent" and row.acted_at is not None
    assert rem.stats(demo).acted == 1

    # A second pass the same day sends nothing more.
    assert await rem.run_pass(harness.runner.app.bot, harness.services) == 0


async def test_later_and_the_settings_from_the_chat(harness: BotHarness, demo, clock):
    chat = await linked(harness, demo, "ud75")
    clock.set(datetime(2026, 12, 7, 10, 0, tzinfo=PARIS))
    await rem.run_pass(harness.runner.app.bot, harness.services)
    digest = (await chat.replies(1))[-1]
    assert "attendent votre validation" in plain(digest.text)

    # « Plus tard » on the first reminder: acknowledged, back on the next working day.
    reply = await chat.click(digest, "1 · Plus tard")
    assert "je vous rappellerai « Sessions en attente de validation » le mardi 8 décembre 2026" \
        in plain(reply.text)

    # /rappels lists the kinds with their state and today's reminders.
    settings = await chat.ask("/rappels")
    text = plain(settings.text)
    assert "Vos rappels" in text and "entre 9 h et 17 h" in text and "75 – Paris" in text
    assert "⏰ Sessions en attente de validation (en pause jusqu'au mardi 8 décembre 2026)" in text
    assert "✅ Duplicatas possibles" in text and "(déjà envoyé)" in text
    # Switching a kind off redraws the message.
    await chat.press(settings.button("Désactiver : Duplicatas possibles"), settings.message_id)
    await chat.collect(1, kinds=("edit",))
    (edited,) = [e for e in chat.edits() if "Vos rappels" in e.text]
    assert "🔕 Duplicatas possibles (désactivé)" in plain(edited.text)
    assert "✅ Activer : Duplicatas possibles" in edited.labels()


async def test_rappels_for_an_unlinked_chat(harness: BotHarness, demo):
    chat = harness.chat()
    reply = await chat.ask("/rappels")
    assert "/start CODE" in reply.text
