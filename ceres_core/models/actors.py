"""Actors (users) and their profiles: a role with a scope (R-ACT-1)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models._types import enum_type
from ceres_core.models.base import Base

if TYPE_CHECKING:
    from ceres_core.models.referential import Centre


class Role(StrEnum):
    """The roles of R-ACT-1."""

    CENTRE = "centre"  # one centre, by SIRET
    UD = "ud"  # UD/DDETS/DEETS: one département
    DREETS = "dreets"  # one region
    ADMIN = "admin"  # national administrator
    AFPA = "afpa"  # Afpa print operator
    GEV = "gev"  # GEV operator (DTE)
    SUPPORT = "support"  # helpdesk agent


ROLE_LABELS: dict[Role, str] = {
    Role.CENTRE: "Centre",
    Role.UD: "UD / DDETS / DEETS",
    Role.DREETS: "DREETS",
    Role.ADMIN: "Administration nationale",
    Role.AFPA: "Afpa (impression)",
    Role.GEV: "GEV (Afpa)",
    Role.SUPPORT: "Support",
}


class User(Base):
    """A person who acts in CERES; what they may do comes from their profiles."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]

    profiles: Mapped[list[Profile]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Profile.id"
    )


class Profile(Base):
    """One role with its scope: a centre, a département or a region (R-ACT-1)."""

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    departement_code: Mapped[str | None] = mapped_column(ForeignKey("departements.code"))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))

    user: Mapped[User] = relationship(back_populates="profiles")
    centre: Mapped[Centre | None] = relationship()
