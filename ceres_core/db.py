"""Engine and session factory: SQLite file by default, ``CERES_DATABASE_URL`` otherwise."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
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
