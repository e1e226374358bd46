"""Checks beside the services: who may run an operation, and each value as it is given.

Front ends (the bot's forms) ask these *before* the whole operation is filled in, so
that a refusal comes at the step that causes it, with the same rule and the same
:class:`~ceres_core.errors.RuleViolation` as the service itself would raise:

* :func:`check_may_run` — R-ACT-1: the roles an operation requires are the services'
  own constants (``printing.PRINT_ROLES``…); the refusal says who does it instead;
* :func:`dry_run` — the service itself, in a transaction that is rolled back: for
  operations whose only parameters are already known (validate a session…), the
  answer is exactly the service's;
* :func:`check_dte_order_session` and :func:`check_dte_order_fields` — R-DTE-1/R-DTE-2
  for the session step and each field of a DTE order (the service's own checks, the
  fields not given yet being replaced by valid values).

Nothing here writes: every transaction is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from ceres_core.access import load_actor
from ceres_core.core import Core
from ceres_core.errors import RuleViolation
from ceres_core.models import Role
from ceres_core.names import de

T = TypeVar("T")


@dataclass(frozen=True)
class Permission:
    """The roles an operation requires (from the service's constants) and who does it."""

    roles: tuple[Role, ...]
    #: completes « Votre profil ne permet pas de … »
    what: str
    #: who carries it out (French, starts with a capital).
    done_by: str


def _permissions() -> dict[str, Permission]:
    from ceres_core.services import (
        afpa,
        candidates,
        centres,
        dte,
        juries,
        printing,
        registrations,
        sessions,
        tracking,
    )

    ud = "L'UD/DDETS du département de la session"
    centre = "Le centre de formation qui organise la session"
    dreets = "La DREETS compétente pour le lieu du site"
    gev = "La GEV du secteur du titre"
    afpa_desk = "Le service impression de l'Afpa"
    return {
        "session.list": Permission(sessions.VIEW_ROLES, "consulter des sessions", ud),
        "session.create": Permission(sessions.CENTRE_ROLES, "créer une session", centre),
        "session.delete": Permission(sessions.CENTRE_ROLES, "supprimer une session", centre),
        "session.cancel": Permission((Role.CENTRE, *sessions.STATE_SERVICE_ROLES),
                                     "annuler une session", ud),
        "session.convocations": Permission(sessions.CENTRE_ROLES, "éditer les convocations",
                                           centre),
        "session.close": Permission(sessions.CENTRE_ROLES, "clôturer une session", centre),
        "results.enter": Permission(sessions.CENTRE_ROLES,
                                    "saisir les résultats d'une session", centre),
        # R-SES-2/R-SES-5: the centre while in preparation, the DDETS/DREETS after.
        "session.change_dates": Permission(
            (*sessions.CENTRE_ROLES, *sessions.STATE_SERVICE_ROLES),
            "modifier les dates d'une session",
            "Le centre qui organise la session (tant qu'elle est en préparation) ou la "
            "DDETS ou la DREETS de sa zone"),
        "session.validate": Permission(sessions.VALIDATOR_ROLES, "valider une session", ud),
        "session.reopen": Permission(sessions.REOPEN_ROLES, "débloquer une session", ud),
        "print.request_session": Permission(printing.PRINT_ROLES,
                                            "demander l'impression des documents", ud),
        "print.duplicate": Permission(printing.PRINT_ROLES, "demander un duplicata", ud),
        "print.pnd": Permission(printing.PRINT_ROLES,
                                "enregistrer un pli non distribuable", ud),
        "print.attestation": Permission(printing.READ_ROLES,
                                        "établir une attestation de réussite", ud),
        "print.tracking": Permission(tracking.TRACKING_ROLES,
                                     "suivre les impressions d'une zone", ud),
        "print.afpa_requests": Permission(afpa.AFPA_ROLES,
                                          "consulter les demandes d'impression reçues par l'Afpa",
                                          afpa_desk),
        # R-AFT-2: the PND notices (printing.list_pnd_notices / handle_pnd_notice).
        "print.pnd_notices": Permission(afpa.AFPA_ROLES,
                                        "consulter les plis non distribuables à renvoyer",
                                        afpa_desk),
        "print.pnd_handle": Permission(afpa.AFPA_ROLES, "traiter un pli non distribuable",
                                       afpa_desk),
        "dte.status": Permission(sessions.VIEW_ROLES, "consulter le DTE d'une session", centre),
        "dte.order": Permission(sessions.CENTRE_ROLES, "commander le DTE", centre),
        "dte.acknowledge": Permission(dte.GEV_ROLES, "enregistrer les accusés de la GEV", gev),
        "centre.register": Permission((Role.DREETS, Role.ADMIN), "enregistrer un centre",
                                      dreets),
        "centre.activation_letter": Permission((Role.DREETS, Role.ADMIN),
                                               "éditer le courrier d'activation d'un centre",
                                               dreets),
        "site.transfer": Permission((Role.DREETS, Role.ADMIN), "transférer un site", dreets),
        "registration.register": Permission(registrations.REGISTER_ROLES,
                                            "inscrire un candidat", centre),
        "registration.unregister": Permission(registrations.REGISTER_ROLES,
                                              "désinscrire un candidat", centre),
        "candidate.find_duplicates": Permission(candidates.SEARCH_ROLES,
                                                "rechercher des fiches en doublon", dreets),
        # R-CAN-5: the centre cannot merge records: it reports them to the DREETS.
        "candidate.duplicate_reported": Permission(
            candidates.SEARCH_ROLES, "signaler des fiches candidat en doublon",
            "Le centre ou le service de l'État qui suit le candidat"),
        "candidate.create": Permission(candidates.SEARCH_ROLES, "créer une fiche candidat",
                                       centre),
        "candidate.validate": Permission(candidates.SEARCH_ROLES,
                                         "valider une fiche candidat", ud),
        "candidate.back_to_draft": Permission(candidates.SEARCH_ROLES,
                                              "repasser une fiche candidat en brouillon", ud),
        "jury.add_to_session": Permission(sessions.CENTRE_ROLES,
                                          "désigner un juré pour une session", centre),
        "jury.export_csv": Permission((Role.CENTRE,), "télécharger la liste des jurés",
                                      centre),
        "centre.get": Permission(centres.CENTRE_LOOKUP_ROLES, "consulter un centre", dreets),
        "jury.habilitation_action": Permission(juries.STATE_ROLES,
                                               "gérer les habilitations des jurés", dreets),
    }


_CACHE: dict[str, Permission] = {}


def permission(action: str) -> Permission | None:
    """The roles and the « done by » of a service action (``"print.duplicate"``)."""
    if not _CACHE:
        _CACHE.update(_permissions())
    return _CACHE.get(action)


def known_actions() -> list[str]:
    permission("session.list")
    return sorted(_CACHE)


def roles_for(action: str) -> tuple[Role, ...]:
    p = permission(action)
    return p.roles if p is not None else ()


def check_may_run(core: Core, actor: str, action: str) -> None:
    """Refuse (R-ACT-2) when none of the actor's profiles may run ``action`` at all.

    The scope (which session, which site) is checked later by the service; this is
    the role only, so that a profile that may not run it learns it at the first step.
    """
    p = permission(action)
    if p is None:
        return
    with core.transaction() as db:
        user = load_actor(db, actor)
        if any(profile.role in p.roles for profile in user.profiles):
            return
    raise RuleViolation(
        "R-ACT-2",
        f"Votre profil ne permet pas {de(p.what)} : {_lower_first(p.done_by)} s'en charge",
        actor=actor, action=action,
    )


def may_run(core: Core, actor: str, action: str) -> bool:
    try:
        check_may_run(core, actor, action)
    except RuleViolation:
        return False
    return True


def done_by(action: str) -> str | None:
    p = permission(action)
    return p.done_by if p else None




def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


# -- dry runs ------------------------------------------------------------------------------


class _Rollback(Exception):
    """Raised inside a dry run's transaction so that nothing it did is kept."""


class _JoinedCore:
    """A :class:`Core` whose transactions all join one outer session (savepoints)."""

    def __init__(self, core: Core, session: Any) -> None:
        self._core = core
        self._session = session
        self.engine = core.engine
        self.clock = core.clock
        self.directory = core.directory
        self.rules = core.rules
        self.session_factory = core.session_factory

    def transaction(self):  # noqa: ANN201 - a context manager like Core.transaction
        from contextlib import contextmanager

        @contextmanager
        def _tx():
            nested = self._session.begin_nested()
            try:
                yield self._session
                self._session.flush()
            except BaseException:
                if nested.is_active:
                    nested.rollback()
                raise
            else:
                if nested.is_active:
                    nested.commit()

        return _tx()


def joined(core: Core, session: Any) -> Core:
    """``core`` seen from inside ``session``: a service called with it writes in that
    session (each of its transactions a savepoint), so that its effect commits or rolls
    back with what the caller writes in the same session (exactly once)."""
    from ceres_core.db import lock_for_write

    # SQLite: a SAVEPOINT opened outside a transaction would start one that its RELEASE
    # commits; take the write lock first (BEGIN IMMEDIATE), as writers do anyway.
    if session.get_bind().dialect.name == "sqlite":
        lock_for_write(session)
    return _JoinedCore(core, session)  # type: ignore[return-value]


def dry_run(core: Core, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a service and roll everything back; its refusal is raised as is."""
    result: list[T] = []
    try:
        with core.transaction() as db:
            result.append(fn(joined(core, db), *args, **kwargs))
            raise _Rollback
    except _Rollback:
        return result[0]


# -- DTE order, step by step (R-DTE-1, R-DTE-2) -----------------------------------------------

#: Valid values standing for the fields not given yet (so that a refusal names a given one).
_FIELD_PLACEHOLDERS: dict[str, Any] = {
    "candidates_count": 1,
    "rs_kind": "autre",
    "rs_name": "Responsable",
    "contact_name": "Contact",
    "contact_phone": "01 23 45 67 89",
    "contact_email": "examen@centre.fr",
    "delivery_address": "1 rue de la Paix, 75002 Paris",
}


def check_dte_order_session(core: Core, actor: str, session_ref: str) -> None:
    """The session step of a DTE order: scope, one order per session, timing."""
    check_dte_order_fields(core, actor, session_ref)


def check_dte_order_fields(core: Core, actor: str, session_ref: str, **given: Any) -> None:
    """The service's own checks on the fields given so far (R-DTE-1, R-DTE-2)."""
    from ceres_core.services.dte import order_dte

    fields = dict(_FIELD_PLACEHOLDERS)
    for name, value in given.items():
        if name in fields and value not in (None, ""):
            fields[name] = value
    if given.get("rs_kind") and given["rs_kind"] != "autre" and not given.get("rs_name"):
        fields["rs_name"] = None
    dry_run(core, order_dte, actor, session_ref, comment=None, **fields)


#: A valid link standing for the preparation's links not given yet (R-DTE-3).
_LINK_PLACEHOLDER = "https://exemple.fr/dte"


def check_dte_acknowledgement(core: Core, actor: str, session_ref: str, kind: str,
                              links: list[str] | None = None) -> None:
    """The steps of a GEV acknowledgement (R-DTE-3): the kind first, then the links."""
    from ceres_core.models import AckKind
    from ceres_core.services.dte import acknowledge_dte, parse_ack_kind

    if links is None and parse_ack_kind(kind) is AckKind.PREPARATION:
        links = [_LINK_PLACEHOLDER]
    dry_run(core, acknowledge_dte, actor, session_ref, kind, links=links)


def check_site_transfer(core: Core, actor: str, site_code: str) -> None:
    """The site step of a transfer: the DREETS competent for the site's location (R-SITE-6)."""
    from sqlalchemy import select

    from ceres_core.errors import NotFound
    from ceres_core.models import Site
    from ceres_core.services.centres import require_site_dreets

    with core.transaction() as db:
        user = load_actor(db, actor)
        site = db.scalar(select(Site).where(Site.code == site_code))
        if site is None:
            raise NotFound(f"Le site « {site_code} » est introuvable.")
        require_site_dreets(db, user, site, "transférer ce site")


# -- a new candidate record, step by step (R-CAN-1, R-CAN-3, R-CAN-5) --------------------------

#: Valid values standing for the record's fields not given yet (born abroad: no commune
#: or postal code needed, R-CAN-3), so that a refusal names a given one.
_CANDIDATE_PLACEHOLDERS: dict[str, Any] = {
    "civility": "M.",
    "birth_country": "Suisse",
    "birth_commune": None,
    "birth_postal_code": None,
}


def check_new_candidate(core: Core, actor: str, **fields: Any) -> None:
    """The creation of a candidate record with the fields given so far, rolled back
    (:func:`ceres_core.services.candidates.create_candidate`): R-CAN-1 (the person
    already has a record: its CERES ID), R-CAN-3 (birth place), the names and date.
    The birth place is checked as a whole, once its last part (``birth_postal_code``,
    possibly empty) is given."""
    from ceres_core.services.candidates import create_candidate

    given = dict(fields)
    if "birth_postal_code" not in given:
        for name in ("birth_country", "birth_commune"):
            given.pop(name, None)
    values = {**_CANDIDATE_PLACEHOLDERS, **{k: (v or None) for k, v in given.items()}}
    dry_run(core, create_candidate, actor, **values)


def likely_duplicates(core: Core, actor: str, first_name: str, last_name: str,
                      birth_date: Any, *, exclude: str | None = None) -> list[Any]:
    """R-CAN-1/R-CAN-5: the records close to this person (same birth date, a close
    name), the actor's region first then all of France (the core's search)."""
    from ceres_core.services.candidates import search_candidates

    hits = search_candidates(core, actor, f"{first_name} {last_name}", birth_date=birth_date,
                             limit=10)
    return [h for h in hits if h.candidate.ceres_id != exclude]


# -- a session's new dates, step by step (R-SES-2, R-SES-4, R-SES-5) ----------------------------


def check_session_dates(core: Core, actor: str, session_ref: str, start: Any = None,
                        end: Any = None) -> None:
    """The steps of :func:`ceres_core.services.sessions.change_session_dates`: the session
    first (may this actor move it at all), then the new start (a one-day session standing
    for the end not given yet: only what the start decides is refused), then both dates:
    the service itself, rolled back."""
    from ceres_core.services.sessions import change_session_dates, check_date_change
    from ceres_core.values import parse_date

    view = check_date_change(core, actor, session_ref)
    if start in (None, ""):
        return
    if end in (None, ""):
        first = parse_date(start, "La nouvelle date de début")
        if first == view.start_date:
            return  # only the end moves: checked once it is given
        end = first
    dry_run(core, change_session_dates, actor, session_ref, start, end)
