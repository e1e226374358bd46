"""The queues overview (home) and a queue's page (filters, search, pagination)."""

from __future__ import annotations

from aiohttp import web

from ceres_core.errors import InvalidInput
from tickets.models import PRIORITY_LABELS, STATUS_LABELS, Priority, TicketStatus
from tickets.services import UNASSIGNED, list_queue, my_work, queue_members, queue_overview
from tickets.web import live
from tickets.web.helpers import call, render, session_of, staff_view, url_for
from tickets.web.keys import MY_QUEUES

PAGE_SIZE = 50

#: Status filter of the queue page: value in the URL → (label, value for list_queue).
STATUS_FILTERS: dict[str, tuple[str, str | None]] = {
    "ouvertes": ("ouvertes (nouveau, en cours, en attente)", None),
    **{s.value: (STATUS_LABELS[s], s.value) for s in TicketStatus},
    "toutes": ("toutes", "tous"),
}
MINE = "moi"




@staff_view
async def overview(request: web.Request) -> web.StreamResponse:
    rows = await call(request, queue_overview, session_of(request).login)
    statuses = [(s.value, STATUS_LABELS[s]) for s in TicketStatus]
    return render(request, "overview.html", {"rows": rows, "statuses": statuses,
                                             "mine_filter": MINE, "unassigned": UNASSIGNED})


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
    page_number = _page_number(query.get("page"))
    members = await call(request, queue_members, login, code)
    page = await call(
        request, list_queue, login, code, status=STATUS_FILTERS[status_key][1], search=search,
        page=page_number, page_size=PAGE_SIZE, priority=priority or None,
        assignee=login if agent == MINE else (agent or None),
    )
    filters = {"statut": status_key if status_key != "ouvertes" else "", "priorite": priority,
               "agent": agent, "q": search}
    return render(request, "queue.html", {
        "page": page,
        "members": members,
        "filters": filters,
        "status_filters": STATUS_FILTERS,
        "status_key": status_key,
        "priorities": [(p.value, PRIORITY_LABELS[p]) for p in Priority],
        "mine_filter": MINE,
        "unassigned": UNASSIGNED,
        "code": code,
        "live_url": url_for(request, "queue-stream", code=code),
    })


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
