"""The dashboard's application and request keys (typed ``web.AppKey``), in a module of
their own so that the app factory, the middlewares and the views all import them
without importing each other."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jinja2
from aiohttp import web

from ceres_core.core import Core
from tickets.attachments import AttachmentStore
from tickets.dashboard_store import LoginLimits
from tickets.web.security import FormTokens, SessionCodec, WebSession

CORE = web.AppKey("core", Core)
CODEC = web.AppKey("codec", SessionCodec)
FORM_TOKENS = web.AppKey("form_tokens", FormTokens)
LOGIN_LIMITS = web.AppKey("login_limits", LoginLimits)
JINJA = web.AppKey("jinja", jinja2.Environment)
ARTICLES = web.AppKey("articles", list)
SETTINGS = web.AppKey("settings", dict)
ATTACHMENTS = web.AppKey("attachments", AttachmentStore)
#: Sections other parts of the product add to the report page (tickets.reporting.ReportSection).
REPORT_SECTIONS = web.AppKey("report_sections", tuple)
#: Worker threads running the (blocking) services; shut down by the app's cleanup context.
EXECUTOR = web.AppKey("executor", ThreadPoolExecutor)

#: Request keys (``web.RequestKey`` from aiohttp 3.13, plain strings before).
_RequestKey = getattr(web, "RequestKey", None)
SESSION: Any = _RequestKey("ceres_session", WebSession) if _RequestKey else "ceres_session"
MY_QUEUES: Any = _RequestKey("ceres_queues", list) if _RequestKey else "ceres_queues"
