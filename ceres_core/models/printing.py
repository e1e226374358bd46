"""Print requests (initial and duplicates) and PND events (R-PRT-*, R-AFT-2)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models._types import enum_type
from ceres_core.models.base import Base

if TYPE_CHECKING:
    from ceres_core.models.candidates import Registration


class PrintKind(StrEnum):
    INITIALE = "initiale"
    DUPLICATA = "duplicata"


class PrintRequest(Base):
    """A request to the Afpa to print and mail a candidate's documents."""

    __tablename__ = "print_requests"
    __table_args__ = (
        # R-PRT-4: one initial request per registration, even under concurrent requests
        # (a duplicate is a separate kind and may repeat).
        Index(
            "uq_print_requests_initial",
            "registration_id",
            unique=True,
            sqlite_where=text("kind = 'initiale'"),
            postgresql_where=text("kind = 'initiale'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    kind: Mapped[PrintKind] = mapped_column(enum_type(PrintKind))
    #: "diplome" (or CCS certificate), "livret", "notification_echec"; None = the whole set.
    document: Mapped[str | None] = mapped_column(String(30))
    requested_at: Mapped[datetime]
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    registration: Mapped[Registration] = relationship(back_populates="print_requests")


class PndEvent(Base):
    """Mail returned undelivered, and the corrected address (R-AFT-2).

    It is also the notice the Afpa's print service acts on: from ``afpa_notified_at``
    it is on the Afpa's list of mails to re-send; the Afpa marks it handled
    (``afpa_handled_at``) once the mail is re-sent to the new address.
    """

    __tablename__ = "pnd_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    reported_at: Mapped[datetime]
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    previous_address: Mapped[str | None] = mapped_column(String(400))
    new_address: Mapped[str | None] = mapped_column(String(400))
    #: When the notice was put on the Afpa print service's list (R-AFT-2).
    afpa_notified_at: Mapped[datetime | None] = mapped_column(index=True)
    #: When the Afpa re-sent the mail to the new address, and who recorded it.
    afpa_handled_at: Mapped[datetime | None]
    afpa_handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    afpa_comment: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)

    registration: Mapped[Registration] = relationship(back_populates="pnd_events")
