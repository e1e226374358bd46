"""The operation catalogue (bot.catalogue): declared once, everything generated from it."""

from __future__ import annotations

from pathlib import Path

from bot import catalogue, operation_texts
from ceres_core.services import checks

DOC = Path(__file__).resolve().parents[1] / "docs" / "operations.md"

HEADER = """# Opérations dans la conversation

Tableau généré depuis le catalogue du bot (`bot/catalogue.py`) et les rôles exigés par le
cœur (`ceres_core/services/checks.py`, constantes des services) : qui peut lancer quelle
opération. Le périmètre (quelle session, quel site) est vérifié ensuite par le service.
Régénérer : `CERES_REGENERATE_DOCS=1 python3 -m pytest tests/test_operation_catalogue.py`.

"""


def expected_doc() -> str:
    return HEADER + catalogue.role_table(None) + (
        f"\n{len(catalogue.CATALOGUE)} opérations dans la conversation.\n")


def test_operations_table_in_docs_is_up_to_date():
    import os

    text = expected_doc()
    if os.environ.get("CERES_REGENERATE_DOCS"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/operations.md is out of date: CERES_REGENERATE_DOCS=1 python3 -m pytest "
        "tests/test_operation_catalogue.py")


def test_each_operation_is_declared_once_with_its_texts_and_a_core_permission():
    names = [op.name for op in catalogue.CATALOGUE]
    commands = [op.command for op in catalogue.CATALOGUE]
    assert len(set(names)) == len(names) and len(set(commands)) == len(commands)
    for op in catalogue.CATALOGUE:
        assert op.menu  # the menu and /aide line (bot.operation_texts.MENU)
        assert checks.permission(op.action) is not None, op.action  # who: the core says
        if op.card:
            assert op.name in operation_texts.CARD_LABEL
        for p in op.params:
            assert p.prompt(op.name, {}), (op.name, p.name)
    assert len(catalogue.CATALOGUE) >= 20  # was 9 before the catalogue
