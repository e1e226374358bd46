"""Benchmark of the question matcher.

Runs the sample questions (``tests/data/questions-sample.tsv``), the held-out
questions (``tests/data/questions-heldout.tsv``) and the blind set written before
looking at the matcher (``tests/data/questions-blind.tsv``), and prints, per set: top-1, top-3,
precision and recall of ``none``, and the latency per question (p50, p99, after a
warm-up), plus the index build time.

    python benchmarks/bench_matcher.py [--errors] [--repeat N] [--only SET] [--extra FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT))

from knowledge.articles import load_articles  # noqa: E402
from knowledge.matcher import Matcher  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = {
    "sample": DATA / "questions-sample.tsv",
    "heldout": DATA / "questions-heldout.tsv",
    "blind": DATA / "questions-blind.tsv",
}


def read_tsv(path: Path) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if i == 0 or not line.strip():
            continue  # header
        topic, question = line.split("\t", 1)
        rows.append((topic.strip(), question.strip()))
    return rows


@dataclass
class Report:
    name: str
    total: int
    top1: float
    top3: float
    none_precision: float
    none_recall: float
    errors: list[tuple[str, str, str, float]]

    def line(self) -> str:
        return (
            f"{self.name:8s} n={self.total:3d}  top-1 {self.top1:6.1%}  top-3 {self.top3:6.1%}  "
            f"none precision {self.none_precision:6.1%}  none recall {self.none_recall:6.1%}"
        )


def evaluate(matcher: Matcher, name: str, rows: list[tuple[str, str]]) -> Report:
    top1 = top3 = 0
    none_said = none_right = none_expected = 0
    errors: list[tuple[str, str, str, float]] = []
    for expected, question in rows:
        result = matcher.match(question)
        got = result.topic or "none"
        candidates = [got] + [t for t, _, _ in result.alternatives]
        if got == expected:
            top1 += 1
        else:
            errors.append((expected, got, question, result.score))
        if expected in candidates[:3]:
            top3 += 1
        if expected == "none":
            none_expected += 1
        if got == "none":
            none_said += 1
            if expected == "none":
                none_right += 1
    n = len(rows)
    return Report(
        name,
        n,
        top1 / n,
        top3 / n,
        none_right / none_said if none_said else 1.0,
        none_right / none_expected if none_expected else 1.0,
        errors,
    )


def latency(matcher: Matcher, questions: list[str], repeat: int) -> tuple[float, float]:
    for q in questions:  # warm-up (typo cache, stem cache)
        matcher.match(q)
    samples: list[float] = []
    for _ in range(repeat):
        for q in questions:
            t0 = time.perf_counter()
            matcher.match(q)
            samples.append(time.perf_counter() - t0)
    samples.sort()
    p50 = statistics.median(samples)
    p99 = samples[min(len(samples) - 1, int(0.99 * len(samples)))]
    return p50 * 1000, p99 * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list the wrong answers")
    parser.add_argument("--repeat", type=int, default=20, help="latency rounds (default 20)")
    parser.add_argument(
        "--only", action="append", choices=sorted(SETS), help="run only this set (repeatable)"
    )
    parser.add_argument(
        "--extra", action="append", type=Path, default=[], help="another topic<TAB>question file"
    )
    args = parser.parse_args(argv)
    sets = {name: path for name, path in SETS.items() if not args.only or name in args.only}
    for extra in args.extra:
        sets[extra.stem[:8]] = extra

    articles = load_articles()
    t0 = time.perf_counter()
    matcher = Matcher.from_articles(articles)
    build_ms = (time.perf_counter() - t0) * 1000
    print(
        f"index: {len(articles)} articles, {len(matcher.vocabulary)} terms, "
        f"built in {build_ms:.0f} ms"
    )

    all_questions: list[str] = []
    for name, path in sets.items():
        if not path.exists():
            print(f"{name:8s} (missing {path})")
            continue
        rows = read_tsv(path)
        all_questions += [q for _, q in rows]
        report = evaluate(matcher, name, rows)
        print(report.line())
        if args.errors:
            for expected, got, question, score in report.errors:
                print(f"    expected {expected:22s} got {got:22s} {score:.3f}  {question}")
    p50, p99 = latency(matcher, all_questions, args.repeat)
    print(
        f"latency  p50 {p50:.3f} ms  p99 {p99:.3f} ms  ({len(all_questions)} questions "
        f"x {args.repeat}, after warm-up)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
