"""A queue's macros (reply templates) on the dashboard: list, add, change, remove."""

from __future__ import annotations

from aiohttp import web

from ceres_core.errors import CeresError, NotFound, RuleViolation
from tickets.macros import CONDITIONS
from tickets.models import STATUS_LABELS, TicketStatus
from tickets.services import PLACEHOLDERS, delete_macro, list_macros, save_macro
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
)
from tickets.web.keys import ARTICLES, MY_QUEUES

MSG_SAVED = "Modèle enregistré."
MSG_DELETED = "Modèle supprimé."


async def _page(request: web.Request, *, status: int = 200, error: str | None = None,
                draft: dict | None = None) -> web.Response:
    code = request.match_info["code"]
    macros = await call(request, list_macros, session_of(request).login, code)
    names = dict(request.get(MY_QUEUES, []))
    return render(request, "macros.html", {
        "code": code,
        "queue_name": names.get(code, code),
        "macros": macros,
        "placeholders": {**PLACEHOLDERS, **{f"{name}:…": what for name, what in CONDITIONS.items()}},
        "articles": request.app[ARTICLES],
        "statuses": [(s.value, STATUS_LABELS[s]) for s in TicketStatus if s is not TicketStatus.NOUVEAU],
        "draft": draft or {},
        "error": error,
    }, status=status)


@staff_view
async def macros_page(request: web.Request) -> web.StreamResponse:
    return await _page(request)


@staff_view
async def macro_save(request: web.Request) -> web.StreamResponse:
    """Add (no ``macro_id``) or change a macro; a refusal shows the page with what was typed."""
    form = await request.post()
    code = request.match_info["code"]
    draft = {k: str(form.get(k, "")) for k in ("macro_id", "title", "body", "article_id", "set_status")}
    nonce = None
    try:
        nonce = await spend_form(request, form)
        await call(request, save_macro, session_of(request).login, code,
                   macro_id=int(draft["macro_id"]) if draft["macro_id"].isdigit() else None,
                   title=draft["title"], body=draft["body"], article_id=draft["article_id"] or None,
                   set_status=draft["set_status"] or None)
    except FormSpent:
        raise redirect(request, "macros", flash=MSG_FORM_SENT_TWICE, code=code) from None
    except (NotFound, RuleViolation):
        if nonce:
            await release_form(request, nonce)
        raise
    except CeresError as exc:
        if nonce and not isinstance(exc, FormExpired):
            await release_form(request, nonce)
        return await _page(request, status=409, error=exc.message, draft=draft)
    raise redirect(request, "macros", flash=MSG_SAVED, code=code)


@staff_view
async def macro_delete(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    code = request.match_info["code"]
    try:
        await spend_form(request, form)
        await call(request, delete_macro, session_of(request).login, code,
                   int(request.match_info["macro_id"]))
    except FormSpent:
        raise redirect(request, "macros", flash=MSG_FORM_SENT_TWICE, code=code) from None
    except FormExpired as exc:
        return await _page(request, status=400, error=exc.message)
    raise redirect(request, "macros", flash=MSG_DELETED, code=code)
