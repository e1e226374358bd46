"""The outbox of the bot's replies: the user is told from a durable record.

A reply that reports an effect (an operation carried out, a ticket opened, a message
stored on a ticket) is written with :func:`enqueue` in the *same transaction* as the
effect (:mod:`bot.exactly_once`). It is then sent by :func:`flush` — at once by the
handler, and by :class:`OutboxWorker` every few seconds, so that a crash between the
commit and the message ends with the message sent after restart.

A row is claimed with a lease before it is sent (two instances never send it at the
same time) and marked sent with Telegram's message id (a crash between Telegram's
success and that mark sends it again after the lease: the effect is exactly once, its
message at least once); when it concerns a ticket,
that message id is given to the helpdesk (``remember_chat_message``) so that a
Telegram reply to it goes to that ticket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from telegram import Bot, InlineKeyboardMarkup, InputFile
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from bot.models import OutboxMessage
from bot.runtime import Services, optional, run_sync, send_html
from ceres_core.core import Core
from ceres_core.errors import CeresError
from tickets import services as ticket_services

log = logging.getLogger(__name__)

#: A claimed row is sent by its claimer; after this, another instance may take it (the
#: claimer died between the claim and the send). A send takes well under a second.
LEASE = timedelta(seconds=10)


def enqueue(db: Any, core: Core, chat_id: int, html: str, *,
            reply_markup: InlineKeyboardMarkup | None = None,
            document: tuple[str, bytes] | None = None, ticket_id: int | None = None) -> int:
    """Write a reply to send, in the caller's transaction; returns its id."""
    row = OutboxMessage(
        chat_id=chat_id, html=html,
        reply_markup=reply_markup.to_dict() if reply_markup is not None else None,
        filename=document[0] if document else None, document=document[1] if document else None,
        ticket_id=ticket_id, created_at=core.clock.now(),
    )
    db.add(row)
    db.flush()
    return row.id


def _claim(core: Core, chat_id: int | None, limit: int = 20) -> list[OutboxMessage]:
    now = core.clock.now()
    with core.transaction() as db:
        query = (select(OutboxMessage)
                 .where(OutboxMessage.sent_at.is_(None),
                        or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
                 .order_by(OutboxMessage.id).limit(limit))
        if chat_id is not None:
            query = query.where(OutboxMessage.chat_id == chat_id)
        rows = list(db.scalars(query))
        claimed = []
        for row in rows:
            result = db.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == row.id, OutboxMessage.sent_at.is_(None),
                       or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
                .values(lease_until=now + LEASE)
                .execution_options(synchronize_session=False))
            if result.rowcount == 1:
                db.expunge(row)
                claimed.append(row)
        return claimed


def _mark_sent(core: Core, outbox_id: int, chat_id: int, message_id: int | None,
               ticket_id: int | None) -> None:
    with core.transaction() as db:
        db.execute(update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                   .values(sent_at=core.clock.now(), telegram_message_id=message_id)
                   .execution_options(synchronize_session=False))
    if ticket_id is not None and message_id is not None:
        # A Telegram reply to this message goes to its ticket (the helpdesk's threading).
        try:
            ticket_services.remember_chat_message(core, chat_id, message_id, ticket_id)
        except CeresError:  # not this chat's ticket (cannot happen): the reply is a question
            log.warning("message %s of chat %s not linked to ticket %s", message_id, chat_id,
                        ticket_id)


async def _send(bot: Bot, svc: Services, row: OutboxMessage) -> int | None:
    markup = InlineKeyboardMarkup.de_json(row.reply_markup, bot) if row.reply_markup else None
    if row.document is None:
        message = await send_html(bot, row.chat_id, row.html, markup)
        return message.message_id
    return await send_document(bot, svc, row.chat_id, row.filename or "document",
                               row.document, row.html, markup)


async def send_document(bot: Bot, svc: Services, chat_id: int, filename: str, content: bytes,
                        caption_html: str, markup: InlineKeyboardMarkup | None = None) -> int | None:
    """``sendDocument`` when the server takes it, else a one-time download link."""
    from bot import accounts, texts
    from bot.downloads import create_link, link_url
    from bot.formatting import esc

    sent = await optional(
        bot.send_document(chat_id, document=InputFile(content, filename=filename),
                          caption=caption_html, parse_mode=ParseMode.HTML, reply_markup=markup),
        "sendDocument")
    if sent is not None:
        return sent.message_id
    public_url = svc.config.public_url if svc.config is not None else None
    if not public_url:
        message = await send_html(bot, chat_id, texts.OP_NO_DOWNLOAD.format(caption=caption_html),
                                  markup)
        return message.message_id
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    token = await run_sync(create_link, svc.core, chat_id, user_id or 0, filename, content)
    url = link_url(public_url, token)
    message = await send_html(
        bot, chat_id, texts.OP_DOCUMENT_LINK.format(caption=caption_html, url=esc(url)), markup)
    return message.message_id


async def flush(bot: Bot, svc: Services, chat_id: int | None = None) -> int:
    """Send what is waiting (for one chat, or all); returns the number sent."""
    rows = await run_sync(_claim, svc.core, chat_id)
    sent = 0
    for row in rows:
        try:
            message_id = await _send(bot, svc, row)
        except (Forbidden, BadRequest) as exc:  # blocked, or a chat that is gone: drop it
            log.warning("outbox %s to chat %s dropped: %s", row.id, row.chat_id, exc)
            message_id = None
        except Exception:
            log.warning("outbox %s to chat %s not sent yet", row.id, row.chat_id, exc_info=True)
            continue
        # At once, on the loop: the shorter the time between Telegram's success and this
        # mark, the rarer a second send after a crash (the reply is at least once).
        _mark_sent(svc.core, row.id, row.chat_id, message_id, row.ticket_id)
        sent += 1
    return sent


class OutboxWorker:
    """Sends the outbox every ``interval`` seconds (recovery after a crash, other instances)."""

    def __init__(self, bot: Bot, svc: Services, interval: float = 2.0) -> None:
        self.bot = bot
        self.svc = svc
        self.interval = interval
        self._task: asyncio.Task | None = None

    def start(self) -> OutboxWorker:
        self._task = asyncio.create_task(self._loop())
        return self

    async def _loop(self) -> None:
        while True:
            try:
                await flush(self.bot, self.svc)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("outbox worker pass failed", exc_info=True)
            await asyncio.sleep(self.interval)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None
