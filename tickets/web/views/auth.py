"""Login and logout: attempts throttled in the database before the argon2 check,
server-side sessions (:mod:`tickets.dashboard_store`)."""

from __future__ import annotations

from aiohttp import web

from tickets.dashboard_store import (
    close_staff_session,
    login_succeeded,
    open_staff_session,
    take_login_attempt,
)
from tickets.services import authenticate
from tickets.web.helpers import call, redirect, render, session_of
from tickets.web.keys import LOGIN_LIMITS

MSG_BAD_LOGIN = "Identifiant ou mot de passe incorrect."
MSG_TOO_MANY = (
    "Trop de tentatives de connexion : réessayez dans quelques minutes."
)
MSG_LOGGED_OUT = "Vous êtes déconnecté."


def _next_path(request: web.Request, value: object) -> str | None:
    """Where to go after login: a path of this site only (no open redirect)."""
    if not isinstance(value, str) or not value.startswith("/") or value.startswith("//"):
        return None
    if "\\" in value or any(ord(c) < 32 for c in value):
        return None
    return value


async def login_page(request: web.Request) -> web.StreamResponse:
    if session_of(request).login:
        raise redirect(request, "home")
    return render(request, "login.html",
                  {"login": "", "suite": _next_path(request, request.query.get("suite")) or ""})


async def login_submit(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    login = str(form.get("login", "")).strip().lower()[:64]
    password = str(form.get("password", ""))[:1024]
    suite = _next_path(request, form.get("suite")) or ""
    address = request.remote or "?"
    context = {"login": login, "suite": suite}
    if not login or not password:
        return render(request, "login.html", {**context, "error": MSG_BAD_LOGIN}, status=401)
    # Counted before the (slow) hash: parallel guesses cannot all be checked.
    if not await call(request, take_login_attempt, login, address, request.app[LOGIN_LIMITS]):
        return render(request, "login.html", {**context, "error": MSG_TOO_MANY}, status=429)
    info = await call(request, authenticate, login, password)
    if info is None:
        return render(request, "login.html", {**context, "error": MSG_BAD_LOGIN}, status=401)
    await call(request, login_succeeded, login, address)
    session = session_of(request)
    opened = await call(request, open_staff_session, info.login, address=address,
                        replacing=session.token)
    session.log_in(opened.token, opened.login, opened.display_name, opened.csrf)
    if suite:
        raise web.HTTPSeeOther(suite)
    raise redirect(request, "home")


async def logout(request: web.Request) -> web.StreamResponse:
    session = session_of(request)
    await call(request, close_staff_session, session.token)
    session.log_out()
    raise redirect(request, "login", flash=MSG_LOGGED_OUT)
