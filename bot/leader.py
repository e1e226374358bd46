"""Background work on exactly one instance: a PostgreSQL advisory lock held by a session.

Several bot instances serve the same webhook behind a load balancer (architecture.md),
but the background work — sending the helpdesk outbox and closing the resolved
tickets (:class:`bot.delivery_worker.DeliveryWorker`), and any periodic job added
later — must run on one of them at a time. The instances do not elect anyone: the
one that holds the session-level advisory lock ``pg_try_advisory_lock(key)`` on a
connection of its own runs it. PostgreSQL releases the lock when that session ends —
the process stopped, was killed (``kill -9``: the kernel closes its socket) or lost
its connection — and another instance, which tries every ``interval`` seconds, takes
it over. The holder checks its connection at the same pace and stops the work as
soon as it is lost (someone else may hold the lock by then). The outbox itself is
leased per entry, so a short overlap while a lost holder notices can send nothing
twice.

On SQLite there is one instance by construction (one file, one writer): it always
holds the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Connection, Engine, text

from bot.runtime import run_sync

log = logging.getLogger(__name__)

#: the lease of the background work of the bot (delivery worker and periodic jobs).
BACKGROUND = "ceres-assist:bot-background"
#: seconds between two attempts (or two checks of the holder's connection).
INTERVAL = 2.0


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``name`` (PostgreSQL advisory locks)."""
    digest = hashlib.blake2b(f"lease:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class AdvisoryLease:
    """A named lease: :meth:`acquire` (never blocks), :meth:`alive`, :meth:`release`.

    Blocking calls (database): call them from a worker thread in async code.
    """

    def __init__(self, engine: Engine, name: str = BACKGROUND) -> None:
        self.engine = engine
        self.name = name
        self.key = lock_key(name)
        self._conn: Connection | None = None
        self._sqlite_held = False

    @property
    def held(self) -> bool:
        return self._conn is not None or self._sqlite_held

    def acquire(self) -> bool:
        """Take the lease if nobody holds it; True if this object holds it now."""
        if self.held:
            return self.alive()
        if self.engine.dialect.name != "postgresql":
            self._sqlite_held = True
            return True
        conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def alive(self) -> bool:
        """Does this object still hold the lease? (False once its connection is lost.)"""
        if self._sqlite_held:
            return True
        conn = self._conn
        if conn is None:
            return False
        try:
            # A session-level advisory lock lasts as long as its session: if the
            # connection answers, the lock is still ours.
            conn.execute(text("SELECT 1"))
        except Exception:
            log.warning("lease %s: connection lost", self.name, exc_info=True)
            self._drop(invalidate=True)
            return False
        return True

    def release(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
        self._drop()

    def _drop(self, invalidate: bool = False) -> None:
        conn, self._conn = self._conn, None
        self._sqlite_held = False
        if conn is not None:
            with contextlib.suppress(Exception):
                if invalidate:
                    conn.invalidate()
                conn.close()


class LeaderGate:
    """Runs ``start()`` when this instance takes the lease and ``stop()`` when it loses
    it (or at :meth:`close`); retries every ``interval`` seconds."""

    def __init__(self, lease: AdvisoryLease, start: Callable[[], object],
                 stop: Callable[[], Awaitable[object]], *, interval: float = INTERVAL) -> None:
        self.lease = lease
        self._start = start
        self._stop = stop
        self.interval = interval
        self.leading = False
        self._task: asyncio.Task | None = None

    def open(self) -> LeaderGate:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"lease:{self.lease.name}")
        return self

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._step_down()
        await run_sync(self.lease.release)

    async def _step_down(self) -> None:
        if self.leading:
            self.leading = False
            await self._stop()

    async def _run(self) -> None:
        while True:
            try:
                if self.leading:
                    if not await run_sync(self.lease.alive):
                        log.warning("lease %s lost: background work stopped here", self.lease.name)
                        await self._step_down()
                elif await run_sync(self.lease.acquire):
                    log.info("lease %s taken: background work runs here", self.lease.name)
                    self.leading = True
                    self._start()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lease %s: attempt failed", self.lease.name, exc_info=True)
                await self._step_down()
                with contextlib.suppress(Exception):
                    await run_sync(self.lease.release)
            await asyncio.sleep(self.interval)
