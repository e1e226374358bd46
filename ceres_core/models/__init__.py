"""Typed SQLAlchemy 2 models of the CERES core (one module per area)."""

from ceres_core.models.actors import ROLE_LABELS, Profile, Role, User
from ceres_core.models.audit import AuditEvent
from ceres_core.models.base import Base
from ceres_core.models.candidates import (
    RESULT_LABELS,
    Attendance,
    Candidate,
    CandidateState,
    Registration,
    Result,
    registration_ccps,
)
from ceres_core.models.juries import (
    HABILITATION_STATE_LABELS,
    Habilitation,
    HabilitationState,
    Juror,
    JuryMember,
    centre_jurors,
)
from ceres_core.models.printing import PndEvent, PrintKind, PrintRequest
from ceres_core.models.referential import (
    SIRET_CENTRE_REPRISE,
    ActivationCode,
    Agrement,
    Ccp,
    Ccs,
    Centre,
    Departement,
    Region,
    Site,
    SiteTransfer,
    Title,
)
from ceres_core.models.sessions import (
    SESSION_STATE_LABELS,
    AckKind,
    DteAcknowledgement,
    DteOrder,
    ExamSession,
    RsKind,
    SessionKind,
    SessionState,
)

__all__ = [
    "ROLE_LABELS", "Profile", "Role", "User", "AuditEvent", "Base", "RESULT_LABELS",
    "Attendance", "Candidate", "CandidateState", "Registration", "Result",
    "registration_ccps", "HABILITATION_STATE_LABELS", "Habilitation", "HabilitationState",
    "JuryMember", "Juror", "centre_jurors", "PndEvent", "PrintKind", "PrintRequest",
    "SIRET_CENTRE_REPRISE", "ActivationCode", "Agrement", "Ccp", "Ccs", "Centre",
    "Departement", "Region", "Site", "SiteTransfer", "Title", "SESSION_STATE_LABELS",
    "AckKind", "DteAcknowledgement", "DteOrder", "ExamSession", "RsKind", "SessionKind",
    "SessionState",
]
