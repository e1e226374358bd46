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


def test_piped_output_closed_early_is_not_a_traceback():
    """``ceres-assist ask - | head``: no BrokenPipeError traceback, status 141 (SIGPIPE)."""
    import subprocess
    import sys

    code = "import sys; from bot.cli import main; sys.exit(main(['ask', '-']))"
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdin.write(b"comment demander un duplicata ?\n" * 300)
    proc.stdin.close()
    proc.stdout.read(100)
    proc.stdout.close()  # the reader goes away, as ``head`` does
    err = proc.stderr.read().decode() if proc.stderr else ""
    assert proc.wait(timeout=60) == 141
    assert "Traceback" not in err and "BrokenPipeError" not in err


def test_ask_prints_plain_text_without_markdown():
    from bot.cli.ask import _matcher, render_text
    from knowledge.matcher import MatchResult

    matcher = _matcher()
    article = matcher.article("convocations")
    assert article is not None and "**" in article.answer + article.steps + article.help
    out = render_text(MatchResult("convocations", article.title, 0.9, [], False), article)
    assert "**" not in out and "<b>" not in out and "&" not in out


def test_dte_timeline_accepts_a_french_date(capsys):
    assert main(["dte-timeline", "--kind", "TP", "--start", "15/03/2027", "--today", "2026-11-22"]) == 0
    french = capsys.readouterr().out
    assert main(["dte-timeline", "--kind", "TP", "--start", "2027-03-15", "--today", "2026-11-22"]) == 0
    assert capsys.readouterr().out == french and "2027" in french


class RecordingRecorder:
    """A fake of ask's recorder: keeps what it was asked to record."""

    def __init__(self) -> None:
        self.recorded: list[str] = []

    def record(self, question: str) -> None:
        self.recorded.append(question)


def test_ask_records_unanswered_questions_but_not_small_talk():
    from bot.cli.ask import answer_all
    from knowledge.matcher import default_matcher

    recorder = RecordingRecorder()
    questions = ["bonjour", "merci beaucoup", "mon imprimante du bureau est en panne",
                 "comment demander un duplicata de diplôme ?"]
    results = dict(answer_all(questions, default_matcher(), recorder))  # type: ignore[arg-type]
    assert results["bonjour"].smalltalk is not None
    assert results["comment demander un duplicata de diplôme ?"].topic == "duplicata"
    assert recorder.recorded == ["mon imprimante du bureau est en panne"]
