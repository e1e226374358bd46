"""Every inline button press: validated against the database, then dispatched by kind.

A forged, stale, replayed or foreign button (see :mod:`bot.state`) only gets a
polite answer ("Ce bouton n'est plus valable…") and changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import texts
from bot.handlers import operations, procedures, questions
from bot.handlers import tickets as ticket_handlers
from bot.runtime import run_sync, services
from bot.state import InvalidButton, Press

log = logging.getLogger(__name__)

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE, Press], Awaitable[None]]

HANDLERS: dict[str, Handler] = {
    **questions.CALLBACKS, **procedures.CALLBACKS, **operations.CALLBACKS,
    **ticket_handlers.CALLBACKS,
}


async def on_callback(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is None:
        return
    chat_id = query.message.chat.id if query.message is not None else None
    svc = services(context)
    try:
        press = await run_sync(svc.store.consume, chat_id, query.data)
    except InvalidButton as exc:
        log.info("refused button in chat %s: %s", chat_id, exc.reason)
        await query.answer(texts.BUTTON_EXPIRED)
        return
    handler = HANDLERS.get(press.kind)
    if handler is None:
        log.warning("button of unknown kind %r", press.kind)
        await query.answer(texts.BUTTON_EXPIRED)
        return
    await handler(update, context, press)


def register(app: Application) -> None:
    app.add_handler(CallbackQueryHandler(on_callback))
