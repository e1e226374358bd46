"""The one way from a core action (reminders, live answers) to an operation of the
chat's catalogue (bot.catalogue.ACTIONS), and the Afpa's PND notices in the catalogue
(R-AFT-2); on the demo data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import catalogue, reminder_texts
from bot import operation_views as views
from bot import reminders as rem
from ceres_core.errors import CeresError
from ceres_core.reminders import Action

TP = "TITRE_B_2026_470405"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def demo(core):
    from ceres_core.demo import load_demo

    load_demo(core)
    return core


def _action_names_in(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return set(re.findall(r'Action\("([a-z_]+)"', text)) | set(
        re.findall(r'\("([a-z_]+)", \{"session"', text)) | set(
        re.findall(r'\("([a-z_]+)", params\)', text)) | set(
        re.findall(r'\("([a-z_]+)", \{\}\)', text))


def test_every_target_is_an_operation_of_the_catalogue_with_a_label():
    for name, routes in catalogue.ACTIONS.items():
        for route in routes:
            assert route.operation is None or catalogue.by_name(route.operation), name
        assert reminder_texts.ACTION_LABELS.get(name), name


def test_every_action_of_the_reminders_and_live_answers_is_in_the_one_table():
    used = _action_names_in(ROOT / "ceres_core" / "reminders.py")
    used |= _action_names_in(ROOT / "bot" / "live_answers.py")
    assert {"commander_dte", "demander_duplicata", "traiter_impressions",
            "telecharger_attestation", "renvoyer_pnd", "voir_doublons"} <= used
    assert used <= set(catalogue.ACTIONS), used - set(catalogue.ACTIONS)


def test_payloads_are_the_catalogue_buttons():
    assert rem.operation_payload(Action("commander_dte", {"session": TP})) == {
        "do": "run", "op": "order_dte", "params": {"session": TP}}
    assert rem.operation_payload(Action("voir_session", {"session": TP})) == {
        "do": "card", "s": TP}
    # The Afpa's daily list of prints names no session: the Afpa's list of requests.
    assert rem.operation_payload(Action("traiter_impressions", {}))["op"] == (
        "afpa_print_requests")
    assert rem.operation_payload(Action("traiter_impressions", {"session": TP}))["op"] == (
        "request_print")
    assert rem.operation_payload(Action("inconnue", {})) is None
    assert rem.operation_payload(None) is None


def test_buttons_only_for_profiles_that_may_run_the_operation(demo):
    gev_orders = Action("traiter_commandes_dte", {})
    pnd = Action("renvoyer_pnd", {"session": TP, "candidate": "C260000001"})
    assert rem.may_start(demo, "afpa", pnd)
    assert not rem.may_start(demo, "ud75", pnd)
    assert not rem.may_start(demo, "afpa", gev_orders)
    duplicates = Action("voir_doublons", {"candidates": "C1,C2"})
    assert rem.may_start(demo, "dreets.idf", duplicates)


def _pnd_notice(demo) -> int:
    from ceres_core.services.printing import list_pnd_notices, record_pnd

    record_pnd(demo, "ud75", TP, "C260000001", new_address="14 avenue Foch",
               new_postal_code="75016", new_city="Paris")
    return list_pnd_notices(demo, "afpa")[0].id


def test_the_afpa_lists_and_handles_its_pnd_notices(demo):
    listing = catalogue.by_name("pnd_notices")
    handle = catalogue.by_name("handle_pnd_notice")
    assert listing is not None and handle is not None
    assert "Aucun avis de pli non distribuable" in listing.run(demo, "afpa", {}).html
    notice = _pnd_notice(demo)
    html = listing.run(demo, "afpa", {}).html
    assert f"Avis n° {notice} du" in html and "14 avenue Foch" in html
    options = handle.params[0].options(demo, "afpa", {})
    assert [value for value, _label in options] == [str(notice)]
    handle.params[0].check(demo, "afpa", {"notice": str(notice)})
    confirm = handle.confirm(demo, "afpa", {"notice": str(notice)})
    assert "a été renvoyé à la nouvelle adresse" in confirm.html and "14 avenue Foch" in confirm.html
    done = handle.run(demo, "afpa", {"notice": str(notice)})
    assert f"Avis n° {notice} traité" in done.html
    # Handled: refused with the core's rule; the State service sees it on the card.
    with pytest.raises(CeresError):
        handle.params[0].check(demo, "afpa", {"notice": str(notice)})
    card = views.candidate_card(demo, "ud75", TP, "C260000001")
    assert "renvoyé par l'Afpa le" in card.html


def test_only_the_afpa_runs_its_operations(demo):
    for name in ("pnd_notices", "handle_pnd_notice"):
        op = catalogue.by_name(name)
        assert catalogue.may_run(demo, "afpa", op)
        assert not catalogue.may_run(demo, "ud75", op)
