"""What the views share: running a service, URLs, rendering, the staff-only guard, and
the one-time form tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial, wraps
from typing import Any

import aiohttp_jinja2
from aiohttp import web

from ceres_core.errors import CeresError, NotFound
from tickets.web.formatting import fr_time
from tickets.web.keys import CORE, EXECUTOR, FORM_TOKENS, MY_QUEUES, SESSION
from tickets.web.security import CSRF_FIELD, FORM_TOKEN_FIELD, WebSession

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

MSG_SESSION_EXPIRED = "Votre session a expiré : reconnectez-vous."
MSG_FORM_SENT_TWICE = (
    "Ce formulaire avait déjà été envoyé : l'action n'a pas été refaite. Voici l'état actuel."
)
MSG_FORM_EXPIRED = (
    "Ce formulaire a expiré (page trop ancienne) : rien n'a été fait. Rechargez la page et "
    "recommencez."
)


async def call(request: web.Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a (blocking) service with the app's core in one of the app's worker threads."""
    loop = asyncio.get_running_loop()
    executor = request.app.get(EXECUTOR)
    return await loop.run_in_executor(executor, partial(fn, request.app[CORE], *args, **kwargs))


def session_of(request: web.Request) -> WebSession:
    return request[SESSION]


def url_for(request: web.Request, name: str, query: dict[str, Any] | None = None, **parts: str) -> str:
    url = request.app.router[name].url_for(**{k: str(v) for k, v in parts.items()})
    if query:
        url = url.with_query({k: str(v) for k, v in query.items() if v not in (None, "")})
    return str(url)


def redirect(request: web.Request, name: str, query: dict[str, Any] | None = None,
             flash: str | None = None, *, flash_kind: str = "ok", **parts: str) -> web.HTTPSeeOther:
    if flash:
        session_of(request).set_flash(flash, flash_kind)
    return web.HTTPSeeOther(url_for(request, name, query, **parts))


def render(request: web.Request, template: str, context: dict[str, Any] | None = None,
           status: int = 200) -> web.Response:
    session = session_of(request)
    flash, flash_kind = session.pop_flash()
    values = {
        "csrf_field": CSRF_FIELD,
        "csrf_token": session.csrf,
        "form_token_field": FORM_TOKEN_FIELD,
        "form_token": request.app[FORM_TOKENS].issue(session.csrf),
        "staff_login": session.login,
        "staff_name": session.name,
        "my_queues": request.get(MY_QUEUES, []),
        "flash": flash,
        "flash_kind": flash_kind,
        "url": partial(url_for, request),
        "path": request.path,
        "error": None,
        "live_url": None,
        "show_queue": False,
        "bulk": False,
        # the page's time as the tables show times (Paris): live.js says "mis à jour à …"
        # with it, never with the browser's clock
        "page_time": fr_time(request.app[CORE].clock.now()),
    }
    values.update(context or {})
    return aiohttp_jinja2.render_template(template, request, values, status=status)


def staff_view(handler: Handler) -> Handler:
    """Only for a logged-in, active staff member; loads their queues for the page."""
    from tickets.services import staff_queues

    @wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        session = session_of(request)
        if not session.login:
            if request.method == "GET":
                raise redirect(request, "login", {"suite": request.path_qs})
            raise web.HTTPForbidden(reason=MSG_SESSION_EXPIRED)
        try:
            request[MY_QUEUES] = await call(request, staff_queues, session.login)
        except NotFound:  # account deactivated or removed since login
            session.log_out()
            raise redirect(request, "login", flash=MSG_SESSION_EXPIRED) from None
        return await handler(request)

    return wrapper


class FormSpent(Exception):
    """A one-time form sent a second time."""


class FormExpired(CeresError):
    """A form without a valid one-time token (too old, or not from this session)."""


async def spend_form(request: web.Request, form) -> str:
    """Check and spend the form's one-time token; returns its nonce.

    Raises :class:`FormSpent` when it was spent already (the caller redirects without
    acting) and :class:`FormExpired` when it is missing, forged or expired.
    """
    from tickets.dashboard_store import spend_form_token

    session = session_of(request)
    nonce = request.app[FORM_TOKENS].check(session.csrf, form.get(FORM_TOKEN_FIELD))
    if nonce is None:
        raise FormExpired(MSG_FORM_EXPIRED)
    if not await call(request, spend_form_token, nonce, session.login):
        raise FormSpent()
    return nonce


async def release_form(request: web.Request, nonce: str) -> None:
    from tickets.dashboard_store import release_form_token

    await call(request, release_form_token, nonce)
