"""Automatic, explainable routing of an escalation to a queue (pure, no database).

:func:`route` takes a :class:`RoutingInput` (what the bot knows when the user asks
for a person) and returns either a :class:`Route` (queue code + a French sentence
saying why) or :class:`AdviceFirst` when the R-ASS-1 browser advice must be
offered before a connection problem may reach the assistance.

Rules (R-ASS-2, R-ASS-3, R-SES-5, R-CAN-5, R-SITE-6, R-AFT-2/3, R-ASS-1):

==========================================  =============================================
category                                    queue
==========================================  =============================================
DTE content / DTE order or delivery         ``gev-<sector of the title>``; ``gev-ccp`` for
                                            a CCP session
duplicate candidate records, site transfer  ``dreets-<region>`` (region of the site or
or centre registration, cancellation or     session; from the département if only that
change of a validated session,              is known)
habilitations
returned (PND) or lost mail                 ``ud-<département>`` when the requester is a
                                            centre; ``afpa-impression`` when it is a
                                            State service
connection or browser trouble               ``assistance``, only once the browser advice
                                            was offered (else :class:`AdviceFirst`)
CERES use, anything else, missing data      ``assistance`` (it triages and may move it)
==========================================  =============================================

When the data a rule needs is missing (no sector, no region), the ticket goes to
the assistance and the explanation says what was missing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from ceres_core.contacts import GEV_ENGINEERING_HOURS_FR
from ceres_core.errors import InvalidInput
from ceres_core.geography import departement as _departement
from ceres_core.geography import region as _region
from tickets.queues import GEV_SECTORS, gev_queue_for, queue_spec


class Category(StrEnum):
    DTE_CONTENU = "dte_contenu"
    DTE_LIVRAISON = "dte_livraison"
    DOUBLON_CANDIDAT = "doublon_candidat"
    TRANSFERT_SITE = "transfert_site"
    ANNULATION_SESSION = "annulation_session"
    HABILITATION = "habilitation"
    COURRIER = "courrier"
    CONNEXION = "connexion"
    UTILISATION = "utilisation"
    AUTRE = "autre"


#: What each category is about, completing "question sur …" / "demande de …".
CATEGORY_LABELS = MappingProxyType(
    {
        Category.DTE_CONTENU: "question sur le contenu du DTE",
        Category.DTE_LIVRAISON: "question sur la commande ou la livraison du DTE",
        Category.DOUBLON_CANDIDAT: "fiches candidat en double à fusionner",
        Category.TRANSFERT_SITE: "transfert de site ou enregistrement d'un centre",
        Category.ANNULATION_SESSION: "annulation ou modification d'une session validée",
        Category.HABILITATION: "habilitation d'un membre de jury",
        Category.COURRIER: "courrier revenu (PND) ou perdu",
        Category.CONNEXION: "problème de connexion ou de navigateur",
        Category.UTILISATION: "question sur l'utilisation de CERES",
        Category.AUTRE: "demande sans catégorie précise",
    }
)

#: The 44 knowledge topics (topics.md) and the category an escalation from them has.
TOPIC_CATEGORIES = MappingProxyType(
    {
        "print-request": Category.UTILISATION,
        "print-preview": Category.UTILISATION,
        "print-blocked": Category.UTILISATION,
        "attestation-reussite": Category.UTILISATION,
        "duplicata": Category.UTILISATION,
        "pnd": Category.COURRIER,
        "courrier-perdu": Category.COURRIER,
        "erreur-document": Category.UTILISATION,
        "drom-com": Category.UTILISATION,
        "suivi-impressions": Category.UTILISATION,
        "transfert-site": Category.TRANSFERT_SITE,
        "enregistrer-centre": Category.TRANSFERT_SITE,
        "centre-reprise": Category.TRANSFERT_SITE,
        "code-activation": Category.TRANSFERT_SITE,
        "creer-session": Category.UTILISATION,
        "supprimer-session": Category.UTILISATION,
        "annuler-session": Category.ANNULATION_SESSION,
        "cloturer-session": Category.UTILISATION,
        "commander-dte": Category.DTE_LIVRAISON,
        "delai-dte": Category.DTE_LIVRAISON,
        "livraison-dte-tp": Category.DTE_LIVRAISON,
        "livraison-dte-ccp": Category.DTE_LIVRAISON,
        "dte-non-recu": Category.DTE_LIVRAISON,
        "grille-entretien-final": Category.DTE_CONTENU,
        "confidentialite-dte": Category.DTE_CONTENU,
        "responsable-session": Category.UTILISATION,
        "rechercher-candidat": Category.UTILISATION,
        "modifier-candidat": Category.UTILISATION,
        "doublon-candidat": Category.DOUBLON_CANDIDAT,
        "naissance-candidat": Category.UTILISATION,
        "inscription-candidat": Category.UTILISATION,
        "limite-sessions": Category.UTILISATION,
        "convocations": Category.UTILISATION,
        "saisie-resultats": Category.UTILISATION,
        "transmission-pv": Category.UTILISATION,
        "affichage-resultats": Category.UTILISATION,
        "parchemins": Category.UTILISATION,
        "habilitation-jury": Category.HABILITATION,
        "jury-ccs": Category.HABILITATION,
        "anciennete-jury": Category.HABILITATION,
        "export-jures": Category.UTILISATION,
        "navigateur": Category.CONNEXION,
        "contacter-assistance": Category.UTILISATION,
        "contacter-gev": Category.DTE_CONTENU,
    }
)

_DREETS_CATEGORIES = (
    Category.DOUBLON_CANDIDAT,
    Category.TRANSFERT_SITE,
    Category.ANNULATION_SESSION,
    Category.HABILITATION,
)
_GEV_CATEGORIES = (Category.DTE_CONTENU, Category.DTE_LIVRAISON)

#: Requester kinds that are State services (mail problems go to the Afpa).
STATE_SERVICE_KINDS = frozenset({"ud", "ddets", "deets", "dreets", "admin"})


@dataclass(frozen=True)
class RoutingInput:
    """What the bot knows when the user asks for a person.

    ``category`` wins over ``topic`` (a knowledge topic id, mapped through
    :data:`TOPIC_CATEGORIES`); ``procedure_step`` is informative. ``sector`` is the
    title's (``btp``, ``industrie``, ``tertiaire``), ``session_kind`` ``TP``/``CCP``/
    ``CCS``; ``requester_kind`` is ``centre`` or a State service (``ud``, ``dreets``…).

    What the conversation knows of CERES objects — ``session_ref`` (or ``session_id``),
    ``site_code`` (or ``site_id``), ``centre_siret`` (or ``centre_id``), and the linked
    account's ``account_departement`` / ``account_region`` — is turned into sector,
    session kind and département by :func:`tickets.services.open_ticket`, which reads
    them from the core (:func:`tickets.core_facts.enrich`) before calling :func:`route`.
    """

    category: Category | str | None = None
    topic: str | None = None
    procedure_step: str | None = None
    sector: str | None = None
    session_kind: str | None = None
    region: str | None = None
    departement: str | None = None
    requester_kind: str | None = None
    browser_advice_shown: bool = False
    session_ref: str | None = None
    session_id: int | None = None
    site_code: str | None = None
    site_id: int | None = None
    centre_siret: str | None = None
    centre_id: int | None = None
    account_departement: str | None = None
    account_region: str | None = None

    def resolved_category(self) -> Category:
        if self.category:
            try:
                return Category(self.category)
            except ValueError:
                raise InvalidInput(f"Catégorie de demande inconnue : « {self.category} ».") from None
        if self.topic and self.topic in TOPIC_CATEGORIES:
            return TOPIC_CATEGORIES[self.topic]
        return Category.AUTRE


@dataclass(frozen=True)
class Route:
    """Where the ticket goes and why (shown to staff and to the requester)."""

    queue: str
    explanation: str
    category: Category


@dataclass(frozen=True)
class AdviceFirst:
    """Not yet: offer the R-ASS-1 browser advice (topic ``navigateur``) first."""

    topic: str = "navigateur"
    rule: str = "R-ASS-1"
    message: str = (
        "Avant de transmettre votre demande à l'Assistance des ministères, essayez ceci : utilisez "
        "Firefox (navigateur recommandé, pas Internet Explorer), puis essayez les autres "
        "navigateurs dont vous disposez. Si le problème persiste, redemandez un "
        "conseiller : votre demande sera transmise."
    )


def _to(queue: str, category: Category, why: str) -> Route:
    return Route(queue, f"Transmis {queue_spec(queue).destination} : {why}.", category)


def _region_code(data: RoutingInput) -> str | None:
    """The region of the objects concerned, else of the requester's account."""
    for region, departement in ((data.region, data.departement),
                                (data.account_region, data.account_departement)):
        if region:
            with contextlib.suppress(InvalidInput):  # not a region: try the département
                return _region(region).code
        if departement:
            with contextlib.suppress(InvalidInput):  # neither: the account's, then none
                return _departement(departement).region_code
    return None


def _departement_code(data: RoutingInput) -> str | None:
    """The département of the objects concerned (session, site, centre), else the
    requester's account's."""
    for value in (data.departement, data.account_departement):
        if value:
            with contextlib.suppress(InvalidInput):  # not a département: try the next
                return _departement(value).code
    return None


def route(data: RoutingInput, staffed: frozenset[str] | set[str] | None = None) -> Route | AdviceFirst:
    """The queue for an escalation, with a French explanation (see the module table).

    ``staffed``: the codes of the queues that have at least one active staff member.
    A queue outside it is never chosen: the ticket goes to the assistance instead,
    and the explanation says why (nobody would see it there).
    """
    decision = _route(data)
    if (staffed is None or isinstance(decision, AdviceFirst) or decision.queue in staffed
            or decision.queue == ASSISTANCE):
        return decision
    from tickets.texts import UNSTAFFED_FALLBACK, queue_phrase

    spec = queue_spec(decision.queue)
    about = CATEGORY_LABELS[decision.category]
    why = UNSTAFFED_FALLBACK.format(about=about, queue_subject=queue_phrase(spec.kind, spec.name))
    return _to(ASSISTANCE, decision.category, why)


#: The queue of last resort (it triages and may move the ticket).
ASSISTANCE = "assistance"


def _route(data: RoutingInput) -> Route | AdviceFirst:
    category = data.resolved_category()
    about = CATEGORY_LABELS[category]

    if category in _GEV_CATEGORIES:
        queue = gev_queue_for(data.sector, data.session_kind)
        # R-ASS-3: the GEV forwards DTE-content questions to the training engineers,
        # who answer on Friday mornings only (R-ASS-2).
        engineering = (
            f" ; la GEV transmet la question aux ingénieurs de formation, qui répondent "
            f"{GEV_ENGINEERING_HOURS_FR}, et vous transmet leur réponse telle quelle"
            if category is Category.DTE_CONTENU
            else ""
        )
        if queue == "gev-ccp":
            return _to(queue, category, f"{about} d'une session CCP{engineering}")
        if queue:
            sector = next(k for k, v in GEV_SECTORS.items() if v[0] == queue)
            return _to(
                queue, category,
                f"{about} d'un titre du secteur {_sector_label(sector)}{engineering}",
            )
        return _to(
            "assistance", category,
            f"{about}, mais le secteur du titre est inconnu ; l'Assistance des ministères orientera "
            "la demande vers le bon GEV",
        )

    if category in _DREETS_CATEGORIES:
        region = _region_code(data)
        if region:
            return _to(f"dreets-{region}", category, f"{about} (région compétente)")
        return _to(
            "assistance", category,
            f"{about}, mais la région est inconnue ; l'Assistance des ministères orientera la demande "
            "vers la DREETS compétente",
        )

    if category is Category.COURRIER:
        kind = (data.requester_kind or "").strip().lower()
        if kind in STATE_SERVICE_KINDS:
            return _to("afpa-impression", category, f"{about} signalé par un service de l'État")
        dep = _departement_code(data)
        if dep:
            return _to(f"ud-{dep}", category, f"{about} (service du département de la session)")
        return _to(
            "assistance", category,
            f"{about}, mais le département est inconnu ; l'Assistance des ministères orientera la demande",
        )

    if category is Category.CONNEXION:
        if not data.browser_advice_shown:
            return AdviceFirst()
        return _to("assistance", category, f"{about}, après les conseils sur le navigateur")

    return _to("assistance", category, about)


def _sector_label(sector: str) -> str:
    return {"btp": "BTP", "industrie": "Industrie", "tertiaire": "Tertiaire"}.get(sector, sector)
