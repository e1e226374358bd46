"""Shared fixtures: a real database (SQLite file, and PostgreSQL when configured).

Service tests take the ``core`` fixture. They run on SQLite always, and also on
PostgreSQL when ``CERES_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it when a
server answers on 127.0.0.1:5432).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import pytest
from sqlalchemy import Engine, text

import ceres_core.models  # noqa: F401  (registers the core tables)
from ceres_core.clock import PARIS, FixedClock
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.models.base import Base


def _import_optional_models() -> None:
    """Tables of the other packages share the one metadata."""
    import importlib

    for name in ("knowledge.models", "tickets.models", "bot.models"):
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


_import_optional_models()

POSTGRES_URL = os.environ.get("CERES_TEST_POSTGRES_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])

_pg_engine: Engine | None = None


def _postgres_engine() -> Engine:
    global _pg_engine
    if _pg_engine is None:
        _pg_engine = make_engine(POSTGRES_URL)
        Base.metadata.drop_all(_pg_engine)
        Base.metadata.create_all(_pg_engine)
    return _pg_engine


def _truncate(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    """A fresh, empty database with every table created."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        Base.metadata.create_all(eng)
        yield eng
        eng.dispose()
    else:
        eng = _postgres_engine()
        _truncate(eng)
        yield eng


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 11, 22, 10, 0, tzinfo=PARIS))


@pytest.fixture
def core(engine: Engine, clock: FixedClock) -> Core:
    return Core(engine=engine, clock=clock)


@pytest.fixture
def world(core: Core):
    """A small standard referential (see tests/factories.py)."""
    from tests.factories import build_world

    return build_world(core)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that run on the PostgreSQL backend carry the ``postgres`` marker."""
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("engine") == "postgresql":
            item.add_marker(pytest.mark.postgres)
