"""The one error handler: log with a short reference, tell the user in French."""

from __future__ import annotations

import contextlib
import html
import logging
import secrets

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import texts
from ceres_core.busy import BUSY_MESSAGE, is_database_locked
from ceres_core.errors import CeresError

log = logging.getLogger("bot.errors")


def new_reference() -> str:
    return secrets.token_hex(3).upper()


def _database_busy(error: BaseException | None) -> bool:
    return error is not None and is_database_locked(error)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    ref = new_reference()
    log.error("unhandled error, reference %s (update: %r)", ref, update, exc_info=context.error)
    if not isinstance(update, Update):
        return
    text = texts.ERROR.format(ref=html.escape(ref))
    if isinstance(context.error, CeresError):  # a refusal no handler caught (DatabaseBusy…)
        text = html.escape(context.error.message)
    elif _database_busy(context.error):  # SQLite still locked: nothing was done, say so
        text = html.escape(BUSY_MESSAGE)
    try:
        if update.callback_query is not None:
            with contextlib.suppress(TelegramError):  # already answered
                await update.callback_query.answer()
        if update.effective_chat is not None:
            await context.bot.send_message(update.effective_chat.id, text)
    except TelegramError:
        log.warning("could not tell the user about error %s", ref, exc_info=True)
