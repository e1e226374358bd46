"""The staff dashboard's aiohttp application: factory, middlewares, rendering.

Views (``tickets/web/views/``) only read the request, call one ``tickets`` (or
``knowledge``) service per operation with the logged-in staff member, and render
the result; the services check the member's rights (R-ACT-2).

The app can be served alone (``ceres-assist serve``) or mounted in another one
(``parent.add_subapp("/support/", create_app(core, secret=...))``): every link is
built from the route names, and the session cookie's path is the app's prefix.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from functools import partial, wraps
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from ceres_core.core import Core
from ceres_core.errors import CeresError, NotFound, RuleViolation
from tickets.web import formatting
from tickets.web.security import (
    COOKIE_NAME,
    CSRF_FIELD,
    FORM_TOKEN_FIELD,
    SESSION_SECONDS,
    FormTokens,
    LoginLimiter,
    SessionCodec,
    WebSession,
)

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"

CORE = web.AppKey("core", Core)
CODEC = web.AppKey("codec", SessionCodec)
LIMITER = web.AppKey("limiter", LoginLimiter)
JINJA = web.AppKey("jinja", jinja2.Environment)
ARTICLES = web.AppKey("articles", list)
SETTINGS = web.AppKey("settings", dict)
FORM_TOKENS = web.AppKey("form_tokens", FormTokens)

#: Request keys (``web.RequestKey`` from aiohttp 3.13, plain strings before).
_RequestKey = getattr(web, "RequestKey", None)
SESSION: Any = _RequestKey("ceres_session", WebSession) if _RequestKey else "ceres_session"
MY_QUEUES: Any = _RequestKey("ceres_queues", list) if _RequestKey else "ceres_queues"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class CsrfRefused(Exception):
    """A POST without the session's CSRF token."""


MSG_CSRF = (
    "La vérification de sécurité du formulaire a échoué (formulaire expiré ou envoyé "
    "depuis un autre site). Rechargez la page et recommencez."
)
MSG_SESSION_EXPIRED = "Votre session a expiré : reconnectez-vous."


def create_app(
    core: Core,
    *,
    secret: str | bytes,
    articles: Iterable | None = None,
    secure_cookies: bool = False,
    limiter: LoginLimiter | None = None,
    unanswered_limit: int = 10,
) -> web.Application:
    """The dashboard for ``core``.

    ``secret`` signs the session cookies (at least 16 characters; the same on every
    instance behind a load balancer). ``articles``: the knowledge articles canned
    replies can cite (default: :func:`knowledge.articles.load_articles`).
    ``secure_cookies``: mark the cookie ``Secure`` (dashboard served over https).
    """
    app = web.Application(
        middlewares=[session_middleware, headers_middleware, error_middleware, csrf_middleware],
        client_max_size=256 * 1024,
    )
    app[CORE] = core
    app[CODEC] = SessionCodec(secret)
    app[FORM_TOKENS] = FormTokens(secret)
    app[LIMITER] = limiter or LoginLimiter()
    app[ARTICLES] = list(articles) if articles is not None else _default_articles()
    app[SETTINGS] = {"secure_cookies": secure_cookies, "unanswered_limit": unanswered_limit}
    app[JINJA] = _jinja_env()

    from tickets.web.views import auth, queues, report, ticket

    auth.setup(app)
    queues.setup(app)
    ticket.setup(app)
    report.setup(app)
    app.router.add_static("/static/", STATIC_DIR, name="static", append_version=True)
    return app


def _default_articles() -> list:
    try:
        from knowledge.articles import load_articles

        return sorted(load_articles(), key=lambda a: a.title.lower())
    except Exception:  # pragma: no cover - knowledge base missing: canned replies still work
        log.exception("articles de la base de connaissances indisponibles")
        return []


def _jinja_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        dt=formatting.fr_datetime,
        d=formatting.fr_date,
        duration=formatting.duration,
        pct=formatting.percent,
        dec=formatting.decimal,
        countdown=formatting.countdown,
    )
    return env


# -- helpers for the views --------------------------------------------------------------------


async def call(request: web.Request, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a (blocking) service with the app's core in a worker thread."""
    return await asyncio.to_thread(partial(fn, request.app[CORE], *args, **kwargs))


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
    }
    values.update(context or {})
    html = request.app[JINJA].get_template(template).render(values)
    return web.Response(text=html, content_type="text/html", charset="utf-8", status=status)


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


MSG_FORM_SENT_TWICE = (
    "Ce formulaire avait déjà été envoyé : l'action n'a pas été refaite. Voici l'état actuel."
)
MSG_FORM_EXPIRED = (
    "Ce formulaire a expiré (page trop ancienne) : rien n'a été fait. Rechargez la page et "
    "recommencez."
)


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


# -- middlewares ------------------------------------------------------------------------------


def _cookie_path(request: web.Request) -> str:
    return str(request.app.router["home"].url_for())


def _store_session(request: web.Request, response: web.StreamResponse) -> None:
    session: WebSession | None = request.get(SESSION)
    if session is None or not session.changed:
        return
    response.set_cookie(
        COOKIE_NAME,
        request.app[CODEC].dumps(session),
        max_age=SESSION_SECONDS,
        path=_cookie_path(request),
        httponly=True,
        samesite="Lax",
        secure=request.app[SETTINGS]["secure_cookies"],
    )


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    session = request.app[CODEC].loads(request.cookies.get(COOKIE_NAME))
    if session is None:
        session = WebSession(changed=True)
    request[SESSION] = session
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _store_session(request, exc)
        raise
    _store_session(request, response)
    return response


_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)


@web.middleware
async def headers_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _secure_headers(exc)
        raise
    _secure_headers(response)
    return response


def _secure_headers(response: web.StreamResponse) -> None:
    response.headers.setdefault("Content-Security-Policy", _CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if (response.content_type or "").startswith("text/html"):
        response.headers.setdefault("Cache-Control", "no-store")


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every POST must carry the session's token (constant-time comparison)."""
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        form = await request.post()
        submitted = form.get(CSRF_FIELD)
        if not isinstance(submitted, str) or not session_of(request).csrf_ok(submitted):
            raise CsrfRefused()
    return await handler(request)


_STATUS_TITLES = {
    400: "Demande incorrecte",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action non permise",
    409: "Conflit",
    413: "Envoi trop volumineux",
    429: "Trop de tentatives",
    500: "Erreur du serveur",
}


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return render(request, "error.html",
                  {"title": _STATUS_TITLES.get(status, "Erreur"), "message": message,
                   "status": status}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """French error pages: CSRF and rights → 403, unknown → 404, refusals → 400."""
    try:
        return await handler(request)
    except CsrfRefused:
        return error_page(request, 403, MSG_CSRF)
    except RuleViolation as exc:
        return error_page(request, 403, exc.message)
    except NotFound as exc:
        return error_page(request, 404, exc.message)
    except CeresError as exc:
        return error_page(request, 400, exc.message)
    except web.HTTPException as exc:
        if exc.status < 400 or request.path.startswith(url_for(request, "home") + "static/"):
            raise
        messages = {
            403: exc.reason if exc.reason == MSG_SESSION_EXPIRED else "Accès refusé.",
            404: "Cette page n'existe pas.",
            405: "Cette action n'est pas permise ici.",
            413: "L'envoi est trop volumineux.",
        }
        return error_page(request, exc.status, messages.get(exc.status, "La demande a échoué."))
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("dashboard error on %s %s", request.method, request.path)
        return error_page(request, 500, "Une erreur inattendue s'est produite. Réessayez dans "
                          "un instant ; si elle persiste, prévenez l'administrateur.")
