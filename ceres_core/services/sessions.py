"""Exam sessions: creation, deletion, cancellation, convocations, closure, validation.

Rules: R-SES-1..6 (sessions), R-SES-4 through :mod:`ceres_core.session_states`,
R-CON-1/2 (convocations), R-CAN-7 at validation ("the UD cannot validate it"),
R-ACT-2 (scope, checked first by every operation).

Session references (R-SES-1, our format): ``<PREFIX>_<LETTER>_<YEAR>_<NNNNNN>``,
e.g. ``TITRE_B_2027_470415``: ``PREFIX`` is ``TITRE``, ``CCP`` or ``CCS`` after the
kind of session, ``YEAR`` the year of the start date, ``NNNNNN`` six random digits
(drawn again until the reference is unique) and ``LETTER`` a check letter
(:func:`ref_check_letter`: ``YEAR·10⁶ + NNNNNN`` modulo 26, ``A``..``Z``) that lets a
front end flag a mistyped reference. Lookups never require the check letter:
migrated references do not follow it.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from ceres_core import contacts, dte_timeline, geography
from ceres_core import rules as domain_rules
from ceres_core.access import load_actor, profile_covers_site, require_role, require_site
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    RESULT_LABELS,
    SESSION_STATE_LABELS,
    AckKind,
    Agrement,
    Attendance,
    Departement,
    DteOrder,
    ExamSession,
    PrintKind,
    Registration,
    Role,
    SessionKind,
    SessionState,
    Site,
    User,
)
from ceres_core.services._operation import audit, operation
from ceres_core.session_states import VALIDATED_STATES, SessionEvent, transition
from ceres_core.settings import Rules
from ceres_core.values import fr_date, parse_date, parse_ref, parse_time
from ceres_core.zone import zone_of

#: Who creates, deletes, convokes, enters results and closes: the centre (or admin).
CENTRE_ROLES = (Role.CENTRE, Role.ADMIN)
#: Who validates a session (R-SES-6, R-CAN-7): the UD of the département, the DREETS.
VALIDATOR_ROLES = (Role.UD, Role.DREETS, Role.ADMIN)
#: Who reopens ("débloque") a validated session (R-SES-4: "by the UD").
REOPEN_ROLES = (Role.UD, Role.ADMIN)
#: Who may cancel a validated session (R-SES-5: the DREETS/DDETS).
STATE_SERVICE_ROLES = (Role.UD, Role.DREETS, Role.ADMIN)
#: Who may look at sessions: the site roles in their zone; GEV operators nationally.
VIEW_ROLES = (Role.CENTRE, Role.UD, Role.DREETS, Role.ADMIN, Role.GEV)
NATIONAL_VIEW_ROLES = (Role.ADMIN, Role.GEV)

KIND_PREFIXES: dict[SessionKind, str] = {
    SessionKind.TP: "TITRE",
    SessionKind.CCP: "CCP",
    SessionKind.CCS: "CCS",
}
KIND_LABELS: dict[SessionKind, str] = {
    SessionKind.TP: "titre professionnel",
    SessionKind.CCP: "CCP",
    SessionKind.CCS: "CCS",
}
ATTENDANCE_LABELS: dict[Attendance, str] = {
    Attendance.PRESENT: "présent",
    Attendance.ABSENCE_JUSTIFIEE: "absence justifiée",
    Attendance.ABSENCE_INJUSTIFIEE: "absence injustifiée",
}


def attendance_label(attendance: Attendance, civility: str) -> str:
    """The attendance as said of one candidate: « présente » agrees with « Mme »."""
    from ceres_core.names import agreed

    label = ATTENDANCE_LABELS[attendance]
    return agreed(label, civility) if attendance is Attendance.PRESENT else label


DTE_STATUS_LABELS: dict[str, str] = {
    "non_commande": "DTE non commandé",
    "commande": "DTE commandé",
    "receptionne": "commande de DTE prise en compte par la GEV",
    "prepare": "DTE préparé (liens envoyés)",
    "annule": "commande de DTE annulée",
}

REF_PATTERN = re.compile(r"^(TITRE|CCP|CCS)_[A-Z]_\d{4}_\d{6}$")
MAX_LIST_LIMIT = 500


# -- small helpers shared by the session, DTE and results services ---------------------


def parse_kind(value: SessionKind | str) -> SessionKind:
    text = str(value or "").strip().upper()
    if text == "TITRE":
        text = "TP"
    try:
        return SessionKind(text)
    except ValueError:
        raise InvalidInput(
            f"Le type de session « {value} » est inconnu : indiquez TP, CCP ou CCS."
        ) from None


def ref_check_letter(year: int, number: int) -> str:
    """The check letter of a reference: ``(year·10⁶ + number) mod 26`` as ``A``..``Z``."""
    return chr(ord("A") + (year * 1_000_000 + number) % 26)


def normalize_ref(ref: object) -> str:
    """A session reference as stored: upper-case, no spaces around (:class:`InvalidInput`
    for an empty or non-text value)."""
    return parse_ref(ref, "la référence de la session (par exemple TITRE_B_2027_470415)")


def load_session(db: Session, ref: object, *options: ORMOption) -> ExamSession:
    """The session with this reference (any case), or :class:`NotFound` in French.

    The one session loader of the services; ``options`` are loader options
    (``selectinload(...)``) for what the caller reads next.
    """
    ref = normalize_ref(ref)
    query = select(ExamSession).where(ExamSession.ref == ref)
    if options:
        query = query.options(*options)
    session = db.scalar(query)
    if session is None:
        hint = "" if REF_PATTERN.match(ref) else " (forme attendue : TITRE_B_2027_470415)"
        raise NotFound(f"La session « {ref} » est introuvable{hint}.")
    return session


def require_view(user: User, site: Site, what: str) -> None:
    """Read access: a site role in its zone, or a national role (admin, GEV)."""
    if any(p.role in NATIONAL_VIEW_ROLES for p in user.profiles):
        return
    require_site(user, site, VIEW_ROLES, what)


def gev_email(session: ExamSession) -> str:
    """R-ASS-2: the GEV mailbox for this session's DTE (:mod:`ceres_core.contacts`, the
    one definition the helpdesk reads too): CCP for a CCP session, the title's sector
    for a TP or CCS session."""
    return contacts.gev_email(session.kind.value, session.title.sector)


def order_was_prepared(order: DteOrder | None) -> bool:
    """R-DTE-3: the GEV acknowledged the preparation (links sent, packages shipped)."""
    return order is not None and any(
        a.kind is AckKind.PREPARATION for a in order.acknowledgements
    )


def packages_to_destroy(order: DteOrder | None) -> bool:
    """R-SES-5 (reading): the centre must destroy the packages if they may have reached it.

    We do not record deliveries; the preparation acknowledgement (R-DTE-3) is when the
    GEV sends the links and ships the packages, so from then on the centre holds
    material to destroy. Before it, the GEV simply cancels the order.
    """
    return order_was_prepared(order)


def dte_status_code(order: DteOrder | None) -> str:
    if order is None:
        return "non_commande"
    if order.cancelled_at is not None:
        return "annule"
    kinds = {a.kind for a in order.acknowledgements}
    if AckKind.PREPARATION in kinds:
        return "prepare"
    if AckKind.RECEPTION in kinds:
        return "receptionne"
    return "commande"


def is_fully_entered(registration: Registration) -> bool:
    """R-SES-6: attendance entered and, for a present candidate, a result."""
    if registration.attendance is None:
        return False
    return registration.attendance is not Attendance.PRESENT or registration.result is not None


def pending_entries(session: ExamSession) -> list[Registration]:
    return [r for r in session.registrations if not is_fully_entered(r)]


# -- views ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationLine:
    """One registered candidate of a session, with attendance, result and print status."""

    ceres_id: str
    full_name: str
    is_vae: bool
    attendance: str | None
    attendance_label: str | None
    result: str | None
    result_label: str | None
    ccps_obtained: tuple[str, ...]
    comment: str | None
    initial_print_requested_at: datetime | None


@dataclass(frozen=True)
class SessionView:
    """A session as front ends show it (no database needed)."""

    id: int
    ref: str
    kind: str
    kind_label: str
    title_code: str
    title_label: str
    ccp_code: str | None
    ccs_code: str | None
    certification_label: str
    site_code: str
    site_name: str
    centre_name: str
    centre_siret: str
    departement_code: str
    #: R-PRT-7: held in a DROM-COM, so the Afpa mails the documents to the DEETS.
    overseas: bool
    agrement_id: int
    agrement_ends_on: date
    start_date: date
    start_time: time
    end_date: date
    convocation_time: time | None
    with_final_interview: bool
    state: str
    state_label: str
    registrations_count: int
    initial_print_count: int
    dte_status: str
    dte_status_label: str
    convocations_issued_at: datetime | None
    closed_by_centre_at: datetime | None
    validated_at: datetime | None
    cancelled_at: datetime | None
    registrations: tuple[RegistrationLine, ...] = ()

    @property
    def summary_fr(self) -> str:
        """One line: "TITRE_A_2027_000001 – Ouvrier du paysage – 20/05/2027 – validée"."""
        return (
            f"{self.ref} – {self.certification_label} – {fr_date(self.start_date)} – "
            f"{self.state_label}"
        )


def _initial_print_at(registration: Registration) -> datetime | None:
    dates = [p.requested_at for p in registration.print_requests if p.kind is PrintKind.INITIALE]
    return min(dates) if dates else None


def registration_line(registration: Registration) -> RegistrationLine:
    att, res = registration.attendance, registration.result
    return RegistrationLine(
        ceres_id=registration.candidate.ceres_id,
        full_name=registration.candidate.full_name,
        is_vae=registration.is_vae,
        attendance=att.value if att else None,
        attendance_label=attendance_label(att, registration.candidate.civility) if att else None,
        result=res.value if res else None,
        result_label=RESULT_LABELS[res] if res else None,
        ccps_obtained=tuple(sorted(c.code for c in registration.ccps_obtained)),
        comment=registration.result_comment,
        initial_print_requested_at=_initial_print_at(registration),
    )


def session_view(session: ExamSession, *, with_registrations: bool = False) -> SessionView:
    """Freeze a session into a :class:`SessionView` (inside the transaction)."""
    title = session.title
    if session.kind is SessionKind.CCP and session.ccp is not None:
        certification = f"{session.ccp.code} {session.ccp.label} ({title.code})"
    elif session.kind is SessionKind.CCS and session.ccs is not None:
        certification = f"{session.ccs.code} {session.ccs.label} ({title.code})"
    else:
        certification = f"{title.code} {title.full_label}"
    dte = dte_status_code(session.dte_order)
    registrations = session.registrations
    return SessionView(
        id=session.id,
        ref=session.ref,
        kind=session.kind.value,
        kind_label=KIND_LABELS[session.kind],
        title_code=title.code,
        title_label=title.full_label,
        ccp_code=session.ccp.code if session.ccp else None,
        ccs_code=session.ccs.code if session.ccs else None,
        certification_label=certification,
        site_code=session.site.code,
        site_name=session.site.name,
        centre_name=session.site.centre.name,
        centre_siret=session.site.centre.siret,
        departement_code=session.site.departement_code,
        overseas=geography.is_drom_com(session.site.departement_code),
        agrement_id=session.agrement_id,
        agrement_ends_on=session.agrement.ends_on,
        start_date=session.start_date,
        start_time=session.start_time,
        end_date=session.end_date,
        convocation_time=session.convocation_time,
        with_final_interview=session.with_final_interview,
        state=session.state.value,
        state_label=session.state_label,
        registrations_count=len(registrations),
        initial_print_count=sum(1 for r in registrations if _initial_print_at(r) is not None),
        dte_status=dte,
        dte_status_label=DTE_STATUS_LABELS[dte],
        convocations_issued_at=session.convocations_issued_at,
        closed_by_centre_at=session.closed_by_centre_at,
        validated_at=session.validated_at,
        cancelled_at=session.cancelled_at,
        registrations=(
            tuple(registration_line(r) for r in registrations) if with_registrations else ()
        ),
    )


# -- R-CAN-7: the counting function shared with the candidates service ------------------


final_interview_window = domain_rules.final_interview_window


def counts_for_final_interview_limit(session: ExamSession) -> bool:
    """R-CAN-7: whether a session counts in the yearly limit (:mod:`ceres_core.rules`);
    :func:`_counted_condition` is the same predicate in SQL.
    """
    return domain_rules.counts_for_final_interview_limit(
        session.kind, session.with_final_interview, session.state
    )


def _counted_condition() -> ColumnElement[bool]:
    """:func:`counts_for_final_interview_limit` as an SQL condition on ``ExamSession``."""
    return and_(
        ExamSession.with_final_interview.is_(True),
        ExamSession.kind.in_([SessionKind.TP, SessionKind.CCP]),
        ExamSession.state != SessionState.ANNULEE,
    )


def final_interview_sessions(
    db: Session,
    candidate_id: int,
    first: date,
    last: date,
    exclude_session_id: int | None = None,
) -> list[ExamSession]:
    """R-CAN-7: the candidate's counted sessions starting between ``first`` and ``last``
    (both included), by start date; ``exclude_session_id`` leaves one out (the session
    being validated, or the one the candidate is being registered to).
    """
    query = (
        select(ExamSession)
        .join(Registration, Registration.session_id == ExamSession.id)
        .where(
            Registration.candidate_id == candidate_id,
            _counted_condition(),
            ExamSession.start_date >= first,
            ExamSession.start_date <= last,
        )
        .order_by(ExamSession.start_date, ExamSession.id)
    )
    if exclude_session_id is not None:
        query = query.where(ExamSession.id != exclude_session_id)
    return list(db.scalars(query).unique())


def final_interview_sessions_in_window(
    db: Session,
    candidate_id: int,
    on_date: date,
    rules: Rules,
    exclude_session_id: int | None = None,
) -> int:
    """R-CAN-7: how many counted sessions (:func:`final_interview_sessions`) the
    candidate has in the rolling window ending at ``on_date``. A candidate may have at
    most ``rules.max_final_interview_sessions`` of them, the new one included.
    """
    first, last = final_interview_window(on_date, rules)
    return len(final_interview_sessions(db, candidate_id, first, last, exclude_session_id))


def final_interview_limit_breach(
    db: Session, candidate_id: int, session: ExamSession, rules: Rules
) -> tuple[domain_rules.FinalInterviewBreach, list[ExamSession]] | None:
    """R-CAN-7 for one candidate in ``session``: one query, one reading for registration
    and validation (:func:`ceres_core.rules.final_interview_breach`).

    Returns ``None`` when the session does not count or no window is exceeded;
    otherwise the window exceeded and the candidate's other counted sessions in it.
    """
    if not counts_for_final_interview_limit(session):
        return None
    first, last = domain_rules.final_interview_span(session.start_date, rules)
    others = final_interview_sessions(db, candidate_id, first, last, session.id)
    breach = domain_rules.final_interview_breach(
        session.start_date, [s.start_date for s in others], rules
    )
    if breach is None:
        return None
    return breach, [s for s in others if breach.first <= s.start_date <= breach.last]


# -- creation and deletion (R-SES-1, R-SES-2, R-SES-3) ----------------------------------


def _new_ref(db: Session, kind: SessionKind, year: int) -> str:
    for _ in range(50):
        number = secrets.randbelow(1_000_000)
        ref = f"{KIND_PREFIXES[kind]}_{ref_check_letter(year, number)}_{year}_{number:06d}"
        if db.scalar(select(ExamSession.id).where(ExamSession.ref == ref)) is None:
            return ref
    raise RuntimeError("could not draw a free session reference")  # pragma: no cover


@operation("session.create")
def create_session(
    core: Core,
    actor: str,
    agrement_id: int | None,
    kind: SessionKind | str,
    start_date: date | str,
    start_time: time | str,
    end_date: date | str,
    *,
    ccp_code: str | None = None,
    ccs_code: str | None = None,
    with_final_interview: bool | None = None,
) -> SessionView:
    """Create a session from one of the site's agréments (R-SES-1, R-SES-2).

    ``kind`` is TP, CCP (``ccp_code`` of the title required) or CCS (``ccs_code``
    required). ``with_final_interview`` left to ``None`` takes the common case
    (R-CAN-7, :func:`ceres_core.rules.default_final_interview`): a TP session has
    the final interview, a CCP or CCS session has none. Dates are ``date`` objects or ``AAAA-MM-JJ``/``JJ/MM/AAAA`` text; the
    start hour is the hour of the first day. Returns the new session's view.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        require_role(user, CENTRE_ROLES, "créer une session")
        if agrement_id is None:
            raise RuleViolation(
                "R-SES-2",
                "Sans agrément pour ce titre sur ce site, aucune session ne peut être créée : "
                "le centre doit d'abord demander un agrément.",
            )
        agrement = db.get(Agrement, agrement_id)
        if agrement is None:
            raise NotFound(f"L'agrément n° {agrement_id} est introuvable.")
        require_site(user, agrement.site, CENTRE_ROLES, "créer une session sur ce site")

        kind = parse_kind(kind)
        if with_final_interview is None:
            with_final_interview = domain_rules.default_final_interview(kind)
        start = parse_date(start_date, "La date de début")
        end = parse_date(end_date, "La date de fin")
        hour = parse_time(start_time, "L'heure de début")
        today = core.clock.today()
        if end < start:
            raise InvalidInput(
                f"La date de fin ({fr_date(end)}) est antérieure à la date de début "
                f"({fr_date(start)})."
            )
        if start < today:
            raise InvalidInput(
                f"La date de début ({fr_date(start)}) est déjà passée : une session se crée "
                "pour une date à venir."
            )
        title = agrement.title
        ccp = ccs = None
        if kind is SessionKind.CCP:
            ccp = _pick_code(title.ccps, ccp_code, "CCP", title.code)
            if ccs_code:
                raise InvalidInput("Une session CCP ne porte pas de CCS : retirez le code CCS.")
        elif kind is SessionKind.CCS:
            ccs = _pick_code(title.ccss, ccs_code, "CCS", title.code)
            if ccp_code:
                raise InvalidInput("Une session CCS ne porte pas de CCP : retirez le code CCP.")
            if with_final_interview:
                raise InvalidInput("Une session CCS ne comporte pas d'entretien final.")
        elif ccp_code or ccs_code:
            raise InvalidInput(
                "Une session de titre porte sur le titre entier : retirez le code CCP ou CCS."
            )

        if start < agrement.granted_on:
            raise RuleViolation(
                "R-SES-1",
                f"La session commencerait le {fr_date(start)}, avant la date d'obtention de "
                f"l'agrément ({fr_date(agrement.granted_on)}) : choisissez une date couverte "
                "par l'agrément.",
            )
        if end > agrement.ends_on:
            limit = domain_rules.agrement_grace_end(agrement.ends_on)
            raise RuleViolation(
                "R-SES-2",
                f"La session du {fr_date(start)} au {fr_date(end)} se terminerait après la fin "
                f"de l'agrément ({fr_date(agrement.ends_on)}) : elle ne peut pas être créée. "
                f"Créez la session à une date antérieure au {fr_date(agrement.ends_on)} pour "
                "pouvoir commander le DTE, puis informez la DREETS de la modification de la "
                "date de la session : dans l'année qui suit la fin de l'agrément (au plus tard "
                f"le {fr_date(limit)}), la DREETS ou la DDETS peut reporter la session à la "
                "date voulue (modification des dates de la session).",
                agrement_ends_on=agrement.ends_on.isoformat(),
            )

        session = ExamSession(
            ref=_new_ref(db, kind, start.year),
            site_id=agrement.site_id,
            agrement_id=agrement.id,
            kind=kind,
            title_id=title.id,
            ccp_id=ccp.id if ccp else None,
            ccs_id=ccs.id if ccs else None,
            with_final_interview=bool(with_final_interview),
            start_date=start,
            start_time=hour,
            end_date=end,
            state=SessionState.EN_PREPARATION,
            created_at=core.clock.now(),
            created_by_id=user.id,
        )
        db.add(session)
        db.flush()
        audit(db, core, user, "session.create", session, kind=kind.value,
              start=start.isoformat(), agrement=agrement.id)
        return session_view(session)


def _pick_code(items, code: str | None, what: str, title_code: str):
    wanted = (code or "").strip().upper()
    if not wanted:
        raise InvalidInput(f"Indiquez le code du {what} de la session (titre {title_code}).")
    for item in items:
        if item.code.upper() == wanted:
            return item
    known = ", ".join(i.code for i in items) or "aucun"
    raise InvalidInput(
        f"Le {what} « {wanted} » n'appartient pas au titre {title_code} (codes possibles : "
        f"{known})."
    )


@dataclass(frozen=True)
class DeletedSession:
    ref: str
    message: str


@operation("session.delete")
def delete_session(core: Core, actor: str, ref: str) -> DeletedSession:
    """Delete a session whose DTE has not been ordered (R-SES-3)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, CENTRE_ROLES, "supprimer cette session")
        if session.dte_order is not None:
            raise RuleViolation(
                "R-SES-3",
                f"Le DTE de la session {session.ref} a été commandé le "
                f"{fr_date(session.dte_order.ordered_at)} : elle ne peut plus être supprimée. "
                "Elle peut seulement être annulée (R-SES-5) ; si elle est validée, "
                "l'annulation passe par la DREETS ou la DDETS et le centre en informe la GEV "
                "par courriel.",
            )
        if session.state in VALIDATED_STATES or session.state is SessionState.ANNULEE:
            raise RuleViolation(
                "R-SES-3",
                f"La session {session.ref} est « {session.state_label} » : elle ne peut plus "
                "être supprimée.",
            )
        deleted_ref = session.ref
        audit(db, core, user, "session.delete", session,
              registrations=len(session.registrations))
        db.delete(session)
        return DeletedSession(ref=deleted_ref, message=f"La session {deleted_ref} est supprimée.")


# -- cancellation (R-SES-5) --------------------------------------------------------------


@dataclass(frozen=True)
class CancellationView:
    """What the cancellation means for the DTE order (R-SES-5)."""

    session: SessionView
    previous_state: str
    previous_state_label: str
    reason: str
    dte_ordered: bool
    gev_must_cancel_order: bool
    packages_to_destroy: bool
    gev_email: str
    next_steps: tuple[str, ...]
    #: R-SES-5/R-PRT-4: the print requests the cancellation leaves at the Afpa, if any
    #: (:func:`ceres_core.rules.prints_on_cancellation`)
    prints: domain_rules.PrintsOnCancellation | None = None
    #: the names of those candidates, as the session shows them (same order)
    prints_names: tuple[str, ...] = ()


@operation("session.cancel")
def cancel_session(core: Core, actor: str, ref: str, reason: str) -> CancellationView:
    """Cancel a session (R-SES-5); a validated one by the DREETS/DDETS only.

    The view says whether the GEV must cancel the DTE order and whether the centre
    must destroy the packages.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, (Role.CENTRE, *STATE_SERVICE_ROLES),
                     "annuler cette session")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("Indiquez le motif de l'annulation de la session.")
        region = session.site.departement.region
        if session.state in VALIDATED_STATES and not any(
            p.role in STATE_SERVICE_ROLES and profile_covers_site(p, session.site)
            for p in user.profiles
        ):
            raise RuleViolation(
                "R-SES-5",
                f"La session {session.ref} est « {session.state_label} » : seule la DREETS ou "
                "la DDETS peut l'annuler ou en modifier les dates. Contactez la DDETS du "
                f"département ou la {region.service_name} pour leur expliquer la situation, "
                f"puis informez la GEV par courriel ({gev_email(session)}).",
            )
        previous = session.state
        printed = [r for r in sorted(session.registrations, key=lambda r: r.id)
                   if r.print_requests]
        prints = domain_rules.prints_on_cancellation(
            state=previous, sent=[r.candidate.ceres_id for r in printed])
        session.state = transition(session.state, SessionEvent.CANCEL)
        session.cancelled_at = core.clock.now()
        order = session.dte_order
        live_order = order is not None and order.cancelled_at is None
        destroy = live_order and packages_to_destroy(order)
        email = gev_email(session)
        steps: list[str] = []
        if live_order:
            steps.append(
                f"Le centre informe la GEV de l'annulation par courriel ({email})."
            )
            if destroy:
                steps.append(
                    "Les plis ont été préparés et envoyés : la GEV annule la commande et le "
                    "centre détruit les plis reçus (et les documents téléchargés)."
                )
            else:
                steps.append("Les plis n'ont pas été envoyés : la GEV annule la commande.")
        else:
            steps.append("Aucune commande de DTE en cours : rien à signaler à la GEV.")
        audit(db, core, user, "session.cancel", session, reason=reason,
              previous_state=previous.value, dte_order=live_order, destroy=destroy,
              prints_left=list(prints.sent) if prints else None)
        return CancellationView(
            session=session_view(session),
            previous_state=previous.value,
            previous_state_label=_state_label(previous),
            reason=reason,
            dte_ordered=order is not None,
            gev_must_cancel_order=live_order,
            packages_to_destroy=destroy,
            gev_email=email,
            next_steps=tuple(steps),
            prints=prints,
            prints_names=tuple(registration_line(r).full_name for r in printed)
            if prints else (),
        )


def _state_label(state: SessionState) -> str:
    return SESSION_STATE_LABELS[state]


# -- changing the dates (R-SES-2, R-SES-5) ------------------------------------------------


@dataclass(frozen=True)
class SessionDatesView:
    """A session whose dates were changed, and what follows for the others involved."""

    session: SessionView
    previous_start: date
    previous_end: date
    changed_by_state_service: bool
    notes: tuple[str, ...]
    message: str


@operation("session.change_dates")
def change_session_dates(
    core: Core,
    actor: str,
    ref: str,
    start_date: date | str,
    end_date: date | str,
    start_time: time | str | None = None,
    *,
    reason: str | None = None,
) -> SessionDatesView:
    """Move a session to new dates (R-SES-2, R-SES-5; rules in
    :func:`ceres_core.rules.session_date_change_refusal`).

    The centre moves its own session while it is *en préparation*, within the
    agrément. The DDETS (UD) of the département or the DREETS of the region moves it
    in any state but *annulée*, up to one year after the agrément's end (the date
    change the centre tells the DREETS of, 001) and also once validated (003: "Contacter
    la DREETS/DDETS … pour intervenir sur la demande déjà validée").
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        by_state = _date_changer(user, session)
        start = parse_date(start_date, "La nouvelle date de début")
        end = parse_date(end_date, "La nouvelle date de fin")
        hour = (
            session.start_time
            if start_time in (None, "")
            else parse_time(start_time, "La nouvelle heure de début")
        )
        if end < start:
            raise InvalidInput(
                f"La date de fin ({fr_date(end)}) est antérieure à la date de début "
                f"({fr_date(start)})."
            )
        if (start, end, hour) == (session.start_date, session.end_date, session.start_time):
            raise InvalidInput("Les dates indiquées sont déjà celles de la session.")
        agrement = session.agrement
        refusal = domain_rules.session_date_change_refusal(
            by_state_service=by_state, state=session.state, start=start, end=end,
            today=core.clock.today(), agrement_granted_on=agrement.granted_on,
            agrement_ends_on=agrement.ends_on,
        )
        if refusal is not None:
            raise RuleViolation(refusal.rule, _date_change_message(session, refusal, start, end))
        previous_start, previous_end = session.start_date, session.end_date
        session.start_date, session.end_date, session.start_time = start, end, hour
        notes: list[str] = []
        order = session.dte_order
        if order is not None and order.cancelled_at is None:
            notes.append(
                "Le DTE a été commandé pour l'ancienne date : le centre informe la GEV du "
                f"changement par courriel ({gev_email(session)})."
            )
        if session.convocations_issued_at is not None:
            notes.append(
                "Les convocations ont déjà été éditées : le centre prévient les candidats, "
                "les jurés et le surveillant de la nouvelle date."
            )
        if end > agrement.ends_on:
            notes.append(
                f"La session se termine après la fin de l'agrément ({fr_date(agrement.ends_on)}), "
                "dans l'année qui suit (R-SES-2)."
            )
        audit(db, core, user, "session.change_dates", session,
              previous_start=previous_start.isoformat(), previous_end=previous_end.isoformat(),
              start=start.isoformat(), end=end.isoformat(),
              reason=(reason or "").strip() or None)
        message = (
            f"Les dates de la session {session.ref} sont modifiées : du {fr_date(start)} au "
            f"{fr_date(end)} (au lieu du {fr_date(previous_start)} au {fr_date(previous_end)})."
        )
        return SessionDatesView(
            session=session_view(session),
            previous_start=previous_start,
            previous_end=previous_end,
            changed_by_state_service=by_state,
            notes=tuple(notes),
            message=" ".join([message, *notes]),
        )


def _date_changer(user: User, session: ExamSession) -> bool:
    """R-ACT-2 for a date change (the centre of the site, the DDETS/DREETS of its zone);
    ``True`` when the actor moves it as a State service (R-SES-2, R-SES-5)."""
    profile = require_site(user, session.site, (*CENTRE_ROLES, *STATE_SERVICE_ROLES),
                           "modifier les dates de cette session")
    return profile.role in STATE_SERVICE_ROLES or any(
        p.role in STATE_SERVICE_ROLES and profile_covers_site(p, session.site)
        for p in user.profiles
    )


def check_date_change(core: Core, actor: str, ref: str) -> SessionView:
    """Whether the actor may move this session at all, before any new date is given
    (R-ACT-2, R-SES-4, R-SES-5: :func:`ceres_core.rules.session_date_change_state_refusal`);
    raises the same refusal as :func:`change_session_dates`. Nothing is written: a probe
    (a card deciding whether to show its button) is not an attempt, so it is not an
    ``@operation`` and its refusals leave no audit row."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        by_state = _date_changer(user, session)
        refusal = domain_rules.session_date_change_state_refusal(
            by_state_service=by_state, state=session.state)
        if refusal is not None:
            raise RuleViolation(refusal.rule, _date_change_message(
                session, refusal, session.start_date, session.end_date))
        return session_view(session)


def _date_change_message(
    session: ExamSession, refusal: domain_rules.DateChangeRefusal, start: date, end: date
) -> str:
    """The French sentence of a refused date change (R-SES-1/2/4/5)."""
    region = session.site.departement.region.service_name
    limit = fr_date(refusal.limit) if refusal.limit else ""
    if refusal.reason == "cancelled":
        return f"La session {session.ref} est annulée : ses dates ne peuvent plus être modifiées."
    if refusal.reason == "before_agrement":
        return (
            f"La session commencerait le {fr_date(start)}, avant la date d'obtention de "
            f"l'agrément ({limit}) : choisissez une date couverte par l'agrément."
        )
    if refusal.reason == "centre_after_preparation":
        return (
            f"La session {session.ref} est « {session.state_label} » : le centre ne peut plus "
            "en modifier les dates. Demandez-le à la DDETS du département ou à la "
            f"{region}, qui peuvent modifier les dates de la session."
        )
    if refusal.reason == "after_agrement":
        return (
            f"La session se terminerait le {fr_date(end)}, après la fin de l'agrément "
            f"({limit}) : le centre ne peut pas la déplacer au-delà. Informez la {region} "
            "de la modification de date : dans l'année qui suit la fin de l'agrément, elle "
            "(ou la DDETS) peut reporter la session"
        )
    if refusal.reason == "after_grace":
        return (
            f"La session se terminerait le {fr_date(end)} : une session ne peut être reportée "
            f"que dans l'année qui suit la fin de l'agrément, soit au plus tard le {limit}."
        )
    return (
        f"La nouvelle date de début ({fr_date(start)}) est déjà passée : une session qui "
        "n'est pas validée se déplace à une date à venir."
    )


# -- convocations (R-CON-1, R-CON-2) ---------------------------------------------------


@dataclass(frozen=True)
class ConvocationsView:
    session: SessionView
    candidates_count: int
    convocation_time: time
    delay_days: int  # days between the deadline and the start
    delay_label: str  # "1 mois", "15 jours" (R-CON-2, as the rules state it)
    deadline: date
    late: bool
    warning: str | None


def convocation_deadline(session: ExamSession, rules: Rules) -> tuple[str, date]:
    """R-CON-2: ``(delay as stated, last day)`` for the convocations to reach people.

    The delays are ``rules.convocation_delays`` (the one table, read by the DTE
    timeline too): 1 month for a TP session, 15 days for a CCP or CCS session.
    """
    delay = dte_timeline.convocation_delay(session.kind.value, rules)
    return (
        dte_timeline.convocation_delay_label(delay),
        dte_timeline.convocation_deadline(session.start_date, session.kind.value, rules),
    )


@operation("session.convocations")
def issue_convocations(
    core: Core, actor: str, ref: str, *, convocation_time: time | str | None = None
) -> ConvocationsView:
    """Edit the convocations (R-CON-1) and tell whether they are late (R-CON-2).

    The convocation hour may differ from the session's start hour (default: the
    start hour). Late convocations are refused with the last possible date while
    the delay constraints are enforced (``core.rules.delay_constraints``, the
    default); during the transition (002) they are accepted with a warning.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, CENTRE_ROLES, "éditer les convocations de cette session")
        hour = (
            session.start_time
            if convocation_time in (None, "")
            else parse_time(convocation_time, "L'heure de convocation")
        )
        new_state = transition(session.state, SessionEvent.ISSUE_CONVOCATIONS)
        count = len(session.registrations)
        if count == 0:
            raise RuleViolation(
                "R-CON-1",
                f"Aucun candidat n'est inscrit à la session {session.ref} : les convocations "
                "ne peuvent pas être éditées. Inscrivez d'abord les candidats.",
            )
        delay_label, deadline = convocation_deadline(session, core.rules)
        today = core.clock.today()
        decision = domain_rules.delay_decision(today, deadline, core.rules)
        late = decision is not domain_rules.DelayDecision.ON_TIME
        if decision is domain_rules.DelayDecision.REFUSE:
            raise RuleViolation(
                "R-CON-2",
                f"Pour une session {session.kind.value}, les convocations doivent parvenir "
                f"{delay_label} avant le début de la session : le dernier jour possible pour "
                f"les éditer était le {fr_date(deadline)} (session du "
                f"{fr_date(session.start_date)}). Elles ne peuvent plus être éditées pour ces "
                "dates : déplacez la session à une date qui laisse ce délai (modification des "
                "dates de la session), ou annulez-la",
                deadline=deadline.isoformat(),
            )
        warning = None
        if late:
            warning = (
                f"Attention : pour une session {session.kind.value}, les convocations doivent "
                f"parvenir {delay_label} avant le début de la session, soit le "
                f"{fr_date(deadline)} au plus tard ; ce délai est dépassé (session du "
                f"{fr_date(session.start_date)}). Prévenez les candidats au plus vite (R-CON-2)."
            )
        session.state = new_state
        session.convocation_time = hour
        if session.convocations_issued_at is None:
            session.convocations_issued_at = core.clock.now()
        audit(db, core, user, "session.convocations", session, candidates=count,
              convocation_time=hour.strftime("%H:%M"), late=late)
        return ConvocationsView(
            session=session_view(session),
            candidates_count=count,
            convocation_time=hour,
            delay_days=(session.start_date - deadline).days,
            delay_label=delay_label,
            deadline=deadline,
            late=late,
            warning=warning,
        )


# -- closure, validation, reopening (R-SES-6, R-CAN-7, R-SES-4) --------------------------


def _require_complete(session: ExamSession, today: date, who: str) -> None:
    """R-SES-6: the session is over and every registration is fully entered."""
    if today < session.end_date:
        raise RuleViolation(
            "R-SES-6",
            f"La session {session.ref} se termine le {fr_date(session.end_date)} : {who} "
            "qu'une fois la session terminée et tous les résultats saisis.",
        )
    missing = pending_entries(session)
    if missing:
        names = ", ".join(
            f"{r.candidate.full_name} ({r.candidate.ceres_id})" for r in missing[:5]
        )
        more = f" et {len(missing) - 5} autre(s)" if len(missing) > 5 else ""
        raise RuleViolation(
            "R-SES-6",
            f"La saisie de la session {session.ref} n'est pas complète : présence ou résultat "
            f"manquant pour {names}{more}. {who[0].upper()}{who[1:]} qu'une fois tous les "
            "résultats saisis.",
            missing=len(missing),
        )


@operation("session.close")
def close_session_at_centre(core: Core, actor: str, ref: str) -> SessionView:
    """The centre closes a session that is over and fully entered (R-SES-6)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, CENTRE_ROLES, "clôturer cette session")
        if session.state in (SessionState.CONVOCATIONS_ENVOYEES, SessionState.RESULTATS_SAISIS):
            _require_complete(session, core.clock.today(), "la session ne peut être clôturée")
        session.state = transition(session.state, SessionEvent.CLOSE_AT_CENTRE)
        session.closed_by_centre_at = core.clock.now()
        audit(db, core, user, "session.close", session)
        return session_view(session)


@operation("session.validate")
def validate_session(core: Core, actor: str, ref: str) -> SessionView:
    """The UD (or the DREETS) validates a session closed by the centre.

    Refused unless the centre closed it (R-SES-6), and if a candidate would exceed the
    yearly limit of sessions with final interview (R-CAN-7). A reopened (*débloquée*)
    session is validated again directly, after the same completeness check.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, VALIDATOR_ROLES, "valider cette session")
        if session.state in (
            SessionState.EN_PREPARATION,
            SessionState.CONVOCATIONS_ENVOYEES,
            SessionState.RESULTATS_SAISIS,
        ):
            raise RuleViolation(
                "R-SES-6",
                f"La session {session.ref} est « {session.state_label} » : le centre ne l'a "
                "pas encore clôturée. Il doit la clôturer dans CERES une fois la session "
                "terminée et tous les résultats saisis ; elle pourra alors être validée.",
            )
        if session.state is SessionState.DEBLOQUEE:
            _require_complete(session, core.clock.today(), "la session ne peut être validée")
        new_state = transition(session.state, SessionEvent.VALIDATE)
        _check_final_interview_limit(db, session, core.rules)
        session.state = new_state
        session.validated_at = core.clock.now()
        session.validated_by_id = user.id
        audit(db, core, user, "session.validate", session)
        return session_view(session)


def _check_final_interview_limit(db: Session, session: ExamSession, rules: Rules) -> None:
    """R-CAN-7: refuse the validation if a candidate exceeds the yearly limit (the same
    reading as the registration, :func:`final_interview_limit_breach`)."""
    offenders = []
    for registration in session.registrations:
        found = final_interview_limit_breach(db, registration.candidate_id, session, rules)
        if found is not None:
            breach, _others = found
            c = registration.candidate
            offenders.append(
                f"entre le {fr_date(breach.first)} et le {fr_date(breach.last)}, "
                f"{c.full_name} ({c.ceres_id}) en a déjà {len(breach.others)}"
            )
    if offenders:
        raise RuleViolation(
            "R-CAN-7",
            f"Un candidat ne peut pas passer plus de {rules.max_final_interview_sessions} "
            "sessions de titre ou de CCP avec entretien final sur une année : "
            + " ; ".join(offenders)
            + f". L'UD ne peut pas valider la session {session.ref}.",
        )


@operation("session.reopen")
def reopen_session(core: Core, actor: str, ref: str, reason: str | None = None) -> SessionView:
    """The UD reopens ("débloque") a validated session (R-SES-4)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, REOPEN_ROLES, "débloquer cette session")
        session.state = transition(session.state, SessionEvent.REOPEN)
        audit(db, core, user, "session.reopen", session, reason=(reason or "").strip() or None)
        return session_view(session)


# -- reading -----------------------------------------------------------------------------


def _zone_condition(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Site`` for the actor's zone (R-ACT-2, :mod:`ceres_core.zone`)."""
    zone = zone_of(user.profiles, VIEW_ROLES, national_roles=NATIONAL_VIEW_ROLES)
    if zone.empty:
        raise RuleViolation(
            "R-ACT-2", "Votre profil ne permet pas de consulter les sessions.", actor=user.login
        )
    return zone.site_condition()


def parse_state(value: SessionState | str) -> SessionState:
    text = str(value).strip()
    for state in SessionState:
        if text.lower() in (state.value, SESSION_STATE_LABELS[state]):
            return state
    known = ", ".join(SESSION_STATE_LABELS.values())
    raise InvalidInput(f"L'état « {text} » est inconnu (états possibles : {known}).")


def next_deadline(core: Core, view: SessionView) -> dte_timeline.NextDeadline | None:
    """The session's next deadline on the core's clock (R-DTE-1, R-CON-2, R-SES-6;
    :func:`ceres_core.dte_timeline.next_deadline`), for a view the actor already read."""
    return dte_timeline.next_deadline(
        state=view.state, kind=view.kind, start=view.start_date, end=view.end_date,
        dte_ordered=view.dte_status not in ("non_commande", "annule"),
        convocations_issued=view.convocations_issued_at is not None,
        closed_by_centre=view.closed_by_centre_at is not None,
        today=core.clock.today(), rules=core.rules,
    )


@operation("session.list")
def list_sessions(
    core: Core,
    actor: str,
    *,
    state: SessionState | str | None = None,
    limit: int = 50,
) -> list[SessionView]:
    """The sessions of the actor's zone, by start date (R-ACT-2), optionally in one state."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        condition = _zone_condition(user)
        if (
            not isinstance(limit, int)
            or isinstance(limit, bool)
            or not 1 <= limit <= MAX_LIST_LIMIT
        ):
            raise InvalidInput(
                f"Le nombre de sessions demandé doit être entre 1 et {MAX_LIST_LIMIT}."
            )
        query = (
            select(ExamSession)
            .join(Site, ExamSession.site_id == Site.id)
            .join(Departement, Site.departement_code == Departement.code)
            .where(condition)
            .order_by(ExamSession.start_date, ExamSession.ref)
            .limit(limit)
            .options(
                selectinload(ExamSession.registrations).selectinload(Registration.print_requests),
                selectinload(ExamSession.dte_order).selectinload(DteOrder.acknowledgements),
                selectinload(ExamSession.site).selectinload(Site.centre),
                selectinload(ExamSession.title),
                selectinload(ExamSession.agrement),
                selectinload(ExamSession.ccp),
                selectinload(ExamSession.ccs),
            )
        )
        if state is not None:
            query = query.where(ExamSession.state == parse_state(state))
        return [session_view(s) for s in db.scalars(query)]


@operation("session.get")
def get_session(core: Core, actor: str, ref: str) -> SessionView:
    """One session, with its registered candidates (attendance, result, print status)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_view(user, session.site, "consulter cette session")
        return session_view(session, with_registrations=True)


__all__ = [
    "ATTENDANCE_LABELS",
    "attendance_label",
    "CancellationView",
    "ConvocationsView",
    "DeletedSession",
    "RegistrationLine",
    "SessionView",
    "SessionDatesView",
    "cancel_session",
    "change_session_dates",
    "check_date_change",
    "close_session_at_centre",
    "counts_for_final_interview_limit",
    "create_session",
    "delete_session",
    "final_interview_sessions",
    "final_interview_limit_breach",
    "final_interview_sessions_in_window",
    "final_interview_window",
    "get_session",
    "issue_convocations",
    "list_sessions",
    "reopen_session",
    "validate_session",
]
