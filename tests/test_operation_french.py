"""The French of the operations' sentences (bot.catalogue, bot.operation_texts), on the
demo data (clock 22/11/2026): agreement with the civility, plurals, dates JJ/MM/AAAA,
no state said twice."""

from __future__ import annotations

import re

import pytest

from bot import catalogue

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
FUTURE = "TITRE_B_2027_470401"  # en préparation, one candidate
WAITING = "TITRE_B_2026_470404"  # en attente de validation


@pytest.fixture
def demo(core):
    from ceres_core.demo import load_demo

    load_demo(core)
    return core


def op(name):
    return catalogue.by_name(name)


def test_registration_agrees_with_the_civility(demo):
    done = op("register_candidate").run(demo, "centre.formapro",
                                        {"session": FUTURE, "candidate": "C260000001"})
    assert "Julie Martin" in done.html and "est inscrite à la session" in done.html
    done = op("unregister_candidate").run(demo, "centre.formapro",
                                          {"session": FUTURE, "candidate": "C260000008"})
    assert "Lucas Garcia" in done.html and "est désinscrit de la session" in done.html
    assert "(e)" not in done.html


def test_convocations_for_one_candidate_in_the_singular(demo):
    out = op("issue_convocations").confirm(demo, "centre.formapro", {"session": FUTURE})
    assert "pour 1 candidat ?" in out.html and "ses 1" not in out.html


def test_a_session_state_change_says_the_state_once(demo):
    done = op("validate_session").run(demo, "ud75", {"session": WAITING})
    assert done.html.count("validée") == 1, done.html


def test_dates_read_jj_mm_aaaa(demo):
    create = op("create_session")
    agrement = next(p for p in create.params if p.name == "agrement")
    first = agrement.options(demo, "centre.formapro", {})[0][0]
    out = create.confirm(demo, "centre.formapro", {
        "agrement": first, "kind": "TP", "start_date": "2027-03-15", "start_time": "09:00",
        "end_date": "2027-03-16"})
    assert "15/03/2027" in out.html and "16/03/2027" in out.html and not ISO.search(out.html)
    out = op("correct_record").confirm(demo, "ud75", {
        "candidate": "C260000001", "field": "birth_date", "value": "1988-11-02"})
    assert not ISO.search(out.html), out.html
    assert "02/11/1988" in out.html
