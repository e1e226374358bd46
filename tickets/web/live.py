"""Live pages: server-sent events telling the open queue, ticket and « mon travail »
pages that a ticket changed, so that they update themselves (``static/live.js``; the
pages stay complete and usable without JavaScript).

One :class:`LiveFeed` per app polls the audit trail (:func:`tickets.services.changes_since`)
every ``interval`` seconds — from the database, so a change made through any instance
(or the bot, or the command line) reaches every open page — and hands each change
to the streams subscribed to its queue. The polling task lives in the app's
``cleanup_ctx``; open streams are ended at shutdown (``on_shutdown``) so that the
server does not wait for them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Iterable

from aiohttp import web

from tickets.services import Change, changes_since

log = logging.getLogger(__name__)

#: Seconds between two heartbeats on an idle stream (keeps proxies from closing it).
HEARTBEAT_SECONDS = 15.0
#: Changes kept for a slow page before the oldest are dropped (it reloads anyway).
STREAM_BACKLOG = 100


class LiveFeed:
    def __init__(self, core, interval: float = 1.0) -> None:
        self.core = core
        self.interval = interval
        self._subscribers: dict[asyncio.Queue, frozenset[str] | None] = {}
        self._task: asyncio.Task | None = None
        self._last: int | None = None

    def subscribe(self, queues: Iterable[str] | None) -> asyncio.Queue:
        """A stream of the changes of these queues (``None``: every change)."""
        box: asyncio.Queue = asyncio.Queue(maxsize=STREAM_BACKLOG)
        self._subscribers[box] = frozenset(queues) if queues is not None else None
        return box

    def unsubscribe(self, box: asyncio.Queue) -> None:
        self._subscribers.pop(box, None)

    def publish(self, changes: list[Change]) -> None:
        for box, queues in list(self._subscribers.items()):
            for change in changes:
                if queues is None or change.queue in queues:
                    if box.full():
                        with contextlib.suppress(asyncio.QueueEmpty):
                            box.get_nowait()
                    box.put_nowait(change)

    async def poll_once(self) -> int:
        loop = asyncio.get_running_loop()
        self._last, changes = await loop.run_in_executor(None, changes_since, self.core, self._last)
        if changes:
            self.publish(changes)
        return len(changes)

    async def run(self) -> None:
        while True:
            try:
                await self.poll_once()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be briefly unavailable: try again
                log.warning("live feed poll failed", exc_info=True)
            await asyncio.sleep(self.interval)

    def close_streams(self) -> None:
        for box in list(self._subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                box.put_nowait(None)


LIVE = web.AppKey("live_feed", LiveFeed)


def install(app: web.Application, core, interval: float) -> None:
    """The feed's task in the app's cleanup context; streams ended at shutdown."""

    async def feed_ctx(app: web.Application) -> AsyncIterator[None]:
        feed = LiveFeed(core, interval)
        app[LIVE] = feed
        feed._task = asyncio.create_task(feed.run(), name="dashboard-live-feed")
        try:
            yield
        finally:
            feed.close_streams()
            feed._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed._task

    async def end_streams(app: web.Application) -> None:
        if LIVE in app:
            app[LIVE].close_streams()

    app.cleanup_ctx.append(feed_ctx)
    app.on_shutdown.append(end_streams)


async def stream(request: web.Request, queues: Iterable[str] | None,
                 ticket_number: str | None = None) -> web.StreamResponse:
    """The event stream of these queues (or of one ticket)."""
    response = web.StreamResponse(headers={
        "Content-Type": "text/event-stream; charset=utf-8",
        "Cache-Control": "no-store",
        "X-Accel-Buffering": "no",
        "X-Content-Type-Options": "nosniff",
    })
    await response.prepare(request)
    feed = request.app[LIVE]
    box = feed.subscribe(queues)
    try:
        await response.write(b"retry: 3000\n\n")
        while True:
            try:
                change = await asyncio.wait_for(box.get(), HEARTBEAT_SECONDS)
            except TimeoutError:
                await response.write(b": ping\n\n")
                continue
            if change is None:  # shutting down
                break
            if ticket_number and change.ticket_number != ticket_number:
                continue
            data = json.dumps({"numero": change.ticket_number, "file": change.queue,
                               "action": change.action})
            await response.write(f"event: change\nid: {change.event_id}\ndata: {data}\n\n".encode())
    except ConnectionError:  # the agent closed the page: nothing more to send
        log.debug("live feed closed by the browser")
    finally:
        feed.unsubscribe(box)
    return response
