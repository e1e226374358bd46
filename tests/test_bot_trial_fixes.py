"""Unit tests for fixes from the new-user trial: typed references, check questions,
transcript redaction, role of the linked user for leaf operations."""

from __future__ import annotations

import pytest

from bot import catalogue
from bot import operation_views as ops
from bot.handlers.procedures import check_question_text
from bot.transcript import redact


@pytest.mark.parametrize("typed", ["titre b 2026 470405", "TITRE-B-2026-470405",
                                   " titre_b_2026_470405 ", "Titre B  2026 - 470405"])
def test_session_refs_are_normalised(typed):
    assert ops.normalise_session_ref(typed) == "TITRE_B_2026_470405"
    assert catalogue.SESSION.parse(typed) == "TITRE_B_2026_470405"


def test_site_codes_and_candidate_ids_are_normalised():
    assert ops.normalise_site_code("s-930002") == "S-930002"
    assert ops.normalise_site_code(" S 930002 ") == "S-930002"
    assert ops.normalise_site_code("Institut des métiers du paysage – Montreuil") is None
    assert ops.normalise_candidate_id(" c260000001 ") == "C260000001"
    assert ops.normalise_candidate_id("2122560") == "2122560"
    assert ops.normalise_candidate_id("martin julie") is None


def test_a_check_asked_to_the_user_says_its_question_once_and_announces_no_check():
    question = "La session a-t-elle eu lieu dans un DROM-COM ?"
    assert check_question_text(question, question) == question
    text = ("Seule la DREETS compétente peut le transférer. Je vérifie que c'est bien "
            "votre cas.")
    asked = check_question_text(text, "Êtes-vous la DREETS compétente ?")
    assert "Je vérifie" not in asked
    assert asked == "Seule la DREETS compétente peut le transférer.\n\nÊtes-vous la DREETS compétente ?"


def test_link_codes_are_redacted_from_the_transcript():
    assert redact("/start 57PVCSPPXX") == "/start (code de liaison masqué)"
    assert redact("/start@CeresBot 57PV CSPP XX") == "/start@CeresBot (code de liaison masqué)"
    assert redact("/start") == "/start"
    assert redact("Comment demander un duplicata ?") == "Comment demander un duplicata ?"


def test_leaf_operation_not_for_a_centre_profile(core):
    from bot.handlers.procedures import _not_for_profile
    from bot.runtime import Services
    from ceres_core.demo import load_demo

    load_demo(core)
    svc = Services(core, None, None)  # type: ignore[arg-type]
    why = _not_for_profile(svc, "centre.formapro", "request_duplicate")
    assert why is not None and why.startswith("Votre profil ne permet pas de demander un duplicata")
    assert "l'UD/DDETS du département de la session s'en charge" in why
    assert _not_for_profile(svc, "ud75", "request_duplicate") is None
    assert _not_for_profile(svc, None, "request_duplicate") is None  # not linked: told at the button
    assert _not_for_profile(svc, "centre.formapro", "dte_timeline") is None


def test_plural_agrees_with_the_count():
    from bot.formatting import plural

    assert plural(1, "agrément") == "1 agrément"
    assert plural(0, "session") == "0 session"
    assert plural(2, "session") == "2 sessions"
    assert plural(3, "demande refusée") == "3 demandes refusées"
    assert plural(2, "duplicata", "duplicatas") == "2 duplicatas"
    assert plural(2, "envoi groupé") == "2 envois groupés"


def test_button_labels_are_cut_at_a_word_boundary():
    from bot.formatting import truncate

    label = "📎 Modifier une session validée avant la date d'ouverture des épreuves"
    cut = truncate(label, 60)
    assert len(cut) <= 60 and cut.endswith("…")
    assert cut == "📎 Modifier une session validée avant la date d'ouverture…"
    assert truncate("Anticonstitutionnellement" * 3, 20) == "Anticonstitutionnel…"  # no space: hard cut
    assert truncate("court", 60) == "court"


def test_dates_typed_with_le_and_without_a_year():
    from datetime import date

    from bot.parsing import parse_date

    today = date(2026, 11, 22)
    assert parse_date("le 3 avril", today) == date(2027, 4, 3)  # the next 3 April
    assert parse_date("Le lundi 5 avril 2027", today) == date(2027, 4, 5)
    assert parse_date("le 15/03/2027", today) == date(2027, 3, 15)


def test_dte_timeline_warns_when_the_session_starts_on_a_day_off(core):
    html = ops.timeline_html(core, {"kind": "TP", "session_start": "2027-05-01", "departement": "69"})
    assert html.startswith("⚠️ Le 01/05/2027 est un jour férié (")
    html = ops.timeline_html(core, {"kind": "TP", "session_start": "2027-03-13", "departement": "69"})
    assert html.startswith("⚠️ Le 13/03/2027 est un samedi, jour non ouvré")
    html = ops.timeline_html(core, {"kind": "TP", "session_start": "2027-03-15", "departement": "69"})
    assert "⚠️" not in html
