"""The dialogue benchmark reads its sets and judges turns as documented."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_dialogues import read_dialogues, verdict
from knowledge.conversation import Understanding

FROZEN = Path(__file__).parent / "data" / "frozen"


def test_reads_the_frozen_dialogue_sets_in_turn_order():
    for path in FROZEN.glob("dialogues-*.tsv"):
        cases = read_dialogues(path)
        assert cases, path
        for _case, turns in cases:
            assert turns and all(says and expect for says, expect in turns)


def test_verdict_follows_each_kind_of_expectation():
    smalltalk = Understanding("smalltalk", "Bonjour !", "greeting")
    assert verdict("smalltalk:greeting", smalltalk)
    assert not verdict("smalltalk:thanks", smalltalk)
    assert not verdict("none", smalltalk)
    assert verdict("none", Understanding("none"))
    assert not verdict("topic:duplicata", Understanding("none"))
