"""Printing and mailing diplomas (R-PRT-1..4, 6, 7) and after the mailing (R-AFT-1..3)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    AuditEvent,
    Candidate,
    CandidateState,
    ExamSession,
    PndEvent,
    PrintKind,
    PrintRequest,
    Registration,
    Result,
    SessionKind,
    SessionState,
    User,
)
from ceres_core.names import name_key
from ceres_core.services.printing import (
    PREVIEW_NOTICE,
    attestation_reussite,
    documents_preview,
    mark_data_verified,
    print_history,
    record_pnd,
    request_duplicate,
    request_print,
    request_print_for_session,
)

# --------------------------------------------------------------------------- data helpers

SESSION_REF = "TITRE_A_2026_100001"

_AGREMENT_OF_SITE = {"A1": "A1-ODP", "B1": "B1-SC", "REPRISE1": "REPRISE1-ODP", "R1": "R1-SC"}
_TITLE_OF_SITE = {"A1": "ODP", "B1": "SC", "REPRISE1": "ODP", "R1": "SC"}


def add_session(
    db,
    world,
    ref: str,
    *,
    site: str = "A1",
    state: SessionState = SessionState.VALIDEE,
    kind: SessionKind = SessionKind.TP,
    start: date = date(2026, 10, 5),
    ccs: bool = False,
    now: datetime | None = None,
) -> ExamSession:
    now = now or datetime(2026, 11, 2, 9, 0, tzinfo=PARIS)
    session = ExamSession(
        ref=ref,
        site_id=world.sites[site],
        agrement_id=world.agrements[_AGREMENT_OF_SITE[site]],
        kind=kind,
        title_id=world.titles[_TITLE_OF_SITE[site]],
        ccs_id=world.ccss["ODP-CCS"] if ccs else None,
        start_date=start,
        start_time=time(8, 30),
        end_date=start + timedelta(days=1),
        state=state,
        validated_at=now if state is SessionState.VALIDEE else None,
        created_at=now,
    )
    db.add(session)
    db.flush()
    return session


def add_candidate(
    db,
    ceres_id: str,
    last: str,
    first: str,
    *,
    civility: str = "M.",
    birth: date = date(1990, 3, 12),
    state: CandidateState = CandidateState.VALIDE,
    region: str = "11",
) -> Candidate:
    existing = db.scalar(select(Candidate).where(Candidate.ceres_id == ceres_id))
    if existing is not None:
        return existing
    cand = Candidate(
        ceres_id=ceres_id, civility=civility, last_name=last, first_name=first,
        name_key=name_key(last, first), birth_date=birth, birth_commune="Paris",
        birth_postal_code="75001", address="5 rue des Lilas", postal_code="75020",
        city="Paris", state=state, region_code=region,
        created_at=datetime(2026, 1, 5, 9, 0, tzinfo=PARIS),
    )
    db.add(cand)
    db.flush()
    return cand


def register(
    db,
    session: ExamSession,
    cand: Candidate,
    result: Result | None,
    *,
    verified: bool = False,
    ccps: tuple = (),
) -> Registration:
    from ceres_core.models import Ccp

    reg = Registration(
        session_id=session.id, candidate_id=cand.id, result=result,
        registered_at=datetime(2026, 9, 1, 9, 0, tzinfo=PARIS),
        data_verified_at=datetime(2026, 11, 20, 9, 0, tzinfo=PARIS) if verified else None,
    )
    reg.ccps_obtained = [db.get(Ccp, c) for c in ccps]
    db.add(reg)
    db.flush()
    return reg


def add_print(db, reg: Registration, user_login: str, when: datetime,
              kind: PrintKind = PrintKind.INITIALE) -> None:
    user_id = db.scalar(select(User.id).where(User.login == user_login))
    db.add(PrintRequest(registration_id=reg.id, kind=kind, requested_at=when,
                        requested_by_id=user_id))
    db.flush()


def build_printing_session(core, world, ref: str = SESSION_REF):
    """A validated ODP session at A1 (Paris) with one candidate per case."""
    with core.transaction() as db:
        s = add_session(db, world, ref)
        register(db, s, add_candidate(db, "2122559", "CHEVALIER", "Henri"), Result.ADMIS,
                 verified=True)
        register(db, s, add_candidate(db, "2122560", "MARIACH1", "Colette", civility="Mme"),
                 Result.ADMIS, verified=True)
        register(db, s, add_candidate(db, "2122561", "DUPONT", "Marie", civility="Mme"),
                 Result.PARTIELLEMENT_ADMIS, verified=True, ccps=(world.ccps["ODP1"],))
        register(db, s, add_candidate(db, "2122562", "MARTIN", "Paul"), Result.REFUSE)
        register(db, s, add_candidate(db, "2122563", "LEROY", "Jean"), None)
    return ref


def count(core, model) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


@pytest.fixture
def session_ref(core, world):
    return build_printing_session(core, world)


# --------------------------------------------------------------------------- R-PRT-1


def test_r_prt_1_preview_lists_documents_per_result(core, session_ref):
    view = documents_preview(core, "ud75", session_ref)
    by_id = {c.ceres_id: c for c in view.candidates}
    assert [d.code for d in by_id["2122559"].documents] == ["diplome", "livret"]
    assert by_id["2122559"].documents[0].label == "Diplôme du titre professionnel Ouvrier du paysage"
    assert by_id["2122559"].documents[0].cover_letter == "Lettre d'accompagnement du diplôme"
    assert by_id["2122559"].display_name == "Monsieur CHEVALIER Henri"
    assert "a obtenu, par décision du jury, le titre professionnel de : Ouvrier du paysage " \
           "(20/09/2018)" in by_id["2122559"].preview_text
    assert "niveau 3" in by_id["2122559"].preview_text
    # Partially admitted: the livret with the CCPs obtained and its letter (reading).
    partial = by_id["2122561"]
    assert [d.code for d in partial.documents] == ["livret"]
    assert "CCP-00463-1" in partial.documents[0].label
    assert partial.ccps_obtained == ("CCP-00463-1 Réaliser des travaux d'entretien paysager",)
    # Refused: the notification d'échec and its letter.
    refused = by_id["2122562"]
    assert [d.code for d in refused.documents] == ["notification_echec"]
    assert "Lettre" in refused.documents[0].cover_letter
    # No result: nothing to print.
    assert by_id["2122563"].documents == ()
    assert not by_id["2122563"].to_send
    assert view.notice == PREVIEW_NOTICE
    for word in ("tampon", "signature", "logo", "filigrané", "recto du livret"):
        assert word in view.notice
    assert view.to_send_count == 4 and view.sent_count == 0
    assert view.next_to_send == "2122559"


def test_r_prt_1_ccs_session_gives_ccs_certificate(core, world):
    with core.transaction() as db:
        s = add_session(db, world, "CCS_A_2026_000009", kind=SessionKind.CCS, ccs=True)
        register(db, s, add_candidate(db, "3000001", "BERNARD", "Luc"), Result.ADMIS)
    view = documents_preview(core, "ud75", "CCS_A_2026_000009")
    docs = view.candidates[0].documents
    assert [d.code for d in docs] == ["diplome", "livret"]
    assert docs[0].label == "Certificat complémentaire de spécialisation « Entretien des espaces sportifs »"


def test_r_prt_1_preview_refused_before_validation(core, world):
    with core.transaction() as db:
        add_session(db, world, "TITRE_A_2026_100002", state=SessionState.EN_ATTENTE_VALIDATION)
    with pytest.raises(RuleViolation) as err:
        documents_preview(core, "ud75", "TITRE_A_2026_100002")
    assert err.value.rule == "R-PRT-1"
    assert "en attente de validation" in err.value.message


def test_r_prt_1_print_refused_before_validation(core, world):
    with core.transaction() as db:
        s = add_session(db, world, "TITRE_A_2026_100003", state=SessionState.DEBLOQUEE)
        register(db, s, add_candidate(db, "3000002", "ROUX", "Anne"), Result.ADMIS, verified=True)
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", "TITRE_A_2026_100003", "3000002")
    assert err.value.rule == "R-PRT-1"
    assert count(core, PrintRequest) == 0


def test_r_prt_1_no_result_nothing_to_print(core, session_ref):
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", session_ref, "2122563")
    assert err.value.rule == "R-PRT-1"
    assert "aucun document à imprimer" in err.value.message


# --------------------------------------------------------------------------- R-PRT-2


def test_r_prt_2_print_refused_without_verified_box(core, session_ref):
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", session_ref, "2122562")
    assert err.value.rule == "R-PRT-2"
    assert "Données vérifiées et conformes" in err.value.message
    assert err.value.message.endswith("(R-PRT-2).")
    assert count(core, PrintRequest) == 0


def test_r_prt_2_verify_then_send_then_next_candidate_shown(core, session_ref, clock):
    line = mark_data_verified(core, "ud75", session_ref, "2122562")
    assert line.data_verified and line.data_verified_on == date(2026, 11, 22)
    first = request_print(core, "ud75", session_ref, "2122559")
    assert first.next_candidate is not None
    assert first.next_candidate.ceres_id == "2122560"
    assert first.remaining_to_send == 3
    view = request_print(core, "ud75", session_ref, "2122561")
    assert view.next_candidate.ceres_id == "2122562"
    last = request_print(core, "ud75", session_ref, "2122562")
    # Wraps around to the one still pending (MARIACH1, blocked by its alert).
    assert last.next_candidate.ceres_id == "2122560"
    assert last.remaining_to_send == 1
    # Unticking is possible and stored.
    assert not mark_data_verified(core, "ud75", session_ref, "2122560", verified=False).data_verified


# --------------------------------------------------------------------------- R-PRT-3


def test_r_prt_3_print_refused_with_digit_in_name(core, session_ref):
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", session_ref, "2122560")
    assert err.value.rule == "R-PRT-3"
    msg = err.value.message
    assert "MARIACH1" in msg and "chiffre « 1 »" in msg
    assert "Revenir à l'état brouillon" in msg and "module « Candidats »" in msg
    assert "validez-la à nouveau" in msg
    assert count(core, PrintRequest) == 0
    # The box cannot be ticked either while the alert stands.
    with pytest.raises(RuleViolation) as err:
        mark_data_verified(core, "ud75", session_ref, "2122560")
    assert err.value.rule == "R-PRT-3"
    preview = documents_preview(core, "ud75", session_ref)
    line = next(c for c in preview.candidates if c.ceres_id == "2122560")
    assert line.alerts and "chiffre" in line.alerts[0]


def test_r_prt_3_print_refused_for_draft_record(core, world):
    with core.transaction() as db:
        s = add_session(db, world, "TITRE_A_2026_100004")
        register(db, s, add_candidate(db, "3000003", "PETIT", "Léa", civility="Mme",
                                      state=CandidateState.BROUILLON), Result.ADMIS,
                 verified=True)
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", "TITRE_A_2026_100004", "3000003")
    assert err.value.rule == "R-PRT-3"
    assert "brouillon" in err.value.message


def test_r_prt_3_print_refused_for_incoherent_birth_year(core, world):
    with core.transaction() as db:
        s = add_session(db, world, "TITRE_A_2026_100005")
        register(db, s, add_candidate(db, "3000004", "GARNIER", "Tom", birth=date(2015, 1, 1)),
                 Result.ADMIS, verified=True)
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", "TITRE_A_2026_100005", "3000004")
    assert err.value.rule == "R-PRT-3"
    assert "année de naissance semble incohérente" in err.value.message
    assert "11 ans" in err.value.message


# --------------------------------------------------------------------------- R-PRT-4


def test_r_prt_4_initial_request_line_and_no_second_initial(core, session_ref, clock):
    view = request_print(core, "ud75", session_ref, "2122559")
    assert view.kind == "initiale"
    assert view.candidate.status_line == "Demande d'impression initiale transmise le 22/11/2026"
    assert view.candidate.initial_request_on == date(2026, 11, 22)
    assert "Demande d'impression initiale transmise le 22/11/2026" in view.message
    preview = documents_preview(core, "ud75", session_ref)
    line = next(c for c in preview.candidates if c.ceres_id == "2122559")
    assert line.status_line == "Demande d'impression initiale transmise le 22/11/2026"
    assert not line.to_send
    clock.advance(days=1)
    with pytest.raises(RuleViolation) as err:
        request_print(core, "ud75", session_ref, "2122559")
    assert err.value.rule == "R-PRT-4"
    assert "duplicata" in err.value.message and "29/11/2026" in err.value.message
    assert count(core, PrintRequest) == 1
    with core.transaction() as db:
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "print.request")).all()
        assert {(e.outcome, e.rule) for e in events} == {("ok", None), ("refused", "R-PRT-4")}


# --------------------------------------------------------------------------- R-PRT-6


@pytest.fixture
def printed_2022(core, world, clock):
    """The seed's case: Henri CHEVALIER, initial request on 29/11/2022."""
    clock.set(datetime(2022, 11, 29, 10, 0, tzinfo=PARIS))
    with core.transaction() as db:
        s = add_session(db, world, "TITRE_B_2023_470415", start=date(2022, 10, 3),
                        now=datetime(2022, 11, 16, 9, 0, tzinfo=PARIS))
        register(db, s, add_candidate(db, "2122559", "CHEVALIER", "Henri"), Result.ADMIS,
                 verified=True)
    request_print(core, "ud75", "TITRE_B_2023_470415", "2122559")
    return "TITRE_B_2023_470415"


def test_r_prt_6_duplicate_refused_before_7_days(core, printed_2022, clock):
    clock.set(datetime(2022, 12, 2, 10, 0, tzinfo=PARIS))  # 3 days later
    with pytest.raises(RuleViolation) as err:
        request_duplicate(core, "ud75", printed_2022, "2122559", data_verified=True)
    assert err.value.rule == "R-PRT-6"
    assert err.value.message == (
        "Un duplicata ne peut être demandé que 7 jours après la dernière demande "
        "d'impression : possible à partir du 06/12/2022 (R-PRT-6)."
    )
    assert count(core, PrintRequest) == 1


def test_r_prt_6_duplicate_allowed_at_10_days_and_listed(core, printed_2022, clock):
    clock.set(datetime(2022, 12, 9, 10, 0, tzinfo=PARIS))  # 10 days later
    view = request_duplicate(core, "ud75", printed_2022, "2122559", data_verified=True)
    assert view.kind == "duplicata"
    assert view.candidate.duplicates_count == 1
    assert view.candidate.duplicate_dates == (date(2022, 12, 9),)
    assert view.candidate.history_lines == (
        "Demande d'impression initiale transmise le 29/11/2022",
        "Duplicata demandé le 09/12/2022",
        "Duplicatas envoyés pour impression : (1)",
    )
    assert count(core, PrintRequest) == 2
    # The delay runs from the *last* request, now the duplicate.
    clock.set(datetime(2022, 12, 12, 10, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        request_duplicate(core, "ud75", printed_2022, "2122559", data_verified=True)
    assert "possible à partir du 16/12/2022" in err.value.message
    clock.set(datetime(2022, 12, 16, 8, 0, tzinfo=PARIS))  # exactly 7 days: allowed
    view = request_duplicate(core, "ud75", printed_2022, "2122559", document="diplome",
                             data_verified=True)
    assert view.candidate.duplicates_count == 2
    history = print_history(core, "ud75", printed_2022, "2122559")
    assert history.candidate.duplicate_dates == (date(2022, 12, 9), date(2022, 12, 16))
    assert history.next_duplicate_from == date(2022, 12, 23)
    assert history.attestation_available


def test_r_prt_6_duplicate_delay_is_configurable(core, printed_2022, clock):
    from dataclasses import replace

    core.rules = replace(core.rules, duplicate_delay_days=3)
    clock.set(datetime(2022, 12, 2, 10, 0, tzinfo=PARIS))
    assert request_duplicate(core, "ud75", printed_2022, "2122559",
                             data_verified=True).candidate.duplicates_count == 1


def test_r_prt_6_duplicate_needs_data_checked_again(core, printed_2022, clock):
    clock.set(datetime(2022, 12, 9, 10, 0, tzinfo=PARIS))
    with pytest.raises(RuleViolation) as err:
        request_duplicate(core, "ud75", printed_2022, "2122559", data_verified=False)
    assert err.value.rule == "R-PRT-6"
    assert "conformes" in err.value.message
    assert count(core, PrintRequest) == 1


def test_r_prt_6_duplicate_needs_an_initial_request(core, session_ref):
    with pytest.raises(RuleViolation) as err:
        request_duplicate(core, "ud75", session_ref, "2122559", data_verified=True)
    assert err.value.rule == "R-PRT-6"
    assert "initiale" in err.value.message


def test_r_prt_6_booklet_duplicate_is_a_reprint(core, printed_2022, clock):
    clock.set(datetime(2022, 12, 9, 10, 0, tzinfo=PARIS))
    view = request_duplicate(core, "ud75", printed_2022, "2122559", document="livret",
                             data_verified=True)
    assert view.document == "livret"
    assert "réimpression du livret" in " ".join(view.notes)
    with core.transaction() as db:
        dup = db.scalars(select(PrintRequest).where(PrintRequest.kind == PrintKind.DUPLICATA)).one()
        assert dup.document == "livret"


def test_r_prt_6_unknown_document_is_bad_input_and_changes_nothing(core, printed_2022, clock):
    clock.set(datetime(2022, 12, 9, 10, 0, tzinfo=PARIS))
    with pytest.raises(InvalidInput) as err:
        request_duplicate(core, "ud75", printed_2022, "2122559", document="notification_echec",
                          data_verified=True)
    assert "ne fait pas partie des documents" in err.value.message
    assert count(core, PrintRequest) == 1


# --------------------------------------------------------------------------- R-PRT-7


def test_r_prt_7_drom_session_mailed_to_the_deets(core, world):
    with core.transaction() as db:
        s = add_session(db, world, "TITRE_R_2026_000010", site="R1")
        register(db, s, add_candidate(db, "4000001", "PAYET", "Julie", civility="Mme",
                                      region="04"), Result.ADMIS, verified=True)
    view = request_print(core, "ud974", "TITRE_R_2026_000010", "4000001")
    assert view.routing.overseas and view.routing.recipient == "service"
    assert view.routing.service_name == "DEETS La Réunion"
    assert "envoie à la DEETS La Réunion" in view.routing.label
    assert "aux candidats ou aux centres" in view.routing.label


def test_r_prt_7_metropolitan_session_mailed_to_the_candidate(core, session_ref):
    view = request_print(core, "ud75", session_ref, "2122559")
    assert not view.routing.overseas and view.routing.recipient == "candidat"
    assert "directement au candidat" in view.routing.label
    assert documents_preview(core, "ud75", session_ref).routing == view.routing


# --------------------------------------------------------------------------- batch


def test_r_prt_2_request_print_for_session_one_by_one(core, session_ref):
    batch = request_print_for_session(core, "ud75", session_ref)
    outcomes = {o.ceres_id: o for o in batch.outcomes}
    assert set(outcomes) == {"2122559", "2122560", "2122561", "2122562"}
    assert outcomes["2122559"].sent and outcomes["2122561"].sent
    assert outcomes["2122560"].rule == "R-PRT-3"
    assert outcomes["2122562"].rule == "R-PRT-2"
    assert (batch.sent_count, batch.refused_count) == (2, 2)
    assert count(core, PrintRequest) == 2
    # Each candidate named is ticked first; the alert still blocks MARIACH1.
    batch = request_print_for_session(core, "ud75", session_ref, ["2122560", "2122562"])
    outcomes = {o.ceres_id: o for o in batch.outcomes}
    assert set(outcomes) == {"2122560", "2122562"}
    assert outcomes["2122562"].sent and outcomes["2122560"].rule == "R-PRT-3"
    assert count(core, PrintRequest) == 3


def test_r_prt_2_batch_outcome_list_is_complete_whatever_the_error(
    core, session_ref, monkeypatch
):
    """A candidate refused by a plain CeresError (not a RuleViolation) or a raw integrity
    error still gets its line; the others are sent."""
    from sqlalchemy.exc import IntegrityError

    from ceres_core.services import printing

    real = printing.request_print

    def flaky(core_, actor, ref, ceres_id):
        if ceres_id == "2122559":
            raise NotFound("La fiche a été supprimée entre-temps.")
        if ceres_id == "2122561":
            raise IntegrityError("INSERT", {}, Exception("unique"))
        return real(core_, actor, ref, ceres_id)

    monkeypatch.setattr(printing, "request_print", flaky)
    batch = request_print_for_session(
        core, "ud75", session_ref, ["2122559", "2122560", "2122561", "2122562"])
    outcomes = {o.ceres_id: o for o in batch.outcomes}
    assert set(outcomes) == {"2122559", "2122560", "2122561", "2122562"}
    assert outcomes["2122559"].message == "La fiche a été supprimée entre-temps."
    assert not outcomes["2122561"].sent and "Réessayez" in outcomes["2122561"].message
    assert outcomes["2122562"].sent and outcomes["2122560"].rule == "R-PRT-3"
    assert (batch.sent_count, batch.refused_count) == (1, 3)


# --------------------------------------------------------------------------- R-AFT-*


def test_r_aft_2_pnd_records_new_address_and_no_duplicate(core, session_ref, clock):
    request_print(core, "ud75", session_ref, "2122559")
    clock.advance(days=12)
    view = record_pnd(core, "ud75", session_ref, "2122559", new_address="14 avenue Foch",
                      new_postal_code="69006", new_city="Lyon", comment="Signalé par l'Afpa")
    assert view.previous_address == "5 rue des Lilas, 75020 Paris"
    assert view.new_address == "14 avenue Foch, 69006 Lyon"
    assert view.duplicate_requested is False
    assert "Aucune demande de duplicata" in view.message
    assert "brouillon" in view.record_note and "validée à nouveau" in view.record_note
    assert view.afpa_notified_on == date(2026, 12, 4)
    assert count(core, PrintRequest) == 1  # no duplicate requested
    with core.transaction() as db:
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == "2122559"))
        assert (cand.address, cand.postal_code, cand.city) == ("14 avenue Foch", "69006", "Lyon")
        assert cand.state is CandidateState.VALIDE
        event = db.scalars(select(PndEvent)).one()
        assert event.previous_address == "5 rue des Lilas, 75020 Paris"
        assert event.new_address == "14 avenue Foch, 69006 Lyon"
        assert event.afpa_notified_at is not None and event.comment == "Signalé par l'Afpa"
    history = print_history(core, "ud75", session_ref, "2122559")
    assert len(history.pnd_events) == 1 and history.candidate.duplicates_count == 0


def test_r_aft_2_pnd_goes_through_the_candidates_module_r_can_2(core, session_ref):
    """The PND's address change is the candidates module's: fields normalised, and a
    record with an R-CAN-4 alert is not validated again (it stays a draft)."""
    with core.transaction() as db:
        reg = db.scalar(select(Registration).join(Candidate).where(
            Candidate.ceres_id == "2122560"))  # MARIACH1: a digit in the name, validated
        add_print(db, reg, "ud75", datetime(2026, 11, 2, 9, 0, tzinfo=PARIS))
    view = record_pnd(core, "ud75", session_ref, "2122560", new_address="14  avenue   Foch",
                      new_postal_code="69006", new_city="Lyon")
    assert view.new_address == "14 avenue Foch, 69006 Lyon"
    assert "n'a pas pu être validée à nouveau" in view.record_note
    assert "MARIACH1" in view.record_note and "R-CAN-4" in view.record_note
    with core.transaction() as db:
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == "2122560"))
        assert cand.state is CandidateState.BROUILLON
        assert cand.address == "14 avenue Foch"


def test_r_aft_2_pnd_bad_postal_code_changes_nothing(core, session_ref, clock):
    request_print(core, "ud75", session_ref, "2122559")
    clock.advance(days=7)  # printed and mailed (R-AFT-2: no PND before)
    with pytest.raises(InvalidInput) as err:
        record_pnd(core, "ud75", session_ref, "2122559", new_address="14 avenue Foch",
                   new_postal_code="6900", new_city="Lyon")
    assert "5 chiffres" in err.value.message
    with pytest.raises(InvalidInput):
        record_pnd(core, "ud75", session_ref, "2122559", new_address="  ",
                   new_postal_code="69006", new_city="Lyon")
    with pytest.raises(InvalidInput):  # same address as the record
        record_pnd(core, "ud75", session_ref, "2122559", new_address="5 rue des Lilas",
                   new_postal_code="75020", new_city="Paris")
    assert count(core, PndEvent) == 0
    with core.transaction() as db:
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == "2122559"))
        assert cand.postal_code == "75020"


def test_r_aft_2_pnd_refused_before_the_documents_can_have_been_printed_and_mailed(
        core, session_ref, clock):
    """R-AFT-2 (reading, ceres_core.rules.pnd_possible_from): a PND is a mail returned; the
    documents just sent for printing cannot have come back yet: refused, with the date
    from which it can be recorded (R-PRT-6's delay after the first request)."""
    from ceres_core.services.printing import check_pnd

    request_print(core, "ud75", session_ref, "2122559")  # 22/11/2026
    for days in (0, 6):  # the day of the request, then the 6th day after (28/11)
        clock.advance(days=days)
        with pytest.raises(RuleViolation) as err:
            check_pnd(core, "ud75", session_ref, "2122559")
        assert err.value.rule == "R-AFT-2" and "avant le 29/11/2026" in err.value.message
        with pytest.raises(RuleViolation):
            record_pnd(core, "ud75", session_ref, "2122559", new_address="14 avenue Foch",
                       new_postal_code="69006", new_city="Lyon")
    assert count(core, PndEvent) == 0
    assert print_history(core, "ud75", session_ref, "2122559").pnd_possible_from == date(
        2026, 11, 29)
    clock.advance(days=1)  # 29/11: the 7th day
    check_pnd(core, "ud75", session_ref, "2122559")
    assert record_pnd(core, "ud75", session_ref, "2122559", new_address="14 avenue Foch",
                      new_postal_code="69006", new_city="Lyon").notice_id


def test_r_aft_2_pnd_refused_when_nothing_was_mailed(core, session_ref):
    with pytest.raises(RuleViolation) as err:
        record_pnd(core, "ud75", session_ref, "2122559", new_address="14 avenue Foch",
                   new_postal_code="69006", new_city="Lyon")
    assert err.value.rule == "R-AFT-2"
    assert count(core, PndEvent) == 0


def test_r_aft_3_lost_mail_duplicate_and_attestation_meanwhile(core, session_ref, clock):
    request_print(core, "ud75", session_ref, "2122559")
    clock.advance(days=20)  # not a PND; the address is right: request a duplicate
    view = request_duplicate(core, "ud75", session_ref, "2122559", data_verified=True)
    assert view.candidate.duplicates_count == 1
    assert any("attestation de réussite" in n for n in view.notes)
    assert print_history(core, "ud75", session_ref, "2122559").attestation_available


def test_r_aft_1_error_fixed_then_duplicate(core, session_ref, clock):
    """Civility error: the record is fixed (Candidates module), then a duplicate."""
    request_print(core, "ud75", session_ref, "2122561")
    with core.transaction() as db:
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == "2122561"))
        cand.state = CandidateState.BROUILLON
    clock.advance(days=8)
    with pytest.raises(RuleViolation) as err:  # still a draft: validate it first
        request_duplicate(core, "ud75", session_ref, "2122561", data_verified=True)
    assert err.value.rule == "R-PRT-3"
    with core.transaction() as db:
        cand = db.scalar(select(Candidate).where(Candidate.ceres_id == "2122561"))
        cand.civility, cand.state = "M.", CandidateState.VALIDE
    view = request_duplicate(core, "ud75", session_ref, "2122561", data_verified=True)
    assert view.candidate.civility == "Monsieur"
    # Partially admitted: no attestation de réussite.
    assert not any("attestation" in n for n in view.notes)


# --------------------------------------------------------------------------- R-ACT-2


@pytest.mark.parametrize("login", ["ud35", "dreets_bzh", "ud974"])
def test_r_act_2_printing_out_of_zone_refused(core, session_ref, login):
    calls = [
        lambda: documents_preview(core, login, session_ref),
        lambda: mark_data_verified(core, login, session_ref, "2122562"),
        lambda: request_print(core, login, session_ref, "2122559"),
        lambda: request_print_for_session(core, login, session_ref),
        lambda: request_duplicate(core, login, session_ref, "2122559", data_verified=True),
        lambda: record_pnd(core, login, session_ref, "2122559", new_address="1 rue A",
                           new_postal_code="69006", new_city="Lyon"),
        lambda: print_history(core, login, session_ref, "2122559"),
    ]
    for call in calls:
        with pytest.raises(RuleViolation) as err:
            call()
        assert err.value.rule == "R-ACT-2"
        assert "hors de votre périmètre" in err.value.message or (
            login.startswith("dreets") and "Votre profil ne permet pas" in err.value.message
        )
    assert count(core, PrintRequest) == 0
    with core.transaction() as db:
        refused = db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.outcome == "refused", AuditEvent.rule == "R-ACT-2"))
        assert refused == len(calls)


@pytest.mark.parametrize("login", ["centre_a", "afpa", "support", "dreets_idf"])
def test_r_act_2_printing_role_refused(core, session_ref, login):
    with pytest.raises(RuleViolation) as err:
        request_print(core, login, session_ref, "2122559")
    assert err.value.rule == "R-ACT-2"
    assert "Votre profil ne permet pas" in err.value.message


def test_r_act_2_centre_reads_its_own_sessions_printing_but_requests_nothing(core, session_ref):
    request_print(core, "ud75", session_ref, "2122559")
    preview = documents_preview(core, "centre_a", session_ref)
    assert preview.session_ref == session_ref and preview.sent_count == 1
    history = print_history(core, "centre_a", session_ref, "2122559")
    assert history.candidate.initial_request_on is not None
    # Another centre: out of its scope.
    for call in (lambda: documents_preview(core, "centre_b", session_ref),
                 lambda: print_history(core, "centre_b", session_ref, "2122559")):
        with pytest.raises(RuleViolation) as err:
            call()
        assert err.value.rule == "R-ACT-2" and "hors de votre périmètre" in err.value.message
    # Reading only: every request stays with the UD.
    for call in (lambda: request_print(core, "centre_a", session_ref, "2122560"),
                 lambda: request_print_for_session(core, "centre_a", session_ref),
                 lambda: mark_data_verified(core, "centre_a", session_ref, "2122562"),
                 lambda: request_duplicate(core, "centre_a", session_ref, "2122559",
                                           data_verified=True),
                 lambda: attestation_reussite(core, "centre_a", session_ref, "2122559")):
        with pytest.raises(RuleViolation) as err:
            call()
        assert err.value.rule == "R-ACT-2" and "Votre profil ne permet pas" in err.value.message
    assert count(core, PrintRequest) == 1


def test_r_act_2_dreets_reads_but_admin_acts(core, session_ref):
    assert documents_preview(core, "dreets_idf", session_ref).session_ref == session_ref
    view = request_print(core, "admin", session_ref, "2122559")
    assert view.kind == "initiale"


def test_unknown_session_and_candidate(core, session_ref):
    with pytest.raises(NotFound) as err:
        documents_preview(core, "ud75", "TITRE_X_0000_000000")
    assert "introuvable" in err.value.message
    with pytest.raises(NotFound) as err:
        request_print(core, "ud75", session_ref, "9999999")
    assert "n'est pas inscrit" in err.value.message
    with pytest.raises(InvalidInput):
        request_print(core, "ud75", session_ref, "  ")


def test_r_aft_2_pnd_on_a_record_that_already_has_a_migrated_duplicate(core, session_ref,
                                                                      clock):
    """R-CAN-5 refuses creating a duplicate, not fixing the address of one that exists."""
    with core.transaction() as db:
        add_candidate(db, "2122599", "Chevalier", "Henri")  # same person, migrated twice
    request_print(core, "ud75", session_ref, "2122559")
    clock.advance(days=7)  # printed and mailed (R-AFT-2: no PND before)
    view = record_pnd(core, "ud75", session_ref, "2122559", new_address="14 avenue Foch",
                      new_postal_code="69006", new_city="Lyon")
    assert view.new_address == "14 avenue Foch, 69006 Lyon"
    assert "validée à nouveau" in view.record_note


def test_r_prt_2_preview_gives_the_birth_place_attested_with_the_rest(core, session_ref):
    """R-PRT-2: what the box attests, in the core's preview: civility, names, birth date
    and place, result (the chat's print recap shows it per candidate)."""
    line = next(c for c in documents_preview(core, "ud75", session_ref).candidates
                if c.ceres_id == "2122559")
    assert line.birth_place and line.civility in ("Monsieur", "Madame")
    assert line.birth_date and line.result_label


def test_r_prt_2_batch_message_names_no_refused_request_when_all_were_sent(core, session_ref):
    from ceres_core.models import Candidate

    batch = request_print_for_session(core, "ud75", session_ref)
    assert batch.message == "2 candidats envoyés pour impression, 2 demandes non transmises."
    with core.transaction() as db:  # MARIACH1's name corrected (R-PRT-3 lifted)
        db.scalar(select(Candidate).where(Candidate.ceres_id == "2122560")).last_name = "MARIACH"
    batch = request_print_for_session(core, "ud75", session_ref, ["2122560", "2122562"])
    assert (batch.sent_count, batch.refused_count) == (2, 0)
    assert batch.message == "2 candidats envoyés pour impression."


def test_r_prt_2_next_session_date_names_the_prints_still_to_send(core, session_ref, clock):
    from ceres_core.services.dte import next_session_date

    # four candidates with a result wait for their initial request (LEROY has none: R-PRT-1)
    pending = next_session_date(core, "ud75", session_ref)
    assert pending is not None and pending.rule == "R-PRT-2" and not pending.overdue
    assert pending.label == "Envoyer pour impression les documents de 4 candidats (R-PRT-2)"
    for ceres_id in ("2122559", "2122561"):
        request_print(core, "ud75", session_ref, ceres_id)
    assert "de 2 candidats" in next_session_date(core, "ud75", session_ref).label
    mark_data_verified(core, "ud75", session_ref, "2122562")
    request_print(core, "ud75", session_ref, "2122562")
    with core.transaction() as db:  # the last one sent by another way: nothing left
        reg = db.scalar(select(Registration).join(Candidate)
                        .where(Candidate.ceres_id == "2122560"))
        add_print(db, reg, "ud75", datetime(2026, 11, 22, 10, tzinfo=PARIS))
    assert next_session_date(core, "ud75", session_ref) is None
