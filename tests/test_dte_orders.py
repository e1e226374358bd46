"""DTE orders: R-DTE-1 (timing), R-DTE-2 (fields), R-DTE-3 (acknowledgements),
R-DTE-7 (chase the GEV), R-DTE-8 (final-interview grid), R-SES-5 (GEV cancellation)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from ceres_core.clock import PARIS
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    Agrement,
    DteAcknowledgement,
    DteOrder,
    Role,
    SessionKind,
    SessionState,
    Title,
)
from ceres_core.services import dte
from ceres_core.services.sessions import cancel_session
from ceres_core.settings import Rules
from tests.test_sessions import (
    A1_TP,
    add_order,
    add_user,
    count,
    make_session,
    refusals,
    set_session,
)

GOOD = {
    "candidates_count": 8,
    "rs_kind": "titulaire",
    "rs_name": "Claire Martin",
    "contact_name": "Claire Martin",
    "contact_phone": "01 23 45 67 89",
    "contact_email": "examen@formapro.fr",
    "delivery_address": "12 rue de la Roquette, 75011 Paris",
}


def order(core, ref=A1_TP, actor="centre_a", **changes):
    return dte.order_dte(core, actor, ref, **{**GOOD, **changes})


@pytest.fixture
def gev(core, world):
    add_user(core, "gev", Role.GEV)
    return "gev"


# -- R-DTE-1 -------------------------------------------------------------------------------


def test_r_dte_1_order_placed_before_the_deadline(core, world):
    view = order(core, rs_name="", comment="  ")
    assert view.session_ref == A1_TP and view.candidates_count == 8
    assert view.rs_name == "Claire Martin"  # taken from the agrément
    assert view.rs_kind_label == "RS titulaire"
    assert view.order_deadline == date(2027, 2, 19) and not view.late
    assert view.comment is None and view.notes == ()
    assert view.gev_email == "epreuves-btp@afpa.fr"
    assert view.ordered_by == "Assistante Formapro"
    assert count(core, DteOrder) == 1


def test_r_dte_1_deadline_is_three_months_plus_one_day_before(core, world, clock):
    clock.set(datetime(2027, 2, 20, 9, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        order(core)
    message = err.value.message
    assert err.value.rule == "R-DTE-1"
    assert "au plus tard le 19/02/2027" in message and "session du 20/05/2027" in message
    assert count(core, DteOrder) == 0
    assert [e.rule for e in refusals(core, "dte.order")] == ["R-DTE-1"]
    clock.set(datetime(2027, 2, 19, 23, 0, tzinfo=PARIS))  # the last day
    assert order(core).late is False


def test_r_dte_1_late_order_accepted_with_a_warning_when_not_enforced(engine, clock, world):
    relaxed = Core(engine=engine, clock=clock, rules=Rules(delay_constraints="transition"))
    clock.set(datetime(2027, 4, 1, 9, 0, tzinfo=PARIS))
    view = order(relaxed)
    assert view.late
    assert "date limite du 19/02/2027" in view.notes[0]


def test_r_dte_1_refused_once_the_session_has_started(engine, clock, world):
    relaxed = Core(engine=engine, clock=clock, rules=Rules(delay_constraints="transition"))
    clock.set(datetime(2027, 5, 20, 7, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        order(relaxed)
    assert err.value.rule == "R-DTE-1" and "a commencé le 20/05/2027" in err.value.message


def test_r_dte_1_dte_edition_must_be_in_effect(core, world):
    with core.transaction() as db:
        db.get(Title, world.titles["ODP"]).dte_edition_from = date(2027, 1, 4)
    with pytest.raises(RuleViolation) as err:
        order(core)
    assert err.value.rule == "R-DTE-1" and "le 04/01/2027" in err.value.message
    with core.transaction() as db:
        db.get(Title, world.titles["ODP"]).dte_edition_from = None
    with pytest.raises(RuleViolation) as err:
        order(core)
    assert "millésime" in err.value.message


def test_r_dte_1_agrement_must_be_granted_at_the_order_date(core, world):
    with core.transaction() as db:
        agr = db.get(Agrement, world.agrements["A1-ODP"])
        agr.granted_on = date(2027, 1, 1)
    with pytest.raises(RuleViolation) as err:
        order(core)
    assert err.value.rule == "R-DTE-1" and "01/01/2027" in err.value.message


def test_r_dte_1_status_can_still_order_is_the_order_check(core, world, clock):
    """dte_status says "can still order" exactly when order_dte would accept the timing."""
    assert dte.dte_status(core, "centre_a", A1_TP).can_still_order
    with core.transaction() as db:
        db.get(Title, world.titles["ODP"]).dte_edition_from = date(2027, 1, 4)
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert not status.can_still_order
    assert "millésime" in status.advice[0] and "04/01/2027" in status.advice[0]
    with core.transaction() as db:
        db.get(Title, world.titles["ODP"]).dte_edition_from = date(2020, 1, 1)
        db.get(Agrement, world.agrements["A1-ODP"]).granted_on = date(2027, 1, 1)
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert not status.can_still_order and "01/01/2027" in status.advice[0]
    with core.transaction() as db:
        db.get(Agrement, world.agrements["A1-ODP"]).granted_on = date(2020, 1, 1)
    clock.set(datetime(2027, 2, 20, 9, 0, tzinfo=PARIS))  # the day after the deadline
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert not status.can_still_order and "trop tard" in status.advice[0]
    relaxed = Core(engine=core.engine, clock=clock, rules=Rules(delay_constraints="transition"))
    assert dte.dte_status(relaxed, "centre_a", A1_TP).can_still_order


def test_r_dte_1_no_order_for_a_cancelled_session(core, world):
    set_session(core, A1_TP, state=SessionState.ANNULEE)
    with pytest.raises(RuleViolation) as err:
        order(core)
    assert err.value.rule == "R-DTE-1" and "annulée" in err.value.message


# -- R-DTE-2 --------------------------------------------------------------------------------


def test_r_dte_2_every_field_is_required_but_the_comment(core, world):
    with pytest.raises(RuleViolation) as err:
        order(core, contact_phone="", contact_email=None, delivery_address=" ")
    assert err.value.rule == "R-DTE-2"
    assert err.value.message.endswith(
        "il manque : le téléphone du centre, l'adresse e-mail, l'adresse postale de "
        "livraison (R-DTE-2)."
    )
    with pytest.raises(RuleViolation) as err:
        order(core, candidates_count=None)
    assert "le nombre de candidats" in err.value.message
    with pytest.raises(RuleViolation):
        order(core, candidates_count=-1)
    assert count(core, DteOrder) == 0
    assert order(core, candidates_count="0").candidates_count == 0  # 0 is allowed (002)


@pytest.mark.parametrize(
    "email", ["examen.formapro.fr", "examen@", "examen@formapro", "ex amen@formapro.fr",
              "examen@@formapro.fr", ".examen@formapro.fr", "examen@formapro..fr"],
)
def test_r_dte_2_email_is_validated_and_nothing_is_written(core, world, email):
    with pytest.raises(RuleViolation) as err:
        order(core, contact_email=email)
    assert err.value.rule == "R-DTE-2" and "adresse e-mail" in err.value.message
    assert count(core, DteOrder) == 0


@pytest.mark.parametrize(
    "phone",
    ["01 23 45 67 89", "01.23.45.67.89", "0612345678", "+33 1 23 45 67 89",
     "+33 (0)1 23 45 67 89", "0033123456789", "0262 12 34 56", "0692 12 34 56",
     "+262 262 12 34 56", "+590 590 12 34 56", "+596 696 12 34 56", "+594 594 12 34 56",
     "+687 12 34 56", "+689 40 12 34 56", "+508 41 12 34"],
)
def test_r_dte_2_french_phone_numbers_accepted(phone):
    assert dte.normalize_phone(phone) is not None


@pytest.mark.parametrize(
    "phone", ["12 34 56 78", "00 23 45 67 89", "01 23 45 67 8", "+44 20 7946 0958",
              "+33 01 23 45 67 89", "téléphone", "01 23 45 67 89 10"],
)
def test_r_dte_2_phone_is_validated(core, world, phone):
    assert dte.normalize_phone(phone) is None
    with pytest.raises(RuleViolation) as err:
        order(core, contact_phone=phone)
    assert err.value.rule == "R-DTE-2" and "téléphone" in err.value.message


@pytest.mark.parametrize(
    ("address", "ok"),
    [
        ("12 rue de la Roquette, 75011 Paris", True),
        ("Bâtiment B, 3 chemin des Anglais 97400 Saint-Denis", True),
        ("ZI du Port, 97420 Le Port", True),
        ("12 rue de la Roquette, Paris", False),
        ("75011 Paris", False),
        ("12 rue de la Roquette 75011", False),
        ("12 rue de la Roquette, 00100 Nulle-part", False),
        ("12 rue de la Roquette, 7501 Paris", False),
    ],
)
def test_r_dte_2_postal_address_needs_postal_code_and_commune(core, world, address, ok):
    assert (dte.postal_code_and_commune(address) is not None) is ok
    if not ok:
        with pytest.raises(RuleViolation) as err:
            order(core, delivery_address=address)
        assert err.value.rule == "R-DTE-2" and "code postal à 5 chiffres" in err.value.message


def test_r_dte_2_responsable_de_session_checked_against_the_agrement(core, world):
    with pytest.raises(RuleViolation) as err:
        order(core, rs_kind="suppléant", rs_name="Jean Autre")
    assert err.value.rule == "R-DTE-2"
    assert "Paul Durand" in err.value.message and "personne ne figurant pas" in err.value.message
    with pytest.raises(RuleViolation) as err:
        order(core, rs_kind="autre", rs_name=" ")
    assert err.value.rule == "R-DTE-2"
    with pytest.raises(RuleViolation):
        order(core, rs_kind="chef")
    view = order(core, rs_kind="autre", rs_name="Jean  Autre")
    assert (view.rs_kind, view.rs_name) == ("autre", "Jean Autre")


def test_r_dte_2_agrement_without_substitute(core, world):
    make_session(core, world, "TITRE_A_2027_000050", date(2027, 6, 1), agrement="B1-SC",
                 state=SessionState.EN_PREPARATION)
    with pytest.raises(RuleViolation) as err:
        order(core, "TITRE_A_2027_000050", actor="centre_b", rs_kind="suppleant", rs_name="")
    assert "ne désigne pas de RS suppléant" in err.value.message


def test_r_dte_2_one_order_per_session(core, world):
    order(core)
    with pytest.raises(RuleViolation) as err:
        order(core)
    assert err.value.rule == "R-DTE-2" and "une seule commande par session" in err.value.message
    assert count(core, DteOrder) == 1


def test_r_act_2_order_out_of_scope(core, world):
    for actor, expected in (("centre_b", "hors de votre périmètre"),
                            ("ud75", "Votre profil ne permet pas")):
        with pytest.raises(RuleViolation) as err:
            order(core, actor=actor)
        assert err.value.rule == "R-ACT-2" and expected in err.value.message
    assert count(core, DteOrder) == 0


# -- R-DTE-8 ---------------------------------------------------------------------------------


def test_r_dte_8_final_interview_grid_asked_in_a_ccp_order(core, world):
    ref = make_session(core, world, "CCP_A_2027_000060", date(2027, 6, 15), kind=SessionKind.CCP,
                       state=SessionState.EN_PREPARATION)
    view = order(core, ref, comment="Merci de joindre la Grille d'Entretien Final du TP visé.")
    assert view.final_interview_grid_requested
    assert view.gev_email == "epreuves-ccp@afpa.fr"
    assert "par l'équipe GEV (R-DTE-8)" in view.notes[0]
    note = dte.final_interview_grid_note()
    assert "DTE CCP" in note and "« commentaire »" in note and note.endswith("(R-DTE-8).")


def test_r_dte_8_grid_asked_in_a_tp_order_gets_a_note(core, world):
    view = order(core, comment="grille entretien final svp")
    assert not view.final_interview_grid_requested
    assert "commande de DTE CCP" in view.notes[0]


# -- R-DTE-3 ---------------------------------------------------------------------------------


def test_r_dte_3_receipt_then_preparation_with_links(core, world, gev):
    with pytest.raises(RuleViolation) as err:
        dte.acknowledge_dte(core, gev, A1_TP, "reception")
    assert err.value.rule == "R-DTE-3" and "Aucune commande" in err.value.message
    order(core)
    with pytest.raises(RuleViolation) as err:
        dte.acknowledge_dte(core, gev, A1_TP, "preparation", links=["https://gev.afpa.fr/x"])
    assert err.value.rule == "R-DTE-3" and "suit l'accusé de réception" in err.value.message
    with pytest.raises(InvalidInput):
        dte.acknowledge_dte(core, gev, A1_TP, "reception", links=["https://gev.afpa.fr/x"])
    status = dte.acknowledge_dte(core, gev, A1_TP, "Réception")
    assert status.received and not status.prepared and status.status == "receptionne"
    with pytest.raises(RuleViolation) as err:
        dte.acknowledge_dte(core, gev, A1_TP, "reception")
    assert "déjà été enregistré" in err.value.message
    with pytest.raises(RuleViolation) as err:
        dte.acknowledge_dte(core, gev, A1_TP, "preparation", links=[])
    assert "liens dématérialisés" in err.value.message
    with pytest.raises(InvalidInput):
        dte.acknowledge_dte(core, gev, A1_TP, "preparation", links=["ftp//x"])
    with pytest.raises(InvalidInput):
        dte.acknowledge_dte(core, gev, A1_TP, "expedition")
    links = ["https://gev.afpa.fr/dte/org", "https://gev.afpa.fr/dte/zo"]
    status = dte.acknowledge_dte(core, gev, A1_TP, "preparation", links=links)
    assert status.prepared and status.status_label == "DTE préparé (liens envoyés)"
    assert [a.kind for a in status.order.acknowledgements] == ["reception", "preparation"]
    assert status.order.acknowledgements[1].links == tuple(links)
    assert count(core, DteAcknowledgement) == 2


def test_r_act_2_acknowledgements_are_for_the_gev(core, world):
    order(core)
    for actor in ("centre_a", "ud75"):
        with pytest.raises(RuleViolation) as err:
            dte.acknowledge_dte(core, actor, A1_TP, "reception")
        assert err.value.rule == "R-ACT-2"
    assert dte.acknowledge_dte(core, "admin", A1_TP, "reception").received


# -- status, R-DTE-7 --------------------------------------------------------------------------


def test_dte_status_before_ordering_gives_the_timeline(core, world):
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert not status.ordered and status.can_still_order
    assert status.order_deadline == date(2027, 2, 19)
    assert status.days_left_to_order == (date(2027, 2, 19) - date(2026, 11, 22)).days
    assert status.timeline.tp_shipping_from == date(2027, 4, 8)
    assert status.timeline.convocation_deadline == date(2027, 4, 20)  # core.rules: TP 1 month
    assert "Date limite de commande du DTE" in status.timeline_text
    assert "Il reste" in status.advice[0]


def test_dte_status_of_a_ccp_session_has_link_openings(core, world):
    ref = make_session(core, world, "CCP_A_2027_000070", date(2027, 6, 15), kind=SessionKind.CCP,
                       state=SessionState.EN_PREPARATION)
    order(core, ref)
    status = dte.dte_status(core, "ud75", ref)
    assert status.timeline.ccp_organiser_opens.date() == date(2027, 4, 16)
    assert status.timeline.ccp_jury_candidate_opens.date() == date(2027, 6, 8)
    assert status.order.session_kind == "CCP"


def test_r_dte_7_contact_the_gev_two_weeks_before_without_package(core, world, clock, gev):
    order(core)
    clock.set(datetime(2027, 5, 5, 10, 0, tzinfo=PARIS))
    assert not dte.dte_status(core, "centre_a", A1_TP).should_contact_gev
    clock.set(datetime(2027, 5, 6, 10, 0, tzinfo=PARIS))  # 20/05 − 2 weeks
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert status.chase_gev_from == date(2027, 5, 6)
    assert status.should_contact_gev
    assert any("contactez la GEV (epreuves-btp@afpa.fr) (R-DTE-7)" in a for a in status.advice)
    dte.acknowledge_dte(core, gev, A1_TP, "reception")
    dte.acknowledge_dte(core, gev, A1_TP, "preparation", links=["https://gev.afpa.fr/1"])
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert not status.should_contact_gev
    assert any("ne vous sont pas parvenus" in a for a in status.advice)


def test_r_act_2_dte_status_scope(core, world, gev):
    with pytest.raises(RuleViolation) as err:
        dte.dte_status(core, "centre_b", A1_TP)
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation):
        dte.dte_status(core, "afpa", A1_TP)
    assert dte.dte_status(core, gev, A1_TP).session_ref == A1_TP
    with pytest.raises(NotFound):
        dte.dte_status(core, "centre_a", "TITRE_X_2030_123456")


# -- cancellation by the GEV (R-SES-5) --------------------------------------------------------


def test_r_ses_5_gev_cancels_the_order_of_a_cancelled_session(core, world, gev):
    add_order(core, A1_TP, acks=("reception", "preparation"))
    with pytest.raises(RuleViolation) as err:
        dte.cancel_dte_order(core, gev, A1_TP)
    assert err.value.rule == "R-SES-5" and "n'est pas annulée" in err.value.message
    cancelled = cancel_session(core, "centre_a", A1_TP, "Report de la formation")
    assert cancelled.gev_must_cancel_order and cancelled.packages_to_destroy
    with pytest.raises(RuleViolation) as err:
        dte.cancel_dte_order(core, "centre_a", A1_TP)
    assert err.value.rule == "R-ACT-2"
    view = dte.cancel_dte_order(core, gev, A1_TP, "demande du centre")
    assert view.packages_to_destroy and "détruire" in view.message
    status = dte.dte_status(core, "centre_a", A1_TP)
    assert status.cancelled and status.status_label == "commande de DTE annulée"
    with pytest.raises(RuleViolation) as err:
        dte.cancel_dte_order(core, gev, A1_TP)
    assert "déjà annulée" in err.value.message
    with pytest.raises(RuleViolation) as err:
        dte.acknowledge_dte(core, gev, A1_TP, "reception")
    assert err.value.rule == "R-DTE-3"


def test_r_ses_5_order_not_prepared_nothing_to_destroy(core, world, gev):
    add_order(core, A1_TP, acks=("reception",))
    cancel_session(core, "centre_a", A1_TP, "Report")
    view = dte.cancel_dte_order(core, gev, A1_TP)
    assert not view.packages_to_destroy
    with pytest.raises(NotFound):
        dte.cancel_dte_order(core, gev, "TITRE_B_2027_000002")


# -- the session card's next date (R-DTE-1, R-DTE-4, R-CON-2) ------------------------------------


def test_r_dte_1_r_dte_4_next_session_date_action_then_timeline(core, world, clock):
    """Before the order: the R-DTE-1 deadline; once ordered, the earliest of the convocations
    due (R-CON-2) and the next DTE timeline date (R-DTE-4 for a TP); out of scope: R-ACT-2."""
    first = dte.next_session_date(core, "centre_a", A1_TP)  # starts 20/05/2027
    assert first.rule == "R-DTE-1" and first.due == date(2027, 2, 19)
    order(core)
    after = dte.next_session_date(core, "centre_a", A1_TP)
    assert after.rule == "R-DTE-4" and not after.overdue  # shipping before convocations
    clock.set(datetime(2027, 4, 25, 10, 0, tzinfo=PARIS))  # shipped; convocations overdue
    late = dte.next_session_date(core, "centre_a", A1_TP)
    assert late.rule == "R-CON-2" and late.overdue
    with pytest.raises(RuleViolation) as err:
        dte.next_session_date(core, "centre_b", A1_TP)
    assert err.value.rule == "R-ACT-2"


def test_r_dte_2_order_contact_defaults_are_the_account_own_name_and_valid_email(core, world):
    from ceres_core.models import User

    with core.transaction() as db:
        user = db.query(User).filter_by(login="centre_a").one()
        user.display_name, user.email = "Alice Martin (Formapro Paris)", "alice@formapro.fr"
    view = dte.order_contact_defaults(core, "centre_a")
    assert (view.contact_name, view.contact_email, view.contact_phone) == (
        "Alice Martin", "alice@formapro.fr", None)
    with core.transaction() as db:
        db.query(User).filter_by(login="centre_a").one().email = "01 23 45 67 8"
    assert dte.order_contact_defaults(core, "centre_a").contact_email is None  # not offered
