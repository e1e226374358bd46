"""French départements and regions (plain data) used by R-ACT-2 scopes and R-DTE-6."""

from __future__ import annotations

import pytest

from ceres_core import geography as geo
from ceres_core.errors import InvalidInput


def test_official_list_has_101_departements_and_18_regions() -> None:
    codes = [d.code for d in geo.departements()]
    assert len(codes) == len(set(codes)) == 101
    assert "20" not in codes and {"2A", "2B"} <= set(codes)
    assert {"971", "972", "973", "974", "976"} <= set(codes)
    assert "975" not in codes  # Saint-Pierre-et-Miquelon is a COM
    assert len(geo.regions()) == 18
    for d in geo.departements():
        assert d.region.code == d.region_code
    for r in geo.regions():
        assert r.departements, r


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1", "01"),
        ("01", "01"),
        (1, "01"),
        ("2a", "2A"),
        (" 2B", "2B"),
        ("974 ", "974"),
        ("69", "69"),
    ],
)
def test_departement_codes_are_normalised(typed: str | int, code: str) -> None:
    assert geo.departement(typed).code == code
    assert geo.normalize_departement_code(typed) == code


@pytest.mark.parametrize("typed", ["99", "975", "00", "abc", "2C", "9740", ""])
def test_unknown_departement_raises_a_french_message(typed: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        geo.departement(typed)
    assert "département" in exc.value.message.lower()
    assert exc.value.message.endswith(".")


def test_code_20_points_to_2a_and_2b() -> None:
    with pytest.raises(InvalidInput, match="2A.*2B"):
        geo.departement("20")


def test_names_and_regions_of_known_departements() -> None:
    assert geo.departement("57").name == "Moselle"
    assert geo.departement("57").region.name == "Grand Est"
    assert geo.departement("2B").region.name == "Corse"
    assert geo.departement("974").name == "La Réunion"
    assert geo.departement("29").region.code == "53"
    assert geo.region_of("13").name == "Provence-Alpes-Côte d'Azur"
    assert geo.departement("974").label == "974 – La Réunion"


def test_regional_services_r_site_6() -> None:
    assert geo.region("11").service_name == "DRIEETS Île-de-France"
    assert geo.region("53").service_name == "DREETS Bretagne"
    assert geo.region("4").service_name == "DEETS La Réunion"
    assert geo.region("04").former_service == "DIECCTE"
    assert geo.region("84").former_service == "DIRECCTE"
    assert geo.region("94").service == "DREETS"
    assert geo.region("06").is_overseas and not geo.region("11").is_overseas
    assert geo.region("11").service_full_name.startswith(
        "Direction régionale et interdépartementale"
    )
    with pytest.raises(InvalidInput, match="région"):
        geo.region("99")


def test_departmental_services_r_act_1() -> None:
    assert geo.departement("75").departmental_service == "UD"
    assert (
        geo.departement("93").departmental_service_name
        == "UD de la DRIEETS (93 – Seine-Saint-Denis)"
    )
    assert geo.departement("77").departmental_service == "DDETS"
    assert geo.departement("976").departmental_service == "DEETS"


def test_drom_and_alsace_moselle_zones_r_dte_6() -> None:
    assert [d.code for d in geo.departements() if d.is_drom] == ["971", "972", "973", "974", "976"]
    assert geo.is_drom("974") and not geo.is_drom("75")
    assert all(geo.is_alsace_moselle(c) for c in ("57", "67", "68"))
    assert not geo.is_alsace_moselle("54")
    assert geo.holiday_zone("67") == geo.ALSACE_MOSELLE
    assert geo.holiday_zone("972") == "972"
    assert geo.holiday_zone("75") is None
    with pytest.raises(InvalidInput):
        geo.is_drom("975")


def test_departements_of_region() -> None:
    assert [d.code for d in geo.departements_of_region("94")] == ["2A", "2B"]
    assert len(geo.departements_of_region("11")) == 8
    assert [d.code for d in geo.departements_of_region("4")] == ["974"]
