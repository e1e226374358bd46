"""bot.leader: the background work's lease (a PostgreSQL advisory lock). Two holders
on PostgreSQL: one holds it, the other cannot take it; the holder's process is killed
(``kill -9``) and the other takes it over. On SQLite the one instance always holds it."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.leader import AdvisoryLease, LeaderGate
from ceres_core.db import make_engine

POSTGRES_URL = os.environ.get("CERES_TEST_POSTGRES_URL")
_skip = pytest.mark.skipif(
    not POSTGRES_URL, reason="CERES_TEST_POSTGRES_URL is not set: the lease test needs PostgreSQL"
)


def needs_postgres(test):
    return pytest.mark.postgres(_skip(test))
ROOT = Path(__file__).resolve().parents[1]

HOLDER = """
import sys, time
from bot.leader import AdvisoryLease
from ceres_core.db import make_engine
lease = AdvisoryLease(make_engine(sys.argv[1]), sys.argv[2])
print("held" if lease.acquire() else "refused", flush=True)
time.sleep(600)
"""


def test_sqlite_always_holds(tmp_path: Path) -> None:
    lease = AdvisoryLease(make_engine(f"sqlite:///{tmp_path / 'x.db'}"), "test")
    assert lease.acquire() and lease.alive()
    lease.release()
    assert not lease.held


@needs_postgres
def test_one_holder_at_a_time_and_release() -> None:
    engine = make_engine(POSTGRES_URL)
    first, second = AdvisoryLease(engine, "test-two"), AdvisoryLease(engine, "test-two")
    try:
        assert first.acquire()
        assert not second.acquire()
        assert first.alive() and first.acquire()  # idempotent for the holder
        assert AdvisoryLease(engine, "another-name").acquire()  # names are independent
        first.release()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()
        engine.dispose()


@needs_postgres
def test_the_other_holder_takes_over_when_the_holder_is_killed() -> None:
    name = f"test-kill-{os.getpid()}"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, POSTGRES_URL, name],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    engine = make_engine(POSTGRES_URL)
    other = AdvisoryLease(engine, name)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert not other.acquire()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(10)
        deadline = time.monotonic() + 10
        while not other.acquire():
            assert time.monotonic() < deadline, "the lease was not released by the killed holder"
            time.sleep(0.1)
        assert other.alive()
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(10)
        other.release()
        engine.dispose()


@needs_postgres
async def test_the_gate_runs_the_work_on_one_instance_and_hands_it_over() -> None:
    engine = make_engine(POSTGRES_URL)
    name = f"test-gate-{os.getpid()}"
    running: dict[str, int] = {"a": 0, "b": 0}

    def gate(label: str) -> LeaderGate:
        async def stop() -> None:
            running[label] -= 1
        return LeaderGate(AdvisoryLease(engine, name),
                          lambda: running.__setitem__(label, running[label] + 1), stop,
                          interval=0.05)

    a, b = gate("a").open(), gate("b").open()
    try:
        await asyncio.sleep(0.5)
        assert sorted(running.values()) == [0, 1]  # exactly one runs the work
        leader, follower = (a, b) if running["a"] else (b, a)
        # The leader's connection is lost (as when its process dies).
        assert leader.lease._conn is not None
        leader.lease._conn.invalidate()
        await asyncio.sleep(0.5)
        assert follower.leading
        assert not leader.leading or not leader.lease.alive()
        assert sum(running.values()) == 1
    finally:
        await a.close()
        await b.close()
        engine.dispose()
    assert running == {"a": 0, "b": 0}
