"""R-ACT-2, written once: the zone an actor acts in.

A :class:`Zone` is what some of an actor's profiles cover: the national admin
(and, for reading, the national roles) everything; a centre its own sites; a
UD/DDETS/DEETS the sites of its département; a DREETS the sites of its region.
The same zone answers in Python (:meth:`Zone.covers_site`,
:meth:`Zone.covers_place`) and in SQL (:meth:`Zone.site_condition`), so a list
shows exactly what a check lets through.

Regions reached (:meth:`Zone.covers_region`): a DREETS reaches its region; a UD
reaches the region of its département only where a rule says so
(``ud_reaches_region=True``: a juror's habilitations, a candidate record of the
region), never for the sites of another département.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true

from ceres_core.models import Departement, Profile, Role, Site


@dataclass(frozen=True)
class Zone:
    """The union of the scopes of some profiles (see the module doc)."""

    national: bool = False
    centre_ids: frozenset[int] = frozenset()
    departements: frozenset[str] = frozenset()
    #: Regions of the DREETS profiles.
    regions: frozenset[str] = frozenset()
    #: Regions of the UD profiles' départements (reached only when a rule says so).
    ud_regions: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not (self.national or self.centre_ids or self.departements or self.regions)

    def covers_place(
        self,
        *,
        centre_id: int | None = None,
        departement: str | None = None,
        region: str | None = None,
    ) -> bool:
        """Whether a site of ``centre_id`` in ``departement`` (of ``region``) is inside."""
        return (
            self.national
            or (centre_id is not None and centre_id in self.centre_ids)
            or (departement is not None and departement in self.departements)
            or (region is not None and region in self.regions)
        )

    def covers_site(self, site: Site) -> bool:
        """R-ACT-2 for a site (and its agréments and sessions)."""
        return self.covers_place(
            centre_id=site.centre_id,
            departement=site.departement_code,
            region=site.departement.region_code,
        )

    def covers_region(self, region_code: str | None, *, ud_reaches_region: bool = False) -> bool:
        """Whether the zone reaches a whole region (a DREETS's own; see the module doc)."""
        if self.national:
            return True
        if region_code is None:
            return False
        return region_code in self.regions or (ud_reaches_region and region_code in self.ud_regions)

    def site_condition(self) -> ColumnElement[bool]:
        """:meth:`covers_site` as an SQL condition on ``Site`` (no join needed)."""
        if self.national:
            return true()
        conditions: list[ColumnElement[bool]] = []
        if self.centre_ids:
            conditions.append(Site.centre_id.in_(sorted(self.centre_ids)))
        if self.departements:
            conditions.append(Site.departement_code.in_(sorted(self.departements)))
        if self.regions:
            conditions.append(
                Site.departement_code.in_(
                    select(Departement.code).where(Departement.region_code.in_(sorted(self.regions)))
                )
            )
        return or_(*conditions) if conditions else false()


def zone_of(
    profiles: Iterable[Profile],
    roles: Iterable[Role],
    *,
    national_roles: Iterable[Role] = (Role.ADMIN,),
) -> Zone:
    """The zone of the ``profiles`` whose role is among ``roles``.

    ``national_roles`` (among ``roles``) cover everything: the admin always; a read
    operation may add the GEV operators (who ship every session's DTE).
    """
    wanted, national = set(roles), set(national_roles)
    centre_ids: set[int] = set()
    deps: set[str] = set()
    regions: set[str] = set()
    ud_regions: set[str] = set()
    for p in profiles:
        if p.role not in wanted:
            continue
        if p.role in national:
            return Zone(national=True)
        if p.role is Role.CENTRE and p.centre_id is not None:
            centre_ids.add(p.centre_id)
        elif p.role is Role.UD and p.departement_code:
            deps.add(p.departement_code)
            dep = _departement_of(p)
            if dep is not None:
                ud_regions.add(dep.region_code)
        elif p.role is Role.DREETS and p.region_code:
            regions.add(p.region_code)
    return Zone(
        centre_ids=frozenset(centre_ids),
        departements=frozenset(deps),
        regions=frozenset(regions),
        ud_regions=frozenset(ud_regions),
    )


def _departement_of(profile: Profile) -> Departement | None:
    """The UD profile's département row (through the session the profile belongs to)."""
    from sqlalchemy.orm import object_session

    db = object_session(profile)
    if db is None or not profile.departement_code:
        return None
    return db.get(Departement, profile.departement_code)


def profile_zone(profile: Profile) -> Zone:
    """The zone of one profile, whatever its role (a role with no place: empty)."""
    return zone_of([profile], [profile.role])


__all__ = ["Zone", "profile_zone", "zone_of"]
