"""``ceres-assist init [--demo]`` and ``ceres-assist import FILE.json``."""

from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path

from ceres_core.core import Core

#: Packages whose models share the metadata and own a migration branch.
MODEL_PACKAGES = ("knowledge", "tickets", "bot")


def load_all_models() -> None:
    """Import every package's models so that the one metadata knows all tables."""
    importlib.import_module("ceres_core.models")
    for package in MODEL_PACKAGES:
        name = f"{package}.models"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise


def migration_locations() -> list[Path]:
    """The migration folders of the packages beside ``ceres_core``."""
    locations = []
    for package in MODEL_PACKAGES:
        module = importlib.import_module(package)
        folder = Path(module.__file__).parent / "migrations"
        if folder.is_dir() and any(folder.glob("*.py")):
            locations.append(folder)
    return locations


def prepare_database(core: Core) -> list[str]:
    """Create or migrate the schema (idempotent); return the applied heads."""
    from ceres_core.schema import upgrade

    load_all_models()
    return upgrade(core.engine, migration_locations())


def prepared_core(args: argparse.Namespace) -> Core:
    """The core on ``--database-url`` (or the default), with its schema up to date."""
    core = Core.from_url(getattr(args, "database_url", None))
    prepare_database(core)
    return core


def help_handler(parser: argparse.ArgumentParser):
    """A handler for a command group called without its sub-command: print its help."""

    def show(_args: argparse.Namespace) -> int:
        parser.print_help()
        return 2

    return show


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="crée ou met à jour la base de données (sans effet si elle est à jour)",
        description="Crée ou met à jour la base de données ; --demo charge les données de démonstration.",
    )
    p.add_argument("--demo", action="store_true", help="charge les données de démonstration")
    p.set_defaults(handler=_init)

    p = sub.add_parser(
        "import",
        help="importe un référentiel au format JSON (tout ou rien)",
        description="Importe un référentiel JSON (voir docs/import-format.md). "
        "Le fichier est entièrement validé avant toute écriture.",
    )
    p.add_argument("file", metavar="FICHIER.json")
    p.set_defaults(handler=_import)


def _core(args: argparse.Namespace) -> Core:
    return Core.from_url(args.database_url)


def _init(args: argparse.Namespace) -> int:
    core = _core(args)
    heads = prepare_database(core)
    print(f"Base de données prête ({core.engine.url.render_as_string(hide_password=True)}).")
    print(f"Version du schéma : {', '.join(heads)}.")
    if args.demo:
        from ceres_core.demo import load_demo

        summary = load_demo(core)
        if summary.already_loaded:
            print("Les données de démonstration sont déjà chargées.")
        else:
            print("Données de démonstration chargées :")
            for label, count in summary.counts.items():
                print(f"  - {label} : {count}")
    return 0


def _import(args: argparse.Namespace) -> int:
    from ceres_core.errors import InvalidInput
    from ceres_core.importer import import_referential

    path = Path(args.file)
    try:
        # utf-8-sig: a byte order mark at the start (as some editors write) is skipped.
        raw = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InvalidInput(f"Le fichier « {path} » est introuvable.") from None
    except IsADirectoryError:
        raise InvalidInput(f"« {path} » est un dossier : indiquez un fichier JSON.") from None
    except PermissionError:
        raise InvalidInput(f"Le fichier « {path} » ne peut pas être lu (droits d'accès).") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"Le fichier « {path} » n'est pas encodé en UTF-8.") from None
    except OSError as exc:
        raise InvalidInput(f"Le fichier « {path} » ne peut pas être lu ({exc.strerror}).") from None
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"Le fichier « {path} » n'est pas un JSON valide : ligne {exc.lineno}, "
            f"colonne {exc.colno}."
        ) from None
    except RecursionError:
        raise InvalidInput(
            f"Le fichier « {path} » n'est pas un référentiel : ses données sont imbriquées "
            "trop profondément (voir docs/import-format.md)."
        ) from None
    core = _core(args)
    prepare_database(core)
    report = import_referential(core, data)
    print("Import terminé :")
    for label, count in report.items():
        print(f"  - {label} : {count}")
    return 0
