"""Print tracking on the UD / DREETS home page (R-PRT-8)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import event, func, select

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.models import AuditEvent, PrintKind, Result, SessionState
from ceres_core.services.tracking import print_tracking, print_tracking_list
from tests.test_printing import add_candidate, add_print, add_session, register

WHEN = datetime(2026, 11, 10, 9, 0, tzinfo=PARIS)


def _session(db, world, ref, site, results, sent, *, state=SessionState.VALIDEE,
             start=date(2026, 10, 5), duplicates=0):
    """A session with one registration per result; the first ``sent`` ones printed."""
    s = add_session(db, world, ref, site=site, state=state, start=start)
    region = {"A1": "11", "REPRISE1": "11", "B1": "53", "R1": "04"}[site]
    for i, result in enumerate(results):
        cand = add_candidate(db, f"{ref[-6:]}{i:02d}", "NOM", "Prénom", region=region)
        reg = register(db, s, cand, result)
        if i < sent:
            add_print(db, reg, "admin", WHEN)
            for _ in range(duplicates):
                add_print(db, reg, "admin", WHEN, kind=PrintKind.DUPLICATA)
    return s


A, P, R = Result.ADMIS, Result.PARTIELLEMENT_ADMIS, Result.REFUSE


@pytest.fixture
def tracked(core, world):
    with core.transaction() as db:
        # Paris (75)
        _session(db, world, "T75_NONE_000001", "A1", [A, P, R], 0, start=date(2026, 9, 1))
        _session(db, world, "T75_PART_000002", "A1", [A, P, R], 1, start=date(2026, 9, 8))
        _session(db, world, "T75_ALL_0000003", "A1", [A, R], 2, duplicates=2)
        _session(db, world, "T75_WAIT_000004", "A1", [A, R], 0,
                 state=SessionState.EN_ATTENTE_VALIDATION)
        _session(db, world, "T75_DEBL_000005", "A1", [A, R], 1, state=SessionState.DEBLOQUEE)
        _session(db, world, "T75_NORS_000006", "A1", [None, None], 0)  # nothing to print
        _session(db, world, "T75_ABS_0000007", "A1", [A, None], 1)  # all to print are sent
        # Seine-Saint-Denis (93, same region)
        _session(db, world, "T93_NONE_000008", "REPRISE1", [A], 0, start=date(2026, 8, 1))
        # Ille-et-Vilaine (35)
        _session(db, world, "T35_NONE_000009", "B1", [R, R], 0)
        # La Réunion (974)
        _session(db, world, "T974_PART_00010", "R1", [A, A, A], 2)
    return world


@pytest.mark.parametrize(
    ("login", "none", "partial"),
    [
        ("ud75", 1, 1),
        ("dreets_idf", 2, 1),
        ("ud35", 1, 0),
        ("dreets_bzh", 1, 0),
        ("ud974", 0, 1),
        ("dreets_reunion", 0, 1),
        ("admin", 3, 2),
    ],
)
def test_r_prt_8_counts_per_zone(core, tracked, login, none, partial):
    view = print_tracking(core, login)
    assert (view.none_count, view.partial_count) == (none, partial)


def test_r_prt_8_zone_labels(core, tracked):
    assert print_tracking(core, "ud75").zone_label == "département 75 – Paris"
    assert print_tracking(core, "dreets_bzh").zone_label == "région Bretagne"
    assert print_tracking(core, "admin").zone_label == "France entière"


def test_r_prt_8_lists_open_the_sessions(core, tracked):
    none = print_tracking_list(core, "dreets_idf", "none")
    assert [s.session_ref for s in none.sessions] == ["T93_NONE_000008", "T75_NONE_000001"]
    assert none.label == "Sessions avec aucune demande d'impression envoyée"
    first = none.sessions[1]
    assert (first.to_print, first.sent, first.remaining) == (3, 0, 3)
    assert (first.site_name, first.title_code, first.departement_code) == (
        "Formapro Paris 11e", "TP-00463", "75")
    assert first.start_date == date(2026, 9, 1) and first.validated_on == date(2026, 11, 2)
    partial = print_tracking_list(core, "ud75", "partial")
    assert [(s.session_ref, s.to_print, s.sent, s.remaining) for s in partial.sessions] == [
        ("T75_PART_000002", 3, 1, 2)
    ]
    everything = print_tracking_list(core, "admin", "partial")
    assert {s.session_ref for s in everything.sessions} == {"T75_PART_000002", "T974_PART_00010"}
    assert len(print_tracking_list(core, "admin", "none", limit=2).sessions) == 2


def test_r_prt_8_one_sql_statement_per_call(core, tracked):
    statements: list[str] = []

    def listen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(core.engine, "before_cursor_execute", listen)
    try:
        print_tracking(core, "dreets_idf")
        print_tracking_list(core, "dreets_idf", "none")
    finally:
        event.remove(core.engine, "before_cursor_execute", listen)
    tracking = [s for s in statements if "registrations" in s]
    assert len(tracking) == 2  # one per call; the others load the actor
    assert all("GROUP BY" in s for s in tracking)


def test_r_prt_8_bad_list_name(core, tracked):
    with pytest.raises(InvalidInput):
        print_tracking_list(core, "ud75", "toutes")


@pytest.mark.parametrize("login", ["centre_a", "afpa", "support"])
def test_r_act_2_tracking_refused_outside_state_services(core, tracked, login):
    with pytest.raises(RuleViolation) as err:
        print_tracking(core, login)
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation):
        print_tracking_list(core, login, "none")
    with core.transaction() as db:
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.actor_login == login, AuditEvent.outcome == "refused")) == 2


def test_r_act_2_tracking_list_stays_in_zone(core, tracked):
    refs = {s.session_ref for s in print_tracking_list(core, "ud35", "none").sessions}
    assert refs == {"T35_NONE_000009"}
    assert print_tracking_list(core, "ud974", "none").sessions == ()
