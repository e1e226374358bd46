"""What the operations of the catalogue (:mod:`bot.catalogue`) show: typed values
parsed, sessions / candidates / sites looked up and offered as buttons, session and
candidate cards, and the core's views rendered in French.

No rule of the domain is decided here: the core checks the actor's scope and every
rule, and a refusal is a :class:`~ceres_core.errors.CeresError` whose French message
the handlers show as is.

Every function is synchronous (database calls): handlers run them with
:func:`bot.runtime.run_sync`. Everything returned is Telegram HTML with every value
escaped.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot import operation_texts as T
from bot import texts
from bot.formatting import esc
from bot.parsing import ParseError, parse_text
from ceres_core.core import Core
from ceres_core.errors import CeresError

#: Session manager choices of the DTE order form (values of ``rs_kind`` for the core).
RS_CHOICES: tuple[tuple[str, str], ...] = T.RS_CHOICES
RS_LABELS = dict(RS_CHOICES)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True)
class PostalAddress:
    street: str
    postal_code: str
    city: str

    @property
    def line(self) -> str:
        return f"{self.street}, {self.postal_code} {self.city}"


_POSTAL = re.compile(r"^(?P<street>.+?)[\s,]+(?P<cp>\d{5})\s+(?P<city>[^\d,].*)$")


def parse_postal_address(text: str) -> PostalAddress:
    """``"12 rue de la Roquette, 75011 Paris"`` → street, postal code, commune."""
    clean = " ".join(text.split())
    m = _POSTAL.match(clean)
    if not clean or m is None:
        raise ParseError(T.ADDRESS_NO_POSTAL_CODE + " " + T.ADDRESS_HINT)
    street = m.group("street").strip(" ,")
    if not re.search(r"[^\W\d_]", street):
        raise ParseError(T.ADDRESS_NO_STREET + " " + T.ADDRESS_HINT)
    return PostalAddress(street, m.group("cp"), m.group("city").strip(" ,"))


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


_SITE_CODE = re.compile(r"\s*s\s*-?\s*[0-9a-z]*\d[0-9a-z]*\s*", re.I)
_CANDIDATE_ID = re.compile(r"[A-Z]?\d{6,}[A-Z]?")


def normalise_session_ref(text: str) -> str:
    """``"titre b 2026 470405"`` or ``"TITRE-B-2026-470405"`` → ``"TITRE_B_2026_470405"``."""
    return re.sub(r"[\s_\-]+", "_", parse_text(text).strip().upper()).strip("_")


def normalise_site_code(text: str) -> str | None:
    """``"s-930002"`` → ``"S-930002"``; ``None`` when the text is not a site code (a name)."""
    if not _SITE_CODE.fullmatch(text or ""):
        return None
    compact = "".join(text.split()).upper()
    return compact if "-" in compact else f"S-{compact[1:]}"


def normalise_candidate_id(text: str) -> str | None:
    """``" c260000001 "`` → ``"C260000001"``; ``None`` when it is not a CERES ID (a name)."""
    compact = "".join((text or "").split()).upper()
    return compact if _CANDIDATE_ID.fullmatch(compact) else None


# --------------------------------------------------------------------------- helpers


def _fr(d: date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else "—"


_VERSION = re.compile(r"\s*\(\d{2}/\d{2}/\d{4}\)$")


def short_title(label: str) -> str:
    """``"Ouvrier du paysage (20/09/2018)"`` → ``"Ouvrier du paysage"`` (display only)."""
    return _VERSION.sub("", label)


def _names(names: list[str]) -> str:
    return ", ".join(esc(n) for n in names)


def _natural(first: str, last: str) -> str:
    return f"{first} {last}"


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Outcome:
    """What an operation gives back: HTML, and a document for the document operations."""

    html: str
    document: tuple[str, bytes] | None = None
    #: ``True`` when nothing was done (e.g. nothing left to print): no confirmation.
    nothing_to_do: bool = False
    #: a list's entries, each a button to its session card
    choices: list[Choice] = field(default_factory=list)
    #: a « Retour à la session » button under the result
    back_to_session: str | None = None
    #: values the confirmation names, added to the operation's parameters: what is
    #: carried out is exactly what was confirmed (R-PRT-2: the candidates named)
    fixed: dict[str, Any] = field(default_factory=dict)
    #: follow-up buttons, each starting a catalogue operation: (label, operation, params)
    runs: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: the helpdesk ticket the operation opened: the reply is threaded to it
    ticket_id: int | None = None


# --------------------------------------------------------------------------- pickers





_PICKER_STATES: dict[str, str | None] = {
    "request_print": "validee",
    "request_duplicate": "validee",
    "record_pnd": "validee",
    "attestation_reussite": "validee",
}


def session_choices(core: Core, login: str, operation: str | None = None, limit: int = 12) -> list[Choice]:
    """The actor's sessions as buttons for a session picker (newest first)."""
    from ceres_core.services.sessions import list_sessions

    state = _PICKER_STATES.get(operation or "")
    sessions = list_sessions(core, login, state=state, limit=200)
    if operation == "order_dte":
        sessions = [s for s in sessions if s.dte_status == "non_commande" and s.state != "annulee"]
    sessions = sorted(sessions, key=lambda s: (s.start_date, s.ref), reverse=True)[:limit]
    return [
        Choice(s.ref, f"{s.ref} – {short_title(s.title_label)} – {_fr(s.start_date)}")
        for s in sessions
    ]


def session_choices_in(core: Core, login: str, states: tuple[str, ...] = (),
                       limit: int = 12) -> list[Choice]:
    """The session picker: sessions in ``states`` first (all when none is), newest first."""
    from ceres_core.services.sessions import list_sessions

    sessions = list_sessions(core, login, limit=200)
    wanted = [s for s in sessions if s.state in states] if states else []
    shown = sorted(wanted or sessions, key=lambda s: (s.start_date, s.ref), reverse=True)[:limit]
    return [Choice(s.ref, f"{s.ref} – {short_title(s.title_label)} – {_fr(s.start_date)}")
            for s in shown]


def session_choices_passing(core: Core, login: str, states: tuple[str, ...],
                            accept: Any, limit: int = 12,
                            tried: int = 80) -> tuple[list[Choice], str | None]:
    """The session picker of a step: only sessions its check (``accept(ref)``, the core's,
    raising its refusal) lets through, those in ``states`` tried first, shown newest first
    (by start date, as every session picker); with none, the refusal of the first one tried
    (why none can)."""
    from ceres_core.services.sessions import list_sessions

    sessions = sorted(list_sessions(core, login, limit=200),
                      key=lambda s: (s.start_date, s.ref), reverse=True)
    sessions.sort(key=lambda s: s.state not in states)  # stable: newest first in each group
    kept: list[Any] = []
    why: str | None = None
    for s in sessions[:tried]:
        try:
            accept(s.ref)
        except CeresError as exc:
            why = why or exc.message
            continue
        kept.append(s)
        if len(kept) == limit:
            break
    kept.sort(key=lambda s: (s.start_date, s.ref), reverse=True)
    out = [Choice(s.ref, f"{s.ref} – {short_title(s.title_label)} – {_fr(s.start_date)}")
           for s in kept]
    return out, (None if out else why)


def registration_choices(core: Core, login: str, session_ref: str) -> list[Choice]:
    from ceres_core.services.sessions import get_session

    view = get_session(core, login, session_ref)
    return [Choice(r.ceres_id, f"{r.ceres_id} – {r.full_name}") for r in view.registrations]


def registration_choices_passing(core: Core, login: str, session_ref: str,
                                 accept: Any) -> tuple[list[Choice], str | None]:
    """The candidates of a session that a step's check (``accept(ceres_id)``, the core's,
    raising its refusal) lets through; with none, the first refusal (why none can)."""
    out: list[Choice] = []
    why: str | None = None
    for choice in registration_choices(core, login, session_ref):
        try:
            accept(choice.value)
        except CeresError as exc:
            why = why or exc.message
            continue
        out.append(choice)
    return out, (None if out else why)


def options_passing(options: list[tuple[str, str]],
                    accept: Any) -> tuple[list[tuple[str, str]], str | None]:
    """The options of a step (``(value, label)``, read from the core) that its check
    (``accept(value)``, the core's, raising its refusal) lets through; with none, the
    first refusal (why none can)."""
    out: list[tuple[str, str]] = []
    why: str | None = None
    for value, label in options:
        try:
            accept(value)
        except CeresError as exc:
            why = why or exc.message
            continue
        out.append((value, label))
    return out, (None if out else why)


def candidate_search(core: Core, login: str, query: str, limit: int = 8) -> list[Choice]:
    from ceres_core.services.candidates import get_candidate, search_candidates

    cid = normalise_candidate_id(query)
    if cid:  # a CERES ID (as on the Afpa's notices): the record itself
        c = get_candidate(core, login, cid)
        return [Choice(c.ceres_id, f"{c.ceres_id} – {c.first_name} {c.last_name}, "
                       f"{c.birth_date:%d/%m/%Y}")]
    birth = _birth_date(query)
    if birth is not None:  # JJ/MM/AAAA: the candidates born that day
        hits = search_candidates(core, login, "", birth_date=birth, limit=limit)
    else:
        hits = search_candidates(core, login, query, limit=limit)
    # The ID first: two records of the same name stay apart once the label is cut.
    return [Choice(h.candidate.ceres_id, f"{h.candidate.ceres_id} – {h.candidate.first_name} "
                   f"{h.candidate.last_name}, {h.candidate.birth_date:%d/%m/%Y}") for h in hits]


def _birth_date(text: str) -> Any:
    """A full date typed (JJ/MM/AAAA), else None: a birth date to search by."""
    from bot.parsing import parse_date

    if not re.fullmatch(r"\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{4}\s*|\s*\d{4}-\d{2}-\d{2}\s*", text):
        return None
    try:
        return parse_date(text)
    except ParseError:
        return None


def candidate_session_choices(core: Core, login: str, ceres_id: str) -> list[Choice]:
    """The sessions of a candidate that the actor can see, newest first (by start date)."""
    from ceres_core.services.candidates import get_candidate
    from ceres_core.services.sessions import get_session

    refs = get_candidate(core, login, ceres_id).session_refs
    seen = []
    for ref in refs:
        try:
            seen.append(get_session(core, login, ref))
        except CeresError:
            continue
    seen.sort(key=lambda v: (v.start_date, v.ref), reverse=True)
    return [Choice(v.ref, f"{v.ref} – {short_title(v.title_label)} – {_fr(v.start_date)}")
            for v in seen]


def site_choices(core: Core, login: str) -> list[Choice]:
    """Sites of the actor's zone still on the centre de reprise (transfer picker)."""
    from ceres_core.services.sites import list_sites_on_reprise

    try:
        sites = list_sites_on_reprise(core, login)
    except CeresError:
        return []
    return [Choice(s.code, f"{s.name} ({s.code})") for s in sites[:12]]


#: Procedures whose session picker shows the sessions in this state (documents exist
#: only for validated sessions); the others show every session.
_PROCEDURE_SESSION_STATES: dict[str, str] = {"documents": "validee"}


def procedure_session_choices(core: Core, login: str, procedure: str | None) -> list[Choice]:
    """The session picker of a procedure: the relevant sessions first (see above)."""
    state = _PROCEDURE_SESSION_STATES.get(procedure or "")
    if state is None:
        return session_choices(core, login)
    wanted = session_choices(core, login, operation="request_duplicate")
    return wanted or session_choices(core, login)


def lookup_choices(core: Core, login: str | None, lookup: str, variables: dict[str, str],
                   procedure: str | None = None) -> list[Choice]:
    """Buttons for a procedure input with ``lookup`` (session, candidate, site)."""
    if login is None:
        return []
    try:
        if lookup == "session":
            return procedure_session_choices(core, login, procedure)
        if lookup == "candidate" and variables.get("session"):
            return registration_choices(core, login, variables["session"])
        if lookup == "site":
            return site_choices(core, login)
    except CeresError:
        return []
    return []


# --------------------------------------------------------------------------- typed lookups


@dataclass(frozen=True)
class Resolution:
    """What a typed session, candidate or site designates, checked against the core.

    ``value`` when it designates exactly one (``label`` names it); otherwise
    ``message`` says why (French, plain text) and ``choices`` offers the right ones.
    """

    value: str | None = None
    label: str = ""
    message: str = ""
    choices: list[Choice] = field(default_factory=list)


def _words_in(text: str, name: str) -> bool:
    from ceres_core.names import fold

    words, folded = fold(text).split(), fold(name)
    return bool(words) and all(w in folded for w in words)


def resolve_lookup(core: Core, login: str | None, lookup: str, text: str,
                   variables: dict[str, str], procedure: str | None = None,
                   registered: bool = True) -> Resolution:
    """The session / candidate / site that ``text`` designates (:class:`ParseError` if empty).

    With a session known, a candidate is one registered to it (``registered``), or one
    of the actor's scope not registered to it (``registered=False``: to register).
    Without a linked account nothing can be checked: the text is only normalised.
    """
    if lookup == "session":
        return _resolve_session(core, login, text, procedure)
    if lookup == "candidate":
        return _resolve_candidate(core, login, text, variables, registered)
    if lookup == "site":
        return _resolve_site(core, login, text)
    if lookup == "juror":
        return _resolve_juror(core, login, text)
    return Resolution(parse_text(text))


def _resolve_juror(core: Core, login: str | None, text: str) -> Resolution:
    """A juror by number or by name, among those the actor works on."""
    from ceres_core.services.juror_lookup import jurors_matching

    typed = parse_text(text)
    if login is None or typed.isdigit():
        return Resolution(typed, typed)
    query = " ".join(typed.split())
    try:
        hits = [Choice(str(j.id), j.full_name) for j in jurors_matching(core, login, typed)]
        if len(hits) == 1:
            return Resolution(hits[0].value, hits[0].label)
        if hits:
            return Resolution(message=T.JURORS_SEVERAL.format(query=query), choices=hits)
        everyone = [Choice(str(j.id), j.full_name) for j in jurors_matching(core, login)]
    except CeresError as exc:
        return Resolution(message=exc.message)
    return Resolution(message=T.JURORS_NONE.format(query=query), choices=everyone)


def _resolve_session(core: Core, login: str | None, text: str, procedure: str | None) -> Resolution:
    from ceres_core.services.sessions import get_session

    ref = normalise_session_ref(text)
    if login is None:
        return Resolution(ref, ref)
    try:
        view = get_session(core, login, ref)
    except CeresError as exc:
        try:
            choices = procedure_session_choices(core, login, procedure)
        except CeresError:
            choices = []
        return Resolution(message=exc.message + " " + (
            T.SESSION_PICK_OR_TYPE if choices else T.SESSION_TYPE), choices=choices)
    return Resolution(view.ref, view.ref)


def _resolve_candidate(core: Core, login: str | None, text: str,
                       variables: dict[str, str], registered: bool = True) -> Resolution:
    cid = normalise_candidate_id(text)
    if login is None:
        value = cid or parse_text(text)
        return Resolution(value, value)
    session = variables.get("session")
    excluded: set[str] = set()
    if session:
        from ceres_core.services.sessions import get_session

        try:
            registrations = get_session(core, login, session).registrations
        except CeresError:
            registrations = ()
        if not registered:  # to register: anyone of the scope but those already there
            excluded = {r.ceres_id for r in registrations}
            registrations = ()
        if registrations:
            born = _born_on(core, login, text)
            choices = [Choice(r.ceres_id, f"{r.full_name} ({r.ceres_id})") for r in registrations]
            hits = [c for c, r in zip(choices, registrations, strict=True)
                    if (cid and r.ceres_id == cid) or (born is not None and r.ceres_id in born)
                    or (not cid and born is None and _words_in(text, r.full_name))]
            if len(hits) == 1:
                return Resolution(hits[0].value, hits[0].label)
            if hits:
                return Resolution(message=T.CANDIDATES_IN_SESSION_SEVERAL.format(
                    ref=session, query=" ".join(text.split())), choices=hits)
            return Resolution(message=T.CANDIDATES_IN_SESSION_NONE.format(
                ref=session, query=" ".join(text.split())), choices=choices)
    try:
        hits = candidate_search(core, login, text)
    except CeresError as exc:
        return Resolution(message=exc.message)
    if cid:
        hits = [h for h in hits if h.value == cid] or hits
    if excluded:
        there = [h for h in hits if h.value in excluded]
        hits = [h for h in hits if h.value not in excluded]
        if there and not hits:
            return Resolution(message=T.CANDIDATE_ALREADY_REGISTERED.format(
                label=there[0].label, ref=session))
    if len(hits) == 1:
        return Resolution(hits[0].value, hits[0].label)
    if hits:
        return Resolution(message=T.CANDIDATES_SEVERAL.format(query=" ".join(text.split())),
                          choices=hits)
    return Resolution(message=T.CANDIDATES_NONE.format(query=" ".join(text.split())))


def _born_on(core: Core, login: str, text: str) -> set[str] | None:
    """The CERES IDs of the candidates born on the date typed (None: not a date)."""
    if _birth_date(text) is None:
        return None
    try:
        return {c.value for c in candidate_search(core, login, text, limit=200)}
    except CeresError:
        return set()


def _resolve_site(core: Core, login: str | None, text: str) -> Resolution:
    from ceres_core.services.sites import find_sites

    code = normalise_site_code(text)
    if login is None:
        value = code or parse_text(text)
        return Resolution(value, value)
    try:
        sites = find_sites(core, login, text)
    except CeresError as exc:
        return Resolution(message=exc.message)
    hits = [Choice(s.code, f"{s.name} ({s.code})") for s in sites]
    if len(hits) == 1:
        return Resolution(hits[0].value, hits[0].label)
    if hits:
        return Resolution(message=T.SITES_SEVERAL.format(query=" ".join(text.split())),
                          choices=hits)
    if code:  # a site out of the user's zone: the core says whether it exists
        return Resolution(code, code)
    choices = site_choices(core, login)
    return Resolution(
        message=(T.SITES_NONE_PICK if choices else T.SITES_NONE).format(
            query=" ".join(text.split())),
        choices=choices)


# --------------------------------------------------------------------------- views


def sessions_html(core: Core, login: str, limit: int = 30) -> tuple[str, list[Choice]]:
    """``/sessions``: the actor's sessions with state, print progress, DTE status and
    next deadline (the core's, :func:`ceres_core.services.sessions.next_deadline`)."""
    from ceres_core.services.sessions import list_sessions, next_deadline

    sessions = list_sessions(core, login, limit=200)
    if not sessions:
        return T.NO_SESSION, []
    shown = sorted(sessions, key=lambda s: (s.start_date, s.ref), reverse=True)[:limit]
    lines = [T.MY_SESSIONS.format(count=len(sessions))]
    for s in shown:
        lines.append(T.SESSION_LINE.format(
            ref=esc(s.ref), title=esc(short_title(s.title_label)), start=_fr(s.start_date),
            end=_fr(s.end_date), state=esc(s.state_label),
            dte=esc(_progress(s)) + esc(s.dte_status_label)) + _deadline(next_deadline(core, s)))
    if len(sessions) > len(shown):
        lines.append(T.MORE_SESSIONS.format(count=len(sessions) - len(shown)))
    choices = [Choice(s.ref, f"{s.ref} – {short_title(s.title_label)}") for s in shown]
    return "\n".join(lines), choices


def _deadline(deadline: Any) -> str:
    if deadline is None:
        return ""
    template = T.NEXT_DEADLINE_LATE if deadline.overdue else T.NEXT_DEADLINE
    return template.format(label=esc(deadline.label))


def _progress(s: Any) -> str:
    if s.state in ("validee", "debloquee") and s.registrations_count:
        return T.PRINT_PROGRESS.format(sent=s.initial_print_count, total=s.registrations_count)
    return ""


@dataclass(frozen=True)
class Card:
    html: str
    #: the parameters the card's operations start with (bot.catalogue.card_operations)
    params: dict[str, str] = field(default_factory=dict)
    candidates: list[Choice] = field(default_factory=list)


def session_card(core: Core, login: str, ref: str) -> Card:
    """One session: state, dates, print progress, DTE (its operations: the catalogue's)."""
    from ceres_core.services.dte import dte_status, next_session_date
    from ceres_core.services.printing import documents_preview
    from ceres_core.services.sessions import get_session

    s = get_session(core, login, ref)
    lines = [T.SESSION_CARD.format(
        ref=esc(s.ref), kind=esc(s.kind_label), certification=esc(s.certification_label),
        site=esc(s.site_name), code=esc(s.site_code), centre=esc(s.centre_name),
        start=_fr(s.start_date), end=_fr(s.end_date), state=esc(s.state_label),
        count=s.registrations_count)]
    try:
        preview = documents_preview(core, login, ref)
    except CeresError:
        preview = None
    if preview is not None:
        total = preview.sent_count + preview.to_send_count
        lines.append(T.CARD_PRINTS.format(sent=preview.sent_count, total=total))
    try:
        dte = dte_status(core, login, ref)
        lines.append(T.CARD_DTE.format(status=esc(dte.status_label)))
    except CeresError:
        lines.append(T.CARD_DTE.format(status=esc(s.dte_status_label)))
    # The next deadline, in one line: the core's (action due or DTE timeline date).
    deadline = next_session_date(core, login, ref)
    if deadline is None:
        lines.append(T.CARD_NO_DEADLINE)
    else:
        template = T.CARD_DEADLINE_LATE if deadline.overdue else T.CARD_DEADLINE
        lines.append(template.format(label=esc(deadline.label)))
    candidates = [Choice(r.ceres_id, f"👤 {r.ceres_id} – {r.full_name}") for r in s.registrations]
    return Card("\n".join(lines), {"session": s.ref}, candidates)


def candidate_card(core: Core, login: str, ref: str, ceres_id: str) -> Card:
    """A candidate of a session: result, print history (its operations: the catalogue's)."""
    from ceres_core.services.printing import print_history

    h = print_history(core, login, ref, ceres_id)
    c = h.candidate
    lines = [T.CANDIDATE_CARD.format(
        name=esc(_natural(c.first_name, c.last_name)), ceres_id=esc(c.ceres_id),
        ref=esc(h.session_ref), result=esc(c.result_label), status=esc(c.status_line))]
    lines += [f"• {esc(line)}" for line in c.history_lines if line != c.status_line]
    lines += [f"⚠️ {esc(a)}" for a in c.alerts]
    for pnd in h.pnd_events:  # R-AFT-2: where the notice to the Afpa stands
        resent = (T.CARD_PND_RESENT.format(date=_fr(pnd.afpa_handled_on)) if pnd.afpa_handled_on
                  else T.CARD_PND_WAITING)
        lines.append(T.CARD_PND.format(date=_fr(pnd.reported_on), resent=resent))
    if h.next_duplicate_from is not None:
        lines.append(T.CARD_DUPLICATE_FROM.format(date=_fr(h.next_duplicate_from)))
    return Card("\n".join(lines), {"session": h.session_ref, "candidate": c.ceres_id})


def timeline_html(core: Core, params: dict[str, Any]) -> str:
    """The DTE timeline from a kind, a start date and a département (procedure leaf)."""
    from ceres_core.dte_timeline import dte_timeline, order_window, render_timeline_fr

    try:
        start = date.fromisoformat(params["session_start"])
        timeline = dte_timeline(
            params["kind"], start, params.get("departement"), rules=core.rules
        )
        window = order_window(start, core.clock)
    except CeresError as exc:
        return texts.TIMELINE_FAILED.format(message=esc(exc.message))
    html = esc(render_timeline_fr(timeline)) + "\n\n" + esc(window.message_fr())
    warning = start_day_warning(start, params.get("departement"))
    return f"⚠️ {esc(warning)}\n\n{html}" if warning else html




def start_day_warning(start: date, departement: str | None) -> str | None:
    """A warning when the session would start on a day off, from the core's calendar."""
    from ceres_core.calendar import WorkingCalendar

    try:
        calendar = WorkingCalendar(departement)
    except CeresError:
        return None
    if calendar.is_working_day(start):
        return None
    holiday = calendar.holiday_name(start)
    day = (T.DAY_HOLIDAY.format(name=holiday) if holiday
           else T.DAY_WEEKDAY.format(name=T.WEEKDAY_NAMES[start.weekday()]))
    return T.DAY_OFF_WARNING.format(date=_fr(start), day=day)


# --------------------------------------------------------------------------- rendering


def render_batch(view: Any) -> str:
    lines = [T.BATCH_HEAD.format(ref=esc(view.session_ref), message=esc(view.message))]
    for o in view.outcomes:
        # The core's sentence on its own line: it may name the candidate again.
        lines.append(T.BATCH_LINE.format(mark="✅" if o.sent else "⛔", name=esc(o.candidate_name),
                                         ceres_id=esc(o.ceres_id), message=esc(o.message)))
    if view.sent_count:
        lines.append(esc(view.routing.label))
    return "\n".join(lines)


def render_print_request(view: Any) -> str:
    lines = [f"✅ {esc(view.message)}"]
    lines += [f"• {esc(n)}" for n in view.notes]
    return "\n".join(lines)


def render_pnd(view: Any) -> str:
    return T.PND_DONE.format(
        message=esc(view.message), name=esc(view.candidate_name), ceres_id=esc(view.ceres_id),
        ref=esc(view.session_ref), address=esc(view.new_address),
        notice=view.notice_id, date=_fr(view.afpa_notified_on), note=esc(view.record_note))


def render_dte_status(view: Any) -> str:
    lines = [T.DTE_STATUS.format(ref=esc(view.session_ref), kind=esc(view.session_kind),
                                 state=esc(view.session_state_label),
                                 status=esc(view.status_label),
                                 timeline=esc(view.timeline_text))]
    if view.advice:
        lines.append("")
        lines += [f"👉 {esc(a)}" for a in view.advice]
    return "\n".join(lines)


def render_dte_order(view: Any) -> str:
    lines = [T.DTE_ORDERED.format(
        date=_fr(view.ordered_at.date()), ref=esc(view.session_ref), count=view.candidates_count,
        rs_kind=esc(view.rs_kind_label), rs_name=esc(view.rs_name),
        contact=esc(view.contact_name), phone=esc(view.contact_phone),
        email=esc(view.contact_email), address=esc(view.delivery_address),
        gev=esc(view.gev_email))]
    lines += [f"⚠️ {esc(n)}" for n in view.notes]
    return "\n".join(lines)


def render_transfer(view: Any) -> str:
    return f"✅ {esc(view.next_step)}"
