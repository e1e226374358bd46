"""The jurors a centre can put on its sessions, for front ends' pickers (R-JUR-5: the
centre's jurors are those attached to it or sitting on one of its sessions, as in the
CSV export); the habilitation checks stay in ``juries.add_juror_to_session``. A UD or
DREETS (or the admin) finds the jurors whose habilitations it manages (R-ACT-2)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ceres_core.access import centre_ids_of, load_actor, require_role
from ceres_core.core import Core
from ceres_core.models import ExamSession, Juror, JuryMember, Site, centre_jurors
from ceres_core.names import fold
from ceres_core.services.sessions import CENTRE_ROLES


@dataclass(frozen=True)
class JurorChoice:
    id: int
    full_name: str


def centre_jurors_matching(core: Core, actor: str, text: str = "", *,
                           limit: int = 12) -> list[JurorChoice]:
    """The centre's jurors whose name contains every word of ``text`` (all when empty)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, CENTRE_ROLES, "désigner un juré pour une session")
        centre_ids = centre_ids_of(user)
        attached = select(centre_jurors.c.juror_id).where(
            centre_jurors.c.centre_id.in_(centre_ids))
        seated = (select(JuryMember.juror_id)
                  .join(ExamSession, ExamSession.id == JuryMember.session_id)
                  .join(Site, Site.id == ExamSession.site_id)
                  .where(Site.centre_id.in_(centre_ids)))
        jurors = db.scalars(select(Juror)
                            .where(Juror.id.in_(attached) | Juror.id.in_(seated))
                            .order_by(Juror.last_name, Juror.first_name, Juror.id)).all()
        words = fold(text).split()
        hits = [j for j in jurors if all(w in fold(j.full_name) for w in words)]
        return [JurorChoice(j.id, j.full_name) for j in hits[:limit]]


def jurors_matching(core: Core, actor: str, text: str = "", *,
                    limit: int = 12) -> list[JurorChoice]:
    """The jurors this actor works on, by name (every word of ``text``; all when empty):
    a centre's own (R-JUR-5), or those a UD/DREETS/admin is competent for (R-ACT-2)."""
    from ceres_core.services.juries import STATE_ROLES, state_authority

    with core.transaction() as db:
        state = any(p.role in STATE_ROLES for p in load_actor(db, actor).profiles)
    if not state:
        return centre_jurors_matching(core, actor, text, limit=limit)
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, STATE_ROLES, "gérer les habilitations des jurés")
        words = fold(text).split()
        jurors = db.scalars(select(Juror).order_by(Juror.last_name, Juror.first_name,
                                                   Juror.id)).all()
        hits = [j for j in jurors if all(w in fold(j.full_name) for w in words)
                and state_authority(db, user, j) is not None]
        return [JurorChoice(j.id, j.full_name) for j in hits[:limit]]
