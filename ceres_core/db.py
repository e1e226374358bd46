"""Engine and session factory: SQLite file by default, ``CERES_DATABASE_URL`` otherwise."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_FILE = "ceres-assist.db"


def database_url(url: str | None = None) -> str:
    """The URL to use: explicit, then ``CERES_DATABASE_URL``, then a local SQLite file."""
    if url:
        return url
    env = os.environ.get("CERES_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{os.path.abspath(DEFAULT_SQLITE_FILE)}"


def make_engine(url: str | None = None, **kwargs: object) -> Engine:
    url = database_url(url)
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship (extra "postgres").
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=5000")
            # Write-ahead log: readers do not wait for the writer, and a commit appends
            # to the log without waiting for the disk (synchronous=NORMAL): a killed
            # process loses nothing committed; only a power cut may lose the last
            # commits. The rollback journal's two fsyncs per commit made every bot
            # update wait for the disk (issue 14).
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _lock_key(key: str) -> int:
    """A stable signed 64-bit number for ``key`` (PostgreSQL advisory locks)."""
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def lock_for_write(db: Session, key: str | None = None) -> None:
    """Serialise a check-then-insert with the other transactions doing the same.

    Call it *before* the reads the check depends on; the lock lasts until the end of
    the transaction (commit or rollback).

    - PostgreSQL: with ``key``, a transaction-scoped advisory lock on that key
      (``pg_advisory_xact_lock``): two transactions with the same key run their check
      one after the other, and the second one reads what the first committed (READ
      COMMITTED). Without ``key``, nothing (lock rows with ``SELECT … FOR UPDATE``).
    - SQLite: writers are serialised by the database lock; the transaction starts with
      ``BEGIN IMMEDIATE`` (the write lock), so that a second writer waits
      (``busy_timeout``) and then reads what the first committed. A transaction that
      already wrote already holds that lock.
    """
    dialect = db.get_bind().dialect.name
    if dialect == "postgresql":
        if key is not None:
            db.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_key(key)})
    elif dialect == "sqlite":
        db.flush()  # pending changes first: they would start the transaction themselves
        dbapi = db.connection().connection.dbapi_connection
        if dbapi is not None and not dbapi.in_transaction:
            db.execute(text("BEGIN IMMEDIATE"))
