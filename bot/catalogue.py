"""The operation catalogue: every operation of the chat, declared once.

An :class:`Operation` names the core action it runs (``"print.duplicate"``: who may
run it is asked of the core, :func:`ceres_core.services.checks.check_may_run`), its
command, its parameters with their kinds and the check of each (the core's, as the
value is given), the confirmation sentence (read from the core's views) when it
changes CERES, and the call with the rendering of its result (text, document, list).

Everything else is generated from :data:`CATALOGUE`: the commands
(:mod:`bot.wiring`), ``/aide`` and the command menu (:func:`menu_for`), the buttons
of session and candidate cards (:func:`card_operations`), the procedure leaves
(:func:`by_name`), the form (:mod:`bot.handlers.forms`) and the operation × role
table (``docs/operations.md``, :func:`role_table`).

Functions are synchronous (database): handlers run them with ``run_sync``. Every
French sentence is in :mod:`bot.operation_texts`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot import operation_texts as T
from bot import operation_views as views
from bot.formatting import esc, plural
from bot.operation_views import Choice, Outcome
from bot.parsing import ParseError, parse_siret, parse_text
from ceres_core.core import Core
from ceres_core.errors import CeresError
from ceres_core.names import agreed, born_word, civility_label
from ceres_core.services import checks

Params = dict[str, Any]
Check = Callable[[Core, str, Params], None]

#: The param the form adds for an operation with ``requester`` (the chat that asks).
REQUESTER_CHAT = "_chat"


# -- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One value an operation needs.

    ``kind``: ``session``, ``site``, ``candidate`` (name or CERES ID), ``juror`` (name or
    number), ``siret``, ``date``,
    ``choice``, ``email``, ``phone``, ``address``, ``count``, ``text``.
    ``check(core, login, params)`` is the core's check once this value is known (it
    raises the core's refusal); ``when(params)`` says whether it is asked at all.
    """

    name: str
    kind: str
    check: Check | None = None
    optional: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    when: Callable[[Params], bool] | None = None
    #: the session picker shows sessions in these states first
    session_states: tuple[str, ...] = ()
    #: buttons read from the core when asked: ``options(core, login, params)``
    options: Callable[[Core, str, Params], list[tuple[str, str]]] | None = None
    #: an optional value left empty is checked too (it completes what the check needs)
    check_empty: bool = False
    #: a candidate with a session known: one registered to it (else one to register)
    registered: bool = True
    #: a candidate picker, or the options read from the core, offer only those this
    #: param's check lets through
    pick_passing: bool = False

    def asked(self, params: Params) -> bool:
        return self.when is None or self.when(params)

    def prompt(self, operation: str, params: Params) -> str:
        if self.kind == "session" and params.get("candidate"):
            return T.ASK["session_of_candidate"]
        if self.kind == "candidate" and params.get("session") and self.registered:
            return T.ASK["candidate_in_session"]
        return T.ASK.get(f"{operation}.{self.name}") or T.ASK[self.name]

    def parse(self, text: str, today: Any = None) -> str:
        """A typed value (French :class:`ParseError` when malformed); ``today`` (the core's
        clock) completes a date typed without its year."""
        if self.kind == "siret":
            return parse_siret(text)
        if self.kind == "session":
            return views.normalise_session_ref(text)
        if self.kind == "site":
            return views.normalise_site_code(text) or parse_text(text)
        if self.kind == "count":
            value = text.strip()
            if not value.isdigit():
                raise ParseError(T.COUNT_NOT_A_NUMBER.format(
                    what=T.COUNT_WHAT.get(self.name, T.PARAM_LABEL.get(self.name, self.name))))
            return str(int(value))
        if self.kind == "choice":
            folded = views._fold(text)
            for value, label in self.choices or ((text.strip(), text.strip()),):
                if folded in (views._fold(value), views._fold(label)):
                    return value
            raise ParseError(T.CHOICE_USE_BUTTONS)
        if self.kind == "date":
            from bot.parsing import parse_date

            return parse_date(text, today).isoformat()
        if self.kind == "time":
            from ceres_core.values import parse_time

            try:
                return parse_time(text, T.TIME_WHAT).strftime("%H:%M")
            except CeresError as exc:
                raise ParseError(exc.message) from None
        if self.kind == "address" and self.name == "address":
            return views.parse_postal_address(text).line
        if self.kind in ("address", "email", "phone", "text"):
            return " ".join(text.split()) if self.optional else parse_text(text)
        return parse_text(text)


# -- operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    name: str
    command: str
    #: the core action (``@operation`` name) whose roles the core checks
    action: str
    params: tuple[Param, ...]
    run: Callable[[Core, str, Params], Outcome]
    #: the sentence naming exactly what will happen (None: runs at once, reads only)
    confirm: Callable[[Core, str, Params], Outcome] | None = None
    #: ``text``, ``document`` or ``list`` (a list's choices open session cards)
    result: str = "text"
    #: ``session`` / ``candidate``: offered on those cards (when the core would accept)
    card: str | None = None
    #: the card shows its button only when this check passes (default: every param's)
    card_check: Check | None = None
    #: the run opens a helpdesk ticket for the chat: the form adds the chat's id to the
    #: confirmed params (``REQUESTER_CHAT``)
    requester: bool = False

    @property
    def menu(self) -> str:
        return T.MENU[self.name]

    def missing(self, params: Params) -> Param | None:
        for p in self.params:
            if not p.asked(params):
                continue
            if p.name not in params or (not p.optional and not str(params[p.name]).strip()):
                return p
        return None

    def asked(self, params: Params) -> list[Param]:
        return [p for p in self.params if p.asked(params)]


# -- checks: the core's own ---------------------------------------------------------------------


def _dry(fn_path: str, *names: str, **fixed: Any) -> Check:
    """The service itself, rolled back: ``names`` are taken from the params."""

    def check(core: Core, login: str, params: Params) -> None:
        module, fn = fn_path.rsplit(".", 1)
        service = getattr(__import__(f"ceres_core.services.{module}", fromlist=[fn]), fn)
        args = [params[n] for n in names]
        checks.dry_run(core, service, login, *args, **fixed)

    return check


def _view_session(core: Core, login: str, params: Params) -> None:
    from ceres_core.services.sessions import get_session

    get_session(core, login, params["session"])


def _candidate_exists(core: Core, login: str, params: Params) -> None:
    from ceres_core.services.candidates import get_candidate

    get_candidate(core, login, params["candidate"])


def _dte_session(core: Core, login: str, params: Params) -> None:
    checks.check_dte_order_session(core, login, params["session"])


def _dte_fields(core: Core, login: str, params: Params) -> None:
    fields = {k: v for k, v in params.items() if k in checks._FIELD_PLACEHOLDERS}
    checks.check_dte_order_fields(core, login, params["session"], **fields)


def _own_contact(field: str) -> Callable[[Core, str, Params], list[tuple[str, str]]]:
    """The account's own value for a contact step of the DTE order, as a one-press choice
    (typing another one stays possible)."""
    def options(core: Core, login: str, params: Params) -> list[tuple[str, str]]:
        from ceres_core.services.dte import order_contact_defaults

        value = getattr(order_contact_defaults(core, login), field)
        return [(value, T.OWN_CONTACT.format(value=value))] if value else []
    return options


def _print_session(core: Core, login: str, params: Params) -> None:
    """R-PRT-1: a session whose documents may be sent (validated)."""
    from ceres_core.services.printing import documents_preview

    documents_preview(core, login, params["session"])


def _ack_session(core: Core, login: str, params: Params) -> None:
    """R-DTE-3: a session with an acknowledgement the core would record now."""
    from ceres_core.services.dte import ack_kinds

    refusals = []
    for kind, _ in ack_kinds():
        try:
            return checks.check_dte_acknowledgement(core, login, params["session"], kind)
        except CeresError as exc:
            refusals.append(exc)
    raise refusals[-1]


def _transfer_preview(core: Core, login: str, params: Params) -> None:
    from ceres_core.services.sites import transfer_site

    transfer_site(core, login, params["site"], params["target_siret"], confirm=False)


def _can_transfer(core: Core, login: str, params: Params) -> None:
    checks.check_site_transfer(core, login, params["site"])


def _print_left(core: Core, login: str, params: Params) -> None:
    """A session with candidates left to send (the card's button only then)."""
    from ceres_core.services.printing import documents_preview

    preview = documents_preview(core, login, params["session"])
    if not preview.to_send_count:
        raise CeresError("")
    checks.check_may_run(core, login, "print.request_session")


def _dte_orderable_card(core: Core, login: str, params: Params) -> None:
    from ceres_core.services.dte import dte_status

    if not dte_status(core, login, params["session"]).can_still_order:
        raise CeresError("")
    _dte_session(core, login, params)


def _attestation_available(core: Core, login: str, params: Params) -> None:
    from ceres_core.services.printing import print_history

    if not print_history(core, login, params["session"], params["candidate"]).attestation_available:
        raise CeresError("")
    checks.check_may_run(core, login, "print.attestation")


def _pnd_possible(core: Core, login: str, params: Params) -> None:
    """R-AFT-2: documents sent and mailed (the core's check); a candidate alone: the
    record exists, the session being asked next."""
    from ceres_core.services.printing import check_pnd

    if "candidate" not in params:
        return _view_session(core, login, params)
    if "session" not in params:
        return _candidate_exists(core, login, params)
    checks.check_may_run(core, login, "print.pnd")
    check_pnd(core, login, params["session"], params["candidate"])


# -- rendering helpers -----------------------------------------------------------------------


def _fr(d: Any) -> str:
    return views._fr(d)


def _shown(value: Any) -> str:
    """A value as a user reads it: a date (or an ISO date) as JJ/MM/AAAA."""
    from datetime import date

    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        value = date.fromisoformat(value.strip())
    return _fr(value) if isinstance(value, date) else str(value)


def _session_head(core: Core, login: str, ref: str) -> dict[str, str]:
    from ceres_core.services.sessions import get_session

    s = get_session(core, login, ref)
    return {"ref": esc(s.ref), "title": esc(views.short_title(s.title_label)),
            "date": _fr(s.start_date), "count": plural(s.registrations_count, "candidat")}


def _who(first: str, last: str, ceres_id: str) -> str:
    return T.CANDIDATE_WHO.format(name=esc(f"{first} {last}"), ceres_id=esc(ceres_id))


def _de_who(first: str, last: str, ceres_id: str) -> str:
    """« de Julie Martin (n° …) », « d'Aïssatou Diallo (n° …) »: elided before a vowel."""
    from ceres_core.names import elides

    return (T.OF_NAME_ELIDED if elides(f"{first} {last}") else T.OF_NAME).format(
        name=_who(first, last, ceres_id))


def _session_list(sessions: list[Any], heading: str, none: str) -> Outcome:
    if not sessions:
        return Outcome(none)
    lines = [heading.format(count=len(sessions))]
    for s in sessions[:30]:
        lines.append(T.SESSION_LINE.format(
            ref=esc(s.ref), title=esc(views.short_title(s.title_label)), start=_fr(s.start_date),
            end=_fr(s.end_date), state=esc(s.state_label), dte=esc(s.dte_status_label)))
    choices = [Choice(s.ref, f"{s.ref} – {views.short_title(s.title_label)}") for s in sessions[:30]]
    return Outcome("\n".join(lines), choices=choices)


# -- the operations: confirmation sentences and runs ---------------------------------------------


def _run_list_sessions(core: Core, login: str, p: Params) -> Outcome:
    html, choices = views.sessions_html(core, login)
    return Outcome(html, choices=choices)


def _run_sessions_to_validate(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import list_sessions

    sessions = list_sessions(core, login, state="en_attente_validation", limit=200)
    return _session_list(sessions, T.SESSIONS_TO_VALIDATE, T.SESSIONS_TO_VALIDATE_NONE)


def _run_dte_to_prepare(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import list_sessions

    sessions = [s for s in list_sessions(core, login, limit=200) if s.dte_status == "commande"]
    return _session_list(sessions, T.DTE_TO_PREPARE, T.DTE_TO_PREPARE_NONE)


def _confirm_print(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import documents_preview

    preview = documents_preview(core, login, p["session"])
    todo = [c for c in preview.candidates if c.to_send]
    where = T.CONFIRM_PRINT_WHERE.format(
        ref=esc(preview.session_ref), title=esc(views.short_title(preview.title_label)),
        date=_fr(preview.start_date))
    if not todo:
        return Outcome(T.CONFIRM_PRINT_NOTHING.format(
            where=where, sent=plural(preview.sent_count, "déjà envoyé", "déjà envoyés")),
            nothing_to_do=True)
    names = ", ".join(esc(f"{c.first_name} {c.last_name}") for c in todo)
    head = (T.CONFIRM_PRINT_ONE.format(where=where, names=names) if len(todo) == 1 else
            T.CONFIRM_PRINT_MANY.format(count=len(todo), where=where, names=names))
    # R-PRT-2: the candidates named here, and only they, are ticked and sent; the data
    # each one's box attests is shown first.
    return Outcome(head + _attested(preview, todo)
                   + T.CONFIRM_PRINT_ATTEST.format(routing=esc(preview.routing.label)),
                   fixed={"verified": [c.ceres_id for c in todo]})


def _attested(preview: Any, lines: list[Any]) -> str:
    """R-PRT-2: the data « Données vérifiées et conformes » attests, per candidate, from
    the core's preview (civility, name, birth date and place, title, result)."""
    title = T.ATTESTED_TITLE.format(label=esc(views.short_title(preview.title_label)),
                                    code=esc(preview.title_code))
    out = [T.ATTESTED_HEAD]
    for c in lines:
        ccps = T.ATTESTED_CCPS.format(ccps=esc(", ".join(c.ccps_obtained))) \
            if c.ccps_obtained else ""
        out.append(T.ATTESTED_LINE.format(
            civility=esc(c.civility), first=esc(c.first_name), last=esc(c.last_name),
            ceres_id=esc(c.ceres_id), born=born_word(c.civility), birth=_fr(c.birth_date),
            place=esc(c.birth_place or "—"), title=title, result=esc(c.result_label),
            ccps=ccps))
    return "\n".join(out)


def _run_print(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import request_print_for_session

    # R-PRT-2: the explicit list of the candidates the confirmation named.
    return Outcome(views.render_batch(
        request_print_for_session(core, login, p["session"], list(p.get("verified") or ()))))


def _print_session_check(core: Core, login: str, p: Params) -> None:
    """The service itself, rolled back (its refusals of the session: scope, state); no
    candidate named yet — the confirmation names them (R-PRT-2)."""
    from ceres_core.services.printing import request_print_for_session

    checks.dry_run(core, request_print_for_session, login, p["session"], ())


def _print_line(core: Core, login: str, p: Params) -> Any:
    from ceres_core.errors import NotFound
    from ceres_core.services.printing import documents_preview

    preview = documents_preview(core, login, p["session"])
    line = next((c for c in preview.candidates if c.ceres_id == p["candidate"]), None)
    if line is None:
        raise NotFound(T.NOT_REGISTERED.format(ceres_id=p["candidate"], ref=p["session"]))
    return preview, line


def _confirm_print_candidate(core: Core, login: str, p: Params) -> Outcome:
    """R-PRT-2: this candidate's documents summarised; the box ticked for them only."""
    preview, c = _print_line(core, login, p)
    docs = "\n".join(T.PRINT_DOCUMENT_LINE.format(label=esc(d.label)) for d in c.documents)
    alerts = "".join(T.PRINT_ALERT_LINE.format(alert=esc(a)) for a in c.alerts)
    return Outcome(T.CONFIRM_PRINT_CANDIDATE.format(
        de_who=_de_who(c.first_name, c.last_name, c.ceres_id), ref=esc(preview.session_ref),
        attested=_attested(preview, [c]), documents=docs or T.PRINT_NO_DOCUMENT,
        alerts=alerts, routing=esc(preview.routing.label)))


def _run_print_candidate(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import mark_data_verified, request_print

    mark_data_verified(core, login, p["session"], p["candidate"], True)
    view = request_print(core, login, p["session"], p["candidate"])
    nxt = view.next_candidate  # R-PRT-2: CERES shows the next one to send
    runs = [(T.RUN_NEXT_PRINT.format(name=f"{nxt.first_name} {nxt.last_name}"),
             "request_print_candidate", {"session": p["session"], "candidate": nxt.ceres_id})] \
        if nxt is not None else []
    return Outcome(views.render_print_request(view), back_to_session=p["session"], runs=runs)


def _print_candidate_check(core: Core, login: str, p: Params) -> None:
    checks.dry_run(core, _verify_and_print, login, p["session"], p["candidate"])


def _verify_and_print(core: Core, login: str, session: str, candidate: str) -> None:
    from ceres_core.services.printing import mark_data_verified, request_print

    mark_data_verified(core, login, session, candidate, True)
    request_print(core, login, session, candidate)


def _confirm_correct_record(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.candidates import get_candidate

    c = get_candidate(core, login, p["candidate"])
    field = dict(T.RECORD_FIELDS).get(p["field"], p["field"])
    return Outcome(T.CONFIRM_CORRECT_RECORD.format(
        de_who=_de_who(c.first_name, c.last_name, c.ceres_id), field=esc(field.lower()),
        old=esc(_shown(getattr(c, p["field"], "") or "—")), new=esc(_shown(p["value"]))))


def _correct_record(core: Core, login: str, p: Params) -> list[str]:
    """R-CAN-2: back to draft, the change, validated again (the alerts that keep it a
    draft are returned, not raised)."""
    from ceres_core.services.candidates import (
        back_to_draft,
        get_candidate,
        update_candidate,
        validate_candidate,
    )

    if get_candidate(core, login, p["candidate"]).state == "valide":
        back_to_draft(core, login, p["candidate"])
    update_candidate(core, login, p["candidate"], **{p["field"]: p["value"]})
    try:
        validate_candidate(core, login, p["candidate"])
    except CeresError as exc:
        return [exc.message]
    return []


def _run_correct_record(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.candidates import get_candidate

    kept = _correct_record(core, login, p)
    c = get_candidate(core, login, p["candidate"])
    lines = [T.RECORD_CORRECTED.format(de_who=_de_who(c.first_name, c.last_name, c.ceres_id),
                                       state=esc(c.state_label))]
    lines += [T.PRINT_ALERT_LINE.format(alert=esc(a)).strip() for a in kept]
    return Outcome("\n".join(lines), runs=_prints_unblocked(core, login, c))


def _prints_unblocked(core: Core, login: str, c: Any) -> list[tuple[str, str, dict[str, str]]]:
    """R-PRT-3 then R-CAN-2: once the record is corrected, the print requests of its
    sessions that the core now accepts (a dry run), as buttons back to printing."""
    runs = []
    for ref in c.session_refs:
        try:
            _print_candidate_check(core, login, {"session": ref, "candidate": c.ceres_id})
        except CeresError:
            continue
        runs.append((T.RUN_PRINT_CORRECTED.format(ref=ref), "request_print_candidate",
                     {"session": ref, "candidate": c.ceres_id}))
    return runs[:4]


def _correct_record_check(core: Core, login: str, p: Params) -> None:
    checks.dry_run(core, lambda c, actor: _correct_record(c, actor, p), login)


def _run_duplicates(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.candidates import find_duplicates

    pairs = find_duplicates(core, login)
    if not pairs:
        return Outcome(T.DUPLICATES_NONE)
    lines = [T.DUPLICATES.format(count=len(pairs))]
    for pair in pairs[:20]:
        lines.append(T.DUPLICATE_LINE.format(
            first=esc(f"{pair.first.ceres_id} – {pair.first.first_name} {pair.first.last_name}"),
            second=esc(f"{pair.second.ceres_id} – {pair.second.first_name} "
                       f"{pair.second.last_name}"),
            reason=esc(pair.reason)))
    # R-CAN-5: each pair can be sent to the DREETS, which alone merges records.
    runs = []
    if checks.may_run(core, login, "candidate.duplicate_reported"):
        runs = [(T.REPORT_PAIR.format(first=pair.first.ceres_id, second=pair.second.ceres_id),
                 "report_duplicate",
                 {"candidate": pair.first.ceres_id, "other": pair.second.ceres_id})
                for pair in pairs[:10]]
    return Outcome("\n".join(lines), runs=runs)


# -- R-CAN-5: a likely duplicate reported to the DREETS (a ticket in its queue) -------------------


def _likely_duplicates(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    """The records the core finds likely of the same person as ``candidate``."""
    from ceres_core.services.candidates import find_duplicates

    return [(pair.second.ceres_id, f"{pair.second.ceres_id} – {pair.second.first_name} "
             f"{pair.second.last_name}, {pair.second.birth_date:%d/%m/%Y}")
            for pair in find_duplicates(core, login, p["candidate"])]


def _has_likely_duplicate(core: Core, login: str, p: Params) -> None:
    """The card's button: only for a record the core sees as a likely duplicate."""
    if not _likely_duplicates(core, login, p):
        raise CeresError("")
    checks.check_may_run(core, login, "candidate.duplicate_reported")


def _report(core: Core, login: str, p: Params) -> Any:
    from ceres_core.services.candidates import report_duplicate

    return report_duplicate(core, login, [p["candidate"], p["other"]], p.get("comment") or "")


def _report_check(core: Core, login: str, p: Params) -> None:
    checks.dry_run(core, _report, login, p)


def _confirm_report_duplicate(core: Core, login: str, p: Params) -> Outcome:
    report = checks.dry_run(core, _report, login, p)
    records = "\n".join(T.REPORT_RECORD_LINE.format(
        label=esc(c.label), place=esc(c.birth_place), state=esc(c.state_label))
        for c in report.candidates)
    comment = T.REPORT_COMMENT.format(comment=esc(report.comment)) if report.comment else ""
    return Outcome(T.CONFIRM_REPORT_DUPLICATE.format(
        dreets=esc(report.dreets_name), records=records,
        reasons=esc(" ; ".join(report.reasons)), comment=comment))


def _run_report_duplicate(core: Core, login: str, p: Params) -> Outcome:
    """R-CAN-5: the core's report, then the ticket in the DREETS's queue through the
    helpdesk's own service (routing ``report.ticket_category`` × the region)."""
    from bot.accounts import account_view
    from tickets.escalation import Requester, TicketContext, open_ticket
    from tickets.routing import RoutingInput
    from tickets.views import TicketOpened

    report = _report(core, login, p)
    requester = Requester(int(p[REQUESTER_CHAT]), account_view(core, login).display_name, login)
    opened = open_ticket(
        core, requester, report.ticket_subject,
        TicketContext(question=report.request_text, candidate_ids=list(report.ceres_ids)),
        RoutingInput(category=report.ticket_category, region=report.region_code))
    if not isinstance(opened, TicketOpened):  # only a connection problem asks advice first
        raise CeresError(T.REPORT_NOT_OPENED)
    return Outcome(T.DUPLICATE_REPORTED.format(
        number=esc(opened.number), dreets=esc(report.dreets_name), queue=esc(opened.queue_name),
        ids=esc(", ".join(report.ceres_ids))), ticket_id=opened.ticket_id)


def _agrements(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.agrements import list_centre_agrements

    return [(str(a.id), T.AGREMENT_OPTION.format(code=a.title_code, site=a.site_code,
                                                  label=a.title_label))
            for a in list_centre_agrements(core, login)]


def _ccps(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.agrements import list_centre_agrements

    for a in list_centre_agrements(core, login):
        if str(a.id) == str(p.get("agrement")):
            return [(code, f"{code} {label}") for code, label in a.ccps]
    return []


def _is_ccp(p: Params) -> bool:
    return p.get("kind") == "CCP"


def _session_fields(p: Params) -> dict[str, Any]:
    return {"ccp_code": p.get("ccp") if p.get("kind") == "CCP" else None}


def _create_check(core: Core, login: str, p: Params) -> None:
    """The service itself on what is known, the rest standing for valid values."""
    from datetime import timedelta

    from ceres_core.services.sessions import create_session

    start = p.get("start_date") or (core.clock.today() + timedelta(days=120)).isoformat()
    checks.dry_run(core, create_session, login, int(p["agrement"]), p.get("kind") or "TP",
                   start, p.get("start_time") or "09:00", p.get("end_date") or start,
                   **_session_fields(p))


def _confirm_create_session(core: Core, login: str, p: Params) -> Outcome:
    label = dict(_agrements(core, login, p)).get(str(p["agrement"]), p["agrement"])
    kind = p["kind"] + (f" ({p['ccp']})" if _is_ccp(p) else "")
    return Outcome(T.CONFIRM_CREATE_SESSION.format(
        agrement=esc(label), kind=esc(kind), start=esc(_shown(p["start_date"])),
        time=esc(p["start_time"]), end=esc(_shown(p["end_date"]))))


def _run_create_session(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import create_session

    v = create_session(core, login, int(p["agrement"]), p["kind"], p["start_date"],
                       p["start_time"], p["end_date"], **_session_fields(p))
    return Outcome(T.SESSION_CREATED.format(ref=esc(v.ref), state=esc(v.state_label)),
                   back_to_session=v.ref)


def _jurors(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.juror_lookup import jurors_matching

    return [(str(j.id), j.full_name) for j in jurors_matching(core, login)]


def _confirm_add_juror(core: Core, login: str, p: Params) -> Outcome:
    name = dict(_jurors(core, login, p)).get(str(p["juror"]), p["juror"])
    head = _session_head(core, login, p["session"])
    return Outcome(T.CONFIRM_ADD_JUROR.format(name=esc(name), **head))


def _run_add_juror(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.juries import add_juror_to_session

    v = add_juror_to_session(core, login, p["session"], int(p["juror"]))
    return Outcome(T.DONE.format(message=esc(v.message)), back_to_session=v.session_ref)


def _habilitations(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.juries import list_habilitations

    return [(str(h.id), T.HABILITATION_OPTION.format(subject=h.subject_label,
                                                      state=h.state_label))
            for h in list_habilitations(core, login, int(p["juror"])) if h.allowed_actions]


def _habilitation_actions(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.juries import list_habilitations

    for h in list_habilitations(core, login, int(p["juror"])):
        if str(h.id) == str(p["habilitation"]):
            return list(zip(h.allowed_actions, h.allowed_action_labels, strict=True))
    return []


def _check_juror(core: Core, login: str, p: Params) -> None:
    from ceres_core.services.juries import check_habilitation_to_act

    check_habilitation_to_act(core, login, int(p["juror"]))


def _check_habilitation(core: Core, login: str, p: Params) -> None:
    if not _habilitation_actions(core, login, p):
        from ceres_core.errors import InvalidInput

        raise InvalidInput(T.HABILITATION_UNKNOWN)


def _confirm_habilitation(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.juries import list_habilitations

    h = next(h for h in list_habilitations(core, login, int(p["juror"]))
             if str(h.id) == str(p["habilitation"]))
    label = dict(_habilitation_actions(core, login, p)).get(p["action"], p["action"])
    return Outcome(T.CONFIRM_HABILITATION.format(
        action=esc(label), subject=esc(h.subject_label), name=esc(h.juror_name),
        state=esc(h.state_label)))


def _run_habilitation(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.juries import habilitation_action

    result = habilitation_action(core, login, int(p["habilitation"]), p["action"])
    return Outcome(T.DONE.format(message=esc(result.message)))


def _confirm_duplicate(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import print_history

    h = print_history(core, login, p["session"], p["candidate"])
    c = h.candidate
    # R-PRT-2 / R-AFT-1: the box is ticked again, so the data it attests is shown first.
    preview, line = _print_line(core, login, p)
    docs = "\n".join(T.PRINT_DOCUMENT_LINE.format(label=esc(d.label)) for d in line.documents)
    return Outcome(T.CONFIRM_DUPLICATE.format(
        de_who=_de_who(c.first_name, c.last_name, c.ceres_id), ref=esc(h.session_ref),
        attested=_attested(preview, [line]), documents=docs or T.PRINT_NO_DOCUMENT,
        status=esc(c.status_line)))


def _run_duplicate(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import request_duplicate

    view = request_duplicate(core, login, p["session"], p["candidate"], data_verified=True)
    return Outcome(views.render_print_request(view))


def _confirm_pnd(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import print_history

    h = print_history(core, login, p["session"], p["candidate"])
    c = h.candidate
    address = views.parse_postal_address(p["address"])
    return Outcome(T.CONFIRM_PND.format(
        de_who=_de_who(c.first_name, c.last_name, c.ceres_id), ref=esc(h.session_ref),
        address=esc(address.line)))


def _run_pnd(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import record_pnd

    address = views.parse_postal_address(p["address"])
    view = record_pnd(core, login, p["session"], p["candidate"], new_address=address.street,
                      new_postal_code=address.postal_code, new_city=address.city)
    return Outcome(views.render_pnd(view))


def _pnd_check(core: Core, login: str, p: Params) -> None:
    address = views.parse_postal_address(p["address"])
    checks.dry_run(core, _record_pnd, login, p["session"], p["candidate"], address)


def _record_pnd(core: Core, login: str, session: str, candidate: str, address: Any) -> None:
    from ceres_core.services.printing import record_pnd

    record_pnd(core, login, session, candidate, new_address=address.street,
               new_postal_code=address.postal_code, new_city=address.city)


def _run_attestation(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import attestation_reussite

    filename, pdf = attestation_reussite(core, login, p["session"], p["candidate"])
    return Outcome(T.ATTESTATION_CAPTION.format(ceres_id=esc(p["candidate"]),
                                                ref=esc(p["session"])), document=(filename, pdf))


def _run_activation_letter(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.centres import activation_letter_pdf

    pdf = activation_letter_pdf(core, login, p["siret"])
    return Outcome(T.ACTIVATION_CAPTION.format(siret=esc(p["siret"])),
                   document=(f"courrier-activation-{p['siret']}.pdf", pdf))


def _run_timeline(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.dte import dte_status

    return Outcome(views.render_dte_status(dte_status(core, login, p["session"])),
                   back_to_session=p["session"])


def _confirm_order_dte(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import get_session

    s = get_session(core, login, p["session"])
    rs = views.RS_LABELS.get(p["rs_kind"], p["rs_kind"])
    if p.get("rs_kind") == "autre":
        rs = f"{rs} : {p.get('rs_name', '')}"
    return Outcome(T.CONFIRM_DTE_ORDER.format(
        ref=esc(s.ref), title=esc(views.short_title(s.title_label)), date=_fr(s.start_date),
        count=esc(p["candidates_count"]) + (T.DTE_ZERO_NOTE if str(p["candidates_count"]) == "0"
                                             else ""),
        rs=esc(rs), contact=esc(p["contact_name"]),
        phone=esc(p["contact_phone"]), email=esc(p["contact_email"]),
        address=esc(p["delivery_address"]), comment=esc(p.get("comment") or T.NO_COMMENT_VALUE)))


def _run_order_dte(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.dte import order_dte

    view = order_dte(
        core, login, p["session"], candidates_count=p.get("candidates_count"),
        rs_kind=p.get("rs_kind"),
        rs_name=p.get("rs_name") if p.get("rs_kind") == "autre" else None,
        contact_name=p.get("contact_name"), contact_phone=p.get("contact_phone"),
        contact_email=p.get("contact_email"), delivery_address=p.get("delivery_address"),
        comment=p.get("comment") or None)
    return Outcome(views.render_dte_order(view))


def _confirm_register_centre(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.siret import format_siret

    record = core.directory.lookup(p["siret"])
    name = record.name if record else "—"
    address = f"{record.address}, {record.postal_code} {record.commune}" if record else "—"
    return Outcome(T.CONFIRM_REGISTER_CENTRE.format(
        siret=esc(format_siret(p["siret"])), name=esc(name), address=esc(address),
        site=esc(p["site"])))


def _register_centre(core: Core, login: str, siret: str, site: str) -> Any:
    from ceres_core.services.centres import register_centre

    return register_centre(core, login, siret, site_code=site)  # R-SITE-6


def _register_centre_check(core: Core, login: str, p: Params) -> None:
    """The site: the DREETS competent for it (R-SITE-6); with the SIRET: the service
    itself, rolled back (a SIRET given first is checked once the site is known)."""
    if "site" not in p:
        return
    if "siret" in p:
        checks.dry_run(core, _register_centre, login, p["siret"], p["site"])
    else:
        checks.check_site_transfer(core, login, p["site"])


def _run_register_centre(core: Core, login: str, p: Params) -> Outcome:
    view = _register_centre(core, login, p["siret"], p["site"])
    address = ", ".join(x for x in (view.address, view.commune_line) if x)
    # R-SITE-6: the site it was registered for is the one to transfer next.
    run = (T.RUN_TRANSFER_SITE.format(site=p["site"]), "transfer_site",
           {"site": p["site"], "target_siret": view.siret})
    return Outcome(T.CENTRE_REGISTERED.format(name=esc(view.name), siret=esc(view.siret_display),
                                              address=esc(address or "—"), site=esc(p["site"])),
                   runs=[run])


def _confirm_transfer(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sites import transfer_site

    v = transfer_site(core, login, p["site"], p["target_siret"], confirm=False)
    return Outcome(T.CONFIRM_TRANSFER.format(
        question=esc(v.confirmation_question), site=esc(v.site_name), code=esc(v.site_code),
        from_centre=esc(v.from_centre.label), to_centre=esc(v.to_centre.label),
        agrements=plural(v.agrements_moved, "agrément"),
        sessions=plural(v.sessions_moved, "session"),
        refs=esc(", ".join(v.session_refs) or T.NONE_FEM)))


def _run_transfer(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sites import transfer_site

    v = transfer_site(core, login, p["site"], p["target_siret"], confirm=True)
    # R-SITE-7: a centre that never received an activation code gets its letter here.
    runs = [(T.RUN_ACTIVATION_LETTER, "activation_letter", {"siret": v.to_centre.siret})] \
        if v.target_needs_activation_letter else []
    return Outcome(views.render_transfer(v), runs=runs)


def _confirm_session_action(name: str) -> Callable[[Core, str, Params], Outcome]:
    def confirm(core: Core, login: str, p: Params) -> Outcome:
        head = _session_head(core, login, p["session"])
        reason = T.REASON_LINE.format(reason=esc(p["reason"])) if p.get("reason") else ""
        return Outcome(T.CONFIRM_SESSION_ACTION[name].format(reason=reason, **head))

    return confirm


def _run_session_state(name: str, service: str) -> Callable[[Core, str, Params], Outcome]:
    def run(core: Core, login: str, p: Params) -> Outcome:
        from ceres_core.services import sessions

        fn = getattr(sessions, service)
        args = [p["reason"] or None] if name == "reopen_session" else []
        view = fn(core, login, p["session"], *args)
        return Outcome(T.SESSION_DONE[name].format(ref=esc(view.ref), state=esc(view.state_label)),
                       back_to_session=view.ref)

    return run


def _prints_left(v: Any) -> str:
    """R-SES-5/R-PRT-4: the print requests a cancellation leaves at the Afpa (the core's)."""
    if v.prints is None:
        return ""
    return T.CANCEL_PRINTS_LEFT.format(
        count=plural(len(v.prints.sent), "candidat"), names=esc(", ".join(v.prints_names)),
        rule=esc(v.prints.rule))


def _confirm_cancel_session(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import cancel_session

    # The service itself, rolled back: the core's view of what the cancellation leaves.
    v = checks.dry_run(core, cancel_session, login, p["session"], p["reason"])
    head = _confirm_session_action("cancel_session")(core, login, p).html
    return Outcome(head + "".join(f"\n• {esc(step)}" for step in v.next_steps)
                   + _prints_left(v))


def _run_cancel_session(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import cancel_session

    v = cancel_session(core, login, p["session"], p["reason"])
    lines = [T.CANCELLED_SESSION.format(ref=esc(v.session.ref))]
    lines += [f"• {esc(step)}" for step in v.next_steps]
    return Outcome("\n".join(lines) + _prints_left(v))


def _dates_check(core: Core, login: str, p: Params) -> None:
    """R-SES-2/R-SES-4/R-SES-5, step by step (the core's own checks)."""
    checks.check_session_dates(core, login, p["session"], p.get("start_date"),
                               p.get("end_date"))


def _change_dates(core: Core, login: str, p: Params) -> Any:
    from ceres_core.services.sessions import change_session_dates

    return change_session_dates(core, login, p["session"], p["start_date"], p["end_date"],
                                reason=p.get("reason") or None)


def _confirm_change_dates(core: Core, login: str, p: Params) -> Outcome:
    # The service itself, rolled back: its view names what follows (GEV, convocations).
    v = checks.dry_run(core, _change_dates, login, p)
    reason = T.REASON_LINE.format(reason=esc(p["reason"])) if p.get("reason") else ""
    notes = "".join(T.NOTE_LINE.format(note=esc(n)) for n in v.notes)
    return Outcome(T.CONFIRM_CHANGE_DATES.format(
        ref=esc(v.session.ref), title=esc(views.short_title(v.session.title_label)),
        old_start=_fr(v.previous_start), old_end=_fr(v.previous_end),
        start=_fr(v.session.start_date), end=_fr(v.session.end_date), reason=reason,
        notes=notes))


def _run_change_dates(core: Core, login: str, p: Params) -> Outcome:
    v = _change_dates(core, login, p)
    return Outcome(T.DONE.format(message=esc(v.message)), back_to_session=v.session.ref)


def _run_delete_session(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import delete_session

    v = delete_session(core, login, p["session"])
    return Outcome(T.DONE.format(message=esc(v.message)))


def _run_convocations(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.sessions import issue_convocations

    v = issue_convocations(core, login, p["session"])
    lines = [T.CONVOCATIONS_DONE.format(ref=esc(v.session.ref), count=v.candidates_count)]
    if v.warning:
        lines.append(f"⚠️ {esc(v.warning)}")
    return Outcome("\n".join(lines), back_to_session=v.session.ref)


def _confirm_registration(template: str) -> Callable[[Core, str, Params], Outcome]:
    def confirm(core: Core, login: str, p: Params) -> Outcome:
        from ceres_core.services.candidates import get_candidate

        c = get_candidate(core, login, p["candidate"])
        head = _session_head(core, login, p["session"])
        return Outcome(template.format(who=_who(c.first_name, c.last_name, c.ceres_id), **head))

    return confirm


def _run_register(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.registrations import register_candidate

    v = register_candidate(core, login, p["session"], p["candidate"])
    return Outcome(T.REGISTERED.format(name=esc(v.full_name), ceres_id=esc(v.ceres_id),
                                       ref=esc(v.session_ref),
                                       registered=agreed("inscrit", v.civility)),
                   back_to_session=v.session_ref)


def _run_unregister(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.registrations import unregister_candidate

    v = unregister_candidate(core, login, p["session"], p["candidate"])
    return Outcome(T.UNREGISTERED.format(name=esc(v.full_name), ceres_id=esc(v.ceres_id),
                                         ref=esc(v.session_ref),
                                         unregistered=agreed("désinscrit", v.civility)),
                   back_to_session=v.session_ref)


def _ack_kinds(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.dte import ack_kinds

    return [(value, label[:1].upper() + label[1:]) for value, label in ack_kinds()]


def _ack_links(p: Params) -> list[str] | None:
    return p["links"].replace(",", " ").split() if p.get("links") else None


def _needs_links(p: Params) -> bool:
    return p.get("ack_kind") == "preparation"


def _ack_check(core: Core, login: str, p: Params) -> None:
    checks.check_dte_acknowledgement(core, login, p["session"], p["ack_kind"], _ack_links(p))


def _confirm_ack(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.dte import ack_kinds

    kind = dict(ack_kinds()).get(p["ack_kind"], p["ack_kind"])
    links = _ack_links(p)
    if links:
        kind += T.ACK_LINKS.format(links=", ".join(links))
    return Outcome(T.CONFIRM_ACK.format(ref=esc(p["session"]), kind=esc(kind)))


def _run_ack(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.dte import acknowledge_dte

    v = acknowledge_dte(core, login, p["session"], p["ack_kind"], links=_ack_links(p))
    return Outcome(T.ACK_DONE.format(ref=esc(v.session_ref), status=esc(v.status_label)))


def _run_tracking(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.tracking import print_tracking, print_tracking_list

    v = print_tracking(core, login)
    # R-PRT-8: the sessions behind the counts, each opening its card (« Envoyer pour
    # impression »), those with nothing sent first.
    sessions = [s for which in ("none", "partial")
                for s in print_tracking_list(core, login, which, limit=10).sessions]
    choices = [Choice(s.session_ref, T.TRACKING_SESSION.format(
        ref=s.session_ref, title=views.short_title(s.title_label), sent=s.sent,
        total=s.to_print)) for s in sessions]
    return Outcome(T.TRACKING.format(zone=esc(v.zone_label), none=v.none_count,
                                     partial=v.partial_count), choices=choices)


def _run_export_jurors(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.juries import export_jurors_csv

    csv_text = export_jurors_csv(core, login)
    return Outcome(T.JURORS_CAPTION, document=("jures.csv", csv_text.encode("utf-8")))


# -- the Afpa's desk (R-PRT-7, R-AFT-2) ----------------------------------------------------------


def _run_afpa_requests(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.afpa import list_received_print_requests

    requests = list_received_print_requests(core, login, limit=30)
    if not requests:
        return Outcome(T.AFPA_REQUESTS_NONE)
    lines = [T.AFPA_REQUESTS.format(count=len(requests))]
    for r in requests:
        lines.append(T.AFPA_REQUEST_LINE.format(
            when=_fr(r.requested_at.date()), kind=esc(r.kind_label), ref=esc(r.session_ref),
            who=T.CANDIDATE_WHO.format(name=esc(r.candidate_name), ceres_id=esc(r.ceres_id)),
            documents=esc(", ".join(r.documents) or r.document_label),
            to=esc(T.AFPA_TO_SERVICE.format(service=r.routing.service_name)
                   if r.routing.overseas else T.AFPA_TO_CANDIDATE))
            + (T.AFPA_SESSION_CANCELLED if r.session_cancelled else ""))
    return Outcome("\n".join(lines))


def _pnd_notices(core: Core, login: str) -> list[Any]:
    # printing.list_pnd_notices (R-AFT-2): imported here, the service may be newer than
    # this module's branch.
    from ceres_core.services.printing import list_pnd_notices

    return list_pnd_notices(core, login)


def _pnd_notice_line(n: Any) -> str:
    return T.PND_NOTICE_LINE.format(
        id=n.id, who=T.CANDIDATE_WHO.format(name=esc(n.candidate_name), ceres_id=esc(n.ceres_id)),
        ref=esc(n.session_ref), address=esc(n.new_address), when=_fr(n.notified_at.date()),
        documents=esc(", ".join(n.documents)))


def _run_pnd_notices(core: Core, login: str, p: Params) -> Outcome:
    notices = _pnd_notices(core, login)
    if not notices:
        return Outcome(T.PND_NOTICES_NONE)
    lines = [T.PND_NOTICES.format(count=len(notices))]
    lines += [_pnd_notice_line(n) for n in notices[:30]]
    runs = [(T.RUN_PND_RESENT.format(option=label), "handle_pnd_notice", {"notice": value})
            for value, label in _pnd_notice_options(core, login, p)]
    return Outcome("\n".join(lines), runs=runs)


def _pnd_notice_options(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    return [(str(n.id), T.PND_NOTICE_OPTION.format(id=n.id, name=n.candidate_name,
                                                   ref=n.session_ref))
            for n in _pnd_notices(core, login)[:20]]


def _pnd_notice_check(core: Core, login: str, params: Params) -> None:
    from ceres_core.services.printing import handle_pnd_notice

    checks.dry_run(core, handle_pnd_notice, login, int(params["notice"]))


def _confirm_handle_pnd(core: Core, login: str, p: Params) -> Outcome:
    notice = next((n for n in _pnd_notices(core, login) if str(n.id) == str(p["notice"])), None)
    if notice is None:  # handled meanwhile: the service's own refusal
        _pnd_notice_check(core, login, p)
        return Outcome(T.PND_NOTICE_GONE.format(id=esc(p["notice"])), nothing_to_do=True)
    return Outcome(T.CONFIRM_HANDLE_PND.format(line=_pnd_notice_line(notice)))


def _run_handle_pnd(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.printing import handle_pnd_notice

    n = handle_pnd_notice(core, login, int(p["notice"]))
    return Outcome(T.PND_HANDLED.format(
        id=n.id, who=T.CANDIDATE_WHO.format(name=esc(n.candidate_name), ceres_id=esc(n.ceres_id)),
        status=esc(n.status_label)))


# -- a new candidate record (R-CAN-1, R-CAN-3, R-CAN-4, R-CAN-5) ---------------------------------

_RECORD_PARAMS = ("last_name", "first_name", "birth_date", "civility", "birth_country",
                  "birth_commune", "birth_postal_code")


def _record_fields(p: Params) -> dict[str, str]:
    """The record's fields from the form: the postal address typed on one line is the
    record's street, postal code and commune (checked by the core, as the rest)."""
    out = {k: p[k] for k in _RECORD_PARAMS if k in p}
    if p.get("address"):
        address = views.parse_postal_address(p["address"])
        out.update(address=address.street, postal_code=address.postal_code,
                   city=address.city)
    out.update({k: p[k] for k in ("email", "phone") if k in p})
    return out


def _new_candidate_check(core: Core, login: str, p: Params) -> None:
    checks.check_new_candidate(core, login, **_record_fields(p))


def _birth_countries(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    return [(T.FRANCE, T.FRANCE)]


def _close_records(core: Core, login: str, p: Params, exclude: str | None = None) -> str:
    """R-CAN-5: the records close to this person (region first, then France)."""
    hits = checks.likely_duplicates(core, login, p["first_name"], p["last_name"],
                                    p["birth_date"], exclude=exclude)
    if not hits:
        return ""
    lines = [T.CLOSE_RECORDS]
    lines += [T.CLOSE_RECORD_LINE.format(label=esc(h.candidate.label), scope=esc(h.scope),
                                         region=esc(h.candidate.region_name)) for h in hits]
    return "\n".join(lines)


def _confirm_create_candidate(core: Core, login: str, p: Params) -> Outcome:
    from datetime import date

    civility = civility_label(p["civility"])
    place = ", ".join(x for x in (p.get("birth_commune"), p.get("birth_postal_code"),
                                  p.get("birth_country")) if x)
    head = T.CONFIRM_CREATE_CANDIDATE.format(
        civility=esc(civility), first=esc(p["first_name"]), last=esc(p["last_name"]),
        born=born_word(p["civility"]), birth=_fr(date.fromisoformat(p["birth_date"])), place=esc(place),
        address=esc(p.get("address") or T.NOT_GIVEN_FEM), email=esc(p.get("email") or
                                                                    T.NOT_GIVEN_FEM),
        phone=esc(p.get("phone") or T.NOT_GIVEN))
    close = _close_records(core, login, p)
    return Outcome(head + ("\n\n" + close + T.CLOSE_RECORDS_HINT if close else ""))


def _run_create_candidate(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.candidates import create_candidate

    c = create_candidate(core, login, **{k: (v or None) for k, v in _record_fields(p).items()})
    lines = [T.CANDIDATE_CREATED.format(who=_who(c.first_name, c.last_name, c.ceres_id),
                                        state=esc(c.state_label), region=esc(c.region_name))]
    if c.alerts:  # R-CAN-4: they keep the record a draft
        lines.append(T.CANDIDATE_ALERTS)
        lines += [T.PRINT_ALERT_LINE.format(alert=esc(a.message)).strip("\n") for a in c.alerts]
    close = _close_records(core, login, p, exclude=c.ceres_id)
    runs = []
    if close:
        lines += ["", close, T.CLOSE_RECORDS_REPORT]
        # R-CAN-5: each close record can be reported to the DREETS with the new one.
        others = [pair.second.ceres_id for pair in c.likely_duplicates]
        others += [h.candidate.ceres_id for h in checks.likely_duplicates(
            core, login, p["first_name"], p["last_name"], p["birth_date"], exclude=c.ceres_id)
            if h.candidate.ceres_id not in others]
        runs += [(T.REPORT_WITH.format(ceres_id=other), "report_duplicate",
                  {"candidate": c.ceres_id, "other": other}) for other in others[:6]]
    if checks.may_run(core, login, "registration.register"):
        sessions = views.session_choices_in(core, login, ("en_preparation",), limit=6)
        if p.get("session"):  # the registration it was created for, first
            sessions = [ch for ch in views.session_choices_in(core, login, (), limit=200)
                        if ch.value == p["session"]][:1] + [
                ch for ch in sessions if ch.value != p["session"]][:5]
        register = [(T.REGISTER_TO.format(session=ch.label), "register_candidate",
                     {"session": ch.value, "candidate": c.ceres_id}) for ch in sessions]
        if register:
            lines += ["", T.REGISTER_NEW_CANDIDATE]
        runs += register
    return Outcome("\n".join(lines), runs=runs)


# -- results (R-RES-1) ---------------------------------------------------------------------------


def _results_session(core: Core, login: str, p: Params) -> None:
    from ceres_core.services.results import results_entry

    results_entry(core, login, p["session"])


def _result_check(core: Core, login: str, p: Params) -> None:
    """The core's entry, rolled back, with the values known so far."""
    from ceres_core.services.results import enter_result

    present = p.get("attendance", "present") == "present"
    codes: list[str] = []
    if present and p.get("result") == "partiellement_admis":
        # The CCPs not given yet: one of the title's stands for them (R-RES-1 asks one at
        # least, not all), so that « partiellement admis » is refused only when it cannot be.
        codes = _ccp_codes(p) if "ccps" in p else [c for c, _ in _title_ccps(core, login, p)][:1]
    checks.dry_run(core, enter_result, login, p["session"], p["candidate"],
                   attendance=p.get("attendance", "present"),
                   result=(p.get("result") or None) if present else None,
                   ccps_obtained=codes)


def _ccp_codes(p: Params) -> list[str]:
    return (p.get("ccps") or "").replace(",", " ").split()


def _attendances(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    """The attendances, said of the candidate chosen (« Présente » for Mme)."""
    from ceres_core.services.candidates import get_candidate
    from ceres_core.services.sessions import ATTENDANCE_LABELS, attendance_label

    civility = get_candidate(core, login, p["candidate"]).civility if p.get("candidate") else ""
    out = []
    for a in ATTENDANCE_LABELS:
        label = attendance_label(a, civility)
        out.append((a.value, label[:1].upper() + label[1:]))
    return out


def _results(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.models import RESULT_LABELS

    return [(r.value, label[:1].upper() + label[1:]) for r, label in RESULT_LABELS.items()]


def _present(p: Params) -> bool:
    return p.get("attendance") == "present"


def _partial(p: Params) -> bool:
    return _present(p) and p.get("result") == "partiellement_admis"


def _title_ccps(core: Core, login: str, p: Params) -> list[tuple[str, str]]:
    from ceres_core.services.results import results_entry

    return [(code, f"{code} {label}") for code, label in results_entry(
        core, login, p["session"]).ccps]


def _confirm_result(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.candidates import get_candidate

    c = get_candidate(core, login, p["candidate"])
    attendance = dict(_attendances(core, login, p)).get(p["attendance"], p["attendance"])
    if not _present(p):
        result = T.RESULT_NONE_ABSENT
    else:
        result = dict(_results(core, login, p)).get(p.get("result") or "", T.RESULT_LATER)
    ccps = T.RESULT_CCPS.format(ccps=esc(", ".join(_ccp_codes(p)))) if _partial(p) else ""
    return Outcome(T.CONFIRM_RESULT.format(
        de_who=_de_who(c.first_name, c.last_name, c.ceres_id), ref=esc(p["session"]),
        attendance=esc(attendance.lower()), result=esc(result.lower()), ccps=ccps,
        comment=esc(p.get("comment") or T.NOT_GIVEN)))


def _run_result(core: Core, login: str, p: Params) -> Outcome:
    from ceres_core.services.results import enter_result

    present = _present(p)
    v = enter_result(core, login, p["session"], p["candidate"], attendance=p["attendance"],
                     result=(p.get("result") or None) if present else None,
                     ccps_obtained=_ccp_codes(p) if _partial(p) else (),
                     comment=p.get("comment") or None)
    result = f", {v.result_label}" if v.result_label else ""
    if v.ccps_obtained:
        result += T.RESULT_CCPS.format(ccps=", ".join(v.ccps_obtained))
    who = T.CANDIDATE_WHO.format(name=esc(v.full_name), ceres_id=esc(v.ceres_id))
    lines = [T.RESULT_DONE.format(who=who, attendance=esc(v.attendance_label), result=esc(result),
                                  state=esc(v.session_state_label))]
    runs = []
    if v.remaining_to_enter:
        lines.append(T.RESULT_REMAINING.format(count=plural(v.remaining_to_enter, "candidat")))
        runs.append((T.RESULT_NEXT, "enter_results", {"session": v.session_ref}))
    else:
        lines.append(T.RESULT_ALL_ENTERED)
        runs.append((T.CARD_LABEL["close_session"], "close_session", {"session": v.session_ref}))
    return Outcome("\n".join(lines), back_to_session=v.session_ref, runs=runs)


# -- the catalogue ------------------------------------------------------------------------------

_VALIDATED = ("validee", "debloquee")
SESSION = Param("session", "session", check=_view_session)
CANDIDATE = Param("candidate", "candidate", check=_candidate_exists)


def _session(check: Check | None = None, states: tuple[str, ...] = ()) -> Param:
    return Param("session", "session", check=check or _view_session, session_states=states)


def _rs_other(params: Params) -> bool:
    return params.get("rs_kind") == "autre"


CATALOGUE: tuple[Operation, ...] = (
    Operation("list_sessions", "sessions", "session.list", (), _run_list_sessions, result="list"),
    Operation("sessions_to_validate", "a_valider", "session.validate", (),
              _run_sessions_to_validate, result="list"),
    Operation("create_session", "creer_session", "session.create",
              (Param("agrement", "count", options=_agrements, check=_create_check),
               Param("kind", "choice", choices=T.SESSION_KINDS, check=_create_check),
               Param("ccp", "choice", options=_ccps, when=_is_ccp, check=_create_check),
               Param("start_date", "date", check=_create_check),
               Param("start_time", "time", check=_create_check),
               Param("end_date", "date", check=_create_check)),
              _run_create_session, _confirm_create_session),
    Operation("validate_session", "valider", "session.validate",
              (_session(_dry("sessions.validate_session", "session"), ("en_attente_validation",)),),
              _run_session_state("validate_session", "validate_session"),
              _confirm_session_action("validate_session"), card="session"),
    Operation("reopen_session", "debloquer", "session.reopen",
              (_session(_dry("sessions.reopen_session", "session"), _VALIDATED),
               Param("reason", "text", optional=True)),
              _run_session_state("reopen_session", "reopen_session"),
              _confirm_session_action("reopen_session"), card="session"),
    Operation("cancel_session", "annuler_session", "session.cancel",
              (_session(_dry("sessions.cancel_session", "session", reason="motif")),
               Param("reason", "text")),
              _run_cancel_session, _confirm_cancel_session, card="session"),
    Operation("change_session_dates", "dates_session", "session.change_dates",
              (_session(_dates_check, ("en_preparation", *_VALIDATED)),
               Param("start_date", "date", check=_dates_check),
               Param("end_date", "date", check=_dates_check),
               Param("reason", "text", optional=True)),
              _run_change_dates, _confirm_change_dates, card="session"),
    Operation("delete_session", "supprimer_session", "session.delete",
              (_session(_dry("sessions.delete_session", "session")),),
              _run_delete_session, _confirm_session_action("delete_session"), card="session"),
    Operation("issue_convocations", "convocations", "session.convocations",
              (_session(_dry("sessions.issue_convocations", "session")),),
              _run_convocations, _confirm_session_action("issue_convocations"), card="session"),
    Operation("close_session", "cloturer", "session.close",
              (_session(_dry("sessions.close_session_at_centre", "session")),),
              _run_session_state("close_session", "close_session_at_centre"),
              _confirm_session_action("close_session"), card="session"),
    Operation("enter_results", "resultats", "results.enter",
              (_session(_results_session),
               Param("candidate", "candidate", check=_result_check),
               Param("attendance", "choice", options=_attendances, check=_result_check),
               Param("result", "choice", options=_results, optional=True, when=_present,
                     check=_result_check, pick_passing=True),
               Param("ccps", "text", options=_title_ccps, when=_partial, check=_result_check),
               Param("comment", "text", optional=True)),
              _run_result, _confirm_result, card="session"),
    Operation("register_candidate", "inscrire", "registration.register",
              (_session(), Param("candidate", "candidate", registered=False,
                                 check=_dry("registrations.register_candidate", "session",
                                            "candidate"))),
              _run_register, _confirm_registration(T.CONFIRM_REGISTER_CANDIDATE), card="session",
              card_check=lambda core, login, p: checks.check_may_run(
                  core, login, "registration.register")),
    Operation("create_candidate", "creer_candidat", "candidate.create",
              (Param("last_name", "text"), Param("first_name", "text"),
               Param("birth_date", "date", check=_new_candidate_check),
               Param("civility", "choice", choices=T.CIVILITIES),
               Param("birth_country", "text", options=_birth_countries),
               Param("birth_commune", "text", optional=True),
               Param("birth_postal_code", "text", optional=True, check_empty=True,
                     check=_new_candidate_check),
               # Contact data: optional (the rules ask none at creation), checked as typed.
               Param("address", "address", optional=True, check=_new_candidate_check),
               Param("email", "email", optional=True, check=_new_candidate_check),
               Param("phone", "phone", optional=True, check=_new_candidate_check),
               # Given when the record is created from a registration: offered first.
               Param("session", "session", optional=True, when=lambda p: "session" in p)),
              _run_create_candidate, _confirm_create_candidate),
    Operation("unregister_candidate", "desinscrire", "registration.unregister",
              (_session(), Param("candidate", "candidate",
                                 check=_dry("registrations.unregister_candidate", "session",
                                            "candidate"))),
              _run_unregister, _confirm_registration(T.CONFIRM_UNREGISTER_CANDIDATE),
              card="candidate"),
    Operation("request_print", "impression", "print.request_session",
              (_session(_print_session_check,
                        _VALIDATED),),
              _run_print, _confirm_print, card="session", card_check=_print_left),
    Operation("request_print_candidate", "impression_candidat", "print.request_session",
              (_session(_print_session, _VALIDATED),
               Param("candidate", "candidate", check=_print_candidate_check)),
              _run_print_candidate, _confirm_print_candidate, card="candidate",
              card_check=_print_candidate_check),
    Operation("request_duplicate", "duplicata", "print.duplicate",
              (CANDIDATE, _session(_dry("printing.request_duplicate", "session", "candidate",
                                        data_verified=True))),
              _run_duplicate, _confirm_duplicate, card="candidate"),
    Operation("record_pnd", "pnd", "print.pnd",
              (Param("candidate", "candidate", check=_pnd_possible, pick_passing=True),
               _session(_pnd_possible),
               Param("address", "address", check=_pnd_check)),
              _run_pnd, _confirm_pnd, card="candidate", card_check=_pnd_possible),
    Operation("attestation_reussite", "attestation", "print.attestation",
              (CANDIDATE, _session(_dry("printing.attestation_reussite", "session", "candidate"))),
              _run_attestation, result="document", card="candidate",
              card_check=_attestation_available),
    Operation("correct_record", "corriger_fiche", "candidate.back_to_draft",
              (CANDIDATE, Param("field", "choice", choices=T.RECORD_FIELDS),
               Param("value", "text", check=_correct_record_check)),
              _run_correct_record, _confirm_correct_record, card="candidate",
              card_check=lambda core, login, p: checks.check_may_run(
                  core, login, "candidate.back_to_draft")),
    Operation("add_juror", "designer_jure", "jury.add_to_session",
              (_session(), Param("juror", "juror", options=_jurors, pick_passing=True,
                                 check=_dry("juries.add_juror_to_session", "session", "juror"))),
              _run_add_juror, _confirm_add_juror, card="session"),
    Operation("habilitation", "habilitation", "jury.habilitation_action",
              (Param("juror", "juror", options=_jurors, check=_check_juror, pick_passing=True),
               Param("habilitation", "count", options=_habilitations, check=_check_habilitation),
               Param("action", "choice", options=_habilitation_actions,
                     check=_dry("juries.habilitation_action", "habilitation", "action"))),
              _run_habilitation, _confirm_habilitation),
    Operation("find_duplicates", "doublons", "candidate.find_duplicates", (), _run_duplicates),
    Operation("report_duplicate", "signaler_doublon", "candidate.duplicate_reported",
              (CANDIDATE, Param("other", "candidate", options=_likely_duplicates,
                                check=_report_check),
               Param("comment", "text", optional=True)),
              _run_report_duplicate, _confirm_report_duplicate, card="candidate",
              card_check=_has_likely_duplicate, requester=True),
    Operation("print_tracking", "suivi_impressions", "print.tracking", (), _run_tracking),
    Operation("dte_timeline", "calendrier_dte", "dte.status", (_session(),), _run_timeline,
              card="session"),
    Operation("order_dte", "commande_dte", "dte.order",
              (_session(_dte_session),
               Param("candidates_count", "count", check=_dte_fields),
               Param("rs_kind", "choice", check=_dte_fields, choices=views.RS_CHOICES),
               Param("rs_name", "text", check=_dte_fields, when=_rs_other),
               Param("contact_name", "text", check=_dte_fields, options=_own_contact("contact_name")),
               Param("contact_phone", "phone", check=_dte_fields, options=_own_contact("contact_phone")),
               Param("contact_email", "email", check=_dte_fields, options=_own_contact("contact_email")),
               Param("delivery_address", "address", check=_dte_fields),
               Param("comment", "text", optional=True)),
              _run_order_dte, _confirm_order_dte, card="session",
              card_check=_dte_orderable_card),
    Operation("dte_orders_to_prepare", "dte_a_preparer", "dte.acknowledge", (),
              _run_dte_to_prepare, result="list"),
    Operation("acknowledge_dte", "accuse_dte", "dte.acknowledge",
              (_session(_ack_session),
               Param("ack_kind", "choice", options=_ack_kinds, check=_ack_check,
                     pick_passing=True),
               Param("links", "text", when=_needs_links, check=_ack_check)),
              _run_ack, _confirm_ack, card="session"),
    Operation("register_centre", "centre", "centre.register",
              (Param("site", "site", check=_register_centre_check),
               Param("siret", "siret", check=_register_centre_check)),
              _run_register_centre, _confirm_register_centre),
    Operation("transfer_site", "transfert_site", "site.transfer",
              (Param("site", "site", check=_can_transfer),
               Param("target_siret", "siret", check=_transfer_preview)),
              _run_transfer, _confirm_transfer),
    Operation("activation_letter", "courrier_activation", "centre.activation_letter",
              (Param("siret", "siret", check=_dry("centres.activation_letter_pdf", "siret")),),
              _run_activation_letter, result="document"),
    Operation("afpa_print_requests", "impressions_recues", "print.afpa_requests", (),
              _run_afpa_requests),
    Operation("pnd_notices", "avis_pnd", "print.pnd_notices", (), _run_pnd_notices),
    Operation("handle_pnd_notice", "pnd_renvoye", "print.pnd_handle",
              (Param("notice", "count", options=_pnd_notice_options, check=_pnd_notice_check),),
              _run_handle_pnd, _confirm_handle_pnd),
    Operation("export_jurors", "jures_csv", "jury.export_csv", (), _run_export_jurors,
              result="document"),
)

_BY_NAME = {op.name: op for op in CATALOGUE}
_BY_COMMAND = {op.command: op for op in CATALOGUE}


def by_name(name: str) -> Operation | None:
    return _BY_NAME.get(name)


def by_command(command: str) -> Operation | None:
    return _BY_COMMAND.get(command)


def operation_names() -> list[str]:
    """The operations reachable in the chat (each calls its own core service)."""
    return [op.name for op in CATALOGUE]


# -- the core's action names (reminders, live answers) → catalogue operations ------------------


#: A refusal whose remedy is another operation of the chat: by rule id, the operation and
#: the params it takes from the refused form (offered when the actor may run it).
REMEDIES: dict[str, tuple[str, tuple[str, ...]]] = {
    # R-PRT-3: data a print request refuses is corrected on the record (R-CAN-2).
    "R-PRT-3": ("correct_record", ("candidate",)),
    # R-PRT-4: documents already sent once are sent again as a duplicate.
    "R-PRT-4": ("request_duplicate", ("session", "candidate")),
}


def remedy(rule: str | None, params: Params) -> tuple[str, str, dict[str, str]] | None:
    """The button label, operation and params that remedy a refusal by ``rule``."""
    found = REMEDIES.get(rule or "")
    if found is None:
        return None
    name, passes = found
    if any(not params.get(p) for p in passes):
        return None
    return T.REMEDY_BUTTON[name], name, {p: str(params[p]) for p in passes}


@dataclass(frozen=True)
class ActionRoute:
    """How one action name starts in the chat: ``operation`` (a catalogue operation, or
    ``None`` for the session card) with the action's params named in ``passes``; the
    route applies only when every param in ``needs`` is given."""

    operation: str | None
    passes: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()


#: THE table from the action names the core's reminders (``ceres_core.reminders.Action``)
#: and the bot's live answers carry to the catalogue: the first route whose ``needs``
#: are given wins. Documented in docs/operations.md (generated from it).
ACTIONS: dict[str, tuple[ActionRoute, ...]] = {
    "voir_session": (ActionRoute(None, ("session",), needs=("session",)),),
    "commander_dte": (ActionRoute("order_dte", ("session",)),),
    "calendrier_dte": (ActionRoute("dte_timeline", ("session",)),),
    "valider_sessions": (ActionRoute("sessions_to_validate"),),
    "demander_duplicata": (ActionRoute("request_duplicate", ("session", "candidate")),),
    "telecharger_attestation": (ActionRoute("attestation_reussite", ("session", "candidate")),),
    "enregistrer_pnd": (ActionRoute("record_pnd", ("session", "candidate")),),
    # A State service's reminder names a session; the Afpa's names none.
    "traiter_impressions": (ActionRoute("request_print", ("session",), needs=("session",)),
                            ActionRoute("afpa_print_requests")),
    "renvoyer_pnd": (ActionRoute("pnd_notices"),),
    "traiter_commandes_dte": (ActionRoute("dte_orders_to_prepare"),),
    "accuser_reception_dte": (ActionRoute("acknowledge_dte", ("session",)),),
    "voir_doublons": (ActionRoute("find_duplicates"),),
    "voir_habilitations": (ActionRoute("habilitation", ("juror",)),),
}


def start_by_action(name: str, params: Any = None) -> dict[str, Any] | None:
    """The payload of the operation button (``bot.keyboards.OPERATION``, handled by
    :func:`bot.handlers.forms.on_button`) that starts action ``name`` with ``params``
    (the action's, strings), or ``None`` when the chat has no such operation (the
    reminder's text is then the information). Empty params are left out: the form asks
    them. :func:`bot.handlers.forms.start_action` starts it at once."""
    given = {k: str(v) for k, v in dict(params or {}).items() if v not in (None, "")}
    for route in ACTIONS.get(name, ()):
        if not all(n in given for n in route.needs):
            continue
        kept = {n: given[n] for n in route.passes if n in given}
        if route.operation is None:
            return {"do": "card", "s": kept["session"]}
        return {"do": "run", "op": route.operation, "params": kept}
    return None


def action_table() -> str:
    """The action names × catalogue operations table (Markdown), from :data:`ACTIONS`."""
    lines = ["| action | opération | commande | paramètres repris | si |", "|---|---|---|---|---|"]
    for name, routes in ACTIONS.items():
        for r in routes:
            op = by_name(r.operation) if r.operation else None
            what = op.menu if op else "Fiche de la session"
            command = f"/{op.command}" if op else "—"
            lines.append(f"| `{name}` | {what} | {command} | {', '.join(r.passes) or '—'} | "
                         f"{', '.join(r.needs) or '—'} |")
    return "\n".join(lines) + "\n"


# -- what a user may run: asked of the core ------------------------------------------------------


def may_run(core: Core, login: str, op: Operation) -> bool:
    return checks.may_run(core, login, op.action)


def operations_for(core: Core, login: str | None) -> list[Operation]:
    """The operations this account may run (all when no account: they say how to link)."""
    if login is None:
        return []
    return [op for op in CATALOGUE if may_run(core, login, op)]


def menu_for(core: Core, login: str | None) -> list[tuple[str, str]]:
    return [(op.command, op.menu) for op in operations_for(core, login)]


@dataclass(frozen=True)
class CardAction:
    operation: str
    label: str
    params: dict[str, str] = field(default_factory=dict)


def card_operations(core: Core, login: str, card: str, params: Params) -> list[CardAction]:
    """The buttons of a session or candidate card: the operations of that card the user
    may run and that the core would accept now (a button that can only fail is not shown)."""
    out = []
    for op in CATALOGUE:
        if op.card != card or not may_run(core, login, op):
            continue
        try:
            if op.card_check is not None:
                op.card_check(core, login, dict(params))
            else:
                for p in op.params:
                    if p.name in params and p.check is not None:
                        p.check(core, login, dict(params))
        except CeresError:
            continue
        out.append(CardAction(op.name, T.CARD_LABEL[op.name], dict(params)))
    return out


def role_table(core: Core | None = None) -> str:
    """The operation × role table (Markdown) from the catalogue and the core's roles."""
    from ceres_core.models import Role

    roles = [r for r in Role if r is not Role.SUPPORT]
    head = "| commande | opération | service du cœur | " + " | ".join(r.value for r in roles) + " |"
    lines = [head, "|" + "---|" * (3 + len(roles))]
    for op in CATALOGUE:
        allowed = set(checks.roles_for(op.action))
        marks = " | ".join("✔" if r in allowed else "" for r in roles)
        lines.append(f"| /{op.command} | {op.menu} | `{op.action}` | {marks} |")
    return "\n".join(lines) + "\n"
