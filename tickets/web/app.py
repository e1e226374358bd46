"""The staff dashboard's aiohttp application: the factory.

Views (``tickets/web/views/``) only read the request, call one ``tickets`` (or
``knowledge``) service per operation with the logged-in staff member, and render
the result; the services check the member's rights (R-ACT-2). URLs are in
:mod:`tickets.web.routes`, the app's keys in :mod:`tickets.web.keys`, what views share
in :mod:`tickets.web.helpers`, the middlewares in :mod:`tickets.web.middlewares`.

The app can be served alone (``ceres-assist serve``) or mounted in another one
(``parent.add_subapp("/support/", create_app(core, secret=...))``): every link is
built from the route names, and the session cookie's path is the app's prefix.
Its resources (the worker threads of the services) are opened and closed by a
``cleanup_ctx``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from ceres_core.core import Core
from tickets.attachments import MAX_BYTES, AttachmentStore
from tickets.dashboard_store import LoginLimits
from tickets.macros import sorted_articles
from tickets.reporting import ReportSection
from tickets.web import formatting, live
from tickets.web.keys import (
    ARTICLES,
    ATTACHMENTS,
    CODEC,
    CORE,
    EXECUTOR,
    FORM_TOKENS,
    JINJA,
    LOGIN_LIMITS,
    REPORT_SECTIONS,
    SETTINGS,
)
from tickets.web.middlewares import (
    csrf_middleware,
    error_middleware,
    headers_middleware,
    session_middleware,
)
from tickets.web.routes import setup_routes
from tickets.web.security import FormTokens, SessionCodec

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
TEMPLATES_DIR = HERE / "templates"
STATIC_DIR = HERE / "static"
#: Threads running the blocking services (database) for the dashboard's requests.
WORKER_THREADS = 8


def create_app(
    core: Core,
    *,
    secret: str | bytes,
    articles: Iterable | None = None,
    secure_cookies: bool = False,
    login_limits: LoginLimits | None = None,
    unanswered_limit: int = 10,
    live_interval: float = 1.0,
    attachments: AttachmentStore | None = None,
    report_sections: Iterable[ReportSection] = (),
) -> web.Application:
    """The dashboard for ``core``.

    ``secret`` signs the cookies and form tokens (at least 16 characters; the same on
    every instance behind a load balancer). ``articles``: the knowledge articles canned
    replies can cite (default: :func:`knowledge.articles.load_articles`).
    ``secure_cookies``: mark the cookie ``Secure`` even when the request does not look
    like https (dashboard behind a TLS-terminating proxy). ``login_limits``: login
    attempts allowed per account and per address (:class:`LoginLimits`).
    ``live_interval``: seconds between two looks for changes (live pages).
    ``attachments``: where ticket files are stored (default ``CERES_ATTACHMENTS_DIR``).
    ``report_sections``: sections other parts of the product add to the report page
    (:data:`tickets.reporting.ReportSection`, e.g. the bot's reminders).
    """
    app = web.Application(
        middlewares=[session_middleware, headers_middleware, error_middleware, csrf_middleware],
        client_max_size=MAX_BYTES + 256 * 1024,  # a reply with its file
    )
    app[CORE] = core
    app[CODEC] = SessionCodec(secret)
    app[FORM_TOKENS] = FormTokens(secret)
    app[LOGIN_LIMITS] = login_limits or LoginLimits()
    app[ARTICLES] = sorted_articles(articles if articles is not None else _default_articles())
    app[SETTINGS] = {"secure_cookies": secure_cookies, "unanswered_limit": unanswered_limit}
    _setup_templates(app)
    app[ATTACHMENTS] = attachments or AttachmentStore.from_env()
    app[REPORT_SECTIONS] = tuple(report_sections)
    app.cleanup_ctx.append(_worker_threads)
    live.install(app, core, live_interval)
    setup_routes(app, STATIC_DIR)
    return app


async def _worker_threads(app: web.Application) -> AsyncIterator[None]:
    """The services' worker threads, for the app's lifetime (shut down at cleanup)."""
    executor = ThreadPoolExecutor(max_workers=WORKER_THREADS, thread_name_prefix="dashboard")
    app[EXECUTOR] = executor
    try:
        yield
    finally:
        executor.shutdown(wait=True, cancel_futures=True)


def _default_articles() -> list:
    try:
        from knowledge.articles import load_articles

        return sorted(load_articles(), key=lambda a: a.title.lower())
    except Exception:  # pragma: no cover - knowledge base missing: canned replies still work
        log.exception("articles de la base de connaissances indisponibles")
        return []


def _setup_templates(app: web.Application) -> jinja2.Environment:
    """Jinja2 through aiohttp-jinja2 (autoescaped, strict about undefined names)."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        filters={
            "dt": formatting.fr_datetime,
            "d": formatting.fr_date,
            "duration": formatting.duration,
            "pct": formatting.percent,
            "dec": formatting.decimal,
            "countdown": formatting.countdown,
        },
    )
    app[JINJA] = env
    return env
