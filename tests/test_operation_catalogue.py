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


ACTIONS_HEADER = """
## Actions des rappels et des réponses

Les boutons des rappels (`ceres_core.reminders.Action`) et des réponses du bot portent un
nom d'action ; `bot.catalogue.start_by_action(nom, paramètres)` (table
`bot.catalogue.ACTIONS`) dit quelle opération du catalogue il lance, avec quels
paramètres déjà remplis (la première ligne dont les paramètres « si » sont donnés
s'applique).

"""


READINGS = """
## Lectures des règles choisies (les règles sont muettes)

Écrites une fois dans `ceres_core/rules.py` et appliquées par le cœur ; la conversation
n'en fait que l'écho.

- **R-AFT-2, pli non distribuable** (`pnd_possible_from`) : un PND est un courrier revenu ;
  CERES n'enregistre que la demande d'impression (R-PRT-4), ni l'impression ni l'envoi.
  Un PND peut être déclaré à partir du délai que R-PRT-6 laisse à l'Afpa pour imprimer et
  poster avant un duplicata (7 jours) après la *première* demande d'impression du candidat
  dans la session ; avant, il est refusé avec la date où il deviendra possible, et
  `/pnd` ne propose pas ces candidats.
- **R-SES-5 et R-PRT-4, annulation d'une session validée** (`prints_on_cancellation`) :
  l'annulation ne retire pas les demandes d'impression déjà transmises à l'Afpa ; le
  récapitulatif de `/annuler_session` nomme ces candidats avant ✅ Confirmer, et le service
  de l'État prévient le service impression de l'Afpa. Aucune demande d'impression ni de
  duplicata ne suit (R-PRT-1).
- **Prochaine échéance d'une session** (`ceres_core.services.dte.next_session_date`) : une
  action en retard d'abord (R-SES-6, R-DTE-1, R-CON-2), sinon la plus proche de l'action à
  faire et de la prochaine date du calendrier du DTE commandé (R-DTE-4, R-DTE-5, R-DTE-7).
"""


def expected_doc() -> str:
    return HEADER + catalogue.role_table(None) + (
        f"\n{len(catalogue.CATALOGUE)} opérations dans la conversation.\n"
    ) + ACTIONS_HEADER + catalogue.action_table() + READINGS


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


def test_every_action_name_starts_a_catalogue_operation_with_its_params():
    for name, routes in catalogue.ACTIONS.items():
        for route in routes:
            if route.operation is not None:
                op = catalogue.by_name(route.operation)
                assert op is not None, name
                assert set(route.passes) <= {p.name for p in op.params}, name
    start = catalogue.start_by_action
    assert start("commander_dte", {"session": "S1"}) == {
        "do": "run", "op": "order_dte", "params": {"session": "S1"}}
    assert start("voir_session", {"session": "S1"}) == {"do": "card", "s": "S1"}
    assert start("voir_session", {}) is None
    # The form asks what is not given; extra params (a département) are not passed on.
    assert start("demander_duplicata", {"session": "S1", "candidate": ""}) == {
        "do": "run", "op": "request_duplicate", "params": {"session": "S1"}}
    assert start("valider_sessions", {"departement": "75"}) == {
        "do": "run", "op": "sessions_to_validate", "params": {}}
    # A State service's reminder names its session; the Afpa's names none.
    assert start("traiter_impressions", {"session": "S1"})["op"] == "request_print"
    assert start("traiter_impressions", {})["op"] == "afpa_print_requests"
    assert start("traiter_commandes_dte")["op"] == "dte_orders_to_prepare"
    assert start("inconnue", {"session": "S1"}) is None


def test_signaler_doublon_takes_both_ceres_ids_in_order():
    from bot.handlers.forms import args_params

    op = catalogue.by_name("report_duplicate")
    assert args_params(op, ["c260000006", "C260000007"]) == {
        "candidate": "C260000006", "other": "C260000007"}
    assert args_params(catalogue.by_name("record_pnd"), ["TITRE_B_2026_470405", "C260000001"]) \
        == {"session": "TITRE_B_2026_470405", "candidate": "C260000001"}
