"""Answers from live data (bot.live_answers) on the demo data (ceres_core.demo), for a
centre, a UD and a DREETS account (clock: 22/11/2026)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.live_answers import live_answer
from ceres_core.settings import Rules
from knowledge.conversation import Conversation

TP_APRIL = "TITRE_B_2027_470401"  # TP in preparation, Paris 11e, 01/04/2027, DTE not ordered
TP_VALIDATED = "TITRE_B_2026_470405"  # TP validated, Paris 11e: 3/5 sent for printing
CCS_VALIDATED = "CCS_B_2026_470419"  # CCS validated, Paris 11e: nothing sent
BZH_VALIDATED = "TITRE_B_2026_470423"  # validated in Rennes: nothing sent
BZH_SOON = "TITRE_B_2027_470424"  # TP in Rennes, 01/01/2027, DTE prepared
MARTIN, NGUYEN, DUPONT = "C260000001", "C260000002", "C260000006"


@pytest.fixture(scope="module")
def matcher():
    from knowledge.matcher import default_matcher

    return default_matcher(Rules())


@pytest.fixture
def svc(core, matcher):
    from ceres_core.demo import load_demo

    load_demo(core)
    return SimpleNamespace(core=core, matcher=matcher)


def ask(svc, login: str, text: str, role: str | None = None):
    understood = Conversation(svc.matcher).understand(text, None, role)
    return live_answer(svc, login, understood, text, svc.core.clock.now())


# -- a centre -------------------------------------------------------------------------------


def test_centre_dte_deadline_of_the_session_named_by_date_and_kind(svc):
    answer = ask(svc, "centre.formapro", "quand dois-je commander le DTE de ma session TP du 1er avril ?")
    assert answer is not None and answer.subjects == (TP_APRIL,)
    # R-DTE-1: computed by the core (3 months + 1 day before the 01/04/2027 start).
    assert "date limite le jeudi 31 décembre 2026" in answer.text
    assert "Il reste 39 jours" in answer.text
    assert answer.action == ("commander_dte", {"session": TP_APRIL})
    assert answer.article_id == "delai-dte"


def test_centre_no_session_on_that_date_lists_the_next_ones(svc):
    answer = ask(svc, "centre.formapro", "quand dois-je commander le DTE de ma session du 15 mars ?")
    assert answer is not None and answer.action is None
    assert answer.text.startswith("Je ne trouve aucune session à venir du 15 mars")
    assert TP_APRIL in answer.text and "DTE à commander au plus tard le 31 décembre 2026" in answer.text
    assert BZH_SOON not in answer.text  # another centre's session (R-ACT-2)


def test_centre_several_sessions_on_a_date_are_listed(svc):
    answer = ask(svc, "centre.formapro", "quand commander le DTE de ma session du 1er avril ?")
    assert answer is not None and answer.action is None
    assert answer.text.startswith("Plusieurs de vos sessions à venir correspondent (3)")
    assert "Précisez la date, le lieu ou la référence" in answer.text


def test_a_general_question_gets_the_article(svc):
    assert ask(svc, "centre.formapro", "comment commander le DTE ?") is None


def test_centre_reads_a_candidate_but_cannot_request_the_duplicate(svc):
    answer = ask(svc, "centre.formapro", "où en est le duplicata de Julie Martin ?")
    assert answer is not None and answer.subjects == (MARTIN,)
    assert f"Session {TP_VALIDATED}" in answer.text
    assert "initiale transmise le 12/11/2026" in answer.text
    assert "Un duplicata peut être demandé dès maintenant (R-PRT-6)" in answer.text
    assert answer.action is None  # R-PRT-6: the UD requests duplicates
    assert answer.article_id == "duplicata"


def test_centre_print_tracking_is_not_a_centre_list(svc):
    assert ask(svc, "centre.formapro", "impressions à faire dans mon département") is None


# -- a UD --------------------------------------------------------------------------------------


def test_ud_print_tracking_lists_its_zone(svc):
    answer = ask(svc, "ud75", "impressions à faire dans mon département", "ud")
    assert answer is not None and answer.article_id == "suivi-impressions"
    assert "Impressions à demander – département 75" in answer.text
    assert "1 session validée sans aucune demande d'impression" in answer.text
    assert "1 session validée avec une partie seulement" in answer.text
    assert set(answer.subjects) == {TP_VALIDATED, CCS_VALIDATED}
    assert f"{TP_VALIDATED}</b>" in answer.text and "3/5 envoyés, 2 à envoyer" in answer.text
    assert BZH_VALIDATED not in answer.text  # R-PRT-8: its zone only
    assert answer.action == ("traiter_impressions", {"session": answer.subjects[0]})


def test_ud_duplicate_of_a_named_candidate_with_its_action(svc):
    answer = ask(svc, "ud75", "où en est le duplicata de Julie Martin ?", "ud")
    assert answer is not None
    assert answer.action == ("demander_duplicata", {"session": TP_VALIDATED, "candidate": MARTIN})


def test_ud_duplicate_not_yet_possible_gives_the_date(svc):
    answer = ask(svc, "ud75", f"duplicata pour {NGUYEN} ?", "ud")
    assert answer is not None and answer.subjects == (NGUYEN,)
    # R-PRT-6: initial request on 19/11/2026 + 7 days.
    assert "Un duplicata pourra être demandé à partir du <b>jeudi 26 novembre 2026</b>" in answer.text
    assert answer.action is None


def test_ud_pnd_shows_the_returned_mail_and_offers_the_new_address(svc):
    answer = ask(svc, "ud75", f"le pli de la candidate {DUPONT} est revenu", "ud")
    assert answer is not None and answer.article_id == "pnd"
    assert "Pli non distribuable signalé le 14 novembre 2026" in answer.text
    assert "duplicata" not in answer.text.lower()  # R-AFT-2: no duplicate for a PND
    assert answer.action == ("enregistrer_pnd", {"session": TP_VALIDATED, "candidate": DUPONT})


def test_ud_attestation_for_an_admitted_candidate(svc):
    answer = ask(svc, "ud75", "attestation de réussite pour Julie Martin", "ud")
    assert answer is not None and answer.article_id == "attestation-reussite"
    assert "Une attestation de réussite peut être téléchargée (R-PRT-5)" in answer.text
    assert answer.action == ("telecharger_attestation",
                             {"session": TP_VALIDATED, "candidate": MARTIN})


def test_the_question_kept_for_a_follow_up_has_no_name(svc):
    answer = ask(svc, "ud75", "où en est le duplicata de Julie Martin ?", "ud")
    assert answer is not None and "Martin" not in answer.question
    assert "duplicata" in answer.question


def test_ud_sessions_waiting_for_validation(svc):
    answer = ask(svc, "ud75", "mes sessions en attente de validation", "ud")
    assert answer is not None
    assert answer.text.startswith("⏳ <b>Sessions en attente de validation (2)</b>")
    assert set(answer.subjects) == {"TITRE_B_2026_470404", "CCS_B_2026_470418"}
    assert answer.action == ("valider_sessions", {})


# -- a DREETS ----------------------------------------------------------------------------------


def test_dreets_print_tracking_of_its_region(svc):
    answer = ask(svc, "dreets.bretagne", "quelles sessions reste-t-il à imprimer ?", "dreets")
    assert answer is not None
    assert "région Bretagne" in answer.text and answer.subjects == (BZH_VALIDATED,)


def test_dreets_dte_delivery_of_the_session_named_by_place(svc):
    answer = ask(svc, "dreets.bretagne", "quand arrive le DTE de ma session de Rennes ?", "dreets")
    assert answer is not None and answer.subjects == (BZH_SOON,)
    assert "Le DTE de cette session est déjà commandé" in answer.text
    # R-DTE-4: shipped 5 to 6 weeks before the 01/01/2027 start.
    assert "entre le vendredi 20 novembre 2026 et le vendredi 27 novembre 2026" in answer.text
    assert answer.action == ("calendrier_dte", {"session": BZH_SOON})


def test_dreets_convocations_of_the_session_named_by_place(svc):
    answer = ask(svc, "dreets.bretagne", "quand envoyer les convocations de la session de Rennes ?")
    assert answer is not None
    # R-CON-2: 1 month before a TP session.
    assert "au plus tard le <b>mardi 1er décembre 2026</b> (1 mois avant" in answer.text
    assert "Elles n'ont pas encore été éditées" in answer.text


def test_dreets_does_not_see_a_candidate_of_another_region(svc):
    answer = ask(svc, "dreets.bretagne", "où en est le duplicata de Julie Martin ?")
    assert answer is not None and answer.subjects == ()
    assert answer.text.startswith("Je ne trouve pas de candidat « Julie Martin » dans votre périmètre")


def test_a_loose_word_taken_for_a_name_leaves_the_article(svc):
    assert ask(svc, "ud75", "comment demander un duplicata pour un candidat de Lyon ?", "ud") is None


def test_unknown_place_says_so(svc):
    answer = ask(svc, "dreets.bretagne", "quand envoyer les convocations de la session de Lyon ?")
    assert answer is not None and answer.text.startswith("Je ne trouve aucune session à venir « Lyon »")


def test_unknown_account_gets_the_article(svc):
    assert ask(svc, "personne", "impressions à faire dans mon département") is None


def test_dates_follow_the_injected_clock(svc):
    from datetime import datetime

    from ceres_core.clock import PARIS

    svc.core.clock.set(datetime(2027, 1, 2, 10, 0, tzinfo=PARIS))
    answer = ask(svc, "centre.formapro", "quand commander le DTE de ma session TP du 1er avril ?")
    assert answer is not None and "Il est trop tard pour commander le DTE" in answer.text
    assert answer.action == ("calendrier_dte", {"session": TP_APRIL})
