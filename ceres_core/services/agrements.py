"""The agréments a centre may create sessions from (R-SES-2), for front ends' pickers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ceres_core.access import centre_ids_of, load_actor, require_role
from ceres_core.core import Core
from ceres_core.models import Agrement, Site
from ceres_core.services.sessions import CENTRE_ROLES


@dataclass(frozen=True)
class AgrementChoice:
    id: int
    title_code: str
    title_label: str
    site_code: str
    site_name: str
    ends_on: date
    #: (code, label) of the title's CCPs: a CCP session names one of them.
    ccps: tuple[tuple[str, str], ...]


def list_centre_agrements(core: Core, actor: str) -> list[AgrementChoice]:
    """The agréments of the actor's centre(s) still in force today (R-SES-2)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, CENTRE_ROLES, "créer une session")
        query = (select(Agrement).join(Site, Agrement.site_id == Site.id)
                 .where(Agrement.ends_on >= core.clock.today())
                 .options(selectinload(Agrement.site), selectinload(Agrement.title))
                 .order_by(Site.code, Agrement.id))
        if not any(p.role.value == "admin" for p in user.profiles):
            query = query.where(Site.centre_id.in_(centre_ids_of(user)))
        return [AgrementChoice(a.id, a.title.code, a.title.label, a.site.code, a.site.name,
                               a.ends_on, tuple((c.code, c.label) for c in a.title.ccps))
                for a in db.scalars(query)]
