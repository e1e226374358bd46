"""Exam sessions, their states (R-SES-4) and DTE orders (R-DTE-2, R-DTE-3)."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models._types import enum_type
from ceres_core.models.base import Base

if TYPE_CHECKING:
    from ceres_core.models.candidates import Registration
    from ceres_core.models.juries import JuryMember
    from ceres_core.models.referential import Agrement, Ccp, Ccs, Site, Title


class SessionKind(StrEnum):
    TP = "TP"
    CCP = "CCP"
    CCS = "CCS"


class SessionState(StrEnum):
    """R-SES-4, in order; ``debloquee`` is a validated session reopened by the UD."""

    EN_PREPARATION = "en_preparation"
    CONVOCATIONS_ENVOYEES = "convocations_envoyees"
    RESULTATS_SAISIS = "resultats_saisis"
    EN_ATTENTE_VALIDATION = "en_attente_validation"
    VALIDEE = "validee"
    DEBLOQUEE = "debloquee"
    ANNULEE = "annulee"


SESSION_STATE_LABELS: dict[SessionState, str] = {
    SessionState.EN_PREPARATION: "en préparation",
    SessionState.CONVOCATIONS_ENVOYEES: "convocations envoyées",
    SessionState.RESULTATS_SAISIS: "résultats saisis",
    SessionState.EN_ATTENTE_VALIDATION: "en attente de validation",
    SessionState.VALIDEE: "validée",
    SessionState.DEBLOQUEE: "débloquée",
    SessionState.ANNULEE: "annulée",
}


def _final_interview_default(context) -> bool:
    """R-CAN-7: a session inserted without saying has the final interview if it is a TP
    (the common case, :func:`ceres_core.rules.default_final_interview`)."""
    return str(context.get_current_parameters().get("kind")) in (SessionKind.TP.value, "TP")


class ExamSession(Base):
    """An exam session of a site for a TP, a CCP or a CCS (R-SES-1)."""

    __tablename__ = "exam_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)  # TITRE_B_2023_470415
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    agrement_id: Mapped[int] = mapped_column(ForeignKey("agrements.id"), index=True)
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind))
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    ccp_id: Mapped[int | None] = mapped_column(ForeignKey("ccps.id"))
    ccs_id: Mapped[int | None] = mapped_column(ForeignKey("ccss.id"))
    with_final_interview: Mapped[bool] = mapped_column(default=_final_interview_default)  # R-CAN-7
    start_date: Mapped[date] = mapped_column(index=True)
    start_time: Mapped[time]
    end_date: Mapped[date]
    convocation_time: Mapped[time | None]  # may differ from start_time (R-CON-1)
    state: Mapped[SessionState] = mapped_column(
        enum_type(SessionState), default=SessionState.EN_PREPARATION, index=True
    )
    convocations_issued_at: Mapped[datetime | None]
    closed_by_centre_at: Mapped[datetime | None]  # R-SES-6
    validated_at: Mapped[datetime | None]
    validated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    site: Mapped[Site] = relationship(back_populates="sessions")
    agrement: Mapped[Agrement] = relationship()
    title: Mapped[Title] = relationship()
    ccp: Mapped[Ccp | None] = relationship()
    ccs: Mapped[Ccs | None] = relationship()
    dte_order: Mapped[DteOrder | None] = relationship(back_populates="session", uselist=False)
    registrations: Mapped[list[Registration]] = relationship(
        back_populates="session", order_by="Registration.id", cascade="all, delete-orphan"
    )
    jury: Mapped[list[JuryMember]] = relationship(
        back_populates="session", cascade="all, delete-orphan"
    )

    @property
    def state_label(self) -> str:
        return SESSION_STATE_LABELS[self.state]


class RsKind(StrEnum):
    """Who the responsable de session is (R-DTE-2)."""

    TITULAIRE = "titulaire"
    SUPPLEANT = "suppleant"
    AUTRE = "autre"  # a person not on the agrément


class DteOrder(Base):
    """A DTE order for a session (R-DTE-2)."""

    __tablename__ = "dte_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), unique=True)
    ordered_at: Mapped[datetime]
    ordered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    candidates_count: Mapped[int]
    rs_kind: Mapped[RsKind] = mapped_column(enum_type(RsKind))
    rs_name: Mapped[str] = mapped_column(String(120))
    contact_name: Mapped[str] = mapped_column(String(120))
    contact_phone: Mapped[str] = mapped_column(String(30))
    contact_email: Mapped[str] = mapped_column(String(254))
    delivery_address: Mapped[str] = mapped_column(String(300))
    comment: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[datetime | None]  # R-SES-5: the GEV cancels the order

    session: Mapped[ExamSession] = relationship(back_populates="dte_order")
    acknowledgements: Mapped[list[DteAcknowledgement]] = relationship(
        back_populates="order", order_by="DteAcknowledgement.at", cascade="all, delete-orphan"
    )


class AckKind(StrEnum):
    RECEPTION = "reception"
    PREPARATION = "preparation"


class DteAcknowledgement(Base):
    """The two acknowledgements that follow an order (R-DTE-3)."""

    __tablename__ = "dte_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("dte_orders.id"), index=True)
    kind: Mapped[AckKind] = mapped_column(enum_type(AckKind))
    at: Mapped[datetime]
    links: Mapped[list[str] | None] = mapped_column(JSON)

    order: Mapped[DteOrder] = relationship(back_populates="acknowledgements")
