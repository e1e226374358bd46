"""Guided procedures: the YAML data loads, every path ends on a valid leaf, broken data
is refused with a clear error, and a walk survives serialisation and a restart."""

from __future__ import annotations

import json
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.procedure_engine import (
    CHECKS,
    DEFAULT_DIRECTORY,
    MAX_BUTTON_LABEL,
    OPERATIONS,
    QUEUES,
    AnswerError,
    ProcedureDataError,
    ProcedureLibrary,
    StaleStateError,
    Step,
    WalkState,
    load_procedures,
    load_topic_ids,
    validate_value,
)

# The 44 topic ids of the spec (topics.md): a contract, kept here as data.
TOPIC_IDS = frozenset(
    [
        "print-request",
        "print-preview",
        "print-blocked",
        "attestation-reussite",
        "duplicata",
        "pnd",
        "courrier-perdu",
        "erreur-document",
        "drom-com",
        "suivi-impressions",
        "transfert-site",
        "enregistrer-centre",
        "centre-reprise",
        "code-activation",
        "creer-session",
        "supprimer-session",
        "annuler-session",
        "cloturer-session",
        "commander-dte",
        "delai-dte",
        "livraison-dte-tp",
        "livraison-dte-ccp",
        "dte-non-recu",
        "grille-entretien-final",
        "confidentialite-dte",
        "responsable-session",
        "rechercher-candidat",
        "modifier-candidat",
        "doublon-candidat",
        "naissance-candidat",
        "inscription-candidat",
        "limite-sessions",
        "convocations",
        "saisie-resultats",
        "transmission-pv",
        "affichage-resultats",
        "parchemins",
        "habilitation-jury",
        "jury-ccs",
        "anciennete-jury",
        "export-jures",
        "navigateur",
        "contacter-assistance",
        "contacter-gev",
    ]
)
REQUIRED = {"documents", "transfert", "dte", "bloque"}
ARTICLES_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "articles"

SAMPLE_INPUTS = {
    "date": "2027-03-15",
    "departement": "974",
    "siret": "38939456000020",
    "text": "TITRE_B_2023_470415",
}


@pytest.fixture(scope="module")
def lib() -> ProcedureLibrary:
    return load_procedures(topic_ids=TOPIC_IDS)


def walk(lib: ProcedureLibrary, pid: str, answers: list[object]) -> tuple[WalkState, Step]:
    state = lib.start(pid)
    for a in answers:
        state = lib.answer(state, a)
    return state, lib.step(state)


def all_walks(lib: ProcedureLibrary, pid: str):
    """Every walk from the root, through the public API: each choice, each check
    outcome, each option of a choice input, a sample value for the other inputs."""
    finished: list[tuple[list[object], Step]] = []

    def go(state: WalkState, answers: list[object], depth: int) -> None:
        assert depth < 60, f"{pid}: walk too long: {answers}"
        step = lib.step(state)
        if step.type == "question":
            options = [c.id for c in step.choices]
        elif step.type == "input":
            options = (
                [c.id for c in step.input.options]
                if step.input.kind == "choice"
                else [SAMPLE_INPUTS[step.input.kind]]
            )
        elif step.type == "check":
            options = list(step.check.outcomes)
        else:
            finished.append((answers, step))
            return
        assert options, f"{pid}: node {step.node} offers nothing"
        for opt in options:
            go(lib.answer(state, opt), answers + [opt], depth + 1)

    go(lib.start(pid), [], 0)
    return finished


# --------------------------------------------------------------------------- the data


def test_topic_file_agrees_with_the_spec():
    assert load_topic_ids() == TOPIC_IDS


def test_required_procedures_load(lib):
    assert set(lib.ids()) >= REQUIRED
    # The default loader (topic ids from knowledge/data/topics.yaml) agrees.
    assert set(load_procedures().ids()) == set(lib.ids())
    for pid in lib.ids():
        proc = lib[pid]
        assert proc.title and len(proc.title) <= MAX_BUTTON_LABEL
        assert 3 <= len(proc.description) <= 256  # Telegram command description


@pytest.mark.parametrize("pid", sorted(REQUIRED))
def test_every_path_reaches_a_leaf_with_a_known_article(lib, pid):
    walks = all_walks(lib, pid)
    reached = {step.node for _, step in walks}
    assert reached == set(lib[pid].leaves()), "some leaves cannot be reached by a walk"
    for answers, step in walks:
        assert step.finished and step.article in TOPIC_IDS, answers
        assert step.text and "{" not in step.text, (step.node, step.text)
        for op in step.operations:
            assert op.name in OPERATIONS
            assert set(op.params) == set(OPERATIONS[op.name].params)
            assert all(isinstance(v, str) and v for v in op.params.values()), op
        if step.ticket:
            assert step.ticket.queue_hint in QUEUES and "{" not in step.ticket.reason


def test_all_labels_fit_a_button_and_texts_are_filled(lib):
    for pid in lib.ids():
        for node in lib[pid].nodes.values():
            assert node.text or node.type == "check"
            for c in node.choices:
                assert 0 < len(c.label) <= MAX_BUTTON_LABEL


def test_registry_is_consistent():
    for spec in CHECKS.values():
        assert spec.outcomes and set(spec.outcome_labels) == set(spec.outcomes)
        assert spec.question.endswith("?")
        assert all(len(label) <= MAX_BUTTON_LABEL for label in spec.outcome_labels.values())
    for spec in OPERATIONS.values():
        assert 0 < len(spec.label) <= MAX_BUTTON_LABEL
    assert {
        "request_print",
        "request_duplicate",
        "record_pnd",
        "attestation_reussite",
        "dte_timeline",
        "order_dte",
        "register_centre",
        "transfer_site",
        "list_sessions",
        "update_candidate",
    } <= set(OPERATIONS)


@pytest.mark.skipif(
    not ARTICLES_DIR.is_dir() or len(list(ARTICLES_DIR.glob("*.md"))) < len(TOPIC_IDS),
    reason="knowledge/articles/ is still being written",
)
def test_every_leaf_article_file_exists(lib):
    for pid in lib.ids():
        for leaf in lib[pid].leaves():
            article = lib[pid].nodes[leaf].article
            assert (ARTICLES_DIR / f"{article}.md").is_file(), (pid, leaf, article)


# --------------------------------------------------------------------------- walks


def test_documents_pnd_updates_the_address_and_asks_no_duplicate(lib):
    _, step = walk(
        lib,
        "documents",
        ["TITRE_B_2023_470415", "2122560", "pnd", "oui", "12 rue des Lilas, 69003 Lyon"],
    )
    assert step.node == "pnd_fin" and step.article == "pnd"
    assert [o.name for o in step.operations] == ["record_pnd"]
    assert step.operations[0].params == {
        "session": "TITRE_B_2023_470415",
        "candidate": "2122560",
        "address": "12 rue des Lilas, 69003 Lyon",
    }
    assert step.operations[0].confirm
    assert "Ne demandez pas de duplicata" in step.text


def test_documents_error_gives_duplicate_and_attestation_after_seven_days(lib):
    ids = ["TITRE_B_2023_470415", "2122560"]
    state, step = walk(lib, "documents", ids + ["erreur", "corrigee"])
    assert step.type == "check" and step.check.name == "print_request_age_days"
    assert step.check.params == {"session": ids[0], "candidate": ids[1]}
    _, step = walk(lib, "documents", ids + ["erreur", "corrigee", "at_least_7_days", True])
    assert step.node == "dup_avec_attestation"
    assert [o.name for o in step.operations] == ["request_duplicate", "attestation_reussite"]
    _, step = walk(lib, "documents", ids + ["erreur", "corrigee", "under_7_days", "no"])
    assert step.node == "attente_simple" and step.operations == ()
    _, step = walk(lib, "documents", ids + ["erreur", "a_corriger"])
    assert [o.name for o in step.operations] == ["update_candidate"]


def test_documents_lost_mail_checks_pnd_then_address(lib):
    ids = ["TITRE_B_2023_470415", "2122560", "perdu"]
    _, step = walk(lib, "documents", ids + ["no", "pnd"])
    assert step.node == "pnd_adresse"  # a PND after all: R-AFT-2
    _, step = walk(lib, "documents", ids + ["no", "pas_verifie"])
    assert step.ticket.queue_hint == "afpa-impression"
    _, step = walk(lib, "documents", ids + ["no", "pas_pnd", "fausse", "faite"])
    assert step.check.name == "print_request_age_days"
    _, step = walk(lib, "documents", ids + ["yes", "inconnu"])  # overseas: the DEETS
    assert step.article == "drom-com" and step.ticket.queue_hint == "ud"


def test_documents_never_sent_leads_to_the_initial_print_request(lib):
    _, step = walk(lib, "documents", ["S1", "C1", "jamais", "none"])
    assert step.node == "jamais_imprime" and step.operations[0].name == "request_print"
    assert step.operations[0].params == {"session": "S1"}


def test_transfert_unregistered_target_registers_the_centre_first(lib):
    state, step = walk(lib, "transfert", ["reprise", "Site de Roubaix", "yes"])
    assert step.input.kind == "siret"
    state = lib.answer(state, "389 394 560 00020")
    step = lib.step(state)
    assert step.check.name == "siret_registered"
    assert step.check.params == {"siret": "38939456000020"}
    step = lib.step(lib.answer(state, "no"))
    assert step.article == "enregistrer-centre"
    assert [o.name for o in step.operations] == [
        "register_centre",
        "transfer_site",
        "activation_letter",
    ]
    assert step.operations[1].params == {
        "site": "Site de Roubaix",
        "target_siret": "38939456000020",
    }
    assert step.operations[1].confirm  # R-SITE-5


def test_transfert_other_paths(lib):
    _, step = walk(lib, "transfert", ["mauvais", "Site A", "no"])
    assert step.article == "transfert-site" and step.ticket.queue_hint == "dreets"
    _, step = walk(lib, "transfert", ["mauvais", "Site A", "yes", "38939456000020", "yes", "no"])
    assert step.article == "code-activation"
    assert [o.name for o in step.operations] == ["transfer_site", "activation_letter"]
    _, step = walk(lib, "transfert", ["reprise", "Site A", "yes", "38939456000020", "yes", "yes"])
    assert [o.name for o in step.operations] == ["transfer_site"]


def test_transfert_refuses_the_centre_de_reprise_as_target(lib):
    state, _ = walk(lib, "transfert", ["reprise", "Site A", "yes"])
    with pytest.raises(AnswerError, match="centre de reprise"):
        lib.answer(state, "0000000000000")


def test_dte_timeline_leaf_carries_the_parsed_inputs(lib):
    _, step = walk(lib, "dte", ["calendrier", "CCP", date(2027, 3, 15), "2a"])
    assert step.article == "delai-dte"
    assert step.operations[0].name == "dte_timeline"
    assert step.operations[0].params == {
        "kind": "CCP",
        "session_start": "2027-03-15",
        "departement": "2A",
    }
    _, step = walk(lib, "dte", ["lien_ccp", "2027-03-15", "974"])
    assert step.article == "livraison-dte-ccp" and step.ticket.queue_hint == "gev-ccp"
    assert step.operations[0].params["kind"] == "CCP"  # set by the choice


def test_dte_nothing_arrived_paths(lib):
    _, step = walk(lib, "dte", ["non_recu", "plis_tp", "S1", "contact_gev", "industrie"])
    assert step.article == "dte-non-recu" and step.ticket.queue_hint == "gev-industrie"
    _, step = walk(lib, "dte", ["non_recu", "plis_tp", "S1", "not_ordered"])
    assert step.operations[0].name == "order_dte"
    _, step = walk(lib, "dte", ["non_recu", "courriel", "pas_encore"])
    assert step.article == "dte-non-recu" and "indésirables" in step.text
    _, step = walk(lib, "dte", ["grille"])
    assert step.article == "grille-entretien-final"


def test_bloque_diagnoses(lib):
    cases = {
        ("impression", "inactif", "non"): "print-request",
        ("impression", "alerte", "2122560"): "print-blocked",
        ("convocations", "S1", "no"): "convocations",
        ("suppression", "S1", "yes", "recus"): "annuler-session",
        ("suppression", "S1", "no"): "supprimer-session",
        ("candidat", "grises", "2122560"): "modifier-candidat",
        ("jure_ccs", "non", "non"): "jury-ccs",
        ("bouton", "ie"): "navigateur",
        ("bouton", "firefox", "oui"): "contacter-assistance",
    }
    for answers, article in cases.items():
        _, step = walk(lib, "bloque", list(answers))
        assert step.finished and step.article == article, answers
    _, step = walk(lib, "bloque", ["bouton", "chrome", "oui"])
    assert step.ticket.queue_hint == "assistance"
    # Convocations with candidates registered: the browser is the next suspect.
    _, step = walk(lib, "bloque", ["convocations", "S1", "yes"])
    assert step.node == "nav_navigateur"


# --------------------------------------------------------------------------- state


def test_state_round_trips_through_json_and_survives_a_restart(lib):
    state, step = walk(lib, "documents", ["S1", "C1", "perdu", "no"])
    data = json.loads(json.dumps(state.to_dict()))
    assert len(json.dumps(data)) < 1000
    restarted = load_procedures(topic_ids=TOPIC_IDS)  # a new process
    restored = restarted.restore(data)
    assert restored == state
    assert restarted.step(restored) == step
    nxt = restarted.step(restarted.answer(restored, "pas_verifie"))
    assert nxt.node == "afpa_verifier"


_LIB = load_procedures(topic_ids=TOPIC_IDS)


def _options(step: Step) -> list[object]:
    if step.type == "question":
        return [c.id for c in step.choices]
    if step.type == "input":
        if step.input.kind == "choice":
            return [c.id for c in step.input.options]
        return [SAMPLE_INPUTS[step.input.kind]]
    if step.type == "check":
        return list(step.check.outcomes)
    return []


@settings(max_examples=200, deadline=None)
@given(pid=st.sampled_from(sorted(REQUIRED)), picks=st.lists(st.integers(0, 9), max_size=25))
def test_any_walk_round_trips_and_back_undoes(pid, picks):
    state = _LIB.start(pid)
    for pick in picks:
        options = _options(_LIB.step(state))
        if not options:
            break
        nxt = _LIB.answer(state, options[pick % len(options)])
        assert _LIB.back(nxt) == state
        state = nxt
        data = json.loads(json.dumps(state.to_dict()))
        assert _LIB.restore(data) == state


def test_back_undoes_the_last_answer(lib):
    state, _ = walk(lib, "dte", ["calendrier", "TP", "2027-03-15"])
    back = lib.back(state)
    assert back.node == "date_session" and "session_start" not in back.variables
    assert lib.step(back).can_go_back
    assert lib.back(lib.start("dte")) == lib.start("dte")


def test_start_context_is_kept(lib):
    state = lib.start("dte", context={"actor": "ud-69"})
    state = lib.answer(state, "grille")
    assert lib.restore(state.to_dict()).variables["actor"] == "ud-69"


def _copy_dir(tmp_path: Path) -> Path:
    target = tmp_path / "procs"
    target.mkdir()
    for f in DEFAULT_DIRECTORY.glob("*.yaml"):
        (target / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_stale_states_are_detected(tmp_path, lib):
    state, _ = walk(lib, "transfert", ["reprise", "Site A", "yes"])
    data = state.to_dict()
    with pytest.raises(StaleStateError):
        lib.restore({**data, "node": "n_existe_plus"})
    with pytest.raises(StaleStateError):
        lib.restore({**data, "procedure": "disparue"})
    with pytest.raises(StaleStateError):
        lib.restore({**data, "v": 99})
    with pytest.raises(StaleStateError):
        lib.restore({"v": 1})
    with pytest.raises(StaleStateError):
        lib.step(WalkState("transfert", lib["transfert"].version, "n_existe_plus", {}))

    # The data changes: the node the user was on is renamed.
    directory = _copy_dir(tmp_path)
    path = directory / "transfert.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("cible", "centre_cible"), encoding="utf-8"
    )
    changed = load_procedures(directory, TOPIC_IDS)
    with pytest.raises(StaleStateError) as info:
        changed.restore(data)
    assert "mise à jour" in info.value.message

    # A change elsewhere (another text) keeps the walk: the answers are replayed.
    path = directory / "dte.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("Grille d'entretien final", "Grille d'entretien"),
        encoding="utf-8",
    )
    state2, _ = walk(lib, "dte", ["calendrier", "TP"])
    changed = load_procedures(directory, TOPIC_IDS)
    restored = changed.restore(state2.to_dict())
    assert restored.node == "date_session" and restored.version != state2.version


def test_bad_answers_are_refused_in_french(lib):
    state = lib.start("documents")
    with pytest.raises(AnswerError, match="vide"):
        lib.answer(state, "   ")
    state, _ = walk(lib, "documents", ["S1", "C1"])
    with pytest.raises(AnswerError, match="choix"):
        lib.answer(state, "inconnu")
    state, _ = walk(lib, "documents", ["S1", "C1", "erreur", "corrigee"])
    with pytest.raises(AnswerError):
        lib.answer(state, "maybe")
    state, _ = walk(lib, "dte", ["grille"])
    with pytest.raises(AnswerError, match="terminée"):
        lib.answer(state, "x")


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("date", "2027-03-15", "2027-03-15"),
        ("date", date(2027, 3, 15), "2027-03-15"),
        ("departement", "5", "05"),
        ("departement", "2b", "2B"),
        ("departement", "976", "976"),
        ("siret", "389 394 560 00020", "38939456000020"),
        ("text", "  un   texte ", "un texte"),
    ],
)
def test_values_are_normalised(kind, value, expected):
    assert validate_value(kind, value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("date", "15/03/2027"),
        ("date", "2027-02-30"),
        ("date", "20270315"),
        ("departement", "20"),
        ("departement", "96"),
        ("departement", "979"),
        ("departement", "975"),
        ("siret", "38939456000021"),
        ("siret", "3893945600002"),
        ("siret", "00000000000000"),
        ("text", ""),
        ("text", "x" * 501),
        ("choice", "TPX"),
    ],
)
def test_bad_values_are_refused(kind, value):
    with pytest.raises(AnswerError) as info:
        validate_value(kind, value, ["TP", "CCP"])
    assert info.value.message


# --------------------------------------------------------------------------- broken data

GOOD = """
id: essai
title: Essai
description: Une procédure d'essai.
start: q
nodes:
  q:
    type: question
    text: Une question ?
    choices:
      - {id: a, label: Réponse A, next: s}
      - {id: b, label: Réponse B, next: fin}
  s:
    type: input
    kind: siret
    var: siret
    text: Le SIRET ?
    next: c
  c:
    type: check
    check: siret_registered
    outcomes: {"yes": fin, "no": fin2}
  fin:
    type: leaf
    article: pnd
    text: C'est fini.
  fin2:
    type: leaf
    article: enregistrer-centre
    text: Enregistrez le centre {siret}.
    operation: activation_letter
    ticket: {reason: "Centre {siret}", queue_hint: dreets}
"""


def _load(tmp_path: Path, text: str, name: str = "essai") -> ProcedureLibrary:
    directory = tmp_path / "broken"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_procedures(directory, TOPIC_IDS)


def _broken(tmp_path: Path, old: str, new: str) -> str:
    assert old in GOOD, old
    with pytest.raises(ProcedureDataError) as info:
        _load(tmp_path, GOOD.replace(old, new, 1))
    return str(info.value)


def test_the_good_sample_loads(tmp_path):
    lib = _load(tmp_path, GOOD)
    _, step = walk(lib, "essai", ["a", "38939456000020", "no"])
    assert step.text == "Enregistrez le centre 38939456000020."
    assert step.ticket.reason == "Centre 38939456000020"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("next: fin}", "next: nulle_part}", "unknown node reference 'nulle_part'"),
        ('"no": fin2}', '"no": fin}', "'fin2': unreachable"),
        ("next: fin}", "next: q}", "cycle"),
        ("    article: pnd\n", "", "a leaf needs an 'article'"),
        ("article: pnd", "article: pas-un-sujet", "not one of the topic ids"),
        ("    text: C'est fini.\n", "", "missing French text 'text'"),
        ("text: Le SIRET ?", "text: ''", "non-empty French text"),
        (
            "label: Réponse A",
            "label: Une réponse bien trop longue pour tenir sur un bouton",
            "label longer than 40",
        ),
        ("operation: activation_letter", "operation: activation_lettre", "unknown operation"),
        ("check: siret_registered", "check: siret_registred", "unknown check"),
        ('"yes": fin,', "", "outcome 'yes' has no next node"),
        ('"yes": fin', "yes: fin", "in quotes"),
        ("queue_hint: dreets", "queue_hint: gev-agricole", "unknown queue_hint"),
        ("kind: siret", "kind: telephone", "unknown input kind"),
        ("start: q", "start: debut", "start node 'debut' does not exist"),
        ("    var: siret\n", "", "missing or bad variable name"),
        (
            "{id: b, label: Réponse B, next: fin}",
            "{id: b, label: Réponse B, next: c}",
            "variable 'siret' may be unset",
        ),
        ("type: input", "type: saisie", "unknown node type"),
        ("    kind: siret\n", "    kind: siret\n    couleur: bleu\n", "unknown key 'couleur'"),
        ("id: essai", "id: autre", "differs from the file name"),
        ("{id: b, label", "{id: a, label", "duplicate choice id 'a'"),
    ],
)
def test_broken_data_is_refused_with_a_clear_error(tmp_path, old, new, message):
    assert message in _broken(tmp_path, old, new)


def test_errors_name_the_file_and_node_and_are_all_reported(tmp_path):
    text = GOOD.replace("article: pnd", "article: inconnu").replace(
        "check: siret_registered", "check: nope"
    )
    with pytest.raises(ProcedureDataError) as info:
        _load(tmp_path, text)
    problems = info.value.problems
    assert any(p.startswith("essai.yaml: node 'fin'") for p in problems)
    assert any(p.startswith("essai.yaml: node 'c'") for p in problems)


def test_unreadable_files_are_refused(tmp_path):
    with pytest.raises(ProcedureDataError, match="not valid YAML"):
        _load(tmp_path, "id: [essai\n")
    with pytest.raises(ProcedureDataError, match="no procedure file"):
        load_procedures(tmp_path, TOPIC_IDS)


def test_the_shipped_files_are_plain_yaml_mappings():
    for path in DEFAULT_DIRECTORY.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["id"] == path.stem
