"""Benchmark of the production-shaped deployment: 1, 2, 3 instances behind HAProxy.

For each instance count N, on a fresh PostgreSQL database (``--postgres-url``, a
database whose name contains "bench", dropped and created again before each run),
:class:`bot.cluster.LocalCluster` starts N ``ceres-assist bot --webhook`` processes
behind HAProxy and the local Bot API server delivering the webhook to the balancer.
``--chats`` users (20) each send ``--messages`` questions (10) one after the other
(send, wait for the whole reply, send the next), the French questions of
``tests/data/questions-sample.tsv``, as ``benchmarks/bench_bot.py`` does.

Printed for each N: updates per second (replies / wall time), reply latency p50,
p95, p99 and max, missing replies, the bots' CPU per update (all instances), and
the scaling ratio (updates/s with N instances / with 1). Telegram's rate limits
are off (``--sans-limiteur``): the handlers are measured, not the limiter. The
figures depend on the machine: with 2 cores, the bot processes, PostgreSQL,
HAProxy and this process share them.

    python benchmarks/bench_cluster.py [--instances 1,2,3] [--chats 20] [--messages 10]
        [--postgres-url URL] [--json [FILE]]

Everything listens on 127.0.0.1; a missing reply ends its chat after
``--reply-timeout`` seconds, so the benchmark stops by itself.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT))

from benchmarks.bench_bot import (  # noqa: E402
    BenchBotApi,
    ChatDriver,
    Outcome,
    fresh_postgres,
    load_average,
    process_cpu_seconds,
    read_questions,
    summary_ms,
)
from bot.cluster import LocalCluster, find_haproxy  # noqa: E402

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1/ceres_bench_cluster"


@dataclass
class ClusterRun:
    instances: int
    chats: int
    messages: int
    sent: int = 0
    replies: int = 0
    missing: int = 0
    error_replies: int = 0
    seconds: float = 0.0
    updates_per_second: float = 0.0
    latency_ms: dict[str, float | None] = field(default_factory=dict)
    bot_cpu_ms_per_update: float | None = None
    load_average: tuple[float, float] = (0.0, 0.0)


async def run_cluster(n: int, args: argparse.Namespace, questions: list[str]) -> ClusterRun:
    fresh_postgres(args.postgres_url)
    api = BenchBotApi()
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as workdir:
        cluster = LocalCluster(args.postgres_url, instances=n, workdir=Path(workdir), api=api,
                               dashboard_port=None, chat_page=False, log_level="WARNING",
                               bot_args=("--sans-limiteur",))
        await cluster.start()
        try:
            token = cluster.token
            # Warm-up (imports, caches, connection pools): not measured.
            warm = Outcome()
            await asyncio.gather(*(
                ChatDriver(api, token, 90_000 + i, True, args.reply_timeout, warm).run(
                    questions[i: i + 2], record=False)
                for i in range(max(2, n * 2))))
            outcome = Outcome()
            drivers = [ChatDriver(api, token, 100_000 + i, True, args.reply_timeout, outcome)
                       for i in range(args.chats)]
            texts = [[questions[(c * args.messages + m) % len(questions)]
                      for m in range(args.messages)] for c in range(args.chats)]
            run = ClusterRun(n, args.chats, args.messages, sent=args.chats * args.messages)
            cpu_before = sum(process_cpu_seconds(p) or 0.0 for p in cluster.pids)
            load_before = load_average()
            started = time.perf_counter()
            await asyncio.gather(*(d.run(t) for d, t in zip(drivers, texts, strict=True)))
            run.seconds = time.perf_counter() - started
            cpu_after = sum(process_cpu_seconds(p) or 0.0 for p in cluster.pids)
            run.load_average = (load_before, load_average())
        finally:
            await cluster.stop()
    run.replies = len(outcome.latencies)
    run.missing = run.sent - run.replies
    run.error_replies = outcome.error_replies
    run.updates_per_second = run.replies / run.seconds if run.seconds else 0.0
    run.latency_ms = summary_ms(outcome.latencies)
    if run.replies:
        run.bot_cpu_ms_per_update = (cpu_after - cpu_before) / run.replies * 1000
    return run


def _num(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def print_table(runs: list[ClusterRun]) -> None:
    base = runs[0].updates_per_second if runs and runs[0].instances == 1 else None
    print(f"\n{runs[0].chats} chats × {runs[0].messages} messages, PostgreSQL, HAProxy, "
          "rate limiter off")
    print(f"{'instances':>9} {'updates/s':>10} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'max ms':>8} {'missing':>8} {'CPU ms/upd':>11} {'scaling':>8} {'load':>11}")
    for r in runs:
        lat = r.latency_ms
        scaling = f"{r.updates_per_second / base:.2f}×" if base else "—"
        print(f"{r.instances:>9} {r.updates_per_second:>10.1f} {_num(lat.get('p50')):>8} "
              f"{_num(lat.get('p95')):>8} {_num(lat.get('p99')):>8} {_num(lat.get('max')):>8} "
              f"{r.missing:>8} {_num(r.bot_cpu_ms_per_update, 2):>11} {scaling:>8} "
              f"{r.load_average[0]:>5.2f}→{r.load_average[1]:<5.2f}")


async def run_all(args: argparse.Namespace) -> list[ClusterRun]:
    questions = read_questions()
    runs = []
    for n in args.instances:
        print(f"… {n} instance(s)", file=sys.stderr, flush=True)
        runs.append(await run_cluster(n, args, questions))
    return runs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default="1,2,3",
                        type=lambda v: [int(x) for x in v.split(",")],
                        help="instance counts, comma-separated (default 1,2,3)")
    parser.add_argument("--chats", type=int, default=20, help="concurrent chats (default 20)")
    parser.add_argument("--messages", type=int, default=10, help="messages per chat (default 10)")
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES_URL,
                        help=f"benchmark database, recreated (default {DEFAULT_POSTGRES_URL})")
    parser.add_argument("--reply-timeout", type=float, default=30.0,
                        help="seconds to wait for a reply before the chat gives up (30)")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="also write the figures as JSON (to FILE, or stdout)")
    args = parser.parse_args(argv)
    if find_haproxy() is None:
        print("haproxy is not installed (apt-get install haproxy).", file=sys.stderr)
        return 2
    runs = asyncio.run(run_all(args))
    print_table(runs)
    if args.json:
        data = json.dumps([asdict(r) for r in runs], ensure_ascii=False, indent=2)
        if args.json == "-":
            print(data)
        else:
            Path(args.json).write_text(data + "\n", encoding="utf-8")
    return 0 if all(r.missing == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
