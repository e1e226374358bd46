"""Smoke run of ``benchmarks/bench_bot.py`` (a few chats and messages, no timings).

Both bots (the bare echo bot and CERES Assist) run in their own process against the
local Bot API server, with and without the rate limiter: every message must get its
reply, without error, and the figures must be printed and written as JSON. How fast
is read from the benchmark's output, never asserted here.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import bench_bot

pytestmark = pytest.mark.e2e

CHATS, MESSAGES = 3, 2


def test_every_message_gets_a_reply_and_figures_are_printed(tmp_path, capsys):
    out = tmp_path / "bench_bot.json"
    code = bench_bot.main([
        "--chats", str(CHATS), "--messages", str(MESSAGES), "--rate-limit", "both",
        "--reply-timeout", "20", "--max-seconds", "60", "--json", str(out),
    ])
    printed = capsys.readouterr().out
    assert code == 0

    data = json.loads(out.read_text(encoding="utf-8"))
    assert [run["rate_limit"] for run in data["runs"]] == [True, False]
    for run in data["runs"]:
        for bot in ("echo", "ceres"):
            figures = run[bot]
            assert figures["sent"] == figures["replies"] == CHATS * MESSAGES, figures
            assert figures["errors"] == 0, figures
            assert figures["missing"] == figures["error_replies"] == figures["wrong_echoes"] == 0
            assert figures["failed_api_calls"] == {}
            assert figures["replies_without_keyboard"] == 0
            assert not figures["timed_out"]
            assert figures["updates_per_second"] > 0
            assert all(figures["latency_ms"][k] > 0 for k in ("p50", "p95", "p99"))
        assert run["ceres"]["database"] == "SQLite"
        assert set(run["ratio"]) == {"updates_per_second", "latency_p50", "latency_p99"}
        assert all(value is not None for value in run["ratio"].values())

    for label in ("rate limiter on", "rate limiter off", "echo bot", "CERES Assist",
                  "ours/echo", "updates/s", "reply latency p50 (ms)", "reply latency p99 (ms)",
                  "errors"):
        assert label in printed, label
    assert printed.count(f"{CHATS * MESSAGES}/{CHATS * MESSAGES}") == 4  # replies / sent
