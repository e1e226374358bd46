"""Juries and habilitations services (R-JUR-1..5, R-ACT-2)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from ceres_core.clock import PARIS
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    AuditEvent,
    ExamSession,
    Habilitation,
    HabilitationState,
    Juror,
    JuryMember,
    SessionKind,
    SessionState,
)
from ceres_core.services.juries import (
    CSV_HEADER,
    add_habilitation,
    add_juror_to_session,
    create_juror,
    export_jurors_csv,
    habilitation_action,
    list_habilitations,
)
from ceres_core.settings import Rules

TP_SESSION = "TITRE_A_2027_000001"  # site A1 (centre A, Paris), title ODP, 20/05/2027
ODP = "TP-00463"
CCP1, CCP2 = "CCP-00463-1", "CCP-00463-2"
CCS = "CCS-00463-1"


# --------------------------------------------------------------------------- helpers


def _juror(core, actor="centre_a", **overrides):
    fields = dict(
        civility="Monsieur",
        last_name="Martin",
        first_name="Paul",
        email="paul.martin@example.fr",
        phone_pro="01 23 45 67 89",
        phone_perso="06 12 34 56 78",
        address="5 rue des Lilas",
        postal_code="75020",
        city="Paris",
        occupation="Jardinier paysagiste",
        last_practice_on="01/09/2024",
    )
    fields.update(overrides)
    return create_juror(core, actor, **fields)


def _hab(core, juror_id, *, actor="dreets_idf", validate=True, starts_on="01/01/2027", **kw):
    view = add_habilitation(core, actor, juror_id, ODP, starts_on=starts_on, **kw)
    if validate:
        habilitation_action(core, actor, view.id, "valider")
    return view.id


def _set_state(core, model, ident, state):
    with core.transaction() as db:
        db.get(model, ident).state = state


def _session(core, world, kind, ref, *, ccp=None, ccs=None, state=SessionState.EN_PREPARATION):
    with core.transaction() as db:
        s = ExamSession(
            ref=ref, site_id=world.sites["A1"], agrement_id=world.agrements["A1-ODP"],
            kind=kind, title_id=world.titles["ODP"],
            ccp_id=world.ccps[ccp] if ccp else None,
            ccs_id=world.ccss[ccs] if ccs else None,
            start_date=date(2027, 5, 20), start_time=time(8, 30), end_date=date(2027, 5, 20),
            state=state, created_at=core.clock.now(),
        )
        db.add(s)
        db.flush()
        return s.id


def _count(core, model):
    with core.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


def _hab_state(core, hab_id):
    with core.transaction() as db:
        hab = db.get(Habilitation, hab_id)
        return None if hab is None else hab.state


def _last_refusal(core):
    with core.transaction() as db:
        return db.scalars(
            select(AuditEvent).where(AuditEvent.outcome == "refused").order_by(AuditEvent.id.desc())
        ).first()


# --------------------------------------------------------------------------- jurors


def test_create_juror_by_centre_attaches_it(core, world):
    view = _juror(core)
    assert (view.civility, view.full_name, view.region_code) == ("M.", "M. Paul Martin", "11")
    assert view.centre_sirets == ("44201816400016",)
    assert view.last_practice_on == date(2024, 9, 1)


def test_create_juror_by_state_service_takes_its_region(core, world):
    assert _juror(core, "ud35").region_code == "53"
    assert _juror(core, "dreets_reunion", last_name="Payet").centre_sirets == ()
    assert _juror(core, "admin", region_code="04", last_name="Hoarau").region_code == "04"


def test_r_act_2_create_juror_scope(core, world):
    with pytest.raises(RuleViolation) as err:
        _juror(core, "afpa")
    assert err.value.message == "Votre profil ne permet pas de créer un juré (R-ACT-2)."
    with pytest.raises(RuleViolation) as err:
        _juror(core, "ud35", region_code="11")
    assert err.value.rule == "R-ACT-2"
    assert "Île-de-France" in err.value.message
    with pytest.raises(RuleViolation) as err:
        _juror(core, "centre_a", centre_siret="35620718300019")
    assert err.value.rule == "R-ACT-2"
    assert _count(core, Juror) == 0
    assert _last_refusal(core).action == "jury.create_juror"


@pytest.mark.parametrize(
    "field,value,fragment",
    [
        ("email", "paul.martin@", "L'adresse de courriel « paul.martin@ » n'est pas valide."),
        ("phone_pro", "12 34", "Le numéro de téléphone professionnel « 12 34 »"),
        ("last_practice_on", "31/02/2024", "La date de dernière pratique du métier « 31/02/2024 »"),
        ("last_practice_on", "01/01/2027", "ne peut pas être dans le futur"),
        ("civility", "Dr", "La civilité « Dr » n'est pas valide"),
        ("postal_code", "7500", "Le code postal « 7500 »"),
        ("last_name", "  ", "Le champ le nom du juré est obligatoire."),
        ("badge", "x", "Champ inconnu pour un juré : badge."),
    ],
)
def test_create_juror_bad_input_leaves_database_unchanged(core, world, field, value, fragment):
    with pytest.raises(InvalidInput) as err:
        _juror(core, **{field: value})
    assert fragment in err.value.message
    assert _count(core, Juror) == 0


# --------------------------------------------------------------------------- add_habilitation


def test_add_habilitation_starts_as_draft(core, world):
    juror = _juror(core)
    view = add_habilitation(core, "ud75", juror.id, ODP, starts_on="15/01/2027",
                            ends_on="2031-12-31")
    assert (view.kind, view.state, view.state_label) == ("TP", "brouillon", "brouillon")
    assert view.subject_label == "TP-00463 Ouvrier du paysage"
    assert (view.starts_on, view.ends_on) == (date(2027, 1, 15), date(2031, 12, 31))
    assert view.allowed_actions == ("valider", "supprimer")
    assert view.allowed_action_labels == ("Valider", "Supprimer")
    assert view.title_status_label == "titre en cours"


def test_r_jur_4_refused_when_last_practice_more_than_5_years_before_start(core, world):
    juror = _juror(core, last_practice_on="14/01/2022")
    with pytest.raises(RuleViolation) as err:
        add_habilitation(core, "dreets_idf", juror.id, ODP, starts_on="15/01/2027")
    assert err.value.rule == "R-JUR-4"
    assert err.value.message == (
        "M. Paul Martin ne peut pas recevoir d'habilitation sur le titre « Ouvrier du paysage » : "
        "sa dernière pratique du métier date du 14/01/2022, plus de 5 ans avant le début de "
        "l'habilitation (15/01/2027) (R-JUR-4)."
    )
    assert _count(core, Habilitation) == 0
    # exactly 5 years is still allowed
    add_habilitation(core, "dreets_idf", juror.id, ODP, starts_on="14/01/2027")


def test_r_jur_4_applies_to_the_title_only_and_an_unknown_date_is_a_warning(core, world):
    """004: "habiliter un jury sur un TP si la dernière date *connue*…": a CCP habilitation
    is not concerned; an unknown date goes through with a warning asking for it."""
    old = _juror(core, last_practice_on="01/01/2015")
    ccp = add_habilitation(core, "dreets_idf", old.id, ODP, ccp_code=CCP1, starts_on="01/01/2027")
    assert ccp.kind == "CCP" and ccp.warnings == ()
    with pytest.raises(RuleViolation) as err:
        add_habilitation(core, "dreets_idf", old.id, ODP, starts_on="01/01/2027")
    assert err.value.rule == "R-JUR-4"
    unknown = _juror(core, last_name="Durand", last_practice_on=None)
    view = add_habilitation(core, "dreets_idf", unknown.id, ODP, starts_on="01/01/2027")
    assert view.state == "brouillon"
    assert len(view.warnings) == 1 and "n'est pas renseignée" in view.warnings[0]
    assert "renseignez cette date" in view.warnings[0] and "(R-JUR-4)" in view.warnings[0]


def test_r_jur_4_limit_is_configurable(engine, clock, world):
    strict = Core(engine=engine, clock=clock, rules=Rules(juror_max_years_out=2))
    juror = _juror(strict, last_practice_on="01/09/2024")
    with pytest.raises(RuleViolation) as err:
        add_habilitation(strict, "dreets_idf", juror.id, ODP, starts_on="02/09/2026")
    assert "plus de 2 ans" in err.value.message


def test_r_jur_3_ccs_habilitation_needs_a_ccp_habilitation(core, world):
    juror = _juror(core)
    with pytest.raises(RuleViolation) as err:
        add_habilitation(core, "dreets_idf", juror.id, ODP, ccs_code=CCS, starts_on="01/01/2027")
    assert err.value.rule == "R-JUR-3"
    assert "au moins un CCP du titre « Ouvrier du paysage »" in err.value.message
    # a draft CCP habilitation is not enough (reading: active or suspended)
    ccp_hab = _hab(core, juror.id, ccp_code=CCP1, validate=False)
    with pytest.raises(RuleViolation) as err:
        add_habilitation(core, "dreets_idf", juror.id, ODP, ccs_code=CCS, starts_on="01/01/2027")
    assert err.value.rule == "R-JUR-3"
    habilitation_action(core, "dreets_idf", ccp_hab, "valider")
    view = add_habilitation(core, "dreets_idf", juror.id, ODP, ccs_code=CCS,
                            starts_on="01/01/2027")
    assert (view.kind, view.ccs_code, view.state) == ("CCS", CCS, "brouillon")


def test_r_jur_3_expired_ccp_habilitation_does_not_count(core, world):
    juror = _juror(core)
    ccp_hab = _hab(core, juror.id, ccp_code=CCP1)
    _set_state(core, Habilitation, ccp_hab, HabilitationState.EXPIREE)
    with pytest.raises(RuleViolation) as err:
        add_habilitation(core, "dreets_idf", juror.id, ODP, ccs_code=CCS, starts_on="01/01/2027")
    assert err.value.rule == "R-JUR-3"


def test_r_jur_3_ccs_validation_rechecks_the_ccp_habilitation(core, world):
    juror = _juror(core)
    ccp_hab = _hab(core, juror.id, ccp_code=CCP1)
    ccs_hab = _hab(core, juror.id, ccs_code=CCS, validate=False)
    habilitation_action(core, "dreets_idf", ccp_hab, "remettre_brouillon")
    with pytest.raises(RuleViolation) as err:
        habilitation_action(core, "dreets_idf", ccs_hab, "valider")
    assert err.value.rule == "R-JUR-3"
    assert _hab_state(core, ccs_hab) is HabilitationState.BROUILLON


def test_r_act_2_add_habilitation_scope(core, world):
    juror = _juror(core)  # Île-de-France
    with pytest.raises(RuleViolation) as err:
        add_habilitation(core, "centre_a", juror.id, ODP, starts_on="01/01/2027")
    assert err.value.message == (
        "Votre profil ne permet pas de délivrer une habilitation à ce juré (R-ACT-2)."
    )
    for outsider in ("dreets_bzh", "ud35"):
        with pytest.raises(RuleViolation) as err:
            add_habilitation(core, outsider, juror.id, ODP, starts_on="01/01/2027")
        assert err.value.rule == "R-ACT-2"
        assert err.value.message == (
            "Vous ne pouvez pas délivrer une habilitation à ce juré : M. Paul Martin relève "
            "de la région Île-de-France, hors de votre périmètre (R-ACT-2)."
        )
    assert _last_refusal(core).action == "jury.add_habilitation"
    assert _count(core, Habilitation) == 0
    _hab(core, juror.id, actor="ud75")  # a UD of the region
    _hab(core, juror.id, actor="admin", ccp_code=CCP1)


def test_add_habilitation_bad_input(core, world):
    juror = _juror(core)
    with pytest.raises(InvalidInput) as err:
        add_habilitation(core, "dreets_idf", juror.id, ODP, starts_on="2027-13-01")
    assert "saisissez-la au format JJ/MM/AAAA" in err.value.message
    with pytest.raises(InvalidInput):
        add_habilitation(core, "dreets_idf", juror.id, ODP, starts_on="01/01/2027",
                         ends_on="31/12/2026")
    with pytest.raises(InvalidInput):
        add_habilitation(core, "dreets_idf", juror.id, ODP, ccp_code=CCP1, ccs_code=CCS,
                         starts_on="01/01/2027")
    with pytest.raises(NotFound):
        add_habilitation(core, "dreets_idf", juror.id, "TP-99999", starts_on="01/01/2027")
    with pytest.raises(NotFound):  # a CCP of another title
        add_habilitation(core, "dreets_idf", juror.id, ODP, ccp_code="CCP-01303-1",
                         starts_on="01/01/2027")
    with pytest.raises(NotFound):
        add_habilitation(core, "dreets_idf", 999, ODP, starts_on="01/01/2027")
    assert _count(core, Habilitation) == 0
    _hab(core, juror.id, validate=False)
    with pytest.raises(InvalidInput) as err:
        _hab(core, juror.id, validate=False)
    assert "a déjà une habilitation « brouillon »" in err.value.message


# --------------------------------------------------------------------------- habilitation_action


@pytest.mark.parametrize(
    "start,action,end",
    [
        (HabilitationState.BROUILLON, "valider", HabilitationState.ACTIVE),
        (HabilitationState.BROUILLON, "supprimer", None),
        (HabilitationState.SUSPENDUE, "reactiver", HabilitationState.ACTIVE),
        (HabilitationState.ACTIVE, "remettre_brouillon", HabilitationState.BROUILLON),
        (HabilitationState.ACTIVE, "suspendre", HabilitationState.SUSPENDUE),
        (HabilitationState.EXPIREE, "remettre_brouillon", HabilitationState.BROUILLON),
    ],
)
def test_r_jur_1_actions_on_a_current_title(core, world, start, action, end):
    juror = _juror(core)
    hab = _hab(core, juror.id, validate=False)
    _set_state(core, Habilitation, hab, start)
    result = habilitation_action(core, "ud75", hab, action)
    assert _hab_state(core, hab) is end
    assert result.previous_state == start.value
    assert result.new_state == (end.value if end else None)
    assert result.message.startswith("L'habilitation de M. Paul Martin sur « TP-00463 ")
    if end is None:
        assert result.habilitation is None and result.new_state_label == "supprimée"
    else:
        assert result.habilitation.state == end.value
    with core.transaction() as db:
        event = db.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.outcome) == (f"jury.habilitation.{action}", "ok")


def test_r_jur_1_confirmation_messages(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id, validate=False)
    assert habilitation_action(core, "ud75", hab, "valider").message == (
        "L'habilitation de M. Paul Martin sur « TP-00463 Ouvrier du paysage » est validée. "
        "Le juré peut être inscrit sur une session à ce titre."
    )
    assert habilitation_action(core, "ud75", hab, "suspendre").message.endswith(
        "est suspendue. Le juré ne peut plus être inscrit sur une session à ce titre."
    )
    assert "est réactivée" in habilitation_action(core, "ud75", hab, "reactiver").message


def test_r_jur_1_refused_transition(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id)
    with pytest.raises(RuleViolation) as err:
        habilitation_action(core, "dreets_idf", hab, "reactiver")
    assert err.value.rule == "R-JUR-1"
    assert "actions possibles : remettre en brouillon, suspendre" in err.value.message
    assert _hab_state(core, hab) is HabilitationState.ACTIVE


def test_r_jur_1_expired_on_current_title_cannot_be_suspended(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id)
    _set_state(core, Habilitation, hab, HabilitationState.EXPIREE)
    with pytest.raises(RuleViolation) as err:
        habilitation_action(core, "dreets_idf", hab, "suspendre")
    assert err.value.rule == "R-JUR-1"
    assert "est en cours jusqu'au 31/12/2028" in err.value.message
    views = list_habilitations(core, "dreets_idf", juror.id)
    assert views[0].allowed_actions == ("remettre_brouillon",)


def test_r_jur_1_expired_on_title_in_extension_period(core, world, clock):
    juror = _juror(core)
    hab = _hab(core, juror.id)
    _set_state(core, Habilitation, hab, HabilitationState.EXPIREE)
    clock.set(datetime(2029, 6, 1, 9, 0, tzinfo=PARIS))  # ODP ended 31/12/2028, ext. 31/12/2029
    view = list_habilitations(core, "dreets_idf", juror.id)[0]
    assert view.title_status_label == "titre en délai de prolongation"
    assert view.allowed_actions == ("remettre_brouillon", "suspendre")
    habilitation_action(core, "dreets_idf", hab, "suspendre")
    assert _hab_state(core, hab) is HabilitationState.SUSPENDUE
    _set_state(core, Habilitation, hab, HabilitationState.EXPIREE)
    habilitation_action(core, "dreets_idf", hab, "remettre_brouillon")
    assert _hab_state(core, hab) is HabilitationState.BROUILLON


@pytest.mark.parametrize("action", ["valider", "supprimer", "reactiver", "remettre_brouillon",
                                    "suspendre"])
def test_r_jur_2_no_action_on_expired_habilitation_past_extension(core, world, clock, action):
    juror = _juror(core)
    hab = _hab(core, juror.id)
    _set_state(core, Habilitation, hab, HabilitationState.EXPIREE)
    clock.set(datetime(2030, 1, 2, 9, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        habilitation_action(core, "dreets_idf", hab, action)
    assert err.value.rule == "R-JUR-2"
    assert "délai terminé le 31/12/2029" in err.value.message
    assert _hab_state(core, hab) is HabilitationState.EXPIREE
    assert list_habilitations(core, "dreets_idf", juror.id)[0].allowed_actions == ()


def test_r_jur_2_no_deletion_when_juror_registered_in_a_session(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id)
    add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)
    habilitation_action(core, "dreets_idf", hab, "remettre_brouillon")  # session not pending
    with pytest.raises(RuleViolation) as err:
        habilitation_action(core, "dreets_idf", hab, "supprimer")
    assert err.value.rule == "R-JUR-2"
    assert err.value.message == (
        "Impossible de supprimer cette habilitation : M. Paul Martin fait partie du jury "
        f"d'une session ({TP_SESSION}) (R-JUR-2)."
    )
    assert list_habilitations(core, "dreets_idf", juror.id)[0].allowed_actions == ("valider",)
    # (reading) a cancelled session no longer counts
    _set_state(core, ExamSession, world.sessions["A1-TP"], SessionState.ANNULEE)
    habilitation_action(core, "dreets_idf", hab, "supprimer")
    assert _hab_state(core, hab) is None


@pytest.mark.parametrize("action", ["suspendre", "remettre_brouillon"])
def test_r_jur_2_no_inactivation_when_juror_in_session_awaiting_validation(core, world, action):
    juror = _juror(core)
    hab = _hab(core, juror.id)
    add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)
    _set_state(core, ExamSession, world.sessions["A1-TP"], SessionState.EN_ATTENTE_VALIDATION)
    with pytest.raises(RuleViolation) as err:
        habilitation_action(core, "ud75", hab, action)
    assert err.value.rule == "R-JUR-2"
    assert "partie du jury d'une session en attente de validation (TITRE_A_2027_000001)" in (
        err.value.message
    )
    assert _hab_state(core, hab) is HabilitationState.ACTIVE
    _set_state(core, ExamSession, world.sessions["A1-TP"], SessionState.VALIDEE)
    habilitation_action(core, "ud75", hab, action)
    assert _hab_state(core, hab) is not HabilitationState.ACTIVE


def test_r_act_2_habilitation_action_scope(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id, validate=False)
    for outsider, fragment in (
        ("centre_a", "Votre profil ne permet pas de modifier les habilitations de ce juré"),
        ("ud35", "Île-de-France, hors de votre périmètre"),
        ("dreets_reunion", "Île-de-France, hors de votre périmètre"),
    ):
        with pytest.raises(RuleViolation) as err:
            habilitation_action(core, outsider, hab, "valider")
        assert err.value.rule == "R-ACT-2"
        assert fragment in err.value.message
    assert _hab_state(core, hab) is HabilitationState.BROUILLON
    assert _last_refusal(core).action == "jury.habilitation_action"
    habilitation_action(core, "admin", hab, "valider")
    assert _hab_state(core, hab) is HabilitationState.ACTIVE


def test_habilitation_action_unknown_action_or_habilitation(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id, validate=False)
    with pytest.raises(InvalidInput):
        habilitation_action(core, "ud75", hab, "activer")
    with pytest.raises(NotFound):
        habilitation_action(core, "ud75", 999, "valider")
    assert _hab_state(core, hab) is HabilitationState.BROUILLON


# --------------------------------------------------------------------------- list_habilitations


def test_list_habilitations_views(core, world):
    juror = _juror(core)
    _hab(core, juror.id)
    _hab(core, juror.id, ccp_code=CCP1, validate=False)
    views = list_habilitations(core, "ud75", juror.id)
    assert [(v.kind, v.state_label, v.allowed_action_labels) for v in views] == [
        ("TP", "active", ("Remettre en brouillon", "Suspendre")),
        ("CCP", "brouillon", ("Valider", "Supprimer")),
    ]
    assert views[1].subject_label == "CCP-00463-1 Réaliser des travaux d'entretien paysager"
    assert views[0].title_label == "Ouvrier du paysage (20/09/2018)"
    # the juror's centre reads them, without actions
    assert [v.allowed_actions for v in list_habilitations(core, "centre_a", juror.id)] == [(), ()]


def test_r_act_2_list_habilitations_scope(core, world):
    juror = _juror(core)
    with pytest.raises(RuleViolation) as err:
        list_habilitations(core, "centre_b", juror.id)
    assert err.value.rule == "R-ACT-2"
    assert "M. Paul Martin" in err.value.message
    with pytest.raises(RuleViolation) as err:
        list_habilitations(core, "afpa", juror.id)
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation):
        list_habilitations(core, "dreets_bzh", juror.id)


# --------------------------------------------------------------------------- add_juror_to_session


def test_r_jur_1_session_seat_needs_an_active_habilitation(core, world):
    juror = _juror(core)
    hab = _hab(core, juror.id, validate=False)
    with pytest.raises(RuleViolation) as err:
        add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)
    assert err.value.rule == "R-JUR-1"
    assert err.value.message == (
        f"M. Paul Martin ne peut pas siéger dans le jury de la session {TP_SESSION} : aucune "
        "habilitation active sur le titre « TP-00463 Ouvrier du paysage » au 20/05/2027 "
        "(R-JUR-1)."
    )
    assert _count(core, JuryMember) == 0
    habilitation_action(core, "ud75", hab, "valider")
    view = add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)
    assert (view.session_ref, view.habilitation_id) == (TP_SESSION, hab)
    assert view.message == (
        f"M. Paul Martin fait désormais partie du jury de la session {TP_SESSION}."
    )
    with pytest.raises(InvalidInput):
        add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)


def test_r_jur_1_habilitation_must_cover_the_session_date(core, world):
    juror = _juror(core)
    _hab(core, juror.id, starts_on="01/06/2027")  # the session is on 20/05/2027
    with pytest.raises(RuleViolation) as err:
        add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)
    assert err.value.rule == "R-JUR-1"


def test_r_jur_1_ccp_session_accepts_ccp_or_title_habilitation(core, world):
    ccp1 = _session(core, world, SessionKind.CCP, "CCP_A_2027_000003", ccp="ODP1")
    assert ccp1
    on_ccp2 = _juror(core, last_name="Deux")
    _hab(core, on_ccp2.id, ccp_code=CCP2)
    with pytest.raises(RuleViolation) as err:
        add_juror_to_session(core, "centre_a", "CCP_A_2027_000003", on_ccp2.id)
    assert err.value.rule == "R-JUR-1"
    assert "CCP « CCP-00463-1" in err.value.message
    on_ccp1 = _juror(core, last_name="Un")
    _hab(core, on_ccp1.id, ccp_code=CCP1)
    add_juror_to_session(core, "centre_a", "CCP_A_2027_000003", on_ccp1.id)
    on_title = _juror(core, last_name="Titre")
    _hab(core, on_title.id)
    add_juror_to_session(core, "centre_a", "CCP_A_2027_000003", on_title.id)
    # a CCP habilitation does not seat a juror on a whole-title session
    with pytest.raises(RuleViolation):
        add_juror_to_session(core, "centre_a", TP_SESSION, on_ccp1.id)


def test_r_jur_3_ccs_session_needs_the_ccs_habilitation(core, world):
    _session(core, world, SessionKind.CCS, "CCS_A_2027_000004", ccs="ODP-CCS")
    juror = _juror(core)
    _hab(core, juror.id)  # whole title, active
    with pytest.raises(RuleViolation) as err:
        add_juror_to_session(core, "centre_a", "CCS_A_2027_000004", juror.id)
    assert err.value.rule == "R-JUR-3"
    assert "aucune habilitation active sur le CCS « CCS-00463-1" in err.value.message
    ccs_hab = _hab(core, juror.id, ccs_code=CCS, validate=False)
    with pytest.raises(RuleViolation) as err:  # a draft CCS habilitation is not enough
        add_juror_to_session(core, "centre_a", "CCS_A_2027_000004", juror.id)
    assert err.value.rule == "R-JUR-3"
    habilitation_action(core, "ud75", ccs_hab, "valider")
    view = add_juror_to_session(core, "centre_a", "CCS_A_2027_000004", juror.id)
    assert view.habilitation_id == ccs_hab


def test_r_ses_4_no_juror_on_cancelled_or_validated_session(core, world):
    juror = _juror(core)
    _hab(core, juror.id)
    for state in (SessionState.ANNULEE, SessionState.VALIDEE):
        _set_state(core, ExamSession, world.sessions["A1-TP"], state)
        with pytest.raises(RuleViolation) as err:
            add_juror_to_session(core, "centre_a", TP_SESSION, juror.id)
        assert err.value.rule == "R-SES-4"
    assert _count(core, JuryMember) == 0


def test_r_act_2_add_juror_to_session_scope(core, world):
    juror = _juror(core)
    _hab(core, juror.id)
    with pytest.raises(RuleViolation) as err:
        add_juror_to_session(core, "centre_b", TP_SESSION, juror.id)
    assert err.value.rule == "R-ACT-2"
    assert "hors de votre périmètre" in err.value.message
    with pytest.raises(RuleViolation) as err:
        add_juror_to_session(core, "ud75", TP_SESSION, juror.id)
    assert err.value.message == (
        "Votre profil ne permet pas de désigner un juré pour cette session (R-ACT-2)."
    )
    assert _last_refusal(core).action == "jury.add_to_session"
    with pytest.raises(NotFound):
        add_juror_to_session(core, "centre_a", "TITRE_X_0000_000000", juror.id)
    assert _count(core, JuryMember) == 0


# --------------------------------------------------------------------------- export (R-JUR-5)


def _parse(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_r_jur_5_centre_exports_its_jurors(core, world):
    attached = _juror(core, address="5 rue des Lilas", postal_code="75020", city="Paris")
    _hab(core, attached.id)
    _hab(core, attached.id, ccp_code=CCP1, validate=False)
    seated = _juror(core, "centre_b", civility="Mme", last_name="Le Goff", first_name="Anne",
                    phone_perso="+33 6 11 22 33 44", email="anne.legoff@example.fr",
                    address=None, postal_code="35000", city="Rennes")
    _hab(core, seated.id, actor="dreets_bzh")
    add_juror_to_session(core, "centre_a", TP_SESSION, seated.id)
    _juror(core, "ud35", last_name="Étranger")  # attached to no centre of A

    text = export_jurors_csv(core, "centre_a")
    assert "\r\n" in text
    rows = _parse(text)
    assert tuple(rows[0]) == CSV_HEADER
    assert rows[0][:3] == ["Civilité", "Nom", "Prénom"]
    assert rows[1:] == [
        ["Mme", "Le Goff", "Anne", "01 23 45 67 89", "'+33 6 11 22 33 44", "35000 Rennes",
         "anne.legoff@example.fr", "TP-00463 Ouvrier du paysage (active)"],
        ["M.", "Martin", "Paul", "01 23 45 67 89", "06 12 34 56 78",
         "5 rue des Lilas, 75020 Paris", "paul.martin@example.fr",
         "TP-00463 Ouvrier du paysage (active) | "
         "CCP-00463-1 Réaliser des travaux d'entretien paysager (brouillon)"],
    ]
    # centre B sees its own juror only
    assert [r[1] for r in _parse(export_jurors_csv(core, "centre_b"))[1:]] == ["Le Goff"]
    with core.transaction() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "jury.export_csv")).first()
        assert event.details == {"jurors": 2}


def test_r_jur_5_export_neutralises_formulas(core, world):
    _juror(core, last_name="=HYPERLINK(\"http://x\")", first_name="@SUM(A1)")
    row = _parse(export_jurors_csv(core, "centre_a"))[1]
    assert row[1] == "'=HYPERLINK(\"http://x\")"
    assert row[2] == "'@SUM(A1)"


def test_r_act_2_export_is_for_centres(core, world):
    for actor in ("ud75", "dreets_idf", "afpa"):
        with pytest.raises(RuleViolation) as err:
            export_jurors_csv(core, actor)
        assert err.value.rule == "R-ACT-2"
    assert _last_refusal(core).action == "jury.export_csv"


def test_r_jur_1_habilitation_step_refuses_a_juror_with_nothing_to_act_on(core):
    """R-JUR-1: the juror step of a habilitation change is refused, naming the juror,
    when none of the juror's habilitations can be acted on today; a probe leaves no
    audit row."""
    from sqlalchemy import func, select

    from ceres_core.demo import load_demo
    from ceres_core.models import AuditEvent, Juror
    from ceres_core.services.juries import check_habilitation_to_act

    load_demo(core)
    with core.transaction() as db:
        ids = {j.last_name: j.id for j in db.scalars(select(Juror))}
    check_habilitation_to_act(core, "dreets.idf", ids["Faure"])
    with pytest.raises(RuleViolation) as err:
        check_habilitation_to_act(core, "dreets.idf", ids["Chevalier"])
    assert err.value.rule == "R-JUR-1"
    assert "Aucune habilitation de" in err.value.message and "Chevalier" in err.value.message
    with core.transaction() as db:
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome == "refused")) == 0
