"""``ceres-assist staff …`` and ``ceres-assist tickets …`` (SQLite file, migrated schema)."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest

from bot.cli import main
from ceres_core.clock import PARIS, FixedClock
from ceres_core.core import Core
from tickets.services import Requester, RoutingInput, TicketContext, open_ticket

PASSWORD = "un-mot-de-passe-long"


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'cli.db'}"


def run(url, *argv, stdin: str | None = None, monkeypatch=None) -> int:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(["--database-url", url, *argv])


@pytest.fixture
def filled(url, monkeypatch, capsys):
    assert run(url, "staff", "add", "alice", "--queue", "gev-btp", "--queue", "gev-ccp",
               "--name", "Alice Martin", "--password-stdin", stdin=PASSWORD + "\n",
               monkeypatch=monkeypatch) == 0
    assert run(url, "staff", "add", "carol", "-q", "dreets-53", "--password-stdin",
               stdin=PASSWORD + "\n", monkeypatch=monkeypatch) == 0
    core = Core.from_url(url, clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)))
    opened = open_ticket(
        core, Requester(55, "Jeanne Centre"), "DTE non reçu",
        TicketContext(transcript=[{"from": "user", "text": "où est mon DTE ?"}],
                      session_ref="TITRE_B_2026_000001", topic="dte-non-recu"),
        RoutingInput(topic="dte-non-recu", sector="btp"),
    )
    capsys.readouterr()
    return opened


def test_staff_add_and_list(url, filled, capsys):
    assert run(url, "staff", "list") == 0
    out = capsys.readouterr().out
    assert "alice – Alice Martin : gev-btp, gev-ccp" in out
    assert "carol – carol : dreets-53" in out


def test_staff_link_chat(url, filled, capsys):
    assert run(url, "staff", "link-chat", "alice", "7001") == 0
    assert "lié à l'identifiant Telegram 7001" in capsys.readouterr().out
    assert run(url, "staff", "list") == 0
    assert "alice – Alice Martin : gev-btp, gev-ccp ; Telegram 7001" in capsys.readouterr().out
    assert run(url, "staff", "link-chat", "carol", "7001") == 1
    assert "déjà lié au compte support « alice »" in capsys.readouterr().err
    assert run(url, "staff", "link-chat", "carol", "pas-un-nombre") == 1
    assert "pas un identifiant Telegram" in capsys.readouterr().err
    assert run(url, "staff", "link-chat", "alice", "aucun") == 0
    assert "plus lié à Telegram" in capsys.readouterr().out


def test_staff_add_errors_in_french(url, monkeypatch, capsys):
    assert run(url, "staff", "add", "bob", "--queue", "gev-btp", "--password-stdin",
               stdin="court\n", monkeypatch=monkeypatch) == 1
    assert "au moins 12 caractères" in capsys.readouterr().err
    assert run(url, "staff", "add", "bob", "--queue", "nulle-part", "--password-stdin",
               stdin=PASSWORD + "\n", monkeypatch=monkeypatch) == 1
    assert "La file « nulle-part » n'existe pas" in capsys.readouterr().err
    # no password and no terminal
    assert run(url, "staff", "add", "bob", "--queue", "gev-btp", stdin="",
               monkeypatch=monkeypatch) == 1
    assert "--password-stdin" in capsys.readouterr().err


def test_staff_add_asks_the_password_interactively(url, monkeypatch, capsys):
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    monkeypatch.setattr("sys.stdin.isatty", lambda: True, raising=False)
    assert run(url, "staff", "add", "dora", "--queue", "assistance") == 0
    assert "Compte du support « dora » créé" in capsys.readouterr().out


def test_tickets_list_show_reply(url, filled, capsys):
    number = filled.number
    assert run(url, "tickets", "list") == 0
    out = capsys.readouterr().out
    assert number in out and "[nouveau]" in out and "gev-btp" in out

    assert run(url, "tickets", "list", "--status", "resolu") == 0
    assert "Aucun ticket." in capsys.readouterr().out
    assert run(url, "tickets", "list", "--status", "Nouveau", "--queue", "gev-btp", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data[0]["number"] == number and data[0]["status_label"] == "nouveau"

    assert run(url, "tickets", "list", "--staff", "carol") == 0
    assert "Aucun ticket." in capsys.readouterr().out

    assert run(url, "tickets", "reply", number, "--staff", "alice", "--text", "Nous vérifions.") == 0
    assert "Réponse enregistrée" in capsys.readouterr().out
    assert run(url, "tickets", "reply", number, "--staff", "carol", "--text", "Bonjour") == 1
    assert "ne faites pas partie" in capsys.readouterr().err

    assert run(url, "tickets", "list", "--status", "en cours") == 0
    assert "[en cours]" in capsys.readouterr().out

    assert run(url, "tickets", "show", number) == 0
    out = capsys.readouterr().out
    assert "Transmis au GEV BTP" in out
    assert "session TITRE_B_2026_000001" in out
    assert "Utilisateur : où est mon DTE ?" in out
    assert "Alice Martin : Nous vérifions." in out
    assert "Historique :" in out

    assert run(url, "tickets", "show", number, "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ticket"]["status"] == "en_cours"
    assert [m["text"] for m in data["messages"]][-1] == "Nous vérifions."
    assert data["events"][0]["action"] == "created"

    assert run(url, "tickets", "show", "T-2026-999999") == 1
    assert "introuvable" in capsys.readouterr().err
    assert run(url, "tickets", "list", "--status", "perdu") == 1
    assert "Statut inconnu" in capsys.readouterr().err
