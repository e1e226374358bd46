"""The operations' parameters, confirmation sentences and French rendering
(bot.catalogue, bot.operation_views), on the demo data (clock 22/11/2026);
bot/downloads.py: one-time links."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot import catalogue, downloads
from bot import operation_views as ops
from bot.parsing import ParseError
from ceres_core.errors import RuleViolation
from knowledge.procedure_engine import OPERATIONS

TP = "TITRE_B_2026_470405"


@pytest.fixture
def demo(core):
    from ceres_core.demo import load_demo

    load_demo(core)
    return core


def _op(name):
    op = catalogue.by_name(name)
    assert op is not None
    return op


def confirmation(core, login, name, params):
    return _op(name).confirm(core, login, params)


def execute(core, login, name, params):
    return _op(name).run(core, login, params)


def param(op_name: str, name: str):
    return next(p for p in _op(op_name).params if p.name == name)


def test_procedure_leaves_name_operations_of_the_catalogue():
    for name, spec in OPERATIONS.items():
        op = catalogue.by_name(name)
        if op is None:
            continue
        names = {p.name for p in op.params}
        assert set(spec.params) <= names | {"kind", "session_start", "departement"}
        assert (op.confirm is not None) == spec.confirm, name


def test_missing_values_are_asked_in_order():
    duplicate = _op("request_duplicate")
    assert duplicate.missing({}).name == "candidate"
    assert duplicate.missing({"candidate": "C1"}).name == "session"
    assert duplicate.missing({"candidate": "C1", "session": TP}) is None
    order = _op("order_dte")
    form = {"session": TP, "candidates_count": "3", "rs_kind": "titulaire"}
    assert order.missing(form).name == "contact_name"  # no RS name for the titular
    assert order.missing({**form, "rs_kind": "autre"}).name == "rs_name"
    full = {**form, "contact_name": "A", "contact_phone": "0143556677",
            "contact_email": "a@b.fr", "delivery_address": "1 rue X, 75011 Paris"}
    assert order.missing(full).name == "comment"
    assert order.missing({**full, "comment": ""}) is None  # "" = no comment


def test_parse_postal_address():
    address = ops.parse_postal_address("  12 rue de la Roquette,  75011   Paris ")
    assert (address.street, address.postal_code, address.city) == (
        "12 rue de la Roquette", "75011", "Paris")
    assert ops.parse_postal_address("Bât. B 3 allée des Pins 97400 Saint-Denis").city == "Saint-Denis"
    for bad in ("", "chez elle", "75011 Paris", "12 rue X, 7501 Paris"):
        with pytest.raises(ParseError) as err:
            ops.parse_postal_address(bad)
        assert "75011 Paris" in err.value.message


def test_typed_values_are_parsed_by_kind():
    assert param("register_centre", "siret").parse("553 015 348 00012") == "55301534800012"
    assert param("order_dte", "session").parse(" titre_b_2026_470405 ") == TP
    assert param("order_dte", "candidates_count").parse(" 012 ") == "12"
    assert param("order_dte", "rs_kind").parse("RS Suppléant de l'agrément") == "suppleant"
    assert param("order_dte", "rs_kind").parse("Une autre personne") == "autre"
    assert param("transfer_site", "site").parse("s-930002") == "S-930002"
    for op, name, text in (("order_dte", "candidates_count", "douze"),
                           ("order_dte", "rs_kind", "mon voisin"),
                           ("register_centre", "siret", "123")):
        with pytest.raises(ParseError):
            param(op, name).parse(text)


def test_short_title_drops_the_version_date_only():
    assert ops.short_title("Ouvrier du paysage (20/09/2018)") == "Ouvrier du paysage"
    assert ops.short_title("Agent (de) service") == "Agent (de) service"


def test_sessions_list_with_print_progress_and_dte(demo):
    body, choices = ops.sessions_html(demo, "ud75")
    assert "<b>Vos sessions</b> (14)" in body
    assert f"<b>{TP}</b> – Ouvrier du paysage – du 23/09/2026 au 24/09/2026" in body
    assert "validée · impression : 3/5 envoyés · DTE préparé (liens envoyés)" in body
    assert "en préparation · DTE non commandé" in body  # no print progress before validation
    assert choices[0].value == "TITRE_B_2027_470401"  # latest first
    assert "TITRE_B_2026_470423" not in body  # Bretagne: out of scope


def test_confirmation_of_a_print_names_the_candidates(demo):
    out = confirmation(demo, "ud75", "request_print", {"session": TP})
    assert out.html.startswith(
        f"Envoyer pour impression les 2 candidats restants de la session <b>{TP}</b> "
        "(Ouvrier du paysage, 23/09/2026) : Aïssatou Diallo, Youssef MARIACH1 ?"
    )
    assert not out.nothing_to_do
    # R-PRT-2: the confirmation names the candidates; what is carried out is that list.
    assert len(out.fixed["verified"]) == 2
    unnamed = execute(demo, "ud75", "request_print", {"session": TP})
    assert "0 candidat envoyé pour impression, 2 demandes non transmises." in unnamed.html
    result = execute(demo, "ud75", "request_print", {"session": TP, **out.fixed})
    assert "1 candidat envoyé pour impression, 1 demande non transmise." in result.html
    # Still one to send (refused): named alone.
    again = confirmation(demo, "ud75", "request_print", {"session": TP})
    assert "le candidat restant de la session" in again.html and "Youssef MARIACH1" in again.html


def test_confirmation_nothing_left_to_print(demo):
    ref = "TITRE_B_2026_470423"  # Bretagne: 2 candidates, none sent
    out = confirmation(demo, "admin", "request_print", {"session": ref})
    assert "les 2 candidats restants" in out.html
    execute(demo, "admin", "request_print", {"session": ref, **out.fixed})
    out = confirmation(demo, "admin", "request_print", {"session": ref})
    assert out.nothing_to_do and "ne reste à envoyer" in out.html


def test_confirmation_refused_out_of_scope(demo):
    with pytest.raises(RuleViolation) as err:
        confirmation(demo, "ud75", "request_print", {"session": "TITRE_B_2026_470423"})
    assert err.value.rule == "R-ACT-2"


def test_values_are_escaped_in_confirmations(demo):
    out = confirmation(demo, "centre.formapro", "order_dte", {
        "session": "TITRE_B_2027_470401", "candidates_count": "3", "rs_kind": "autre",
        "rs_name": "<b>Jo</b> & Cie", "contact_name": "A", "contact_phone": "01",
        "contact_email": "a@b.fr", "delivery_address": "1 rue <X>, 75011 Paris", "comment": "",
    })
    assert "Une autre personne : &lt;b&gt;Jo&lt;/b&gt; &amp; Cie" in out.html
    assert "1 rue &lt;X&gt;, 75011 Paris" in out.html and "<b>Jo" not in out.html
    assert "Commentaire : aucun" in out.html


def test_dte_status_rendering(demo):
    out = execute(demo, "centre.formapro", "dte_timeline", {"session": TP})
    assert f"<b>DTE de la session {TP}</b> (TP, validée)" in out.html
    assert "Date limite de commande du DTE : lundi 22 juin 2026 (R-DTE-1)" in out.html


def test_dte_timeline_of_a_procedure_leaf(demo):
    html = ops.timeline_html(demo, {"kind": "TP", "session_start": "2027-03-15",
                                    "departement": "974"})
    assert "Date limite de commande du DTE : lundi 14 décembre 2026 (R-DTE-1)" in html


def test_candidate_card_offers_what_the_core_would_accept(demo):
    card = ops.candidate_card(demo, "ud75", TP, "C260000001")
    assert "Duplicata possible à partir du 19/11/2026." in card.html
    actions = [a.operation for a in
               catalogue.card_operations(demo, "ud75", "candidate", card.params)]
    assert {"request_duplicate", "record_pnd", "attestation_reussite"} <= set(actions)
    assert "request_print_candidate" not in actions  # already sent
    refused = ops.candidate_card(demo, "ud75", TP, "C260000003")  # refused, never sent
    actions = [a.operation for a in
               catalogue.card_operations(demo, "ud75", "candidate", refused.params)]
    assert not {"request_duplicate", "record_pnd", "attestation_reussite"} & set(actions)
    # A duplicate that the core refuses today (R-PRT-6: 3 days ago) is not offered.
    nguyen = ops.candidate_card(demo, "ud75", TP, "C260000002")
    assert "request_duplicate" not in [a.operation for a in catalogue.card_operations(
        demo, "ud75", "candidate", nguyen.params)]


def test_attestation_is_a_document(demo):
    out = execute(demo, "ud75", "attestation_reussite", {"session": TP, "candidate": "C260000001"})
    assert out.document is not None
    filename, pdf = out.document
    assert filename.endswith(".pdf") and pdf.startswith(b"%PDF")


def test_download_link_works_once_and_expires(demo, clock):
    token = downloads.create_link(demo, 1, 1, "a.pdf", b"%PDF-1.4 test")
    assert downloads.link_url("http://h:1/", token) == f"http://h:1/telechargement/{token}"
    found = downloads.redeem(demo, token)
    assert found is not None and found.content == b"%PDF-1.4 test" and found.filename == "a.pdf"
    assert downloads.redeem(demo, token) is None  # once
    late = downloads.create_link(demo, 1, 1, "b.pdf", b"x")
    clock.advance(seconds=int(downloads.LINK_TTL.total_seconds()) + 1)
    assert downloads.redeem(demo, late) is None  # expired
    assert downloads.redeem(demo, "forged") is None
    assert downloads.redeem(demo, "") is None
    # Expired links are purged when a new one is made.
    clock.advance(seconds=int(timedelta(days=2).total_seconds()))
    downloads.create_link(demo, 1, 1, "c.pdf", b"y")
    from sqlalchemy import func, select

    from bot.models import DownloadLink

    with demo.transaction() as db:
        assert db.scalar(select(func.count()).select_from(DownloadLink)) == 1


def test_a_dte_order_for_0_candidates_says_what_it_means(demo):
    """R-DTE-2 (seed 002): 0 is for a DTE already handled elsewhere; the recap says so."""
    base = {"session": "TITRE_B_2027_470401", "rs_kind": "titulaire", "contact_name": "A",
            "contact_phone": "01 23 45 67 89", "contact_email": "a@b.fr",
            "delivery_address": "1 rue de la Paix, 75002 Paris"}
    zero = confirmation(demo, "centre.formapro", "order_dte", {**base, "candidates_count": "0"})
    assert "Nombre de candidats : 0" + catalogue.T.DTE_ZERO_NOTE in zero.html
    three = confirmation(demo, "centre.formapro", "order_dte", {**base, "candidates_count": "3"})
    assert catalogue.T.DTE_ZERO_NOTE not in three.html
