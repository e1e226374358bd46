"""The Afpa print service's desk: the print requests it received (R-PRT-7).

The State services (UD/DDETS/DEETS) send print requests (initial ones, R-PRT-2, and
duplicates, R-PRT-4); the Afpa prints, envelopes and mails the documents, to the
candidate for a session in metropolitan France, to the DEETS for a DROM-COM one
(R-PRT-7). This module is what the Afpa reads: the requests received, newest first,
each with its candidate, its documents and where to mail them.

Reading: the core keeps no « printed » mark on a request (the Afpa's own tools
track that), so the list is the requests *received*, from ``since`` on (every one
when not given). The PND notices the Afpa re-sends are in
:mod:`ceres_core.services.printing` (``list_pnd_notices``).

Open to the Afpa print operators and the admin only (R-ACT-2): the Afpa prints for
all of France, so no zone narrows the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ceres_core.access import load_actor, require_role
from ceres_core.core import Core
from ceres_core.models import (
    ExamSession,
    PrintKind,
    PrintRequest,
    Registration,
    Role,
    SessionState,
    User,
)
from ceres_core.services import printing
from ceres_core.services._operation import operation
from ceres_core.values import parse_int

#: Who reads the Afpa's desk: the Afpa's print service (national) and the admin.
#: (``printing.AFPA_ROLES`` where the PND notices service defines it.)
AFPA_ROLES: tuple[Role, ...] = getattr(printing, "AFPA_ROLES", (Role.AFPA, Role.ADMIN))

KIND_LABELS = {PrintKind.INITIALE: "impression initiale", PrintKind.DUPLICATA: "duplicata"}


@dataclass(frozen=True)
class ReceivedPrintRequestView:
    """A print request as the Afpa sees it: what to print, for whom, where to mail it."""

    id: int
    kind: str  # "initiale" / "duplicata"
    kind_label: str
    session_ref: str
    departement_code: str
    ceres_id: str
    candidate_name: str
    #: what the request covers (« l'ensemble des documents », « le diplôme… »)
    document_label: str
    documents: tuple[str, ...]
    routing: printing.RoutingView
    requested_at: datetime
    requested_by: str
    #: R-SES-5: the session was cancelled after the request: the documents must not be
    #: mailed (the cancellation does not withdraw a request already sent).
    session_cancelled: bool = False


@operation("print.afpa_requests")
def list_received_print_requests(
    core: Core, actor: str, *, since: date | None = None, limit: int = 100
) -> list[ReceivedPrintRequestView]:
    """The print requests the Afpa received (from ``since`` on), newest first (R-PRT-7)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, AFPA_ROLES, "consulter les demandes d'impression reçues par l'Afpa")
        limit = parse_int(limit, "Le nombre de demandes", lo=1, hi=500)
        query = select(PrintRequest).options(
            selectinload(PrintRequest.registration).selectinload(Registration.session)
            .selectinload(ExamSession.site),
            selectinload(PrintRequest.registration).selectinload(Registration.candidate),
        )
        if since is not None:
            start = datetime.combine(since, time.min, tzinfo=core.clock.now().tzinfo)
            query = query.where(PrintRequest.requested_at >= start)
        query = query.order_by(PrintRequest.requested_at.desc(), PrintRequest.id.desc())
        requests = list(db.scalars(query.limit(limit)))
        users = {u.id: u.display_name for u in db.scalars(
            select(User).where(User.id.in_({r.requested_by_id for r in requests})))}
        out = []
        for r in requests:
            reg = r.registration
            session, cand = reg.session, reg.candidate
            docs = printing._documents(reg, session)
            if r.document is not None:
                docs = tuple(d for d in docs if d.code == r.document) or docs
            out.append(ReceivedPrintRequestView(
                id=r.id, kind=r.kind.value, kind_label=KIND_LABELS[r.kind],
                session_ref=session.ref, departement_code=session.site.departement_code,
                ceres_id=cand.ceres_id, candidate_name=printing._name_natural(cand),
                document_label=printing._doc_label(r.document),
                documents=tuple(d.label for d in docs), routing=printing._routing(session.site),
                requested_at=r.requested_at, requested_by=users.get(r.requested_by_id, ""),
                session_cancelled=session.state is SessionState.ANNULEE,
            ))
        return out
