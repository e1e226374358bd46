"""Benchmark of the CERES core on a large referential (SQLite and PostgreSQL).

Loads a generated referential (``benchmarks/generate.py``: 200,000 candidates and
20,000 sessions by default) into a fresh database created by ``prepare_database``,
then times the real service calls, each with a real actor login:

* print tracking (R-PRT-8): the counts of a UD (one département), of a DREETS (one
  region) and of the national admin, and the "partial" list of the DREETS;
* candidate search (R-CAN-1), region first then France, with a typo ("Lefèvre"
  searched as "Lefevbre"), with and without the birth date;
* the duplicate check of a candidate (R-CAN-5), by CERES ID, by name and birth
  date, and over a whole region.

For each call it prints the median, p95 and min wall time over ``--repeat`` runs
(after one warm-up run), the SQL time inside it and its number of statements.
Figures only, no thresholds: performance is read, not asserted.

    python benchmarks/bench_core.py [--backend sqlite|postgresql|both]
        [--candidates N] [--sessions N] [--repeat K] [--postgres-url URL]
        [--json [FILE]] [--explain] [--keep]

The default backend is ``both`` when a PostgreSQL server answers on 127.0.0.1:5432
(database ``ceres_bench``, created if missing, emptied before loading), SQLite
alone otherwise. SQLite runs in a temporary file.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import re
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, event, make_url  # noqa: E402

from benchmarks.generate import GenConfig, GenReport, Probes, generate  # noqa: E402
from bot.cli.database import prepare_database  # noqa: E402
from ceres_core.clock import PARIS, FixedClock  # noqa: E402
from ceres_core.core import Core  # noqa: E402
from ceres_core.db import make_engine  # noqa: E402
from ceres_core.services.candidates import find_duplicates, search_candidates  # noqa: E402
from ceres_core.services.tracking import print_tracking, print_tracking_list  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/ceres_bench"
#: The benchmark's "today" (the generator places sessions around it).
BENCH_NOW = datetime(2026, 11, 22, 10, 0, tzinfo=PARIS)


# ------------------------------------------------------------------ SQL statement timing


@dataclass
class Statement:
    sql: str
    params: Any
    seconds: float


class SqlRecorder:
    """Times every statement the engine runs while ``active`` (cursor events)."""

    def __init__(self, engine: Engine) -> None:
        self.active = False
        self.statements: list[Statement] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active and conn.info.get("bench_t0"):
            t0 = conn.info["bench_t0"].pop()
            self.statements.append(Statement(statement, parameters, time.perf_counter() - t0))

    def start(self) -> None:
        self.statements = []
        self.active = True

    def stop(self) -> list[Statement]:
        self.active = False
        return self.statements


# ---------------------------------------------------------------------- measured calls


@dataclass
class Measured:
    key: str
    label: str
    call: Callable[[], Any]
    describe: Callable[[Any], str]


def _hits(probes: Probes) -> Callable[[Any], str]:
    def describe(hits) -> str:
        ids = [h.candidate.ceres_id for h in hits]
        rank = ids.index(probes.search_ceres_id) + 1 if probes.search_ceres_id in ids else None
        scopes = [h.scope for h in hits]
        order_ok = scopes == sorted(scopes, key=lambda s: s != "région")
        where = f"#{rank}" if rank else f"not in these {len(hits)} (homonyms first)"
        return (f"{len(hits)} hits ({scopes.count('région')} région, {scopes.count('France')} "
                f"France{'' if order_ok else ', ORDER WRONG'}), target {where}")
    return describe


def _pairs(probes: Probes) -> Callable[[Any], str]:
    def describe(pairs) -> str:
        planted = set(probes.planted_duplicates)
        found = sum(1 for p in pairs if p.ceres_ids in planted or p.ceres_ids[::-1] in planted)
        return f"{len(pairs)} pairs ({found} planted)"
    return describe


def measured_calls(core: Core, probes: Probes) -> list[Measured]:
    """The service calls the benchmark times (also run once by the test on a small set)."""
    p = probes
    query = f"{p.search_typo} {p.search_first_name}"

    def counts(view) -> str:
        return f"none={view.none_count} partial={view.partial_count} ({view.zone_label})"

    return [
        Measured("tracking_ud", f"print tracking counts, UD {p.ud_departement}",
                 lambda: print_tracking(core, p.ud_login), counts),
        Measured("tracking_dreets", f"print tracking counts, DREETS {p.dreets_region}",
                 lambda: print_tracking(core, p.dreets_login), counts),
        Measured("tracking_admin", "print tracking counts, national admin",
                 lambda: print_tracking(core, p.admin_login), counts),
        Measured("tracking_list_partial_dreets",
                 f"print tracking list 'partial', DREETS {p.dreets_region}",
                 lambda: print_tracking_list(core, p.dreets_login, "partial"),
                 lambda v: f"{v.total} sessions"),
        Measured("search_typo", f"search '{query}' (UD {p.ud_departement})",
                 lambda: search_candidates(core, p.ud_login, query), _hits(p)),
        Measured("search_typo_birth", f"search '{query}' + birth date",
                 lambda: search_candidates(core, p.ud_login, query,
                                           birth_date=p.search_birth_date), _hits(p)),
        Measured("search_last_name_typo", f"search '{p.search_typo}' (last name only)",
                 lambda: search_candidates(core, p.ud_login, p.search_typo), _hits(p)),
        Measured("duplicates_ceres_id", "find_duplicates by CERES ID",
                 lambda: find_duplicates(core, p.ud_login, p.search_ceres_id), _pairs(p)),
        Measured("duplicates_person", "find_duplicates by name + birth date",
                 lambda: find_duplicates(core, p.ud_login, last_name=p.search_last_name,
                                         first_name=p.search_first_name,
                                         birth_date=p.search_birth_date), _pairs(p)),
        Measured("duplicates_region", f"find_duplicates, whole region {p.dreets_region}",
                 lambda: find_duplicates(core, p.dreets_login), _pairs(p)),
        Measured("duplicates_region_largest",
                 f"find_duplicates, whole region {p.largest_region} (admin)",
                 lambda: find_duplicates(core, p.admin_login, region_code=p.largest_region),
                 _pairs(p)),
    ]


@dataclass
class Timing:
    key: str
    label: str
    median_ms: float
    p95_ms: float
    min_ms: float
    sql_median_ms: float
    statements: int
    result: str
    slowest_sql: str = ""
    slowest_sql_ms: float = 0.0
    plan: str = ""


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def explain(engine: Engine, stmt: Statement) -> str:
    """The plan of one recorded statement (EXPLAIN ANALYZE / EXPLAIN QUERY PLAN)."""
    dialect = engine.dialect.name
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(prefix + stmt.sql, stmt.params).all()
    if dialect == "postgresql":
        return "\n".join(r[0] for r in rows)
    return "\n".join(f"{r[1]:>3} {r[2]:>3}  {r[3]}" for r in rows)


_BIG_TABLES = re.compile(r"\bFROM (candidates|exam_sessions|registrations|print_requests)\b")


def measure(core: Core, recorder: SqlRecorder, item: Measured, repeat: int,
            with_plan: bool) -> Timing:
    result = item.call()  # warm-up (statement caches, pages)
    walls: list[float] = []
    sqls: list[float] = []
    last: list[Statement] = []
    for _ in range(repeat):
        recorder.start()
        t0 = time.perf_counter()
        result = item.call()
        walls.append(time.perf_counter() - t0)
        last = recorder.stop()
        sqls.append(sum(s.seconds for s in last))
    slowest = max(last, key=lambda s: s.seconds) if last else None
    timing = Timing(
        key=item.key, label=item.label,
        median_ms=statistics.median(walls) * 1000, p95_ms=_p95(walls) * 1000,
        min_ms=min(walls) * 1000, sql_median_ms=statistics.median(sqls) * 1000,
        statements=len(last), result=item.describe(result),
    )
    if slowest is not None:
        timing.slowest_sql = " ".join(slowest.sql.split())
        timing.slowest_sql_ms = slowest.seconds * 1000
        if with_plan and core.engine.dialect.name == "sqlite":
            # SQLite steps rows lazily: execute time says little, so show every plan
            # of the statements on the big tables.
            plans = []
            for stmt in last:
                if _BIG_TABLES.search(stmt.sql) and stmt.sql.lstrip().upper().startswith("SELECT"):
                    plans.append(f"{' '.join(stmt.sql.split())[:300]}\n"
                                 f"{explain(core.engine, stmt)}")
            timing.plan = "\n".join(plans)
        elif with_plan:
            timing.plan = explain(core.engine, slowest)
    return timing


# ------------------------------------------------------------------------ backends


@dataclass
class BackendRun:
    backend: str
    url: str
    server_version: str
    load_seconds: float
    schema_seconds: float
    counts: dict[str, int]
    load_steps: dict[str, float]
    timings: list[Timing] = field(default_factory=list)
    #: 1-minute load average before and after the timed calls (other work on the machine).
    load_average: tuple[float, float] = (0.0, 0.0)


def _load_average() -> float:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:  # pragma: no cover - not on every platform
        return 0.0


def _server_version(engine: Engine) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            return conn.exec_driver_sql("SHOW server_version").scalar() or ""
        return "SQLite " + (conn.exec_driver_sql("SELECT sqlite_version()").scalar() or "")


def postgres_answers(host: str = "127.0.0.1", port: int = 5432) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def fresh_postgres(url: str) -> None:
    """Drop and create the benchmark database (only one whose name says "bench")."""
    import psycopg

    parsed = make_url(url)
    name = parsed.database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    admin = parsed.set(drivername="postgresql", database="postgres")
    conninfo = admin.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def load(url: str, config: GenConfig) -> tuple[Core, GenReport, float]:
    core = Core(make_engine(url), clock=FixedClock(BENCH_NOW))
    t0 = time.perf_counter()
    prepare_database(core)
    schema_seconds = time.perf_counter() - t0
    report = generate(core, config)
    return core, report, schema_seconds


def run_backend(backend: str, url: str, config: GenConfig, repeat: int, with_plan: bool,
                log: Callable[[str], None]) -> BackendRun:
    if backend == "postgresql":
        fresh_postgres(url)
    log(f"[{backend}] loading {config.candidates:,} candidates, {config.sessions:,} sessions "
        f"into {make_url(url).render_as_string(hide_password=True)} ...")
    core, report, schema_seconds = load(url, config)
    run = BackendRun(backend, make_url(url).render_as_string(hide_password=True),
                     _server_version(core.engine), report.seconds, schema_seconds,
                     report.counts, report.timings)
    log(f"[{backend}] loaded in {report.seconds:.1f} s (schema {schema_seconds:.1f} s)")
    recorder = SqlRecorder(core.engine)
    before = _load_average()
    for item in measured_calls(core, report.probes):
        timing = measure(core, recorder, item, repeat, with_plan)
        log(f"[{backend}] {item.key}: median {timing.median_ms:.1f} ms")
        run.timings.append(timing)
    run.load_average = (before, _load_average())
    core.engine.dispose()
    return run


# --------------------------------------------------------------------------- output


def print_table(runs: list[BackendRun], repeat: int, with_plan: bool) -> None:
    for run in runs:
        c = run.counts
        print()
        print(f"== {run.backend} ({run.url}, {run.server_version}; load average "
              f"{run.load_average[0]:.2f} -> {run.load_average[1]:.2f} on {os.cpu_count()} CPUs)")
        print(f"load: {run.load_seconds:.1f} s + schema {run.schema_seconds:.1f} s — "
              f"{c['candidates']:,} candidates ({c['planted_duplicates']:,} planted duplicates), "
              f"{c['sessions']:,} sessions ({c.get('sessions_validee', 0):,} validated), "
              f"{c['registrations']:,} registrations, {c['print_requests']:,} print requests, "
              f"{c['centres']:,} centres, {c['sites']:,} sites")
        steps = ", ".join(f"{k} {v:.1f} s" for k, v in run.load_steps.items())
        print(f"load steps: {steps}")
        print(f"candidates per region: {c['candidates_dreets_region']:,} in the DREETS's, "
              f"{c['candidates_largest_region']:,} in the largest")
        print(f"timings over {repeat} runs after one warm-up (ms; sql = time inside "
              "cursor.execute, which on SQLite excludes the fetching of rows):")
        width = max(len(t.label) for t in run.timings)
        print(f"  {'call':<{width}}  {'median':>8} {'p95':>8} {'min':>8} {'sql':>8} {'stmts':>5}"
              f"  result")
        for t in run.timings:
            print(f"  {t.label:<{width}}  {t.median_ms:8.1f} {t.p95_ms:8.1f} {t.min_ms:8.1f} "
                  f"{t.sql_median_ms:8.1f} {t.statements:5d}  {t.result}")
        if with_plan:
            for t in run.timings:
                print()
                print(f"-- {t.key}: slowest statement {t.slowest_sql_ms:.1f} ms")
                if run.backend != "sqlite":
                    print(f"   {t.slowest_sql[:600]}")
                for line in t.plan.splitlines():
                    print(f"   | {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"],
                        help="default: both when PostgreSQL answers on 127.0.0.1:5432")
    parser.add_argument("--candidates", type=int, default=200_000)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--centres", type=int, help="default: sessions / 10, at most 2,000")
    parser.add_argument("--sites", type=int, help="default: sessions * 3 / 20, at most 3,000")
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per call (default 10)")
    parser.add_argument("--seed", type=int, default=GenConfig.seed)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help=f"a database whose name contains 'bench' (default {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="write the figures as JSON to FILE (or stdout, table not printed)")
    parser.add_argument("--explain", action="store_true",
                        help="print the plan of the slowest SQL statement of each call")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file")
    args = parser.parse_args(argv)

    backend = args.backend
    if backend is None:
        backend = "both" if postgres_answers() else "sqlite"
    backends = ["sqlite", "postgresql"] if backend == "both" else [backend]
    centres = args.centres or max(10, min(2_000, args.sessions // 10))
    sites = args.sites or max(15, min(3_000, args.sessions * 3 // 20))
    config = GenConfig(candidates=args.candidates, sessions=args.sessions, centres=centres,
                       sites=sites, seed=args.seed)
    to_stdout = args.json == "-"

    def log(message: str) -> None:
        print(message, file=sys.stderr if to_stdout else sys.stdout, flush=True)

    runs: list[BackendRun] = []
    for name in backends:
        if name == "sqlite":
            folder = Path(tempfile.mkdtemp(prefix="ceres-bench-"))
            db_file = folder / "bench.db"
            try:
                runs.append(run_backend(name, f"sqlite:///{db_file}", config, args.repeat,
                                        args.explain, log))
            finally:
                if args.keep:
                    log(f"[sqlite] kept {db_file}")
                else:
                    db_file.unlink(missing_ok=True)
                    folder.rmdir()
        else:
            runs.append(run_backend(name, args.postgres_url, config, args.repeat,
                                    args.explain, log))

    payload = {
        "command": " ".join(["python", "benchmarks/bench_core.py", *(argv or sys.argv[1:])]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform()},
        "config": {**asdict(config), "repeat": args.repeat},
        "runs": [asdict(r) for r in runs],
    }
    if args.json:
        data = json.dumps(payload, indent=2, ensure_ascii=False, default=str)
        if to_stdout:
            print(data)
        else:
            Path(args.json).write_text(data + "\n", encoding="utf-8")
    if not to_stdout:
        print_table(runs, args.repeat, args.explain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
