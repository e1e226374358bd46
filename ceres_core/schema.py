"""Create or migrate the database with Alembic (idempotent).

Each package owns a branch of migrations in its own folder (``ceres_core`` here,
and e.g. ``knowledge/migrations``, ``tickets/migrations``); the application
passes the folders of the packages it runs with, and :func:`upgrade` brings
every branch to its head.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(version_locations: Iterable[Path] = ()) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    locations = [MIGRATIONS_DIR / "versions", *(Path(p) for p in version_locations)]
    # os.pathsep-separated list; paths may contain spaces.
    cfg.set_main_option("path_separator", "os")
    import os

    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in locations))
    return cfg


def upgrade(engine: Engine, version_locations: Iterable[Path] = ()) -> list[str]:
    """Bring every migration branch to its head; return the revisions now applied."""
    cfg = alembic_config(version_locations)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")
    return current_heads(engine)


def current_heads(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(MigrationContext.configure(connection).get_current_heads())


def expected_heads(version_locations: Iterable[Path] = ()) -> list[str]:
    """The revisions the version table holds once every branch is at its head.

    A branch head that another branch ``depends_on`` (the core's, for the branches
    whose tables point at core tables) is not stored there once its dependents are
    applied, so it is left out.
    """
    script = ScriptDirectory.from_config(alembic_config(version_locations))
    needed: set[str] = set()
    for revision in script.walk_revisions():
        dependencies = revision.dependencies or ()
        if isinstance(dependencies, str):
            dependencies = (dependencies,)
        for dependency in dependencies:
            needed.add(script.get_revision(dependency).revision)
    return sorted(set(script.get_heads()) - needed)
