"""Candidates (draft/validated records) and their registrations with results."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models._types import enum_type
from ceres_core.models.base import Base

if TYPE_CHECKING:
    from ceres_core.models.printing import PndEvent, PrintRequest
    from ceres_core.models.referential import Ccp
    from ceres_core.models.sessions import ExamSession


#: ``Candidate.name_key``'s type: byte-wise collation "C" on PostgreSQL.
NAME_KEY_TYPE = String(250).with_variant(String(250, collation="C"), "postgresql")


class CandidateState(StrEnum):
    BROUILLON = "brouillon"
    VALIDE = "valide"


class Candidate(Base):
    """A candidate record; a validated one changes only after back to draft (R-CAN-2)."""

    __tablename__ = "candidates"
    __table_args__ = (
        # R-CAN-5: the region-wide duplicate scan (region_code IN … ORDER BY birth_date).
        Index("ix_candidates_region_birth", "region_code", "birth_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ceres_id: Mapped[str] = mapped_column(String(20), unique=True)
    civility: Mapped[str] = mapped_column(String(10))  # "M." / "Mme"
    last_name: Mapped[str] = mapped_column(String(120))
    first_name: Mapped[str] = mapped_column(String(120))
    #: Upper-case, accent-free "LASTNAME FIRSTNAME" used by search and duplicate checks.
    #: The search narrows rows with prefix ranges on it (``>= 'DUP' AND < 'DUQ'``), which
    #: need a byte-wise order where the space sorts before the letters: collation "C" on
    #: PostgreSQL (a linguistic collation ignores spaces); SQLite's BINARY already is.
    name_key: Mapped[str] = mapped_column(NAME_KEY_TYPE, index=True)
    birth_date: Mapped[date] = mapped_column(index=True)
    birth_country: Mapped[str] = mapped_column(String(80), default="France")
    birth_commune: Mapped[str | None] = mapped_column(String(120))
    birth_postal_code: Mapped[str | None] = mapped_column(String(10))  # R-CAN-3
    address: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(80), default="France")
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    state: Mapped[CandidateState] = mapped_column(
        enum_type(CandidateState), default=CandidateState.BROUILLON
    )
    #: R-CAN-1; indexed by ``ix_candidates_region_birth`` (its first column).
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    registrations: Mapped[list[Registration]] = relationship(back_populates="candidate")

    @property
    def full_name(self) -> str:
        return f"{self.civility} {self.first_name} {self.last_name}".strip()

    @property
    def postal_address(self) -> str:
        parts = [self.address or "", f"{self.postal_code or ''} {self.city or ''}".strip()]
        if self.country and self.country != "France":
            parts.append(self.country)
        return ", ".join(p for p in parts if p)


class Attendance(StrEnum):
    PRESENT = "present"
    ABSENCE_JUSTIFIEE = "absence_justifiee"
    ABSENCE_INJUSTIFIEE = "absence_injustifiee"


class Result(StrEnum):
    ADMIS = "admis"
    PARTIELLEMENT_ADMIS = "partiellement_admis"
    REFUSE = "refuse"


RESULT_LABELS: dict[Result, str] = {
    Result.ADMIS: "admis",
    Result.PARTIELLEMENT_ADMIS: "partiellement admis",
    Result.REFUSE: "refusé",
}

registration_ccps = Table(
    "registration_ccps",
    Base.metadata,
    Column("registration_id", ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True),
    Column("ccp_id", ForeignKey("ccps.id"), primary_key=True),
)


class Registration(Base):
    """A candidate registered in a session, with attendance and result (R-RES-1)."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("session_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    is_vae: Mapped[bool] = mapped_column(default=False)
    registered_at: Mapped[datetime]
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attendance: Mapped[Attendance | None] = mapped_column(enum_type(Attendance))
    result: Mapped[Result | None] = mapped_column(enum_type(Result))
    result_comment: Mapped[str | None] = mapped_column(Text)
    data_verified_at: Mapped[datetime | None]  # "Données vérifiées et conformes" (R-PRT-2)
    data_verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    session: Mapped[ExamSession] = relationship(back_populates="registrations")
    candidate: Mapped[Candidate] = relationship(back_populates="registrations")
    ccps_obtained: Mapped[list[Ccp]] = relationship(secondary=registration_ccps)
    print_requests: Mapped[list[PrintRequest]] = relationship(
        back_populates="registration", order_by="PrintRequest.requested_at"
    )
    pnd_events: Mapped[list[PndEvent]] = relationship(
        back_populates="registration", order_by="PndEvent.reported_at"
    )
