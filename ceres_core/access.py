"""Actors and their scope (R-ACT-1, R-ACT-2).

Every service loads the acting user with :func:`load_actor` and checks the
object it touches with one of the ``require_*`` functions *before* anything
else. A refusal raises :class:`RuleViolation` ``R-ACT-2``; the
:func:`ceres_core.services._operation.operation` decorator logs it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ceres_core.errors import NotFound, RuleViolation
from ceres_core.models import Centre, Profile, Role, Site, User
from ceres_core.names import de
from ceres_core.zone import profile_zone

T = TypeVar("T")

#: Roles that act on sites and their sessions, each inside its own zone.
SITE_ROLES = (Role.CENTRE, Role.UD, Role.DREETS, Role.ADMIN)




def load_actor(db: Session, login: str) -> User:
    """The active user with this login, with profiles loaded."""
    user = db.scalar(
        select(User).where(User.login == login).options(selectinload(User.profiles))
    )
    if user is None or not user.active:
        raise NotFound(f"Le compte « {login} » est inconnu ou désactivé.")
    return user


def profile_covers_site(profile: Profile, site: Site) -> bool:
    """Whether one profile's scope contains the site (R-ACT-2, :mod:`ceres_core.zone`)."""
    return profile_zone(profile).covers_site(site)


def profile_covers_region(profile: Profile, region_code: str) -> bool:
    """Whether one profile reaches a whole region (admin; a DREETS its own)."""
    return profile_zone(profile).covers_region(region_code)


def has_role(user: User, roles: Iterable[Role]) -> bool:
    wanted = set(roles)
    return any(p.role in wanted for p in user.profiles)


def require_role(user: User, roles: Iterable[Role], what: str) -> None:
    """Refuse unless the user holds one of ``roles`` (R-ACT-1)."""
    roles = tuple(roles)
    if not has_role(user, roles):
        raise RuleViolation(
            "R-ACT-2",
            f"Votre profil ne permet pas {de(what)}.",
            actor=user.login,
        )


def require_site(user: User, site: Site, roles: Iterable[Role], what: str) -> Profile:
    """The profile of ``user`` among ``roles`` whose scope contains ``site``, or refuse.

    ``what`` completes the sentence "Vous ne pouvez pas ..." (e.g. "commander le DTE
    de cette session").
    """
    roles = tuple(roles)
    candidates = [p for p in user.profiles if p.role in roles]
    for profile in candidates:
        if profile_covers_site(profile, site):
            return profile
    if not candidates:
        raise RuleViolation("R-ACT-2", f"Votre profil ne permet pas {de(what)}.", actor=user.login)
    raise RuleViolation(
        "R-ACT-2",
        f"Vous ne pouvez pas {what} : le site « {site.name} » "
        f"({site.departement_code}) est hors de votre périmètre.",
        actor=user.login,
        site=site.code,
    )


def require_region(user: User, region_code: str, roles: Iterable[Role], what: str) -> Profile:
    roles = tuple(roles)
    for profile in user.profiles:
        if profile.role in roles and profile_covers_region(profile, region_code):
            return profile
    raise RuleViolation(
        "R-ACT-2", f"Vous ne pouvez pas {what} : cette région est hors de votre périmètre."
    )


def centre_ids_of(user: User) -> set[int]:
    return {p.centre_id for p in user.profiles if p.role is Role.CENTRE and p.centre_id}


def get_or_404(db: Session, model: type[T], ident: object, label: str) -> T:
    """``db.get`` or a French :class:`NotFound` ("<label> introuvable.")."""
    obj = db.get(model, ident)
    if obj is None:
        raise NotFound(f"{label} introuvable.")
    return obj


def find_centre_by_siret(db: Session, siret: str) -> Centre | None:
    return db.scalar(select(Centre).where(Centre.siret == siret))
