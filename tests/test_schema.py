"""Alembic migrations create exactly the models' schema, idempotently."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.cli.database import load_all_models, migration_locations, prepare_database
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.models.base import Base
from ceres_core.schema import current_heads, expected_heads


def test_migrations_match_models_and_are_idempotent(tmp_path, clock):
    load_all_models()
    core = Core(engine=make_engine(f"sqlite:///{tmp_path / 'm.db'}"), clock=clock)
    first = prepare_database(core)
    assert first == expected_heads(migration_locations())
    assert prepare_database(core) == first  # second run: nothing to do
    with core.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diffs == []
    assert current_heads(core.engine) == first


@pytest.mark.postgres
def test_migrations_on_postgresql_when_available(clock):
    """On a scratch database beside the test one (the shared one keeps its tables)."""
    import os

    import psycopg
    from sqlalchemy.engine import make_url

    url = os.environ.get("CERES_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("CERES_TEST_POSTGRES_URL not set")
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    scratch = f"{base.database}_migrations"
    admin = base.set(drivername="postgresql", database="postgres").render_as_string(False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{scratch}"')
    engine = make_engine(base.set(database=scratch).render_as_string(False))
    try:
        load_all_models()
        core = Core(engine=engine, clock=clock)
        first = prepare_database(core)
        assert prepare_database(core) == first
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diffs == []
    finally:
        engine.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
