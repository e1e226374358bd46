"""Sites: reading, transfer to another centre, history, sites on the centre de reprise.

Rules: R-SITE-1 (a site belongs to one centre; agréments and sessions follow it),
R-SITE-2 (target SIRET valid, never the centre de reprise), R-SITE-3 (target must
be registered in CERES), R-SITE-5 (explicit confirmation; one transaction;
history), R-SITE-6 (only the DREETS competent for the site's location), R-SITE-7
(does the target centre need an activation letter?), R-ACT-2 (scope).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ceres_core.access import (
    SITE_ROLES,
    find_centre_by_siret,
    load_actor,
    profile_covers_site,
    require_site,
)
from ceres_core.core import Core
from ceres_core.errors import NotFound, RuleViolation
from ceres_core.models import (
    Agrement,
    Centre,
    Departement,
    ExamSession,
    Region,
    Role,
    Site,
    SiteTransfer,
    User,
)
from ceres_core.names import fold
from ceres_core.services._operation import audit, operation
from ceres_core.services.centres import require_site_dreets
from ceres_core.siret import REPRISE_LABEL, normalize_siret
from ceres_core.values import plural

__all__ = [
    "CentreRef",
    "SiteTransferView",
    "SiteView",
    "TransferView",
    "UNREGISTERED_TARGET_MESSAGE",
    "can_transfer_site",
    "find_sites",
    "get_site",
    "list_sites_on_reprise",
    "site_history",
    "transfer_site",
]

#: R-SITE-3: CERES's own words when the target SIRET is not a registered centre.
UNREGISTERED_TARGET_MESSAGE = "Le siret saisi ne correspond pas à un centre enregistré dans CERES"


# --------------------------------------------------------------------------- views
@dataclass(frozen=True)
class CentreRef:
    """A centre as named in site screens."""

    siret: str
    name: str
    is_reprise: bool

    @property
    def label(self) -> str:
        """« Formapro (442 018 164 00016) »; the centre de reprise is named, never shown by
        its pseudo-SIRET « 0000000000000 » (R-SITE-2)."""
        if self.is_reprise:
            return self.name if "reprise" in self.name.lower() else f"{self.name} ({REPRISE_LABEL})"
        return f"{self.name} ({self.siret})"


@dataclass(frozen=True)
class SiteView:
    id: int
    code: str
    name: str
    address: str | None
    postal_code: str | None
    commune: str | None
    departement_code: str
    departement_name: str
    region_code: str
    #: The regional service competent for the site ("DREETS Bretagne"), R-SITE-6.
    competent_service: str
    centre: CentreRef
    agrements_count: int
    sessions_count: int

    @property
    def on_reprise(self) -> bool:
        return self.centre.is_reprise


@dataclass(frozen=True)
class TransferView:
    """A transfer: a preview (``confirmed`` False, nothing changed) or the result.

    ``confirmation_question`` is the question to ask before confirming (R-SITE-5).
    After confirmation, ``transfer_id``/``at`` are set and ``agrements_moved`` /
    ``sessions_moved`` count what moved with the site. ``target_needs_activation_letter``
    (R-SITE-7) says whether the target centre never received an activation code;
    ``next_step`` says in French what to do next.
    """

    confirmed: bool
    site_code: str
    site_name: str
    from_centre: CentreRef
    to_centre: CentreRef
    agrements_moved: int
    sessions_moved: int
    session_refs: tuple[str, ...]
    confirmation_question: str
    target_needs_activation_letter: bool
    next_step: str
    transfer_id: int | None = None
    at: datetime | None = None
    by: str | None = None


@dataclass(frozen=True)
class SiteTransferView:
    """One line of a site's history (who, when, from, to)."""

    id: int
    at: datetime
    by_login: str
    by_name: str
    from_centre: CentreRef
    to_centre: CentreRef
    agrements_moved: int
    sessions_moved: int

    @property
    def summary(self) -> str:
        return (
            f"Le {self.at:%d/%m/%Y à %H:%M}, {self.by_name} a transféré le site du centre "
            f"« {self.from_centre.name} » vers le centre « {self.to_centre.name} »."
        )


def _ref(centre: Centre) -> CentreRef:
    return CentreRef(siret=centre.siret, name=centre.name, is_reprise=centre.is_reprise)


def _count(db: Session, model: type[Agrement] | type[ExamSession], site_id: int) -> int:
    return db.scalar(select(func.count()).select_from(model).where(model.site_id == site_id)) or 0


def _site_view(db: Session, site: Site) -> SiteView:
    region = db.get(Region, site.departement.region_code)
    return SiteView(
        id=site.id,
        code=site.code,
        name=site.name,
        address=site.address,
        postal_code=site.postal_code,
        commune=site.commune,
        departement_code=site.departement_code,
        departement_name=site.departement.name,
        region_code=site.departement.region_code,
        competent_service=region.service_name if region else "",
        centre=_ref(site.centre),
        agrements_count=_count(db, Agrement, site.id),
        sessions_count=_count(db, ExamSession, site.id),
    )


def _load_site(db: Session, site_code: str, *, lock: bool = False) -> Site:
    code = (site_code or "").strip()
    query = select(Site).where(Site.code == code)
    site = db.scalar(query.with_for_update() if lock else query)
    if site is None:
        raise NotFound(f"Le site « {code} » est introuvable.")
    return site


def _activation_next_step(centre: Centre) -> tuple[bool, str]:
    if centre.activation_codes:
        return False, (
            f"Le centre « {centre.name} » a déjà un code d'activation : il suffit de l'avertir "
            "que le transfert est effectué."
        )
    return True, (
        f"Le centre « {centre.name} » n'a jamais reçu de code d'activation : éditez son "
        "courrier d'activation depuis la page du centre."
    )


# --------------------------------------------------------------------------- operations
@operation("site.get")
def get_site(core: Core, actor: str, site_code: str) -> SiteView:
    """A site with its centre and the counts of its agréments and sessions (R-ACT-2)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        site = _load_site(db, site_code)
        require_site(user, site, SITE_ROLES, "consulter ce site")
        return _site_view(db, site)


def find_sites(core: Core, actor: str, text: str, *, limit: int = 12) -> tuple[SiteView, ...]:
    """Sites of the actor's scope (R-ACT-2) whose code or name matches ``text``.

    The code is compared whatever its case (``s-930002``); the name ignores case,
    accents and punctuation, and matches when every word typed is in it
    ("metiers paysage montreuil"). An exact code or an exact name comes alone.
    """
    wanted = fold(text)
    if not wanted:
        return ()
    with core.transaction() as db:
        user = load_actor(db, actor)
        profiles = [p for p in user.profiles if p.role in SITE_ROLES]
        if not profiles:
            raise RuleViolation(
                "R-ACT-2", "Votre profil ne permet pas de consulter les sites.", actor=user.login
            )
        code = (text or "").strip().upper()
        query = select(Site).options(selectinload(Site.departement), selectinload(Site.centre))
        visible = [
            site for site in db.scalars(query.order_by(Site.name, Site.code))
            if any(profile_covers_site(p, site) for p in profiles)
        ]
        exact = [s for s in visible if s.code.upper() == code or fold(s.name) == wanted]
        if exact:
            return tuple(_site_view(db, s) for s in exact[:limit])
        words = wanted.split()
        hits = [
            s for s in visible
            if all(w in fold(f"{s.name} {s.code} {s.commune or ''}").split() for w in words)
            or wanted in fold(s.code)
        ]
        return tuple(_site_view(db, s) for s in hits[:limit])


def can_transfer_site(core: Core, actor: str, site_code: str) -> bool:
    """Whether ``actor`` is competent to transfer this site (R-SITE-6), as a yes/no.

    The same check as :func:`transfer_site` (:func:`require_site_dreets`), for front
    ends that ask before offering the transfer. An unknown site raises ``NotFound``.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        site = _load_site(db, site_code)
        try:
            require_site_dreets(db, user, site, "transférer ce site")
        except RuleViolation:
            return False
        return True


@operation("site.transfer")
def transfer_site(
    core: Core, actor: str, site_code: str, target_siret: str, *, confirm: bool = False
) -> TransferView:
    """Transfer a site, with its agréments and sessions, to the centre of ``target_siret``.

    Without ``confirm`` nothing changes: the preview carries the question to ask
    ("Êtes-vous sûr de vouloir transférer le site vers le centre X ?", R-SITE-5).
    With ``confirm=True`` the site moves in one transaction and the transfer is
    recorded in the site's history. Only the DREETS competent for the site's
    location may do it (R-SITE-6); the target must be a valid SIRET (R-SITE-2) of
    a centre registered in CERES (R-SITE-3).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        site = _load_site(db, site_code, lock=confirm)
        require_site_dreets(db, user, site, "transférer ce site")
        digits = normalize_siret(target_siret, rule="R-SITE-2")
        target = find_centre_by_siret(db, digits)
        if target is None:
            region = db.get(Region, site.departement.region_code)
            service = region.service_name if region else "DREETS"
            raise RuleViolation(
                "R-SITE-3",
                f"{UNREGISTERED_TARGET_MESSAGE}. La {service}, compétente pour le lieu du "
                f"site « {site.name} », doit d'abord enregistrer le centre (SIRET {digits}) "
                "dans CERES, puis transférer le site",
                siret=digits,
                site=site.code,
            )
        if target.is_reprise:
            raise RuleViolation(
                "R-SITE-2",
                "Le centre de reprise ne peut pas être la cible d'un transfert.",
                site=site.code,
            )
        source = site.centre
        if target.id == source.id:
            raise RuleViolation(
                "R-SITE-1",
                f"Le site « {site.name} » est déjà rattaché au centre « {target.name} ».",
                site=site.code,
            )
        agrements = _count(db, Agrement, site.id)
        session_refs = tuple(
            db.scalars(
                select(ExamSession.ref)
                .where(ExamSession.site_id == site.id)
                .order_by(ExamSession.start_date, ExamSession.ref)
            )
        )
        needs_letter, next_step = _activation_next_step(target)
        question = f"Êtes-vous sûr de vouloir transférer le site vers le centre {target.name} ?"
        common = dict(
            site_code=site.code,
            site_name=site.name,
            from_centre=_ref(source),
            to_centre=_ref(target),
            agrements_moved=agrements,
            sessions_moved=len(session_refs),
            session_refs=session_refs,
            confirmation_question=question,
            target_needs_activation_letter=needs_letter,
        )
        if not confirm:
            return TransferView(
                confirmed=False,
                next_step=(
                    f"Confirmez le transfert du site « {site.name} » avec "
                    f"{plural(agrements, 'agrément')} et {plural(len(session_refs), 'session')} "
                    f"vers le centre "
                    f"« {target.name} »."
                ),
                **common,
            )
        now = core.clock.now()
        # R-SITE-1: agréments and sessions hang off the site, so they follow it.
        site.centre_id = target.id
        record = SiteTransfer(
            site_id=site.id,
            from_centre_id=source.id,
            to_centre_id=target.id,
            by_user_id=user.id,
            at=now,
            agrements_moved=agrements,
            sessions_moved=len(session_refs),
        )
        db.add(record)
        db.flush()
        audit(
            db, core, user, "site.transfer", site,
            site=site.code, from_siret=source.siret, to_siret=target.siret,
            agrements_moved=agrements, sessions_moved=len(session_refs),
            sessions=list(session_refs),
        )
        return TransferView(
            confirmed=True,
            next_step=(
                f"Le site « {site.name} » est transféré vers le centre « {target.name} » avec "
                f"{plural(agrements, 'agrément')} et {plural(len(session_refs), 'session')}. "
                f"{next_step}"
            ),
            transfer_id=record.id,
            at=now,
            by=user.login,
            **common,
        )


@operation("site.history")
def site_history(core: Core, actor: str, site_code: str) -> tuple[SiteTransferView, ...]:
    """The site's transfers, oldest first (R-SITE-5)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        site = _load_site(db, site_code)
        require_site(user, site, SITE_ROLES, "consulter l'historique de ce site")
        rows = db.scalars(
            select(SiteTransfer)
            .where(SiteTransfer.site_id == site.id)
            .order_by(SiteTransfer.at, SiteTransfer.id)
            .options(
                selectinload(SiteTransfer.from_centre),
                selectinload(SiteTransfer.to_centre),
            )
        ).all()
        users = {u.id: u for u in db.scalars(
            select(User).where(User.id.in_({r.by_user_id for r in rows}))
        )} if rows else {}
        return tuple(
            SiteTransferView(
                id=r.id,
                at=r.at,
                by_login=users[r.by_user_id].login,
                by_name=users[r.by_user_id].display_name,
                from_centre=_ref(r.from_centre),
                to_centre=_ref(r.to_centre),
                agrements_moved=r.agrements_moved,
                sessions_moved=r.sessions_moved,
            )
            for r in rows
        )


@operation("site.list_reprise")
def list_sites_on_reprise(core: Core, actor: str) -> tuple[SiteView, ...]:
    """Sites of the actor's zone still attached to the centre de reprise (002, case 1).

    A DREETS sees its region, a UD its département, the admin everything; a
    centre is refused (R-ACT-2).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        zones = [p for p in user.profiles if p.role in (Role.ADMIN, Role.DREETS, Role.UD)]
        if not zones:
            raise RuleViolation(
                "R-ACT-2",
                "Votre profil ne permet pas de consulter les sites rattachés au centre de "
                "reprise.",
                actor=user.login,
            )
        query = (
            select(Site)
            .join(Centre, Site.centre_id == Centre.id)
            .join(Departement, Site.departement_code == Departement.code)
            .where(Centre.is_reprise.is_(True))
            .order_by(Site.departement_code, Site.name, Site.code)
        )
        if not any(p.role is Role.ADMIN for p in zones):
            regions = {p.region_code for p in zones if p.role is Role.DREETS and p.region_code}
            deps = {p.departement_code for p in zones if p.role is Role.UD and p.departement_code}
            query = query.where(
                Departement.region_code.in_(regions) | Site.departement_code.in_(deps)
            )
        return tuple(_site_view(db, site) for site in db.scalars(query))
