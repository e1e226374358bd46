"""Candidate records: R-CAN-1 (search, no second record), R-CAN-2 (back to draft),
R-CAN-3 (birth place), R-CAN-4 (alerts), R-CAN-5 (duplicates), R-ACT-2 (scope)."""

from __future__ import annotations

import re
from datetime import date, time
from itertools import count

import pytest
from sqlalchemy import func, select, text

from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    AuditEvent,
    Candidate,
    CandidateState,
    ExamSession,
    Registration,
    SessionKind,
    SessionState,
    User,
)
from ceres_core.services.candidates import (
    back_to_draft,
    create_candidate,
    find_duplicates,
    get_candidate,
    report_duplicate,
    search_candidates,
    update_candidate,
    validate_candidate,
)

# ------------------------------------------------------------------- helpers

_refs = count(100)


def new_candidate(core, actor="centre_a", **fields):
    """Create a record through the service with sensible defaults."""
    values = {
        "civility": "M.",
        "last_name": "Dupont",
        "first_name": "Jean",
        "birth_date": "15/03/1990",
        "birth_country": "France",
        "birth_commune": "Paris",
        "birth_postal_code": "75012",
        "address": "1 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
        "email": "jean.dupont@example.fr",
    }
    values.update(fields)
    return create_candidate(core, actor, **values)


def raw_candidate(core, world, last, first, birth, *, region="11", creator="centre_a"):
    """Insert a record directly (to build duplicates the service would refuse)."""
    from ceres_core.names import name_key

    with core.transaction() as db:
        n = next(_refs)
        c = Candidate(
            ceres_id=f"99{n:08d}X", civility="M.", last_name=last, first_name=first,
            name_key=name_key(last, first), birth_date=birth, birth_country="France",
            birth_commune="Paris", birth_postal_code="75001", region_code=region,
            created_at=core.clock.now(), created_by_id=world.users[creator],
        )
        db.add(c)
        db.flush()
        return c.ceres_id


def make_session(core, world, *, site="A1", kind=SessionKind.TP, start=date(2027, 3, 10),
                 final=True, state=SessionState.EN_PREPARATION):
    """An extra session of a site of the world (agrément of that site)."""
    agrement = {"A1": "A1-ODP", "B1": "B1-SC", "REPRISE1": "REPRISE1-ODP", "R1": "R1-SC"}[site]
    title = {"A1": "ODP", "B1": "SC", "REPRISE1": "ODP", "R1": "SC"}[site]
    with core.transaction() as db:
        session = ExamSession(
            ref=f"TITRE_T_{start.year}_{next(_refs):06d}", site_id=world.sites[site],
            agrement_id=world.agrements[agrement], kind=kind, title_id=world.titles[title],
            ccp_id=world.ccps["ODP1"] if kind is SessionKind.CCP else None,
            ccs_id=world.ccss["ODP-CCS"] if kind is SessionKind.CCS else None,
            with_final_interview=final, start_date=start, start_time=time(9, 0),
            end_date=start, state=state, created_at=core.clock.now(),
        )
        db.add(session)
        db.flush()
        return session.ref


def register_raw(core, session_ref, ceres_id):
    with core.transaction() as db:
        session = db.scalar(select(ExamSession).where(ExamSession.ref == session_ref))
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == ceres_id))
        db.add(Registration(session_id=session.id, candidate_id=cand.id,
                            registered_at=core.clock.now()))


def candidate_count(core) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count(Candidate.id)))


def last_event(core, action):
    with core.transaction() as db:
        return db.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id.desc())
        ).first()


# ------------------------------------------------------------------ creation


def test_create_candidate_starts_as_draft_with_generated_ceres_id(core, world):
    view = new_candidate(core)
    assert view.state == "brouillon" and view.state_label == "brouillon"
    assert re.fullmatch(r"1126\d{7}[A-HJ-NP-W]", view.ceres_id)
    assert view.region_code == "11" and view.region_name == "Île-de-France"
    assert view.name_key == "DUPONT JEAN"
    assert view.birth_date == date(1990, 3, 15)
    assert view.birth_place == "Paris (75012)"
    assert view.alerts == ()
    event = last_event(core, "candidate.create")
    assert event.actor_login == "centre_a" and event.details["ceres_id"] == view.ceres_id
    assert get_candidate(core, "centre_a", view.ceres_id.lower()).ceres_id == view.ceres_id


def test_r_can_1_create_refused_when_same_person_exists(core, world):
    first = new_candidate(core)
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, "centre_b", last_name="DUPONT", first_name="jean",
                      birth_date=date(1990, 3, 15))
    assert err.value.rule == "R-CAN-1"
    assert first.ceres_id in err.value.message
    assert "Recherchez" in err.value.message and "15/03/1990" in err.value.message
    assert err.value.message.endswith("(R-CAN-1).")
    assert candidate_count(core) == 1
    refused = last_event(core, "candidate.create")
    assert (refused.outcome, refused.rule) == ("refused", "R-CAN-1")


def test_r_can_1_same_name_other_birth_date_is_another_person(core, world):
    new_candidate(core)
    other = new_candidate(core, birth_date="16/03/1990")
    assert other.state == "brouillon"
    assert candidate_count(core) == 2


@pytest.mark.parametrize(
    ("fields", "fragment"),
    [
        ({"birth_date": "31/02/1990"}, "« 31/02/1990 » n'est pas une date valide"),
        ({"birth_date": "hier"}, "JJ/MM/AAAA"),
        ({"email": "jean.dupont@"}, "adresse électronique « jean.dupont@ » n'est pas valide"),
        ({"civility": "Dr"}, "civilité « Dr »"),
        ({"last_name": "  "}, "« nom de naissance » est obligatoire"),
        ({"first_name": "---"}, "au moins une lettre"),
        ({"birth_date": "01/01/2030"}, "postérieure à aujourd'hui"),
        ({"region_code": "99"}, "région « 99 » est inconnue"),
        ({"shoe_size": "42"}, "Champ(s) inconnu(s)"),
    ],
)
def test_create_bad_input_is_refused_and_nothing_is_written(core, world, fields, fragment):
    with pytest.raises(InvalidInput) as err:
        new_candidate(core, **fields)
    assert fragment in err.value.message
    assert candidate_count(core) == 0


def test_r_act_2_create_needs_a_candidate_role_and_own_region(core, world):
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, "afpa")
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, "centre_a", region_code="53")
    assert err.value.rule == "R-ACT-2" and "hors de votre périmètre" in err.value.message
    admin_view = new_candidate(core, "admin", region_code="53")
    assert admin_view.region_code == "53"
    with pytest.raises(InvalidInput):
        new_candidate(core, "admin", last_name="Martin")  # admin has no home region
    assert candidate_count(core) == 1


# --------------------------------------------------------------- birth place


def test_r_can_3_france_requires_commune_and_postal_code(core, world):
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, birth_postal_code=None)
    assert err.value.rule == "R-CAN-3"
    assert "commune de naissance avec son code postal" in err.value.message
    with pytest.raises(RuleViolation):
        new_candidate(core, birth_commune="")
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, birth_postal_code="7501")
    assert "5 chiffres" in err.value.message
    assert candidate_count(core) == 0


def test_r_can_3_reunion_as_country_takes_commune_without_postal_code(core, world):
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, "centre_a", birth_country="Réunion",
                      birth_commune="Saint-Pierre", birth_postal_code="97410")
    assert err.value.rule == "R-CAN-3"
    assert "sans code postal" in err.value.message
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, birth_country="La Réunion", birth_commune=None,
                      birth_postal_code=None)
    assert err.value.rule == "R-CAN-3"
    view = new_candidate(core, birth_country="reunion", birth_commune="Saint-Pierre",
                         birth_postal_code=None)
    assert (view.birth_country, view.birth_commune, view.birth_postal_code) == (
        "Réunion", "Saint-Pierre", None)
    assert view.birth_place == "Saint-Pierre, Réunion"


def test_r_can_3_overseas_postal_code_with_country_france_is_refused(core, world):
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, birth_commune="Saint-Pierre", birth_postal_code="97410")
    assert err.value.rule == "R-CAN-3"
    assert "« Réunion »" in err.value.message


def test_r_can_3_other_country_commune_optional_no_postal_code(core, world):
    view = new_candidate(core, birth_country="Maroc", birth_commune=None,
                         birth_postal_code=None)
    assert (view.birth_country, view.birth_commune, view.birth_place) == ("Maroc", None, "Maroc")
    with pytest.raises(RuleViolation) as err:
        new_candidate(core, last_name="Alaoui", birth_country="Maroc",
                      birth_commune="Rabat", birth_postal_code="10000")
    assert err.value.rule == "R-CAN-3" and "pas de code postal" in err.value.message


# -------------------------------------------------------------------- alerts


def test_r_can_4_digit_in_name_alert_blocks_validation(core, world):
    view = new_candidate(core, civility="Mme", last_name="MARIACH1", first_name="Colette")
    assert view.state == "brouillon"  # the alert does not block creation
    assert [(a.rule, a.field) for a in view.alerts] == [("R-CAN-4", "last_name")]
    assert "le chiffre « 1 »" in view.alerts[0].message
    assert not view.can_be_validated
    with pytest.raises(RuleViolation) as err:
        validate_candidate(core, "centre_a", view.ceres_id)
    assert err.value.rule == "R-CAN-4"
    assert "MARIACH1" in err.value.message and "R-PRT-3" in err.value.message
    assert get_candidate(core, "centre_a", view.ceres_id).state == "brouillon"
    fixed = update_candidate(core, "centre_a", view.ceres_id, last_name="Mariach")
    assert fixed.alerts == () and fixed.name_key == "MARIACH COLETTE"
    assert validate_candidate(core, "centre_a", view.ceres_id).state == "valide"


def test_r_can_4_incoherent_birth_year_too_young(core, world):
    view = new_candidate(core, birth_date="01/06/2015")  # 11 on 22/11/2026
    assert [a.field for a in view.alerts] == ["birth_date"]
    assert "11 ans au 22/11/2026" in view.alerts[0].message
    assert "entre 14 et 100 ans" in view.alerts[0].message
    with pytest.raises(RuleViolation) as err:
        validate_candidate(core, "centre_a", view.ceres_id)
    assert err.value.rule == "R-CAN-4" and "année de naissance" in err.value.message


def test_r_can_4_incoherent_birth_year_too_old(core, world):
    view = new_candidate(core, birth_date="01/01/1920")
    assert [a.field for a in view.alerts] == ["birth_date"]
    assert "106 ans" in view.alerts[0].message


def test_r_can_4_age_is_checked_at_the_session_date(core, world):
    # 13 today, 14 at the session of 20/05/2027: no alert once registered.
    view = new_candidate(core, birth_date="01/01/2013")
    assert [a.field for a in view.alerts] == ["birth_date"]
    register_raw(core, "TITRE_A_2027_000001", view.ceres_id)
    assert get_candidate(core, "centre_a", view.ceres_id).alerts == ()


# -------------------------------------------------------- draft / validation


def test_r_can_2_validated_record_changes_only_after_back_to_draft(core, world):
    view = new_candidate(core)
    validate_candidate(core, "centre_a", view.ceres_id)
    with pytest.raises(RuleViolation) as err:
        update_candidate(core, "centre_a", view.ceres_id, address="2 rue Neuve")
    assert err.value.rule == "R-CAN-2"
    assert "Revenir à l'état brouillon" in err.value.message
    assert get_candidate(core, "centre_a", view.ceres_id).address == "1 rue de la Paix"

    draft = back_to_draft(core, "centre_a", view.ceres_id)
    assert draft.state == "brouillon"
    changed = update_candidate(core, "centre_a", view.ceres_id, address="2 rue Neuve",
                               first_name="Jean-Marc")
    assert changed.address == "2 rue Neuve" and changed.name_key == "DUPONT JEAN MARC"
    assert last_event(core, "candidate.update").details["fields"] == ["address", "first_name"]
    assert validate_candidate(core, "centre_a", view.ceres_id).state_label == "validée"


def test_r_can_2_back_to_draft_of_a_draft_and_double_validation_refused(core, world):
    view = new_candidate(core)
    with pytest.raises(RuleViolation) as err:
        back_to_draft(core, "centre_a", view.ceres_id)
    assert err.value.rule == "R-CAN-2" and "déjà à l'état brouillon" in err.value.message
    validate_candidate(core, "centre_a", view.ceres_id)
    with pytest.raises(RuleViolation) as err:
        validate_candidate(core, "centre_a", view.ceres_id)
    assert err.value.rule == "R-CAN-2"


def test_update_bad_input_leaves_the_record_unchanged(core, world):
    view = new_candidate(core)
    with pytest.raises(InvalidInput):
        update_candidate(core, "centre_a", view.ceres_id, last_name="Durand", email="nope")
    with pytest.raises(InvalidInput):
        update_candidate(core, "centre_a", view.ceres_id, region_code="53")
    with pytest.raises(RuleViolation) as err:
        update_candidate(core, "centre_a", view.ceres_id, birth_postal_code=None)
    assert err.value.rule == "R-CAN-3"
    again = get_candidate(core, "centre_a", view.ceres_id)
    assert (again.last_name, again.email, again.name_key) == (
        "Dupont", "jean.dupont@example.fr", "DUPONT JEAN")


def test_r_can_5_update_into_an_existing_person_is_refused(core, world):
    a = new_candidate(core)
    b = new_candidate(core, first_name="Jeanne")
    with pytest.raises(RuleViolation) as err:
        update_candidate(core, "centre_a", b.ceres_id, first_name="Jean")
    assert err.value.rule == "R-CAN-5"
    assert a.ceres_id in err.value.message and b.ceres_id in err.value.message


def test_unknown_ceres_id(core, world):
    with pytest.raises(NotFound) as err:
        get_candidate(core, "centre_a", "123")
    assert "« 123 »" in err.value.message


# --------------------------------------------------------------------- scope


def test_r_act_2_candidate_scope(core, world):
    view = new_candidate(core)  # created by centre A, region 11
    for login in ("centre_a", "ud75", "dreets_idf", "admin"):
        assert get_candidate(core, login, view.ceres_id).ceres_id == view.ceres_id
    for login in ("centre_b", "ud35", "dreets_bzh", "ud974"):
        with pytest.raises(RuleViolation) as err:
            update_candidate(core, login, view.ceres_id, address="ailleurs")
        assert err.value.rule == "R-ACT-2"
        assert "hors de votre périmètre" in err.value.message
    with pytest.raises(RuleViolation) as err:
        get_candidate(core, "support", view.ceres_id)
    assert err.value.rule == "R-ACT-2"
    refused = last_event(core, "candidate.update")
    assert (refused.outcome, refused.rule) == ("refused", "R-ACT-2")
    assert get_candidate(core, "centre_a", view.ceres_id).address == "1 rue de la Paix"


def test_r_act_2_registration_gives_the_session_centre_and_zone_access(core, world):
    view = new_candidate(core)
    session_ref = make_session(core, world, site="B1", kind=SessionKind.TP)
    register_raw(core, session_ref, view.ceres_id)
    assert get_candidate(core, "centre_b", view.ceres_id).session_refs == (session_ref,)
    assert get_candidate(core, "ud35", view.ceres_id).ceres_id == view.ceres_id
    validate_candidate(core, "dreets_bzh", view.ceres_id)
    with pytest.raises(RuleViolation):
        get_candidate(core, "ud974", view.ceres_id)


# -------------------------------------------------------------------- search


def test_r_can_1_search_region_first_then_france(core, world):
    paris = new_candidate(core, "centre_a")
    rennes = new_candidate(core, "centre_b", first_name="Jeanne", birth_date="02/02/1985",
                           birth_commune="Rennes", birth_postal_code="35000")
    hits = search_candidates(core, "centre_b", "Dupont")
    assert [(h.candidate.ceres_id, h.scope) for h in hits] == [
        (rennes.ceres_id, "région"), (paris.ceres_id, "France")]
    hits = search_candidates(core, "ud75", "dupont")
    assert [(h.candidate.ceres_id, h.scope) for h in hits] == [
        (paris.ceres_id, "région"), (rennes.ceres_id, "France")]
    assert hits[0].candidate.region_name == "Île-de-France"
    # The national admin has no home region: everything is "France".
    assert {h.scope for h in search_candidates(core, "admin", "Dupont")} == {"France"}


def test_r_can_1_search_tolerates_typos_accents_and_inversion(core, world):
    dupont = new_candidate(core)
    lefevre = new_candidate(core, last_name="Lefèvre", first_name="Hélène",
                            civility="Mme", birth_date="05/05/1979")
    new_candidate(core, last_name="Martin", first_name="Paul", birth_date="01/01/1980")
    assert [h.candidate.ceres_id for h in search_candidates(core, "centre_a", "Dupond")] == [
        dupont.ceres_id]
    assert [h.candidate.ceres_id for h in search_candidates(core, "centre_a", "Jean Dupond")] == [
        dupont.ceres_id]
    hits = search_candidates(core, "centre_a", "lefevre helene")
    assert [h.candidate.ceres_id for h in hits] == [lefevre.ceres_id]
    assert hits[0].score == 100.0
    assert search_candidates(core, "centre_a", "Durand") == []


def test_r_can_1_search_with_birth_date_forgives_first_letter_typos(core, world):
    dupont = new_candidate(core)
    new_candidate(core, first_name="Pierre", birth_date="16/03/1990")
    hits = search_candidates(core, "centre_a", "Tupont Jean", birth_date="15/03/1990")
    assert [h.candidate.ceres_id for h in hits] == [dupont.ceres_id]
    only_date = search_candidates(core, "centre_a", "", birth_date=date(1990, 3, 16))
    assert [h.candidate.first_name for h in only_date] == ["Pierre"]


def test_r_can_1_search_by_ceres_id_and_multiword_names(core, world):
    dupont = new_candidate(core)
    legoff = new_candidate(core, last_name="Le Goff", first_name="Anne", civility="Mme",
                           birth_date="01/01/1970")
    assert search_candidates(core, "dreets_bzh", dupont.ceres_id)[0].candidate.ceres_id == (
        dupont.ceres_id)
    assert [h.candidate.ceres_id for h in search_candidates(core, "centre_a", "le goff")] == [
        legoff.ceres_id]
    assert [h.candidate.ceres_id for h in search_candidates(core, "centre_a", "Anne Legoff")] == [
        legoff.ceres_id]


def test_r_can_1_name_key_prefix_ranges_are_byte_wise(core, world, engine):
    """The search's ranges on name_key count the space (collation "C" on PostgreSQL)."""
    from ceres_core.services.candidates import _range

    raw_candidate(core, world, "Le Goff", "Anne", date(1970, 1, 1))
    raw_candidate(core, world, "Legrand", "Paul", date(1971, 1, 1))
    with core.transaction() as db:
        in_range = db.scalars(select(Candidate.name_key).where(_range("LE "))).all()
        ordered = db.scalars(select(Candidate.name_key).order_by(Candidate.name_key)).all()
    assert in_range == ["LE GOFF ANNE"]
    assert ordered == ["LE GOFF ANNE", "LEGRAND PAUL"]
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            collation = conn.execute(text(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'candidates' AND column_name = 'name_key'")).scalar()
        assert collation == "C"


def test_search_bad_input(core, world):
    with pytest.raises(InvalidInput):
        search_candidates(core, "centre_a", "  ")
    with pytest.raises(InvalidInput):
        search_candidates(core, "centre_a", "D")
    with pytest.raises(InvalidInput) as err:
        search_candidates(core, "centre_a", "Dupont", birth_date="32/01/1990")
    assert "32/01/1990" in err.value.message


def test_r_act_2_search_refused_to_roles_without_candidates(core, world):
    for login in ("afpa", "support"):
        with pytest.raises(RuleViolation) as err:
            search_candidates(core, login, "Dupont")
        assert err.value.rule == "R-ACT-2"
        assert err.value.message == (
            "Votre profil ne permet pas de rechercher un candidat (R-ACT-2).")


# ---------------------------------------------------------------- duplicates


def test_r_can_5_find_duplicates_of_a_record(core, world):
    born = date(1990, 3, 15)
    ref = raw_candidate(core, world, "Dupont", "Jean", born)
    accents = raw_candidate(core, world, "DUPONT", "Jéan", born)
    inverted = raw_candidate(core, world, "Jean", "Dupont", born)
    typo = raw_candidate(core, world, "Dupond", "Jean", born)
    day_typo = raw_candidate(core, world, "Dupont", "Jean", date(1990, 3, 16))  # one digit
    raw_candidate(core, world, "Dupont", "Jean", date(1991, 4, 16))  # another birth date
    raw_candidate(core, world, "Martin", "Paul", born)  # other person
    raw_candidate(core, world, "Dupont", "Dupont", born)  # not "Dupont Jean" completed
    completed = raw_candidate(core, world, "Dupont", "Jean-Marie", born)
    pairs = find_duplicates(core, "centre_a", ref)
    by_other = {p.second.ceres_id: p for p in pairs}
    assert set(by_other) == {accents, inverted, typo, completed, day_typo}
    assert "faute de frappe" in by_other[day_typo].reason
    assert "prénoms incomplets" in by_other[completed].reason
    assert all(p.first.ceres_id == ref for p in pairs)
    assert "accents" in by_other[accents].reason
    assert "inversés" in by_other[inverted].reason
    assert "orthographe très proche" in by_other[typo].reason
    assert by_other[typo].ceres_ids == (ref, typo)
    assert pairs[0].similarity >= pairs[-1].similarity


def test_r_can_5_find_duplicates_by_person_and_by_zone(core, world):
    born = date(1988, 8, 8)
    a = raw_candidate(core, world, "Le Goff", "Anne", born, region="53")
    b = raw_candidate(core, world, "Legoff", "Anne", born, region="53")
    c = raw_candidate(core, world, "Le Goff", "Anne Marie", born, region="11")
    pairs = find_duplicates(core, "centre_b", last_name="LE GOFF", first_name="anne",
                            birth_date="08/08/1988")
    assert {frozenset(p.ceres_ids) for p in pairs} == {
        frozenset({a, b}), frozenset({a, c}), frozenset({b, c})}
    zone = find_duplicates(core, "dreets_bzh")
    assert [frozenset(p.ceres_ids) for p in zone] == [frozenset({a, b})]
    assert "espaces" in zone[0].reason
    assert [frozenset(p.ceres_ids) for p in find_duplicates(core, "admin", region_code="53")] == [
        frozenset({a, b})]
    with pytest.raises(InvalidInput):
        find_duplicates(core, "admin")  # no home region: name one
    with pytest.raises(RuleViolation) as err:
        find_duplicates(core, "centre_a", region_code="53")
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(InvalidInput):
        find_duplicates(core, "centre_b", last_name="Le Goff")
    with pytest.raises(RuleViolation) as err:
        find_duplicates(core, "afpa")
    assert err.value.rule == "R-ACT-2"


def test_r_can_5_report_duplicate_to_the_dreets(core, world):
    born = date(1990, 3, 15)
    mine = new_candidate(core, "centre_b", birth_commune="Rennes", birth_postal_code="35000")
    other = raw_candidate(core, world, "Dupond", "Jean", born, region="11")
    report = report_duplicate(core, "centre_b", [mine.ceres_id, other.lower()],
                              "Le candidat capitalise des CCP.")
    assert report.ceres_ids == (mine.ceres_id, other)
    assert report.dreets_name == "DREETS Bretagne" and report.region_code == "53"
    assert "orthographe très proche" in report.reasons[0]
    assert mine.ceres_id in report.request_text and other in report.request_text
    assert "ne peut pas les fusionner" in report.request_text
    assert "Le candidat capitalise des CCP." in report.request_text
    event = last_event(core, "candidate.duplicate_reported")
    assert event.outcome == "ok" and event.actor_login == "centre_b"
    assert event.details["ceres_ids"] == [mine.ceres_id, other]
    assert event.details["dreets"] == "DREETS Bretagne"
    # Nothing merged: both records still exist.
    assert candidate_count(core) == 2


def test_r_can_5_report_duplicate_refusals(core, world):
    born = date(1990, 3, 15)
    a = raw_candidate(core, world, "Dupont", "Jean", born, region="11")
    b = raw_candidate(core, world, "Dupond", "Jean", born, region="11")
    with pytest.raises(RuleViolation) as err:
        report_duplicate(core, "centre_b", [a, b], "")
    assert err.value.rule == "R-ACT-2"
    with pytest.raises(InvalidInput):
        report_duplicate(core, "centre_a", [a, a.lower()], "")
    with pytest.raises(NotFound):
        report_duplicate(core, "centre_a", [a, "000"], "")
    with core.transaction() as db:
        reported = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "candidate.duplicate_reported",
            AuditEvent.outcome == "ok")).all()
        assert reported == []
    assert report_duplicate(core, "dreets_idf", [a, b], "").dreets_name == (
        "DRIEETS Île-de-France")


def test_state_enum_is_stored(core, world):
    view = new_candidate(core)
    validate_candidate(core, "centre_a", view.ceres_id)
    with core.transaction() as db:
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == view.ceres_id))
        assert cand.state is CandidateState.VALIDE
        assert db.get(User, cand.created_by_id).login == "centre_a"


def test_r_dte_2_candidate_contact_fields_checked_like_the_dte_order(core, world):
    """The record's e-mail, phone and postal code are checked with the DTE order's own
    checks (R-DTE-2, ``ceres_core.values``); a phone abroad in international form is
    accepted; each field stays optional (R-CAN-*: none is required at creation)."""
    for fields, words in (({"email": "jean.dupont@"}, "n'est pas valide"),
                          ({"phone": "pas de tel"}, "« pas de tel » n'est pas valable"),
                          ({"postal_code": "7500"}, "5 chiffres")):
        with pytest.raises(InvalidInput) as err:
            new_candidate(core, **fields)
        assert words in err.value.message
    abroad = new_candidate(core, first_name="Luc", phone="+32 470 12 34 56",
                           email="luc.dupont@exemple.be")
    assert abroad.phone == "+32 470 12 34 56"
    bare = new_candidate(core, first_name="Paul", address=None, postal_code=None, city=None,
                         email=None, phone=None)
    assert (bare.address, bare.email, bare.phone) == (None, None, None)
