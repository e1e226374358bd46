"""Printing and mailing the diplomas (R-PRT-1..7) and the after-mailing cases (R-AFT-1..3).

Once a session is validated, the UD of its département (UD/DDETS/DEETS) reviews
each candidate's documents (:func:`documents_preview`), ticks "Données vérifiées et
conformes" (:func:`mark_data_verified`) and asks the Afpa to print and mail them,
candidate by candidate (:func:`request_print`, or :func:`request_print_for_session`
for the remaining ones). Later it may ask for a duplicate (:func:`request_duplicate`),
record a returned undelivered letter (:func:`record_pnd`) and download an
attestation de réussite (:func:`attestation_reussite`).

Readings (ceres-domain.md leaves them open):

* **Documents per result** (R-PRT-1, seed 000). Admitted in a TP session: the
  diploma, the livret de certification and their cover letters; in a CCS session:
  the CCS certificate instead of the diploma; in a CCP session: the livret de
  certification recording the CCP and its letter (there is no diploma for a single
  CCP). Partially admitted: the livret de certification listing the CCPs obtained
  and its cover letter (no diploma, no notification d'échec: the candidate did
  obtain something). Refused: the notification d'échec and its letter (the seed's
  "lettre de refus"). A registration with no result has nothing to print.
* **Who** (R-ACT-2): printing operations (verify, request, duplicate, PND) are done
  by the UD of the session's département or a national admin; the read-only views
  (preview, history) and the attestation are also open to the DREETS of the region;
  the read-only views are also open to the centre of the session's site (it follows
  its own sessions' mailings), which requests nothing.
* **Verification** (R-PRT-2, R-PRT-3): ticking "Données vérifiées et conformes" is
  refused while the record raises an R-CAN-4 alert (the alert is what CERES shows at
  that point); a request is refused when the record is a draft or raises an alert.
* **Duplicate** (R-PRT-6): allowed from the date of the last request (initial or
  duplicate) plus ``core.rules.duplicate_delay_days`` days, on the calendar of
  Europe/Paris; the caller states that the data were checked again
  (``data_verified=True``), which also refreshes the verification date.
* **PND** (R-AFT-2): the new address is written by the operation itself, which
  follows R-CAN-2 inside one transaction: a validated record goes back to draft, is
  changed and is validated again (a draft record stays a draft); the view says so.
  The PND becomes a notice on the Afpa print service's list (:func:`list_pnd_notices`),
  which the Afpa marks handled once it re-sent the mail (:func:`handle_pnd_notice`);
  the messages say only that (where the notice stands), and no duplicate is requested.
* **Routing** (R-PRT-7): a session whose site is in a département or territory
  coded 97x/98x (971–976 and the COM) is a DROM-COM session: the Afpa mails the
  documents to the DEETS; otherwise straight to the candidate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ceres_core import geography
from ceres_core import rules as domain_rules
from ceres_core.access import load_actor, require_role, require_site
from ceres_core.core import Core
from ceres_core.errors import CeresError, InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    RESULT_LABELS,
    Candidate,
    CandidateState,
    ExamSession,
    PndEvent,
    PrintKind,
    PrintRequest,
    Profile,
    Registration,
    Result,
    Role,
    SessionKind,
    SessionState,
    Site,
    User,
)
from ceres_core.models.referential import Departement
from ceres_core.names import CIVILITY_LABELS, born_word, civility_label, is_female  # noqa: F401
from ceres_core.services._operation import audit, operation
from ceres_core.services.candidates import (
    birth_place_label,
    candidate_alerts,
    change_record_through_draft,
)
from ceres_core.services.sessions import load_session
from ceres_core.settings import Rules
from ceres_core.values import fr_date as _fr
from ceres_core.values import parse_int, parse_ref, plural

#: Roles that act on printing (the UD of the session's département, or an admin).
PRINT_ROLES = (Role.UD, Role.ADMIN)
#: Roles that may read the printing views and download the attestation.
READ_ROLES = (Role.UD, Role.DREETS, Role.ADMIN)
#: Roles that may read the preview and the print history (the centre: its own sites).
VIEW_ROLES = (Role.CENTRE, *READ_ROLES)

#: What the preview never shows (R-PRT-1, seed 000).
PREVIEW_NOTICE = (
    "Lors de l'aperçu des documents qui seront édités, le tampon, la signature, le logo "
    "Marque État, le fond filigrané et le recto du livret de certification n'apparaissent "
    "pas pour des raisons de sécurité. Ils apparaîtront bien sur les documents imprimés."
)

#: Note shown with a booklet duplicate (R-PRT-6).
BOOKLET_DUPLICATE_NOTE = "Dans le cas d'un livret, le duplicata correspond à une réimpression du livret."

DOC_DIPLOMA = "diplome"
DOC_BOOKLET = "livret"
DOC_FAILURE = "notification_echec"



# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class DocumentView:
    """One document the Afpa prints for a candidate, with its cover letter."""

    code: str  # "diplome" (diploma or CCS certificate), "livret", "notification_echec"
    label: str
    cover_letter: str


@dataclass(frozen=True)
class RoutingView:
    """Where the Afpa mails the documents (R-PRT-7)."""

    overseas: bool  # DROM-COM session
    recipient: str  # "candidat" or "service"
    service_name: str | None  # the DEETS that forwards, for a DROM-COM session
    label: str


@dataclass(frozen=True)
class CandidatePrintLine:
    """A candidate's line in the session's printing screen."""

    registration_id: int
    ceres_id: str
    civility: str  # "Monsieur" / "Madame"
    last_name: str
    first_name: str
    display_name: str  # "Monsieur CHEVALIER Henri", as CERES shows it
    birth_date: date
    result: str | None  # Result value
    result_label: str  # "admis", "partiellement admis", "refusé", "aucun résultat saisi"
    ccps_obtained: tuple[str, ...]  # "CCP-00463-1 Réaliser des travaux…"
    documents: tuple[DocumentView, ...]
    preview_text: str | None
    record_state: str  # "validée" / "brouillon"
    alerts: tuple[str, ...]  # R-CAN-4 alerts that block printing (R-PRT-3)
    data_verified: bool
    data_verified_on: date | None
    initial_request_on: date | None
    duplicate_dates: tuple[date, ...]
    duplicates_count: int
    status_line: str  # "Demande d'impression initiale transmise le 29/11/2022"
    history_lines: tuple[str, ...]
    to_send: bool  # has documents and no initial request yet
    #: R-PRT-2: the birth place the UD attests with the rest ("Lyon (69001)", "Maroc")
    birth_place: str = ""


@dataclass(frozen=True)
class SessionPreviewView:
    """R-PRT-1: the documents of every candidate of a validated session."""

    session_ref: str
    session_kind: str
    title_code: str
    title_label: str
    title_level: int
    site_name: str
    departement_code: str
    start_date: date
    end_date: date
    state_label: str
    routing: RoutingView
    notice: str
    candidates: tuple[CandidatePrintLine, ...]
    sent_count: int
    to_send_count: int
    next_to_send: str | None  # CERES ID of the first candidate still to send


@dataclass(frozen=True)
class PrintRequestView:
    """A print request just transmitted to the Afpa (initial or duplicate)."""

    session_ref: str
    kind: str  # "initiale" / "duplicata"
    document: str | None  # None = the whole set
    document_label: str
    requested_on: date
    message: str
    routing: RoutingView
    candidate: CandidatePrintLine
    next_candidate: CandidatePrintLine | None  # the next one still to send (R-PRT-2)
    remaining_to_send: int
    notes: tuple[str, ...]


@dataclass(frozen=True)
class BatchOutcome:
    ceres_id: str
    candidate_name: str
    sent: bool
    message: str
    rule: str | None


@dataclass(frozen=True)
class BatchPrintView:
    """:func:`request_print_for_session`: one outcome per candidate still to send."""

    session_ref: str
    outcomes: tuple[BatchOutcome, ...]
    sent_count: int
    refused_count: int
    routing: RoutingView
    message: str


@dataclass(frozen=True)
class PndView:
    """A PND recorded (R-AFT-2), with where its notice to the Afpa stands."""

    session_ref: str
    ceres_id: str
    candidate_name: str
    reported_on: date
    previous_address: str | None
    new_address: str
    #: The notice on the Afpa print service's list (:func:`list_pnd_notices`).
    notice_id: int
    afpa_notified_on: date
    #: When the Afpa recorded the mail as re-sent (:func:`handle_pnd_notice`), if yet.
    afpa_handled_on: date | None
    record_note: str
    duplicate_requested: bool  # always False (R-AFT-2)
    comment: str | None
    message: str


@dataclass(frozen=True)
class PndNoticeView:
    """A PND notice as the Afpa print service sees it: a mail to re-send (R-AFT-2)."""

    id: int
    session_ref: str
    departement_code: str
    ceres_id: str
    candidate_name: str
    documents: tuple[str, ...]
    previous_address: str | None
    new_address: str
    routing: RoutingView
    notified_at: datetime
    notified_by: str  # the State service's agent who recorded the PND
    handled_at: datetime | None
    handled_by: str | None
    afpa_comment: str | None
    status_label: str  # "à renvoyer" / "renvoyé le 02/12/2026"


@dataclass(frozen=True)
class PrintHistoryView:
    """A candidate's print requests, duplicates and PNDs."""

    session_ref: str
    candidate: CandidatePrintLine
    routing: RoutingView
    next_duplicate_from: date | None
    attestation_available: bool
    pnd_events: tuple[PndView, ...]
    #: R-AFT-2: the first day a PND may be recorded (None: nothing sent)
    pnd_possible_from: date | None = None


# --------------------------------------------------------------------------- helpers


def _name_in_ceres(c: Candidate) -> str:
    """ "Monsieur CHEVALIER Henri" (the order CERES uses in its screens)."""
    return f"{civility_label(c.civility)} {c.last_name} {c.first_name}".strip()


def _name_natural(c: Candidate) -> str:
    """ "Monsieur Henri CHEVALIER" (the order of letters)."""
    return f"{civility_label(c.civility)} {c.first_name} {c.last_name}".strip()


def record_alerts(candidate: Candidate, on: date, rules: Rules) -> tuple[str, ...]:
    """The R-CAN-4 alerts of a record at the session date (they block printing, R-PRT-3).

    The check itself lives in :func:`ceres_core.services.candidates.candidate_alerts`
    (name characters, incoherent birth year at the session date).
    """
    return tuple(a.message for a in candidate_alerts(candidate, rules, on, [on]))


def _routing(site: Site) -> RoutingView:
    if geography.is_drom_com(site.departement_code):
        service = site.departement.region.service_name if site.departement else None
        service = service or "DEETS"
        return RoutingView(
            overseas=True,
            recipient="service",
            service_name=service,
            label=(
                "Session en DROM-COM : l'Afpa imprime les documents et les envoie à la "
                f"{service}, qui les transmet ensuite aux candidats ou aux centres."
            ),
        )
    return RoutingView(
        overseas=False,
        recipient="candidat",
        service_name=None,
        label=(
            "Session en métropole : l'Afpa imprime les documents et les envoie directement "
            "au candidat."
        ),
    )


def _clean(value: str, what: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise InvalidInput(f"Indiquez {what}.")
    return text


def _load_session(db: Session, session_ref: object) -> ExamSession:
    """:func:`ceres_core.services.sessions.load_session` with what printing reads."""
    return load_session(
        db,
        session_ref,
        selectinload(ExamSession.site).selectinload(Site.departement).selectinload(
            Departement.region
        ),
        selectinload(ExamSession.title),
        selectinload(ExamSession.ccp),
        selectinload(ExamSession.ccs),
    )


def _load_registration(
    db: Session, session: ExamSession, ceres_id: str, *, for_update: bool = False
) -> Registration:
    ident = _clean(ceres_id, "le numéro CERES du candidat")
    stmt = (
        select(Registration)
        .join(Candidate, Candidate.id == Registration.candidate_id)
        .where(Registration.session_id == session.id, Candidate.ceres_id == ident)
        .options(
            selectinload(Registration.candidate),
            selectinload(Registration.ccps_obtained),
            selectinload(Registration.print_requests),
            selectinload(Registration.pnd_events),
        )
    )
    if for_update:
        stmt = stmt.with_for_update()
    reg = db.scalar(stmt)
    if reg is None:
        raise NotFound(
            f"Le candidat n° {ident} n'est pas inscrit à la session « {session.ref} »."
        )
    return reg


def _load_registrations(db: Session, session: ExamSession) -> list[Registration]:
    return list(
        db.scalars(
            select(Registration)
            .where(Registration.session_id == session.id)
            .order_by(Registration.id)
            .options(
                selectinload(Registration.candidate),
                selectinload(Registration.ccps_obtained),
                selectinload(Registration.print_requests),
            )
        )
    )


def _require_validated(session: ExamSession) -> None:
    if session.state is not SessionState.VALIDEE:
        raise RuleViolation(
            "R-PRT-1",
            f"La session « {session.ref} » n'est pas validée (état : {session.state_label}) : "
            "les documents ne peuvent être vérifiés et envoyés pour impression qu'une fois "
            "la session validée",
        )


def _require_result(reg: Registration, session: ExamSession) -> None:
    if reg.result is None:
        raise RuleViolation(
            "R-PRT-1",
            f"Aucun résultat n'est saisi pour {_name_natural(reg.candidate)} "
            f"(n° {reg.candidate.ceres_id}) dans la session « {session.ref} » : il n'y a "
            "aucun document à imprimer",
        )


def _require_record_valid(reg: Registration, session: ExamSession, rules: Rules) -> None:
    """R-PRT-3: a draft record or an R-CAN-4 alert blocks printing."""
    cand = reg.candidate
    who = f"{_name_natural(cand)} (n° {cand.ceres_id})"
    alerts = record_alerts(cand, session.start_date, rules)
    if alerts:
        raise RuleViolation(
            "R-PRT-3",
            f"Les données de {who} sont invalides. {' '.join(alerts)} Dans le module "
            "« Candidats », revenez à l'état brouillon (« Revenir à l'état brouillon »), "
            "corrigez la fiche, validez-la à nouveau, puis revenez dans la session pour "
            "l'envoyer pour impression",
        )
    if cand.state is not CandidateState.VALIDE:
        raise RuleViolation(
            "R-PRT-3",
            f"La fiche de {who} est à l'état brouillon : corrigez-la si besoin dans le "
            "module « Candidats » et validez-la, puis revenez dans la session pour "
            "l'envoyer pour impression",
        )


def _title_phrase(session: ExamSession) -> str:
    return f"le titre professionnel {session.title.label} ({session.title.code})"


def _documents(reg: Registration, session: ExamSession) -> tuple[DocumentView, ...]:
    """R-PRT-1 (see the module's readings)."""
    title = session.title
    if reg.result is Result.ADMIS:
        if session.kind is SessionKind.CCS:
            ccs_label = session.ccs.label if session.ccs else title.label
            diploma = DocumentView(
                DOC_DIPLOMA,
                f"Certificat complémentaire de spécialisation « {ccs_label} »",
                "Lettre d'accompagnement du certificat",
            )
            return (diploma, _booklet(reg, session))
        if session.kind is SessionKind.CCP:
            return (_booklet(reg, session),)
        diploma = DocumentView(
            DOC_DIPLOMA,
            f"Diplôme du titre professionnel {title.label}",
            "Lettre d'accompagnement du diplôme",
        )
        return (diploma, _booklet(reg, session))
    if reg.result is Result.PARTIELLEMENT_ADMIS:
        return (_booklet(reg, session),)
    if reg.result is Result.REFUSE:
        return (
            DocumentView(
                DOC_FAILURE,
                "Notification d'échec",
                "Lettre d'accompagnement de la notification d'échec",
            ),
        )
    return ()


def _ccps_obtained(reg: Registration, session: ExamSession) -> list[str]:
    ccps = sorted(reg.ccps_obtained, key=lambda c: (c.rank, c.code))
    if not ccps and reg.result is Result.ADMIS and session.kind is SessionKind.CCP and session.ccp:
        ccps = [session.ccp]
    return [f"{c.code} {c.label}" for c in ccps]


def _booklet(reg: Registration, session: ExamSession) -> DocumentView:
    label = "Livret de certification"
    if reg.result is Result.PARTIELLEMENT_ADMIS or session.kind is SessionKind.CCP:
        codes = [c.split(" ", 1)[0] for c in _ccps_obtained(reg, session)]
        if codes:
            label += f" (CCP obtenus : {', '.join(codes)})"
    return DocumentView(DOC_BOOKLET, label, "Lettre d'accompagnement du livret de certification")


def _preview_text(reg: Registration, session: ExamSession) -> str | None:
    cand = reg.candidate
    title = session.title
    born = born_word(cand.civility)
    place = cand.birth_commune or "commune non renseignée"
    head = (
        f"{_name_in_ceres(cand)}, {born} le {_fr(cand.birth_date)} à {place} "
        f"({(cand.birth_country or 'France').upper()}), "
    )
    classed = (
        f"Ce titre est classé au niveau {title.level} du cadre national des certifications "
        "professionnelles"
        + (f", dans le(s) domaine(s) d'activité {', '.join(title.domains)}" if title.domains else "")
        + "."
    )
    if reg.result is Result.ADMIS:
        if session.kind is SessionKind.CCS:
            ccs = session.ccs
            what = (
                f"le certificat complémentaire de spécialisation « {ccs.label} » ({ccs.code})"
                if ccs
                else "le certificat complémentaire de spécialisation"
            )
            return f"{head}a obtenu, par décision du jury, {what}, attaché au {_title_phrase(session)}."
        if session.kind is SessionKind.CCP:
            ccps = "; ".join(_ccps_obtained(reg, session)) or "le CCP de la session"
            return (
                f"{head}a obtenu, par décision du jury, le certificat de compétences "
                f"professionnelles suivant du {_title_phrase(session)} : {ccps}."
            )
        rncp = f" ({title.rncp})" if title.rncp else ""
        return (
            f"{head}a obtenu, par décision du jury, le titre professionnel de : "
            f"{title.full_label}. {classed} Il est enregistré dans le répertoire national "
            f"des certifications professionnelles{rncp}."
        )
    if reg.result is Result.PARTIELLEMENT_ADMIS:
        ccps = "; ".join(_ccps_obtained(reg, session)) or "aucun CCP renseigné"
        return (
            f"{head}a obtenu, par décision du jury, les certificats de compétences "
            f"professionnelles suivants du {_title_phrase(session)} : {ccps}."
        )
    if reg.result is Result.REFUSE:
        return f"{head}n'a pas obtenu, par décision du jury, le {_title_phrase(session)}."
    return None


def _next_duplicate_from(reg: Registration, rules: Rules) -> date | None:
    """R-PRT-6: the first day a duplicate may be requested, ``rules.duplicate_delay_days``
    after the last print request (initial or duplicate); ``None`` before any request.
    """
    if not reg.print_requests:
        return None
    last = max(r.requested_at for r in reg.print_requests).date()
    return last + timedelta(days=rules.duplicate_delay_days)


def _requests(reg: Registration) -> tuple[PrintRequest | None, list[PrintRequest]]:
    reqs = sorted(reg.print_requests, key=lambda r: (r.requested_at, r.id or 0))
    initial = next((r for r in reqs if r.kind is PrintKind.INITIALE), None)
    dups = [r for r in reqs if r.kind is PrintKind.DUPLICATA]
    return initial, dups


def _doc_label(code: str | None) -> str:
    return {
        None: "l'ensemble des documents",
        DOC_DIPLOMA: "le diplôme (ou certificat)",
        DOC_BOOKLET: "le livret de certification",
        DOC_FAILURE: "la notification d'échec",
    }.get(code, code or "")


def _line(reg: Registration, session: ExamSession, rules: Rules) -> CandidatePrintLine:
    cand = reg.candidate
    initial, dups = _requests(reg)
    docs = _documents(reg, session)
    initial_on = initial.requested_at.date() if initial else None
    dup_dates = tuple(d.requested_at.date() for d in dups)
    if initial_on:
        status = f"Demande d'impression initiale transmise le {_fr(initial_on)}"
    elif docs:
        status = "Aucune demande d'impression transmise"
    else:
        status = "Aucun document à imprimer (aucun résultat saisi)"
    history = [status]
    for dup in dups:
        extra = "" if dup.document is None else f" ({_doc_label(dup.document)})"
        history.append(f"Duplicata demandé le {_fr(dup.requested_at.date())}{extra}")
    if dups:
        history.append(f"Duplicatas envoyés pour impression : ({len(dups)})")
    return CandidatePrintLine(
        registration_id=reg.id,
        ceres_id=cand.ceres_id,
        civility=civility_label(cand.civility),
        last_name=cand.last_name,
        first_name=cand.first_name,
        display_name=_name_in_ceres(cand),
        birth_date=cand.birth_date,
        result=reg.result.value if reg.result else None,
        result_label=RESULT_LABELS[reg.result] if reg.result else "aucun résultat saisi",
        ccps_obtained=tuple(_ccps_obtained(reg, session)),
        documents=docs,
        preview_text=_preview_text(reg, session),
        record_state="validée" if cand.state is CandidateState.VALIDE else "brouillon",
        alerts=record_alerts(cand, session.start_date, rules),
        data_verified=reg.data_verified_at is not None,
        data_verified_on=reg.data_verified_at.date() if reg.data_verified_at else None,
        initial_request_on=initial_on,
        duplicate_dates=dup_dates,
        duplicates_count=len(dups),
        status_line=status,
        history_lines=tuple(history),
        to_send=bool(docs) and initial is None,
        birth_place=birth_place_label(cand.birth_country, cand.birth_commune,
                                      cand.birth_postal_code),
    )


def _next_to_send(
    regs: list[Registration], current_id: int | None, session: ExamSession
) -> Registration | None:
    """The next candidate still to send after ``current_id`` (wrapping around)."""
    pending = [r for r in regs if _documents(r, session) and _requests(r)[0] is None]
    if not pending:
        return None
    if current_id is not None:
        after = [r for r in pending if r.id > current_id]
        if after:
            return after[0]
    return pending[0]


def prints_to_send(session: ExamSession) -> int:
    """The candidates of a validated session whose documents (R-PRT-1) still wait for their
    initial print request (R-PRT-2); 0 when the session is not validated."""
    if session.state is not SessionState.VALIDEE:
        return 0
    return sum(1 for r in session.registrations
               if _documents(r, session) and _requests(r)[0] is None)


def _service_name(profile: Profile, session: ExamSession) -> str:
    """The State service the actor signs for (attestation, R-PRT-5)."""
    if profile.role is Role.DREETS and profile.region_code:
        region = session.site.departement.region
        if region.code == profile.region_code:
            return region.service_name
    code = (
        profile.departement_code
        if profile.role is Role.UD and profile.departement_code
        else session.site.departement_code
    )
    try:
        return geography.departement(code).departmental_service_name
    except Exception:  # a COM or a code unknown to the geography tables
        dep = session.site.departement
        return f"Service de l'État ({dep.code} – {dep.name})" if dep else "Service de l'État"


# --------------------------------------------------------------------------- operations


@operation("print.preview")
def documents_preview(core: Core, actor: str, session_ref: str) -> SessionPreviewView:
    """R-PRT-1: per candidate, the documents the Afpa will print, and the preview notice."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, VIEW_ROLES, "consulter les documents de cette session")
        _require_validated(session)
        regs = _load_registrations(db, session)
        lines = tuple(_line(r, session, core.rules) for r in regs)
        nxt = _next_to_send(regs, None, session)
        return SessionPreviewView(
            session_ref=session.ref,
            session_kind=session.kind.value,
            title_code=session.title.code,
            title_label=session.title.full_label,
            title_level=session.title.level,
            site_name=session.site.name,
            departement_code=session.site.departement_code,
            start_date=session.start_date,
            end_date=session.end_date,
            state_label=session.state_label,
            routing=_routing(session.site),
            notice=PREVIEW_NOTICE,
            candidates=lines,
            sent_count=sum(1 for ln in lines if ln.initial_request_on),
            to_send_count=sum(1 for ln in lines if ln.to_send),
            next_to_send=nxt.candidate.ceres_id if nxt else None,
        )


@operation("print.verify")
def mark_data_verified(
    core: Core, actor: str, session_ref: str, ceres_id: str, verified: bool = True
) -> CandidatePrintLine:
    """Tick (or untick) "Données vérifiées et conformes" for one candidate (R-PRT-2).

    Ticking is refused while the record raises an R-CAN-4 alert or is a draft (R-PRT-3).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, PRINT_ROLES, "vérifier les données des candidats de cette session")
        _require_validated(session)
        reg = _load_registration(db, session, ceres_id, for_update=True)
        if verified:
            _require_result(reg, session)
            _require_record_valid(reg, session, core.rules)
            reg.data_verified_at = core.clock.now()
            reg.data_verified_by_id = user.id
        else:
            reg.data_verified_at = None
            reg.data_verified_by_id = None
        audit(db, core, user, "print.verify", session, ceres_id=reg.candidate.ceres_id,
              verified=verified)
        db.flush()
        return _line(reg, session, core.rules)


@operation("print.request")
def request_print(core: Core, actor: str, session_ref: str, ceres_id: str) -> PrintRequestView:
    """Send one candidate's documents for printing: the initial request (R-PRT-1..4, 7).

    Returns the candidate's new line ("Demande d'impression initiale transmise le …"),
    the routing and the next candidate of the session still to send.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, PRINT_ROLES, "demander l'impression des documents de cette session")
        _require_validated(session)
        reg = _load_registration(db, session, ceres_id, for_update=True)
        _require_result(reg, session)
        cand = reg.candidate
        initial, _dups = _requests(reg)
        if initial is not None:
            first_on = initial.requested_at.date()
            raise RuleViolation(
                "R-PRT-4",
                f"La demande d'impression initiale de {_name_natural(cand)} (n° {cand.ceres_id}) "
                f"a déjà été transmise le {_fr(first_on)} : pour un nouvel envoi, demandez un "
                f"duplicata (possible à partir du "
                f"{_fr(_next_duplicate_from(reg, core.rules))})",
            )
        _require_record_valid(reg, session, core.rules)
        if reg.data_verified_at is None:
            raise RuleViolation(
                "R-PRT-2",
                f"Cochez d'abord la case « Données vérifiées et conformes » pour "
                f"{_name_natural(cand)} (n° {cand.ceres_id}) après avoir vérifié ses documents : "
                "la demande d'impression n'est possible qu'à cette condition",
            )
        now = core.clock.now()
        request = PrintRequest(
            registration=reg, kind=PrintKind.INITIALE, document=None,
            requested_at=now, requested_by_id=user.id,
        )
        db.add(request)
        routing = _routing(session.site)
        audit(db, core, user, "print.request", session, ceres_id=cand.ceres_id,
              kind="initiale", overseas=routing.overseas)
        who, ident = _name_natural(cand), cand.ceres_id  # the objects expire if the flush fails
        try:
            db.flush()
        except IntegrityError:  # uq_print_requests_initial: sent concurrently by someone else
            raise RuleViolation(
                "R-PRT-4",
                f"La demande d'impression initiale de {who} (n° {ident}) vient d'être "
                "transmise par un autre agent : pour un nouvel envoi, demandez un duplicata",
                ceres_id=ident,
            ) from None
        regs = _load_registrations(db, session)
        current = next(r for r in regs if r.id == reg.id)
        nxt = _next_to_send(regs, reg.id, session)
        remaining = sum(1 for r in regs if _documents(r, session) and _requests(r)[0] is None)
        line = _line(current, session, core.rules)
        message = (
            f"{line.status_line} pour {_name_natural(cand)} (n° {cand.ceres_id}). "
            f"{routing.label}"
        )
        if nxt is not None:
            message += f" Candidat suivant : {_name_in_ceres(nxt.candidate)} (n° {nxt.candidate.ceres_id})."
        else:
            message += " Tous les candidats de la session ont été envoyés pour impression."
        return PrintRequestView(
            session_ref=session.ref,
            kind=PrintKind.INITIALE.value,
            document=None,
            document_label=_doc_label(None),
            requested_on=now.date(),
            message=message,
            routing=routing,
            candidate=line,
            next_candidate=_line(nxt, session, core.rules) if nxt else None,
            remaining_to_send=remaining,
            notes=(),
        )


@operation("print.request_session")
def request_print_for_session(
    core: Core,
    actor: str,
    session_ref: str,
    verified_ceres_ids: Sequence[str] = (),
) -> BatchPrintView:
    """Send every candidate still to send, one by one (each its own request, R-PRT-2).

    ``verified_ceres_ids`` names, one by one, the candidates whose documents the actor
    has just checked: the box "Données vérifiées et conformes" is ticked for each of
    them (and only them) before its request. A candidate still to send that is
    neither named nor ticked before is not sent (refused with R-PRT-2): no candidate
    is marked verified without being named. A name that is not a candidate still to
    send in this session is refused (:class:`InvalidInput`) before anything is done.
    Each candidate is sent or refused on its own (refusal with the rule's message).
    """
    if isinstance(verified_ceres_ids, str) or not isinstance(verified_ceres_ids, Sequence | set):
        raise InvalidInput(
            "Indiquez la liste des numéros CERES des candidats dont vous avez vérifié les "
            "données."
        )
    named = {
        parse_ref(i, "le numéro CERES de chaque candidat vérifié", max_len=20)
        for i in verified_ceres_ids
    }
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, PRINT_ROLES, "demander l'impression des documents de cette session")
        _require_validated(session)
        regs = _load_registrations(db, session)
        pending = [
            (r.candidate.ceres_id, _name_natural(r.candidate), r.data_verified_at is not None)
            for r in regs
            if _documents(r, session) and _requests(r)[0] is None
        ]
        unknown = sorted(named - {ceres_id for ceres_id, _n, _v in pending})
        if unknown:
            raise InvalidInput(
                f"{'Ces numéros CERES ne désignent' if len(unknown) > 1 else 'Ce numéro CERES ne désigne'} "
                f"aucun candidat de la session {session.ref} restant à envoyer pour "
                f"impression : {', '.join(unknown)}."
            )
        routing = _routing(session.site)
        ref = session.ref
    outcomes: list[BatchOutcome] = []
    for ceres_id, name, verified in pending:
        try:
            if ceres_id in named and not verified:
                mark_data_verified(core, actor, ref, ceres_id, True)
            request_print(core, actor, ref, ceres_id)
        except CeresError as exc:  # each candidate on its own: the list stays complete
            outcomes.append(BatchOutcome(ceres_id, name, False, exc.message, exc.rule))
        except IntegrityError:  # a concurrent write the operation did not map
            outcomes.append(BatchOutcome(
                ceres_id, name, False,
                "La demande n'a pas pu être enregistrée : un autre agent vient de modifier "
                "ce candidat. Réessayez.", None,
            ))
        else:
            outcomes.append(
                BatchOutcome(
                    ceres_id, name, True,
                    f"Demande d'impression initiale transmise le {_fr(core.clock.today())}",
                    None,
                )
            )
    sent = sum(1 for o in outcomes if o.sent)
    refused = len(outcomes) - sent
    if not outcomes:
        message = f"Aucun candidat de la session « {ref} » ne reste à envoyer pour impression."
    else:
        message = f"{plural(sent, 'candidat envoyé')} pour impression"
        if refused:  # « 0 demande non transmise » says nothing
            message += f", {plural(refused, 'demande non transmise', 'demandes non transmises')}"
        message += "."
    return BatchPrintView(ref, tuple(outcomes), sent, refused, routing, message)


@operation("print.duplicate")
def request_duplicate(
    core: Core,
    actor: str,
    session_ref: str,
    ceres_id: str,
    *,
    document: str | None = None,
    data_verified: bool,
) -> PrintRequestView:
    """R-PRT-6: request a duplicate (the whole set, or one document) for one candidate.

    Allowed ``core.rules.duplicate_delay_days`` days or more after the last print
    request (initial or duplicate), once the data have been checked again. Used for
    R-AFT-1 (error noticed by the candidate, after fixing the record) and R-AFT-3
    (lost mail, after checking it is not a PND and checking the address).
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, PRINT_ROLES, "demander un duplicata pour cette session")
        _require_validated(session)
        reg = _load_registration(db, session, ceres_id, for_update=True)
        cand = reg.candidate
        docs = _documents(reg, session)
        if document is not None:
            document = document.strip().lower() or None
        if document is not None and document not in {d.code for d in docs}:
            allowed = ", ".join(f"« {d.code} » ({d.label})" for d in docs) or "aucun"
            raise InvalidInput(
                f"Le document « {document} » ne fait pas partie des documents de "
                f"{_name_natural(cand)} : documents possibles : {allowed}."
            )
        initial, _dups = _requests(reg)
        if initial is None:
            raise RuleViolation(
                "R-PRT-6",
                f"Aucune demande d'impression initiale n'a été transmise pour "
                f"{_name_natural(cand)} (n° {cand.ceres_id}) : envoyez d'abord ses documents "
                "pour impression ; un duplicata ne se demande qu'ensuite",
            )
        delay = core.rules.duplicate_delay_days
        earliest = _next_duplicate_from(reg, core.rules)
        if core.clock.today() < earliest:
            raise RuleViolation(
                "R-PRT-6",
                f"Un duplicata ne peut être demandé que {delay} jours après la dernière demande "
                f"d'impression : possible à partir du {_fr(earliest)}.",
            )
        if not data_verified:
            raise RuleViolation(
                "R-PRT-6",
                f"Vérifiez à nouveau les données de {_name_natural(cand)} (n° {cand.ceres_id}) "
                "et confirmez qu'elles sont conformes (« Données vérifiées et conformes ») "
                "avant de demander un duplicata",
            )
        _require_record_valid(reg, session, core.rules)
        now = core.clock.now()
        reg.data_verified_at = now
        reg.data_verified_by_id = user.id
        db.add(PrintRequest(
            registration=reg, kind=PrintKind.DUPLICATA, document=document,
            requested_at=now, requested_by_id=user.id,
        ))
        routing = _routing(session.site)
        audit(db, core, user, "print.duplicate", session, ceres_id=cand.ceres_id,
              document=document)
        db.flush()
        line = _line(reg, session, core.rules)
        notes: list[str] = []
        if document in (None, DOC_BOOKLET) and any(d.code == DOC_BOOKLET for d in docs):
            notes.append(BOOKLET_DUPLICATE_NOTE)
        if reg.result is Result.ADMIS:
            notes.append(
                "En attendant la réception des documents, vous pouvez télécharger et envoyer "
                "au candidat une attestation de réussite (R-AFT-1, R-AFT-3)."
            )
        message = (
            f"Duplicata ({_doc_label(document)}) demandé le {_fr(now.date())} pour "
            f"{_name_natural(cand)} (n° {cand.ceres_id}) : "
            f"{plural(line.duplicates_count, 'duplicata envoyé', 'duplicatas envoyés')} "
            f"pour impression. {routing.label}"
        )
        regs = _load_registrations(db, session)
        nxt = _next_to_send(regs, reg.id, session)
        return PrintRequestView(
            session_ref=session.ref,
            kind=PrintKind.DUPLICATA.value,
            document=document,
            document_label=_doc_label(document),
            requested_on=now.date(),
            message=message,
            routing=routing,
            candidate=line,
            next_candidate=_line(nxt, session, core.rules) if nxt else None,
            remaining_to_send=sum(
                1 for r in regs if _documents(r, session) and _requests(r)[0] is None
            ),
            notes=tuple(notes),
        )


_POSTAL_CODE_FR = re.compile(r"^\d{5}$")


def _pnd_status(event: PndEvent) -> str:
    if event.afpa_handled_at is not None:
        return f"renvoyé par l'Afpa le {_fr(event.afpa_handled_at)}"
    return "à renvoyer par l'Afpa"


def _pnd_view(event: PndEvent, session: ExamSession, cand: Candidate, note: str) -> PndView:
    if event.afpa_handled_at is not None:
        afpa = (
            f"L'Afpa a renvoyé le courrier à la nouvelle adresse le "
            f"{_fr(event.afpa_handled_at)}."
        )
    else:
        afpa = (
            f"Le renvoi à la nouvelle adresse est inscrit sur la liste des plis à renvoyer "
            f"du service impression de l'Afpa (avis n° {event.id}) ; l'Afpa ne l'a pas "
            "encore traité."
        )
    return PndView(
        session_ref=session.ref,
        ceres_id=cand.ceres_id,
        candidate_name=_name_natural(cand),
        reported_on=event.reported_at.date(),
        previous_address=event.previous_address,
        new_address=event.new_address or "",
        notice_id=event.id,
        afpa_notified_on=(event.afpa_notified_at or event.reported_at).date(),
        afpa_handled_on=event.afpa_handled_at.date() if event.afpa_handled_at else None,
        record_note=note,
        duplicate_requested=False,
        comment=event.comment,
        message=(
            "Pli non distribuable enregistré : l'adresse du candidat est mise à jour. "
            f"{afpa} Aucune demande de duplicata n'est nécessaire (R-AFT-2)."
        ),
    )


def _first_request_on(reg: Registration) -> date | None:
    first = min((r.requested_at for r in reg.print_requests), default=None)
    return first.date() if first is not None else None


def _require_pnd_possible(reg: Registration, today: date, rules: Rules) -> None:
    """R-AFT-2: a PND only for documents sent, once they can have been printed and
    mailed (:func:`ceres_core.rules.pnd_possible_from`)."""
    cand = reg.candidate
    first = _first_request_on(reg)
    possible_from = domain_rules.pnd_possible_from(first, rules)
    if possible_from is None:
        raise RuleViolation(
            "R-AFT-2",
            f"Aucun envoi n'a été demandé à l'Afpa pour {_name_natural(cand)} "
            f"(n° {cand.ceres_id}) dans cette session : il ne peut pas y avoir de pli non "
            "distribuable",
        )
    if today < possible_from:
        raise RuleViolation(
            "R-AFT-2",
            f"Les documents de {_name_natural(cand)} (n° {cand.ceres_id}) ont été envoyés "
            f"pour impression le {_fr(first)} : l'Afpa doit encore les imprimer et les "
            "poster, un pli ne peut pas être revenu non distribué avant le "
            f"{_fr(possible_from)}. Si l'adresse du candidat est erronée, corrigez sa fiche "
            "et prévenez le service impression de l'Afpa",
            possible_from=possible_from.isoformat(),
        )


def check_pnd(core: Core, actor: str, session_ref: str, ceres_id: str) -> None:
    """R-AFT-2 before the new address is asked: may this candidate's PND be recorded now
    (scope, documents sent and mailed)? The same refusals as :func:`record_pnd`; nothing
    is written."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, PRINT_ROLES,
                     "enregistrer un pli non distribuable pour cette session")
        reg = _load_registration(db, session, ceres_id)
        _require_pnd_possible(reg, core.clock.today(), core.rules)


@operation("print.pnd")
def record_pnd(
    core: Core,
    actor: str,
    session_ref: str,
    ceres_id: str,
    *,
    new_address: str,
    new_postal_code: str,
    new_city: str,
    comment: str | None = None,
) -> PndView:
    """R-AFT-2: mail returned undelivered: write the right address, tell the Afpa.

    The record change follows R-CAN-2 inside this one operation: a validated record
    goes back to draft, gets the new address and is validated again. The PND is put
    on the Afpa print service's list of mails to re-send (:func:`list_pnd_notices`);
    no duplicate is requested: the Afpa re-sends the same mail.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, PRINT_ROLES, "enregistrer un pli non distribuable pour cette session")
        reg = _load_registration(db, session, ceres_id, for_update=True)
        cand = reg.candidate
        address = _clean(new_address, "la nouvelle adresse (numéro et voie)")
        postal = _clean(new_postal_code, "le code postal de la nouvelle adresse")
        city = _clean(new_city, "la commune de la nouvelle adresse")
        if len(address) > 250 or len(city) > 120:
            raise InvalidInput("L'adresse ou la commune saisie est trop longue.")
        if (cand.country or "France") == "France" and not _POSTAL_CODE_FR.match(postal):
            raise InvalidInput(
                f"Le code postal « {postal} » n'est pas valide : il doit compter 5 chiffres "
                "(par exemple 75011)."
            )
        if len(postal) > 10:
            raise InvalidInput(f"Le code postal « {postal} » est trop long.")
        _require_pnd_possible(reg, core.clock.today(), core.rules)
        if (
            (cand.address or "").strip().casefold() == address.casefold()
            and (cand.postal_code or "").strip() == postal
            and (cand.city or "").strip().casefold() == city.casefold()
        ):
            raise InvalidInput(
                "La nouvelle adresse est identique à celle de la fiche : indiquez l'adresse "
                "corrigée obtenue auprès du candidat."
            )
        previous = cand.postal_address or None
        was_valid = cand.state is CandidateState.VALIDE
        # R-CAN-2 through the candidates module's own change (field checks, R-CAN-5,
        # R-CAN-4 alerts before validating again).
        _changed, alerts = change_record_through_draft(
            db, core, cand, {"address": address, "postal_code": postal, "city": city}
        )
        if not was_valid:
            note = "La fiche du candidat, à l'état brouillon, a reçu la nouvelle adresse."
        elif alerts:
            listed = " ".join(a.message for a in alerts)
            note = (
                "La fiche du candidat est repassée à l'état brouillon et l'adresse a été "
                f"modifiée, mais la fiche n'a pas pu être validée à nouveau : {listed} "
                "Corrigez-la dans le module « Candidats », puis validez-la (R-CAN-2, R-CAN-4)."
            )
        else:
            note = (
                "La fiche du candidat est repassée à l'état brouillon, l'adresse a été "
                "modifiée, puis la fiche a été validée à nouveau (R-CAN-2)."
            )
        now = core.clock.now()
        event = PndEvent(
            registration=reg, reported_at=now, recorded_by_id=user.id,
            previous_address=previous, new_address=cand.postal_address,
            afpa_notified_at=now, comment=(comment or "").strip() or None,
        )
        db.add(event)
        audit(db, core, user, "print.pnd", session, ceres_id=cand.ceres_id,
              previous_address=previous, new_address=cand.postal_address)
        db.flush()
        return _pnd_view(event, session, cand, note)


#: Who acts on the PND notices: the Afpa's print service (national), and the admin.
AFPA_ROLES = (Role.AFPA, Role.ADMIN)


def _notice_view(db: Session, event: PndEvent) -> PndNoticeView:
    reg = event.registration
    session, cand = reg.session, reg.candidate
    recorder = db.get(User, event.recorded_by_id)
    handler = db.get(User, event.afpa_handled_by_id) if event.afpa_handled_by_id else None
    return PndNoticeView(
        id=event.id,
        session_ref=session.ref,
        departement_code=session.site.departement_code,
        ceres_id=cand.ceres_id,
        candidate_name=_name_natural(cand),
        documents=tuple(d.label for d in _documents(reg, session)),
        previous_address=event.previous_address,
        new_address=event.new_address or "",
        routing=_routing(session.site),
        notified_at=event.afpa_notified_at or event.reported_at,
        notified_by=recorder.display_name if recorder else "",
        handled_at=event.afpa_handled_at,
        handled_by=handler.display_name if handler else None,
        afpa_comment=event.afpa_comment,
        status_label=_pnd_status(event),
    )


def _notice_query():
    return select(PndEvent).options(
        selectinload(PndEvent.registration).selectinload(Registration.session)
        .selectinload(ExamSession.site),
        selectinload(PndEvent.registration).selectinload(Registration.candidate),
    )


@operation("print.pnd_notices")
def list_pnd_notices(
    core: Core, actor: str, *, include_handled: bool = False, limit: int = 100
) -> list[PndNoticeView]:
    """R-AFT-2: the Afpa print service's list of PND mails to re-send, oldest first.

    Open to the Afpa print operators and the admin (the Afpa prints for all of
    France). ``include_handled`` adds the notices already handled, newest first after
    the pending ones.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, AFPA_ROLES, "consulter les plis non distribuables à renvoyer")
        limit = parse_int(limit, "Le nombre d'avis demandés", lo=1, hi=500)
        query = _notice_query().where(PndEvent.afpa_notified_at.is_not(None))
        if not include_handled:
            query = query.where(PndEvent.afpa_handled_at.is_(None))
        query = query.order_by(
            PndEvent.afpa_handled_at.is_not(None), PndEvent.afpa_notified_at, PndEvent.id
        ).limit(limit)
        return [_notice_view(db, e) for e in db.scalars(query)]


@operation("print.pnd_handle")
def handle_pnd_notice(
    core: Core, actor: str, notice_id: int, *, comment: str | None = None
) -> PndNoticeView:
    """R-AFT-2: the Afpa records that it re-sent the mail to the new address.

    By an Afpa print operator (or the admin); refused if the notice was already
    handled. The State service sees it in the candidate's print history.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, AFPA_ROLES, "traiter un pli non distribuable")
        ident = parse_int(notice_id, "Le numéro de l'avis", lo=1)
        event = db.scalar(
            _notice_query().where(PndEvent.id == ident).with_for_update(of=PndEvent)
        )
        if event is None or event.afpa_notified_at is None:
            raise NotFound(f"L'avis de pli non distribuable n° {ident} est introuvable.")
        if event.afpa_handled_at is not None:
            raise RuleViolation(
                "R-AFT-2",
                f"L'avis n° {ident} a déjà été traité : le courrier a été renvoyé le "
                f"{_fr(event.afpa_handled_at)}",
            )
        event.afpa_handled_at = core.clock.now()
        event.afpa_handled_by_id = user.id
        event.afpa_comment = " ".join((comment or "").split()) or None
        reg = event.registration
        audit(db, core, user, "print.pnd_handle", reg.session, notice=event.id,
              ceres_id=reg.candidate.ceres_id)
        db.flush()
        return _notice_view(db, event)


@operation("print.history")
def print_history(core: Core, actor: str, session_ref: str, ceres_id: str) -> PrintHistoryView:
    """A candidate's initial request, duplicates (with counter) and PNDs (R-PRT-4, R-PRT-6)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, VIEW_ROLES, "consulter les envois de cette session")
        reg = _load_registration(db, session, ceres_id)
        line = _line(reg, session, core.rules)
        next_dup = _next_duplicate_from(reg, core.rules)
        pnds = tuple(
            _pnd_view(e, session, reg.candidate, "")
            for e in sorted(reg.pnd_events, key=lambda e: (e.reported_at, e.id))
        )
        return PrintHistoryView(
            session_ref=session.ref,
            candidate=line,
            routing=_routing(session.site),
            next_duplicate_from=next_dup,
            attestation_available=reg.result is Result.ADMIS and line.initial_request_on is not None,
            pnd_events=pnds,
            pnd_possible_from=domain_rules.pnd_possible_from(_first_request_on(reg), core.rules),
        )


@operation("print.attestation")
def attestation_reussite(
    core: Core, actor: str, session_ref: str, ceres_id: str
) -> tuple[str, bytes]:
    """R-PRT-5: the attestation de réussite PDF, ready to print, sign and mail.

    Only for an admitted candidate, after the first print request. Returns
    ``(filename, pdf_bytes)``.
    """
    from ceres_core.documents.attestation import (
        AttestationData,
        attestation_filename,
        render_attestation,
    )

    with core.transaction() as db:
        user: User = load_actor(db, actor)
        session = _load_session(db, session_ref)
        profile = require_site(user, session.site, READ_ROLES, "établir une attestation de réussite pour cette session")
        reg = _load_registration(db, session, ceres_id)
        cand = reg.candidate
        if reg.result is not Result.ADMIS:
            label = RESULT_LABELS[reg.result] if reg.result else "sans résultat saisi"
            raise RuleViolation(
                "R-PRT-5",
                f"L'attestation de réussite n'est disponible que pour un candidat admis : "
                f"{_name_natural(cand)} (n° {cand.ceres_id}) est {label} à la session "
                f"« {session.ref} »",
            )
        initial, _ = _requests(reg)
        if initial is None:
            raise RuleViolation(
                "R-PRT-5",
                f"L'attestation de réussite de {_name_natural(cand)} (n° {cand.ceres_id}) n'est "
                "disponible qu'après la première demande d'impression : envoyez d'abord ses "
                "documents pour impression",
            )
        title = session.title
        if session.kind is SessionKind.CCS and session.ccs:
            obtained = (
                f"le certificat complémentaire de spécialisation « {session.ccs.label} » "
                f"({session.ccs.code}) du titre professionnel {title.label}"
            )
        elif session.kind is SessionKind.CCP:
            obtained = (
                "le certificat de compétences professionnelles "
                + ", ".join(_ccps_obtained(reg, session))
                + f" du titre professionnel {title.label}"
            )
        else:
            obtained = f"le titre professionnel {title.label}"
        site = session.site
        place = ", ".join(p for p in (site.name, site.commune) if p)
        data = AttestationData(
            issued_on=core.clock.today(),
            service_name=_service_name(profile, session),
            signatory=user.display_name,
            civility=civility_label(cand.civility),
            first_name=cand.first_name,
            last_name=cand.last_name,
            birth_date=cand.birth_date,
            ceres_id=cand.ceres_id,
            obtained=obtained,
            title_label=title.label,
            title_code=title.code,
            title_version_date=title.version_date,
            title_level=title.level,
            title_domains=tuple(title.domains or ()),
            title_rncp=title.rncp,
            session_ref=session.ref,
            session_start=session.start_date,
            session_end=session.end_date,
            session_place=place,
        )
        audit(db, core, user, "print.attestation", session, ceres_id=cand.ceres_id)
        filename = attestation_filename(cand.ceres_id, session.ref)
        return filename, render_attestation(data)
