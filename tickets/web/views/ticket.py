"""A ticket's page and its forms (one POST route per form, then redirect)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from aiohttp import web

from ceres_core.errors import CeresError, NotFound, RuleViolation
from tickets import texts
from tickets.macros import compose, find_macro, title_key
from tickets.models import PRIORITY_LABELS, STATUS_LABELS, Priority, TicketStatus
from tickets.queues import queue_spec, standard_queue_codes
from tickets.routing import CATEGORY_LABELS, Category
from tickets.services import (
    assign,
    claim,
    get_ticket_detail,
    hand_back_to_bot,
    list_macros,
    mark_seen,
    merge_tickets,
    move_to_queue,
    open_attachment,
    queue_members,
    requester_context,
    set_priority,
    set_status,
    staff_reply,
    staff_reply_with_file,
    staffed_queues,
    ticket_viewers,
)
from tickets.texts import EVENT_LABELS, event_value
from tickets.web import live
from tickets.web.helpers import (
    MSG_FORM_SENT_TWICE,
    FormExpired,
    FormSpent,
    call,
    redirect,
    release_form,
    render,
    session_of,
    spend_form,
    staff_view,
    url_for,
)
from tickets.web.keys import ARTICLES, ATTACHMENTS, MY_QUEUES

#: Context keys shown in the "objets concernés" box, with their French labels.
CONTEXT_LABELS: tuple[tuple[str, str], ...] = (
    ("session_ref", "Session"),
    ("candidate_ids", "Candidats"),
    ("site_code", "Site"),
    ("topic", "Article consulté"),
    ("procedure", "Procédure"),
    ("procedure_step", "Étape de la procédure"),
)
NOBODY = "-"




def queue_choices(current: str, staffed: frozenset[str]) -> list[tuple[str, str, bool]]:
    """(code, name, has staff) of the queues a ticket may be moved to, by name: the
    queues that have staff (UD queues included), then the others (shown disabled:
    nobody would see the ticket there)."""
    codes = [c for c in standard_queue_codes() if c != current]
    codes += [c for c in staffed if c not in codes and c != current]
    choices = []
    for code in codes:
        try:
            choices.append((code, queue_spec(code).name, code in staffed))
        except CeresError:  # a queue created by hand, outside the standard ones
            choices.append((code, code, code in staffed))
    return sorted(choices, key=lambda c: (not c[2], title_key(c[1])))


def transfers(events) -> list[dict[str, Any]]:
    """The ticket's moves between queues (oldest first), queue names in full."""
    return [{"at": e.at, "actor": e.actor, "from": event_value("queue", e.old),
             "to": event_value("queue", e.new), "reason": e.detail}
            for e in events if e.action == "queue"]


async def _page(request: web.Request, *, status: int = 200, error: str | None = None,
                forms: dict[str, Any] | None = None) -> web.Response:
    login = session_of(request).login
    number = request.match_info["number"]
    detail = await call(request, get_ticket_detail, login, number)
    members = await call(request, queue_members, login, detail.ticket.queue)
    staffed = await call(request, staffed_queues)
    articles = request.app[ARTICLES]
    forms = dict(forms or {})
    macros = await call(request, list_macros, login, detail.ticket.queue)
    around = await call(request, requester_context, login, number)
    viewers = await call(request, ticket_viewers, login, number)
    template_id = forms.pop("macro", None) or request.query.get("modele") or ""
    article_id = forms.pop("article", None) or request.query.get("article") or ""
    if "reply" not in forms and (template_id or article_id):
        macro = find_macro(macros, template_id)
        forms["reply"] = compose(
            macro, article_id, articles, requester=detail.ticket.requester_name,
            number=detail.ticket.number, agent=session_of(request).name or "",
            queue=detail.ticket.queue, context=detail.context,
        )
        if macro is not None and macro.set_status:
            forms.setdefault("then_status", macro.set_status)
    assignee_login = next((m[0] for m in members if m[1] == detail.ticket.assignee), "")
    events = [
        {"at": e.at, "actor": e.actor, "action": EVENT_LABELS.get(e.action, e.action),
         "old": event_value(e.action, e.old), "new": event_value(e.action, e.new),
         "detail": e.detail}
        for e in detail.events
    ]
    # Staff know the rule ids (requesters never see them): shown beside the topic's title.
    titles = {a.id: a.title + (f" · {', '.join(a.rules)}" if a.rules else "") for a in articles}
    context_items = []
    for key, label in CONTEXT_LABELS:
        value = detail.context.get(key)
        if isinstance(value, list):
            value = ", ".join(value)
        if key == "topic" and value in titles:
            value = f"{titles[value]} ({value})"
        if value:
            context_items.append((label, value))
    try:
        category = CATEGORY_LABELS[Category(detail.category)] if detail.category else None
    except ValueError:
        category = detail.category
    return render(request, "ticket.html", {
        "d": detail,
        "category": category,
        "t": detail.ticket,
        "members": members,
        "assignee_login": assignee_login,
        "events": events,
        "context_items": context_items,
        "transfers": transfers(detail.events),
        "transcript": detail.context.get("transcript") or [],
        "question": detail.context.get("question"),
        "delivery_failed": any(e.action == "delivery_failed" for e in detail.events),
        "statuses": [(s.value, STATUS_LABELS[s]) for s in TicketStatus],
        "priorities": [(p.value, PRIORITY_LABELS[p]) for p in Priority],
        "queue_choices": queue_choices(detail.ticket.queue, staffed),
        "macros": macros,
        "around": around,
        "viewers": viewers,
        "live_url": url_for(request, "ticket-stream", number=detail.ticket.number),
        "then_statuses": [(s.value, STATUS_LABELS[s]) for s in TicketStatus
                          if s is not TicketStatus.NOUVEAU],
        "articles": articles,
        "template_id": template_id,
        "article_id": article_id,
        "forms": forms,
        "error": error,
        "nobody": NOBODY,
        "is_open": detail.ticket.status != TicketStatus.CLOS.value,
    }, status=status)


@staff_view
async def ticket_page(request: web.Request) -> web.StreamResponse:
    response = await _page(request)
    await call(request, mark_seen, session_of(request).login, request.match_info["number"])
    return response


@staff_view
async def download(request: web.Request) -> web.StreamResponse:
    """A ticket's file, for staff of its queue only, always as a download."""
    try:
        attachment_id = int(request.match_info["attachment_id"])
    except ValueError:
        raise web.HTTPNotFound() from None
    view, data = await call(request, open_attachment, request.app[ATTACHMENTS],
                            session_of(request).login, attachment_id)
    disposition = f"attachment; filename*=UTF-8''{quote(view.filename)}"
    return web.Response(body=data, content_type=view.content_type, headers={
        "Content-Disposition": disposition, "Cache-Control": "no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


@staff_view
async def ticket_stream(request: web.Request) -> web.StreamResponse:
    """The ticket's changes as server-sent events (access checked first)."""
    detail = await call(request, get_ticket_detail, session_of(request).login,
                        request.match_info["number"])
    return await live.stream(request, [detail.ticket.queue], ticket_number=detail.ticket.number)


Action = Callable[[web.Request, str, str, Any], Awaitable[str]]


def _action(form_key: str | None = None, field: str = "text") -> Callable[[Action], Callable]:
    """A ticket form: spend its one-time token, call the service, then redirect to the
    ticket with a message.

    The same form sent twice (Back then resend, double click) is not carried out
    again: the second one is redirected to the ticket with a notice. A refusal
    (empty text, same status, claimed meanwhile…) gives the token back; a form with
    typed text is shown again with the message and the text, the others redirect to
    the ticket page with the message. No right on the ticket, or unknown → 404.
    """

    def decorate(fn: Action) -> Callable:
        @staff_view
        async def handler(request: web.Request) -> web.StreamResponse:
            form = await request.post()
            number = request.match_info["number"]
            nonce = None
            try:
                nonce = await spend_form(request, form)
                message = await fn(request, session_of(request).login, number, form)
            except FormSpent:
                raise redirect(request, "ticket", flash=MSG_FORM_SENT_TWICE, number=number) from None
            except FormExpired as exc:  # the page again (access checked there), text kept
                kept = {form_key: str(form.get(field, ""))} if form_key else {}
                return await _page(request, status=400, error=exc.message, forms=kept)
            except (NotFound, RuleViolation):
                if nonce:
                    await release_form(request, nonce)
                raise
            except CeresError as exc:
                if nonce:
                    await release_form(request, nonce)
                if form_key:
                    kept = {form_key: str(form.get(field, ""))}
                    return await _page(request, status=409, error=exc.message, forms=kept)
                raise redirect(request, "ticket", flash=exc.message, flash_kind="error",
                               number=number) from None
            if isinstance(message, web.StreamResponse):
                return message
            raise redirect(request, "ticket", flash=message, number=number)

        handler.__name__ = fn.__name__
        return handler

    return decorate


@staff_view
async def insert_canned(request: web.Request) -> web.StreamResponse:
    """« Insérer dans la réponse »: the page again, with the macro and/or the article
    added after what was typed, and the macro's status proposed (nothing is sent;
    works without JavaScript)."""
    form = await request.post()
    login = session_of(request).login
    typed = str(form.get("text", "")).rstrip()
    detail = await call(request, get_ticket_detail, login, request.match_info["number"])
    macros = await call(request, list_macros, login, detail.ticket.queue)
    macro = find_macro(macros, str(form.get("modele", "")))
    article_id = str(form.get("article", ""))
    inserted = compose(
        macro, article_id, request.app[ARTICLES], requester=detail.ticket.requester_name,
        number=detail.ticket.number, agent=session_of(request).name or "",
        queue=detail.ticket.queue, context=detail.context, after=typed,
    )
    text = "\n\n".join(part for part in (typed, inserted) if part)
    then_status = (macro.set_status if macro and macro.set_status
                   else str(form.get("then_status", "")))
    return await _page(request, forms={"reply": text, "then_status": then_status,
                                       "macro": macro.key if macro else "",
                                       "article": article_id})


def _uploaded(form) -> tuple[str, bytes] | None:
    """The file joined to a form (``fichier``), if one was chosen."""
    field = form.get("fichier")
    if field is None or isinstance(field, str) or not getattr(field, "filename", None):
        return None
    data = field.file.read()
    return (field.filename, data) if data or field.filename else None


@_action("reply")
async def reply(request, login, number, form):
    then = str(form.get("then_status", "")).strip() or None
    upload = _uploaded(form)
    if upload is not None:
        result = await call(request, staff_reply_with_file, request.app[ATTACHMENTS], login,
                            number, str(form.get("text", "")), upload[0], upload[1], status=then)
    else:
        result = await call(request, staff_reply, login, number, str(form.get("text", "")),
                            status=then)
    message = "Réponse enregistrée : elle est envoyée au demandeur dans sa conversation."
    if then:
        message += f" Statut : {result.ticket.status_label}."
    return message


@_action("note")
async def note(request, login, number, form):
    await call(request, staff_reply, login, number, str(form.get("text", "")), internal=True)
    return "Note interne ajoutée (le demandeur ne la voit pas)."


@_action()
async def take(request, login, number, form):
    await call(request, claim, login, number)
    return "Vous avez pris en charge la demande."


@_action()
async def give(request, login, number, form):
    target = str(form.get("assignee", "")).strip()
    summary = await call(request, assign, login, number, None if target in ("", NOBODY) else target)
    return (f"Demande attribuée à {summary.assignee}." if summary.assignee
            else "La demande n'est plus attribuée.")


@_action()
async def status(request, login, number, form):
    summary = await call(request, set_status, login, number, str(form.get("status", "")))
    return f"Statut changé : {summary.status_label}. Le demandeur en est informé."


@_action()
async def priority(request, login, number, form):
    summary = await call(request, set_priority, login, number, str(form.get("priority", "")))
    return f"Priorité : {summary.priority}."


@_action()
async def hand_back(request, login, number, form):
    await call(request, hand_back_to_bot, login, number)
    return "La conversation est rendue à l'assistant."


@_action("move", field="reason")
async def move(request, login, number, form):
    code = str(form.get("queue", "")).strip().lower()
    reason = str(form.get("reason", "")).strip()[:500] or None
    if not code:
        raise CeresError(texts.ERR_MOVE_NO_QUEUE)
    before = await call(request, get_ticket_detail, login, number)
    summary = await call(request, move_to_queue, login, number, code, reason)
    message = texts.MSG_MOVED.format(number=summary.number,
                                     **texts.queue_code_values(summary.queue, summary.queue_name))
    if summary.queue in {c for c, _ in request.get(MY_QUEUES, [])}:
        raise redirect(request, "ticket", flash=message, number=number)
    # No longer one of the member's queues: back to the queue the agent came from.
    raise redirect(request, "queue", flash=message, code=before.ticket.queue)


@_action("merge", field="into")
async def merge(request, login, number, form):
    into = str(form.get("into", "")).strip()
    if not into:
        raise CeresError(texts.ERR_MERGE_NO_TARGET)
    if not form.get("confirmer"):
        raise CeresError(texts.ERR_CONFIRM_MERGE)
    kept = await call(request, merge_tickets, login, number, into)
    raise redirect(request, "ticket", flash=(
        f"Demande {number} fusionnée dans {kept.number} : le demandeur en est informé, "
        "ses échanges sont repris en note interne."), number=kept.number)


ACTIONS: dict[str, Callable] = {
    "repondre": reply,
    "note": note,
    "prendre": take,
    "attribuer": give,
    "statut": status,
    "priorite": priority,
    "rendre": hand_back,
    "transferer": move,
    "fusionner": merge,
}
