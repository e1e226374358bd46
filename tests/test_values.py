"""Dates and times as people type them, parsed once for every service."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ceres_core.errors import InvalidInput
from ceres_core.values import parse_date, parse_time


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_date_formats_round_trip(d):
    for text in (f"{d:%d/%m/%Y}", d.isoformat(), f"{d:%d.%m.%Y}", f"{d.day}/{d.month}/{d.year}"):
        assert parse_date(text, "La date") == d


@pytest.mark.parametrize(
    "text, expected",
    [
        ("31/02/2027", "ce jour n'existe pas"),
        ("2027-13-01", "ce jour n'existe pas"),
        ("demain", "JJ/MM/AAAA (ou AAAA-MM-JJ)"),
        ("", "est manquante"),
    ],
)
def test_bad_dates_get_a_french_message(text, expected):
    with pytest.raises(InvalidInput) as err:
        parse_date(text, "La date de début")
    assert err.value.message.startswith("La date de début")
    assert expected in err.value.message


@pytest.mark.parametrize("text, expected", [("8h30", time(8, 30)), ("08:30", time(8, 30)),
                                            ("14 h", time(14, 0)), ("9H05", time(9, 5))])
def test_times(text, expected):
    assert parse_time(text, "L'heure") == expected


@pytest.mark.parametrize("text", ["25h", "8h75", "midi", ""])
def test_bad_times(text):
    with pytest.raises(InvalidInput):
        parse_time(text, "L'heure")


@pytest.mark.parametrize(
    "count, words, expected",
    [(0, ("candidat envoyé",), "0 candidat envoyé"), (1, ("session",), "1 session"),
     (2, ("agrément",), "2 agréments"), (3, ("PV individuel", "PV individuels"), "3 PV individuels"),
     (2, ("duplicata envoyé", "duplicatas envoyés"), "2 duplicatas envoyés"), (5, ("prix",), "5 prix")],
)
def test_plural_agrees_in_french(count, words, expected):
    from ceres_core.values import plural

    assert plural(count, *words) == expected
