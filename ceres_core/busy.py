"""« database is locked »: retry the unit of work, then a clear French refusal.

SQLite has one writer at a time. ``PRAGMA busy_timeout`` (:func:`ceres_core.db.make_engine`)
makes a writer wait for the lock, but SQLite still answers « database is locked » at
once when waiting could deadlock (a transaction that read first and then wants to
write while another one writes), and after the timeout under heavy load. Nothing of
the failed transaction is committed then (it is rolled back), so the whole unit of
work is run again a few times (tenacity, random exponential back-off); if the
database is still busy, :class:`DatabaseBusy` — a :class:`CeresError` — tells the
user in French to try again, instead of an « unexpected error ».

Only a call that is one transaction (one service call per operation, as the
architecture asks) may be retried this way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from tenacity import (
    RetryError,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_random_exponential,
)

from ceres_core.errors import CeresError

T = TypeVar("T")

#: attempts in all (the first one included) before giving up.
ATTEMPTS = 4
#: at most this many seconds (random) before the second attempt.
FIRST_PAUSE = 0.05

BUSY_MESSAGE = (
    "La base de données est momentanément occupée : rien n'a été enregistré. "
    "Réessayez dans quelques secondes."
)


class DatabaseBusy(CeresError):
    """The database stayed locked after every attempt; nothing was written."""

    def __init__(self) -> None:
        super().__init__(BUSY_MESSAGE)


def is_database_locked(exc: BaseException) -> bool:
    """Is ``exc`` SQLite's « database is locked » (or « database table is locked »)?"""
    if not isinstance(exc, OperationalError):
        return False
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return "database is locked" in text or "database table is locked" in text


def retry_when_locked(
    fn: Callable[..., T], *args: Any, attempts: int = ATTEMPTS, max_wait: float = 1.0, **kwargs: Any
) -> T:
    """``fn(*args, **kwargs)``, run again while the database is locked; then :class:`DatabaseBusy`."""
    try:  # the usual case first, without the retry machinery (it runs on every query)
        return fn(*args, **kwargs)
    except OperationalError as exc:
        if not is_database_locked(exc):
            raise
        if attempts <= 1:
            raise DatabaseBusy() from exc
    time.sleep(random.uniform(0, FIRST_PAUSE))  # the other writer is still at work
    retrying = Retrying(
        retry=retry_if_exception(is_database_locked),
        stop=stop_after_attempt(attempts - 1),  # the first attempt was made above
        wait=wait_random_exponential(multiplier=0.05, max=max_wait),
        reraise=False,
    )
    try:
        return retrying(fn, *args, **kwargs)
    except RetryError as exc:
        raise DatabaseBusy() from exc.last_attempt.exception()
