"""Regions, départements, centres, sites, titles and agréments."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ceres_core.models.base import Base

if TYPE_CHECKING:
    from ceres_core.models.sessions import ExamSession

#: SIRET of the centre de reprise, the catch-all centre of the migration.
SIRET_CENTRE_REPRISE = "0000000000000"


class Region(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    service_name: Mapped[str] = mapped_column(String(80))  # "DREETS Bretagne", "DEETS La Réunion"

    departements: Mapped[list[Departement]] = relationship(back_populates="region")


class Departement(Base):
    __tablename__ = "departements"

    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)

    region: Mapped[Region] = relationship(back_populates="departements")


class Centre(Base):
    """A training/exam organisation, identified by its SIRET."""

    __tablename__ = "centres"

    id: Mapped[int] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    commune: Mapped[str | None] = mapped_column(String(120))
    centre_type: Mapped[str | None] = mapped_column(String(80))
    network: Mapped[str | None] = mapped_column(String(80))
    is_reprise: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: R-SITE-6: the site the DREETS competent for its location registered the centre
    #: for (the site to transfer to it); its DREETS may modify the centre.
    registered_for_site_id: Mapped[int | None] = mapped_column(
        ForeignKey("sites.id", use_alter=True, name="fk_centres_registered_for_site_id_sites")
    )

    sites: Mapped[list[Site]] = relationship(
        back_populates="centre", order_by="Site.id", foreign_keys="Site.centre_id"
    )
    registered_for_site: Mapped[Site | None] = relationship(foreign_keys=[registered_for_site_id])
    activation_codes: Mapped[list[ActivationCode]] = relationship(
        back_populates="centre", order_by="ActivationCode.id"
    )


class Site(Base):
    """A physical place of a centre; agréments and sessions hang off it (R-SITE-1)."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(250))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    commune: Mapped[str | None] = mapped_column(String(120))
    departement_code: Mapped[str] = mapped_column(ForeignKey("departements.code"), index=True)

    centre: Mapped[Centre] = relationship(back_populates="sites", foreign_keys=[centre_id])
    departement: Mapped[Departement] = relationship()
    agrements: Mapped[list[Agrement]] = relationship(back_populates="site", order_by="Agrement.id")
    sessions: Mapped[list[ExamSession]] = relationship(back_populates="site")
    transfers: Mapped[list[SiteTransfer]] = relationship(
        back_populates="site", order_by="SiteTransfer.id"
    )


class SiteTransfer(Base):
    """A site's move to another centre, in its history (R-SITE-5)."""

    __tablename__ = "site_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    from_centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    to_centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    by_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    agrements_moved: Mapped[int] = mapped_column(default=0)
    sessions_moved: Mapped[int] = mapped_column(default=0)

    site: Mapped[Site] = relationship(back_populates="transfers")
    from_centre: Mapped[Centre] = relationship(foreign_keys=[from_centre_id])
    to_centre: Mapped[Centre] = relationship(foreign_keys=[to_centre_id])


class ActivationCode(Base):
    """A centre's activation code (stored hashed) and its letter (R-SITE-7)."""

    __tablename__ = "activation_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime]
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    used_at: Mapped[datetime | None]

    centre: Mapped[Centre] = relationship(back_populates="activation_codes")


class Title(Base):
    """A titre professionnel (TP)."""

    __tablename__ = "titles"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)  # "TP-00463"
    label: Mapped[str] = mapped_column(String(200))
    abbreviation: Mapped[str | None] = mapped_column(String(20))  # "ECSR" (R-POST-2)
    version_date: Mapped[date]
    level: Mapped[int]
    domains: Mapped[list[str]] = mapped_column(JSON, default=list)  # ["214r", "214s"]
    rncp: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str] = mapped_column(String(20))  # btp, industrie, tertiaire (GEV queue)
    dte_edition_from: Mapped[date | None]  # DTE millésime in effect from (R-DTE-1)
    valid_until: Mapped[date | None]  # end of the title's validity
    extension_until: Mapped[date | None]  # end of the extension period (R-JUR-1/2)

    ccps: Mapped[list[Ccp]] = relationship(back_populates="title", order_by="Ccp.rank")
    ccss: Mapped[list[Ccs]] = relationship(back_populates="title", order_by="Ccs.id")

    @property
    def full_label(self) -> str:
        return f"{self.label} ({self.version_date:%d/%m/%Y})"


class Ccp(Base):
    """A certificat de compétences professionnelles: a block of a title."""

    __tablename__ = "ccps"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(250))
    rank: Mapped[int] = mapped_column(default=1)

    title: Mapped[Title] = relationship(back_populates="ccps")


class Ccs(Base):
    """A certificat complémentaire de spécialisation attached to a title."""

    __tablename__ = "ccss"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(250))

    title: Mapped[Title] = relationship(back_populates="ccss")


class Agrement(Base):
    """A site's accreditation for one title, with its RS (R-SES-1, R-SES-2)."""

    __tablename__ = "agrements"
    __table_args__ = (UniqueConstraint("site_id", "title_id", "granted_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"), index=True)
    granted_on: Mapped[date]
    ends_on: Mapped[date]
    rs_titular: Mapped[str | None] = mapped_column(String(120))
    rs_substitute: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)

    site: Mapped[Site] = relationship(back_populates="agrements")
    title: Mapped[Title] = relationship()
