"""R-SITE-2: SIRET checks (14 digits, Luhn, the centre de reprise never a target)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn

from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.siret import (
    compact_siret,
    format_siret,
    is_reprise_siret,
    is_valid_siret,
    normalize_siret,
    siret_problem,
)
from tests.factories import SIRET_A


def test_r_site_2_valid_siret_is_normalised_from_spaces_and_dots():
    assert normalize_siret("442 018 164 00016") == SIRET_A
    assert normalize_siret(" 442.018.164.00016 ") == SIRET_A
    assert normalize_siret("442\u00a0018\u202f164-00016") == SIRET_A
    assert compact_siret(None) == ""
    assert format_siret(SIRET_A) == "442 018 164 00016"


def test_r_site_2_wrong_length_refused_with_message():
    with pytest.raises(InvalidInput) as err:
        normalize_siret("1234")
    assert err.value.message == "Le SIRET « 1234 » doit comporter 14 chiffres."
    assert siret_problem("442018164000160") == (
        "Le SIRET « 442018164000160 » doit comporter 14 chiffres."
    )


def test_r_site_2_invalid_luhn_refused():
    with pytest.raises(RuleViolation) as err:
        normalize_siret("44201816400017", rule="R-SITE-2")
    assert err.value.rule == "R-SITE-2"
    assert err.value.message == (
        "Le SIRET « 44201816400017 » n'est pas valide (clé de contrôle incorrecte) (R-SITE-2)."
    )
    assert not is_valid_siret("44201816400017")


def test_r_site_2_letters_and_empty_refused():
    assert siret_problem("4420181640001A") == (
        "Le SIRET « 4420181640001A » ne doit contenir que des chiffres."
    )
    assert siret_problem("  ") == (
        "Le SIRET est vide : saisissez les 14 chiffres du SIRET du centre."
    )


@pytest.mark.parametrize("value", ["0000000000000", "00000000000000", "0000 0000 00000"])
def test_r_site_2_reprise_recognised_but_never_a_target(value):
    assert is_reprise_siret(value)
    assert not is_valid_siret(value)
    with pytest.raises(RuleViolation) as err:
        normalize_siret(value, rule="R-SITE-2")
    assert "centre de reprise" in err.value.message
    assert normalize_siret(value, allow_reprise=True) == "0000000000000"


def test_r_site_2_la_poste_exception_is_valid():
    # La Poste's SIRETs (SIREN 356000000) use the sum of digits, not Luhn.
    assert is_valid_siret("35600000000048")


@given(
    st.text(alphabet="0123456789", min_size=8, max_size=8),
    st.text(alphabet="0123456789", min_size=4, max_size=4),
)
def test_r_site_2_luhn_property(siren_body, nic_body):
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + nic_body
    good = body + luhn.calc_check_digit(body)
    if siren == "356000000" or set(good) == {"0"}:
        return
    assert is_valid_siret(good)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert not is_valid_siret(bad)
