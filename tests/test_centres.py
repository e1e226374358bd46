"""Centres: registration (R-SITE-4, R-SITE-6), modification, activation codes and letter
(R-SITE-7), scope (R-ACT-2)."""

from __future__ import annotations

import re
import zlib
from datetime import date

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select
from stdnum import luhn

from ceres_core.core import Core
from ceres_core.directory import CompanyRecord, DirectoryUnavailable, OfflineDirectory
from ceres_core.documents.activation_letter import ActivationLetter, render_activation_letter
from ceres_core.documents.pdf import OfficialDocument, find_unicode_font, to_winansi
from ceres_core.errors import CeresError, InvalidInput, NotFound, RuleViolation
from ceres_core.models import ActivationCode, AuditEvent, Centre
from ceres_core.services.centres import (
    activate_centre_account,
    activation_letter_pdf,
    centre_has_activation_code,
    centre_is_registered,
    get_centre,
    issue_activation_code,
    register_centre,
    update_centre,
)
from tests.factories import SIRET_A, SIRET_B, SIRET_REPRISE, SIRET_UNREGISTERED

NEW_NAME = "INSTITUT DES METIERS DU PAYSAGE"  # SIRET_UNREGISTERED in the offline directory
CODE_RE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


# --------------------------------------------------------------------------- helpers
def make_siret(siren_body: str = "12312312", nic_body: str = "0001") -> str:
    """A Luhn-valid SIRET (SIREN and SIRET check digits computed)."""
    siren = siren_body + luhn.calc_check_digit(siren_body)
    body = siren + nic_body
    return body + luhn.calc_check_digit(body)


def count(core: Core, model) -> int:
    with core.transaction() as db:
        return db.scalar(select(func.count()).select_from(model))


def refusals(core: Core) -> list[AuditEvent]:
    with core.transaction() as db:
        return list(db.scalars(select(AuditEvent).where(AuditEvent.outcome == "refused")))


def _pdf_string(raw: bytes, i: int) -> tuple[bytes, int]:
    """Parse a PDF literal string starting after '(' at ``i``; return (bytes, end index)."""
    out = bytearray()
    depth = 1
    escapes = {ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t", ord("b"): b"\b",
               ord("f"): b"\f", ord("("): b"(", ord(")"): b")", ord("\\"): b"\\"}
    while i < len(raw):
        c = raw[i]
        if c == ord("\\"):
            nxt = raw[i + 1]
            if nxt in escapes:
                out += escapes[nxt]
                i += 2
            elif chr(nxt).isdigit():
                digits = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4]).group()
                out.append(int(digits, 8) & 0xFF)
                i += 1 + len(digits)
            else:
                i += 2  # line continuation or unknown escape
            continue
        if c == ord("("):
            depth += 1
        elif c == ord(")"):
            depth -= 1
            if depth == 0:
                return bytes(out), i + 1
        out.append(c)
        i += 1
    raise ValueError("unterminated string")


def pdf_text(data: bytes) -> str:
    """Text shown by the PDF's pages (enough for fpdf2 output: core and Type0 fonts)."""
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    for m in re.finditer(rb"(\d+) 0 obj\s*", data):
        start = m.end()
        end = data.find(b"endobj", start)
        body = data[start:end]
        stream = None
        s = body.find(b"stream")
        if s != -1 and b"/Length" in body[:s]:
            length = int(re.search(rb"/Length (\d+)", body[:s]).group(1))
            s_data = s + len(b"stream")
            s_data += 2 if body[s_data : s_data + 2] == b"\r\n" else 1
            abs_start = start + s_data
            stream = data[abs_start : abs_start + length]
            end = data.find(b"endobj", abs_start + length)
            body = data[start:end]
            if b"/FlateDecode" in body[:s]:
                stream = zlib.decompress(stream)
        objects[int(m.group(1))] = (body, stream)
    # Font resource name -> code map (None for single-byte WinAnsi fonts).
    cmaps: dict[int, dict[int, str]] = {}
    for num, (body, _stream) in objects.items():
        ref = re.search(rb"/ToUnicode (\d+) 0 R", body)
        if ref:
            cmap_stream = objects[int(ref.group(1))][1] or b""
            mapping: dict[int, str] = {}
            for a, b in re.findall(rb"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]+)>", cmap_stream):
                mapping[int(a, 16)] = bytes.fromhex(b.decode()).decode("utf-16-be")
            cmaps[num] = mapping
    fonts: dict[bytes, dict[int, str] | None] = {}
    for body, _stream in objects.values():
        for block in re.findall(rb"/Font\s*<<(.*?)>>", body, re.S):
            for name, num in re.findall(rb"/(\w+) (\d+) 0 R", block):
                fonts[name] = cmaps.get(int(num))
    pieces: list[str] = []
    for _body, stream in objects.values():
        if not stream or b"BT" not in stream:
            continue
        font: dict[int, str] | None = None
        i = 0
        while i < len(stream):
            c = stream[i : i + 1]
            if c == b"/":
                m = re.match(rb"/(\w+)\s+[\d.]+\s+Tf", stream[i:])
                if m:
                    font = fonts.get(m.group(1))
                    i += m.end()
                    continue
            if c == b"(":
                raw, i = _pdf_string(stream, i + 1)
                if font is None:
                    pieces.append(raw.decode("cp1252"))
                else:
                    pieces.append("".join(font.get(int.from_bytes(raw[k : k + 2], "big"), "")
                                          for k in range(0, len(raw) - 1, 2)))
                continue
            if c == b"]":
                pieces.append(" ")
            i += 1
    return re.sub(r"\s+", " ", " ".join(pieces))


# --------------------------------------------------------------------------- R-SITE-4
def test_r_site_4_register_fills_identification_from_directory(core, world):
    view = register_centre(core, "dreets_idf", "553 015 348 00012", site_code="S-RP1",
                           centre_type="Organisme privé", network="  Réseau  Paysage ")
    assert (view.siret, view.name, view.address, view.postal_code, view.commune) == (
        SIRET_UNREGISTERED, NEW_NAME, "45 AVENUE PASTEUR", "93100", "MONTREUIL")
    assert (view.centre_type, view.network) == ("Organisme privé", "Réseau Paysage")
    assert view.site_codes == () and not view.has_activation_code and not view.is_reprise
    assert view.label == f"{NEW_NAME} ({SIRET_UNREGISTERED})"
    assert view.commune_line == "93100 - MONTREUIL"
    assert view.created_at == core.clock.now()
    with core.transaction() as db:
        centre = db.scalar(select(Centre).where(Centre.siret == SIRET_UNREGISTERED))
        assert centre.created_by_id == world.users["dreets_idf"]
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "centre.register")).one()
        assert event.outcome == "ok" and event.actor_login == "dreets_idf"
    assert centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)


def test_r_site_4_identification_not_editable_at_creation(core, world):
    with pytest.raises(TypeError):
        register_centre(core, "dreets_idf", SIRET_UNREGISTERED, name="Autre nom")  # type: ignore[call-arg]
    assert not centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)


def test_r_site_4_register_unknown_in_directory_refused(core, world):
    siret = make_siret()
    before = count(core, Centre)
    with pytest.raises(RuleViolation) as err:
        register_centre(core, "dreets_idf", siret, site_code="S-RP1")
    assert err.value.rule == "R-SITE-4"
    assert err.value.message == (
        f"Le SIRET {siret} est introuvable dans le répertoire des entreprises : le centre ne "
        "peut pas être enregistré. Vérifiez le SIRET auprès du centre (R-SITE-4)."
    )
    assert count(core, Centre) == before
    assert [e.rule for e in refusals(core)] == ["R-SITE-4"]


def test_r_site_4_register_duplicate_siret_refused(core, world):
    with pytest.raises(RuleViolation) as err:
        register_centre(core, "dreets_idf", "442 018 164 00016", site_code="S-RP1")
    assert err.value.rule == "R-SITE-4"
    assert "« Formapro Paris » (SIRET 44201816400016) est déjà enregistré" in err.value.message
    with pytest.raises(RuleViolation) as err:
        register_centre(core, "dreets_idf", SIRET_B, site_code="S-RP1")
    assert "transférer le site directement" in err.value.message


def test_r_site_4_register_reprise_refused(core, world):
    with pytest.raises(RuleViolation) as err:
        register_centre(core, "admin", SIRET_REPRISE)
    assert err.value.rule == "R-SITE-4" and "centre de reprise" in err.value.message


def test_r_site_2_register_malformed_siret_refused_db_unchanged(core, world):
    before = count(core, Centre)
    with pytest.raises(InvalidInput) as err:
        register_centre(core, "dreets_idf", "55301534800013", site_code="S-RP1")
    assert err.value.message == (
        "Le SIRET « 55301534800013 » n'est pas valide (clé de contrôle incorrecte).")
    with pytest.raises(InvalidInput):
        register_centre(core, "dreets_idf", "5530153480", site_code="S-RP1")
    assert count(core, Centre) == before


def test_r_site_4_register_optional_fields_checked(core, world):
    with pytest.raises(InvalidInput) as err:
        register_centre(core, "dreets_idf", SIRET_UNREGISTERED, network="x" * 81, site_code="S-RP1")
    assert "réseau" in err.value.message
    assert not centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)


def test_r_site_4_register_directory_unavailable(core, world):
    class Down:
        def lookup(self, siret: str) -> CompanyRecord | None:
            raise DirectoryUnavailable("test")

    down = Core(engine=core.engine, clock=core.clock, directory=Down())
    with pytest.raises(DirectoryUnavailable) as err:
        register_centre(down, "dreets_idf", SIRET_UNREGISTERED, site_code="S-RP1")
    assert err.value.message == "Le répertoire des entreprises ne répond pas, réessayez plus tard."
    assert not centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)


def test_r_site_4_register_uses_injected_directory(core, world):
    siret = make_siret("98765432", "0042")

    class One:
        def lookup(self, s: str) -> CompanyRecord | None:
            return CompanyRecord(s, "ÉCOLE DES MÉTIERS", "1 RUE X", "35000", "RENNES") \
                if s == siret else None

    other = Core(engine=core.engine, clock=core.clock, directory=One())
    assert register_centre(other, "dreets_bzh", siret, site_code="S-B1").name == "ÉCOLE DES MÉTIERS"


def test_r_site_4_concurrent_registration_refused_cleanly(core, world):
    class Racing:
        """Another agent registers the same SIRET while the directory answers."""

        def lookup(self, s: str) -> CompanyRecord | None:
            with core.transaction() as db:
                db.add(Centre(siret=s, name="Déjà là", created_at=core.clock.now()))
            return OfflineDirectory().lookup(s)

    racing = Core(engine=core.engine, clock=core.clock, directory=Racing())
    with pytest.raises(RuleViolation) as err:
        register_centre(racing, "dreets_idf", SIRET_UNREGISTERED, site_code="S-RP1")
    assert err.value.rule == "R-SITE-4" and "vient d'être enregistré" in err.value.message
    assert get_centre(core, "admin", SIRET_UNREGISTERED).name == "Déjà là"


# --------------------------------------------------------------------------- R-SITE-6
@pytest.mark.parametrize("login", ["ud75", "centre_a", "afpa", "support", "dreets_idf"])
def test_r_site_6_registering_a_centre_names_the_site(core, world, login):
    with pytest.raises(RuleViolation) as err:
        register_centre(core, login, SIRET_UNREGISTERED)
    assert err.value.rule == "R-SITE-6"
    assert err.value.message == (
        "Indiquez le site concerné (celui qui sera transféré vers ce centre) : seule la DREETS "
        "compétente pour le lieu de ce site peut enregistrer le centre dans CERES, "
        "indépendamment de l'adresse du centre (R-SITE-6).")
    assert not centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)
    assert refusals(core)[0].actor_login == login


def test_r_site_6_register_for_a_site_only_by_the_dreets_of_the_site(core, world):
    # S-RP1 is in Seine-Saint-Denis (93, Île-de-France); the company's address does not matter.
    with pytest.raises(RuleViolation) as err:
        register_centre(core, "dreets_bzh", SIRET_UNREGISTERED, site_code="S-RP1")
    assert err.value.rule == "R-SITE-6"
    assert err.value.message == (
        "Seule la DRIEETS Île-de-France, compétente pour le lieu du site « Site de Montreuil » "
        "(93), peut enregistrer un centre pour ce site, indépendamment de l'adresse du centre "
        "(R-SITE-6).")
    assert not centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)
    assert register_centre(core, "dreets_idf", SIRET_UNREGISTERED, site_code="S-RP1").name == (
        NEW_NAME)


def test_r_site_6_register_for_unknown_site(core, world):
    with pytest.raises(NotFound):
        register_centre(core, "dreets_idf", SIRET_UNREGISTERED, site_code="S-NOPE")


def test_r_site_6_admin_registers_anywhere(core, world):
    assert register_centre(core, "admin", SIRET_UNREGISTERED, site_code="S-B1").siret == (
        SIRET_UNREGISTERED)


@pytest.mark.parametrize("login", ["ud75", "centre_a", "afpa", "support"])
def test_r_site_6_only_a_dreets_registers_for_a_site(core, world, login):
    with pytest.raises(RuleViolation) as err:
        register_centre(core, login, SIRET_UNREGISTERED, site_code="S-RP1")
    assert err.value.rule == "R-SITE-6"
    assert not centre_is_registered(core, "admin", SIRET_UNREGISTERED)


def test_r_site_6_only_the_site_dreets_edits_the_centre_it_registered(core, world):
    # The company's address (Montreuil, 93) is in Île-de-France, like the site S-RP1; a
    # centre registered for S-B1 (Rennes) by the admin is edited by the DREETS Bretagne.
    register_centre(core, "admin", SIRET_UNREGISTERED, site_code="S-B1")
    assert update_centre(core, "dreets_bzh", SIRET_UNREGISTERED, network="Réseau").network == (
        "Réseau")
    with pytest.raises(RuleViolation) as err:
        update_centre(core, "dreets_reunion", SIRET_UNREGISTERED, network="Autre")
    assert err.value.rule == "R-ACT-2"


# --------------------------------------------------------------------------- modification
def test_r_site_4_identification_editable_afterwards(core, world):
    register_centre(core, "dreets_idf", SIRET_UNREGISTERED, site_code="S-RP1")
    view = update_centre(core, "dreets_idf", SIRET_UNREGISTERED, name="IMP Montreuil",
                         address="45 av. Pasteur", postal_code="93100", commune="Montreuil",
                         centre_type="Association", network="")
    assert (view.name, view.address, view.commune, view.centre_type, view.network) == (
        "IMP Montreuil", "45 av. Pasteur", "Montreuil", "Association", None)
    assert get_centre(core, "dreets_idf", SIRET_UNREGISTERED).name == "IMP Montreuil"
    with core.transaction() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.action == "centre.update")).one()
        assert event.details["changes"]["name"] == [NEW_NAME, "IMP Montreuil"]


def test_r_site_4_update_bad_input_leaves_centre_unchanged(core, world):
    cases = [
        ({"postal_code": "7501"}, "Le code postal « 7501 » n'est pas valide"),
        ({"name": "  "}, "Le champ « raison sociale » est obligatoire."),
        ({"is_reprise": "1"}, "Champ non modifiable : is_reprise."),
        ({}, "Aucune modification demandée."),
        ({"name": "Nouveau", "commune": "c" * 121}, "Le champ « commune » est trop long"),
    ]
    for fields, message in cases:
        with pytest.raises(InvalidInput) as err:
            update_centre(core, "dreets_idf", SIRET_A, **fields)
        assert err.value.message.startswith(message), err.value.message
    assert get_centre(core, "admin", SIRET_A).name == "Formapro Paris"


def test_r_act_2_update_centre_out_of_scope(core, world):
    with pytest.raises(RuleViolation) as err:
        update_centre(core, "dreets_bzh", SIRET_A, name="Piraté")
    assert err.value.rule == "R-ACT-2"
    assert err.value.message == (
        "Vous ne pouvez pas modifier ce centre : le centre « Formapro Paris » n'a ni site ni "
        "adresse dans votre région (R-ACT-2).")
    for login in ("ud75", "centre_a"):
        with pytest.raises(RuleViolation) as err:
            update_centre(core, login, SIRET_A, name="Piraté")
        assert err.value.rule == "R-ACT-2"
    assert get_centre(core, "admin", SIRET_A).name == "Formapro Paris"
    assert len(refusals(core)) == 3
    assert update_centre(core, "dreets_idf", SIRET_A, network="Réseau A").network == "Réseau A"
    assert update_centre(core, "admin", SIRET_A, network=None).network is None


def test_r_site_4_reprise_not_editable(core, world):
    with pytest.raises(RuleViolation):
        update_centre(core, "admin", "0000000000000", name="Autre")


# --------------------------------------------------------------------------- reading
def test_r_act_2_get_centre_scope(core, world):
    assert get_centre(core, "centre_a", SIRET_A).site_codes == ("S-A1",)
    assert get_centre(core, "dreets_bzh", SIRET_A).siret == SIRET_A  # any DREETS searches centres
    assert get_centre(core, "ud35", " 442 018 164 00016 ").name == "Formapro Paris"
    assert get_centre(core, "support", SIRET_B).name == "Bretagne Compétences"
    assert get_centre(core, "admin", "0000000000000").is_reprise
    for login in ("centre_a", "afpa"):
        with pytest.raises(RuleViolation) as err:
            get_centre(core, login, SIRET_B)
        assert err.value.rule == "R-ACT-2"
    with pytest.raises(NotFound):
        get_centre(core, "admin", SIRET_UNREGISTERED)
    with pytest.raises(InvalidInput):
        get_centre(core, "admin", "123")


def test_r_site_3_centre_is_registered(core, world):
    assert centre_is_registered(core, "dreets_idf", SIRET_A)
    assert centre_is_registered(core, "dreets_idf", "442 018 164 00016")
    assert centre_is_registered(core, "dreets_idf", "0000000000000")
    assert not centre_is_registered(core, "dreets_idf", SIRET_UNREGISTERED)
    assert not centre_is_registered(core, "dreets_idf", "1234")
    assert not centre_is_registered(core, "dreets_idf", "44201816400017")
    # Any linked centre or State profile may ask, whatever its zone.
    assert centre_is_registered(core, "centre_b", SIRET_A)
    assert centre_is_registered(core, "ud974", SIRET_A)


@pytest.mark.parametrize("actor", [None, "", "inconnu", "support", "afpa"])
def test_r_act_2_centre_lookups_need_a_linked_centre_or_state_profile(core, world, actor):
    for lookup in (centre_is_registered, centre_has_activation_code):
        with pytest.raises(CeresError) as err:
            lookup(core, actor, SIRET_A)
        assert err.value.message[:1].isupper()
        if actor in (None, "", "support", "afpa"):
            assert err.value.rule == "R-ACT-2"


def test_r_act_2_bot_asks_an_unlinked_user_instead(core, world):
    """bot.procedure_checks: no account → the question is asked (None), linked → the core."""
    from bot.procedure_checks import evaluate

    for check in ("siret_registered", "centre_has_activation_code"):
        assert evaluate(core, None, check, {"siret": SIRET_A}) is None
    assert evaluate(core, "dreets_idf", "siret_registered", {"siret": SIRET_A}) == "yes"
    assert evaluate(core, "dreets_idf", "centre_has_activation_code",
                    {"siret": SIRET_B}) == "no"


# --------------------------------------------------------------------------- R-SITE-7
def test_r_site_7_activation_code_stored_hashed_and_shown_once(core, world):
    view, code = issue_activation_code(core, "dreets_idf", SIRET_A)
    assert CODE_RE.fullmatch(code)
    assert (view.centre_siret, view.centre_name, view.issued_by, view.used_at) == (
        SIRET_A, "Formapro Paris", "dreets_idf", None)
    with core.transaction() as db:
        stored = db.scalars(select(ActivationCode)).one()
        assert stored.code_hash.startswith("$argon2")
        assert code not in stored.code_hash and code.replace("-", "") not in stored.code_hash
        assert PasswordHasher().verify(stored.code_hash, code.replace("-", ""))
    assert centre_has_activation_code(core, "dreets_idf", SIRET_A)
    assert not centre_has_activation_code(core, "dreets_idf", SIRET_B)
    assert get_centre(core, "centre_a", SIRET_A).has_activation_code


def test_r_site_7_code_works_once(core, world):
    _, code = issue_activation_code(core, "admin", SIRET_B)
    typed = code.lower().replace("-", " ")  # users type it as they can
    result = activate_centre_account(core, SIRET_B, typed)
    assert result.centre_name == "Bretagne Compétences"
    assert result.activated_at == core.clock.now()
    assert get_centre(core, "admin", SIRET_B).account_activated_at == core.clock.now()
    with pytest.raises(RuleViolation) as err:
        activate_centre_account(core, SIRET_B, code)
    assert err.value.rule == "R-SITE-7"
    assert err.value.message == (
        "Ce code d'activation a déjà été utilisé le 22/11/2026 : le compte du centre "
        "« Bretagne Compétences » est déjà ouvert (R-SITE-7).")
    assert [e.action for e in refusals(core)] == ["centre.activate"]


def test_r_site_7_wrong_code_refused_and_logged(core, world):
    _, code = issue_activation_code(core, "admin", SIRET_B)
    wrong = "AAAA-AAAA-AAAA" if code != "AAAA-AAAA-AAAA" else "BBBB-BBBB-BBBB"
    with pytest.raises(RuleViolation) as err:
        activate_centre_account(core, SIRET_B, wrong)
    assert "incorrect" in err.value.message
    with pytest.raises(RuleViolation):  # the code of another centre does not open this one
        activate_centre_account(core, SIRET_A, code)
    with pytest.raises(InvalidInput):
        activate_centre_account(core, SIRET_B, " - ")
    assert len(refusals(core)) == 2
    activate_centre_account(core, SIRET_B, code)


def test_r_site_7_centre_that_had_a_code_only_needs_to_be_told(core, world):
    issue_activation_code(core, "dreets_idf", SIRET_A)
    for call in (issue_activation_code, activation_letter_pdf):
        with pytest.raises(RuleViolation) as err:
            call(core, "dreets_idf", SIRET_A)
        assert err.value.rule == "R-SITE-7"
        assert err.value.message == (
            "Le centre « Formapro Paris » a déjà reçu un code d'activation (émis le 22/11/2026) "
            ": il suffit de l'avertir que le transfert est effectué (R-SITE-7).")
    assert count(core, ActivationCode) == 1


def test_r_site_7_reprise_has_no_activation_code(core, world):
    with pytest.raises(RuleViolation) as err:
        activation_letter_pdf(core, "admin", SIRET_REPRISE)
    assert err.value.rule == "R-SITE-7"
    assert count(core, ActivationCode) == 0


def test_r_act_2_activation_letter_out_of_scope(core, world):
    for login in ("dreets_bzh", "centre_a", "ud75"):
        with pytest.raises(RuleViolation) as err:
            activation_letter_pdf(core, login, SIRET_A)
        assert err.value.rule == "R-ACT-2"
    with pytest.raises(RuleViolation):
        issue_activation_code(core, "dreets_reunion", SIRET_A)
    assert count(core, ActivationCode) == 0


def test_r_site_7_activation_letter_pdf(core, world):
    pdf = activation_letter_pdf(core, "dreets_idf", "442.018.164.00016")
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    text = pdf_text(pdf)
    assert "Formapro Paris" in text
    assert "Ministère du Travail" in text
    assert "DRIEETS Île-de-France" in text
    assert "442 018 164 00016" in text
    assert "Courrier d'activation" in text
    assert "22 novembre 2026" in text
    assert "Formapro Paris 11e" in text  # the site attached to the centre
    assert "Agent DRIEETS Île-de-France" in text  # signatory
    codes = CODE_RE.findall(text)
    assert len(codes) == 1
    # The code printed in the letter is the one stored (hashed): it opens the account.
    assert activate_centre_account(core, SIRET_A, codes[0]).centre_siret == SIRET_A
    with core.transaction() as db:
        assert db.scalars(select(AuditEvent).where(
            AuditEvent.action == "centre.activation_letter")).one().outcome == "ok"


def test_r_site_7_letter_for_centre_registered_without_sites(core, world):
    register_centre(core, "dreets_idf", SIRET_UNREGISTERED, site_code="S-RP1")
    text = pdf_text(activation_letter_pdf(core, "dreets_idf", SIRET_UNREGISTERED))
    assert NEW_NAME in text and "93100 MONTREUIL" in text
    assert "rattaché" not in text


# --------------------------------------------------------------------------- PDF base
LETTER = ActivationLetter(
    centre_name="Forma Réunion « Océan »",
    siret="81234567600017",
    address="8 rue de Paris",
    postal_code="97400",
    commune="Saint-Denis",
    code="ABCD-EFGH-JKLM",
    issued_on=date(2026, 11, 1),
    service_name="DEETS La Réunion",
    signatory="Émilie Payet",
    site_names=("Forma Réunion Saint-Denis", "Forma Réunion Saint-Pierre"),
)


def test_pdf_core_font_fallback_renders_french_accents():
    pdf = render_activation_letter(LETTER, unicode_font=False, compress=False)
    assert pdf.startswith(b"%PDF-")
    assert b"/WinAnsiEncoding" in pdf and b"/FontFile2" not in pdf
    # WinAnsi (windows-1252) bytes of « é » etc. are in the uncompressed content.
    assert "Forma Réunion « Océan »".encode("cp1252") in pdf
    assert "Émilie Payet".encode("cp1252") in pdf
    text = pdf_text(pdf)
    assert "1er novembre 2026" in text
    assert "Les sites suivants lui sont rattachés" in text
    assert "Forma Réunion Saint-Pierre" in text and "ABCD-EFGH-JKLM" in text


@pytest.mark.skipif(find_unicode_font() is None, reason="no DejaVu font on this system")
def test_pdf_unicode_font_embedded():
    pdf = render_activation_letter(LETTER)
    assert b"/FontFile2" in pdf and b"DejaVu" in pdf
    text = pdf_text(pdf)
    assert "Forma Réunion « Océan »" in text and "Liberté Égalité Fraternité" in text


def test_pdf_to_winansi():
    assert to_winansi("é à ç « » ’ œ € … – —") == "é à ç « » ’ œ € … – —"
    assert to_winansi("a\u202fb ő ☃") == "a b o ?"


def test_pdf_document_records_texts_without_secrets():
    doc = OfficialDocument(service_lines=["DREETS Bretagne"], title="Test", unicode_font=False)
    doc.header_block()
    doc.title("Titre")
    doc.paragraph("Un paragraphe.")
    doc.fields([("SIRET", "442 018 164 00016")])
    doc.highlight("Code", "SECRET", secret=True)
    doc.signature(["Pour la DREETS Bretagne,", "Anne Martin"])
    assert "SECRET" not in doc.texts and "Ministère du Travail" in doc.texts
    assert doc.to_bytes().startswith(b"%PDF")


def test_pdf_falls_back_to_core_font_without_unicode_font(monkeypatch):
    import ceres_core.documents.pdf as pdf_module

    monkeypatch.setattr(pdf_module, "find_unicode_font", lambda: None)
    assert not OfficialDocument().uses_unicode_font
    with pytest.raises(RuntimeError):
        OfficialDocument(unicode_font=True)
    text = pdf_text(render_activation_letter(LETTER))
    assert "Forma Réunion « Océan »" in text
