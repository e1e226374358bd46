"""Injected clock: every date rule asks a :class:`Clock`, never ``datetime.now``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


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
