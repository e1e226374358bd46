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


# -- the objects concerned, as they are now (ticket page) -----------------------------------------


def objects_state(db: Session, context: dict[str, Any], requester_login: str | None) -> list[tuple[str, str]]:
    """(label, French description) of the CERES objects a ticket is about, read now:
    the session (state, dates, title, site), the site, the requester's centre, the
    candidates. Unknown references are said to be unknown."""
    from ceres_core.models import Candidate

    lines: list[tuple[str, str]] = []
    extra = context.get("extra") or {}
    requester = (extra.get("requester") or {}) if isinstance(extra, dict) else {}
    routing_input = ((context.get("routing") or {}).get("input") or {})
    ref = context.get("session_ref") or routing_input.get("session_ref")
    session = _session(db, ref, routing_input.get("session_id"))
    site = None
    if ref or session is not None:
        if session is None:
            lines.append(("Session", f"{ref} : introuvable dans CERES"))
        else:
            site = session.site
            title = session.title.label if session.title else "?"
            lines.append(("Session", (
                f"{session.ref} – {session.kind.value} {title}, du "
                f"{session.start_date:%d/%m/%Y} au {session.end_date:%d/%m/%Y} : "
                f"{session.state_label}")))
    code = context.get("site_code") or routing_input.get("site_code")
    if site is None and (code or routing_input.get("site_id")):
        site = _site(db, code, routing_input.get("site_id"))
        if site is None:
            lines.append(("Site", f"{code} : introuvable dans CERES"))
    if site is not None:
        lines.append(("Site", f"{site.code} – {site.name} ({site.departement_code}), centre "
                              f"{site.centre.name}"))
    centre = _centre(db, requester.get("centre_siret") or routing_input.get("centre_siret"),
                     routing_input.get("centre_id"))
    if centre is None and requester_login:
        centre = _login_centre(db, requester_login)
    if centre is not None:
        sites = len(centre.sites)
        lines.append(("Centre du demandeur", f"{centre.name} (SIRET {centre.siret}), "
                                             f"{sites} site{'s' if sites > 1 else ''}"))
    for ceres_id in context.get("candidate_ids") or []:
        candidate = db.scalar(select(Candidate).where(Candidate.ceres_id == str(ceres_id)))
        if candidate is None:
            lines.append(("Candidat", f"{ceres_id} : introuvable dans CERES"))
        else:
            lines.append(("Candidat", f"{candidate.ceres_id} – {candidate.civility} "
                                      f"{candidate.first_name} {candidate.last_name}, né(e) le "
                                      f"{candidate.birth_date:%d/%m/%Y} ({candidate.state.value})"))
    return lines


def _login_centre(db: Session, login: str):
    from ceres_core.models import Role, User

    user = db.scalar(select(User).where(User.login == login))
    if user is None:
        return None
    return next((p.centre for p in user.profiles if p.role is Role.CENTRE and p.centre), None)


def centre_logins(db: Session, login: str | None) -> list[str]:
    """The logins of the accounts of the requester's centre (the requester included)."""
    from ceres_core.models import Profile, Role, User

    if not login:
        return []
    centre = _login_centre(db, login)
    if centre is None:
        return []
    return list(db.scalars(
        select(User.login).join(Profile, Profile.user_id == User.id)
        .where(Profile.role == Role.CENTRE, Profile.centre_id == centre.id)
    ))
