"""Results entry (R-RES-1) and the PVs to send to the DREETS (R-RES-2).

Readings (documented choices):

* Results are entered by the centre of the site (or admin), after the convocations
  (R-RES-1: an *en préparation* session is refused) and from the session's first day;
  also while a validated session is *débloquée* (R-SES-4). Entering one result moves
  the session to *résultats saisis*.
* Attendance may be entered alone; a present candidate's result can follow later.
  The closure by the centre (R-SES-6) requires every entry to be complete.
* An absent candidate (justified or not) has no result and no CCP.
* *Partiellement admis* lists at least one CCP of the title and not all of them; it
  exists for a title (TP) session only: a CCP or CCS session certifies one block.
  The CCP list is given for *partiellement admis* only.
* R-RES-2: the PVs are listed once the entry is complete.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select

from ceres_core.access import load_actor, require_site
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound, RuleViolation
from ceres_core.models import (
    RESULT_LABELS,
    Attendance,
    Candidate,
    Registration,
    Result,
    Role,
    SessionKind,
    SessionState,
)
from ceres_core.names import agreed
from ceres_core.services._operation import audit, operation
from ceres_core.services.sessions import (
    ATTENDANCE_LABELS,
    CENTRE_ROLES,
    attendance_label,
    fr_date,
    load_session,
    pending_entries,
    registration_line,
)
from ceres_core.session_states import SessionEvent, transition
from ceres_core.values import plural, strip_accents

#: Who reads the PV list: the centre, and the State services that receive the PVs.
PV_ROLES = (Role.CENTRE, Role.UD, Role.DREETS, Role.ADMIN)


def _fold(text: str) -> str:
    return "_".join(strip_accents(str(text or "")).lower().replace("-", " ").split())


def parse_attendance(value: Attendance | str) -> Attendance:
    """``Attendance`` from its value or French label ("présent", "absence justifiée")."""
    folded = _fold(value)
    for att in Attendance:
        if folded in (att.value, _fold(ATTENDANCE_LABELS[att])):
            return att
    if folded in ("present", "presente"):
        return Attendance.PRESENT
    raise InvalidInput(
        f"La présence « {value} » est inconnue : indiquez présent, absence justifiée ou "
        "absence injustifiée."
    )


def parse_result(value: Result | str | None) -> Result | None:
    """``Result`` from its value or French label ("partiellement admis", "refusé")."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    folded = _fold(value)
    for res in Result:
        if folded in (res.value, _fold(RESULT_LABELS[res])):
            return res
    raise InvalidInput(
        f"Le résultat « {value} » est inconnu : indiquez admis, partiellement admis ou refusé."
    )


@dataclass(frozen=True)
class ResultView:
    """One candidate's entry, and how much of the session is left to enter."""

    session_ref: str
    session_state: str
    session_state_label: str
    ceres_id: str
    full_name: str
    attendance: str
    attendance_label: str
    result: str | None
    result_label: str | None
    ccps_obtained: tuple[str, ...]
    comment: str | None
    remaining_to_enter: int


@operation("results.enter")
def enter_result(
    core: Core,
    actor: str,
    ref: str,
    candidate_ceres_id: str,
    *,
    attendance: Attendance | str,
    result: Result | str | None = None,
    ccps_obtained: Iterable[str] = (),
    comment: str | None = None,
) -> ResultView:
    """Enter a candidate's attendance and result in a session (R-RES-1)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        new_state = _require_entry_open(core, user, session)
        ceres_id = (candidate_ceres_id or "").strip().upper()
        registration = db.scalar(
            select(Registration)
            .join(Candidate, Registration.candidate_id == Candidate.id)
            .where(Registration.session_id == session.id, Candidate.ceres_id == ceres_id)
        )
        if registration is None:
            raise NotFound(
                f"Le candidat « {ceres_id} » n'est pas inscrit à la session {session.ref}."
            )
        att = parse_attendance(attendance)
        res = parse_result(result)
        codes = []
        for code in ccps_obtained or ():
            code = str(code).strip().upper()
            if code and code not in codes:
                codes.append(code)
        name = registration.candidate.full_name
        civility = registration.candidate.civility
        if att is not Attendance.PRESENT and (res is not None or codes):
            raise RuleViolation(
                "R-RES-1",
                f"{name} est {agreed('noté', civility)} « {ATTENDANCE_LABELS[att]} » : un "
                "candidat absent n'a ni "
                "résultat ni CCP.",
            )
        ccps = []
        if res is Result.PARTIELLEMENT_ADMIS:
            ccps = _check_partial(session, codes, name)
        elif codes:
            raise RuleViolation(
                "R-RES-1",
                "La liste des CCP obtenus se saisit seulement pour un candidat partiellement "
                "admis.",
            )
        registration.attendance = att
        registration.result = res
        registration.ccps_obtained = ccps
        registration.result_comment = (comment or "").strip() or None
        session.state = new_state
        db.flush()
        audit(db, core, user, "results.enter", session, candidate=ceres_id,
              attendance=att.value, result=res.value if res else None,
              ccps=[c.code for c in ccps])
        line = registration_line(registration)
        return ResultView(
            session_ref=session.ref,
            session_state=session.state.value,
            session_state_label=session.state_label,
            ceres_id=line.ceres_id,
            full_name=line.full_name,
            attendance=att.value,
            attendance_label=attendance_label(att, civility),  # « présente » for Mme
            result=line.result,
            result_label=line.result_label,
            ccps_obtained=line.ccps_obtained,
            comment=line.comment,
            remaining_to_enter=len(pending_entries(session)),
        )


def _require_entry_open(core: Core, user, session) -> SessionState:
    """R-RES-1: the centre of the site enters results after the convocations, from the
    session's first day; the state the session moves to."""
    require_site(user, session.site, CENTRE_ROLES, "saisir les résultats de cette session")
    if session.state is SessionState.EN_PREPARATION:
        raise RuleViolation(
            "R-RES-1",
            f"Les convocations de la session {session.ref} n'ont pas été éditées : les "
            "résultats se saisissent après les convocations et l'examen.",
        )
    new_state = transition(session.state, SessionEvent.ENTER_RESULTS)
    if core.clock.today() < session.start_date:
        raise RuleViolation(
            "R-RES-1",
            f"La session {session.ref} commence le {fr_date(session.start_date)} : les "
            "résultats ne peuvent pas être saisis avant l'examen.",
        )
    return new_state


@dataclass(frozen=True)
class ResultsEntry:
    """What the entry of a session's results offers (R-RES-1): the title's CCPs (for a
    partially admitted candidate of a TP session) and the candidates left to enter."""

    session_ref: str
    kind: str
    ccps: tuple[tuple[str, str], ...]
    pending: tuple[str, ...]


def results_entry(core: Core, actor: str, ref: str) -> ResultsEntry:
    """Refuse (R-RES-1) when the actor may not enter this session's results now; else what
    the entry offers."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        _require_entry_open(core, user, session)
        ccps = tuple((c.code, c.label) for c in session.title.ccps) \
            if session.kind is SessionKind.TP else ()
        return ResultsEntry(session.ref, session.kind.value, ccps,
                            tuple(r.candidate.ceres_id for r in pending_entries(session)))


def _check_partial(session, codes: list[str], name: str) -> list:
    """R-RES-1: at least one CCP of the title, and not all of them (TP sessions only)."""
    title = session.title
    if session.kind is not SessionKind.TP:
        raise RuleViolation(
            "R-RES-1",
            f"Une session {session.kind.value} certifie un seul bloc : le résultat de {name} est "
            "admis ou refusé, pas partiellement admis.",
        )
    by_code = {c.code.upper(): c for c in title.ccps}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise RuleViolation(
            "R-RES-1",
            f"Le CCP « {unknown[0]} » n'appartient pas au titre {title.code} (CCP du titre : "
            + ", ".join(by_code) + ").",
        )
    if not codes:
        raise RuleViolation(
            "R-RES-1",
            f"Pour un candidat partiellement admis, indiquez au moins un CCP obtenu parmi ceux "
            f"du titre {title.code} ({', '.join(by_code)}).",
        )
    if len(codes) == len(by_code):
        raise RuleViolation(
            "R-RES-1",
            f"{name} a obtenu tous les CCP du titre {title.code} : le résultat est « admis », "
            "pas « partiellement admis ».",
        )
    return [by_code[c] for c in codes]


# -- R-RES-2 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndividualPv:
    ceres_id: str
    full_name: str
    result: str
    result_label: str
    ccps_obtained: tuple[str, ...]


@dataclass(frozen=True)
class PvList:
    """The original PVs to send to the DREETS (R-RES-2)."""

    session_ref: str
    recipient: str
    general_pv: bool
    individual_pvs: tuple[IndividualPv, ...]
    admitted_not_sent: int
    absent_count: int
    summary: str


@operation("results.pv")
def pv_to_send(core: Core, actor: str, ref: str) -> PvList:
    """R-RES-2: the general PV and the individual PVs of candidates partially admitted or
    refused; never those of admitted candidates."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, ref)
        require_site(user, session.site, PV_ROLES, "consulter les PV de cette session")
        if session.state in (
            SessionState.EN_PREPARATION,
            SessionState.CONVOCATIONS_ENVOYEES,
            SessionState.ANNULEE,
        ):
            raise RuleViolation(
                "R-RES-2",
                f"La session {session.ref} est « {session.state_label} » : les PV s'impriment "
                "une fois les résultats saisis.",
            )
        missing = pending_entries(session)
        if missing:
            raise RuleViolation(
                "R-RES-2",
                f"La saisie de la session {session.ref} n'est pas complète ({len(missing)} "
                "candidat(s) sans présence ou sans résultat) : les PV s'impriment une fois "
                "tous les résultats saisis.",
            )
        individual = []
        admitted = absent = 0
        for registration in session.registrations:
            if registration.attendance is not Attendance.PRESENT:
                absent += 1
                continue
            if registration.result is Result.ADMIS:
                admitted += 1
                continue
            line = registration_line(registration)
            individual.append(
                IndividualPv(
                    ceres_id=line.ceres_id,
                    full_name=line.full_name,
                    result=registration.result.value,
                    result_label=RESULT_LABELS[registration.result],
                    ccps_obtained=line.ccps_obtained,
                )
            )
        recipient = session.site.departement.region.service_name
        summary = (
            f"À envoyer en original (papier, signé) à la {recipient} : le PV général de la "
            f"session {session.ref}"
            + (
                f" et {plural(len(individual), 'PV individuel', 'PV individuels')} (candidats partiellement admis ou "
                "refusés)"
                if individual
                else ""
            )
            + ". Ne pas envoyer les PV individuels des candidats admis"
            + (f" ({admitted})" if admitted else "")
            + "."
        )
        return PvList(
            session_ref=session.ref,
            recipient=recipient,
            general_pv=True,
            individual_pvs=tuple(individual),
            admitted_not_sent=admitted,
            absent_count=absent,
            summary=summary,
        )
