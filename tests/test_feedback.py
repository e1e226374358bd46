"""Learning from use: recording unanswered and unhelpful questions."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from ceres_core.clock import FixedClock
from ceres_core.core import Core
from ceres_core.db import make_engine
from ceres_core.errors import InvalidInput
from ceres_core.models.base import Base
from knowledge.feedback import (
    EMAIL_PLACEHOLDER,
    normalised_key,
    record_unanswered,
    record_unhelpful,
    scrub,
    top_unanswered,
)
from knowledge.models import UnansweredQuestion


def test_record_counts_by_normalised_text(core: Core, clock: FixedClock) -> None:
    first_time = clock.now()
    record_unanswered(core, "Où est la cantine ?")
    clock.advance(hours=2)
    stat = record_unanswered(core, "ou est la CANTINE")
    assert stat is not None
    assert stat.count == 2
    assert stat.normalised == "ou est la cantine"
    assert stat.example == "ou est la CANTINE"  # the last raw example
    assert stat.first_seen == first_time
    assert stat.last_seen == clock.now()
    assert stat.reason == "none" and stat.topic is None
    with core.transaction() as session:
        assert len(session.scalars(select(UnansweredQuestion)).all()) == 1


def test_blank_question_is_not_recorded(core: Core) -> None:
    assert record_unanswered(core, "  ?! ") is None
    assert top_unanswered(core) == []


def test_unique_per_reason_and_topic_kept(core: Core) -> None:
    record_unanswered(core, "bouton grisé")
    stat = record_unhelpful(core, "bouton grisé", "navigateur")
    assert stat is not None and stat.count == 1 and stat.topic == "navigateur"
    stat = record_unhelpful(core, "Bouton grisé !", "duplicata")
    assert stat is not None and stat.count == 2 and stat.topic == "duplicata"
    reasons = sorted(s.reason for s in top_unanswered(core))
    assert reasons == ["none", "unhelpful"]
    assert [s.reason for s in top_unanswered(core, reason="unhelpful")] == ["unhelpful"]


def test_unhelpful_needs_a_topic(core: Core) -> None:
    with pytest.raises(InvalidInput):
        record_unhelpful(core, "question", "")


def test_personal_data_is_removed(core: Core) -> None:
    stat = record_unanswered(
        core, "Rappelez-moi au 06 12 34 56 78 ou jean.dupont@example.fr, merci"
    )
    assert stat is not None
    assert "06" not in stat.example and "dupont" not in stat.example
    assert "dupont" not in stat.normalised and "78" not in stat.normalised
    assert "[téléphone]" in stat.example and "[e-mail]" in stat.example


@pytest.mark.parametrize(
    "phone", ["01 46 29 25 54", "0146292554", "06.12.34.56.78", "+33 6 12 34 56 78", "+33612345678"]
)
def test_scrub_phone_formats(phone: str) -> None:
    assert scrub(f"tel {phone} svp") == "tel [téléphone] svp"


def test_scrub_keeps_useful_numbers() -> None:
    text = "session TITRE_B_2023_470415, SIRET 0000000000000, le 20/05/2019, 7 jours"
    assert scrub(text) == text


def test_top_unanswered_order_and_limit(core: Core, clock: FixedClock) -> None:
    for _ in range(3):
        record_unanswered(core, "question fréquente")
    record_unanswered(core, "question ancienne")
    clock.advance(days=1)
    record_unanswered(core, "question récente")
    top = top_unanswered(core, limit=2)
    assert [(s.example, s.count) for s in top] == [
        ("question fréquente", 3),
        ("question récente", 1),
    ]
    with pytest.raises(InvalidInput):
        top_unanswered(core, limit=0)
    with pytest.raises(InvalidInput):
        top_unanswered(core, reason="autre")


# -- CLI: ``ask`` records, ``kb unanswered`` lists --------------------------------------


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'kb.db'}"
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()
    return url


def test_cli_ask_records_none_answers(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(2):
        assert main(["--database-url", db_url, "ask", "--json", "où est la cantine ?"]) == 0
    assert main(["--database-url", db_url, "ask", "--json", "comment demander un duplicata"]) == 0
    capsys.readouterr()
    assert main(["--database-url", db_url, "kb", "unanswered", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["question"], r["count"], r["reason"]) for r in rows] == [
        ("où est la cantine ?", 2, "none")
    ]
    assert main(["--database-url", db_url, "kb", "unanswered", "--limit", "5"]) == 0
    out = capsys.readouterr().out
    assert "où est la cantine ?" in out and "nombre" in out


def test_cli_ask_without_table_still_answers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"  # no table: ``ceres-assist init`` not run
    assert main(["--database-url", url, "ask", "--json", "où est la cantine ?"]) == 0
    assert json.loads(capsys.readouterr().out)["topic"] == "none"
    assert main(["--database-url", url, "kb", "unanswered"]) == 1
    assert "ceres-assist init" in capsys.readouterr().err


def test_cli_kb_unanswered_empty(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--database-url", db_url, "kb", "unanswered"]) == 0
    assert "Aucune question" in capsys.readouterr().out


# Runs of the characters an e-mail or a phone number is made of, without a complete
# one: the worst case of a backtracking search (issue 12, item 6).
@pytest.mark.parametrize("unit", ["a", "a.", "1", "é", "a-", "+3", "0 ", "a@", "a@b-", "06 12 34 "])
def test_scrub_is_linear_on_200000_characters(unit: str) -> None:
    text = (unit * (200_000 // len(unit) + 1))[:200_000]
    started = time.perf_counter()
    scrub(text)
    normalised_key(text)
    # ~0.1 s here; the quadratic version took ~100 s on the first cases.
    assert time.perf_counter() - started < 2.0


def test_scrub_finds_addresses_after_long_runs() -> None:
    text = "x" * 50_000 + " jean.dupont@travail.gouv.fr " + "y." * 20_000
    assert scrub(text).count(EMAIL_PLACEHOLDER) == 1
    assert scrub("écrire à a.b+c@d-e.fr, merci") == "écrire à [e-mail], merci"
