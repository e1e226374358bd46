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

from bot import texts
from bot.formatting import esc
from bot.parsing import ParseError, parse_siret, parse_text
from ceres_core.core import Core
from ceres_core.errors import CeresError

#: Session manager choices of the DTE order form (values of ``rs_kind`` for the core).
RS_CHOICES: tuple[tuple[str, str], ...] = (
    ("titulaire", "RS titulaire de l'agrément"),
    ("suppleant", "RS suppléant de l'agrément"),
    ("autre", "Une autre personne"),
)
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
ADDRESS_HINT = "Écrivez-la sur une ligne, par exemple « 12 rue de la Roquette, 75011 Paris »."


def parse_postal_address(text: str) -> PostalAddress:
    """``"12 rue de la Roquette, 75011 Paris"`` → street, postal code, commune."""
    clean = " ".join(text.split())
    m = _POSTAL.match(clean)
    if not clean or m is None:
        raise ParseError(
            "Je ne trouve pas le code postal à 5 chiffres suivi de la commune. " + ADDRESS_HINT
        )
    street = m.group("street").strip(" ,")
    if not re.search(r"[^\W\d_]", street):
        raise ParseError("Indiquez aussi le numéro et la voie. " + ADDRESS_HINT)
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


def parse_param(name: str, text: str) -> str:
    """A typed value for parameter ``name``; :class:`ParseError` with a French message."""
    if name in ("siret", "target_siret"):
        return parse_siret(text)
    if name == "session":
        return normalise_session_ref(text)
    if name == "site":
        return normalise_site_code(text) or parse_text(text)
    if name == "candidates_count":
        value = text.strip()
        if not value.isdigit():
            raise ParseError("Indiquez le nombre de candidats en chiffres, par exemple 12.")
        return str(int(value))
    if name == "rs_kind":
        folded = _fold(text)
        for value, label in RS_CHOICES:
            if folded in (value, _fold(label)) or folded == f"rs {value}":
                return value
        raise ParseError("Choisissez le responsable de session avec l'un des boutons.")
    if name == "address":
        return parse_postal_address(text).line
    if name == "comment":
        return " ".join(text.split())
    return parse_text(text)


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


def registration_choices(core: Core, login: str, session_ref: str) -> list[Choice]:
    from ceres_core.services.sessions import get_session

    view = get_session(core, login, session_ref)
    return [Choice(r.ceres_id, f"{r.ceres_id} – {r.full_name}") for r in view.registrations]


def candidate_search(core: Core, login: str, query: str, limit: int = 8) -> list[Choice]:
    from ceres_core.services.candidates import get_candidate, search_candidates

    cid = normalise_candidate_id(query)
    if cid:  # a CERES ID (as on the Afpa's notices): the record itself
        c = get_candidate(core, login, cid)
        return [Choice(c.ceres_id, f"{c.ceres_id} – {c.first_name} {c.last_name}, "
                       f"{c.birth_date:%d/%m/%Y}")]
    hits = search_candidates(core, login, query, limit=limit)
    # The ID first: two records of the same name stay apart once the label is cut.
    return [Choice(h.candidate.ceres_id, f"{h.candidate.ceres_id} – {h.candidate.first_name} "
                   f"{h.candidate.last_name}, {h.candidate.birth_date:%d/%m/%Y}") for h in hits]


def candidate_session_choices(core: Core, login: str, ceres_id: str) -> list[Choice]:
    """The sessions of a candidate that the actor can see."""
    from ceres_core.services.candidates import get_candidate
    from ceres_core.services.sessions import get_session

    refs = get_candidate(core, login, ceres_id).session_refs
    out = []
    for ref in refs:
        try:
            view = get_session(core, login, ref)
        except CeresError:
            continue
        out.append(Choice(ref, f"{ref} – {short_title(view.title_label)} – {_fr(view.start_date)}"))
    return out


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
                   variables: dict[str, str], procedure: str | None = None) -> Resolution:
    """The session / candidate / site that ``text`` designates (:class:`ParseError` if empty).

    Without a linked account nothing can be checked: the text is only normalised.
    """
    if lookup == "session":
        return _resolve_session(core, login, text, procedure)
    if lookup == "candidate":
        return _resolve_candidate(core, login, text, variables)
    if lookup == "site":
        return _resolve_site(core, login, text)
    return Resolution(parse_text(text))


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
        return Resolution(message=exc.message + (
            " Choisissez la session ci-dessous ou écrivez son identifiant CERES "
            "(par exemple TITRE_B_2026_470405)." if choices else
            " Écrivez son identifiant CERES (par exemple TITRE_B_2026_470405)."
        ), choices=choices)
    return Resolution(view.ref, view.ref)


def _resolve_candidate(core: Core, login: str | None, text: str,
                       variables: dict[str, str]) -> Resolution:
    cid = normalise_candidate_id(text)
    if login is None:
        value = cid or parse_text(text)
        return Resolution(value, value)
    session = variables.get("session")
    if session:
        from ceres_core.services.sessions import get_session

        try:
            registrations = get_session(core, login, session).registrations
        except CeresError:
            registrations = ()
        if registrations:
            choices = [Choice(r.ceres_id, f"{r.full_name} ({r.ceres_id})") for r in registrations]
            hits = [c for c, r in zip(choices, registrations, strict=True)
                    if (cid and r.ceres_id == cid) or (not cid and _words_in(text, r.full_name))]
            if len(hits) == 1:
                return Resolution(hits[0].value, hits[0].label)
            if hits:
                return Resolution(
                    message=f"Plusieurs candidats de la session {session} correspondent à "
                    f"« {' '.join(text.split())} » : choisissez le bon.", choices=hits)
            return Resolution(
                message=f"Aucun candidat inscrit à la session {session} ne correspond à "
                f"« {' '.join(text.split())} ». Choisissez-le ci-dessous ou écrivez son nom "
                "ou son CERES ID (par exemple C260000001).", choices=choices)
    try:
        hits = candidate_search(core, login, text)
    except CeresError as exc:
        return Resolution(message=exc.message)
    if cid:
        hits = [h for h in hits if h.value == cid] or hits
    if len(hits) == 1:
        return Resolution(hits[0].value, hits[0].label)
    if hits:
        return Resolution(message=f"Plusieurs candidats correspondent à « {' '.join(text.split())} » "
                          ": choisissez le bon.", choices=hits)
    return Resolution(message=f"Aucun candidat ne correspond à « {' '.join(text.split())} ». "
                      "Écrivez son nom ou son CERES ID (par exemple C260000001).")


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
        return Resolution(message=f"Plusieurs sites correspondent à « {' '.join(text.split())} » : "
                          "choisissez le bon.", choices=hits)
    if code:  # a site out of the user's zone: the core says whether it exists
        return Resolution(code, code)
    return Resolution(
        message=f"Aucun site de votre périmètre ne correspond à « {' '.join(text.split())} ». "
        "Écrivez son nom ou son identifiant CERES (par exemple S-930002)"
        + (", ou choisissez-le ci-dessous." if site_choices(core, login) else "."),
        choices=site_choices(core, login))


# --------------------------------------------------------------------------- views


def sessions_html(core: Core, login: str, limit: int = 30) -> tuple[str, list[Choice]]:
    """``/sessions``: the actor's sessions with state, print progress and DTE status."""
    from ceres_core.services.sessions import list_sessions

    sessions = list_sessions(core, login, limit=200)
    if not sessions:
        return "Aucune session dans votre périmètre.", []
    shown = sorted(sessions, key=lambda s: (s.start_date, s.ref), reverse=True)[:limit]
    lines = [f"<b>Vos sessions</b> ({len(sessions)})"]
    for s in shown:
        lines.append(
            f"\n• <b>{esc(s.ref)}</b> – {esc(short_title(s.title_label))} – "
            f"du {_fr(s.start_date)} au {_fr(s.end_date)}\n"
            f"   {esc(s.state_label)} · {esc(_progress(s))}{esc(s.dte_status_label)}"
        )
    if len(sessions) > len(shown):
        lines.append(f"\n… et {len(sessions) - len(shown)} autres : /sessions affiche les plus récentes.")
    choices = [Choice(s.ref, f"{s.ref} – {short_title(s.title_label)}") for s in shown]
    return "\n".join(lines), choices


def _progress(s: Any) -> str:
    if s.state in ("validee", "debloquee") and s.registrations_count:
        return f"impression : {s.initial_print_count}/{s.registrations_count} envoyés · "
    return ""


@dataclass(frozen=True)
class Card:
    html: str
    #: the parameters the card's operations start with (bot.catalogue.card_operations)
    params: dict[str, str] = field(default_factory=dict)
    candidates: list[Choice] = field(default_factory=list)


def session_card(core: Core, login: str, ref: str) -> Card:
    """One session: state, dates, print progress, DTE (its operations: the catalogue's)."""
    from ceres_core.services.dte import dte_status
    from ceres_core.services.printing import documents_preview
    from ceres_core.services.sessions import get_session

    s = get_session(core, login, ref)
    lines = [
        f"<b>Session {esc(s.ref)}</b>",
        f"{esc(s.kind_label)} – {esc(s.certification_label)}",
        f"Site : {esc(s.site_name)} ({esc(s.site_code)}), centre {esc(s.centre_name)}",
        f"Dates : du {_fr(s.start_date)} au {_fr(s.end_date)}",
        f"État : {esc(s.state_label)}",
        f"Candidats inscrits : {s.registrations_count}",
    ]
    try:
        preview = documents_preview(core, login, ref)
    except CeresError:
        preview = None
    if preview is not None:
        total = preview.sent_count + preview.to_send_count
        lines.append(f"Impression : {preview.sent_count}/{total} envoyés")
    try:
        dte = dte_status(core, login, ref)
        lines.append(f"DTE : {esc(dte.status_label)}")
    except CeresError:
        lines.append(f"DTE : {esc(s.dte_status_label)}")
    candidates = [Choice(r.ceres_id, f"👤 {r.ceres_id} – {r.full_name}") for r in s.registrations]
    return Card("\n".join(lines), {"session": s.ref}, candidates)


def candidate_card(core: Core, login: str, ref: str, ceres_id: str) -> Card:
    """A candidate of a session: result, print history (its operations: the catalogue's)."""
    from ceres_core.services.printing import print_history

    h = print_history(core, login, ref, ceres_id)
    c = h.candidate
    lines = [
        f"<b>{esc(_natural(c.first_name, c.last_name))}</b> (n° {esc(c.ceres_id)}) – "
        f"session {esc(h.session_ref)}",
        f"Résultat : {esc(c.result_label)}",
        esc(c.status_line),
    ]
    lines += [f"• {esc(line)}" for line in c.history_lines if line != c.status_line]
    lines += [f"⚠️ {esc(a)}" for a in c.alerts]
    for pnd in h.pnd_events:
        lines.append(f"Pli non distribuable signalé le {_fr(pnd.reported_on)}")
    if h.next_duplicate_from is not None:
        lines.append(f"Duplicata possible à partir du {_fr(h.next_duplicate_from)}.")
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


_WEEKDAY_NAMES = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


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
    day = f"un jour férié ({holiday})" if holiday else f"un {_WEEKDAY_NAMES[start.weekday()]}"
    return (f"Le {_fr(start)} est {day}, jour non ouvré : vérifiez la date de début de la "
            "session.")


# --------------------------------------------------------------------------- rendering


def render_batch(view: Any) -> str:
    lines = [f"<b>Session {esc(view.session_ref)}</b> – {esc(view.message)}"]
    for o in view.outcomes:
        mark = "✅" if o.sent else "⛔"
        # The core's sentence on its own line: it may name the candidate again.
        lines.append(f"{mark} {esc(o.candidate_name)} (n° {esc(o.ceres_id)})\n   {esc(o.message)}")
    if view.sent_count:
        lines.append(esc(view.routing.label))
    return "\n".join(lines)


def render_print_request(view: Any) -> str:
    lines = [f"✅ {esc(view.message)}"]
    lines += [f"• {esc(n)}" for n in view.notes]
    return "\n".join(lines)


def render_pnd(view: Any) -> str:
    return (
        f"✅ {esc(view.message)}\n"
        f"Candidat : {esc(view.candidate_name)} (n° {esc(view.ceres_id)}), session "
        f"{esc(view.session_ref)}\n"
        f"Nouvelle adresse : {esc(view.new_address)}\n"
        f"Afpa informée le {_fr(view.afpa_notified_on)}.\n"
        f"{esc(view.record_note)}"
    )


def render_dte_status(view: Any) -> str:
    lines = [
        f"<b>DTE de la session {esc(view.session_ref)}</b> ({esc(view.session_kind)}, "
        f"{esc(view.session_state_label)})",
        f"État : {esc(view.status_label)}",
        "",
        esc(view.timeline_text),
    ]
    if view.advice:
        lines.append("")
        lines += [f"👉 {esc(a)}" for a in view.advice]
    return "\n".join(lines)


def render_dte_order(view: Any) -> str:
    lines = [
        f"✅ Commande du DTE enregistrée le {_fr(view.ordered_at.date())} pour la session "
        f"<b>{esc(view.session_ref)}</b>.",
        f"• Candidats : {view.candidates_count}",
        f"• Responsable de session : {esc(view.rs_kind_label)} – {esc(view.rs_name)}",
        f"• Contact : {esc(view.contact_name)}, {esc(view.contact_phone)}, {esc(view.contact_email)}",
        f"• Livraison : {esc(view.delivery_address)}",
        f"La GEV ({esc(view.gev_email)}) accusera réception de la commande par e-mail.",
    ]
    lines += [f"⚠️ {esc(n)}" for n in view.notes]
    return "\n".join(lines)


def render_centre(view: Any) -> str:
    address = ", ".join(x for x in (view.address, view.commune_line) if x)
    return (
        f"✅ Centre enregistré dans CERES : <b>{esc(view.name)}</b> (SIRET "
        f"{esc(view.siret_display)})\nAdresse : {esc(address or '—')}\n"
        "Vous pouvez maintenant lui transférer un site : /transfert_site"
    )


def render_transfer(view: Any) -> str:
    return f"✅ {esc(view.next_step)}"
