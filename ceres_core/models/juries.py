"""Jurors, their habilitations (R-JUR-*) and their seats on sessions."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models._types import enum_type
from ceres_core.models.base import Base

if TYPE_CHECKING:
    from ceres_core.models.referential import Ccp, Ccs, Centre, Title
    from ceres_core.models.sessions import ExamSession


class HabilitationState(StrEnum):
    BROUILLON = "brouillon"
    ACTIVE = "active"
    SUSPENDUE = "suspendue"
    EXPIREE = "expiree"


HABILITATION_STATE_LABELS: dict[HabilitationState, str] = {
    HabilitationState.BROUILLON: "brouillon",
    HabilitationState.ACTIVE: "active",
    HabilitationState.SUSPENDUE: "suspendue",
    HabilitationState.EXPIREE: "expirée",
}

centre_jurors = Table(
    "centre_jurors",
    Base.metadata,
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True),
    Column("juror_id", ForeignKey("jurors.id", ondelete="CASCADE"), primary_key=True),
)


class Juror(Base):
    __tablename__ = "jurors"

    id: Mapped[int] = mapped_column(primary_key=True)
    civility: Mapped[str] = mapped_column(String(10))
    last_name: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    phone_pro: Mapped[str | None] = mapped_column(String(30))
    phone_perso: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(120))
    occupation: Mapped[str | None] = mapped_column(String(200))
    #: Last known date the juror practised the job (R-JUR-4).
    last_practice_on: Mapped[date | None]
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))

    habilitations: Mapped[list[Habilitation]] = relationship(
        back_populates="juror", order_by="Habilitation.id", cascade="all, delete-orphan"
    )
    centres: Mapped[list[Centre]] = relationship(secondary=centre_jurors)

    @property
    def full_name(self) -> str:
        return f"{self.civility} {self.first_name} {self.last_name}".strip()


class Habilitation(Base):
    """A juror's habilitation on a title, a CCP or a CCS (R-JUR-1)."""

    __tablename__ = "habilitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("jurors.id", ondelete="CASCADE"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    ccp_id: Mapped[int | None] = mapped_column(ForeignKey("ccps.id"))
    ccs_id: Mapped[int | None] = mapped_column(ForeignKey("ccss.id"))
    state: Mapped[HabilitationState] = mapped_column(
        enum_type(HabilitationState), default=HabilitationState.BROUILLON
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    updated_at: Mapped[datetime]

    juror: Mapped[Juror] = relationship(back_populates="habilitations")
    title: Mapped[Title] = relationship()
    ccp: Mapped[Ccp | None] = relationship()
    ccs: Mapped[Ccs | None] = relationship()

    @property
    def state_label(self) -> str:
        return HABILITATION_STATE_LABELS[self.state]


class JuryMember(Base):
    """A juror registered on a session."""

    __tablename__ = "jury_members"
    __table_args__ = (UniqueConstraint("session_id", "juror_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("jurors.id"), index=True)
    added_at: Mapped[datetime]

    session: Mapped[ExamSession] = relationship(back_populates="jury")
    juror: Mapped[Juror] = relationship()
