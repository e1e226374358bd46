"""« database is locked » (issue 12, item 6): the unit of work is run again, then a
clear French refusal (ceres_core.busy), also through the bot's ``run_sync``."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import OperationalError

from bot.runtime import run_sync
from ceres_core.busy import (
    ATTEMPTS,
    BUSY_MESSAGE,
    DatabaseBusy,
    is_database_locked,
    retry_when_locked,
)
from ceres_core.errors import CeresError


def locked() -> OperationalError:
    return OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))


def test_locked_then_free_is_retried() -> None:
    calls = []

    def work() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise locked()
        return "fait"

    assert retry_when_locked(work, max_wait=0.01) == "fait"
    assert len(calls) == 3


def test_always_locked_ends_in_a_french_refusal() -> None:
    calls = []

    def work() -> None:
        calls.append(1)
        raise locked()

    with pytest.raises(DatabaseBusy) as info:
        retry_when_locked(work, max_wait=0.01)
    assert len(calls) == ATTEMPTS
    assert isinstance(info.value, CeresError)
    assert info.value.message == BUSY_MESSAGE
    assert "occupée" in info.value.message and "Réessayez" in info.value.message
    assert is_database_locked(info.value.__cause__)


def test_other_database_errors_are_not_retried() -> None:
    calls = []

    def work() -> None:
        calls.append(1)
        raise OperationalError("SELECT", {}, sqlite3.OperationalError("no such table: x"))

    with pytest.raises(OperationalError):
        retry_when_locked(work, max_wait=0.01)
    assert len(calls) == 1
    assert not is_database_locked(ValueError("database is locked"))


def test_a_real_sqlite_lock_is_waited_out(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'busy.db'}"
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _no_wait(dbapi_conn, _record):  # SQLite answers « locked » at once
        dbapi_conn.execute("PRAGMA busy_timeout=0")

    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = sqlite3.connect(tmp_path / "busy.db", isolation_level=None,
                             check_same_thread=False)
    holder.execute("BEGIN EXCLUSIVE")
    attempts = []

    def write() -> int:
        attempts.append(1)
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            return conn.execute(text("SELECT count(*) FROM t")).scalar_one()

    threading.Timer(0.15, holder.rollback).start()
    assert retry_when_locked(write, attempts=30, max_wait=0.1) == 1
    assert len(attempts) > 1  # it was really locked at first
    holder.close()
    engine.dispose()


async def test_run_sync_turns_a_lasting_lock_into_database_busy() -> None:
    def work() -> None:
        raise locked()

    with pytest.raises(DatabaseBusy):
        await run_sync(work)


def test_a_single_attempt_still_ends_in_database_busy() -> None:
    def work() -> None:
        raise locked()

    with pytest.raises(DatabaseBusy):
        retry_when_locked(work, attempts=1)
