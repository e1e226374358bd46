"""Centres: registration from the company directory, modification, activation codes.

Rules: R-SITE-4 (registration from the directory, fields editable only
afterwards), R-SITE-6 (only the DREETS competent for the site's location
registers a centre for it), R-SITE-7 (activation code and letter), R-SITE-2
(SIRET checks), R-ACT-2 (scope).

Who may act on a centre (reading of R-SITE-6 / R-ACT-2, a centre has no zone of
its own): the national admin; a DREETS whose region holds one of the centre's
sites, or the centre's address, or that registered it. Any State service (UD,
DREETS, admin) and the support may *read* a centre's identification (CERES lets
a DREETS search every centre, e.g. to find a transfer target); a centre reads only
its own.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ceres_core.access import find_centre_by_siret, load_actor, require_role
from ceres_core.core import Core
from ceres_core.documents.activation_letter import ActivationLetter, render_activation_letter
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    ActivationCode,
    Centre,
    Departement,
    Profile,
    Region,
    Role,
    Site,
    User,
)
from ceres_core.services._operation import audit, operation, record_refusal
from ceres_core.siret import format_siret, is_reprise_siret, normalize_siret, siret_problem
from ceres_core.values import parse_ref
from ceres_core.zone import profile_zone

__all__ = [
    "ActivationCodeView",
    "ActivationResult",
    "CentreView",
    "EDITABLE_FIELDS",
    "activate_centre_account",
    "activation_letter_pdf",
    "centre_has_activation_code",
    "centre_is_registered",
    "get_centre",
    "issue_activation_code",
    "register_centre",
    "require_site_dreets",
    "update_centre",
]

#: Centre fields editable after creation ("modification", R-SITE-4), with max length.
EDITABLE_FIELDS: dict[str, int] = {
    "name": 200,
    "address": 250,
    "postal_code": 10,
    "commune": 120,
    "centre_type": 80,
    "network": 80,
}
_REQUIRED_FIELDS = frozenset({"name"})
_FIELD_LABELS = {
    "name": "raison sociale",
    "address": "adresse",
    "postal_code": "code postal",
    "commune": "commune",
    "centre_type": "type de centre",
    "network": "réseau",
}

#: Activation codes: 12 characters without look-alikes (no 0/O, 1/I/L), shown as XXXX-XXXX-XXXX.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
_hasher = PasswordHasher()


# --------------------------------------------------------------------------- views
@dataclass(frozen=True)
class CentreView:
    """A centre's identification block, as front ends show it."""

    id: int
    siret: str
    name: str
    address: str | None
    postal_code: str | None
    commune: str | None
    centre_type: str | None
    network: str | None
    is_reprise: bool
    created_at: datetime
    site_codes: tuple[str, ...]
    has_activation_code: bool
    activation_code_issued_at: datetime | None
    account_activated_at: datetime | None

    @property
    def label(self) -> str:
        """``"FORMAPRO PARIS (44201816400016)"``."""
        return f"{self.name} ({self.siret})"

    @property
    def siret_display(self) -> str:
        return format_siret(self.siret)

    @property
    def commune_line(self) -> str:
        """``"75011 - PARIS"`` as in CERES's identification block."""
        return " - ".join(p for p in (self.postal_code, self.commune) if p)


@dataclass(frozen=True)
class ActivationCodeView:
    """An activation code's record (never the code itself)."""

    centre_siret: str
    centre_name: str
    issued_at: datetime
    issued_by: str | None
    used_at: datetime | None


@dataclass(frozen=True)
class ActivationResult:
    """The outcome of :func:`activate_centre_account`."""

    centre_siret: str
    centre_name: str
    activated_at: datetime
    message: str


def centre_view(centre: Centre) -> CentreView:
    codes = list(centre.activation_codes)
    used = [c.used_at for c in codes if c.used_at is not None]
    return CentreView(
        id=centre.id,
        siret=centre.siret,
        name=centre.name,
        address=centre.address,
        postal_code=centre.postal_code,
        commune=centre.commune,
        centre_type=centre.centre_type,
        network=centre.network,
        is_reprise=centre.is_reprise,
        created_at=centre.created_at,
        site_codes=tuple(s.code for s in centre.sites),
        has_activation_code=bool(codes),
        activation_code_issued_at=codes[-1].issued_at if codes else None,
        account_activated_at=min(used) if used else None,
    )


# --------------------------------------------------------------------------- scope
def _region_of_site(db: Session, site: Site) -> Region:
    region = db.get(Region, site.departement.region_code)
    if region is None:  # pragma: no cover - FK guarantees it
        raise NotFound("Région du site introuvable.")
    return region


def _service_label(region: Region | None) -> str:
    return region.service_name if region is not None else "DREETS compétente"


def require_site_dreets(db: Session, user: User, site: Site, what: str) -> Profile:
    """The admin or DREETS profile competent for the site's *location*, or refuse (R-SITE-6).

    Competence follows where the site is, independently of the centre's address
    (002: "la DIRECCTE géographiquement compétente sur le site ... indépendamment
    de l'adresse du centre"). ``what`` completes "peut <what>" (e.g. "transférer ce site").
    """
    region_code = site.departement.region_code
    for profile in sorted(user.profiles, key=lambda p: p.role is not Role.ADMIN):
        if profile.role in (Role.ADMIN, Role.DREETS) and profile_zone(profile).covers_region(
            region_code
        ):
            return profile
    region = _region_of_site(db, site)
    raise RuleViolation(
        "R-SITE-6",
        f"Seule la {_service_label(region)}, compétente pour le lieu du site « {site.name} » "
        f"({site.departement_code}), peut {what}, indépendamment de l'adresse du centre.",
        actor=user.login,
        site=site.code,
    )


def _departement_of_postal_code(postal_code: str | None) -> str | None:
    """The département code of a French postal code (``"97400"`` → ``"974"``), or None."""
    code = (postal_code or "").strip()
    if not re.fullmatch(r"\d{5}", code):
        return None
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


def _centre_region_codes(db: Session, centre: Centre) -> set[str]:
    """Regions a DREETS can be competent for this centre from: its sites, the site it was
    registered for (R-SITE-6) and its address."""
    regions = {site.departement.region_code for site in centre.sites}
    if centre.registered_for_site is not None:
        regions.add(centre.registered_for_site.departement.region_code)
    dep_code = _departement_of_postal_code(centre.postal_code)
    if dep_code:
        dep = db.get(Departement, dep_code)
        if dep is not None:
            regions.add(dep.region_code)
    return regions


def _require_centre_authority(db: Session, user: User, centre: Centre, what: str) -> Profile:
    """Admin, or a DREETS competent for the centre (its sites, the site it was registered
    for, its address) (R-ACT-2, R-SITE-6)."""
    regions = _centre_region_codes(db, centre)
    dreets = [p for p in user.profiles if p.role is Role.DREETS]
    for profile in user.profiles:
        if profile.role not in (Role.ADMIN, Role.DREETS):
            continue
        zone = profile_zone(profile)
        if zone.national or any(zone.covers_region(r) for r in regions):
            return profile
    if not dreets:
        raise RuleViolation(
            "R-ACT-2",
            f"Votre profil ne permet pas de {what} : seule la DREETS compétente "
            "(ou l'administration nationale) le peut.",
            actor=user.login,
            centre=centre.siret,
        )
    raise RuleViolation(
        "R-ACT-2",
        f"Vous ne pouvez pas {what} : le centre « {centre.name} » n'a ni site ni adresse "
        "dans votre région.",
        actor=user.login,
        centre=centre.siret,
    )


def _require_centre_reader(user: User, centre: Centre) -> None:
    """State services and support read any centre; a centre reads only its own (R-ACT-2)."""
    for profile in user.profiles:
        if profile.role in (Role.ADMIN, Role.DREETS, Role.UD, Role.SUPPORT):
            return
        if profile.role is Role.CENTRE and profile.centre_id == centre.id:
            return
    raise RuleViolation(
        "R-ACT-2",
        f"Vous ne pouvez pas consulter le centre « {centre.name} » : il est hors de votre "
        "périmètre.",
        actor=user.login,
        centre=centre.siret,
    )


def _load_centre(db: Session, siret: str, *, lock: bool = False) -> Centre:
    """The centre with this SIRET (any spacing; reprise accepted), or a French refusal.

    ``lock`` takes a row lock (PostgreSQL) so that concurrent writers serialise.
    """
    digits = normalize_siret(siret, allow_reprise=True)
    query = select(Centre).where(Centre.siret == digits)
    centre = db.scalar(query.with_for_update() if lock else query)
    if centre is None:
        raise NotFound(f"Aucun centre enregistré dans CERES n'a le SIRET {digits}.")
    return centre


def _service_of(db: Session, profile: Profile) -> str:
    if profile.role is Role.DREETS and profile.region_code:
        region = db.get(Region, profile.region_code)
        if region is not None:
            return region.service_name
    return "DGEFP (administration nationale)"


def _clean_optional(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"Le champ « {_FIELD_LABELS[field]} » doit être un texte.")
    text = " ".join(value.split())
    if not text:
        return None
    limit = EDITABLE_FIELDS[field]
    if len(text) > limit:
        raise InvalidInput(
            f"Le champ « {_FIELD_LABELS[field]} » est trop long ({len(text)} caractères, "
            f"au plus {limit})."
        )
    return text


# --------------------------------------------------------------------------- registration
@operation("centre.register")
def register_centre(
    core: Core,
    actor: str,
    siret: str,
    *,
    centre_type: str | None = None,
    network: str | None = None,
    site_code: str | None = None,
) -> CentreView:
    """Register a centre in CERES from its SIRET (R-SITE-4, R-SITE-6).

    Name, address, postal code and commune come from the company directory and
    cannot be given here (they are editable afterwards with :func:`update_centre`).
    ``site_code`` names the site the centre is registered for (the misplaced site
    that will be transferred to it): only the DREETS competent for that site's
    location registers the centre (R-SITE-6, 002: "La DIRECCTE géographiquement
    compétente sur le site à transférer doit alors préalablement enregistrer le
    centre"); the national admin alone may register a centre without naming a
    site. The centre remembers that site: it makes that DREETS competent to modify
    the centre until the transfer. Returns the new centre's view.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        site: Site | None = None
        if site_code not in (None, ""):
            site_code = parse_ref(site_code, "le code du site", max_len=20)
            site = db.scalar(select(Site).where(Site.code == site_code))
            if site is None:
                raise NotFound(f"Le site « {site_code} » est introuvable.")
            require_site_dreets(db, user, site, "enregistrer un centre pour ce site")
        elif not any(p.role is Role.ADMIN for p in user.profiles):
            raise RuleViolation(
                "R-SITE-6",
                "Indiquez le site concerné (celui qui sera transféré vers ce centre) : seule la "
                "DREETS compétente pour le lieu de ce site peut enregistrer le centre dans "
                "CERES, indépendamment de l'adresse du centre.",
                actor=user.login,
            )
        if is_reprise_siret(siret):
            raise RuleViolation(
                "R-SITE-4",
                "Le SIRET 0000000000000 est celui du centre de reprise : il ne peut pas être "
                "enregistré comme un nouveau centre.",
            )
        digits = normalize_siret(siret)
        existing = find_centre_by_siret(db, digits)
        if existing is not None:
            hint = (
                " Vous pouvez transférer le site directement vers ce centre."
                if site is not None
                else ""
            )
            raise RuleViolation(
                "R-SITE-4",
                f"Le centre « {existing.name} » (SIRET {digits}) est déjà enregistré dans "
                f"CERES.{hint}",
                siret=digits,
            )
        ctype = _clean_optional(centre_type, "centre_type")
        net = _clean_optional(network, "network")
        record = core.directory.lookup(digits)
        if record is None:
            raise RuleViolation(
                "R-SITE-4",
                f"Le SIRET {digits} est introuvable dans le répertoire des entreprises : "
                "le centre ne peut pas être enregistré. Vérifiez le SIRET auprès du centre.",
                siret=digits,
            )
        centre = Centre(
            siret=digits,
            name=record.name,
            address=record.address or None,
            postal_code=record.postal_code or None,
            commune=record.commune or None,
            centre_type=ctype,
            network=net,
            is_reprise=False,
            created_at=core.clock.now(),
            created_by_id=user.id,
            registered_for_site_id=site.id if site is not None else None,
        )
        db.add(centre)
        try:
            db.flush()
        except IntegrityError:  # registered concurrently by someone else
            raise RuleViolation(
                "R-SITE-4",
                f"Le centre de SIRET {digits} vient d'être enregistré dans CERES par un autre "
                "agent.",
                siret=digits,
            ) from None
        audit(db, core, user, "centre.register", centre, siret=digits, name=centre.name,
              for_site=site.code if site else None)
        db.refresh(centre)
        return centre_view(centre)


@operation("centre.update")
def update_centre(core: Core, actor: str, siret: str, **fields: str | None) -> CentreView:
    """Modify a centre's identification ("modification", R-SITE-4).

    Editable: ``name``, ``address``, ``postal_code``, ``commune``, ``centre_type``,
    ``network`` (None or "" clears an optional field). Returns the updated view.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        centre = _load_centre(db, siret, lock=True)
        _require_centre_authority(db, user, centre, "modifier ce centre")
        if centre.is_reprise:
            raise RuleViolation(
                "R-SITE-4", "Le centre de reprise ne peut pas être modifié.", actor=user.login
            )
        unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
        if unknown:
            raise InvalidInput(
                f"Champ non modifiable : {', '.join(unknown)}. Champs modifiables : raison "
                "sociale (name), adresse (address), code postal (postal_code), commune "
                "(commune), type de centre (centre_type), réseau (network)."
            )
        if not fields:
            raise InvalidInput("Aucune modification demandée.")
        changes: dict[str, list[str | None]] = {}
        for field, raw in fields.items():
            value = _clean_optional(raw, field)
            if field in _REQUIRED_FIELDS and value is None:
                raise InvalidInput(f"Le champ « {_FIELD_LABELS[field]} » est obligatoire.")
            if field == "postal_code" and value is not None and not re.fullmatch(r"\d{5}", value):
                raise InvalidInput(
                    f"Le code postal « {value} » n'est pas valide : il doit comporter 5 chiffres."
                )
            old = getattr(centre, field)
            if old != value:
                changes[field] = [old, value]
                setattr(centre, field, value)
        if changes:
            audit(db, core, user, "centre.update", centre, siret=centre.siret, changes=changes)
        return centre_view(centre)


@operation("centre.get")
def get_centre(core: Core, actor: str, siret: str) -> CentreView:
    """A centre's identification block (R-ACT-2: a centre sees only its own)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        centre = _load_centre(db, siret)
        _require_centre_reader(user, centre)
        return centre_view(centre)


#: Who may ask whether a centre is registered / has its activation code: any linked
#: profile of a centre or of a State service (R-ACT-2: an unknown person may not).
CENTRE_LOOKUP_ROLES = (Role.CENTRE, Role.UD, Role.DREETS, Role.ADMIN)


def _lookup_actor(db: Session, actor: str | None, what: str) -> User:
    if not actor:
        raise RuleViolation(
            "R-ACT-2",
            f"Reliez d'abord votre compte CERES pour {what}.",
        )
    user = load_actor(db, actor)
    require_role(user, CENTRE_LOOKUP_ROLES, what)
    return user


@operation("centre.is_registered")
def centre_is_registered(core: Core, actor: str | None, siret: str) -> bool:
    """Whether a centre with this SIRET exists in CERES (the bot's R-SITE-3 check).

    Asked by a linked centre or State profile (R-ACT-2); it only answers yes/no. A
    malformed SIRET is simply not registered.
    """
    with core.transaction() as db:
        _lookup_actor(db, actor, "vérifier si un centre est enregistré dans CERES")
        if siret_problem(siret, allow_reprise=True) is not None:
            return False
        digits = normalize_siret(siret, allow_reprise=True)
        return find_centre_by_siret(db, digits) is not None


@operation("centre.has_activation_code")
def centre_has_activation_code(core: Core, actor: str | None, siret: str) -> bool:
    """Whether the centre already received an activation code (the bot's R-SITE-7 check).

    Asked by a linked centre or State profile (R-ACT-2).
    """
    with core.transaction() as db:
        _lookup_actor(db, actor, "vérifier si un centre a reçu son code d'activation")
        if siret_problem(siret) is not None:
            return False
        centre = find_centre_by_siret(db, normalize_siret(siret))
        return centre is not None and bool(centre.activation_codes)


# --------------------------------------------------------------------------- activation codes
def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, CODE_LENGTH, 4))


def _canonical_code(code: str) -> str:
    """What is hashed and compared: upper case, without spaces or dashes."""
    return re.sub(r"[\s\-]+", "", str(code or "")).upper()


def _check_can_get_code(centre: Centre) -> None:
    if centre.is_reprise:
        raise RuleViolation(
            "R-SITE-7", "Le centre de reprise n'a pas de code d'activation.", centre=centre.siret
        )
    if centre.activation_codes:
        first = centre.activation_codes[0]
        raise RuleViolation(
            "R-SITE-7",
            f"Le centre « {centre.name} » a déjà reçu un code d'activation (émis le "
            f"{first.issued_at:%d/%m/%Y}) : il suffit de l'avertir que le transfert est "
            "effectué.",
            centre=centre.siret,
        )


def _issue(db: Session, core: Core, user: User, centre: Centre) -> tuple[ActivationCode, str]:
    code = _new_code()
    record = ActivationCode(
        centre_id=centre.id,
        code_hash=_hasher.hash(_canonical_code(code)),
        issued_at=core.clock.now(),
        issued_by_id=user.id,
    )
    db.add(record)
    db.flush()
    db.refresh(centre)
    return record, code


def _code_view(record: ActivationCode, centre: Centre, user: User | None) -> ActivationCodeView:
    return ActivationCodeView(
        centre_siret=centre.siret,
        centre_name=centre.name,
        issued_at=record.issued_at,
        issued_by=user.login if user else None,
        used_at=record.used_at,
    )


@operation("centre.activation_code")
def issue_activation_code(core: Core, actor: str, siret: str) -> tuple[ActivationCodeView, str]:
    """Generate the centre's activation code (R-SITE-7); returns (view, plain code).

    The plain code is returned once and stored only as an argon2 hash. Refused if
    the centre already had a code: it only needs to be told the transfer is done.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        centre = _load_centre(db, siret, lock=True)
        _require_centre_authority(db, user, centre, "éditer le code d'activation de ce centre")
        _check_can_get_code(centre)
        record, code = _issue(db, core, user, centre)
        audit(db, core, user, "centre.activation_code", centre, siret=centre.siret)
        return _code_view(record, centre, user), code


@operation("centre.activation_letter")
def activation_letter_pdf(core: Core, actor: str, siret: str) -> bytes:
    """The "courrier d'activation" (PDF bytes) with a newly generated code (R-SITE-7).

    The code is generated if the centre never had one; if it already had one the
    letter is refused (the centre only needs to be told the transfer is done).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        centre = _load_centre(db, siret, lock=True)
        profile = _require_centre_authority(
            db, user, centre, "éditer le courrier d'activation de ce centre"
        )
        _check_can_get_code(centre)
        record, code = _issue(db, core, user, centre)
        letter = ActivationLetter(
            centre_name=centre.name,
            siret=centre.siret,
            address=centre.address,
            postal_code=centre.postal_code,
            commune=centre.commune,
            code=code,
            issued_on=core.clock.today(),
            service_name=_service_of(db, profile),
            signatory=user.display_name,
            site_names=tuple(s.name for s in centre.sites),
        )
        pdf = render_activation_letter(letter)
        audit(db, core, user, "centre.activation_letter", centre, siret=centre.siret)
        return pdf


def activate_centre_account(core: Core, siret: str, code: str) -> ActivationResult:
    """Check a centre's activation code and mark it used (works once, R-SITE-7).

    No actor: the centre's staff are not yet users. Refusals are logged.
    """
    try:
        return _activate(core, siret, code)
    except RuleViolation as exc:
        record_refusal(core, None, "centre.activate", exc)
        raise


def _activate(core: Core, siret: str, code: str) -> ActivationResult:
    digits = normalize_siret(siret)
    canonical = _canonical_code(code)
    if not canonical:
        raise InvalidInput("Saisissez le code d'activation reçu par courrier.")
    with core.transaction() as db:
        centre = find_centre_by_siret(db, digits)
        if centre is None:
            raise NotFound(f"Aucun centre enregistré dans CERES n'a le SIRET {digits}.")
        matched: ActivationCode | None = None
        records = db.scalars(
            select(ActivationCode)
            .where(ActivationCode.centre_id == centre.id)
            .order_by(ActivationCode.id)
            .with_for_update()
        ).all()
        for record in records:
            try:
                if _hasher.verify(record.code_hash, canonical):
                    matched = record
                    break
            except (VerifyMismatchError, VerificationError, InvalidHashError):
                continue
        if matched is None:
            raise RuleViolation(
                "R-SITE-7",
                f"Le code d'activation saisi est incorrect pour le centre « {centre.name} ». "
                "Vérifiez-le sur le courrier d'activation.",
                siret=digits,
            )
        if matched.used_at is not None:
            raise RuleViolation(
                "R-SITE-7",
                f"Ce code d'activation a déjà été utilisé le {matched.used_at:%d/%m/%Y} : le "
                f"compte du centre « {centre.name} » est déjà ouvert.",
                siret=digits,
            )
        now = core.clock.now()
        matched.used_at = now
        audit(db, core, None, "centre.activate", centre, siret=digits)
        return ActivationResult(
            centre_siret=centre.siret,
            centre_name=centre.name,
            activated_at=now,
            message=f"Le compte du centre « {centre.name} » est activé.",
        )
