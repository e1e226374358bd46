"""Polling handles an update, then acknowledges it (issue 8, issue 14).

Telegram forgets the updates before the ``offset`` of a ``getUpdates`` call.
python-telegram-bot's Updater asks for the updates after the last one *fetched*, so a
process that dies while handling an update has already acknowledged it: lost. The
bot's poller (:class:`bot.app.Poller`) never acknowledges past the oldest update still
being handled. Here the first process fetches Ana's question and vanishes while handling
it — after it fetched and answered Ben's question, that is after a later ``getUpdates``
— without acknowledging anything more (as a ``kill -9``); the restarted bot answers Ana
once, and Ben is not answered twice.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from bot.app import BotRunner
from bot.exactly_once import UPDATE_LEASE
from tests.e2e.harness import QUIET, BotHarness, Chat

pytestmark = pytest.mark.e2e

QUESTION = "Comment envoyer les diplômes d'une session validée à l'impression ?"


async def _until(check, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def _vanish(runner: BotRunner) -> None:
    """The process dies: its tasks end where they are, nothing more is acknowledged
    (no last ``getUpdates``); only its connections and background workers are closed so
    that the next process of the test runs alone."""
    poller = runner._poller
    assert poller is not None
    tasks = [t for t in (poller._task, *poller.in_progress.values()) if t is not None]
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    runner._poller = None
    app = runner.app
    await app.post_stop(app)
    await app.stop()
    await app.shutdown()


def _bot_texts(harness: BotHarness, chat: Chat) -> list[str]:
    return [m.get("text") or "" for m in harness.api.chat_messages(harness.token, chat.chat_id)
            if m.get("from", {}).get("is_bot")]


async def _kill_while_handling_ana(harness: BotHarness, *, claimed: bool) -> tuple[Chat, Chat]:
    """Ana's question fetched by the first process, stuck before (or after) its claim;
    Ben's question fetched later and answered; then the process vanishes."""
    runner = harness.runner
    assert runner is not None
    ana, ben = harness.chat("Ana"), harness.chat("Ben")
    handle = runner.handle
    reached = asyncio.Event()

    async def stuck(update):
        if update.effective_chat is not None and update.effective_chat.id == ana.chat_id:
            if claimed:  # the claim committed, then the process dies mid-handling
                from bot.exactly_once import begin_update

                begin_update(runner.services.core, update.update_id, ana.chat_id, True)
            reached.set()
            await asyncio.Event().wait()  # never returns: the process dies in here
        return await handle(update)

    runner.handle = stuck  # type: ignore[method-assign]
    await ana.send(QUESTION)
    await asyncio.wait_for(reached.wait(), 10)
    reply = await ben.ask(QUESTION)  # fetched by a later getUpdates, handled, answered
    assert "impression" in reply.text.lower()
    await _vanish(runner)
    harness.runner = None
    assert _bot_texts(harness, ana) == []  # Ana was not answered by the dead process
    return ana, ben


async def test_an_update_fetched_by_a_process_that_died_before_handling_it_is_answered_once(
        services):
    harness = BotHarness(services)
    await harness.start()
    try:
        ana, ben = await _kill_while_handling_ana(harness, claimed=False)
        await harness.start_bot()  # the restarted process gets Ana's question again
        await _until(lambda: len(_bot_texts(harness, ana)) >= 1)
        await asyncio.sleep(QUIET * 4)  # and nothing more comes
        assert len(_bot_texts(harness, ana)) == 1
        assert "impression" in _bot_texts(harness, ana)[0].lower()
        assert len(_bot_texts(harness, ben)) == 1  # Ben's update was handled: not again
    finally:
        await harness.stop()


async def test_an_update_claimed_by_a_process_that_died_is_answered_once_after_the_lease(
        services, clock):
    harness = BotHarness(services)
    await harness.start()
    try:
        ana, ben = await _kill_while_handling_ana(harness, claimed=True)
        await harness.start_bot()
        # The dead process's claim holds the update for UPDATE_LEASE: not answered yet.
        await asyncio.sleep(1.5)
        assert _bot_texts(harness, ana) == []
        clock.advance(seconds=UPDATE_LEASE.total_seconds() + 1)
        await _until(lambda: len(_bot_texts(harness, ana)) >= 1)
        await asyncio.sleep(QUIET * 4)
        assert len(_bot_texts(harness, ana)) == 1
        assert len(_bot_texts(harness, ben)) == 1
    finally:
        await harness.stop()
