"""Sites: transfer (R-SITE-1/2/3/5/6/7), history, sites on the centre de reprise, scope
(R-ACT-2)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import ceres_core.services.sites as sites_module
from ceres_core.core import Core
from ceres_core.errors import NotFound, RuleViolation
from ceres_core.models import (
    Agrement,
    AuditEvent,
    Centre,
    ExamSession,
    Site,
    SiteTransfer,
)
from ceres_core.services.centres import (
    activation_letter_pdf,
    centre_is_registered,
    issue_activation_code,
    register_centre,
)
from ceres_core.services.sites import (
    UNREGISTERED_TARGET_MESSAGE,
    can_transfer_site,
    find_sites,
    get_site,
    list_sites_on_reprise,
    site_history,
    transfer_site,
)
from tests.factories import SIRET_A, SIRET_B, SIRET_R, SIRET_REPRISE, SIRET_UNREGISTERED


# --------------------------------------------------------------------------- helpers
def site_centre_siret(core: Core, code: str) -> str:
    with core.transaction() as db:
        return db.scalar(select(Site).where(Site.code == code)).centre.siret


def transfers(core: Core) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count()).select_from(SiteTransfer))


def audit_actions(core: Core, outcome: str = "ok") -> list[str]:
    with core.transaction() as db:
        return list(db.scalars(
            select(AuditEvent.action).where(AuditEvent.outcome == outcome).order_by(AuditEvent.id)
        ))


def add_reprise_site(core: Core, world, code: str, departement: str, name: str) -> None:
    with core.transaction() as db:
        db.add(Site(code=code, centre_id=world.centres["reprise"], name=name,
                    departement_code=departement))


def assert_untouched(core: Core) -> None:
    assert site_centre_siret(core, "S-RP1") == SIRET_REPRISE
    assert transfers(core) == 0
    assert audit_actions(core) == []


# --------------------------------------------------------------------------- get_site
def test_r_site_1_get_site_view(core, world):
    view = get_site(core, "dreets_idf", "S-RP1")
    assert (view.code, view.name, view.departement_code, view.departement_name) == (
        "S-RP1", "Site de Montreuil", "93", "Seine-Saint-Denis")
    assert view.region_code == "11" and view.competent_service == "DRIEETS Île-de-France"
    assert view.centre.siret == SIRET_REPRISE and view.on_reprise
    assert (view.agrements_count, view.sessions_count) == (1, 1)
    assert get_site(core, "centre_a", "S-A1").centre.label == f"Formapro Paris ({SIRET_A})"


def test_r_site_2_centre_de_reprise_is_named_not_shown_by_its_pseudo_siret(core, world):
    label = get_site(core, "dreets_idf", "S-RP1").centre.label
    assert SIRET_REPRISE not in label and "reprise" in label.lower()


def test_r_act_2_get_site_out_of_scope(core, world):
    for login, code in (("centre_b", "S-A1"), ("ud35", "S-A1"), ("dreets_bzh", "S-RP1"),
                        ("afpa", "S-A1")):
        with pytest.raises(RuleViolation) as err:
            get_site(core, login, code)
        assert err.value.rule == "R-ACT-2"
    with pytest.raises(NotFound) as err:
        get_site(core, "admin", "S-NOPE")
    assert err.value.message == "Le site « S-NOPE » est introuvable."
    assert len(audit_actions(core, "refused")) == 4


# --------------------------------------------------------------------------- find_sites
def test_find_sites_by_code_any_case_or_by_name_without_accents(core, world):
    add_reprise_site(core, world, "S-RP2", "93", "Site de Montreuil – Élysée")
    codes = lambda login, text: [v.code for v in find_sites(core, login, text)]  # noqa: E731
    assert codes("dreets_idf", "s-rp1") == ["S-RP1"]  # the code, whatever its case
    assert codes("dreets_idf", " S-RP1 ") == ["S-RP1"]
    assert codes("dreets_idf", "site de montreuil") == ["S-RP1"]  # an exact name comes alone
    assert codes("dreets_idf", "montreuil") == ["S-RP1", "S-RP2"]  # every word typed
    assert codes("dreets_idf", "MONTREUIL elysee") == ["S-RP2"]  # accents ignored
    assert codes("dreets_idf", "Lyon") == []
    # R-ACT-2: only the sites of the actor's scope.
    assert codes("dreets_bzh", "montreuil") == []
    with pytest.raises(RuleViolation) as err:
        find_sites(core, "support", "montreuil")
    assert err.value.rule == "R-ACT-2"


# --------------------------------------------------------------------------- R-SITE-6
def test_r_site_6_transfer_by_dreets_of_other_region_refused_even_if_target_in_its_region(
        core, world):
    # S-RP1 is in 93 (Île-de-France); the target centre B is in Rennes (Bretagne).
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_bzh", "S-RP1", SIRET_B, confirm=True)
    assert err.value.rule == "R-SITE-6"
    assert err.value.message == (
        "Seule la DRIEETS Île-de-France, compétente pour le lieu du site « Site de Montreuil » "
        "(93), peut transférer ce site, indépendamment de l'adresse du centre (R-SITE-6).")
    assert_untouched(core)
    with core.transaction() as db:
        event = db.scalars(select(AuditEvent)).one()
        assert (event.action, event.outcome, event.rule, event.actor_login) == (
            "site.transfer", "refused", "R-SITE-6", "dreets_bzh")
    # The DREETS competent for the site's location may, whatever the centre's address.
    assert transfer_site(core, "dreets_idf", "S-RP1", SIRET_B, confirm=True).confirmed


@pytest.mark.parametrize("login", ["ud75", "centre_a", "support", "afpa", "dreets_reunion"])
def test_r_site_6_transfer_refused_for_other_actors(core, world, login):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, login, "S-RP1", SIRET_A, confirm=True)
    assert err.value.rule == "R-SITE-6"
    assert_untouched(core)


def test_r_site_6_scope_checked_before_the_siret(core, world):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_bzh", "S-RP1", "123", confirm=True)
    assert err.value.rule == "R-SITE-6"


def test_r_site_6_can_transfer_site_yes_no(core, world):
    """The bot's check ``actor_is_site_dreets``: the same rule, as a yes/no, no change."""
    assert can_transfer_site(core, "dreets_idf", "S-RP1")
    assert can_transfer_site(core, "admin", "S-RP1")
    for login in ("dreets_bzh", "ud75", "centre_a", "afpa"):
        assert not can_transfer_site(core, login, "S-RP1")
    with pytest.raises(NotFound):
        can_transfer_site(core, "dreets_idf", "S-NOPE")
    assert_untouched(core)


def test_r_site_6_admin_may_transfer(core, world):
    assert transfer_site(core, "admin", "S-B1", SIRET_A, confirm=True).to_centre.siret == SIRET_A


# --------------------------------------------------------------------------- R-SITE-2 / 3
@pytest.mark.parametrize("target", ["0000000000000", "00000000000000", "0000 0000 00000"])
def test_r_site_2_reprise_siret_refused_as_target(core, world, target):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_idf", "S-A1", target, confirm=True)
    assert err.value.rule == "R-SITE-2"
    assert "centre de reprise" in err.value.message
    assert site_centre_siret(core, "S-A1") == SIRET_A


def test_r_site_2_invalid_luhn_refused(core, world):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_idf", "S-RP1", "35620718300018", confirm=True)
    assert err.value.rule == "R-SITE-2"
    assert err.value.message == (
        "Le SIRET « 35620718300018 » n'est pas valide (clé de contrôle incorrecte) (R-SITE-2).")
    assert_untouched(core)


def test_r_site_2_wrong_length_refused(core, world):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_idf", "S-RP1", "3562071830", confirm=False)
    assert err.value.message == "Le SIRET « 3562071830 » doit comporter 14 chiffres (R-SITE-2)."


def test_r_site_3_unregistered_siret_message_exact(core, world):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_idf", "S-RP1", "553 015 348 00012", confirm=True)
    assert err.value.rule == "R-SITE-3"
    assert UNREGISTERED_TARGET_MESSAGE == (
        "Le siret saisi ne correspond pas à un centre enregistré dans CERES")
    assert err.value.message.startswith(
        "Le siret saisi ne correspond pas à un centre enregistré dans CERES. ")
    assert err.value.message == (
        "Le siret saisi ne correspond pas à un centre enregistré dans CERES. La DRIEETS "
        "Île-de-France, compétente pour le lieu du site « Site de Montreuil », doit d'abord "
        f"enregistrer le centre (SIRET {SIRET_UNREGISTERED}) dans CERES, puis transférer le "
        "site (R-SITE-3).")
    assert_untouched(core)


def test_r_site_3_path_register_then_transfer(core, world):
    with pytest.raises(RuleViolation):
        transfer_site(core, "dreets_idf", "S-RP1", SIRET_UNREGISTERED)
    register_centre(core, "dreets_idf", SIRET_UNREGISTERED, site_code="S-RP1")
    assert centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)
    result = transfer_site(core, "dreets_idf", "S-RP1", SIRET_UNREGISTERED, confirm=True)
    assert result.to_centre.name == "INSTITUT DES METIERS DU PAYSAGE"
    assert result.target_needs_activation_letter
    assert activation_letter_pdf(core, "dreets_idf", SIRET_UNREGISTERED).startswith(b"%PDF")


# --------------------------------------------------------------------------- R-SITE-5
def test_r_site_5_preview_changes_nothing(core, world):
    preview = transfer_site(core, "dreets_idf", "S-RP1", "356 207 183 00019")
    assert not preview.confirmed
    assert preview.confirmation_question == (
        "Êtes-vous sûr de vouloir transférer le site vers le centre Bretagne Compétences ?")
    assert (preview.site_code, preview.site_name) == ("S-RP1", "Site de Montreuil")
    assert preview.from_centre.is_reprise and preview.to_centre.siret == SIRET_B
    assert (preview.agrements_moved, preview.sessions_moved) == (1, 1)
    assert preview.session_refs == ("TITRE_B_2027_000002",)
    assert preview.transfer_id is None and preview.at is None
    assert "Confirmez le transfert" in preview.next_step
    assert_untouched(core)


def test_r_site_5_confirm_moves_site_agrements_and_sessions(core, world):
    # A second session on the site, to make the counts meaningful.
    with core.transaction() as db:
        first = db.get(ExamSession, world.sessions["REPRISE1-TP"])
        db.add(ExamSession(
            ref="TITRE_B_2027_000003", site_id=first.site_id, agrement_id=first.agrement_id,
            kind=first.kind, title_id=first.title_id, start_date=first.start_date,
            start_time=first.start_time, end_date=first.end_date, created_at=core.clock.now()))
    result = transfer_site(core, "dreets_idf", "S-RP1", SIRET_B, confirm=True)
    assert result.confirmed and result.transfer_id is not None
    assert (result.agrements_moved, result.sessions_moved) == (1, 2)
    assert result.session_refs == ("TITRE_B_2027_000002", "TITRE_B_2027_000003")
    assert result.at == core.clock.now() and result.by == "dreets_idf"
    assert site_centre_siret(core, "S-RP1") == SIRET_B
    with core.transaction() as db:
        centre_b = db.get(Centre, world.centres["B"])
        agrements = db.scalars(select(Agrement).join(Site).where(Site.centre_id == centre_b.id))
        assert {a.id for a in agrements} == {world.agrements["B1-SC"],
                                             world.agrements["REPRISE1-ODP"]}
        sessions = db.scalars(select(ExamSession).join(Site).where(Site.centre_id == centre_b.id))
        assert {s.ref for s in sessions} == {"TITRE_B_2027_000002", "TITRE_B_2027_000003"}
        reprise = db.get(Centre, world.centres["reprise"])
        assert reprise.sites == []
        record = db.scalars(select(SiteTransfer)).one()
        assert (record.from_centre_id, record.to_centre_id, record.by_user_id) == (
            world.centres["reprise"], world.centres["B"], world.users["dreets_idf"])
        assert (record.agrements_moved, record.sessions_moved) == (1, 2)
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "site.transfer")).one()
        assert event.details["from_siret"] == SIRET_REPRISE
        assert event.details["to_siret"] == SIRET_B
        assert event.details["sessions_moved"] == 2
    # The new centre now sees the site; the reprise list no longer holds it.
    assert get_site(core, "centre_b", "S-RP1").centre.siret == SIRET_B
    assert list_sites_on_reprise(core, "dreets_idf") == ()


def test_r_site_5_transfer_is_one_transaction(core, world, monkeypatch):
    def broken_audit(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sites_module, "audit", broken_audit)
    with pytest.raises(RuntimeError):
        transfer_site(core, "dreets_idf", "S-RP1", SIRET_B, confirm=True)
    assert_untouched(core)


def test_r_site_5_history_records_who_when_from_to(core, world, clock):
    assert site_history(core, "dreets_idf", "S-RP1") == ()
    transfer_site(core, "dreets_idf", "S-RP1", SIRET_A, confirm=True)
    first_at = clock.now()
    clock.advance(days=3, hours=2)
    transfer_site(core, "admin", "S-RP1", SIRET_B, confirm=True)
    history = site_history(core, "dreets_idf", "S-RP1")
    assert [(h.by_login, h.from_centre.siret, h.to_centre.siret) for h in history] == [
        ("dreets_idf", SIRET_REPRISE, SIRET_A), ("admin", SIRET_A, SIRET_B)]
    assert [h.at for h in history] == [first_at, clock.now()]
    assert history[0].by_name == "Agent DRIEETS Île-de-France"
    assert (history[0].agrements_moved, history[0].sessions_moved) == (1, 1)
    assert history[0].summary == (
        "Le 22/11/2026 à 10:00, Agent DRIEETS Île-de-France a transféré le site du centre "
        "« Centre de reprise » vers le centre « Formapro Paris ».")
    # The current centre reads its site's history.
    assert len(site_history(core, "centre_b", "S-RP1")) == 2


def test_r_act_2_site_history_out_of_scope(core, world):
    for login in ("centre_a", "dreets_bzh", "ud75", "support"):
        with pytest.raises(RuleViolation) as err:
            site_history(core, login, "S-RP1")
        assert err.value.rule == "R-ACT-2"


def test_r_site_1_transfer_to_its_own_centre_refused(core, world):
    with pytest.raises(RuleViolation) as err:
        transfer_site(core, "dreets_idf", "S-A1", SIRET_A)
    assert err.value.rule == "R-SITE-1"
    assert err.value.message == (
        "Le site « Formapro Paris 11e » est déjà rattaché au centre « Formapro Paris » "
        "(R-SITE-1).")


def test_r_site_1_transfer_between_ordinary_centres(core, world):
    # Case 2 of 002: a site on a wrong ordinary centre, same operation.
    result = transfer_site(core, "dreets_reunion", "S-R1", SIRET_A, confirm=True)
    assert result.from_centre.siret == SIRET_R and not result.from_centre.is_reprise
    assert site_centre_siret(core, "S-R1") == SIRET_A


def test_r_site_6_unknown_site(core, world):
    with pytest.raises(NotFound):
        transfer_site(core, "dreets_idf", "S-NOPE", SIRET_A)


# --------------------------------------------------------------------------- R-SITE-7
def test_r_site_7_transfer_to_centre_without_code_needs_activation_letter(core, world):
    result = transfer_site(core, "dreets_idf", "S-RP1", SIRET_B, confirm=True)
    assert result.target_needs_activation_letter
    assert "n'a jamais reçu de code d'activation : éditez son courrier d'activation" in (
        result.next_step)
    # The DREETS competent for the (now attached) site can edit the letter.
    assert activation_letter_pdf(core, "dreets_idf", SIRET_B).startswith(b"%PDF")


def test_r_site_7_transfer_to_centre_with_code_only_needs_telling(core, world):
    issue_activation_code(core, "dreets_idf", SIRET_A)
    preview = transfer_site(core, "dreets_idf", "S-RP1", SIRET_A)
    assert not preview.target_needs_activation_letter
    result = transfer_site(core, "dreets_idf", "S-RP1", SIRET_A, confirm=True)
    assert not result.target_needs_activation_letter
    assert result.next_step.endswith(
        "Le centre « Formapro Paris » a déjà un code d'activation : il suffit de l'avertir que "
        "le transfert est effectué.")


# --------------------------------------------------------------------------- reprise list
def test_list_sites_on_reprise_by_zone(core, world):
    add_reprise_site(core, world, "S-RP2", "35", "Site de Redon")
    add_reprise_site(core, world, "S-RP3", "75", "Site de Paris 20e")
    codes = lambda login: [s.code for s in list_sites_on_reprise(core, login)]  # noqa: E731
    assert codes("dreets_idf") == ["S-RP3", "S-RP1"]  # by département, then name
    assert codes("dreets_bzh") == ["S-RP2"]
    assert codes("ud75") == ["S-RP3"]
    assert codes("ud974") == []
    assert codes("admin") == ["S-RP2", "S-RP3", "S-RP1"]
    view = list_sites_on_reprise(core, "ud35")[0]
    assert view.on_reprise and view.competent_service == "DREETS Bretagne"


def test_r_act_2_list_sites_on_reprise_refused_for_centres(core, world):
    for login in ("centre_a", "afpa"):
        with pytest.raises(RuleViolation) as err:
            list_sites_on_reprise(core, login)
        assert err.value.rule == "R-ACT-2"
