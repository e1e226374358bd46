"""Login and logout (argon2 through ``tickets.services.authenticate``)."""

from __future__ import annotations

from aiohttp import web

from tickets.services import authenticate
from tickets.web.app import LIMITER, call, redirect, render, session_of

MSG_BAD_LOGIN = "Identifiant ou mot de passe incorrect."
MSG_TOO_MANY = (
    "Trop de tentatives de connexion infructueuses : réessayez dans quelques minutes."
)
MSG_LOGGED_OUT = "Vous êtes déconnecté."


def setup(app: web.Application) -> None:
    app.router.add_get("/connexion", login_page, name="login")
    app.router.add_post("/connexion", login_submit)
    app.router.add_post("/deconnexion", logout, name="logout")


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
    ip = request.remote or "?"
    limiter = request.app[LIMITER]
    context = {"login": login, "suite": suite}
    if limiter.blocked(login, ip):
        return render(request, "login.html", {**context, "error": MSG_TOO_MANY}, status=429)
    info = await call(request, authenticate, login, password) if login and password else None
    if info is None:
        limiter.failed(login, ip)
        return render(request, "login.html", {**context, "error": MSG_BAD_LOGIN}, status=401)
    limiter.succeeded(login, ip)
    session_of(request).log_in(info.login, info.display_name)
    if suite:
        raise web.HTTPSeeOther(suite)
    raise redirect(request, "home")


async def logout(request: web.Request) -> web.StreamResponse:
    session_of(request).log_out()
    raise redirect(request, "login", flash=MSG_LOGGED_OUT)
