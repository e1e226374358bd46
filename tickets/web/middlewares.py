"""The dashboard's middlewares: server-side session, security headers, French error
pages, CSRF check (outermost first, in :func:`tickets.web.app.create_app`)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from ceres_core.errors import CeresError, NotFound, RuleViolation
from tickets import texts
from tickets.web.helpers import MSG_SESSION_EXPIRED, Handler, call, render, session_of, url_for
from tickets.web.keys import CODEC, SESSION, SETTINGS
from tickets.web.security import COOKIE_NAME, CSRF_FIELD, SESSION_SECONDS, WebSession

log = logging.getLogger(__name__)


class CsrfRefused(Exception):
    """A POST without the session's CSRF token."""


MSG_CSRF = (
    "La vérification de sécurité du formulaire a échoué (formulaire expiré ou envoyé "
    "depuis un autre site). Rechargez la page et recommencez."
)


def _cookie_path(request: web.Request) -> str:
    return str(request.app.router["home"].url_for())


def secure_cookies(request: web.Request) -> bool:
    """``Secure`` when configured (``--https``) or when this request came over https."""
    return bool(request.app[SETTINGS]["secure_cookies"] or request.secure)


def _store_session(request: web.Request, response: web.StreamResponse) -> None:
    session: WebSession | None = request.get(SESSION)
    if session is None or not session.changed or response.prepared:
        return
    response.set_cookie(
        COOKIE_NAME,
        request.app[CODEC].dumps(session),
        max_age=SESSION_SECONDS,
        path=_cookie_path(request),
        httponly=True,
        samesite="Lax",
        secure=secure_cookies(request),
    )


@web.middleware
async def session_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """The cookie's payload, then the server-side session it names (if still live)."""
    from tickets.dashboard_store import load_staff_session

    session = request.app[CODEC].loads(request.cookies.get(COOKIE_NAME))
    if session is None:
        session = WebSession(changed=True)
    if session.token:
        info = await call(request, load_staff_session, session.token)
        if info is None:  # logged out, revoked, expired or account removed
            session.log_out()
        else:
            session.attach(info.token, info.login, info.display_name, info.csrf)
    request[SESSION] = session
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        _store_session(request, exc)
        raise
    _store_session(request, response)
    return response


_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
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
    if response.prepared:  # an event stream: its headers are already sent
        return
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


def _ticket_not_found(request: web.Request) -> web.Response:
    """A ticket of another queue gets exactly the answer of a ticket that does not
    exist (no way to probe which numbers exist)."""
    ref = request.match_info.get("number", "")
    return error_page(request, 404, texts.ERR_TICKET_NOT_FOUND.format(ref=ref))


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """French error pages: CSRF and rights → 403, unknown → 404, refusals → 400; on a
    ticket's pages, « not yours » and « does not exist » are the same 404."""
    try:
        return await handler(request)
    except CsrfRefused:
        return error_page(request, 403, MSG_CSRF)
    except RuleViolation as exc:
        if "number" in request.match_info:
            return _ticket_not_found(request)
        return error_page(request, 403, exc.message)
    except NotFound as exc:
        if "number" in request.match_info:
            return _ticket_not_found(request)
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
