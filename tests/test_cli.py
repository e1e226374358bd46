"""The ceres-assist command: every listed module registers, argparse speaks French."""

from __future__ import annotations

import importlib

import pytest

from bot.cli import COMMAND_MODULES, build_parser, main


def test_every_command_module_exists_and_registers():
    for name in COMMAND_MODULES:
        assert hasattr(importlib.import_module(f"bot.cli.{name}"), "register"), name
    build_parser()


def test_argparse_errors_are_in_french(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["init", "--inconnu"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert "utilisation : ceres-assist" in err
    assert "erreur : arguments non reconnus : --inconnu" in err
    with pytest.raises(SystemExit):
        main(["import"])
    assert "arguments obligatoires manquants : FICHIER.json" in capsys.readouterr().err


def test_help_is_in_french(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "affiche cette aide et quitte" in out
    assert "show this help" not in out


def test_no_command_prints_help(capsys):
    assert main([]) == 2
    assert "utilisation" in capsys.readouterr().out
