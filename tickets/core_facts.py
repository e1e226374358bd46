"""What the CERES core says about the objects a ticket is about.

* :func:`enrich` completes a :class:`~tickets.routing.RoutingInput` from the core:
  the session (by reference or id) gives its title's sector, its kind (TP, CCP, CCS)
  and its site's département; a site gives its département; a centre whose sites
  are all in one département gives that département (R-ASS-2 routing needs them).
  What the caller gave explicitly is kept.
* :func:`objects_state` reads the current state of the objects concerned for the
  ticket page (session, site, centre, candidates).

Read-only; the caller's transaction (``db``) is used. Unknown references are
ignored (the routing explanation then says what is missing).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.routing import RoutingInput


def _session(db: Session, ref: str | None, session_id: int | None):
    from ceres_core.models import ExamSession

    if session_id is not None:
        return db.get(ExamSession, int(session_id))
    if ref:
        return db.scalar(select(ExamSession).where(ExamSession.ref == ref.strip().upper()))
    return None


def _site(db: Session, code: str | None, site_id: int | None):
    from ceres_core.models import Site

    if site_id is not None:
        return db.get(Site, int(site_id))
    if code:
        return db.scalar(select(Site).where(Site.code == code.strip()))
    return None


def _centre(db: Session, siret: str | None, centre_id: int | None):
    from ceres_core.models import Centre

    if centre_id is not None:
        return db.get(Centre, int(centre_id))
    if siret:
        return db.scalar(select(Centre).where(Centre.siret == "".join(siret.split())))
    return None


def enrich(db: Session, data: RoutingInput, context: dict[str, Any] | None = None) -> RoutingInput:
    """``data`` with sector, session kind and département read from the core.

    The objects come from ``data`` (``session_ref``/``session_id``, ``site_code``/
    ``site_id``, ``centre_siret``/``centre_id``) or, failing that, from the ticket's
    context (``session_ref``, ``site_code``, ``extra.requester.centre_siret``).
    """
    context = context or {}
    extra = context.get("extra") or {}
    requester = extra.get("requester") or {} if isinstance(extra, dict) else {}
    changes: dict[str, Any] = {}
    session = _session(db, data.session_ref or context.get("session_ref"), data.session_id)
    site = None
    if session is not None:
        site = session.site
        if not data.sector and session.title is not None:
            changes["sector"] = session.title.sector
        if not data.session_kind:
            changes["session_kind"] = session.kind.value
        changes.setdefault("session_ref", session.ref)
    if site is None:
        site = _site(db, data.site_code or context.get("site_code"), data.site_id)
    if site is None:
        centre = _centre(db, data.centre_siret or requester.get("centre_siret"), data.centre_id)
        if centre is not None:
            departements = {s.departement_code for s in centre.sites}
            if len(departements) == 1:
                changes.setdefault("departement", None if data.departement else departements.pop())
    elif not data.departement:
        changes["departement"] = site.departement_code
    if not data.account_departement and requester.get("departement"):
        changes["account_departement"] = requester["departement"]
    if not data.account_region and requester.get("region"):
        changes["account_region"] = requester["region"]
    changes = {k: v for k, v in changes.items() if v is not None}
    return replace(data, **changes) if changes else data
