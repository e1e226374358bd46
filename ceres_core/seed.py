"""Reference data every database needs: the regions and départements."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ceres_core import geography
from ceres_core.models import Centre, Departement, Region
from ceres_core.models.referential import SIRET_CENTRE_REPRISE


def ensure_geography(db: Session) -> int:
    """Insert the missing regions and départements; return how many rows were added."""
    added = 0
    known_regions = set(db.scalars(select(Region.code)))
    for region in geography.regions():
        if region.code not in known_regions:
            db.add(Region(code=region.code, name=region.name, service_name=region.service_name))
            added += 1
    db.flush()
    known = set(db.scalars(select(Departement.code)))
    for dep in geography.departements():
        if dep.code not in known:
            db.add(Departement(code=dep.code, name=dep.name, region_code=dep.region_code))
            added += 1
    db.flush()
    return added


def ensure_centre_reprise(db: Session, now) -> Centre:
    """The catch-all centre of the migration (SIRET 0000000000000) exists once."""
    centre = db.scalar(select(Centre).where(Centre.siret == SIRET_CENTRE_REPRISE))
    if centre is None:
        centre = Centre(
            siret=SIRET_CENTRE_REPRISE, name="Centre de reprise", is_reprise=True, created_at=now
        )
        db.add(centre)
        db.flush()
    return centre
