"""Two users do the same thing at the same moment: exactly one wins, the other gets the
rule's French refusal (never a raw database error). SQLite and PostgreSQL.

Each test runs two service calls in two threads (each its own connection and
transaction, from the core's session factory). A start barrier releases them
together; a second barrier holds each thread right after the check the fix protects
(the function wrapped with :func:`_pause_after`), until the other thread has passed
the same check too, or for at most :data:`PAUSE` seconds when the other thread is
blocked by a lock (which is what a fix does). Without the fix both threads pass the
check and both write.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ceres_core.clock import PARIS
from ceres_core.errors import RuleViolation
from ceres_core.models import (
    Candidate,
    DteOrder,
    PrintKind,
    PrintRequest,
    Registration,
    User,
)
from ceres_core.services import candidates as candidates_mod
from ceres_core.services import dte as dte_mod
from ceres_core.services import printing as printing_mod
from ceres_core.services import registrations as registrations_mod
from ceres_core.services.printing import request_print
from ceres_core.services.registrations import register_candidate
from tests.test_candidates import make_session, new_candidate
from tests.test_dte_orders import GOOD
from tests.test_printing import build_printing_session
from tests.test_sessions import A1_TP

#: Seconds a thread waits for the other one after the check.
PAUSE = 1.5


def _pause_after(monkeypatch, module, name: str, parties: int = 2) -> None:
    """Hold each caller of ``module.name`` after it returns until the others arrive."""
    barrier = threading.Barrier(parties)
    original = getattr(module, name)

    def paused(*args, **kwargs):
        result = original(*args, **kwargs)
        # BrokenBarrierError: the other one waits on a lock (the fix): go on.
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=PAUSE)
        return result

    monkeypatch.setattr(module, name, paused)


def _race(*calls):
    """Run ``calls`` in parallel threads; each result or raised exception, in order."""
    start = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i, fn):
        start.wait(timeout=10)
        try:
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    return results


def _one_wins(results, rule: str) -> tuple[object, RuleViolation]:
    wins = [r for r in results if not isinstance(r, Exception)]
    losses = [r for r in results if isinstance(r, Exception)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert isinstance(losses[0], RuleViolation), repr(losses[0])
    assert losses[0].rule == rule, losses[0].message
    return wins[0], losses[0]


def _count(core, column, *where) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count(column)).where(*where))


def test_r_prt_4_two_simultaneous_initial_requests_one_is_sent(core, world, monkeypatch):
    ref = build_printing_session(core, world)
    _pause_after(monkeypatch, printing_mod, "_require_record_valid")
    results = _race(lambda: request_print(core, "ud75", ref, "2122559"),
                    lambda: request_print(core, "admin", ref, "2122559"))
    _win, loss = _one_wins(results, "R-PRT-4")
    assert "duplicata" in loss.message
    assert _count(core, PrintRequest.id, PrintRequest.kind == PrintKind.INITIALE) == 1


def test_r_dte_2_two_simultaneous_orders_one_is_placed(core, world, monkeypatch):
    _pause_after(monkeypatch, dte_mod, "_check_fields")
    results = _race(lambda: dte_mod.order_dte(core, "centre_a", A1_TP, **GOOD),
                    lambda: dte_mod.order_dte(core, "admin", A1_TP, **GOOD))
    _win, loss = _one_wins(results, "R-DTE-2")
    assert "une seule commande par session" in loss.message
    assert _count(core, DteOrder.id) == 1


def test_r_can_6_two_simultaneous_registrations_to_one_session(core, world, monkeypatch):
    cand = new_candidate(core)
    _pause_after(monkeypatch, registrations_mod, "_check_final_interview_limit")
    results = _race(lambda: register_candidate(core, "centre_a", A1_TP, cand.ceres_id),
                    lambda: register_candidate(core, "admin", A1_TP, cand.ceres_id))
    _win, loss = _one_wins(results, "R-CAN-6")
    assert "inscrit" in loss.message
    assert _count(core, Registration.id) == 1


def test_r_can_7_two_simultaneous_registrations_cannot_pass_the_limit(
    core, world, monkeypatch
):
    """Two sessions counted already; a third and a fourth at once: only one passes."""
    cand = new_candidate(core)
    for start in (date(2027, 1, 10), date(2027, 2, 10)):
        register_candidate(core, "centre_a", make_session(core, world, start=start),
                           cand.ceres_id)
    third = make_session(core, world, start=date(2027, 3, 10))
    fourth = make_session(core, world, start=date(2027, 3, 20))
    _pause_after(monkeypatch, registrations_mod, "_check_final_interview_limit")
    results = _race(lambda: register_candidate(core, "centre_a", third, cand.ceres_id),
                    lambda: register_candidate(core, "centre_a", fourth, cand.ceres_id))
    _win, loss = _one_wins(results, "R-CAN-7")
    assert "plus de 3 sessions" in loss.message
    assert _count(core, Registration.id) == 3


def test_r_can_1_two_simultaneous_creations_of_one_person(core, world, monkeypatch):
    _pause_after(monkeypatch, candidates_mod, "_same_person")
    results = _race(lambda: new_candidate(core, "centre_a"),
                    lambda: new_candidate(core, "admin", region_code="11"))
    _win, loss = _one_wins(results, "R-CAN-1")
    assert "Une fiche existe déjà" in loss.message
    assert _count(core, Candidate.id) == 1


def test_r_can_1_two_different_people_are_created_at_once(core, world):
    """The lock is per person (PostgreSQL) or waits (SQLite): nobody is refused."""
    results = _race(lambda: new_candidate(core, "centre_a"),
                    lambda: new_candidate(core, "centre_a", first_name="Paul"))
    assert not any(isinstance(r, Exception) for r in results), results
    assert _count(core, Candidate.id) == 2


def test_r_prt_4_database_refuses_a_second_initial_request(core, world):
    """The partial unique index itself: a second initial is refused, duplicates are not."""
    when = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)
    build_printing_session(core, world)
    with core.transaction() as db:
        reg_id = db.scalar(select(Registration.id).join(Candidate).where(
            Candidate.ceres_id == "2122559"))
        uid = db.scalar(select(User.id).where(User.login == "ud75"))
        for kind in (PrintKind.INITIALE, PrintKind.DUPLICATA, PrintKind.DUPLICATA):
            db.add(PrintRequest(registration_id=reg_id, kind=kind, requested_at=when,
                                requested_by_id=uid))
    with pytest.raises(IntegrityError), core.transaction() as db:
        db.add(PrintRequest(registration_id=reg_id, kind=PrintKind.INITIALE,
                            requested_at=when, requested_by_id=uid))
        db.flush()
    assert _count(core, PrintRequest.id) == 3
