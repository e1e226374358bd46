"""The production-shaped deployment (bot.cluster, issue 14): two bot instances in
webhook mode on PostgreSQL behind HAProxy, the local Bot API server delivering to
the balancer. Many chats ask questions, each waiting for its answer like a person,
while one instance is killed with ``kill -9`` and restarted: every update is
answered, exactly once; HAProxy takes the dead instance out and puts it back. And
the background work (helpdesk outbox) moves to the other instance when the one that
runs it is killed: a staff reply is still delivered, once.

Runs when PostgreSQL (``CERES_TEST_POSTGRES_URL``, a server where a database may be
created) and HAProxy (Debian's ``haproxy``) are there; skipped otherwise, saying which
is missing.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from bot.cluster import LocalCluster, find_haproxy

pytestmark = [pytest.mark.e2e, pytest.mark.postgres]

POSTGRES_URL = os.environ.get("CERES_TEST_POSTGRES_URL")
CHATS = 16
ROUNDS = 6
QUESTIONS = ["/aide", "Comment demander un duplicata de diplôme ?", "/moi",
             "Quel est le délai pour commander un DTE ?"]
#: an answer must come within this time, failover included (health checks, the Bot
#: API server's retries).
ANSWER_TIMEOUT = 20.0
#: after the last answer, how long a duplicate would have to show up.
QUIET = 1.5


def _skip_reason() -> str | None:
    if not POSTGRES_URL:
        return "CERES_TEST_POSTGRES_URL is not set: the cluster test needs PostgreSQL"
    if find_haproxy() is None:
        return "haproxy is not installed (apt-get install haproxy): cluster test skipped"
    return None


def _admin_url(url: str) -> tuple[str, str]:
    base, _, name = url.rpartition("/")
    return f"{base}/postgres", name.split("?")[0]


@pytest.fixture
def cluster_database() -> Iterator[str]:
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    import psycopg

    assert POSTGRES_URL is not None
    admin, name = _admin_url(POSTGRES_URL)
    database = f"{name}_cluster"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        yield f"{admin.rpartition('/')[0]}/{database}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
async def cluster(cluster_database: str, tmp_path: Path) -> AsyncIterator[LocalCluster]:
    # INFO: the instances log when they take the background lease (bot.leader).
    c = LocalCluster(cluster_database, instances=2, workdir=tmp_path / "cluster",
                     dashboard_port=None, chat_page=False, log_level="INFO")
    try:
        await c.start()
        yield c
    finally:
        await c.stop()


def bot_messages(cluster: LocalCluster, chat_id: int) -> int:
    return sum(1 for e in cluster.api.events(cluster.token, chat_id)
               if e["type"] in ("message", "document"))


class LostUpdates(AssertionError):
    """Updates that were never answered."""


async def ask(cluster: LocalCluster, chat_id: int, text: str) -> float | None:
    """Send ``text`` and wait for the first answer; return the latency (s), or None
    if no answer came within ANSWER_TIMEOUT."""
    before = bot_messages(cluster, chat_id)
    started = time.monotonic()
    await cluster.api.user_message(cluster.token, chat_id, text, "Camille")
    deadline = started + ANSWER_TIMEOUT
    while bot_messages(cluster, chat_id) == before:
        if time.monotonic() > deadline:
            return None
        await asyncio.sleep(0.02)
    return time.monotonic() - started


# The webhook answers 200 only once the update is handled, and a delivery of an update
# already claimed is a no-op (done) or asked again later (503, still being handled or
# its instance died: bot.exactly_once.take_update): nothing is lost, nothing doubled.
async def test_every_update_answered_exactly_once_while_an_instance_is_killed(
    cluster: LocalCluster,
) -> None:
    # Calibration: how many messages answer each question when nothing goes wrong.
    expected: dict[str, int] = {}
    for i, text in enumerate(QUESTIONS):
        chat_id = 900 + i
        assert await ask(cluster, chat_id, text) is not None
        await asyncio.sleep(QUIET)
        expected[text] = bot_messages(cluster, chat_id)
    assert all(n >= 1 for n in expected.values())

    sent: dict[int, list[str]] = {}
    latencies: list[float] = []
    lost: list[str] = []

    async def converse(chat_id: int) -> None:
        sent[chat_id] = []
        for round_ in range(ROUNDS):
            text = QUESTIONS[(chat_id + round_) % len(QUESTIONS)]
            latency = await ask(cluster, chat_id, text)
            if latency is None:
                lost.append(f"chat {chat_id}: no answer to {text!r} in {ANSWER_TIMEOUT} s")
                continue
            sent[chat_id].append(text)
            latencies.append(latency)
            # Whatever else answers this update arrives before the next question.
            await asyncio.sleep(0.3)

    async def chaos() -> None:
        await asyncio.sleep(1.5)  # in the middle of the conversations
        cluster.kill(1)
        await cluster.wait_balanced(up={2})  # HAProxy took it out
        await cluster.start_instance(1)
        await cluster.wait_balanced()  # …and put it back

    chats = [1000 + i for i in range(CHATS)]
    await asyncio.gather(chaos(), *(converse(c) for c in chats))
    await asyncio.sleep(QUIET)

    too_many = []
    for chat_id in chats:
        want = sum(expected[t] for t in sent[chat_id])
        got = bot_messages(cluster, chat_id)
        if got > want:
            too_many.append(f"chat {chat_id}: {got} bot messages for {want} expected")
    assert not too_many, "updates answered twice:\n" + "\n".join(too_many)
    # The killed instance is back in the balancer.
    assert await cluster.server_states() == {"bot1": "UP", "bot2": "UP"}
    print(f"{CHATS * ROUNDS} updates, {len(lost)} lost, "
          f"max latency {max(latencies):.2f} s" if latencies else "no answer")
    if lost:
        raise LostUpdates(f"{len(lost)} of {CHATS * ROUNDS} updates lost:\n" + "\n".join(lost))


def lease_holders(cluster: LocalCluster) -> list[int]:
    """The instances whose log says they took the background lease (in order of the logs)."""
    return [b.number for b in cluster.bots
            if "lease ceres-assist:bot-background taken"
            in (cluster.workdir / f"bot{b.number}.log").read_text(encoding="utf-8", errors="replace")]


async def test_staff_replies_still_delivered_once_when_the_background_instance_is_killed(
    cluster: LocalCluster,
) -> None:
    from ceres_core.core import Core
    from tests.e2e.harness import Chat
    from tests.e2e.test_tickets import eventually, only_ticket, open_from_none
    from tickets import services as ts

    core = Core.from_url(cluster.database_url)
    try:
        ts.add_staff(core, "agent.cluster", "Agent Grappe", "mot-de-passe-solide", ["assistance"])
        chat = Chat(cluster.api, cluster.token, 4242)
        await open_from_none(chat)
        ticket = only_ticket(core, chat.chat_id)
        holders = await eventually(lambda: lease_holders(cluster), timeout=10)
        assert len(holders) == 1, holders  # one instance runs the background work
        leader = holders[0]

        cluster.kill(leader)
        ts.staff_reply(core, "agent.cluster", ticket.id, "Voici la marche à suivre : …")

        def delivered() -> int:
            return sum("marche à suivre" in (m.get("text") or "")
                       for m in cluster.api.chat_messages(cluster.token, chat.chat_id))

        # The other instance takes the lease (PostgreSQL released it with the dead
        # session) and sends the reply.
        await eventually(delivered, timeout=20)
        other = 2 if leader == 1 else 1
        assert other in lease_holders(cluster)
        await cluster.start_instance(leader)
        await cluster.wait_balanced()
        await asyncio.sleep(3)  # the restarted instance must not send it again
        assert delivered() == 1
    finally:
        core.engine.dispose()
