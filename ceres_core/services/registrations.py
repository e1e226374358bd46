"""Registering candidates to sessions (R-CAN-6, R-CAN-7) and listing them.

Readings (see ``ceres-domain.md`` and ``settings.Rules``):

- **R-CAN-6** A candidate, VAE or not, is registered while the session is *en
  préparation* (until the convocations are issued). The VAE window, from
  ``start − rules.vae_window_days`` (30 days) to
  ``start − rules.vae_window_ends_days_before`` (the day before the start), both
  included, is a permission that *extends* registration (004 lists it among what
  "Les centres pourront"): a VAE candidate may still be registered in it after
  the convocations were issued (``rules.vae_after_convocations``); it never
  forbids an earlier registration (:func:`ceres_core.rules.may_register`). A
  candidate is registered at most once in a session. Unregistering is possible
  until the session's start date, that day included.
- **R-CAN-7** A TP or CCP session *with* final interview counts; CCP sessions
  without final interview and CCS sessions never count. The registration is
  refused when any rolling window of ``rules.final_interview_window_days`` days
  (365) that contains the new session would hold more than
  ``rules.max_final_interview_sessions`` (3) counted sessions: the window ending
  at the new session's date, and also those ending at the candidate's later
  counted sessions (otherwise the UD could not validate those later sessions).
  The count itself is :func:`ceres_core.services.sessions.final_interview_sessions_in_window`,
  the same one the UD's validation uses.

Who registers and unregisters: the centre of the session's site (and the national
admin). Who lists a session's registrations: the centre, the UD, the DREETS of
the session's zone and the admin (R-ACT-2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ceres_core import rules as domain_rules
from ceres_core.access import load_actor, require_site
from ceres_core.core import Core
from ceres_core.db import lock_for_write
from ceres_core.errors import NotFound, RuleViolation
from ceres_core.models import (
    RESULT_LABELS,
    Candidate,
    ExamSession,
    Registration,
    Role,
    SessionState,
)
from ceres_core.services._operation import audit, operation
from ceres_core.services.candidates import (
    CANDIDATE_STATE_LABELS,
    CandidateAlert,
    candidate_alerts,
    load_candidate,
)
from ceres_core.services.sessions import (
    ATTENDANCE_LABELS,
    attendance_label,
    counts_for_final_interview_limit,
    final_interview_limit_breach,
    load_session,
)
from ceres_core.settings import Rules
from ceres_core.values import fr_date as _fr
from ceres_core.values import plural

__all__ = [
    "ATTENDANCE_LABELS",
    "RegistrationView",
    "counts_for_final_interview_limit",
    "list_registrations",
    "register_candidate",
    "unregister_candidate",
]


#: Who registers / unregisters candidates in a session (R-CAN-6, 004 "Profil Centre").
REGISTER_ROLES = (Role.CENTRE, Role.ADMIN)
#: Who sees a session's registrations.
LIST_ROLES = (Role.CENTRE, Role.UD, Role.DREETS, Role.ADMIN)


@dataclass(frozen=True)
class RegistrationView:
    """A candidate registered in a session, as the list of registrations shows it."""

    session_ref: str
    ceres_id: str
    civility: str
    last_name: str
    first_name: str
    full_name: str
    birth_date: date
    candidate_state: str
    candidate_state_label: str
    is_vae: bool
    registered_at: datetime
    attendance: str | None
    attendance_label: str | None
    result: str | None
    result_label: str | None
    ccps_obtained: tuple[str, ...]
    data_verified: bool
    alerts: tuple[CandidateAlert, ...]


def _e(candidate: Candidate) -> str:
    """The feminine ending for "inscrit(e)"."""
    return "e" if candidate.civility == "Mme" else ""


def _load_session(db: Session, session_ref: object) -> ExamSession:
    return load_session(db, session_ref, selectinload(ExamSession.site))


def _view(registration: Registration, rules: Rules, today: date) -> RegistrationView:
    candidate = registration.candidate
    session = registration.session
    return RegistrationView(
        session_ref=session.ref,
        ceres_id=candidate.ceres_id,
        civility=candidate.civility,
        last_name=candidate.last_name,
        first_name=candidate.first_name,
        full_name=candidate.full_name,
        birth_date=candidate.birth_date,
        candidate_state=candidate.state.value,
        candidate_state_label=CANDIDATE_STATE_LABELS[candidate.state],
        is_vae=registration.is_vae,
        registered_at=registration.registered_at,
        attendance=registration.attendance.value if registration.attendance else None,
        attendance_label=(
            attendance_label(registration.attendance, candidate.civility)
            if registration.attendance else None
        ),
        result=registration.result.value if registration.result else None,
        result_label=RESULT_LABELS[registration.result] if registration.result else None,
        ccps_obtained=tuple(c.code for c in registration.ccps_obtained),
        data_verified=registration.data_verified_at is not None,
        alerts=candidate_alerts(candidate, rules, today, [session.start_date]),
    )


def _check_final_interview_limit(
    db: Session, candidate: Candidate, session: ExamSession, rules: Rules
) -> None:
    """R-CAN-7 (see the module doc for the windows checked)."""
    found = final_interview_limit_breach(db, candidate.id, session, rules)
    if found is not None:
        breach, counted = found
        start, first, last, others = (
            session.start_date, breach.first, breach.last, len(breach.others)
        )
        listed = " ; ".join(
            f"{s.ref} ({s.kind.value}, le {_fr(s.start_date)})" for s in counted
        )
        raise RuleViolation(
            "R-CAN-7",
            f"{candidate.full_name} (CERES ID {candidate.ceres_id}) ne peut pas être "
            f"inscrit{_e(candidate)} à la session {session.ref} du {_fr(start)} : un "
            "candidat ne peut pas passer plus "
            f"de {rules.max_final_interview_sessions} sessions de titre ou de CCP avec "
            f"entretien final sur une année ; or la fiche compte déjà "
            f"{plural(others, 'session')} de ce type entre le {_fr(first)} et le {_fr(last)} : {listed}. Les sessions CCP "
            "sans entretien final et les sessions CCS ne sont pas limitées",
            ceres_id=candidate.ceres_id,
            sessions=[s.ref for s in counted],
        )


def _lock_candidate(db: Session, candidate: Candidate) -> None:
    """Serialise the registrations of one candidate (R-CAN-6 once per session, R-CAN-7).

    Without it, two registrations of one candidate to two sessions at the same time
    would each count the other's session as absent and both pass the yearly limit.
    PostgreSQL: the candidate's row is locked (``SELECT … FOR UPDATE``) before the
    counting; SQLite: the transaction takes the database's write lock.
    """
    lock_for_write(db)
    db.execute(select(Candidate.id).where(Candidate.id == candidate.id).with_for_update())


@operation("registration.register")
def register_candidate(
    core: Core, actor: str, session_ref: str, ceres_id: str, *, vae: bool = False
) -> RegistrationView:
    """Register a candidate in a session (R-CAN-6 window, R-CAN-7 yearly limit)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, REGISTER_ROLES, "inscrire un candidat à cette session")
        candidate = load_candidate(db, ceres_id)
        today = core.clock.today()
        if session.state is SessionState.ANNULEE:
            raise RuleViolation(
                "R-CAN-6",
                f"La session {session.ref} est annulée : aucun candidat ne peut y être inscrit",
            )
        rules = core.rules
        start = session.start_date
        before_convocations = (
            session.state is SessionState.EN_PREPARATION and not session.convocations_issued_at
        )
        vae_stage = session.state in (
            SessionState.EN_PREPARATION, SessionState.CONVOCATIONS_ENVOYEES
        )
        if not domain_rules.may_register(
            before_convocations=before_convocations, vae=bool(vae) and vae_stage,
            today=today, start=start, rules=rules,
        ):
            issued = (
                f" le {_fr(session.convocations_issued_at.date())}"
                if session.convocations_issued_at
                else ""
            )
            opens, closes = domain_rules.vae_window(start, rules)
            window = (
                f"un candidat VAE peut encore être inscrit dans les {rules.vae_window_days} jours "
                f"précédant le début de la session (du {_fr(opens)} au {_fr(closes)})"
            )
            if today >= start and not (vae and rules.vae_after_convocations):
                when = "commence aujourd'hui" if today == start else "a déjà commencé"
                raise RuleViolation(
                    "R-CAN-6",
                    f"La session {session.ref} {when} : plus aucun candidat ne peut y être "
                    "inscrit",
                )
            if not (vae and vae_stage and rules.vae_after_convocations):
                extra = f" ; {window}" if rules.vae_after_convocations and vae_stage else ""
                raise RuleViolation(
                    "R-CAN-6",
                    f"Les convocations de la session {session.ref} ont été éditées{issued} "
                    f"(session « {session.state_label} ») : les candidats ne peuvent être "
                    f"inscrits que jusqu'à l'édition des convocations{extra}",
                )
            if today < opens:
                when = f"possible à partir du {_fr(opens)}"
            elif today > start:
                when = "la session a déjà commencé"
            elif today == start:
                when = "la session commence aujourd'hui"
            else:
                when = f"la période d'inscription s'est terminée le {_fr(closes)}"
            head = (
                f"Les convocations de la session {session.ref} ont été éditées{issued} : "
                if not before_convocations
                else ""
            )
            window = window[0].upper() + window[1:] if not head else window
            raise RuleViolation("R-CAN-6", f"{head}{window} : {when}")
        _lock_candidate(db, candidate)
        already = db.scalar(
            select(Registration).where(
                Registration.session_id == session.id,
                Registration.candidate_id == candidate.id,
            )
        )
        if already is not None:
            raise RuleViolation(
                "R-CAN-6",
                f"{candidate.full_name} (CERES ID {candidate.ceres_id}) est déjà "
                f"inscrit{_e(candidate)} à la session {session.ref} depuis le "
                f"{_fr(already.registered_at.date())}",
            )
        _check_final_interview_limit(db, candidate, session, core.rules)
        registration = Registration(
            session=session,
            candidate=candidate,
            is_vae=bool(vae),
            registered_at=core.clock.now(),
            registered_by_id=user.id,
        )
        db.add(registration)
        # The objects expire if the flush fails: the refusal's words are taken first.
        who, e, ref = f"{candidate.full_name} (numéro CERES {candidate.ceres_id})", _e(candidate), session.ref
        try:
            db.flush()
        except IntegrityError:  # (session_id, candidate_id) is unique: registered concurrently
            raise RuleViolation(
                "R-CAN-6",
                f"{who} vient d'être inscrit{e} à la session {ref} par un autre utilisateur",
            ) from None
        audit(db, core, user, "registration.register", session,
              ceres_id=candidate.ceres_id, vae=bool(vae))
        return _view(registration, core.rules, today)


@operation("registration.unregister")
def unregister_candidate(
    core: Core, actor: str, session_ref: str, ceres_id: str
) -> RegistrationView:
    """Unregister a candidate, until the session's start date included (R-CAN-6).

    Returns the registration as it was before removal.
    """
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(
            user, session.site, REGISTER_ROLES, "désinscrire un candidat de cette session"
        )
        candidate = load_candidate(db, ceres_id)
        registration = db.scalar(
            select(Registration).where(
                Registration.session_id == session.id,
                Registration.candidate_id == candidate.id,
            )
        )
        if registration is None:
            raise NotFound(
                f"{candidate.full_name} (CERES ID {candidate.ceres_id}) n'est pas "
                f"inscrit{_e(candidate)} à la session {session.ref}."
            )
        today = core.clock.today()
        if today > session.start_date:
            raise RuleViolation(
                "R-CAN-6",
                f"La session {session.ref} a commencé le {_fr(session.start_date)} : un "
                "candidat ne peut être désinscrit que jusqu'au jour du début de la session",
            )
        view = _view(registration, core.rules, today)
        session.registrations.remove(registration)
        db.delete(registration)
        db.flush()
        audit(db, core, user, "registration.unregister", session, ceres_id=candidate.ceres_id)
        return view


@operation("registration.list")
def list_registrations(core: Core, actor: str, session_ref: str) -> list[RegistrationView]:
    """The candidates registered in a session, with state, alerts (R-CAN-4) and result."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = _load_session(db, session_ref)
        require_site(user, session.site, LIST_ROLES, "consulter les inscrits de cette session")
        registrations = db.scalars(
            select(Registration)
            .where(Registration.session_id == session.id)
            .options(
                selectinload(Registration.candidate),
                selectinload(Registration.ccps_obtained),
            )
        ).all()
        today = core.clock.today()
        views = [_view(r, core.rules, today) for r in registrations]
        views.sort(key=lambda v: (v.last_name.upper(), v.first_name.upper(), v.ceres_id))
        return views
