"""The polling loop (bot.app.Poller) outlives any failure of getUpdates but a refused
token: a Telegram error, flood control or an unexpected exception is logged and the
loop fetches again (it used to end silently, the process alive and deaf)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.app import Poller


class FakeBot:
    """Answers getUpdates from a script (an exception is raised); records the calls."""

    def __init__(self, script: list, poller_box: dict) -> None:
        self.script = list(script)
        self.calls = 0
        self.box = poller_box

    async def _post(self, endpoint: str, data: dict, read_timeout: float | None = None):
        assert endpoint == "getUpdates"
        self.calls += 1
        if not self.script:  # the script played: the test is over
            self.box["poller"]._stopping = True
            return []
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer


def poller_for(script: list) -> tuple[Poller, FakeBot]:
    box: dict = {}
    bot = FakeBot(script, box)
    runner = SimpleNamespace(app=SimpleNamespace(bot=bot),
                             config=SimpleNamespace(poll_timeout=0, concurrent_updates=1))
    poller = Poller(runner)  # type: ignore[arg-type]
    box["poller"] = poller
    return poller, bot


@pytest.mark.parametrize("failure", [
    TelegramError("bad answer"),
    RetryAfter(0),
    ValueError("unexpected"),
], ids=["telegram-error", "flood-control", "unexpected"])
async def test_polling_goes_on_after_a_failed_fetch(monkeypatch, failure):
    monkeypatch.setattr(Poller, "_advance", lambda self: None)
    poller, bot = poller_for([failure, []])
    await asyncio.wait_for(poller._loop(), timeout=10)  # noqa: SLF001
    assert bot.calls == 3  # the failure, an empty fetch, the last one


async def test_a_refused_token_stops_polling_and_stop_still_completes(monkeypatch):
    monkeypatch.setattr(Poller, "_advance", lambda self: None)
    poller, bot = poller_for([InvalidToken("refused")])
    poller._task = asyncio.create_task(poller._loop())  # noqa: SLF001
    with pytest.raises(InvalidToken):
        await asyncio.wait_for(asyncio.shield(poller._task), timeout=5)  # noqa: SLF001
    poller.runner.app.bot.get_updates = None  # nothing handled: no acknowledgement sent
    await poller.stop()  # does not raise: the error was logged when it happened
    assert bot.calls == 1
