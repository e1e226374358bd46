"""Benchmark of the conversation layer on dialogue sets.

A dialogue set is a TSV file ``case<TAB>turn<TAB>user_says<TAB>expect`` (header line
first), one row per turn, turns of a case in order. ``expect`` is one of:

* ``smalltalk:<intent>`` (greeting, thanks, identity, capabilities, insult, complaint,
  goodbye): the message is small talk of that intent;
* ``topic:<id>``: the message is answered, and the first answer is that article;
* ``topics:<id1>+<id2>``: both articles are among the answers;
* ``none``: the honest « je ne sais pas ».

Each turn is read with the previous turn kept as the bot keeps it (the last
answered turn; small talk keeps the one before). Prints the share of turns right,
per kind of expectation, and the wrong ones with ``--errors``.

    python benchmarks/bench_dialogues.py FILE.tsv [FILE.tsv ...] [--errors]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # allow running from a checkout without install
    sys.path.insert(0, str(ROOT))

from knowledge.conversation import Conversation, Turn, Understanding  # noqa: E402
from knowledge.matcher import default_matcher  # noqa: E402


def read_dialogues(path: Path) -> list[tuple[str, list[tuple[str, str]]]]:
    """The cases of ``path`` in file order, each with its (user says, expect) turns."""
    cases: dict[str, list[tuple[int, str, str]]] = {}
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        if i == 0 or not line.strip():
            continue
        case, turn, says, expect = line.split("\t")
        cases.setdefault(case, []).append((int(turn), says.strip(), expect.strip()))
    return [(case, [(s, e) for _, s, e in sorted(turns)]) for case, turns in cases.items()]


def verdict(expect: str, got: Understanding) -> bool:
    """Whether ``got`` meets ``expect`` (see the module's docstring)."""
    kind, _, value = expect.partition(":")
    if kind == "smalltalk":
        return got.kind == "smalltalk" and got.intent == value
    if kind == "topic":
        return got.kind == "answers" and got.topics[:1] == [value]
    if kind == "topics":
        return got.kind == "answers" and set(value.split("+")) <= set(got.topics)
    if kind == "none":
        return got.kind == "none"
    raise ValueError(f"unknown expectation {expect!r}")


def describe(got: Understanding) -> str:
    if got.kind == "smalltalk":
        return f"smalltalk:{got.intent}"
    if got.kind == "answers":
        return "topics:" + "+".join(got.topics)
    return "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--errors", action="store_true", help="list the wrong turns")
    args = parser.parse_args(argv)
    conversation = Conversation(default_matcher())
    for path in args.files:
        right: dict[str, list[bool]] = defaultdict(list)
        errors: list[str] = []
        cases = read_dialogues(path)
        for case, turns in cases:
            previous: Turn | None = None
            for says, expect in turns:
                got = conversation.understand(says, previous)
                ok = verdict(expect, got)
                right[expect.partition(":")[0]].append(ok)
                if not ok:
                    errors.append(f"  {case}: {says!r} expected {expect}, got {describe(got)}")
                if got.turn is not None:
                    previous = got.turn
        total = [ok for oks in right.values() for ok in oks]
        print(f"{path.name}: {len(cases)} dialogues, {len(total)} turns, "
              f"{sum(total) / len(total):.1%} right")
        for kind in sorted(right):
            oks = right[kind]
            print(f"  {kind:10s} {sum(oks):3d}/{len(oks):3d}  {sum(oks) / len(oks):6.1%}")
        if args.errors:
            print("\n".join(errors))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
