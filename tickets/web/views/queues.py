"""The queues overview (home) and a queue's page (filters, search, pagination)."""

from __future__ import annotations

from aiohttp import web

from ceres_core.errors import CeresError, InvalidInput
from tickets import texts
from tickets.models import PRIORITY_LABELS, STATUS_LABELS, Priority, TicketStatus
from tickets.services import (
    DUE_OVERDUE,
    DUE_SOON,
    UNASSIGNED,
    bulk_update,
    list_queue,
    my_work,
    queue_members,
    queue_overview,
    staffed_queues,
)
from tickets.web import live
from tickets.web.helpers import (
    MSG_FORM_SENT_TWICE,
    FormSpent,
    call,
    redirect,
    render,
    session_of,
    spend_form,
    staff_view,
    url_for,
)
from tickets.web.keys import MY_QUEUES
from tickets.web.views.ticket import queue_choices

PAGE_SIZE = 50

#: Status filter of the queue page: value in the URL → (label, value for list_queue).
STATUS_FILTERS: dict[str, tuple[str, str | None]] = {
    "ouvertes": ("ouvertes (nouveau, en cours, en attente)", None),
    **{s.value: (STATUS_LABELS[s], s.value) for s in TicketStatus},
    "toutes": ("toutes", "tous"),
}
MINE = "moi"
#: Due-date filter of the queue page (the overview's « Délai dépassé », « Moins d'1 h »).
DUE_FILTERS: dict[str, str] = {DUE_OVERDUE: "délai dépassé", DUE_SOON: "moins d'1 h"}




@staff_view
async def overview(request: web.Request) -> web.StreamResponse:
    rows = await call(request, queue_overview, session_of(request).login)
    statuses = [(s.value, STATUS_LABELS[s]) for s in TicketStatus]
    return render(request, "overview.html", {"rows": rows, "statuses": statuses,
                                             "mine_filter": MINE, "unassigned": UNASSIGNED,
                                             "due_overdue": DUE_OVERDUE, "due_soon": DUE_SOON})


def _page_number(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100_000))
    except ValueError:
        raise InvalidInput(f"Numéro de page invalide : « {value} ».") from None


@staff_view
async def queue_page(request: web.Request) -> web.StreamResponse:
    login = session_of(request).login
    code = request.match_info["code"]
    query = request.query
    status_key = query.get("statut") or "ouvertes"
    if status_key not in STATUS_FILTERS:
        raise InvalidInput(f"Filtre de statut inconnu : « {status_key} ».")
    priority = query.get("priorite") or ""
    if priority and priority not in {p.value for p in Priority}:
        raise InvalidInput(f"Priorité inconnue : « {priority} ».")
    agent = (query.get("agent") or "").strip().lower()
    search = (query.get("q") or "").strip()[:100]
    due = query.get("echeance") or ""
    page_number = _page_number(query.get("page"))
    members = await call(request, queue_members, login, code)
    page = await call(
        request, list_queue, login, code, status=STATUS_FILTERS[status_key][1], search=search,
        page=page_number, page_size=PAGE_SIZE, priority=priority or None,
        assignee=login if agent == MINE else (agent or None), due=due or None,
    )
    filters = {"statut": status_key if status_key != "ouvertes" else "", "priorite": priority,
               "agent": agent, "q": search, "echeance": due}
    return render(request, "queue.html", {
        "page": page,
        "members": members,
        "filters": filters,
        "status_filters": STATUS_FILTERS,
        "status_key": status_key,
        "priorities": [(p.value, PRIORITY_LABELS[p]) for p in Priority],
        "mine_filter": MINE,
        "unassigned": UNASSIGNED,
        "due_filters": DUE_FILTERS,
        "code": code,
        "live_url": url_for(request, "queue-stream", code=code),
        "statuses": [(s.value, STATUS_LABELS[s]) for s in TicketStatus],
        "queue_choices": queue_choices(code, await call(request, staffed_queues)),
    })


@staff_view
async def queue_bulk(request: web.Request) -> web.StreamResponse:
    """One action on the checked tickets of the queue page (each checked on its own)."""
    form = await request.post()
    code = request.match_info["code"]
    numbers = [str(n) for n in form.getall("numeros", [])]
    action = str(form.get("action", ""))
    fields = {"attribuer": "assignee", "statut": "status", "transferer": "queue"}
    try:
        if not numbers:
            raise CeresError(texts.ERR_BULK_NONE)
        if action not in fields or not str(form.get(fields[action], "")).strip():
            raise CeresError(texts.ERR_BULK_ONE_ACTION)
        if not form.get("confirmer"):
            raise CeresError(texts.ERR_CONFIRM_BULK)
        await spend_form(request, form)
    except FormSpent:
        raise redirect(request, "queue", flash=MSG_FORM_SENT_TWICE, code=code) from None
    except CeresError as exc:
        raise redirect(request, "queue", flash=exc.message, flash_kind="error", code=code) from None
    result = await call(request, bulk_update, session_of(request).login, numbers,
                        **{fields[action]: str(form.get(fields[action], "")) or None})
    parts = []
    if result.done:
        parts.append(f"{len(result.done)} demande{'s' if len(result.done) > 1 else ''} "
                     f"modifiée{'s' if len(result.done) > 1 else ''} ({', '.join(result.done)}).")
    for number, why in result.refused:
        parts.append(f"{number} : {why}")
    raise redirect(request, "queue", flash=" ".join(parts),
                   flash_kind="error" if result.refused else "ok", code=code)


@staff_view
async def queue_stream(request: web.Request) -> web.StreamResponse:
    """The queue's changes as server-sent events (for ``live.js``)."""
    code = request.match_info["code"]
    if code not in {c for c, _ in request[MY_QUEUES]}:
        raise web.HTTPForbidden()
    return await live.stream(request, [code])


@staff_view
async def my_work_page(request: web.Request) -> web.StreamResponse:
    rows = await call(request, my_work, session_of(request).login)
    return render(request, "my_work.html", {"rows": rows, "live_url": url_for(request, "my-work-stream")})


@staff_view
async def my_work_stream(request: web.Request) -> web.StreamResponse:
    return await live.stream(request, [c for c, _ in request[MY_QUEUES]])
