"""The staff group's side (optional, ``BotConfig.staff_chat_id``): a staff member's
message in a ticket's forum topic, or in reply to a message the bot posted for a
ticket, becomes a public reply on that ticket (``tickets.services.staff_reply``, as
the staff account whose ``chat_id`` is the sender's Telegram id), delivered to the
user by :mod:`bot.delivery_worker`.

Each relayed group message is stored (``bot_staff_post``, unique per group message)
before the reply is written: an update delivered twice is relayed once.
Other messages in the group (staff talking among themselves) are left alone.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import staff_group, texts
from bot.delivery_worker import worker_of
from bot.formatting import esc
from bot.runtime import optional, run_sync, services
from ceres_core.errors import CeresError
from tickets import services as ticket_services

log = logging.getLogger(__name__)


async def on_group_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text or message.from_user is None or message.from_user.is_bot:
        return
    if message.text.startswith("/"):  # commands are not replies
        return
    svc = services(context)
    chat_id = message.chat.id
    thread_id = message.message_thread_id if message.is_topic_message else None
    reply_to = message.reply_to_message.message_id if message.reply_to_message else None
    target = await run_sync(staff_group.find_target, svc.core, chat_id, reply_to, thread_id)
    if target is None:
        return
    login = await run_sync(staff_group.staff_login_for, svc.core, message.from_user.id)
    if login is None:
        await optional(message.reply_text(texts.STAFF_UNKNOWN_SENDER), "sendMessage")
        return
    fresh = await run_sync(staff_group.remember, svc.core, target.ticket_id, target.number, chat_id,
                           message.message_id, target.thread_id, "staff_reply", "pending")
    if not fresh:
        log.info("staff message %s already relayed", message.message_id)
        return
    try:
        await run_sync(ticket_services.staff_reply, svc.core, login, target.ticket_id, message.text)
    except CeresError as exc:
        await run_sync(staff_group.finish_relay, svc.core, chat_id, message.message_id, False)
        await optional(
            message.reply_text(texts.STAFF_REPLY_REFUSED.format(message=esc(exc.message)),
                               parse_mode=ParseMode.HTML),
            "sendMessage",
        )
        return
    await run_sync(staff_group.finish_relay, svc.core, chat_id, message.message_id, True)
    worker = worker_of(context.application)
    if worker is not None:
        worker.wake()
    await optional(message.reply_text(texts.STAFF_REPLY_SENT.format(number=target.number)),
                   "sendMessage")
