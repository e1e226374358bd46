"""Procedure texts per role (issue 8 « Texts », issue 10 item 5).

A node's text, a button's label and a leaf's ticket may vary by role; the walker's
role comes in the start context, is kept in the state, and ``step`` gives that
role's variant or the default one. Every shipped procedure tells each role what IT
does and whom IT contacts: a UD is never told to ask the DDETS (R-SES-5), a DREETS
never to ask the DREETS (R-SITE-6, R-CAN-5, R-JUR-1), a centre never to ask the
centre, and no one is offered a ticket to its own queue.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest

from ceres_core.models import Role
from knowledge.articles import ROLE_NAMES
from knowledge.procedure_engine import (
    ROLES,
    ProcedureDataError,
    ProcedureLibrary,
    StaleStateError,
    Step,
    WalkState,
    load_procedures,
    load_topic_ids,
)

TOPIC_IDS = load_topic_ids()

VARIANTS = """
id: essai
title: Essai
description: Une procédure d'essai.
start: q
nodes:
  q:
    type: question
    text:
      default: Qui fait quoi ?
      ud: Question pour l'UD ?
      "centre, dreets": Question pour le centre ou la DREETS ?
    choices:
      - id: a
        label: {default: Réponse A, ud: Réponse A de l'UD}
        next: s
      - {id: b, label: Réponse B, next: s}
  s:
    type: input
    kind: text
    var: session
    text: {default: "La session ?", ddets: "La session de votre département ?"}
    next: fin
  fin:
    type: leaf
    article: annuler-session
    text:
      default: Demandez l'annulation de {session} à la DDETS.
      ud: Annulez la session {session} vous-même.
    ticket:
      default: {reason: "Annuler {session}", queue_hint: ud}
      ud: null
      dreets: {reason: "La DDETS doit annuler {session}", queue_hint: ud}
"""


def _load(tmp_path: Path, text: str) -> ProcedureLibrary:
    directory = tmp_path / "procs"
    directory.mkdir(exist_ok=True)
    (directory / "essai.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return load_procedures(directory, TOPIC_IDS)


def _refused(tmp_path: Path, old: str, new: str) -> str:
    assert old in VARIANTS, old
    with pytest.raises(ProcedureDataError) as info:
        _load(tmp_path, VARIANTS.replace(old, new, 1))
    return str(info.value)


def _walk(lib: ProcedureLibrary, role: str | None, answers: list[str]) -> tuple[WalkState, Step]:
    state = lib.start("essai", {"role": role} if role else None)
    for a in answers:
        state = lib.answer(state, a)
    return state, lib.step(state)


# --------------------------------------------------------------------------- engine


def test_the_role_vocabulary_is_the_cores_and_the_articles():
    assert ROLES == {r.value for r in Role} == set(ROLE_NAMES.values())


def test_each_role_reads_its_variant(tmp_path):
    lib = _load(tmp_path, VARIANTS)
    _, step = _walk(lib, "ud", [])
    assert step.text == "Question pour l'UD ?"
    assert [c.label for c in step.choices] == ["Réponse A de l'UD", "Réponse B"]
    _, step = _walk(lib, "centre", [])
    assert step.text == "Question pour le centre ou la DREETS ?"
    assert [c.label for c in step.choices] == ["Réponse A", "Réponse B"]
    _, step = _walk(lib, "dreets", [])
    assert step.text == "Question pour le centre ou la DREETS ?"
    # the older service name in the file (« ddets ») is the ud role
    _, step = _walk(lib, "ud", ["a"])
    assert step.text == "La session de votre département ?"
    # placeholders are filled in the variants; a ticket per role, null = none
    _, step = _walk(lib, "ud", ["a", "S1"])
    assert step.text == "Annulez la session S1 vous-même." and step.ticket is None
    _, step = _walk(lib, "dreets", ["a", "S1"])
    assert step.text == "Demandez l'annulation de S1 à la DDETS."
    assert step.ticket.reason == "La DDETS doit annuler S1"


@pytest.mark.parametrize("role", [None, "", "admin", "gev"])
def test_no_role_or_a_role_without_variant_reads_the_default(tmp_path, role):
    lib = _load(tmp_path, VARIANTS)
    _, step = _walk(lib, role, [])
    assert step.text == "Qui fait quoi ?"
    assert [c.label for c in step.choices] == ["Réponse A", "Réponse B"]
    _, step = _walk(lib, role, ["a", "S1"])
    assert step.text == "Demandez l'annulation de S1 à la DDETS."
    assert (step.ticket.reason, step.ticket.queue_hint) == ("Annuler S1", "ud")


def test_the_role_is_normalised_and_an_unknown_role_is_refused(tmp_path):
    lib = _load(tmp_path, VARIANTS)
    assert lib.start("essai", {"role": "DDETS"}).role == "ud"
    assert lib.start("essai", {"role": Role.UD}).role == "ud"
    with pytest.raises(ValueError, match="unknown role"):
        lib.start("essai", {"role": "préfet"})


def test_the_role_survives_a_restart_and_is_not_a_variable(tmp_path):
    lib = _load(tmp_path, VARIANTS)
    state, step = _walk(lib, "ud", ["a"])
    data = json.loads(json.dumps(state.to_dict()))
    assert data["context"] == {"role": "ud"} and "role" not in data["vars"]
    restarted = _load(tmp_path, VARIANTS)  # a new process
    restored = restarted.restore(data)
    assert restored == state and restored.role == "ud"
    assert restarted.step(restored) == step
    assert restarted.step(restarted.back(restored)).text == "Question pour l'UD ?"
    assert restarted.step(restarted.answer(restored, "S1")).ticket is None
    with pytest.raises(StaleStateError):  # a role that no longer exists
        restarted.restore({**data, "context": {"role": "préfet"}})


def test_the_context_still_sets_variables(tmp_path):
    lib = _load(tmp_path, VARIANTS)
    state = lib.start("essai", {"role": "ud", "session": "S9"})
    assert dict(state.variables) == {"session": "S9"}
    assert lib.restore(state.to_dict()).variables["session"] == "S9"


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("      ud: Question pour l'UD ?", "      ddet: Question ?",
         "essai.yaml: node 'q': 'text': unknown role 'ddet'"),
        ("      default: Qui fait quoi ?\n", "",
         "essai.yaml: node 'q': 'text': a text that varies by role needs a 'default' variant"),
        ('ddets: "La session de votre département ?"',
         'ddets: "La session ?", ud: "Encore ?"',
         "essai.yaml: node 's': 'text': role 'ud' has two variants"),
        ("      ud: Question pour l'UD ?", "      ud: ''",
         "essai.yaml: node 'q': 'text' (ud) must be a non-empty French text"),
        ("ud: Réponse A de l'UD}", "ud: " + "Un libellé bien trop long pour un bouton" * 2 + "}",
         "node 'q': choice 'a' (ud): label longer than 40 characters"),
        ("label: {default: Réponse A, ud:", "label: {default: Réponse A, gevv:",
         "node 'q': choice 'a': label: unknown role 'gevv'"),
        ("      ud: Annulez la session {session} vous-même.",
         "      ud: Annulez la session {sesion} vous-même.",
         "essai.yaml: node 'fin': variable 'sesion' may be unset here"),
        ('dreets: {reason: "La DDETS doit annuler {session}", queue_hint: ud}',
         'dreets: {reason: "La DDETS doit annuler {session}", queue_hint: prefecture}',
         "node 'fin': ticket (dreets): unknown queue_hint 'prefecture'"),
        ("description: Une procédure d'essai.", "description: {default: Une procédure.}",
         "essai.yaml: 'description' cannot vary by role"),
    ],
)
def test_bad_role_variants_are_refused_at_load(tmp_path, old, new, message):
    assert message in _refused(tmp_path, old, new)


# --------------------------------------------------------------------------- the data

_LIB = load_procedures(topic_ids=TOPIC_IDS)

SAMPLE_INPUTS = {
    "date": "2027-03-15",
    "departement": "69",
    "siret": "38939456000020",
    "text": "S1",
}


def _steps(lib: ProcedureLibrary, pid: str, role: str | None) -> list[Step]:
    """Every step of every walk of ``pid`` as ``role`` reads it."""
    seen: list[Step] = []

    def go(state: WalkState) -> None:
        step = lib.step(state)
        seen.append(step)
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
            return
        for opt in options:
            go(lib.answer(state, opt))

    go(lib.start(pid, {"role": role} if role else None))
    return seen


_ASK = r"\b(demandez|demander|transmettez|adressez|contactez|écrivez|signalez|prévenez)\b"
#: whom a role must not be told to ask: itself.
SELF = {
    "ud": r"(\bà|auprès de)\s+(la |l'|votre )?(UD|DDETS|DEETS)\b",
    "dreets": r"(\bà|auprès de)\s+(la |votre )?DREETS\b(?! de la région où se trouve le site)",
    "centre": r"(\bau|auprès du)\s+centre\b(?! (de reprise|cible))|\b(contactez|prévenez)\s+le\s+centre\b",
}
OWN_QUEUE = {"ud": "ud", "dreets": "dreets"}
#: a DREETS that is not the site's hands the transfer to the competent one (R-SITE-6).
OTHER_SERVICE = {("transfert", "pas_competent", "dreets")}


def _sentences(step: Step) -> list[str]:
    texts = [step.text, *(c.label for c in step.choices)]
    if step.ticket:
        texts.append(step.ticket.reason)
    return [s for t in texts for s in re.split(r"(?<=[.!?;])\s+", t)]


@pytest.mark.parametrize("role", sorted(SELF))
@pytest.mark.parametrize("pid", _LIB.ids())
def test_no_role_is_told_to_ask_itself(pid, role):
    for step in _steps(_LIB, pid, role):
        for sentence in _sentences(step):
            asks = re.search(_ASK, sentence, re.IGNORECASE)
            assert not (asks and re.search(SELF[role], sentence, re.IGNORECASE)), (
                f"{pid}/{step.node} tells the {role} to ask itself: {sentence!r}"
            )
        if step.ticket and role in OWN_QUEUE and (pid, step.node, role) not in OTHER_SERVICE:
            assert step.ticket.queue_hint != OWN_QUEUE[role], (
                f"{pid}/{step.node} offers the {role} a ticket to its own queue"
            )


def _leaf(pid: str, role: str | None, answers: list[object]) -> Step:
    state = _LIB.start(pid, {"role": role} if role else None)
    for a in answers:
        state = _LIB.answer(state, a)
    return _LIB.step(state)


@pytest.mark.parametrize("plis", ["non_recus", "recus"])
def test_the_ud_and_the_dreets_cancel_the_session_themselves(plis):  # R-SES-5
    path = ["suppression", "S1", "yes", plis]
    for role in ("ud", "dreets"):
        step = _leaf("bloque", role, path)
        assert step.text.startswith("Annulez la session S1 dans CERES")
        assert "DDETS" not in step.text and step.ticket is None
    centre = _leaf("bloque", "centre", path)
    assert "Demandez l'annulation de la session S1 à la DREETS ou à la DDETS" in centre.text
    assert centre.ticket.queue_hint == "dreets"
    # not linked: the request to the State services, as a centre makes it
    assert _leaf("bloque", None, path).text.startswith("Demandez l'annulation de la session S1")


def test_only_the_centre_deletes_its_session():  # R-SES-3
    assert "seul le centre" in _leaf("bloque", "ud", ["suppression", "S1", "no"]).text
    assert "seul le centre" not in _leaf("bloque", "centre", ["suppression", "S1", "no"]).text


def test_the_state_services_habilitate_the_juror_themselves():  # R-JUR-1, R-JUR-3
    for role in ("ud", "dreets"):
        step = _leaf("bloque", role, ["jure_ccs", "non", "oui"])
        assert "vous pouvez l'habiliter au CCS" in step.text and step.ticket is None
    step = _leaf("bloque", "centre", ["jure_ccs", "non", "oui"])
    assert step.text.startswith("Demandez à l'UD ou à la DREETS") and step.ticket


def test_duplicate_records_go_to_the_dreets_which_handles_them():  # R-CAN-5
    path = ["candidat", "doublon"]
    assert _leaf("bloque", "ud", path).ticket.queue_hint == "dreets"
    dreets = _leaf("bloque", "dreets", path)
    assert "vous reviennent" in dreets.text and dreets.ticket is None


def test_a_centre_or_a_ud_is_sent_to_the_dreets_of_the_site():  # R-SITE-6
    for role in ("centre", "ud"):
        step = _leaf("transfert", role, ["reprise", "S1", "no"])
        assert "Vous n'êtes pas la DREETS" not in step.text
        assert "DREETS de la région où se trouve le site" in step.text
        assert step.ticket.queue_hint == "dreets"
    assert "Vous n'êtes pas la DREETS compétente" in _leaf(
        "transfert", "dreets", ["reprise", "S1", "no"]
    ).text


def test_the_centre_asks_its_ud_for_the_duplicate_and_the_ud_sends_it():  # R-PRT-6, R-PRT-5
    path = ["S1", "C1", "erreur", "corrigee", "at_least_7_days", "yes"]
    centre = _leaf("documents", "centre", path)
    assert "votre UD (DDETS/DEETS)" in centre.text and "vous pouvez demander" not in centre.text
    ud = _leaf("documents", "ud", path)
    assert "vous pouvez demander un duplicata" in ud.text
    assert "envoyer vous-même" in ud.text and "par l'UD" not in ud.text


def test_the_state_services_are_told_the_centre_orders_the_dte():  # R-DTE-1, R-DTE-7
    for role in ("ud", "dreets"):
        assert "Le centre écrit à epreuves-btp@afpa.fr" in _leaf(
            "dte", role, ["non_recu", "plis_tp", "S1", "contact_gev", "btp"]
        ).text
        assert "passée par le centre" in _leaf("dte", role, ["non_recu", "plis_tp", "S1", "not_ordered"]).text
    assert _leaf("dte", "centre", ["non_recu", "plis_tp", "S1", "not_ordered"]).text.startswith(
        "Aucune commande de DTE"
    )


def test_the_rules_numbers_are_filled_in_every_variant():
    for proc in _LIB.procedures.values():
        for node in proc.nodes.values():
            for text in node.all_texts():
                assert "{{" not in text, (proc.id, node.id)


_PRINTING = re.compile(r"Envoyer pour impression|Envoyer un duplicata|demander un duplicata|attestation")


@pytest.mark.parametrize("pid", ["bloque", "documents"])
def test_a_centre_is_told_its_ud_prints(pid):  # R-PRT-1..6: printing is the UD's
    for step in _steps(_LIB, pid, "centre"):
        if _PRINTING.search(step.text):
            assert "UD" in step.text, f"{pid}/{step.node}: {step.text!r}"
