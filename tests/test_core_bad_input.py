"""Malformed values reach the services as a French InvalidInput, never a raw Python error
(ceres_core.values: parse_text, parse_ref, parse_int, parse_date), and the checks of
scope come before the checks of input (R-ACT-2)."""

from __future__ import annotations

from datetime import date

import pytest

from ceres_core.errors import CeresError, InvalidInput, RuleViolation
from ceres_core.services.candidates import create_candidate, report_duplicate, search_candidates
from ceres_core.services.centres import register_centre
from ceres_core.services.juries import add_habilitation, add_juror_to_session
from ceres_core.services.sessions import create_session, list_sessions, load_session
from ceres_core.services.tracking import print_tracking_list
from ceres_core.values import parse_date, parse_int, parse_ref, parse_text
from tests.factories import SIRET_UNREGISTERED
from tests.test_candidates import new_candidate
from tests.test_juries import TP_SESSION, _juror


def _french(exc: CeresError) -> None:
    assert exc.message[:1].isupper() and exc.message.rstrip().endswith((".", ")"))


def test_values_helpers():
    assert parse_text("  a   b ", "le nom") == "a b"
    assert parse_text("", "le nom", required=False) is None
    assert parse_ref(" titre_a_2027_000001 ", "la référence") == "TITRE_A_2027_000001"
    assert parse_int("12", "Le nombre") == 12 and parse_int(3, "Le nombre", lo=1) == 3
    for bad in ("abc", "1.5", True, None, [1]):
        with pytest.raises(InvalidInput) as err:
            parse_int(bad, "Le nombre")
        assert "n'est pas un nombre entier" in err.value.message
    with pytest.raises(InvalidInput, match="entre 1 et 5"):
        parse_int(9, "Le nombre", lo=1, hi=5)
    for bad in (12, ["x"], {"a": 1}):
        with pytest.raises(InvalidInput, match="sous forme de texte"):
            parse_ref(bad, "la référence")
    with pytest.raises(InvalidInput, match="Indiquez la référence"):
        parse_ref("  ", "la référence")


def test_parse_date_unreadable_value_is_not_missing():
    with pytest.raises(InvalidInput) as err:
        parse_date(12345, "La date de naissance")
    assert "« 12345 » n'est pas une date lisible" in err.value.message
    with pytest.raises(InvalidInput, match="est manquante"):
        parse_date(None, "La date de naissance")
    with pytest.raises(InvalidInput, match="est manquante"):
        parse_date("  ", "La date de naissance")


@pytest.mark.parametrize(
    "call, expected",
    [
        (lambda c: search_candidates(c, "centre_a", "Dupont", limit="abc"), "nombre entier"),
        (lambda c: search_candidates(c, "centre_a", "Dupont", limit=0), "au moins 1"),
        (lambda c: search_candidates(c, "centre_a", 123), "sous forme de texte"),
        (lambda c: print_tracking_list(c, "ud75", "none", limit="x"), "nombre entier"),
        (lambda c: register_centre(c, "dreets_idf", SIRET_UNREGISTERED, site_code=5),
         "sous forme de texte"),
        (lambda c: create_candidate(c, "centre_a", civility="M.", last_name="Dupont",
                                    first_name="Jean", birth_date=12345,
                                    birth_commune="Paris", birth_postal_code="75012"),
         "n'est pas une date lisible"),
        (lambda c: report_duplicate(c, "centre_a", "ABC"), "liste des numéros CERES"),
        (lambda c: report_duplicate(c, "centre_a", ["11260000001F", 5]), "sous forme de texte"),
        (lambda c: list_sessions(c, "centre_a", limit="50"), "entre 1 et"),
    ],
)
def test_bad_values_are_french_invalid_input(core, world, call, expected):
    with pytest.raises(InvalidInput) as err:
        call(core)
    assert expected in err.value.message
    _french(err.value)


def test_print_tracking_list_accepts_typed_digits(core, world):
    assert print_tracking_list(core, "ud75", "none", limit="3").total == 0
    with pytest.raises(InvalidInput) as err:
        print_tracking_list(core, "ud75", "aucune")
    assert "« none »" not in err.value.message and "« partial »" not in err.value.message


def test_load_session_and_jury_identifiers(core, world):
    with core.transaction() as db, pytest.raises(InvalidInput, match="sous forme de texte"):
        load_session(db, 12)
    juror = _juror(core)
    with pytest.raises(InvalidInput, match="Indiquez la référence de la session"):
        add_juror_to_session(core, "centre_a", None, juror.id)
    with pytest.raises(InvalidInput, match="nombre entier"):
        add_juror_to_session(core, "centre_a", TP_SESSION, "abc")
    with pytest.raises(InvalidInput, match="Indiquez le code du titre"):
        add_habilitation(core, "dreets_idf", juror.id, None, starts_on="01/01/2027")


def test_r_act_2_admin_puts_a_juror_on_a_session_like_other_centre_operations(core, world):
    """add_juror_to_session takes CENTRE_ROLES (centre and admin), like the others."""
    juror = _juror(core)
    from tests.test_juries import _hab

    _hab(core, juror.id)
    view = add_juror_to_session(core, "admin", TP_SESSION.lower(), juror.id)
    assert view.session_ref == TP_SESSION


def test_report_duplicate_rejects_a_plain_string(core, world):
    a = new_candidate(core)
    with pytest.raises(InvalidInput):
        report_duplicate(core, "centre_a", a.ceres_id)  # not a list: never its characters


# -- R-ACT-2 before the input checks ---------------------------------------------------------


def test_r_act_2_create_session_checks_the_role_before_the_agrement(core, world):
    with pytest.raises(RuleViolation) as err:
        create_session(core, "afpa", 999_999, "TP", date(2027, 6, 1), "08:30", date(2027, 6, 2))
    assert err.value.rule == "R-ACT-2"  # not "L'agrément n° 999999 est introuvable"


@pytest.mark.parametrize("login", ["afpa", "support"])
def test_r_act_2_listings_check_the_actor_before_the_input(core, world, login):
    with pytest.raises(RuleViolation) as err:
        list_sessions(core, login, limit="abc")
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(CeresError) as err:
        print_tracking_list(core, login, "n'importe quoi", limit="x")
    assert err.value.rule == "R-ACT-2"


def test_unknown_actor_is_refused_before_the_input(core, world):
    with pytest.raises(CeresError) as err:
        list_sessions(core, "inconnu", limit=0)
    assert "inconnu" in err.value.message and "nombre de sessions" not in err.value.message
