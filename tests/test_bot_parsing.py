"""Values typed in the chat: French dates, départements, SIRET."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.parsing import MONTHS, ParseError, parse_date, parse_departement, parse_input, parse_siret
from ceres_core.dte_timeline import FRENCH_MONTHS

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    "text",
    ["15/03/2027", "15-03-2027", "15.03.2027", "15/03/27", "15 mars 2027", "15 Mars 2027",
     "lundi 15 mars 2027", "2027-03-15", " 15  mars  2027 ", "15 MARS 2027"],
)
def test_dates_as_people_type_them(text):
    assert parse_date(text, TODAY) == date(2027, 3, 15)


def test_first_of_the_month_and_abbreviations():
    assert parse_date("1er avril 2027", TODAY) == date(2027, 4, 1)
    assert parse_date("1 er avril 2027", TODAY) == date(2027, 4, 1)
    assert parse_date("3 févr. 2027", TODAY) == date(2027, 2, 3)
    assert parse_date("3 fevrier 2027", TODAY) == date(2027, 2, 3)
    assert parse_date("20 août 2027", TODAY) == date(2027, 8, 20)


def test_without_year_is_the_next_such_day():
    assert parse_date("15 mars", TODAY) == date(2027, 3, 15)
    assert parse_date("25 novembre", TODAY) == date(2026, 11, 25)
    assert parse_date("22/11", TODAY) == date(2026, 11, 22)


@pytest.mark.parametrize("text", ["", "demain", "31/02/2027", "15 mors 2027", "15/13/2027", "2027-02-30"])
def test_bad_dates_are_explained_in_french(text):
    with pytest.raises(ParseError) as err:
        parse_date(text, TODAY)
    assert "Écrivez par exemple" in err.value.message or "Indiquez" in err.value.message


@given(st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)))
def test_every_date_round_trips_in_each_format(d):
    french = f"{'1er' if d.day == 1 else d.day} {FRENCH_MONTHS[d.month - 1]} {d.year}"
    for text in (d.strftime("%d/%m/%Y"), d.isoformat(), french):
        assert parse_date(text, TODAY) == d
    assert all(1 <= m <= 12 for m in MONTHS.values())


@pytest.mark.parametrize(
    ("text", "code"),
    [("974", "974"), ("2a", "2A"), ("2B", "2B"), ("5", "05"), ("05", "05"), ("Lyon 69", "69"),
     ("Rhône (69)", "69"), ("La Réunion", "974"), ("réunion", "974"), ("Paris", "75")],
)
def test_departements(text, code):
    assert parse_departement(text) == code


@pytest.mark.parametrize("text", ["", "20", "99", "Atlantide", "69 et 75"])
def test_bad_departements(text):
    with pytest.raises(ParseError):
        parse_departement(text)


def test_siret_with_spaces_and_dots():
    assert parse_siret("389 394 560 00020") == "38939456000020"
    assert parse_siret("389.394.560.00020") == "38939456000020"
    assert parse_siret("389\u00a0394\u00a0560\u00a000020") == "38939456000020"
    with pytest.raises(ParseError, match="13 chiffres"):
        parse_siret("3893945600002")
    with pytest.raises(ParseError, match="que des chiffres"):
        parse_siret("38939456000A20")


def test_parse_input_by_kind():
    assert parse_input("date", "15 mars 2027", TODAY) == "2027-03-15"
    assert parse_input("departement", "974") == "974"
    assert parse_input("text", "  TITRE_B_2023   470415 ") == "TITRE_B_2023 470415"
