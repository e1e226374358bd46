"""Name keys (R-CAN-1, R-CAN-5) and name character alerts (R-CAN-4)."""

from __future__ import annotations

import pytest

from ceres_core.names import compact_key, fold, name_alerts, name_key


@pytest.mark.parametrize(
    ("last", "first", "key"),
    [
        ("Dupont", "Jean", "DUPONT JEAN"),
        ("  dupont ", " jean ", "DUPONT JEAN"),
        ("Lefèvre", "Zoé", "LEFEVRE ZOE"),
        ("Le Goff-Kerjean", "Anne-Sophie", "LE GOFF KERJEAN ANNE SOPHIE"),
        ("d'Arçy", "Hélène", "D ARCY HELENE"),
        ("D\u2019ARCY", "HÉLÈNE", "D ARCY HELENE"),
        ("Cœurdevey", "Maëlle", "COEURDEVEY MAELLE"),
        ("Ba  --  Diallo", "Aïssatou", "BA DIALLO AISSATOU"),
        ("MARIACH1", "Colette", "MARIACH1 COLETTE"),
        ("Nguyễn", "Thị", "NGUYEN THI"),
    ],
)
def test_r_can_1_name_key_is_upper_accent_free_and_collapsed(last, first, key):
    assert name_key(last, first) == key


def test_r_can_5_name_key_equal_for_accent_and_hyphen_variants():
    assert name_key("Lefèvre-Dupont", "Jean-Pierre") == name_key("LEFEVRE DUPONT", "jean pierre")
    assert compact_key(name_key("Le Goff", "Anne")) == compact_key(name_key("Legoff", "Anne"))


def test_fold_handles_decomposed_accents_and_ligatures():
    assert fold("E\u0301lise") == "ELISE"  # E + combining acute
    assert fold("Œdipe") == "OEDIPE"
    assert fold("") == "" and fold(None) == ""


def test_r_can_4_digit_in_name_raises_an_alert():
    alerts = name_alerts("MARIACH1")
    assert alerts == [
        "Le nom « MARIACH1 » contient le chiffre « 1 » : un nom ne peut contenir que des "
        "lettres, des espaces, des traits d'union et des apostrophes."
    ]


@pytest.mark.parametrize(
    "value",
    ["Dupont", "Lefèvre", "Le Goff-Kerjean", "d'Arçy", "D\u2019ARCY", "Zoë", "Nguyễn",
     "E\u0301lise", "Jean\u00a0Marc", "Œdipe", ""],
)
def test_r_can_4_letters_spaces_hyphens_apostrophes_raise_no_alert(value):
    assert name_alerts(value) == []


def test_r_can_4_each_distinct_bad_character_gets_one_alert():
    alerts = name_alerts("Du.pont_2.", label="prénom")
    assert len(alerts) == 3
    assert alerts[0].startswith("Le prénom « Du.pont_2. » contient le point « . »")
    assert "le tiret bas « _ »" in alerts[1]
    assert "le chiffre « 2 »" in alerts[2]


def test_r_can_4_other_characters_are_named():
    assert "le caractère « @ »" in name_alerts("Dup@nt")[0]


@pytest.mark.parametrize(("civility", "word"), [("Mme", "née"), ("M.", "né"), ("", "né(e)")])
def test_r_can_5_duplicate_record_label_agrees_born_with_the_civility(civility, word):
    from datetime import date

    from ceres_core.names import born_word, is_female
    from ceres_core.services.candidates import CandidateSummary

    assert born_word(civility) == word
    assert is_female(civility) is (civility == "Mme")
    summary = CandidateSummary("C260000006", civility, "Dupont", "Marie-Hélène",
                               date(1985, 4, 12), "Paris (75012)", "validee", "validée", "11",
                               "Île-de-France")
    assert f", {word} le 12/04/1985 (CERES ID C260000006)" in summary.label


@pytest.mark.parametrize(("civility", "word"),
                         [("Mme", "présente"), ("M.", "présent"), ("", "présent(e)")])
def test_r_res_1_attendance_present_agrees_with_the_civility(civility, word):
    from ceres_core.models import Attendance
    from ceres_core.names import agreed
    from ceres_core.services.sessions import attendance_label

    assert agreed("présent", civility) == word
    assert attendance_label(Attendance.PRESENT, civility) == word
    # an absence is a noun: it does not agree
    assert attendance_label(Attendance.ABSENCE_JUSTIFIEE, civility) == "absence justifiée"


@pytest.mark.parametrize(("word", "expected"), [
    ("valider", "de valider"), ("inscrire", "d'inscrire"), ("habiliter", "d'habiliter"),
    ("éditer", "d'éditer"), ("Aïssatou", "d'Aïssatou"), ("Élodie", "d'Élodie"),
    ("Youssef", "de Youssef"), ("Julie", "de Julie"), ("", "de "),
])
def test_de_elides_before_a_vowel_or_a_mute_h_not_before_y(word, expected):
    from ceres_core.names import de

    assert de(word) == expected
