"""Benchmark of the staff dashboard on 100,000 tickets (SQLite and PostgreSQL).

Fills a fresh database (schema by ``prepare_database``) with ``--tickets`` tickets
(bulk inserts with SQLAlchemy Core): spread over the standard queues (the
ministries' assistance the busiest), two years of creation dates weighted towards
recent ones, statuses by age (recent ones open, old ones resolved or closed),
SLA fields consistent with the status (due dates computed on the queue's opening
hours for the running ones), about three messages per ticket, satisfaction ratings
on a third of the resolved ones, and a few thousand unanswered questions.

Then it serves the real dashboard (``tickets.web.create_app``) on an aiohttp test
server, logs in like a browser and times full page renders (HTTP GET → 200, HTML
read) of:

* the queue page of the busiest queue, first page: default (open tickets), every
  status, filters (priority + assignee), search by requester name and by number,
  accent-insensitive search across the message texts (a town, a session number);
* the report page over one month and over one year;
* the queues overview;

each for a member of that queue and, for the report and overview, for a member of
every standard queue. Prints the median and p95 over ``--repeat`` runs (after one
warm-up run). Figures only, no thresholds.

    python benchmarks/bench_tickets.py [--backend sqlite|postgresql|both]
        [--tickets N] [--repeat K] [--postgres-url URL] [--json [FILE]]

The default backend is ``both`` when PostgreSQL answers on 127.0.0.1:5432 (database
``ceres_bench_tickets``, dropped and created again: only a database whose name
contains "bench" is ever touched), SQLite alone otherwise (temporary file).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, make_url, select, text  # noqa: E402

from bot.cli.database import prepare_database  # noqa: E402
from ceres_core.clock import PARIS, FixedClock  # noqa: E402
from ceres_core.core import Core  # noqa: E402
from ceres_core.db import make_engine  # noqa: E402
from knowledge.models import UnansweredQuestion  # noqa: E402
from tickets.hours import due_at  # noqa: E402
from tickets.models import (  # noqa: E402
    Queue,
    Rating,
    StaffAccount,
    Ticket,
    TicketMessage,
)
from tickets.queues import standard_queue_codes  # noqa: E402
from tickets.services import add_staff  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/ceres_bench_tickets"
BENCH_NOW = datetime(2026, 11, 23, 10, 0, tzinfo=PARIS)  # a Monday morning
PASSWORD = "mot-de-passe-du-banc-d-essai"
BUSIEST = "assistance"
SECRET = "secret-du-banc-d-essai-tickets"

FIRST_NAMES = ["Marie", "Jean", "Nadia", "Karim", "Sophie", "Luc", "Claire", "Mehdi", "Julie",
               "Paul", "Inès", "Thomas", "Camille", "Hugo", "Léa", "Yanis", "Emma", "Louis"]
LAST_NAMES = ["Martin", "Bernard", "Dubois", "Durand", "Lefèvre", "Moreau", "Laurent", "Simon",
              "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier", "Morel",
              "Girard", "Dupont", "Lambert", "Bonnet", "Haddad", "Nguyen", "Mercier", "Blanc"]
SUBJECTS = [
    ("dte_livraison", "Plis d'examen non reçus"), ("dte_livraison", "Lien du DTE expiré"),
    ("dte_contenu", "Erreur dans le sujet de l'épreuve"), ("utilisation", "Convocations bloquées"),
    ("doublon_candidat", "Candidat en double à fusionner"), ("transfert_site", "Transfert de site"),
    ("connexion", "Impossible de se connecter à CERES"), ("utilisation", "Saisie des résultats"),
    ("annulation_session", "Annulation d'une session validée"), ("habilitation", "Renouvellement d'habilitation"),
    ("courrier", "Parchemin revenu en PND"), ("autre", "Question sur le livret de certification"),
]


# ------------------------------------------------------------------ filling the database


@dataclass
class FillReport:
    tickets: int
    messages: int
    ratings: int
    unanswered: int
    seconds: float
    busiest_total: int
    busiest_open: int


#: Towns named in the requesters' messages (searched accent-insensitively).
CITIES = ["Évry", "Besançon", "Nîmes", "Orléans", "Saint-Étienne", "Angoulême", "Pointe-à-Pitre",
          "Montbéliard", "Béziers", "Créteil", "Lyon", "Rennes", "Brest", "Caen", "Metz"]


def _weights(codes: list[str]) -> list[float]:
    weights = []
    for code in codes:
        if code == BUSIEST:
            weights.append(30.0)
        elif code.startswith("gev-"):
            weights.append(6.0)
        elif code == "afpa-impression":
            weights.append(4.0)
        else:
            weights.append(1.8)
    return weights


def _status_for(age_days: float, rng: random.Random) -> str:
    r = rng.random()
    if age_days < 3:
        return "nouveau" if r < .4 else "en_cours" if r < .8 else "en_attente"
    if age_days < 14:
        return ("en_cours" if r < .15 else "en_attente" if r < .27 else "resolu" if r < .62
                else "clos")
    return "en_cours" if r < .004 else "en_attente" if r < .01 else "resolu" if r < .03 else "clos"


def fill(core: Core, n_tickets: int, seed: int = 7) -> FillReport:
    """Staff, queues and ``n_tickets`` tickets with their messages and ratings."""
    started = time.perf_counter()
    rng = random.Random(seed)
    codes = standard_queue_codes()
    add_staff(core, "national", "Agent national", PASSWORD, codes)
    for code in codes:
        for i in range(3 if code == BUSIEST else 2):
            add_staff(core, f"{code}-{i + 1}", f"Agent {i + 1} {code}", PASSWORD, [code])
    with core.transaction() as db:
        queues = {q.code: q for q in db.scalars(select(Queue))}
        members: dict[int, list[int]] = {}
        for staff in db.scalars(select(StaffAccount)):
            for q in staff.queues:
                if staff.login != "national":
                    members.setdefault(q.id, []).append(staff.id)
        for q in queues.values():
            db.expunge(q)
    from tickets._common import schedule_of

    schedules = {code: schedule_of(q) for code, q in queues.items()}
    weights = _weights(codes)
    horizon = 730 * 24 * 3600
    tickets, messages, ratings = [], [], []
    message_id = rating_id = 0
    busiest_total = busiest_open = 0
    for ticket_id in range(1, n_tickets + 1):
        code = rng.choices(codes, weights)[0]
        queue = queues[code]
        # more recent tickets are more numerous (activity grows), plus a fresh tail
        age = horizon * (rng.random() ** 1.6) if rng.random() > .02 else rng.random() * 3 * 86400
        created = BENCH_NOW - timedelta(seconds=age)
        age_days = age / 86400
        status = _status_for(age_days, rng)
        category, subject = rng.choice(SUBJECTS)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        prio = rng.choices(["basse", "normale", "haute", "urgente"], [8, 75, 14, 3])[0]
        assignee = None
        if status != "nouveau" or rng.random() < .1:
            assignee = rng.choice(members[queue.id])
        responded = status != "nouveau" and rng.random() < .97
        fr_seconds = int(rng.lognormvariate(8.6, .9)) if responded else None
        fr_at = created + timedelta(seconds=fr_seconds * 2.5) if responded else None
        if fr_at is not None and fr_at > BENCH_NOW:
            fr_at = BENCH_NOW
        resolved = status in ("resolu", "clos")
        res_seconds = int(rng.lognormvariate(10.4, .8)) if resolved else None
        res_at = min(created + timedelta(seconds=res_seconds * 2.5), BENCH_NOW) if resolved else None
        running = status in ("nouveau", "en_cours")
        sched = schedules[code]
        fr_due = due_at(sched, created, queue.first_response_minutes) if running else None
        res_due = due_at(sched, created, queue.resolution_minutes) if running else None
        ticket = {
            "id": ticket_id, "number": f"T-{created.year}-{ticket_id:06d}", "queue_id": queue.id,
            "status": status, "priority": prio, "subject": subject, "category": category,
            "requester_chat_id": 10_000_000 + rng.randrange(40_000),
            "requester_name": f"{first} {last}",
            "requester_login": f"{first[0].lower()}{last.lower()}{rng.randrange(100)}"
            if rng.random() < .7 else None,
            "context": {"question": f"{subject} : que faire ?", "transcript": [
                {"from": "user", "text": subject}, {"from": "bot", "text": "Voici l'article."}],
                "routing": {"queue": code, "category": category}},
            "routing_explanation": f"Transmis à {queue.name} : {subject.lower()}.",
            "parent_id": None, "assignee_id": assignee,
            "handled_by_human": status in ("en_cours", "en_attente") and assignee is not None,
            "requester_away": False, "requester_blocked": rng.random() < .002,
            "created_at": created, "updated_at": res_at or fr_at or created,
            "first_response_due": fr_due, "resolution_due": res_due,
            "paused_since": (fr_at or created) if status == "en_attente" else None,
            "paused_seconds": 0, "first_response_at": fr_at, "first_response_seconds": fr_seconds,
            "first_response_met": None if fr_seconds is None else fr_seconds <= queue.first_response_minutes * 60,
            "resolved_at": res_at, "resolution_seconds": res_seconds,
            "resolution_met": None if res_seconds is None else res_seconds <= queue.resolution_minutes * 60,
            "closed_at": res_at if status == "clos" else None,
        }
        tickets.append(ticket)
        if code == BUSIEST:
            busiest_total += 1
            busiest_open += status in ("nouveau", "en_cours", "en_attente")
        message_id += 1
        messages.append({"id": message_id, "ticket_id": ticket_id, "author_kind": "requester",
                         "staff_id": None, "internal": False, "created_at": created,
                         "text": f"{subject}. Session {rng.randrange(10**6):06d} à "
                                 f"{rng.choice(CITIES)} : elle commence bientôt, merci de votre aide."})
        if fr_at is not None:
            message_id += 1
            messages.append({"id": message_id, "ticket_id": ticket_id, "author_kind": "staff",
                             "staff_id": assignee, "internal": False, "created_at": fr_at,
                             "text": "Bonjour, nous regardons votre demande et revenons vers vous."})
        if res_at is not None or rng.random() < .3:
            message_id += 1
            internal = res_at is None
            messages.append({"id": message_id, "ticket_id": ticket_id,
                             "author_kind": "staff" if internal else "system",
                             "staff_id": assignee if internal else None, "internal": internal,
                             "created_at": res_at or fr_at or created,
                             "text": "Note : vérifié dans CERES." if internal
                             else "Votre demande est résolue."})
        if resolved and rng.random() < .33:
            rating_id += 1
            ratings.append({"id": rating_id, "ticket_id": ticket_id,
                            "score": rng.choices([1, 2, 3, 4, 5], [4, 6, 15, 35, 40])[0],
                            "comment": None, "created_at": res_at})
    unanswered = []
    for i in range(3000):
        seen = BENCH_NOW - timedelta(days=rng.random() * 365)
        unanswered.append({"id": i + 1, "normalised": f"question numero {i} sans reponse",
                           "reason": "none" if i % 4 else "unhelpful",
                           "example": f"Question n° {i} : comment faire dans CERES ?",
                           "topic": None if i % 4 else "dte-non-recu",
                           "count": max(1, int(rng.paretovariate(1.2))),
                           "first_seen": seen - timedelta(days=30), "last_seen": seen})
    with core.engine.begin() as conn:
        for table, rows in ((Ticket.__table__, tickets), (TicketMessage.__table__, messages),
                            (Rating.__table__, ratings),
                            (UnansweredQuestion.__table__, unanswered)):
            for start in range(0, len(rows), 5000):
                conn.execute(insert(table), rows[start:start + 5000])
        if core.engine.dialect.name == "postgresql":
            for table in ("helpdesk_tickets", "helpdesk_messages", "helpdesk_ratings",
                          "kb_unanswered_question"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT max(id) FROM {table}))"))
            conn.execute(text("ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return FillReport(len(tickets), len(messages), len(ratings), len(unanswered),
                      round(time.perf_counter() - started, 1), busiest_total, busiest_open)


# ------------------------------------------------------------------ timing the pages


@dataclass
class Timing:
    page: str
    who: str
    path: str
    median_ms: float
    p95_ms: float
    min_ms: float
    bytes: int


@dataclass
class BackendRun:
    backend: str
    server: str
    fill: FillReport
    timings: list[Timing] = field(default_factory=list)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(.95 * len(ordered)) - 1))]


async def time_pages(core: Core, repeat: int, log) -> list[Timing]:
    from aiohttp import ClientSession, CookieJar
    from aiohttp.test_utils import TestServer

    from tickets.web import create_app

    app = create_app(core, secret=SECRET)
    member = f"{BUSIEST}-1"
    with core.transaction() as db:
        sample = db.scalar(select(Ticket.number).where(Ticket.queue_id == select(Queue.id).where(
            Queue.code == BUSIEST).scalar_subquery()).order_by(Ticket.id.desc()).limit(1))
    scenarios = [
        ("file : première page (demandes ouvertes)", member, f"/files/{BUSIEST}"),
        ("file : toutes les demandes", member, f"/files/{BUSIEST}?statut=toutes"),
        ("file : priorité haute + à moi", member, f"/files/{BUSIEST}?priorite=haute&agent=moi"),
        ("file : recherche « dupont » (ouvertes)", member, f"/files/{BUSIEST}?q=dupont"),
        ("file : recherche « dupont » (toutes)", member, f"/files/{BUSIEST}?q=dupont&statut=toutes"),
        ("file : recherche d'un numéro (toutes)", member, f"/files/{BUSIEST}?q={sample}&statut=toutes"),
        # accent-insensitive search across message texts (trigram index on PostgreSQL)
        ("file : recherche dans les messages « evry » (toutes)", member,
         f"/files/{BUSIEST}?q=evry&statut=toutes"),
        ("file : recherche dans les messages « 12345 » (toutes)", member,
         f"/files/{BUSIEST}?q=12345&statut=toutes"),
        ("rapport : un mois", member, "/rapport?du=2026-10-01&au=2026-10-31"),
        ("rapport : un an", member, "/rapport?du=2025-11-01&au=2026-10-31"),
        ("rapport : un mois", "national", "/rapport?du=2026-10-01&au=2026-10-31"),
        ("rapport : un an", "national", "/rapport?du=2025-11-01&au=2026-10-31"),
        ("mes files", member, "/"),
        ("mes files", "national", "/"),
    ]
    results: list[Timing] = []
    server = TestServer(app)
    await server.start_server()
    sessions: dict[str, ClientSession] = {}
    try:
        for who in dict.fromkeys(s[1] for s in scenarios):
            session = ClientSession(cookie_jar=CookieJar(unsafe=True))
            sessions[who] = session
            page = await session.get(server.make_url("/connexion"))
            token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())[1]
            resp = await session.post(server.make_url("/connexion"),
                                      data={"csrf_token": token, "login": who, "password": PASSWORD})
            if resp.status != 200:
                raise SystemExit(f"login failed for {who}: HTTP {resp.status}")
        for name, who, path in scenarios:
            session = sessions[who]
            durations = []
            size = 0
            for i in range(repeat + 1):
                t0 = time.perf_counter()
                resp = await session.get(server.make_url(path))
                body = await resp.read()
                elapsed = (time.perf_counter() - t0) * 1000
                if resp.status != 200:
                    raise SystemExit(f"{path} → HTTP {resp.status}")
                size = len(body)
                if i:  # the first run warms caches up
                    durations.append(elapsed)
            timing = Timing(name, who, path, round(statistics.median(durations), 1),
                            round(_p95(durations), 1), round(min(durations), 1), size)
            log(f"  {name:<42} {who:<13} médiane {timing.median_ms:8.1f} ms   p95 {timing.p95_ms:8.1f} ms")
            results.append(timing)
    finally:
        for session in sessions.values():
            await session.close()
        await server.close()
    return results


# ------------------------------------------------------------------ databases


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
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _server(core: Core) -> str:
    with core.engine.connect() as conn:
        if core.engine.dialect.name == "postgresql":
            return "PostgreSQL " + (conn.exec_driver_sql("SHOW server_version").scalar() or "")
        return "SQLite " + (conn.exec_driver_sql("SELECT sqlite_version()").scalar() or "")


def run_backend(backend: str, url: str, n_tickets: int, repeat: int, log) -> BackendRun:
    core = Core(make_engine(url), clock=FixedClock(BENCH_NOW))
    prepare_database(core)
    log(f"[{backend}] remplissage : {n_tickets} demandes…")
    report = fill(core, n_tickets)
    with core.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Ticket)) == n_tickets
    log(f"[{backend}] {report.tickets} demandes, {report.messages} messages, {report.ratings} notes "
        f"en {report.seconds} s ; file {BUSIEST} : {report.busiest_total} demandes dont "
        f"{report.busiest_open} ouvertes")
    run = BackendRun(backend, _server(core), report)
    run.timings = asyncio.run(time_pages(core, repeat, log))
    core.engine.dispose()
    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help=f"a database whose name contains 'bench' (default {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="also write the results as JSON (to FILE, or stdout)")
    args = parser.parse_args(argv)
    backend = args.backend or ("both" if postgres_answers() else "sqlite")
    to_stdout = args.json == "-"

    def log(message: str) -> None:
        print(message, file=sys.stderr if to_stdout else sys.stdout, flush=True)

    runs: list[BackendRun] = []
    if backend in ("sqlite", "both"):
        folder = Path(tempfile.mkdtemp(prefix="ceres-bench-tickets-"))
        try:
            runs.append(run_backend("sqlite", f"sqlite:///{folder / 'bench.db'}", args.tickets,
                                    args.repeat, log))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    if backend in ("postgresql", "both"):
        fresh_postgres(args.postgres_url)
        runs.append(run_backend("postgresql", args.postgres_url, args.tickets, args.repeat, log))
    if args.json:
        payload = {
            "tickets": args.tickets, "repeat": args.repeat, "python": platform.python_version(),
            "cpus": os.cpu_count(), "runs": [asdict(r) for r in runs],
        }
        text_out = json.dumps(payload, ensure_ascii=False, indent=2)
        if to_stdout:
            print(text_out)
        else:
            Path(args.json).write_text(text_out + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
