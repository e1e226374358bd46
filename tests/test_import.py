"""ceres-assist import: validated whole, all or nothing, errors with the field's path."""

from __future__ import annotations

import copy
import json

import pytest
from sqlalchemy import func, select

from bot.cli import main
from ceres_core.importer import ImportErrors, import_referential
from ceres_core.models import Agrement, Centre, Site, Title, User

GOOD = {
    "format": "ceres-referentiel",
    "version": 1,
    "centres": [{"siret": "553 015 348 00012", "name": "Institut des métiers du paysage",
                 "postal_code": "93100", "commune": "Montreuil"}],
    "sites": [{"code": "S-930010", "centre_siret": "55301534800012", "name": "IMP Montreuil",
               "departement": "93"}],
    "titles": [{"code": "TP-00222", "label": "Technicien de maintenance industrielle",
                "version_date": "2019-06-01", "level": 4, "sector": "industrie",
                "ccps": [{"code": "CCP-00222-1", "label": "Maintenir les équipements"}]}],
    "agrements": [{"site": "S-930010", "title": "TP-00222", "granted_on": "2025-01-01",
                   "ends_on": "2029-12-31"}],
    "users": [{"login": "ud93", "display_name": "Agent UD 93",
               "profiles": [{"role": "ud", "departement": "93"}]},
              {"login": "imp", "display_name": "Accueil IMP",
               "profiles": [{"role": "centre", "centre_siret": "55301534800012"}]}],
}


def counts(core) -> tuple[int, ...]:
    with core.transaction() as db:
        return tuple(db.scalar(select(func.count()).select_from(m))
                     for m in (Centre, Site, Title, Agrement, User))


def test_import_good_file(core):
    report = import_referential(core, GOOD)
    assert report["centres"] == 1 and report["utilisateurs"] == 2
    assert counts(core) == (1, 1, 1, 1, 2)
    with core.transaction() as db:
        assert db.scalar(select(Centre.siret)) == "55301534800012"


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["centres"][0].update(siret="123"), "centres[0].siret : Le SIRET"),
        (lambda d: d["centres"][0].update(siret="55301534800013"), "clé de contrôle"),
        (lambda d: d["sites"][0].update(departement="99"), "sites[0].departement"),
        (lambda d: d["titles"][0].update(version_date="01/06/2019"),
         "titles[0].version_date : « 01/06/2019 » n'est pas une date au format AAAA-MM-JJ."),
        (lambda d: d["titles"][0].update(version_date="2019-02-30"), "n'est pas une date qui existe"),
        (lambda d: d["agrements"][0].update(ends_on="2020-01-01"), "agrements[0].ends_on"),
        (lambda d: d["users"][0]["profiles"][0].update(role="chef"), "users[0].profiles[0].role"),
        (lambda d: d["titles"][0]["ccps"][0].pop("label"), "titles[0].ccps[0].label"),
        (lambda d: d.update(sessions=[]), "sessions : section inconnue"),
    ],
)
def test_bad_file_changes_nothing(core, mutate, expected):
    data = copy.deepcopy(GOOD)
    mutate(data)
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert expected in err.value.message
    assert "aucune donnée n'a été modifiée" in err.value.message
    assert counts(core) == (0, 0, 0, 0, 0)


def test_conflict_with_database_rolls_back_everything(core):
    import_referential(core, GOOD)
    data = copy.deepcopy(GOOD)
    data["centres"] = [{"siret": "77500011000012", "name": "GRETA 92"}]
    data["sites"][0]["code"] = "S-NEW"
    data["titles"] = []
    data["agrements"] = []
    data["users"] = [{"login": "ud93", "display_name": "Doublon",
                      "profiles": [{"role": "admin"}]}]
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert "users[0].login : l'identifiant « ud93 » existe déjà." in err.value.message
    assert counts(core) == (1, 1, 1, 1, 2)  # the GRETA centre and S-NEW were not written


def test_cli_import_reports_errors_in_french(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ceres-referentiel", "version": 1, "centres": [{"siret": 5}]',
                   encoding="utf-8")
    assert main(["--database-url", db, "import", str(bad)]) == 1
    assert "n'est pas un JSON valide : ligne 1" in capsys.readouterr().err
    bad.write_text(json.dumps({"format": "ceres-referentiel", "version": 1,
                               "centres": [{"siret": "5", "name": "X"}]}), encoding="utf-8")
    assert main(["--database-url", db, "import", str(bad)]) == 1
    assert "centres[0].siret" in capsys.readouterr().err
    good = tmp_path / "good.json"
    good.write_text(json.dumps(GOOD), encoding="utf-8")
    assert main(["--database-url", db, "import", str(good)]) == 0
    assert "Import terminé" in capsys.readouterr().out
    assert main(["--database-url", db, "import", str(tmp_path / "absent.json")]) == 1
    assert "introuvable" in capsys.readouterr().err


def test_duplicate_agrement_in_the_file_is_reported_not_a_database_error(core):
    """Same site, title and grant date twice: a French error with its path, nothing written."""
    data = copy.deepcopy(GOOD)
    data["agrements"].append(dict(data["agrements"][0], ends_on="2030-12-31"))
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert ("agrements[1] : l'agrément du site « S-930010 » pour le titre « TP-00222 » "
            "octroyé le 01/01/2025 apparaît deux fois dans le fichier.") in err.value.message
    assert counts(core) == (0, 0, 0, 0, 0)


def test_agrement_already_in_the_database_is_reported(core):
    import_referential(core, GOOD)
    data = {"format": "ceres-referentiel", "version": 1,
            "agrements": [dict(GOOD["agrements"][0], ends_on="2031-12-31"),
                          dict(GOOD["agrements"][0], granted_on="2026-01-01")]}
    with pytest.raises(ImportErrors) as err:
        import_referential(core, data)
    assert ("agrements[0] : l'agrément du site « S-930010 » pour le titre « TP-00222 » "
            "octroyé le 01/01/2025 existe déjà.") in err.value.message
    assert "agrements[1]" not in err.value.message  # another grant date is a new agrément
    assert counts(core) == (1, 1, 1, 1, 2)
