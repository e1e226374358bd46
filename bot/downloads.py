"""One-time download links for documents the chat could not carry (attestation…).

When the Bot API server does not take ``sendDocument`` (it is optional), the bot
stores the PDF once in ``bot_download_link`` under the SHA-256 of a random token
and sends a link ``<public_url>/telechargement/<token>``. The link works once,
before it expires (:data:`LINK_TTL`); afterwards — or for an unknown token — the
server answers a short French page. :class:`DownloadServer` serves the route on
any aiohttp application (the demo's chat page) or on its own port
(``ceres-assist bot --download-url … --download-port …``).
"""

from __future__ import annotations

import hashlib
import html
import secrets
from dataclasses import dataclass
from datetime import timedelta

from aiohttp import web
from sqlalchemy import delete, select, update

from bot.models import DownloadLink
from bot.runtime import run_sync
from ceres_core.core import Core

LINK_TTL = timedelta(hours=24)
ROUTE = "/telechargement/{token}"
PDF = "application/pdf"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "ignore")).hexdigest()


@dataclass(frozen=True)
class Download:
    filename: str
    mime_type: str
    content: bytes


def create_link(
    core: Core,
    chat_id: int,
    user_id: int,
    filename: str,
    content: bytes,
    mime_type: str = PDF,
    ttl: timedelta = LINK_TTL,
) -> str:
    """Store the document and return the new token (shown once, stored hashed)."""
    token = secrets.token_urlsafe(24)
    now = core.clock.now()
    with core.transaction() as db:
        # Housekeeping: expired links go (their documents with them).
        db.execute(delete(DownloadLink).where(DownloadLink.expires_at <= now - ttl))
        db.add(
            DownloadLink(
                token_hash=_hash(token), chat_id=chat_id, user_id=user_id, filename=filename,
                mime_type=mime_type, content=content, created_at=now, expires_at=now + ttl,
            )
        )
    return token


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/telechargement/{token}"


def redeem(core: Core, token: str) -> Download | None:
    """The document if the token is valid, unused and not expired; spends it (once)."""
    if not token or len(token) > 64:
        return None
    now = core.clock.now()
    with core.transaction() as db:
        row = db.scalar(select(DownloadLink).where(DownloadLink.token_hash == _hash(token)))
        if row is None or row.used_at is not None or row.expires_at <= now or row.content is None:
            return None
        spent = db.execute(
            update(DownloadLink)
            .where(DownloadLink.id == row.id, DownloadLink.used_at.is_(None))
            .values(used_at=now, content=None)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:  # redeemed concurrently
            return None
        return Download(row.filename, row.mime_type, row.content)


_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>CERES Assist</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto;">
<h1>Lien de téléchargement</h1><p>{message}</p></body></html>"""

GONE_MESSAGE = (
    "Ce lien de téléchargement n'est plus valable : il a déjà servi ou il a expiré. "
    "Chaque lien ne fonctionne qu'une fois, pendant 24 heures. Redemandez le document "
    "dans la conversation avec CERES Assist."
)


class DownloadServer:
    """The ``GET /telechargement/{token}`` route, on an app or on its own port."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._runner: web.AppRunner | None = None
        self.base_url: str | None = None

    def routes(self, app: web.Application) -> None:
        app.router.add_get(ROUTE, self.download)

    async def download(self, request: web.Request) -> web.Response:
        found = await run_sync(redeem, self.core, request.match_info["token"])
        if found is None:
            return web.Response(
                status=410, text=_PAGE.format(message=html.escape(GONE_MESSAGE, quote=False)),
                content_type="text/html", charset="utf-8",
            )
        safe_name = found.filename.replace('"', "")
        return web.Response(
            body=found.content,
            content_type=found.mime_type,
            headers={
                "Content-Disposition": f'attachment; filename="{safe_name}"',
                "Cache-Control": "no-store",
            },
        )

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application()
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        real_port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://{host}:{real_port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
