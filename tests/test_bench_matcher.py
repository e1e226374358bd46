"""benchmarks/bench_matcher.py runs on any question file given with --set."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.bench_matcher import main


def test_bench_matcher_on_a_given_set(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "frozen.tsv"
    path.write_text(
        "topic\tquestion\n"
        "duplicata\tle candidat a perdu son diplome\n"
        "pnd\tle diplome est revenu a l'afpa\n"
        "none\tduplicata de mon permis de conduire\n",
        encoding="utf-8",
    )
    assert main(["--set", str(path), "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    lines = [line for line in out.splitlines() if line.startswith("frozen")]
    assert len(lines) == 2  # hybrid and the BM25 baseline
    assert "top-1 100.0%" in lines[0] and "out of scope declined  1/1" in lines[0]
    assert "false « je ne sais pas »  0/2" in lines[0]
    assert "latency hybrid" in out
