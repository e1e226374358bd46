"""ceres-assist init --demo: idempotent, and the demo holds what the issue lists."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.cli import main
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.demo import load_demo
from ceres_core.models import (
    Candidate,
    Centre,
    ExamSession,
    Habilitation,
    HabilitationState,
    PndEvent,
    PrintRequest,
    Profile,
    Registration,
    Result,
    Role,
    SessionKind,
    SessionState,
    Site,
)
from ceres_core.names import name_alerts


def test_init_demo_twice(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["--database-url", url, "init", "--demo"]) == 0
    assert "Données de démonstration chargées" in capsys.readouterr().out
    assert main(["--database-url", url, "init", "--demo"]) == 0
    assert "déjà chargées" in capsys.readouterr().out


def test_demo_content(core):
    load_demo(core)
    with core.transaction() as db:
        states = set(db.execute(select(ExamSession.kind, ExamSession.state)).all())
        for kind in SessionKind:
            for state in SessionState:
                assert (kind, state) in states, (kind, state)
        reprise = db.scalar(select(Centre).where(Centre.is_reprise))
        assert db.scalar(select(func.count()).select_from(Site).where(
            Site.centre_id == reprise.id)) >= 1
        assert {"974", "75"} <= set(db.scalars(select(Site.departement_code)))
        results = set(db.scalars(select(Registration.result)))
        assert {Result.ADMIS, Result.PARTIELLEMENT_ADMIS, Result.REFUSE} <= results
        names = list(db.scalars(select(Candidate.last_name)))
        assert any(name_alerts(n) for n in names)
        keys = list(db.execute(select(Candidate.name_key, Candidate.birth_date)).all())
        assert len(keys) > len(set(keys))  # two records of one person
        ages = {(core.clock.now() - r.requested_at).days for r in db.scalars(select(PrintRequest))}
        assert {3, 10} <= ages
        assert db.scalar(select(func.count()).select_from(PndEvent)) >= 1
        hab_states = set(db.scalars(select(Habilitation.state)))
        assert hab_states == set(HabilitationState)
        roles = set(db.scalars(select(Profile.role)))
        assert roles == set(Role)


def test_demo_on_a_fresh_default_engine(tmp_path, clock):
    core = Core(engine=make_engine(f"sqlite:///{tmp_path / 'x.db'}"), clock=clock)
    from bot.cli.database import prepare_database

    prepare_database(core)
    assert not load_demo(core).already_loaded
    assert load_demo(core).already_loaded
