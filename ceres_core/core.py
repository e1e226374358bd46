"""The :class:`Core`: what every service call needs (database, clock, settings).

Front ends build one ``Core`` at start and pass it to the service functions of
``ceres_core.services``; tests build one on a fresh database with a
:class:`~ceres_core.clock.FixedClock`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ceres_core.clock import Clock, SystemClock, clock_from_env
from ceres_core.db import make_engine, make_session_factory, transaction
from ceres_core.directory import CompanyDirectory, OfflineDirectory
from ceres_core.settings import Rules


@dataclass
class Core:
    engine: Engine
    clock: Clock = field(default_factory=SystemClock)
    directory: CompanyDirectory = field(default_factory=OfflineDirectory)
    rules: Rules = field(default_factory=Rules)

    def __post_init__(self) -> None:
        self.session_factory: sessionmaker[Session] = make_session_factory(self.engine)

    @classmethod
    def from_url(cls, url: str | None = None, clock: Clock | None = None, **kwargs) -> Core:
        """A process's core; its clock is the system's unless a test fixed it
        (:func:`ceres_core.clock.clock_from_env`)."""
        return cls(engine=make_engine(url), clock=clock or clock_from_env(), **kwargs)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error."""
        with transaction(self.session_factory) as session:
            yield session
