"""« database is locked » seen from the chat (issue 12, item 6): while another process
holds SQLite's lock, the user gets the French « base occupée » message (after the
retries of ceres_core.busy), not « erreur inattendue »; once it is free, a normal
answer."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import event

from bot.runtime import Services
from ceres_core.busy import BUSY_MESSAGE
from ceres_core.clock import SystemClock
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.models.base import Base
from tests.e2e.harness import BotHarness


async def test_a_locked_database_gets_a_clear_french_message(tmp_path: Path, knowledge_services):
    path = tmp_path / "locked.db"
    engine = make_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _no_wait(dbapi_conn, _record):  # after make_engine's: « locked » at once, no 5 s wait
        dbapi_conn.execute("PRAGMA busy_timeout=0")

    Base.metadata.create_all(engine)
    matcher, library = knowledge_services
    harness = BotHarness(Services(Core(engine=engine, clock=SystemClock()), matcher, library))
    await harness.start()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        chat = harness.chat()
        await chat.ask("/aide")  # the conversation exists
        holder.execute("BEGIN EXCLUSIVE")  # another process writes for a long time
        reply = await chat.ask("Comment demander un duplicata de diplôme ?")
        assert reply.text == BUSY_MESSAGE
        holder.execute("ROLLBACK")
        reply = await chat.ask("Comment demander un duplicata de diplôme ?")
        assert reply.text.startswith("Demander un duplicata")
    finally:
        holder.close()
        await harness.stop()
        engine.dispose()
