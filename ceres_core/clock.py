"""Injected clock: every date rule asks a :class:`Clock`, never ``datetime.now``."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
#: For tests and demos only: the time a process started by a test lives at (see
#: :func:`clock_from_env`). Never set in production.
FAKE_NOW_ENV = "CERES_FAKE_NOW"

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> datetime:
        """Current time, timezone-aware (Europe/Paris)."""
        ...

    def today(self) -> date: ...


class SystemClock:
    """The real clock, in Europe/Paris time."""

    def now(self) -> datetime:
        return datetime.now(PARIS)

    def today(self) -> date:
        return self.now().date()


@dataclass
class FixedClock:
    """A clock for tests and demos: it only moves when told to."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 22, 10, 0, tzinfo=PARIS))

    def __post_init__(self) -> None:
        if self.current.tzinfo is None:
            self.current = self.current.replace(tzinfo=PARIS)

    def now(self) -> datetime:
        return self.current

    def today(self) -> date:
        return self.current.date()

    def advance(self, **kwargs: float) -> None:
        self.current = self.current + timedelta(**kwargs)

    def set(self, when: datetime) -> None:
        self.current = when if when.tzinfo else when.replace(tzinfo=PARIS)


@dataclass
class FileClock:
    """A clock whose time is written in a file (an ISO 8601 date and time), read at each
    call: a test moves the clock of the processes it started by rewriting the file."""

    path: Path

    def now(self) -> datetime:
        return _parse(self.path.read_text(encoding="utf-8"))

    def today(self) -> date:
        return self.now().date()


def _parse(value: str) -> datetime:
    when = datetime.fromisoformat(value.strip())
    return when if when.tzinfo else when.replace(tzinfo=PARIS)


def clock_from_env(environ: Mapping[str, str] | None = None) -> Clock:
    """The clock of a process: the system's, unless ``CERES_FAKE_NOW`` is set (tests that
    start real processes, e.g. ``tests/e2e/test_reminder_failover.py``):

    * ``CERES_FAKE_NOW=2026-12-07T10:00:00+01:00``: a fixed time (:class:`FixedClock`);
    * ``CERES_FAKE_NOW=@/path/to/file``: the time written in that file, re-read at each
      call (:class:`FileClock`).

    Read here only, where :meth:`ceres_core.core.Core.from_url` builds a process's clock.
    """
    value = (os.environ if environ is None else environ).get(FAKE_NOW_ENV, "").strip()
    if not value:
        return SystemClock()
    if value.startswith("@"):
        clock: Clock = FileClock(Path(value[1:]))
    else:
        clock = FixedClock(_parse(value))
    clock.now()  # a wrong value fails at start, not at the first date rule
    log.warning("%s is set: this process does not use the real time (%s)", FAKE_NOW_ENV, value)
    return clock
