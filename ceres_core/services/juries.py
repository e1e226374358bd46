"""Jurors and their habilitations (R-JUR-1 to R-JUR-5).

Who does what (source 004, release 1.7.1):

* a centre, a UD/DDETS/DEETS, a DREETS or the national admin creates a juror
  (:func:`create_juror`); a juror created by a centre is attached to that centre;
* the UD and DREETS ("Profils DIRECCTE et UD") habilitate jurors
  (:func:`add_habilitation`, always as *brouillon*) and act on habilitations
  (:func:`habilitation_action`, the R-JUR-1 table of
  :mod:`ceres_core.habilitation_states`), for jurors of their region; the admin
  everywhere;
* a centre puts a juror on one of its sessions (:func:`add_juror_to_session`) and
  exports its jurors (:func:`export_jurors_csv`, R-JUR-5).

Readings (documented here, constants below):

* **Juror's region**: ``Juror.region_code``; when it is empty, the regions of the
  sites of the centres the juror is attached to. A UD covers the region of its
  département.
* **R-JUR-2 "registered in a session"**: the juror sits on a session that is not
  cancelled (:data:`SESSION_STATES_BLOCKING_DELETION`: any state but *annulée*, since
  the habilitation is the trace of a past jury too). "Awaiting validation" is the
  state *en attente de validation* (:data:`SESSION_STATES_BLOCKING_INACTIVATION`).
* **R-JUR-3** a CCS habilitation needs, on a CCP of the same title, an habilitation
  that is *active* or *suspendue* (granted and not expired; a draft is not granted
  yet) — :data:`CCP_STATES_FOR_CCS`. An habilitation on the whole title counts as one
  on each of its CCPs. Checked when the CCS habilitation is created and again when
  it is validated.
* **R-JUR-4** applies, as 004 says, to an habilitation on the title (TP), not to one
  on a CCP or a CCS: the juror's last *known* practice (``last_practice_on``) must be
  at most ``core.rules.juror_max_years_out`` years before the habilitation start date
  (exactly 5 years is allowed); when the date is unknown the habilitation goes
  through with a warning asking for it (:func:`ceres_core.rules.juror_practice`).
* **Seat on a session**: the juror needs an *active* habilitation whose period
  covers the session's start date: on the whole title for a TP session; on the CCP or
  the whole title for a CCP session; on that CCS for a CCS session (R-JUR-3).
* **Expiry**: the state stored in the database is the truth (the *expirée* state is
  set when the habilitation or its title reaches its end; no date is re-derived here).
* **CSV** (R-JUR-5): ``;`` separator and UTF-8 with a byte-order mark, which is what
  Excel in French expects to open the file directly with accents intact; CRLF line
  ends; French header. Cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR are
  prefixed with ``'`` so that Excel never runs them as formulas (an international
  phone number therefore reads ``'+262 ...``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ceres_core import habilitation_states as hs
from ceres_core import rules as domain_rules
from ceres_core.access import centre_ids_of, get_or_404, load_actor, require_role, require_site
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.habilitation_states import (
    ACTION_DONE,
    ACTION_LABELS,
    TITLE_STATUS_LABELS,
    Action,
    TitleStatus,
)
from ceres_core.models import (
    HABILITATION_STATE_LABELS,
    Ccp,
    Ccs,
    Centre,
    Departement,
    ExamSession,
    Habilitation,
    HabilitationState,
    Juror,
    JuryMember,
    Profile,
    Region,
    Role,
    SessionKind,
    SessionState,
    Site,
    Title,
    User,
    centre_jurors,
)
from ceres_core.services._operation import audit, operation
from ceres_core.services.sessions import CENTRE_ROLES, load_session
from ceres_core.values import parse_date, parse_int, parse_ref
from ceres_core.zone import profile_zone

#: R-JUR-2 (reading): sessions on which a seat forbids deleting the juror's habilitations.
SESSION_STATES_BLOCKING_DELETION: frozenset[SessionState] = frozenset(SessionState) - {
    SessionState.ANNULEE
}
#: R-JUR-2: sessions on which a seat forbids inactivating the juror.
SESSION_STATES_BLOCKING_INACTIVATION: frozenset[SessionState] = frozenset(
    {SessionState.EN_ATTENTE_VALIDATION}
)
#: R-JUR-3 (reading): states of a CCP (or whole-title) habilitation that allow a CCS one.
CCP_STATES_FOR_CCS: frozenset[HabilitationState] = frozenset(
    {HabilitationState.ACTIVE, HabilitationState.SUSPENDUE}
)
#: Sessions that no longer take jurors (R-SES-4).
SESSION_STATES_CLOSED_TO_JURORS: frozenset[SessionState] = frozenset(
    {SessionState.VALIDEE, SessionState.ANNULEE}
)

STATE_ROLES = (Role.UD, Role.DREETS, Role.ADMIN)

CSV_HEADER = (
    "Civilité",
    "Nom",
    "Prénom",
    "Téléphone professionnel",
    "Téléphone personnel",
    "Adresse postale",
    "Courriel",
    "Habilitations",
)

# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class JurorView:
    id: int
    civility: str
    last_name: str
    first_name: str
    full_name: str
    email: str | None
    phone_pro: str | None
    phone_perso: str | None
    address: str | None
    postal_code: str | None
    city: str | None
    occupation: str | None
    last_practice_on: date | None
    region_code: str | None
    centre_sirets: tuple[str, ...]


@dataclass(frozen=True)
class HabilitationView:
    id: int
    juror_id: int
    juror_name: str
    #: "TP", "CCP" or "CCS": what the habilitation is on.
    kind: str
    title_code: str
    title_label: str
    ccp_code: str | None
    ccs_code: str | None
    #: "TP-00463 Ouvrier du paysage", "CCP-00463-1 Réaliser ...", "CCS-00463-1 ...".
    subject_label: str
    state: str
    state_label: str
    starts_on: date
    ends_on: date | None
    title_status: str
    title_status_label: str
    #: What the viewer may do now (empty for a centre), e.g. ("valider", "supprimer").
    allowed_actions: tuple[str, ...]
    allowed_action_labels: tuple[str, ...]
    #: Warnings of the operation that returned the view (R-JUR-4: unknown practice date).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class HabilitationActionResult:
    habilitation_id: int
    action: str
    previous_state: str
    previous_state_label: str
    #: ``None`` when the habilitation was deleted.
    new_state: str | None
    new_state_label: str
    #: The confirmation to show the agent (004: "Vous serez averti par un message...").
    message: str
    #: The habilitation after the action; ``None`` when it was deleted.
    habilitation: HabilitationView | None


@dataclass(frozen=True)
class JuryMemberView:
    session_ref: str
    juror_id: int
    juror_name: str
    habilitation_id: int
    habilitation_label: str
    added_at: datetime
    message: str


# --------------------------------------------------------------------------- input


_EMAIL = re.compile(r"^[^@\s;,<>]+@[^@\s;,<>]+\.[A-Za-z]{2,}$")
_POSTAL = re.compile(r"^\d{5}$")
_CIVILITIES = {
    "m": "M.",
    "m.": "M.",
    "monsieur": "M.",
    "mme": "Mme",
    "mme.": "Mme",
    "madame": "Mme",
}
_TEXT_FIELDS = {
    "last_name": ("le nom", 120),
    "first_name": ("le prénom", 120),
    "address": ("l'adresse", 250),
    "city": ("la commune", 120),
    "occupation": ("l'emploi occupé", 200),
}
JUROR_FIELDS = frozenset(
    {
        "civility",
        "last_name",
        "first_name",
        "email",
        "phone_pro",
        "phone_perso",
        "address",
        "postal_code",
        "city",
        "occupation",
        "last_practice_on",
        "region_code",
    }
)


def _optional_text(value: object, label: str, max_len: int) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    if not text:
        return None
    if len(text) > max_len:
        raise InvalidInput(f"Le champ {label} est trop long ({max_len} caractères au plus).")
    return text


def _phone(value: object, label: str) -> str | None:
    text = _optional_text(value, label, 30)
    if text is None:
        return None
    digits = re.sub(r"[ .\-()]", "", text)
    national = re.fullmatch(r"0\d{9}", digits)
    international = re.fullmatch(r"\+\d{8,15}", digits)
    if not (national or international):
        raise InvalidInput(
            f"Le numéro de {label} « {text} » n'est pas valide : saisissez 10 chiffres "
            "(ex. 01 23 45 67 89) ou un numéro international (ex. +262 262 12 34 56)."
        )
    return text


def _clean_juror_fields(fields: dict[str, object], today: date) -> dict[str, object]:
    unknown = sorted(set(fields) - JUROR_FIELDS)
    if unknown:
        raise InvalidInput(f"Champ inconnu pour un juré : {', '.join(unknown)}.")
    out: dict[str, object] = {}
    civility = str(fields.get("civility") or "").strip()
    if civility.lower() not in _CIVILITIES:
        raise InvalidInput(f"La civilité « {civility} » n'est pas valide : indiquez « M. » ou « Mme ».")
    out["civility"] = _CIVILITIES[civility.lower()]
    for name, (label, max_len) in _TEXT_FIELDS.items():
        out[name] = _optional_text(fields.get(name), label, max_len)
    for name in ("last_name", "first_name"):
        if not out[name]:
            raise InvalidInput(f"Le champ {_TEXT_FIELDS[name][0]} du juré est obligatoire.")
    email = _optional_text(fields.get("email"), "courriel", 254)
    if email is not None and not _EMAIL.match(email):
        raise InvalidInput(f"L'adresse de courriel « {email} » n'est pas valide.")
    out["email"] = email
    out["phone_pro"] = _phone(fields.get("phone_pro"), "téléphone professionnel")
    out["phone_perso"] = _phone(fields.get("phone_perso"), "téléphone personnel")
    postal = _optional_text(fields.get("postal_code"), "code postal", 10)
    if postal is not None and not _POSTAL.match(postal):
        raise InvalidInput(f"Le code postal « {postal} » n'est pas valide : 5 chiffres attendus.")
    out["postal_code"] = postal
    practice = fields.get("last_practice_on")
    if practice is not None and practice != "":
        when = parse_date(practice, "La date de dernière pratique du métier")
        if when > today:
            raise InvalidInput(
                f"La date de dernière pratique du métier ({when:%d/%m/%Y}) ne peut pas "
                "être dans le futur."
            )
        out["last_practice_on"] = when
    else:
        out["last_practice_on"] = None
    return out


# --------------------------------------------------------------------------- scope


def _profile_region(db: Session, profile: Profile) -> str | None:
    if profile.role is Role.DREETS:
        return profile.region_code
    if profile.role is Role.UD and profile.departement_code:
        dep = db.get(Departement, profile.departement_code)
        return dep.region_code if dep else None
    return None


def _juror_regions(juror: Juror) -> set[str]:
    if juror.region_code:
        return {juror.region_code}
    return {site.departement.region_code for centre in juror.centres for site in centre.sites}


def _region_names(db: Session, codes: Iterable[str]) -> str:
    names = []
    for code in sorted(codes):
        region = db.get(Region, code)
        names.append(region.name if region else code)
    return ", ".join(names)


def state_authority(db: Session, user: User, juror: Juror) -> Profile | None:
    """The UD/DREETS/admin profile of ``user`` competent for ``juror``, if any."""
    regions = _juror_regions(juror)
    for profile in user.profiles:
        if profile.role not in STATE_ROLES:
            continue
        zone = profile_zone(profile)  # R-ACT-2; a UD reaches its région's jurors
        if zone.national or any(zone.covers_region(r, ud_reaches_region=True) for r in regions):
            return profile
    return None


def _require_state_authority(db: Session, user: User, juror: Juror, what: str) -> Profile:
    """R-ACT-2 for habilitations: a UD/DREETS of the juror's region, or the admin."""
    profile = state_authority(db, user, juror)
    if profile is not None:
        return profile
    if not any(p.role in STATE_ROLES for p in user.profiles):
        raise RuleViolation("R-ACT-2", f"Votre profil ne permet pas de {what}.", actor=user.login)
    regions = _juror_regions(juror)
    where = (
        f"relève de la région {_region_names(db, regions)}"
        if regions
        else "n'a pas de région de rattachement"
    )
    raise RuleViolation(
        "R-ACT-2",
        f"Vous ne pouvez pas {what} : {juror.full_name} {where}, hors de votre périmètre.",
        actor=user.login,
        juror=juror.id,
    )


def _centres_of_juror(db: Session, juror: Juror) -> set[int]:
    """Centres the juror is attached to or sits on a session of (R-JUR-5)."""
    attached = {c.id for c in juror.centres}
    seated = db.scalars(
        select(Site.centre_id)
        .join(ExamSession, ExamSession.site_id == Site.id)
        .join(JuryMember, JuryMember.session_id == ExamSession.id)
        .where(JuryMember.juror_id == juror.id)
    ).all()
    return attached | set(seated)


# --------------------------------------------------------------------------- helpers


def _title_status(title: Title, today: date) -> TitleStatus:
    return hs.title_status(title.valid_until, title.extension_until, today)


def _subject(hab: Habilitation) -> tuple[str, str]:
    if hab.ccs is not None:
        return "CCS", f"{hab.ccs.code} {hab.ccs.label}"
    if hab.ccp is not None:
        return "CCP", f"{hab.ccp.code} {hab.ccp.label}"
    return "TP", f"{hab.title.code} {hab.title.label}"


def _sessions_of(db: Session, juror_id: int, states: Iterable[SessionState]) -> list[str]:
    return list(
        db.scalars(
            select(ExamSession.ref)
            .join(JuryMember, JuryMember.session_id == ExamSession.id)
            .where(JuryMember.juror_id == juror_id, ExamSession.state.in_(list(states)))
            .order_by(ExamSession.start_date, ExamSession.ref)
        )
    )


def _guards(db: Session, juror_id: int) -> tuple[list[str], list[str]]:
    """Sessions blocking deletion, and sessions blocking inactivation (R-JUR-2)."""
    return (
        _sessions_of(db, juror_id, SESSION_STATES_BLOCKING_DELETION),
        _sessions_of(db, juror_id, SESSION_STATES_BLOCKING_INACTIVATION),
    )


def _view(
    db: Session, hab: Habilitation, today: date, can_act: bool,
    guards: tuple[list[str], list[str]] | None = None,
) -> HabilitationView:
    kind, subject = _subject(hab)
    status = _title_status(hab.title, today)
    actions: list[Action] = []
    if can_act:
        in_session, awaiting = guards if guards is not None else _guards(db, hab.juror_id)
        actions = hs.allowed_actions(hab.state, status, bool(in_session), bool(awaiting))
    return HabilitationView(
        id=hab.id,
        juror_id=hab.juror_id,
        juror_name=hab.juror.full_name,
        kind=kind,
        title_code=hab.title.code,
        title_label=hab.title.full_label,
        ccp_code=hab.ccp.code if hab.ccp else None,
        ccs_code=hab.ccs.code if hab.ccs else None,
        subject_label=subject,
        state=hab.state.value,
        state_label=HABILITATION_STATE_LABELS[hab.state],
        starts_on=hab.starts_on,
        ends_on=hab.ends_on,
        title_status=status.value,
        title_status_label=TITLE_STATUS_LABELS[status],
        allowed_actions=tuple(a.value for a in actions),
        allowed_action_labels=tuple(ACTION_LABELS[a] for a in actions),
    )


def _juror_view(juror: Juror) -> JurorView:
    return JurorView(
        id=juror.id,
        civility=juror.civility,
        last_name=juror.last_name,
        first_name=juror.first_name,
        full_name=juror.full_name,
        email=juror.email,
        phone_pro=juror.phone_pro,
        phone_perso=juror.phone_perso,
        address=juror.address,
        postal_code=juror.postal_code,
        city=juror.city,
        occupation=juror.occupation,
        last_practice_on=juror.last_practice_on,
        region_code=juror.region_code,
        centre_sirets=tuple(sorted(c.siret for c in juror.centres)),
    )


def _check_ccs_prerequisite(db: Session, juror: Juror, ccs: Ccs) -> None:
    """R-JUR-3: a CCS habilitation needs an habilitation on a CCP of the title."""
    found = db.scalar(
        select(
            exists().where(
                Habilitation.juror_id == juror.id,
                Habilitation.title_id == ccs.title_id,
                Habilitation.ccs_id.is_(None),
                Habilitation.state.in_(list(CCP_STATES_FOR_CCS)),
            )
        )
    )
    if not found:
        raise RuleViolation(
            "R-JUR-3",
            f"{juror.full_name} ne peut pas recevoir d'habilitation au CCS « {ccs.label} » : "
            f"une habilitation active ou suspendue sur au moins un CCP du titre "
            f"« {ccs.title.label} » est d'abord nécessaire.",
        )


def _check_practice(
    juror: Juror, title: Title, starts_on: date, max_years: int, *, on_title: bool
) -> tuple[str, ...]:
    """R-JUR-4 (:func:`ceres_core.rules.juror_practice`): refuse a TP habilitation when
    the last known practice is more than ``max_years`` before the start; return the
    warning asking for the date when it is unknown."""
    check = domain_rules.juror_practice(
        juror.last_practice_on, starts_on, on_title=on_title, max_years=max_years
    )
    if check is domain_rules.PracticeCheck.UNKNOWN:
        return (
            f"La date de dernière pratique du métier de {juror.full_name} n'est pas "
            f"renseignée : l'habilitation sur le titre « {title.label} » est enregistrée, "
            "mais renseignez cette date sur la fiche du juré (une pratique de plus de "
            f"{max_years} ans avant le début de l'habilitation l'exclut) (R-JUR-4).",
        )
    if check is domain_rules.PracticeCheck.TOO_OLD:
        raise RuleViolation(
            "R-JUR-4",
            f"{juror.full_name} ne peut pas recevoir d'habilitation sur le titre "
            f"« {title.label} » : sa dernière pratique du métier date du {juror.last_practice_on:%d/%m/%Y}, plus de "
            f"{max_years} ans avant le début de l'habilitation ({starts_on:%d/%m/%Y}).",
        )
    return ()


# --------------------------------------------------------------------------- services


@operation("jury.create_juror")
def create_juror(
    core: Core, actor: str, *, centre_siret: str | None = None, **fields: object
) -> JurorView:
    """Create a juror (civility, last_name, first_name, email, phone_pro, phone_perso,
    address, postal_code, city, occupation, last_practice_on, region_code).

    A centre's juror is attached to that centre (``centre_siret`` chooses among
    several centre profiles) and takes the region of the centre's first site unless
    ``region_code`` is given; a UD/DREETS's juror takes its region.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, (Role.CENTRE, *STATE_ROLES), "créer un juré")
        centre: Centre | None = None
        state_profile = next((p for p in user.profiles if p.role in STATE_ROLES), None)
        centre_profiles = [p for p in user.profiles if p.role is Role.CENTRE and p.centre_id]
        if centre_siret is not None or state_profile is None:
            if centre_siret is not None:
                centre = next(
                    (p.centre for p in centre_profiles if p.centre and p.centre.siret == centre_siret),
                    None,
                )
                if centre is None:
                    raise RuleViolation(
                        "R-ACT-2",
                        f"Vous ne pouvez pas créer un juré pour le centre de SIRET {centre_siret} : "
                        "ce centre est hors de votre périmètre.",
                        actor=user.login,
                    )
            elif len(centre_profiles) == 1:
                centre = centre_profiles[0].centre
            elif not centre_profiles:
                raise RuleViolation(
                    "R-ACT-2", "Votre profil n'est rattaché à aucun centre.", actor=user.login
                )
            else:
                raise InvalidInput(
                    "Vous gérez plusieurs centres : précisez le SIRET du centre du juré."
                )
        data = _clean_juror_fields(fields, core.clock.today())
        region_code = _optional_text(fields.get("region_code"), "région", 3)
        if region_code is not None and db.get(Region, region_code) is None:
            raise InvalidInput(f"La région de code « {region_code} » est inconnue.")
        if centre is None:
            assert state_profile is not None
            if region_code is None:
                region_code = _profile_region(db, state_profile)
            elif not any(
                profile_zone(p).covers_region(region_code, ud_reaches_region=True)
                for p in user.profiles
                if p.role in STATE_ROLES
            ):
                raise RuleViolation(
                    "R-ACT-2",
                    f"Vous ne pouvez pas créer un juré dans la région "
                    f"{_region_names(db, [region_code])} : elle est hors de votre périmètre.",
                    actor=user.login,
                )
        elif region_code is None and centre.sites:
            region_code = centre.sites[0].departement.region_code
        data["region_code"] = region_code
        juror = Juror(**data)
        if centre is not None:
            juror.centres.append(centre)
        db.add(juror)
        db.flush()
        audit(db, core, user, "jury.create_juror", juror, name=juror.full_name,
              centre=centre.siret if centre else None)
        return _juror_view(juror)


@operation("jury.add_habilitation")
def add_habilitation(
    core: Core,
    actor: str,
    juror_id: int,
    title_code: str,
    *,
    ccp_code: str | None = None,
    ccs_code: str | None = None,
    starts_on: date | str,
    ends_on: date | str | None = None,
) -> HabilitationView:
    """Habilitate a juror on a title, one of its CCPs or one of its CCSs, as a draft.

    By a UD/DREETS of the juror's region or the admin. R-JUR-4 (recent practice of
    the job), R-JUR-3 (a CCS needs a CCP habilitation of the title).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        juror = get_or_404(db, Juror, parse_int(juror_id, "Le numéro du juré", lo=1), "Juré")
        _require_state_authority(db, user, juror, "délivrer une habilitation à ce juré")
        title_code = parse_ref(title_code, "le code du titre (par exemple TP-00463)", max_len=20)
        title = db.scalar(select(Title).where(Title.code == title_code))
        if title is None:
            raise NotFound(f"Le titre « {title_code} » est introuvable.")
        if ccp_code and ccs_code:
            raise InvalidInput(
                "Une habilitation porte sur le titre entier, sur un CCP ou sur un CCS, "
                "pas sur un CCP et un CCS à la fois."
            )
        ccp = ccs = None
        if ccp_code:
            ccp = db.scalar(select(Ccp).where(Ccp.code == ccp_code.strip()))
            if ccp is None or ccp.title_id != title.id:
                raise NotFound(f"Le CCP « {ccp_code} » du titre {title.code} est introuvable.")
        if ccs_code:
            ccs = db.scalar(select(Ccs).where(Ccs.code == ccs_code.strip()))
            if ccs is None or ccs.title_id != title.id:
                raise NotFound(f"Le CCS « {ccs_code} » du titre {title.code} est introuvable.")
        start = parse_date(starts_on, "La date de début d'habilitation")
        end = parse_date(ends_on, "La date de fin d'habilitation") if ends_on not in (None, "") else None
        if end is not None and end < start:
            raise InvalidInput(
                f"La date de fin d'habilitation ({end:%d/%m/%Y}) est antérieure à la date de "
                f"début ({start:%d/%m/%Y})."
            )
        warnings = _check_practice(
            juror, title, start, core.rules.juror_max_years_out,
            on_title=ccp is None and ccs is None,
        )
        if ccs is not None:
            _check_ccs_prerequisite(db, juror, ccs)
        duplicate = db.scalar(
            select(Habilitation).where(
                Habilitation.juror_id == juror.id,
                Habilitation.title_id == title.id,
                Habilitation.ccp_id.is_(None) if ccp is None else Habilitation.ccp_id == ccp.id,
                Habilitation.ccs_id.is_(None) if ccs is None else Habilitation.ccs_id == ccs.id,
                Habilitation.state != HabilitationState.EXPIREE,
            )
        )
        if duplicate is not None:
            raise InvalidInput(
                f"{juror.full_name} a déjà une habilitation "
                f"« {HABILITATION_STATE_LABELS[duplicate.state]} » sur "
                f"{_subject(duplicate)[1]}."
            )
        hab = Habilitation(
            juror=juror,
            title=title,
            ccp=ccp,
            ccs=ccs,
            state=HabilitationState.BROUILLON,
            starts_on=start,
            ends_on=end,
            updated_at=core.clock.now(),
        )
        db.add(hab)
        db.flush()
        audit(db, core, user, "jury.add_habilitation", hab, juror=juror.id,
              subject=_subject(hab)[1], starts_on=start.isoformat())
        return replace(_view(db, hab, core.clock.today(), can_act=True), warnings=warnings)


@operation("jury.habilitation_action")
def habilitation_action(
    core: Core, actor: str, habilitation_id: int, action: str | Action
) -> HabilitationActionResult:
    """Apply an R-JUR-1 action (valider, supprimer, reactiver, remettre_brouillon,
    suspendre), by a UD/DREETS of the juror's region or the admin, with R-JUR-2 guards."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        hab = get_or_404(db, Habilitation, habilitation_id, "Habilitation")
        juror = hab.juror
        _require_state_authority(db, user, juror, "modifier les habilitations de ce juré")
        act = hs.parse_action(action)
        today = core.clock.today()
        status = _title_status(hab.title, today)
        in_session, awaiting = _guards(db, juror.id)
        previous = hab.state
        target = hs.apply(
            previous,
            act,
            status,
            bool(in_session),
            bool(awaiting),
            title_label=hab.title.label,
            title_ends=hab.title.valid_until,
            extension_ends=hab.title.extension_until,
            juror_name=juror.full_name,
            sessions=in_session if act is Action.SUPPRIMER else awaiting,
        )
        if act is Action.VALIDER and hab.ccs is not None:
            _check_ccs_prerequisite(db, juror, hab.ccs)
        subject = _subject(hab)[1]
        message = (
            f"L'habilitation de {juror.full_name} sur « {subject} » est "
            f"{ACTION_DONE[act]}."
        )
        if act in (Action.SUSPENDRE, Action.REMETTRE_BROUILLON) and previous is HabilitationState.ACTIVE:
            message += " Le juré ne peut plus être inscrit sur une session à ce titre."
        elif target is HabilitationState.ACTIVE:
            message += " Le juré peut être inscrit sur une session à ce titre."
        audit(db, core, user, f"jury.habilitation.{act.value}", hab, juror=juror.id,
              subject=subject, previous=previous.value,
              new=target.value if target else "supprimee")
        view: HabilitationView | None = None
        if target is None:
            db.delete(hab)
            db.flush()
        else:
            hab.state = target
            hab.updated_at = core.clock.now()
            db.flush()
            view = _view(db, hab, today, can_act=True, guards=(in_session, awaiting))
        return HabilitationActionResult(
            habilitation_id=habilitation_id,
            action=act.value,
            previous_state=previous.value,
            previous_state_label=HABILITATION_STATE_LABELS[previous],
            new_state=target.value if target else None,
            new_state_label=HABILITATION_STATE_LABELS[target] if target else "supprimée",
            message=message,
            habilitation=view,
        )


@operation("jury.list_habilitations")
def list_habilitations(core: Core, actor: str, juror_id: int) -> tuple[HabilitationView, ...]:
    """The juror's habilitations, with the actions the viewer may take now.

    Visible to a UD/DREETS of the juror's region, the admin (with actions) and to a
    centre the juror is attached to or sits on a session of (read only).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        juror = get_or_404(db, Juror, juror_id, "Juré")
        can_act = state_authority(db, user, juror) is not None
        if not can_act and not (centre_ids_of(user) & _centres_of_juror(db, juror)):
            if any(p.role in (Role.CENTRE, *STATE_ROLES) for p in user.profiles):
                raise RuleViolation(
                    "R-ACT-2",
                    f"Vous ne pouvez pas consulter les habilitations de {juror.full_name} : "
                    "ce juré est hors de votre périmètre.",
                    actor=user.login,
                )
            raise RuleViolation(
                "R-ACT-2",
                "Votre profil ne permet pas de consulter les habilitations des jurés.",
                actor=user.login,
            )
        today = core.clock.today()
        guards = _guards(db, juror.id) if can_act else None
        return tuple(_view(db, h, today, can_act, guards) for h in juror.habilitations)


def check_habilitation_to_act(core: Core, actor: str, juror_id: int) -> None:
    """The juror step of a habilitation change (R-JUR-1): at least one of the juror's
    habilitations the actor may act on today (:func:`list_habilitations`' actions).
    A probe for a picker, not an attempt: not an ``@operation``, no audit row."""
    habs = list_habilitations(core, actor, juror_id)
    if any(h.allowed_actions for h in habs):
        return
    with core.transaction() as db:
        name = get_or_404(db, Juror, juror_id, "Juré").full_name
    raise RuleViolation(
        "R-JUR-1", f"Aucune habilitation de {name} ne peut être modifiée par vous aujourd'hui")


def _seat_habilitation(session: ExamSession, juror: Juror) -> Habilitation | None:
    """The active habilitation that lets ``juror`` sit on ``session``, if any."""
    day = session.start_date
    for hab in juror.habilitations:
        if hab.state is not HabilitationState.ACTIVE or hab.title_id != session.title_id:
            continue
        if hab.starts_on > day or (hab.ends_on is not None and hab.ends_on < day):
            continue
        if session.kind is SessionKind.CCS:
            if hab.ccs_id is not None and hab.ccs_id == session.ccs_id:
                return hab
        elif session.kind is SessionKind.CCP:
            if hab.ccs_id is None and hab.ccp_id in (None, session.ccp_id):
                return hab
        elif hab.ccs_id is None and hab.ccp_id is None:
            return hab
    return None


@operation("jury.add_to_session")
def add_juror_to_session(
    core: Core, actor: str, session_ref: str, juror_id: int
) -> JuryMemberView:
    """Put a juror on a session of the actor's centre (R-JUR-1, R-JUR-3)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, session_ref)
        require_site(user, session.site, CENTRE_ROLES, "désigner un juré pour cette session")
        juror = get_or_404(db, Juror, parse_int(juror_id, "Le numéro du juré", lo=1), "Juré")
        if session.state in SESSION_STATES_CLOSED_TO_JURORS:
            raise RuleViolation(
                "R-SES-4",
                f"La session {session.ref} est {session.state_label} : on ne peut plus y "
                "inscrire de juré.",
            )
        if any(m.juror_id == juror.id for m in session.jury):
            raise InvalidInput(
                f"{juror.full_name} fait déjà partie du jury de la session {session.ref}."
            )
        hab = _seat_habilitation(session, juror)
        day = f"{session.start_date:%d/%m/%Y}"
        if hab is None:
            if session.kind is SessionKind.CCS:
                assert session.ccs is not None
                raise RuleViolation(
                    "R-JUR-3",
                    f"{juror.full_name} ne peut pas siéger dans le jury de la session CCS "
                    f"{session.ref} : aucune habilitation active sur le CCS "
                    f"« {session.ccs.code} {session.ccs.label} » au {day}.",
                )
            if session.kind is SessionKind.CCP:
                assert session.ccp is not None
                on = (
                    f"le CCP « {session.ccp.code} {session.ccp.label} » ni sur le titre "
                    f"« {session.title.label} »"
                )
            else:
                on = f"le titre « {session.title.code} {session.title.label} »"
            raise RuleViolation(
                "R-JUR-1",
                f"{juror.full_name} ne peut pas siéger dans le jury de la session "
                f"{session.ref} : aucune habilitation active sur {on} au {day}.",
            )
        member = JuryMember(session=session, juror=juror, added_at=core.clock.now())
        db.add(member)
        db.flush()
        audit(db, core, user, "jury.add_to_session", session, juror=juror.id,
              habilitation=hab.id)
        return JuryMemberView(
            session_ref=session.ref,
            juror_id=juror.id,
            juror_name=juror.full_name,
            habilitation_id=hab.id,
            habilitation_label=_subject(hab)[1],
            added_at=member.added_at,
            message=f"{juror.full_name} fait désormais partie du jury de la session {session.ref}.",
        )


def _csv_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


def _postal_address(juror: Juror) -> str:
    town = " ".join(p for p in (juror.postal_code, juror.city) if p)
    return ", ".join(p for p in (juror.address, town) if p)


@operation("jury.export_csv")
def export_jurors_csv(core: Core, actor: str) -> str:
    """R-JUR-5: the centre's jurors as CSV text (starts with a BOM; ``;``; CRLF).

    The centre's jurors are those attached to it or sitting on one of its sessions.
    Columns: Civilité; Nom; Prénom; Téléphone professionnel; Téléphone personnel;
    Adresse postale; Courriel; Habilitations ("<code> <libellé> (<état>)" joined by
    " | "). Write the string to a file with ``encoding="utf-8"`` (the BOM is in it).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, (Role.CENTRE,), "télécharger la liste des jurés d'un centre")
        centre_ids = centre_ids_of(user)
        attached = select(centre_jurors.c.juror_id).where(
            centre_jurors.c.centre_id.in_(centre_ids)
        )
        seated = (
            select(JuryMember.juror_id)
            .join(ExamSession, ExamSession.id == JuryMember.session_id)
            .join(Site, Site.id == ExamSession.site_id)
            .where(Site.centre_id.in_(centre_ids))
        )
        jurors = db.scalars(
            select(Juror)
            .where(Juror.id.in_(attached) | Juror.id.in_(seated))
            .order_by(Juror.last_name, Juror.first_name, Juror.id)
        ).all()
        buffer = io.StringIO()
        buffer.write("\ufeff")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(CSV_HEADER)
        for juror in jurors:
            habs = " | ".join(
                f"{_subject(h)[1]} ({HABILITATION_STATE_LABELS[h.state]})"
                for h in juror.habilitations
            )
            writer.writerow(
                [
                    _csv_cell(v)
                    for v in (
                        juror.civility,
                        juror.last_name,
                        juror.first_name,
                        juror.phone_pro,
                        juror.phone_perso,
                        _postal_address(juror),
                        juror.email,
                        habs,
                    )
                ]
            )
        audit(db, core, user, "jury.export_csv", None, jurors=len(jurors))
        return buffer.getvalue()
