"""The attestation de réussite (R-PRT-5), its PDF and its service."""

from __future__ import annotations

import functools
import re
from datetime import date

import pytest
from sqlalchemy import func, select

import ceres_core.documents.attestation as attestation_module
from ceres_core.documents.attestation import AttestationData, build_attestation, render_attestation
from ceres_core.errors import RuleViolation
from ceres_core.models import AuditEvent
from ceres_core.services.printing import (
    attestation_reussite,
    mark_data_verified,
    request_print,
)
from tests.test_printing import build_printing_session


def pdf_text(data: bytes) -> str:
    """The text of an uncompressed core-font PDF (fpdf2 writes ``(...) Tj``)."""
    parts = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", data)
    out = []
    for raw in parts:
        raw = re.sub(rb"\\([()\\])", rb"\1", raw)
        out.append(raw.decode("cp1252"))
    return " ".join(out)


@pytest.fixture
def readable_pdf(monkeypatch):
    """Make the service write an uncompressed core-font PDF whose text can be read."""
    monkeypatch.setattr(
        attestation_module,
        "render_attestation",
        functools.partial(render_attestation, unicode_font=False, compress=False),
    )


@pytest.fixture
def session_ref(core, world):
    return build_printing_session(core, world)


SAMPLE = AttestationData(
    issued_on=date(2022, 11, 29), service_name="DRIEETS Île-de-France",
    signatory="Gaëtan Rudant", civility="Monsieur", first_name="Henri", last_name="Chevalier",
    birth_date=date(1990, 3, 12), ceres_id="2122559",
    obtained="le titre professionnel Ouvrier du paysage", title_label="Ouvrier du paysage",
    title_code="TP-00463", title_version_date=date(2018, 9, 20), title_level=3,
    title_domains=("214r", "214s"), title_rncp="RNCP31666", session_ref="TITRE_B_2023_470415",
    session_start=date(2022, 10, 3), session_end=date(2022, 10, 4),
    session_place="Formapro Paris 11e, Paris",
)


def test_r_prt_5_render_attestation_is_a_pdf_with_the_text():
    data = render_attestation(SAMPLE)  # default: Unicode font when available, compressed
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    text = pdf_text(render_attestation(SAMPLE, unicode_font=False, compress=False))
    for expected in (
        "Attestation de réussite",
        "Je soussigné(e), Gaëtan Rudant, DRIEETS Île-de-France, certifie que",
        "Monsieur Henri CHEVALIER",
        "12/03/1990",
        "Candidat n° 2122559",
        "Ouvrier du paysage (TP-00463)",
        "niveau 3",
        "214r, 214s",
        "RNCP31666",
        "TITRE_B_2023_470415",
        "Le 29 novembre 2022",
    ):
        assert expected in text, expected
    texts = build_attestation(SAMPLE).texts
    assert "Né le : 12/03/1990" in texts


def test_r_prt_5_attestation_for_admitted_after_first_request(core, session_ref, readable_pdf):
    request_print(core, "ud75", session_ref, "2122559")
    filename, data = attestation_reussite(core, "ud75", session_ref, "2122559")
    assert filename == f"attestation_reussite_2122559_{session_ref}.pdf"
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for expected in (
        "Agent UD Paris",  # the signatory: the actor
        "UD de la DRIEETS (75 – Paris)",  # the service, from the département
        "Monsieur Henri CHEVALIER",
        "Né le",
        "12/03/1990",
        "Candidat n° 2122559",
        "le titre professionnel Ouvrier du paysage (TP-00463)",
        "niveau 3",
        "du 05/10/2026 au 06/10/2026",
        "Formapro Paris 11e, Paris",
        "Le 22 novembre 2026",
    ):
        assert expected in text, expected
    with core.transaction() as db:
        assert db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "print.attestation", AuditEvent.outcome == "ok")) == 1


def test_r_prt_5_attestation_by_dreets_names_the_regional_service(core, session_ref, readable_pdf):
    request_print(core, "ud75", session_ref, "2122559")
    _, data = attestation_reussite(core, "dreets_idf", session_ref, "2122559")
    text = pdf_text(data)
    assert "Agent DRIEETS Île-de-France, DRIEETS Île-de-France" in text


def test_r_prt_5_attestation_refused_for_refused_candidate(core, session_ref):
    mark_data_verified(core, "ud75", session_ref, "2122562")
    request_print(core, "ud75", session_ref, "2122562")
    with pytest.raises(RuleViolation) as err:
        attestation_reussite(core, "ud75", session_ref, "2122562")
    assert err.value.rule == "R-PRT-5"
    assert "que pour un candidat admis" in err.value.message
    assert "refusé" in err.value.message


def test_r_prt_5_attestation_refused_for_partially_admitted(core, session_ref):
    request_print(core, "ud75", session_ref, "2122561")
    with pytest.raises(RuleViolation) as err:
        attestation_reussite(core, "ud75", session_ref, "2122561")
    assert err.value.rule == "R-PRT-5"
    assert "partiellement admis" in err.value.message


def test_r_prt_5_attestation_refused_before_first_print_request(core, session_ref):
    with pytest.raises(RuleViolation) as err:
        attestation_reussite(core, "ud75", session_ref, "2122559")
    assert err.value.rule == "R-PRT-5"
    assert "après la première demande d'impression" in err.value.message


@pytest.mark.parametrize("login", ["ud35", "dreets_bzh", "centre_a", "afpa"])
def test_r_act_2_attestation_out_of_scope(core, session_ref, login):
    request_print(core, "ud75", session_ref, "2122559")
    with pytest.raises(RuleViolation) as err:
        attestation_reussite(core, login, session_ref, "2122559")
    assert err.value.rule == "R-ACT-2"
