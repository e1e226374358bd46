"""Benchmark of the question matcher, beside the BM25-only baseline.

Runs the question sets of ``tests/data/`` (sample, held-out, blind, and the
development sets written from users' situations) and any other ``topic<TAB>question``
file given with ``--set`` (a frozen blind set, for instance), and prints per set and
per matcher (``hybrid``: BM25 + classifier, the product; ``bm25``: the baseline):

* top-1: the first answer is the expected topic (``none`` included);
* top-3: the expected topic is the answer or one of the two next suggestions
  (for an expected ``none``: the answer is ``none``);
* out of scope declined: expected ``none`` answered ``none`` (x/y);
* false « je ne sais pas »: in-scope questions answered ``none``;

then the latency per question (p50, p99, after a warm-up) and the index build time.

    python benchmarks/bench_matcher.py [--set FILE.tsv ...] [--only NAME ...] [--errors]
                                       [--no-baseline] [--repeat N]
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
from knowledge.matcher import Matcher, MatcherConfig  # noqa: E402

DATA = ROOT / "tests" / "data"
SETS = {
    "sample": DATA / "questions-sample.tsv",
    "heldout": DATA / "questions-heldout.tsv",
    "blind": DATA / "questions-blind.tsv",
    "dev-paraphrase": DATA / "questions-dev-paraphrase.tsv",
    "dev-out-of-scope": DATA / "questions-dev-out-of-scope.tsv",
    "check-unseen": DATA / "questions-check-unseen.tsv",
    "check-unseen-2": DATA / "questions-check-unseen-2.tsv",
    "check-unseen-3": DATA / "questions-check-unseen-3.tsv",
}


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """``topic<TAB>question`` rows after a header line (blank lines skipped)."""
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
    oos_declined: int
    oos_total: int
    false_none: int
    in_scope: int
    errors: list[tuple[str, str, str, float]]

    def line(self, matcher: str) -> str:
        return (
            f"{self.name:15s} {matcher:6s} n={self.total:3d}  top-1 {self.top1:6.1%}  "
            f"top-3 {self.top3:6.1%}  out of scope declined {self.oos_declined:2d}/{self.oos_total:<2d}"
            f"  false « je ne sais pas » {self.false_none:2d}/{self.in_scope}"
        )


def evaluate(matcher: Matcher, name: str, rows: list[tuple[str, str]]) -> Report:
    top1 = top3 = oos_declined = oos_total = false_none = 0
    errors: list[tuple[str, str, str, float]] = []
    for expected, question in rows:
        result = matcher.match(question)
        got = result.topic or "none"
        if got == expected:
            top1 += 1
        else:
            errors.append((expected, got, question, result.score))
        if expected == "none":
            oos_total += 1
            oos_declined += got == "none"
            top3 += got == "none"
        else:
            false_none += got == "none"
            shown = ([got] if got != "none" else []) + [t for t, _, _ in result.alternatives]
            top3 += expected in shown[:3]
    n = len(rows)
    return Report(
        name, n, top1 / n, top3 / n, oos_declined, oos_total, false_none, n - oos_total, errors
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
    parser.add_argument("--repeat", type=int, default=10, help="latency rounds (default 10)")
    parser.add_argument(
        "--only", action="append", choices=sorted(SETS), help="run only this set (repeatable)"
    )
    parser.add_argument(
        "--set",
        "--extra",
        dest="extra",
        action="append",
        type=Path,
        default=[],
        help="another topic<TAB>question file (repeatable)",
    )
    parser.add_argument("--no-baseline", action="store_true", help="skip the BM25-only matcher")
    args = parser.parse_args(argv)
    sets = {name: path for name, path in SETS.items() if not args.only or name in args.only}
    if args.only is None and args.extra:
        sets = {}  # --set alone: only the given files
    for extra in args.extra:
        sets[extra.stem] = extra

    articles = load_articles()
    t0 = time.perf_counter()
    hybrid = Matcher.from_articles(articles)
    build_ms = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    baseline = Matcher.from_articles(articles, config=MatcherConfig(use_classifier=False))
    base_ms = (time.perf_counter() - t0) * 1000
    print(
        f"index: {len(articles)} articles, {len(hybrid.vocabulary)} terms; built in "
        f"{build_ms:.0f} ms (hybrid), {base_ms:.0f} ms (bm25 baseline)"
    )
    matchers = [("hybrid", hybrid)] + ([] if args.no_baseline else [("bm25", baseline)])

    all_questions: list[str] = []
    for name, path in sets.items():
        if not path.exists():
            print(f"{name:15s} (missing {path})")
            continue
        rows = read_tsv(path)
        all_questions += [q for _, q in rows]
        for label, matcher in matchers:
            report = evaluate(matcher, name, rows)
            print(report.line(label))
            if args.errors and label == "hybrid":
                for expected, got, question, score in report.errors:
                    print(f"    expected {expected:22s} got {got:22s} {score:.3f}  {question}")
    for label, matcher in matchers:
        p50, p99 = latency(matcher, all_questions, args.repeat)
        print(
            f"latency {label:6s} p50 {p50:.3f} ms  p99 {p99:.3f} ms  ({len(all_questions)} "
            f"questions x {args.repeat}, after warm-up)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
