"""The command line on bad input (issue 12, item 7): a French error, exit code 1, no
traceback; and what it wrongly accepted is refused."""

from __future__ import annotations

import copy
import json

import pytest

from bot.cli import main
from ceres_core.importer import ImportErrors, import_referential
from tests.test_import import GOOD, counts


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit code and what was printed (stderr, then stdout)."""
    code = main(list(argv))
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err + captured.out


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def test_import_of_deeply_nested_json(tmp_path, db, capsys) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, err = run(capsys, "--database-url", db, "import", str(deep))
    assert code == 1 and "imbriquées trop profondément" in err


def test_import_of_a_directory(tmp_path, db, capsys) -> None:
    code, err = run(capsys, "--database-url", db, "import", str(tmp_path))
    assert code == 1 and "est un dossier" in err


def test_import_of_a_file_with_a_utf8_bom(tmp_path, db, capsys) -> None:
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(GOOD, ensure_ascii=False).encode("utf-8"))
    code, out = run(capsys, "--database-url", db, "import", str(path))
    assert code == 0 and "Import terminé" in out


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--start", "0001-01-01"], "La date de début « 0001-01-01 » est hors de la période"),
        (["--start", "9999-12-31"], "années 1900 à 2200"),
        (["--start", "2027-03-15", "--ordered-at", "9999-12-31T23:59"],
         "La date de commande « 9999-12-31T23:59 » est hors de la période"),
        (["--start", "2027-03-15", "--today", "0001-01-01"], "La date du jour"),
    ],
)
@pytest.mark.parametrize("kind", ["TP", "CCP"])
def test_dte_timeline_dates_out_of_range(capsys, kind, argv, expected) -> None:
    code, err = run(capsys, "dte-timeline", "--kind", kind, *argv)
    assert code == 1 and expected in err


def test_dte_timeline_at_the_edges_of_the_range(capsys) -> None:
    for start in ("1900-01-01", "2200-12-31"):
        code, _ = run(capsys, "dte-timeline", "--kind", "CCP", "--start", start,
                      "--ordered-at", "2200-12-31T23:59", "--today", "1900-01-01")
        assert code == 0


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d.update(version=True), "version : la version 1 est attendue."),
        (lambda d: d.update(version=1.0), "version : la version 1 est attendue."),
        (lambda d: d["centres"][0].update(siret=55301534800012), "centres[0].siret : le SIRET doit être écrit entre guillemets"),
        (lambda d: d["sites"][0].update(centre_siret=55301534800012), "sites[0].centre_siret : le SIRET doit"),
        (lambda d: d["users"][1]["profiles"][0].update(centre_siret=55301534800012),
         "users[1].profiles[0].centre_siret : le SIRET doit"),
        (lambda d: d["users"].append({**d["users"][0], "login": "UD93"}),
         "users[2].login : L'identifiant « UD93 » apparaît deux fois dans le fichier."),
    ],
    ids=["version-true", "version-float", "siret-number", "site-siret-number",
         "profile-siret-number", "login-case"],
)
def test_import_refuses(core, mutate, expected) -> None:
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert expected in err.value.message
    assert counts(core) == (0, 0, 0, 0, 0)


def test_a_login_differing_only_in_case_from_an_existing_one_is_refused(core) -> None:
    import_referential(core, GOOD)
    data = {"format": "ceres-referentiel", "version": 1,
            "users": [{"login": "UD93", "display_name": "Doublon", "profiles": [{"role": "admin"}]}]}
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert "users[0].login : l'identifiant « UD93 » existe déjà." in err.value.message
    assert counts(core) == (1, 1, 1, 1, 2)


def test_a_missing_siret_is_still_reported_as_missing(core) -> None:
    data = copy.deepcopy(GOOD)
    data["centres"][0].pop("siret")
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert "centres[0].siret : Le SIRET est vide" in err.value.message
