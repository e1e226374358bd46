"""Write a new Alembic revision for one package's branch, by autogenerate.

Usage: python scripts/new_migration.py BRANCH "message"

BRANCH is ``ceres_core``, ``knowledge``, ``tickets`` or ``bot``. Only the models
of the packages up to BRANCH (in that order) are loaded, and the revision is
compared against a temporary SQLite database brought to the current heads, so
each branch's revision holds only its own tables.
"""

from __future__ import annotations

import importlib
import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from ceres_core.db import make_engine
from ceres_core.schema import MIGRATIONS_DIR, alembic_config, upgrade

ROOT = Path(__file__).resolve().parent.parent
ORDER = ("ceres_core", "knowledge", "tickets", "bot")


def main() -> None:
    branch, message = sys.argv[1], sys.argv[2]
    upto = ORDER[: ORDER.index(branch) + 1]
    for package in upto:
        importlib.import_module(f"{package}.models")
    locations = [ROOT / p / "migrations" for p in upto[1:] if (ROOT / p / "migrations").is_dir()]
    folder = MIGRATIONS_DIR / "versions" if branch == "ceres_core" else ROOT / branch / "migrations"
    folder.mkdir(exist_ok=True)
    if folder not in locations and branch != "ceres_core":
        locations.append(folder)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/m.db")
        upgrade(engine, locations)
        cfg = alembic_config(locations)
        script = ScriptDirectory.from_config(cfg)
        labelled = [r for r in script.get_revisions("heads") if branch in (r.branch_labels or ())]
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            if labelled:
                command.revision(cfg, message=message, autogenerate=True,
                                 head=f"{branch}@head", version_path=str(folder))
            else:
                depends = None if branch == "ceres_core" else "ceres_core@head"
                command.revision(cfg, message=message, autogenerate=True, head="base",
                                 branch_label=branch, version_path=str(folder),
                                 depends_on=depends)


if __name__ == "__main__":
    main()
