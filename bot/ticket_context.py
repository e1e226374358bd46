"""What a ticket opened from the chat carries, built from what the bot knows.

* the **transcript** of the conversation (:mod:`bot.transcript`), given by the caller;
* the **question** and the **topic** the user was on (the answer's article), or the
  **procedure** and its **step** with the variables collected (session, candidate,
  site, SIRET, département);
* the **requester**: the linked CERES account's role and scope (a centre or a State
  service, its région / département), which routing needs (R-ASS-2).

:func:`routing_input` and :func:`ticket_context` are pure (unit-tested); the
database functions are synchronous and run off the event loop. Nothing here decides
where a ticket goes: :func:`tickets.routing.route` does, from the
:class:`~tickets.routing.RoutingInput` built here.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.models import ChatLink
from ceres_core.core import Core
from ceres_core.errors import CeresError
from tickets.escalation import TicketContext
from tickets.routing import TOPIC_CATEGORIES, Category, RoutingInput

log = logging.getLogger(__name__)

#: Procedure variables → the ticket's objects concerned.
_OBJECT_VARS = {"session": "session_ref", "site": "site_code"}

#: What a procedure leaf's ``queue_hint`` tells routing, beyond the leaf's topic.
_HINT_SECTOR = {"gev-btp": "btp", "gev-industrie": "industrie", "gev-tertiaire": "tertiaire"}
_HINT_DEFAULT_CATEGORY = {
    "gev-btp": Category.DTE_LIVRAISON,
    "gev-industrie": Category.DTE_LIVRAISON,
    "gev-tertiaire": Category.DTE_LIVRAISON,
    "gev-ccp": Category.DTE_LIVRAISON,
    "dreets": Category.HABILITATION,
    "ud": Category.COURRIER,
    "afpa-impression": Category.COURRIER,
    "assistance": Category.UTILISATION,
}
_HINT_CATEGORIES = {
    "gev-btp": (Category.DTE_CONTENU, Category.DTE_LIVRAISON),
    "gev-industrie": (Category.DTE_CONTENU, Category.DTE_LIVRAISON),
    "gev-tertiaire": (Category.DTE_CONTENU, Category.DTE_LIVRAISON),
    "gev-ccp": (Category.DTE_CONTENU, Category.DTE_LIVRAISON),
    "dreets": (Category.DOUBLON_CANDIDAT, Category.TRANSFERT_SITE, Category.ANNULATION_SESSION,
               Category.HABILITATION),
    "ud": (Category.COURRIER,),
    "afpa-impression": (Category.COURRIER,),
    "assistance": (Category.UTILISATION, Category.CONNEXION, Category.AUTRE),
}


@dataclass(frozen=True)
class AccountInfo:
    """The CERES account linked to the chat, as routing needs it."""

    login: str
    display_name: str
    #: ``centre`` or a State service (``ud``, ``dreets``, ``admin``), or another role.
    kind: str
    region: str | None = None
    departement: str | None = None
    centre_siret: str | None = None


@dataclass(frozen=True)
class SessionFacts:
    """What the core says about the session named in the procedure (if readable)."""

    ref: str
    kind: str | None = None
    departement: str | None = None
    site_code: str | None = None


@dataclass
class ChatFacts:
    """Everything known when the user asks for a person (stored in the ticket draft)."""

    question: str | None = None
    topic: str | None = None
    procedure: str | None = None
    procedure_step: str | None = None
    variables: dict[str, str] = field(default_factory=dict)
    queue_hint: str | None = None
    details: str | None = None
    browser_advice_shown: bool = False


# -- the linked account ----------------------------------------------------------------------


def account_info(core: Core, chat_id: int) -> AccountInfo | None:
    """The linked account's kind and scope (first profile that names one)."""
    from ceres_core.models import Role, User

    with core.transaction() as db:
        link = db.get(ChatLink, chat_id)
        user = db.get(User, link.user_id) if link else None
        if user is None or not user.active:
            return None
        profiles = list(user.profiles)
        kind = profiles[0].role.value if profiles else "inconnu"
        region = departement = siret = None
        for p in profiles:
            if p.role is Role.CENTRE and p.centre is not None:
                siret = p.centre.siret
            departement = departement or p.departement_code
            region = region or p.region_code
        return AccountInfo(user.login, user.display_name, kind, region, departement, siret)


def session_facts(core: Core, login: str | None, ref: str | None) -> SessionFacts | None:
    """The session's kind and département, read with the user's own rights (or nothing)."""
    if not login or not ref:
        return None
    from ceres_core.services.sessions import get_session

    try:
        view = get_session(core, login, ref)
    except CeresError as exc:
        log.info("session %s not readable for the ticket context: %s", ref, exc.message)
        return None
    return SessionFacts(view.ref, view.kind, view.departement_code, view.site_code)


# -- pure builders -------------------------------------------------------------------------------


def _category(topic: str | None, hint: str | None) -> Category | None:
    """The topic's category, unless the leaf's queue hint says it must be another one."""
    from_topic = TOPIC_CATEGORIES.get(topic or "")
    if not hint or hint not in _HINT_DEFAULT_CATEGORY:
        return from_topic
    if from_topic in _HINT_CATEGORIES[hint]:
        return from_topic
    return _HINT_DEFAULT_CATEGORY[hint]


def routing_input(
    facts: ChatFacts,
    account: AccountInfo | None = None,
    session: SessionFacts | None = None,
) -> RoutingInput:
    """What routing needs: category (topic, or the leaf's hint), sector and session kind
    (hint, procedure, session), région / département (procedure, session, account),
    and whether the requester is a centre or a State service."""
    v = facts.variables
    hint = facts.queue_hint
    category = _category(facts.topic, hint)
    kind = (v.get("kind") or (session.kind if session else None) or "").upper() or None
    if hint == "gev-ccp":
        kind = "CCP"
    departement = v.get("departement") or (session.departement if session else None)
    region = None
    if departement is None and account is not None:
        departement = account.departement
        region = account.region
    return RoutingInput(
        category=category.value if category else None,
        topic=facts.topic,
        procedure_step=f"{facts.procedure}:{facts.procedure_step}" if facts.procedure else None,
        sector=_HINT_SECTOR.get(hint or ""),
        session_kind=kind,
        region=region,
        departement=departement,
        requester_kind=account.kind if account else None,
        browser_advice_shown=facts.browser_advice_shown,
    )


def ticket_context(
    facts: ChatFacts,
    transcript: list[dict[str, str]],
    account: AccountInfo | None = None,
    session: SessionFacts | None = None,
) -> TicketContext:
    """The ticket's context: question, transcript, topic / procedure step, objects."""
    v: Mapping[str, str] = facts.variables
    objects: dict[str, Any] = {}
    for var, key in _OBJECT_VARS.items():
        if v.get(var):
            objects[key] = v[var]
    if session is not None and session.site_code and "site_code" not in objects:
        objects["site_code"] = session.site_code
    extra: dict[str, Any] = {}
    if facts.procedure:
        extra["procedure_variables"] = dict(v)
    for var in ("target_siret", "siret", "departement"):
        if v.get(var):
            extra[var] = v[var]
    if facts.details:
        extra["details"] = facts.details
    if account is not None:
        extra["requester"] = {
            k: val for k, val in (
                ("kind", account.kind), ("region", account.region),
                ("departement", account.departement), ("centre_siret", account.centre_siret),
            ) if val
        }
    question = facts.question
    if facts.details:
        question = f"{question}\n\n{facts.details}" if question else facts.details
    return TicketContext(
        question=question,
        transcript=list(transcript),
        topic=facts.topic,
        procedure=facts.procedure,
        procedure_step=facts.procedure_step,
        session_ref=objects.get("session_ref"),
        candidate_ids=[v["candidate"]] if v.get("candidate") else [],
        site_code=objects.get("site_code"),
        extra=extra,
    )


def objects_lines(facts: ChatFacts) -> list[tuple[str, str]]:
    """(label, value) of the objects concerned, for the confirmation message."""
    v = facts.variables
    labels = (("session", "Session"), ("candidate", "Candidat"), ("site", "Site"),
              ("target_siret", "SIRET du centre cible"), ("siret", "SIRET"),
              ("departement", "Département"))
    return [(label, v[var]) for var, label in labels if v.get(var)]


def facts_to_dict(facts: ChatFacts) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(facts)


def facts_from_dict(data: Mapping[str, Any]) -> ChatFacts:
    known = set(ChatFacts.__dataclass_fields__)
    values = {k: v for k, v in dict(data or {}).items() if k in known}
    values["variables"] = {str(k): str(v) for k, v in dict(values.get("variables") or {}).items()}
    return ChatFacts(**values)
