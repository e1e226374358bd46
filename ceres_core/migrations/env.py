"""Alembic environment shared by every package's migration branch.

``ceres_core.schema`` passes the connection in ``config.attributes``; the
metadata is the one ``Base`` that every package's models register on (the
caller imports those model modules first).
"""

from __future__ import annotations

from alembic import context

import ceres_core.models  # noqa: F401
from ceres_core.models.base import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():  # pragma: no cover - we always migrate a live database
    raise SystemExit("CERES Assist migrates live databases only (ceres-assist init).")
run_migrations_online()
