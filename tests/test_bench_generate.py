"""The benchmark's data generator and measured calls, on a small data set (no timings).

``benchmarks/generate.py`` must produce a coherent referential (the benchmark's
figures mean nothing otherwise) and ``benchmarks/bench_core.py``'s measured calls
must run on it and return what the generator planted.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from datetime import datetime

from sqlalchemy import func, select
from stdnum.fr import siret as stdnum_siret

from benchmarks import bench_core
from benchmarks.generate import GenConfig, generate
from ceres_core.clock import PARIS, FixedClock
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.models import (
    Agrement,
    Candidate,
    Centre,
    Departement,
    ExamSession,
    PrintRequest,
    Region,
    Registration,
    SessionState,
    Site,
    User,
)
from ceres_core.models.base import Base
from ceres_core.names import name_key

RESULT_STATES = {SessionState.RESULTATS_SAISIS, SessionState.EN_ATTENTE_VALIDATION,
                 SessionState.VALIDEE, SessionState.DEBLOQUEE}


def _count(db, model) -> int:
    return db.scalar(select(func.count()).select_from(model))


def test_small_data_set_is_coherent(core):
    report = generate(core, GenConfig.small())
    counts = report.counts
    with core.transaction() as db:
        assert _count(db, Region) == 18 and _count(db, Departement) == 101
        assert _count(db, Candidate) == counts["candidates"] == 500
        assert _count(db, ExamSession) == counts["sessions"] == 50
        assert _count(db, Site) == counts["sites"] == 60
        assert _count(db, Centre) == counts["centres"] == 41  # with the centre de reprise
        assert _count(db, Registration) == counts["registrations"]
        assert _count(db, PrintRequest) == counts["print_requests"]
        assert 150 <= counts["registrations"] <= 250  # 3 to 5 per session

        for siret, is_reprise in db.execute(select(Centre.siret, Centre.is_reprise)):
            assert is_reprise or stdnum_siret.is_valid(siret), siret
        assert {c for (c,) in db.execute(select(Site.departement_code))} <= {
            c for (c,) in db.execute(select(Departement.code))}
        # Every agrément a session uses belongs to the session's site and title.
        mismatched = db.scalar(
            select(func.count()).select_from(ExamSession)
            .join(Agrement, Agrement.id == ExamSession.agrement_id)
            .where((Agrement.site_id != ExamSession.site_id)
                   | (Agrement.title_id != ExamSession.title_id)))
        assert mismatched == 0

        candidates = db.execute(select(Candidate.last_name, Candidate.first_name,
                                       Candidate.name_key, Candidate.birth_date,
                                       Candidate.ceres_id)).all()
        assert all(row.name_key == name_key(row.last_name, row.first_name) for row in candidates)
        names = " ".join(f"{r.last_name} {r.first_name}" for r in candidates)
        assert any(unicodedata.combining(c) for c in unicodedata.normalize("NFD", names))
        assert any("-" in r.last_name or "-" in r.first_name for r in candidates)

        # States: several, a good share validated; results only after results entry;
        # print requests only on validated sessions' registrations with a result.
        states = Counter(s for (s,) in db.execute(select(ExamSession.state)))
        assert len(states) >= 4 and states[SessionState.VALIDEE] >= 15
        rows = db.execute(select(ExamSession.state, Registration.result)
                          .join(Registration, Registration.session_id == ExamSession.id)).all()
        assert all(state in RESULT_STATES for state, result in rows if result is not None)
        printed = db.execute(
            select(ExamSession.state, Registration.result)
            .join(Registration, Registration.session_id == ExamSession.id)
            .join(PrintRequest, PrintRequest.registration_id == Registration.id)).all()
        assert printed and all(s is SessionState.VALIDEE and r is not None for s, r in printed)
        assert counts["validated_sessions_print_none"] > 0
        assert counts["validated_sessions_print_some"] > 0
        assert counts["validated_sessions_print_all"] > 0

        # Planted duplicates: two records, one person (same birth date).
        births = {r.ceres_id: r.birth_date for r in candidates}
        assert len(report.probes.planted_duplicates) == counts["planted_duplicates"] == 10
        for first, second in report.probes.planted_duplicates:
            assert first != second and births[first] == births[second]

        probes = report.probes
        for login in (probes.ud_login, probes.dreets_login, probes.admin_login,
                      probes.centre_login):
            assert db.scalar(select(User.id).where(User.login == login)) is not None
        target = db.scalar(select(Candidate).where(Candidate.ceres_id == probes.search_ceres_id))
        assert (target.last_name, target.birth_date) == ("Lefèvre", probes.search_birth_date)


def _fingerprint(core: Core) -> list[tuple]:
    with core.engine.connect() as conn:
        return [
            *conn.execute(select(Candidate.ceres_id, Candidate.name_key, Candidate.birth_date)
                          .order_by(Candidate.id)).all(),
            *conn.execute(select(Registration.session_id, Registration.candidate_id,
                                 Registration.result).order_by(Registration.id)).all(),
            *conn.execute(select(Centre.siret).order_by(Centre.id)).all(),
        ]


def test_same_seed_same_data(tmp_path):
    prints = []
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        Base.metadata.create_all(engine)
        core = Core(engine, clock=FixedClock(datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)))
        generate(core, GenConfig.small(candidates=200, sessions=20))
        prints.append(_fingerprint(core))
        engine.dispose()
    assert prints[0] == prints[1]


def test_measured_calls_return_what_was_planted(core):
    report = generate(core, GenConfig.small())
    probes, counts = report.probes, report.counts
    calls = {m.key: m for m in bench_core.measured_calls(core, probes)}
    results = {key: m.call() for key, m in calls.items()}
    for key, m in calls.items():
        assert isinstance(m.describe(results[key]), str)

    ud, dreets, admin = (results[k] for k in ("tracking_ud", "tracking_dreets", "tracking_admin"))
    assert (admin.none_count, admin.partial_count) == (
        counts["validated_sessions_print_none"], counts["validated_sessions_print_some"])
    assert ud.none_count <= dreets.none_count <= admin.none_count
    assert ud.partial_count <= dreets.partial_count <= admin.partial_count
    listed = results["tracking_list_partial_dreets"]
    assert listed.total == dreets.partial_count
    assert all(0 < s.sent < s.to_print for s in listed.sessions)

    for key in ("search_typo", "search_typo_birth"):
        hits = results[key]
        assert probes.search_ceres_id in [h.candidate.ceres_id for h in hits], key
        scopes = [h.scope for h in hits]
        assert scopes == sorted(scopes, key=lambda s: s != "région"), key  # region first
    with_birth = results["search_typo_birth"]
    assert with_birth[0].candidate.ceres_id == probes.search_ceres_id
    assert with_birth[0].scope == "région"
    # The second record of the same person, in another region, comes after, as France.
    assert [h.scope for h in with_birth if h.candidate.ceres_id == probes.duplicate_ceres_id] == [
        "France"]

    pair = {probes.search_ceres_id, probes.duplicate_ceres_id}
    for key in ("duplicates_ceres_id", "duplicates_person"):
        assert pair in [set(p.ceres_ids) for p in results[key]], key
    planted = {frozenset(p) for p in probes.planted_duplicates}
    found = {frozenset(p.ceres_ids) for p in results["duplicates_region_largest"]}
    assert found & planted


def test_bench_script_end_to_end_on_sqlite(tmp_path, capsys):
    out = tmp_path / "bench.json"
    code = bench_core.main(["--backend", "sqlite", "--candidates", "300", "--sessions", "30",
                            "--repeat", "2", "--json", str(out)])
    assert code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    (run,) = data["runs"]
    assert run["backend"] == "sqlite" and run["counts"]["candidates"] == 300
    keys = [t["key"] for t in run["timings"]]
    assert {"tracking_ud", "tracking_dreets", "tracking_admin", "tracking_list_partial_dreets",
            "search_typo", "search_typo_birth", "duplicates_ceres_id"} <= set(keys)
    assert all(t["min_ms"] <= t["median_ms"] <= t["p95_ms"] for t in run["timings"])
    printed = capsys.readouterr().out
    assert "print tracking counts, national admin" in printed and "median" in printed
