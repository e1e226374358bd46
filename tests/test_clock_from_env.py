"""The clock of a process (:func:`ceres_core.clock.clock_from_env`): the system's, unless
a test that starts real processes fixes it with ``CERES_FAKE_NOW``."""

from __future__ import annotations

from datetime import datetime

import pytest

from ceres_core.clock import FAKE_NOW_ENV, PARIS, FileClock, FixedClock, SystemClock, clock_from_env
from ceres_core.core import Core


def test_the_system_clock_without_the_variable() -> None:
    assert isinstance(clock_from_env({}), SystemClock)
    assert isinstance(clock_from_env({FAKE_NOW_ENV: "  "}), SystemClock)


def test_a_fixed_time() -> None:
    clock = clock_from_env({FAKE_NOW_ENV: "2026-12-07T10:00:00+01:00"})
    assert isinstance(clock, FixedClock)
    assert clock.now() == datetime(2026, 12, 7, 10, tzinfo=PARIS)
    naive = clock_from_env({FAKE_NOW_ENV: "2026-12-07T10:00"})  # Paris time
    assert naive.now() == datetime(2026, 12, 7, 10, tzinfo=PARIS)


def test_a_file_moves_the_clock_of_a_running_process(tmp_path) -> None:
    path = tmp_path / "now"
    path.write_text("2026-12-07T10:00:00+01:00")
    clock = clock_from_env({FAKE_NOW_ENV: f"@{path}"})
    assert isinstance(clock, FileClock) and clock.today().day == 7
    path.write_text("2026-12-08T09:30:00+01:00\n")
    assert clock.now() == datetime(2026, 12, 8, 9, 30, tzinfo=PARIS)


def test_a_wrong_value_fails_at_start(tmp_path) -> None:
    with pytest.raises(ValueError):
        clock_from_env({FAKE_NOW_ENV: "lundi"})
    with pytest.raises(FileNotFoundError):
        clock_from_env({FAKE_NOW_ENV: f"@{tmp_path / 'missing'}"})


def test_the_core_of_a_process_reads_it(monkeypatch) -> None:
    monkeypatch.setenv(FAKE_NOW_ENV, "2026-12-07T10:00:00+01:00")
    core = Core.from_url("sqlite://")
    assert core.clock.now() == datetime(2026, 12, 7, 10, tzinfo=PARIS)
    given = FixedClock(datetime(2027, 1, 4, 9, tzinfo=PARIS))
    assert Core.from_url("sqlite://", clock=given).clock is given  # an explicit clock wins
