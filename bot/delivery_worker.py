"""The helpdesk outbox, sent to the chats: staff replies and status announcements.

An asyncio task started in the Application's ``post_init`` and stopped with the bot
(no JobQueue). It loops over :func:`tickets.services.pending_deliveries` (a leased
batch, the oldest unsent message of each chat first) and for each entry:

* sends it (plain text: the outbox holds no markup); the *résolu* announcement gets
  the 1–5 rating buttons; an entry with a file (a staff attachment) is sent as a
  document, the text as its caption (or before it, when longer than Telegram's
  caption limit). Every message sent is recorded with its ticket by
  ``mark_delivered``, so that a Telegram reply to it is threaded to that ticket;
* writes ``bot_sent_delivery`` right after Telegram's success, then calls
  ``mark_delivered``. If the worker stops between the two (crash, database error),
  the entry comes back when its lease expires and the stored row says it was sent:
  it is marked, **not sent again** (never twice). The one window left is a stop
  between Telegram's answer and that first write;
* ``Forbidden`` (the user blocked the bot) → ``mark_requester_blocked`` (the tickets
  are flagged, staff get an internal note, the staff group a warning);
* another Telegram error → ``mark_failed`` (retried later with backoff, then an
  internal note warns staff).

Several instances may run this loop: the lease hands each entry to one of them.

The same task also closes, every ``close_interval`` seconds (10 minutes), the tickets
resolved for longer than their queue's reopening delay
(:func:`tickets.services.close_expired_resolved`; harmless if several instances do it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.exc import IntegrityError
from telegram import Bot, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot import keyboards, staff_group
from bot.models import SentDelivery
from bot.runtime import Services, run_sync
from bot.state import ButtonSpec
from ceres_core.core import Core
from ceres_core.errors import CeresError
from tickets import services as ticket_services
from tickets import texts as ticket_texts

log = logging.getLogger(__name__)

BATCH = 20
LEASE_SECONDS = 60
#: seconds between two closings of the expired resolved tickets.
CLOSE_INTERVAL = 600.0
#: Telegram's limit on a document's caption (characters).
CAPTION_LIMIT = 1024


def sent_message_id(core: Core, key: str) -> int | None | bool:
    """The Telegram message id of an entry already sent (``True`` if sent, id unknown),
    or ``None`` if this bot never sent it."""
    with core.transaction() as db:
        row = db.get(SentDelivery, key)
        if row is None:
            return None
        return row.telegram_message_id if row.telegram_message_id is not None else True


def remember_sent(core: Core, item: ticket_services.DeliveryItem, message_id: int) -> None:
    # Another worker may have recorded it first: the unique key keeps one row.
    with contextlib.suppress(IntegrityError), core.transaction() as db:
        db.add(SentDelivery(idempotency_key=item.idempotency_key, delivery_id=item.id,
                            chat_id=item.chat_id, telegram_message_id=message_id,
                            sent_at=core.clock.now()))


def wants_rating(core: Core, item: ticket_services.DeliveryItem) -> bool:
    """Is this entry the announcement that the ticket is resolved (and not rated yet)?

    It is when the ticket is *résolu*, unrated, and the entry's message is the ticket's
    latest public system message.
    """
    try:
        message_id = int(item.idempotency_key.rsplit("-", 1)[1])
        detail = ticket_services.get_my_ticket(core, item.chat_id, item.ticket_id)
    except (ValueError, IndexError, CeresError):
        return False
    if detail.ticket.status != "resolu" or detail.rating is not None:
        return False
    system = [m for m in detail.messages if m.author_kind == "system"]
    return bool(system) and system[-1].id == message_id


def rating_rows(ticket_id: int) -> list[list[ButtonSpec]]:
    return [[ButtonSpec(str(n), keyboards.TICKET_RATE, {"t": ticket_id, "s": n}) for n in range(1, 6)]]


class DeliveryWorker:
    """Sends the outbox; :meth:`run_once` does one pass (tests call it directly)."""

    def __init__(self, bot: Bot, svc: Services, *, interval: float = 2.0, batch: int = BATCH,
                 lease_seconds: int = LEASE_SECONDS, close_interval: float = CLOSE_INTERVAL,
                 store: ticket_services.AttachmentStore | None = None) -> None:
        self.bot = bot
        self.svc = svc
        self.interval = interval
        self.batch = batch
        self.lease_seconds = lease_seconds
        self.close_interval = close_interval
        self._next_close = 0.0  # loop time of the next closing (at start: now)
        self._task: asyncio.Task | None = None
        self._wake = asyncio.Event()
        #: Where staff attachments are read from (``CERES_ATTACHMENTS_DIR``).
        self.store = store or ticket_services.AttachmentStore.from_env()

    @property
    def core(self) -> Core:
        return self.svc.core

    def start(self) -> DeliveryWorker:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="helpdesk-delivery")
        return self

    def wake(self) -> None:
        """Something was queued: look at the outbox now rather than at the next tick."""
        self._wake.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if loop.time() >= self._next_close:
                self._next_close = loop.time() + self.close_interval
                await self.close_expired()
            try:
                count = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("helpdesk delivery pass failed", exc_info=True)
                count = 0
            if count:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.interval)
            self._wake.clear()

    async def close_expired(self) -> list[str]:
        """Close the resolved tickets past their reopening delay (never raises)."""
        try:
            closed = await run_sync(ticket_services.close_expired_resolved, self.core)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("closing the expired resolved tickets failed", exc_info=True)
            return []
        if closed:
            log.info("closed %d resolved ticket(s): %s", len(closed), ", ".join(closed))
        return closed

    async def run_once(self) -> int:
        items = await run_sync(ticket_services.pending_deliveries, self.core, self.batch,
                               lease_seconds=self.lease_seconds)
        for item in items:
            try:
                await self.deliver(item)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The entry stays leased: it comes back when the lease expires.
                log.warning("delivery %s of %s interrupted", item.id, item.ticket_number,
                            exc_info=True)
        return len(items)

    async def deliver(self, item: ticket_services.DeliveryItem) -> None:
        already = await run_sync(sent_message_id, self.core, item.idempotency_key)
        if already is not None:
            log.info("delivery %s was already sent: marking it only", item.id)
            await run_sync(ticket_services.mark_delivered, self.core, item.id,
                           None if already is True else already)
            return
        markup: InlineKeyboardMarkup | None = None
        if await run_sync(wants_rating, self.core, item):
            markup = await run_sync(keyboards.build, self.svc.store, item.chat_id,
                                    rating_rows(item.ticket_id))
        try:
            message = await self.send(item, markup)
        except Forbidden as exc:
            log.info("chat %s blocked the bot (%s)", item.chat_id, exc)
            numbers = await run_sync(ticket_services.mark_requester_blocked, self.core, item.chat_id)
            await staff_group.warn_blocked(self.bot, self.svc, numbers)
            return
        except TelegramError as exc:
            await run_sync(ticket_services.mark_failed, self.core, item.id, str(exc),
                           lease_token=item.lease_token)
            return
        await run_sync(remember_sent, self.core, item, message.message_id)
        await run_sync(ticket_services.mark_delivered, self.core, item.id, message.message_id)


    async def send(self, item: ticket_services.DeliveryItem, markup):
        """The entry's text, or its file as a document with the text as caption."""
        if item.attachment_id is None:
            return await self.bot.send_message(item.chat_id, item.text, reply_markup=markup)
        try:
            name, data = await run_sync(ticket_services.delivery_file, self.core, self.store,
                                        item.attachment_id)
        except CeresError:  # the file is gone: the text still goes, with a word about it
            log.warning("attachment %s of delivery %s missing", item.attachment_id, item.id)
            return await self.bot.send_message(item.chat_id, item.text, reply_markup=markup)
        caption = item.text
        if len(caption) > CAPTION_LIMIT:
            await self.bot.send_message(item.chat_id, item.text)
            caption = ticket_texts.ATTACHMENT_CAPTION.format(number=item.ticket_number, name=name)
        return await self.bot.send_document(item.chat_id, document=data, filename=name,
                                            caption=caption, reply_markup=markup)


def worker_of(app) -> DeliveryWorker | None:
    return app.bot_data.get("delivery_worker")

