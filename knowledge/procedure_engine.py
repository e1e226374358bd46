"""Guided procedures: decision trees kept as YAML data, walked by a small pure engine.

A procedure (``knowledge/procedures/<id>.yaml``, format in ``docs/procedures.md``) is
a directed acyclic graph of nodes:

- ``question``: a French text and buttons; each button leads to a node (and may set
  variables);
- ``input``: asks for a value of a kind (``date``, ``departement``, ``siret``,
  ``text``, ``choice``) and stores it under a variable name;
- ``check``: asks the caller to evaluate a named check against the CERES core
  (:data:`CHECKS`) and branches on its outcome;
- ``leaf``: a French conclusion, an article id (one of the topics), optionally
  operations the front end may offer (:data:`OPERATIONS`) and a ticket offer.

Everything is checked when the files are loaded (:func:`load_procedures`): unknown
node references, unreachable nodes, cycles, leaves without article, unknown article
ids, missing French texts, unknown operation/check names or parameters, variables
that may be unset where they are used. A mistake in the data is a
:class:`ProcedureDataError` that names the file and the node.

The engine is pure: it reads its data files once, then only computes.
:class:`ProcedureLibrary` starts a walk (:meth:`~ProcedureLibrary.start`), says what
to show (:meth:`~ProcedureLibrary.step`), takes the answer
(:meth:`~ProcedureLibrary.answer`) and goes back (:meth:`~ProcedureLibrary.back`).
A walk is a :class:`WalkState`, immutable and serialisable to a small JSON dict
(:meth:`WalkState.to_dict`, :meth:`ProcedureLibrary.restore`).

A node's text, a button's label and a leaf's ticket may vary by role
(``text: {default: ..., ud: ..., centre: ...}``): the walker's role is given once,
in the start context (``start(pid, {"role": "ud"})``), kept in the state, and
:meth:`~ProcedureLibrary.step` gives that role's variant, or the default text.

Input values reach the engine already parsed by the front end: dates as ISO strings
(``"2027-03-15"``), départements as codes (``"974"``, ``"2A"``), SIRET as 14 digits.
The engine validates the kind and normalises; a bad value raises
:class:`AnswerError` whose ``message`` is French and can be shown as is.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from stdnum.fr import siret as _siret

from knowledge.articles import ROLE_NAMES
from knowledge.facts import UnknownFact, core_facts, fill

__all__ = [
    "CHECKS",
    "DEFAULT_DIRECTORY",
    "DEFAULT_TEXT",
    "DEFAULT_TOPICS_FILE",
    "INPUT_KINDS",
    "LOOKUPS",
    "OPERATIONS",
    "QUEUES",
    "ROLES",
    "AnswerError",
    "CheckRequest",
    "CheckSpec",
    "Choice",
    "InputRequest",
    "OperationOffer",
    "OperationSpec",
    "Procedure",
    "ProcedureDataError",
    "ProcedureLibrary",
    "StaleStateError",
    "Step",
    "TicketOffer",
    "WalkState",
    "load_procedure",
    "load_procedures",
    "load_topic_ids",
    "normalise_role",
    "validate_value",
]

DEFAULT_DIRECTORY = Path(__file__).parent / "procedures"
DEFAULT_TOPICS_FILE = Path(__file__).parent / "data" / "topics.yaml"

#: Telegram limits that the data must respect to be renderable.
MAX_BUTTON_LABEL = 40
MAX_TEXT = 3500
MAX_DESCRIPTION = 256
MAX_TEXT_INPUT = 500

STATE_FORMAT = 1

#: The roles a text may vary by: the ``ceres_core.models.Role`` values, read through
#: the articles' vocabulary (``knowledge.articles.ROLE_NAMES``, which also takes the
#: older service names: « ddets », « deets » → ``ud``) so that an article's
#: « Étapes (UD) » and a procedure's ``text: {ud: ...}`` name the same role.
ROLES: frozenset[str] = frozenset(ROLE_NAMES.values())
#: The key of the text every role without its own variant reads.
DEFAULT_TEXT = "default"

# --------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class OperationSpec:
    """An operation the front end can run through a ``ceres_core`` service.

    ``params`` are the parameter names; a leaf maps each one to a variable.
    ``label`` is the default French button label. ``confirm`` says the operation
    changes CERES and the front end must ask an explicit confirmation first.
    """

    name: str
    params: tuple[str, ...]
    label: str
    confirm: bool
    doc: str


@dataclass(frozen=True)
class CheckSpec:
    """A check the front end evaluates against the CERES core.

    The front end answers with one of ``outcomes``. ``question`` and
    ``outcome_labels`` (French) let it ask the user instead when it cannot evaluate
    the check itself (no linked account, core unreachable).
    """

    name: str
    params: tuple[str, ...]
    outcomes: tuple[str, ...]
    question: str
    outcome_labels: Mapping[str, str]
    doc: str


def _op(name: str, params: tuple[str, ...], label: str, confirm: bool, doc: str) -> OperationSpec:
    return OperationSpec(name, params, label, confirm, doc)


#: Operations a leaf may offer. Keep in step with the bot's mapping to ceres_core.
OPERATIONS: Mapping[str, OperationSpec] = {
    op.name: op
    for op in (
        _op(
            "request_print",
            ("session",),
            "Envoyer pour impression",
            True,
            "Print requests for the session's candidates, one by one (R-PRT-2..4).",
        ),
        _op(
            "request_duplicate",
            ("session", "candidate"),
            "Demander le duplicata",
            True,
            "Duplicate for one candidate of a session (R-PRT-6).",
        ),
        _op(
            "record_pnd",
            ("session", "candidate", "address"),
            "Enregistrer la nouvelle adresse",
            True,
            "PND: update the address and tell the Afpa, no duplicate (R-AFT-2).",
        ),
        _op(
            "attestation_reussite",
            ("session", "candidate"),
            "Télécharger l'attestation",
            False,
            "Attestation de réussite PDF for an admitted candidate (R-PRT-5).",
        ),
        _op(
            "dte_timeline",
            ("kind", "session_start", "departement"),
            "Calculer le calendrier du DTE",
            False,
            "DTE deadline and delivery dates, kind TP or CCP (R-DTE-1/4/5/6/7).",
        ),
        _op(
            "order_dte",
            ("session",),
            "Commander le DTE",
            True,
            "DTE order form for the session (R-DTE-1/2).",
        ),
        _op(
            "register_centre",
            ("siret", "site"),
            "Enregistrer le centre",
            True,
            "Register a centre from its SIRET via the directory, for the site it is "
            "registered for (R-SITE-4, R-SITE-6).",
        ),
        _op(
            "transfer_site",
            ("site", "target_siret"),
            "Transférer le site",
            True,
            "Transfer a site and its agréments and sessions (R-SITE-5).",
        ),
        _op(
            "activation_letter",
            ("siret",),
            "Courrier d'activation",
            False,
            "Activation letter PDF of a centre (R-SITE-7).",
        ),
        _op(
            "list_sessions",
            (),
            "Voir mes sessions",
            False,
            "The actor's sessions, with print-request tracking (R-PRT-8).",
        ),
        _op(
            "update_candidate",
            ("candidate",),
            "Modifier la fiche candidat",
            True,
            "Back to draft, edit, validate again (R-CAN-2).",
        ),
    )
}

_YES_NO = ("yes", "no")
_OUI_NON = {"yes": "Oui", "no": "Non"}


def _check(
    name: str,
    params: tuple[str, ...],
    question: str,
    doc: str,
    outcomes: Mapping[str, str] | None = None,
) -> CheckSpec:
    labels = dict(outcomes or _OUI_NON)
    return CheckSpec(name, params, tuple(labels), question, labels, doc)


#: Checks a ``check`` node may name.
CHECKS: Mapping[str, CheckSpec] = {
    c.name: c
    for c in (
        _check(
            "siret_registered",
            ("siret",),
            "Ce SIRET correspond-il à un centre enregistré dans CERES ?",
            "yes if a centre with this SIRET exists in CERES (R-SITE-3).",
        ),
        _check(
            "actor_is_site_dreets",
            ("site",),
            "Êtes-vous la DREETS compétente pour le lieu du site ?",
            "yes if the actor is the DREETS of the region where the site is (R-SITE-6).",
        ),
        _check(
            "centre_has_activation_code",
            ("siret",),
            "Ce centre a-t-il déjà reçu son code d'activation ?",
            "yes if the centre already had an activation code (R-SITE-7).",
        ),
        _check(
            "print_request_age_days",
            ("session", "candidate"),
            "Quand a eu lieu la dernière demande d'impression pour ce candidat ?",
            "Age of the last print request, classified by ceres_core's R-PRT-6 delay.",
            {
                "none": "Aucune demande",
                "under_7_days": "Moins de 7 jours",
                "at_least_7_days": "7 jours ou plus",
            },
        ),
        _check(
            "candidate_admitted",
            ("session", "candidate"),
            "Le candidat est-il admis à cette session ?",
            "yes if the candidate's result is admis (R-PRT-5).",
        ),
        _check(
            "session_overseas",
            ("session",),
            "La session a-t-elle eu lieu dans un DROM-COM ?",
            "yes if the session took place in a DROM-COM (R-PRT-7).",
        ),
        _check(
            "session_has_candidates",
            ("session",),
            "Au moins un candidat est-il inscrit à la session ?",
            "yes if at least one candidate is registered (R-CON-1).",
        ),
        _check(
            "dte_ordered",
            ("session",),
            "Le DTE de cette session a-t-il déjà été commandé ?",
            "yes if a DTE order exists for the session (R-SES-3).",
        ),
        _check(
            "dte_order_status",
            ("session",),
            "Où en est la commande de DTE de cette session ?",
            "not_ordered; too_early = more than 2 weeks before the session; "
            "contact_gev = 2 weeks or less before the session (R-DTE-7).",
            {
                "not_ordered": "Pas commandé",
                "too_early": "Plus de 2 semaines avant",
                "contact_gev": "2 semaines ou moins",
            },
        ),
    )
}

INPUT_KINDS: frozenset[str] = frozenset({"date", "departement", "siret", "text", "choice"})

#: Hints for ``text`` inputs: the front end may offer a picker of these objects.
LOOKUPS: frozenset[str] = frozenset({"session", "candidate", "site"})

#: Ticket routing hints (the tickets package owns the queues themselves).
QUEUES: frozenset[str] = frozenset(
    {
        "assistance",
        "gev-btp",
        "gev-industrie",
        "gev-tertiaire",
        "gev-ccp",
        "dreets",
        "ud",
        "afpa-impression",
    }
)

# The INSEE codes that ceres_core.geography knows: 01..95 (no 20), 2A, 2B and the
# five DROM. The COM (975, 977, 978, 986..988) are not départements.
_DEPARTEMENTS: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]
)
_CENTRE_REPRISE = {"0000000000000", "00000000000000"}

# --------------------------------------------------------------------------- errors


class ProcedureDataError(ValueError):
    """The procedure data is wrong. ``problems`` lists every problem found (English,
    for the developer): ``"documents.yaml: node 'x': unknown next node 'y'"``."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid procedure data:\n  - " + "\n  - ".join(self.problems))


class AnswerError(ValueError):
    """The answer does not fit the current step; ``message`` is French, shown as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StaleStateError(ValueError):
    """A stored walk no longer matches the procedures (deleted procedure or node,
    changed answers). ``message`` is French, for the user; ``reason`` is for logs."""

    def __init__(self, reason: str) -> None:
        self.message = (
            "Cette procédure a été mise à jour depuis votre dernière réponse. "
            "Reprenons depuis le début."
        )
        self.reason = reason
        super().__init__(f"{self.message} ({reason})")


# --------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Choice:
    """A button: ``id`` is what the front end sends back, ``label`` what it shows."""

    id: str
    label: str
    next: str | None = None
    sets: Mapping[str, str] = field(default_factory=dict)
    #: role → label, for the roles whose label differs from ``label``.
    label_by_role: Mapping[str, str] = field(default_factory=dict)

    def for_role(self, role: str | None) -> Choice:
        """The choice as ``role`` reads it (its own label, or the default one)."""
        label = _for_role(self.label, self.label_by_role, role)
        return self if label == self.label else Choice(self.id, label, self.next, self.sets)


@dataclass(frozen=True)
class Node:
    id: str
    type: str
    text: str | None = None
    choices: tuple[Choice, ...] = ()
    next: str | None = None
    kind: str | None = None
    var: str | None = None
    lookup: str | None = None
    hint: str | None = None
    check: str | None = None
    args: Mapping[str, str] = field(default_factory=dict)
    outcomes: Mapping[str, str] = field(default_factory=dict)
    article: str | None = None
    operations: tuple[tuple[str, str, Mapping[str, str]], ...] = ()
    ticket: tuple[str, str] | None = None
    #: role → text, and role → ticket (``None``: no ticket for that role), for the
    #: roles that have their own variant; the others read the defaults above.
    text_by_role: Mapping[str, str] = field(default_factory=dict)
    ticket_by_role: Mapping[str, tuple[str, str] | None] = field(default_factory=dict)

    def all_texts(self) -> list[str]:
        """The node's texts and ticket reasons, every role's variant included."""
        tickets = [self.ticket, *self.ticket_by_role.values()]
        return [
            t
            for t in (self.text, *self.text_by_role.values(), *(k[0] for k in tickets if k))
            if t
        ]

    def successors(self) -> list[str]:
        if self.type == "question":
            return [c.next for c in self.choices if c.next]
        if self.type == "input":
            return [self.next] if self.next else []
        if self.type == "check":
            return list(self.outcomes.values())
        return []


@dataclass(frozen=True)
class Procedure:
    """One loaded and validated procedure. ``version`` is a hash of its content."""

    id: str
    title: str
    description: str
    start: str
    nodes: Mapping[str, Node]
    version: str
    source: str

    def leaves(self) -> list[str]:
        return [n.id for n in self.nodes.values() if n.type == "leaf"]


# Views given to the front end ----------------------------------------------------


@dataclass(frozen=True)
class InputRequest:
    """``kind`` of value to ask for; ``options`` for ``choice``; ``lookup`` hints a
    picker (``session``, ``candidate``, ``site``) for ``text``."""

    kind: str
    var: str
    options: tuple[Choice, ...] = ()
    lookup: str | None = None
    hint: str | None = None


@dataclass(frozen=True)
class CheckRequest:
    """Evaluate check ``name`` with ``params`` (values taken from the walk) and answer
    with one of ``outcomes``. ``question``/``outcome_labels`` allow asking the user."""

    name: str
    params: Mapping[str, str]
    outcomes: tuple[str, ...]
    question: str
    outcome_labels: Mapping[str, str]


@dataclass(frozen=True)
class OperationOffer:
    name: str
    label: str
    params: Mapping[str, str]
    confirm: bool


@dataclass(frozen=True)
class TicketOffer:
    reason: str
    queue_hint: str


@dataclass(frozen=True)
class Step:
    """What to show now. ``type`` is the node type; only the matching field is set."""

    procedure: str
    node: str
    type: str
    text: str
    choices: tuple[Choice, ...] = ()
    input: InputRequest | None = None
    check: CheckRequest | None = None
    article: str | None = None
    operations: tuple[OperationOffer, ...] = ()
    ticket: TicketOffer | None = None
    can_go_back: bool = False

    @property
    def finished(self) -> bool:
        return self.type == "leaf"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (for logs, the web chat page, tests)."""
        out: dict[str, Any] = {
            "procedure": self.procedure,
            "node": self.node,
            "type": self.type,
            "text": self.text,
            "can_go_back": self.can_go_back,
        }
        if self.choices:
            out["choices"] = [{"id": c.id, "label": c.label} for c in self.choices]
        if self.input:
            out["input"] = {
                "kind": self.input.kind,
                "var": self.input.var,
                "lookup": self.input.lookup,
                "hint": self.input.hint,
                "options": [{"id": c.id, "label": c.label} for c in self.input.options],
            }
        if self.check:
            out["check"] = {
                "name": self.check.name,
                "params": dict(self.check.params),
                "outcomes": list(self.check.outcomes),
            }
        if self.type == "leaf":
            out["article"] = self.article
            out["operations"] = [
                {"name": o.name, "label": o.label, "params": dict(o.params), "confirm": o.confirm}
                for o in self.operations
            ]
            out["ticket"] = (
                {"reason": self.ticket.reason, "queue_hint": self.ticket.queue_hint}
                if self.ticket
                else None
            )
        return out


@dataclass(frozen=True)
class WalkState:
    """Where a walk is. Immutable; :meth:`to_dict` gives a small JSON dict.

    ``path`` holds ``(node, answer)`` for every answered node; the variables are
    recomputed from it on restore, so a state can be checked against new data.
    """

    procedure: str
    version: str
    node: str
    variables: Mapping[str, str]
    path: tuple[tuple[str, str], ...] = ()
    context: Mapping[str, str] = field(default_factory=dict)

    @property
    def role(self) -> str | None:
        """The walker's role (given in the start context): it selects the texts."""
        return self.context.get("role")

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "v": STATE_FORMAT,
            "procedure": self.procedure,
            "version": self.version,
            "node": self.node,
            "vars": dict(self.variables),
            "path": [[n, a] for n, a in self.path],
        }
        if self.context:
            data["context"] = dict(self.context)
        return data


# --------------------------------------------------------------------------- values


def validate_value(kind: str, value: object, options: Iterable[str] = ()) -> str:
    """Check and normalise an already-parsed input value; French :class:`AnswerError`."""
    if kind == "date":
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value.isoformat()
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            with contextlib.suppress(ValueError):  # 2027-02-30: said below
                return date.fromisoformat(value.strip()).isoformat()
        raise AnswerError("Cette date n'existe pas ou n'est pas lisible. Exemple : 15/03/2027.")
    if not isinstance(value, str):
        raise AnswerError("Réponse illisible : merci de saisir une valeur.")
    text = value.strip()
    if kind == "departement":
        code = text.upper()
        if code.isdigit() and len(code) == 1:
            code = "0" + code
        if code in _DEPARTEMENTS:
            return code
        if code == "20":
            raise AnswerError("Pour la Corse, indiquez 2A ou 2B.")
        raise AnswerError("Ce numéro de département est inconnu. Exemples : 75, 2A, 974.")
    if kind == "siret":
        digits = re.sub(r"[\s.]", "", text)
        if digits in _CENTRE_REPRISE:
            raise AnswerError(
                "Le SIRET 0000000000000 est celui du centre de reprise : il ne peut pas être "
                "la cible d'un transfert. Indiquez le SIRET du bon centre."
            )
        if not (digits.isdigit() and len(digits) == 14):
            raise AnswerError("Un SIRET compte 14 chiffres. Vérifiez la saisie.")
        if not _siret.is_valid(digits):
            raise AnswerError("Ce SIRET n'est pas valide (clé de contrôle). Vérifiez la saisie.")
        return digits
    if kind == "text":
        text = " ".join(text.split())
        if not text:
            raise AnswerError("La réponse est vide : merci de saisir une valeur.")
        if len(text) > MAX_TEXT_INPUT:
            raise AnswerError(f"La réponse est trop longue (au plus {MAX_TEXT_INPUT} caractères).")
        return text
    if kind == "choice":
        if text in set(options):
            return text
        raise AnswerError("Ce choix n'est pas proposé : utilisez l'un des boutons.")
    raise AnswerError("Type de saisie inconnu.")  # unreachable with validated data


# --------------------------------------------------------------------------- loading

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_PROC_ID = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # a Telegram command name
_CHOICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")  # short: Telegram callback data
_PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")

_NODE_KEYS = {
    "question": {"type", "text", "choices"},
    "input": {"type", "text", "kind", "var", "next", "options", "lookup", "hint"},
    "check": {"type", "text", "check", "args", "outcomes"},
    "leaf": {"type", "text", "article", "operation", "operations", "ticket"},
}
_TOP_KEYS = {"id", "title", "description", "start", "nodes"}


def load_topic_ids(path: Path = DEFAULT_TOPICS_FILE) -> frozenset[str]:
    """The topic ids of ``knowledge/data/topics.yaml`` (``topics: [{id: ...}, ...]``)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(t["id"] for t in data["topics"])


class _Loader:
    def __init__(self, source: str, topic_ids: frozenset[str]) -> None:
        self.source = source
        self.topic_ids = topic_ids
        self.problems: list[str] = []

    def err(self, node: str | None, msg: str) -> None:
        where = f"{self.source}: node '{node}'" if node else self.source
        self.problems.append(f"{where}: {msg}")

    def text(
        self,
        node: str | None,
        raw: Mapping[str, Any],
        key: str,
        *,
        required: bool = True,
        limit: int = MAX_TEXT,
    ) -> str | None:
        value = raw.get(key)
        if value is None:
            if required:
                self.err(node, f"missing French text '{key}'")
            return None
        if isinstance(value, dict):
            self.err(node, f"'{key}' cannot vary by role")
            return None
        return self._checked(node, f"'{key}'", value, limit)

    def _checked(self, node: str | None, what: str, value: object, limit: int) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.err(node, f"{what} must be a non-empty French text")
            return None
        value = value.strip()
        if len(value) > limit:
            self.err(node, f"{what} is longer than {limit} characters")
        return value

    def by_role(self, node: str, what: str, value: Mapping[Any, Any]) -> dict[str, object]:
        """``{default: ..., ud: ..., "centre, dreets": ...}`` → role → raw text.

        Role names are those of the articles' headings (:data:`ROLES`, older service
        names accepted); a role given twice, an unknown role or no ``default`` is an
        error naming the node.
        """
        out: dict[str, object] = {}
        for key, text in value.items():
            if key == DEFAULT_TEXT:
                out[DEFAULT_TEXT] = text
                continue
            names = [n.strip().lower() for n in key.split(",")] if isinstance(key, str) else [key]
            for name in names:
                role = ROLE_NAMES.get(name) if isinstance(name, str) else None
                if role is None:
                    self.err(
                        node,
                        f"{what}: unknown role {name!r} "
                        f"(known: {DEFAULT_TEXT}, {', '.join(sorted(ROLE_NAMES))})",
                    )
                elif role in out:
                    self.err(node, f"{what}: role '{role}' has two variants")
                else:
                    out[role] = text
        if DEFAULT_TEXT not in out:
            self.err(node, f"{what}: a text that varies by role needs a '{DEFAULT_TEXT}' variant")
        return out

    def texts(
        self,
        node: str,
        raw: Mapping[str, Any],
        key: str,
        *,
        required: bool = True,
        limit: int = MAX_TEXT,
    ) -> tuple[str | None, dict[str, str]]:
        """A text that may vary by role: (default text, role → text)."""
        value = raw.get(key)
        if not isinstance(value, dict):
            return self.text(node, raw, key, required=required, limit=limit), {}
        default: str | None = None
        variants: dict[str, str] = {}
        for role, text in self.by_role(node, f"'{key}'", value).items():
            checked = self._checked(node, f"'{key}' ({role})", text, limit)
            if role == DEFAULT_TEXT:
                default = checked
            elif checked is not None:
                variants[role] = checked
        return default, variants

    def label(self, node: str, value: object, what: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.err(node, f"{what}: missing French label")
            return ""
        if len(value.strip()) > MAX_BUTTON_LABEL:
            self.err(node, f"{what}: label longer than {MAX_BUTTON_LABEL} characters: {value!r}")
        return value.strip()

    def labels(self, node: str, value: object, what: str) -> tuple[str, dict[str, str]]:
        """A button label that may vary by role: (default label, role → label)."""
        if not isinstance(value, dict):
            return self.label(node, value, what), {}
        default = ""
        variants: dict[str, str] = {}
        for role, text in self.by_role(node, f"{what}: label", value).items():
            checked = self.label(node, text, f"{what} ({role})")
            if role == DEFAULT_TEXT:
                default = checked
            elif checked:
                variants[role] = checked
        return default, variants

    def choices(self, node: str, raw: object, *, with_next: bool) -> tuple[Choice, ...]:
        if not isinstance(raw, list) or not raw:
            self.err(node, "'choices'/'options' must be a non-empty list")
            return ()
        out: list[Choice] = []
        seen: set[str] = set()
        allowed = {"id", "label", "next", "set"} if with_next else {"id", "label"}
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                self.err(node, f"choice #{i + 1} must be a mapping")
                continue
            for key in set(item) - allowed:
                self.err(node, f"choice #{i + 1}: unknown key '{key}'")
            cid = str(item.get("id", ""))
            if not _CHOICE_ID.match(cid):
                self.err(node, f"choice #{i + 1}: bad or missing id {cid!r}")
            if cid in seen:
                self.err(node, f"duplicate choice id '{cid}'")
            seen.add(cid)
            label, label_by_role = self.labels(node, item.get("label"), f"choice '{cid}'")
            nxt = item.get("next")
            if with_next and not isinstance(nxt, str):
                self.err(node, f"choice '{cid}': missing 'next'")
            sets = item.get("set") or {}
            if not isinstance(sets, dict) or not all(
                isinstance(k, str) and _ID.match(k) and isinstance(v, str) for k, v in sets.items()
            ):
                self.err(node, f"choice '{cid}': 'set' must map variable names to strings")
                sets = {}
            out.append(
                Choice(cid, label, nxt if isinstance(nxt, str) else None, dict(sets), label_by_role)
            )
        return tuple(out)

    def args(self, node: str, raw: object, params: tuple[str, ...], what: str) -> dict[str, str]:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.err(node, f"{what}: 'args' must be a mapping")
            return {}
        for key in set(raw) - set(params):
            self.err(node, f"{what}: unknown parameter '{key}' (expected {list(params)})")
        out = {}
        for p in params:
            var = raw.get(p, p)
            if not isinstance(var, str) or not _ID.match(var):
                self.err(node, f"{what}: parameter '{p}' must name a variable")
                continue
            out[p] = var
        return out

    def node(self, nid: str, raw: object) -> Node | None:
        if not isinstance(raw, dict):
            self.err(nid, "must be a mapping")
            return None
        ntype = raw.get("type")
        if ntype not in _NODE_KEYS:
            self.err(nid, f"unknown node type {ntype!r} (expected one of {sorted(_NODE_KEYS)})")
            return None
        for key in set(raw) - _NODE_KEYS[ntype]:
            self.err(nid, f"unknown key '{key}' for a {ntype} node")
        if ntype == "question":
            text, text_by_role = self.texts(nid, raw, "text")
            return Node(
                nid,
                ntype,
                text=text,
                text_by_role=text_by_role,
                choices=self.choices(nid, raw.get("choices"), with_next=True),
            )
        if ntype == "input":
            kind = raw.get("kind")
            if kind not in INPUT_KINDS:
                self.err(
                    nid, f"unknown input kind {kind!r} (expected one of {sorted(INPUT_KINDS)})"
                )
            var = raw.get("var")
            if not isinstance(var, str) or not _ID.match(var):
                self.err(nid, "missing or bad variable name 'var'")
                var = None
            nxt = raw.get("next")
            if not isinstance(nxt, str):
                self.err(nid, "missing 'next'")
                nxt = None
            options: tuple[Choice, ...] = ()
            if kind == "choice":
                options = self.choices(nid, raw.get("options"), with_next=False)
            elif "options" in raw:
                self.err(nid, "'options' is only for kind 'choice'")
            lookup = raw.get("lookup")
            if lookup is not None and (kind != "text" or lookup not in LOOKUPS):
                self.err(nid, f"'lookup' must be one of {sorted(LOOKUPS)} on a text input")
            text, text_by_role = self.texts(nid, raw, "text")
            return Node(
                nid,
                ntype,
                text=text,
                text_by_role=text_by_role,
                kind=kind,
                var=var,
                next=nxt,
                choices=options,
                lookup=lookup,
                hint=self.text(nid, raw, "hint", required=False, limit=200),
            )
        if ntype == "check":
            name = raw.get("check")
            spec = CHECKS.get(name) if isinstance(name, str) else None
            if spec is None:
                self.err(nid, f"unknown check {name!r} (known: {sorted(CHECKS)})")
                return None
            args = self.args(nid, raw.get("args"), spec.params, f"check '{name}'")
            outcomes = raw.get("outcomes")
            if not isinstance(outcomes, dict):
                self.err(nid, "'outcomes' must map each outcome to a node")
                outcomes = {}
            for o in set(outcomes) - set(spec.outcomes):
                quote = ' (write "yes"/"no" in quotes)' if isinstance(o, bool) else ""
                self.err(
                    nid,
                    f"check '{name}': unknown outcome '{o}' "
                    f"(expected {list(spec.outcomes)}){quote}",
                )
            for o in spec.outcomes:
                if not isinstance(outcomes.get(o), str):
                    self.err(nid, f"check '{name}': outcome '{o}' has no next node")
            outcomes = {o: outcomes[o] for o in spec.outcomes if isinstance(outcomes.get(o), str)}
            text, text_by_role = self.texts(nid, raw, "text", required=False)
            return Node(
                nid,
                ntype,
                text=text,
                text_by_role=text_by_role,
                check=name,
                args=args,
                outcomes=outcomes,
            )
        # leaf
        article = raw.get("article")
        if article is None:
            self.err(nid, "a leaf needs an 'article'")
        elif article not in self.topic_ids:
            self.err(nid, f"article '{article}' is not one of the topic ids")
        ops_raw: list[Any] = []
        if "operation" in raw and "operations" in raw:
            self.err(nid, "use either 'operation' or 'operations', not both")
        if "operation" in raw:
            ops_raw = [raw["operation"]]
        elif "operations" in raw:
            ops_raw = raw["operations"] if isinstance(raw["operations"], list) else [None]
        ops = []
        for item in ops_raw:
            if isinstance(item, str):
                item = {"name": item}
            if not isinstance(item, dict):
                self.err(nid, "an operation is a name or a mapping {name, args, label}")
                continue
            for key in set(item) - {"name", "args", "label"}:
                self.err(nid, f"operation: unknown key '{key}'")
            spec = OPERATIONS.get(item.get("name"))
            if spec is None:
                self.err(
                    nid, f"unknown operation {item.get('name')!r} (known: {sorted(OPERATIONS)})"
                )
                continue
            label = (
                self.label(nid, item["label"], f"operation '{spec.name}'")
                if "label" in item
                else spec.label
            )
            ops.append(
                (
                    spec.name,
                    label,
                    self.args(nid, item.get("args"), spec.params, f"operation '{spec.name}'"),
                )
            )
        ticket = None
        ticket_by_role: dict[str, tuple[str, str] | None] = {}
        t = raw.get("ticket")
        if isinstance(t, dict) and DEFAULT_TEXT in t:  # a ticket per role; null: none
            for role, one in self.by_role(nid, "ticket", t).items():
                offer = None if one is None else self.ticket(nid, one, f"ticket ({role})")
                if role == DEFAULT_TEXT:
                    ticket = offer
                else:
                    ticket_by_role[role] = offer
        elif "ticket" in raw:
            ticket = self.ticket(nid, t, "ticket")
        text, text_by_role = self.texts(nid, raw, "text")
        return Node(
            nid,
            ntype,
            text=text,
            text_by_role=text_by_role,
            article=article,
            operations=tuple(ops),
            ticket=ticket,
            ticket_by_role=ticket_by_role,
        )

    def ticket(self, nid: str, t: object, what: str) -> tuple[str, str] | None:
        if not isinstance(t, dict):
            self.err(nid, f"'{what}' must be a mapping {{reason, queue_hint}}")
            return None
        for key in set(t) - {"reason", "queue_hint"}:
            self.err(nid, f"{what}: unknown key '{key}'")
        reason = self.text(nid, t, "reason", limit=500)
        queue = t.get("queue_hint")
        if queue not in QUEUES:
            self.err(nid, f"{what}: unknown queue_hint {queue!r} (known: {sorted(QUEUES)})")
        return (reason or "", str(queue))

    def graph(self, start: str, nodes: dict[str, Node]) -> None:
        for n in nodes.values():
            for succ in n.successors():
                if succ not in nodes:
                    self.err(n.id, f"unknown node reference '{succ}'")
        if start not in nodes:
            self.err(None, f"start node '{start}' does not exist")
            return
        # Depth-first search: reachability and cycles.
        colour: dict[str, int] = {}  # 1 = on the stack, 2 = done
        order: list[str] = []

        def visit(nid: str, trail: list[str]) -> None:
            colour[nid] = 1
            for succ in nodes[nid].successors():
                if succ not in nodes:
                    continue
                if colour.get(succ) == 1:
                    cycle = trail[trail.index(succ) :] + [succ] if succ in trail else [nid, succ]
                    self.err(nid, "cycle: " + " -> ".join(cycle))
                elif succ not in colour:
                    visit(succ, trail + [succ])
            colour[nid] = 2
            order.append(nid)

        visit(start, [start])
        for nid in nodes:
            if nid not in colour:
                self.err(nid, f"unreachable from start node '{start}'")
        if any("cycle" in p for p in self.problems):
            return
        self.dataflow(start, nodes, list(reversed(order)))

    def dataflow(self, start: str, nodes: dict[str, Node], topo: list[str]) -> None:
        """Every variable used must be set on every path that reaches the use."""
        assigned: dict[str, frozenset[str]] = {start: frozenset()}
        for nid in topo:
            node = nodes[nid]
            have = assigned.get(nid, frozenset())
            used: list[str] = list(node.args.values())
            for _name, _label, args in node.operations:
                used += list(args.values())
            for text in node.all_texts():  # every role's variant is checked
                used += _PLACEHOLDER.findall(text)
            for var in dict.fromkeys(used):
                if var not in have:
                    self.err(nid, f"variable '{var}' may be unset here")
            edges: list[tuple[str, frozenset[str]]] = []
            if node.type == "question":
                edges = [(c.next, have | set(c.sets)) for c in node.choices if c.next]
            elif node.type == "input" and node.next:
                edges = [(node.next, have | {node.var} if node.var else have)]
            elif node.type == "check":
                edges = [(s, have) for s in node.outcomes.values()]
            for succ, out in edges:
                if succ in nodes:
                    assigned[succ] = assigned[succ] & out if succ in assigned else out


def _version(raw: object) -> str:
    blob = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


def load_procedure(path: Path, topic_ids: Iterable[str]) -> Procedure:
    """Load and validate one YAML file; raise :class:`ProcedureDataError`."""
    loader = _Loader(path.name, frozenset(topic_ids))
    try:
        # The rules' numbers come from the core ({{duplicate_delay}}: knowledge.facts).
        text = fill(path.read_text(encoding="utf-8"), core_facts(), path.name)
        raw = yaml.safe_load(text)
    except UnknownFact as exc:
        raise ProcedureDataError([str(exc)]) from exc
    except yaml.YAMLError as exc:
        raise ProcedureDataError([f"{path.name}: not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise ProcedureDataError([f"{path.name}: must be a mapping"])
    for key in set(raw) - _TOP_KEYS:
        loader.err(None, f"unknown top-level key '{key}'")
    pid = raw.get("id")
    if not isinstance(pid, str) or not _PROC_ID.match(pid):
        loader.err(None, f"bad or missing 'id' {pid!r} (a command name: a-z, 0-9, _)")
    elif pid != path.stem:
        loader.err(None, f"'id' {pid!r} differs from the file name")
    title = loader.text(None, raw, "title", limit=MAX_BUTTON_LABEL) or ""
    description = loader.text(None, raw, "description", limit=MAX_DESCRIPTION) or ""
    start = raw.get("start")
    if not isinstance(start, str):
        loader.err(None, "missing 'start'")
        start = ""
    raw_nodes = raw.get("nodes")
    nodes: dict[str, Node] = {}
    if not isinstance(raw_nodes, dict) or not raw_nodes:
        loader.err(None, "'nodes' must be a non-empty mapping")
    else:
        for nid, nraw in raw_nodes.items():
            if not isinstance(nid, str) or not _ID.match(nid):
                loader.err(None, f"bad node id {nid!r}")
                continue
            node = loader.node(nid, nraw)
            if node is not None:
                nodes[nid] = node
        if not loader.problems:
            loader.graph(start, nodes)
    if loader.problems:
        raise ProcedureDataError(loader.problems)
    return Procedure(pid, title, description, start, nodes, _version(raw), path.name)


def load_procedures(
    directory: Path = DEFAULT_DIRECTORY, topic_ids: Iterable[str] | None = None
) -> ProcedureLibrary:
    """Load every ``*.yaml`` of ``directory``; all problems are reported together."""
    ids = frozenset(topic_ids) if topic_ids is not None else load_topic_ids()
    procedures: dict[str, Procedure] = {}
    problems: list[str] = []
    for path in sorted(Path(directory).glob("*.yaml")):
        try:
            proc = load_procedure(path, ids)
        except ProcedureDataError as exc:
            problems += exc.problems
            continue
        procedures[proc.id] = proc
    if not procedures and not problems:
        problems.append(f"{directory}: no procedure file")
    if problems:
        raise ProcedureDataError(problems)
    return ProcedureLibrary(procedures)


# --------------------------------------------------------------------------- engine


def _fill(text: str, variables: Mapping[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: variables.get(m.group(1), m.group(0)), text)


def _for_role(default: str, by_role: Mapping[str, str], role: str | None) -> str:
    """The variant of ``role``, or the default text."""
    return by_role.get(role, default) if role else default


def normalise_role(role: object) -> str | None:
    """A role as the start context may give it (``"UD"``, ``"ddets"``, a ``Role``) →
    its :data:`ROLES` value; ``None`` or ``""`` → ``None``; unknown → ``ValueError``."""
    if role is None or str(role).strip() == "":
        return None
    name = str(getattr(role, "value", role)).strip().lower()
    if name not in ROLE_NAMES:
        raise ValueError(f"unknown role {role!r} (known: {sorted(ROLES)})")
    return ROLE_NAMES[name]


class ProcedureLibrary:
    """The loaded procedures and the pure engine that walks them."""

    def __init__(self, procedures: Mapping[str, Procedure]) -> None:
        self.procedures: dict[str, Procedure] = dict(procedures)

    def ids(self) -> list[str]:
        return sorted(self.procedures)

    def __getitem__(self, procedure_id: str) -> Procedure:
        return self.procedures[procedure_id]

    def __contains__(self, procedure_id: object) -> bool:
        return procedure_id in self.procedures

    # -- walking ------------------------------------------------------------------

    def start(self, procedure_id: str, context: Mapping[str, object] | None = None) -> WalkState:
        """A new walk at the procedure's start node.

        ``context`` pre-sets variables, except ``role``: the walker's role (a
        :data:`ROLES` value, e.g. the linked account's ``Role``), which selects the
        texts' variants (:meth:`step`) and is kept in the state's dict. No role, or
        a role without its variant: the default texts. An unknown role is a
        ``ValueError`` (a programming error, not a user's).
        """
        proc = self.procedures.get(procedure_id)
        if proc is None:
            raise KeyError(f"unknown procedure {procedure_id!r}")
        ctx = {str(k): str(v) for k, v in (context or {}).items() if k != "role"}
        variables = dict(ctx)
        role = normalise_role((context or {}).get("role"))
        if role is not None:
            ctx["role"] = role
        return WalkState(proc.id, proc.version, proc.start, variables, (), ctx)

    def _node(self, state: WalkState) -> tuple[Procedure, Node]:
        proc = self.procedures.get(state.procedure)
        if proc is None:
            raise StaleStateError(f"procedure {state.procedure!r} no longer exists")
        node = proc.nodes.get(state.node)
        if node is None or proc.version != state.version:
            raise StaleStateError(f"state does not match procedure {proc.id!r} {proc.version}")
        return proc, node

    def step(self, state: WalkState) -> Step:
        """What the front end shows for ``state``."""
        proc, node = self._node(state)
        v = state.variables
        role = state.role
        text = _fill(_for_role(node.text or "", node.text_by_role, role), v)
        common = {
            "procedure": proc.id,
            "node": node.id,
            "type": node.type,
            "can_go_back": bool(state.path),
        }
        if node.type == "question":
            choices = tuple(c.for_role(role) for c in node.choices)
            return Step(text=text, choices=choices, **common)
        if node.type == "input":
            options = tuple(c.for_role(role) for c in node.choices)
            req = InputRequest(node.kind or "", node.var or "", options, node.lookup, node.hint)
            return Step(text=text, input=req, **common)
        if node.type == "check":
            spec = CHECKS[node.check or ""]
            req = CheckRequest(
                spec.name,
                {p: v[var] for p, var in node.args.items()},
                spec.outcomes,
                spec.question,
                spec.outcome_labels,
            )
            return Step(text=text or spec.question, check=req, **common)
        ops = tuple(
            OperationOffer(
                name, label, {p: v[var] for p, var in args.items()}, OPERATIONS[name].confirm
            )
            for name, label, args in node.operations
        )
        offer = node.ticket_by_role.get(role or "", node.ticket)  # a None value: no ticket
        ticket = TicketOffer(_fill(offer[0], v), offer[1]) if offer else None
        return Step(
            text=text,
            article=node.article,
            operations=ops,
            ticket=ticket,
            **common,
        )

    def answer(self, state: WalkState, value: object) -> WalkState:
        """Feed the answer of the current step and return the next state.

        question: a choice id; input: the parsed value (validated by kind); check: an
        outcome name (``True``/``False`` are accepted for ``yes``/``no``).
        Raises :class:`AnswerError` (French message) when the answer does not fit.
        """
        proc, node = self._node(state)
        variables = dict(state.variables)
        if node.type == "question":
            choice = next((c for c in node.choices if c.id == value), None)
            if choice is None:
                raise AnswerError("Ce choix n'est pas proposé : utilisez l'un des boutons.")
            variables.update(choice.sets)
            recorded, nxt = choice.id, choice.next
        elif node.type == "input":
            recorded = validate_value(node.kind or "", value, [c.id for c in node.choices])
            variables[node.var or ""] = recorded
            nxt = node.next
        elif node.type == "check":
            if isinstance(value, bool):
                value = "yes" if value else "no"
            if value not in node.outcomes:
                raise AnswerError(
                    f"Résultat de vérification inattendu pour « {node.check} » : {value!r}."
                )
            recorded, nxt = str(value), node.outcomes[str(value)]
        else:
            raise AnswerError("Cette procédure est terminée. Relancez-la pour recommencer.")
        return WalkState(
            proc.id,
            proc.version,
            nxt or "",
            variables,
            state.path + ((node.id, recorded),),
            state.context,
        )

    def back(self, state: WalkState) -> WalkState:
        """Undo the last answer (replays the walk without it)."""
        if not state.path:
            return state
        return self._replay(state.procedure, state.context, state.path[:-1])

    def restore(self, data: Mapping[str, Any]) -> WalkState:
        """Rebuild a walk from :meth:`WalkState.to_dict` output.

        If the procedure changed since, the stored answers are replayed on the new
        data; a walk that no longer fits raises :class:`StaleStateError`.
        """
        try:
            if data.get("v") != STATE_FORMAT:
                raise StaleStateError(f"unknown state format {data.get('v')!r}")
            pid = str(data["procedure"])
            path = tuple((str(n), str(a)) for n, a in data["path"])
            context = {str(k): str(v) for k, v in dict(data.get("context") or {}).items()}
            node = str(data["node"])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, StaleStateError):
                raise
            raise StaleStateError(f"malformed state: {exc!r}") from exc
        state = self._replay(pid, context, path)
        if state.node != node:
            raise StaleStateError(f"node {node!r} is now reached as {state.node!r}")
        return state

    def _replay(
        self, pid: str, context: Mapping[str, str], path: tuple[tuple[str, str], ...]
    ) -> WalkState:
        if pid not in self.procedures:
            raise StaleStateError(f"procedure {pid!r} no longer exists")
        try:
            state = self.start(pid, context)
        except ValueError as exc:  # a role that no longer exists
            raise StaleStateError(str(exc)) from exc
        for node, answer in path:
            if state.node != node:
                raise StaleStateError(f"expected node {node!r}, the walk is at {state.node!r}")
            try:
                state = self.answer(state, answer)
            except AnswerError as exc:
                raise StaleStateError(f"answer {answer!r} no longer fits {node!r}") from exc
        return state
