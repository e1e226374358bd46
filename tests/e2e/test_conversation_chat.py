"""End-to-end: small talk, two questions in one message, a follow-up and a role
variant, through the real bot over HTTP (tests/e2e/harness.py)."""

from __future__ import annotations

import pytest

from bot import accounts
from ceres_core.models import Profile, Role, User
from knowledge.texts import SMALLTALK
from tests.e2e.harness import BotHarness

pytestmark = pytest.mark.e2e


async def test_dialogue_small_talk_two_questions_and_follow_up(harness: BotHarness):
    chat = harness.chat()
    dialogue = [
        ("bonjour", [SMALLTALK["greeting"]]),
        (
            "comment commander le DTE ? et aussi, quand arrivent les liens du CCP ?",
            ["Commander le DTE", "Liens numériques du DTE d'un CCP"],
        ),
        ("quand arrive le DTE d'un TP ?", ["Quand et comment arrive le DTE"]),
        ("et pour un CCP ?", ["Liens numériques du DTE d'un CCP"]),
        ("merci", [SMALLTALK["thanks"]]),
    ]
    for says, expected in dialogue:
        await chat.send(says)
        replies = await chat.replies(len(expected))
        for reply, start in zip(replies, expected, strict=True):
            assert reply.text.startswith(start), (says, reply.text[:80])


async def test_a_ud_reads_the_ud_variant(harness: BotHarness, core):
    from ceres_core.seed import ensure_geography

    with core.transaction() as db:
        ensure_geography(db)
    with core.transaction() as db:
        user = User(login="ud.35", display_name="Agent UD", created_at=core.clock.now())
        user.profiles.append(Profile(role=Role.UD, departement_code="35"))
        db.add(user)
    chat = harness.chat()
    await chat.ask(f"/start {accounts.issue_link_code(core, 'ud.35', 30).code}")
    reply = await chat.ask("valider le PV de la session")
    assert "vous recevez du centre les originaux" in reply.text
    assert "imprimez en recto verso" not in reply.text
