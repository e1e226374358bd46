"""/start (with a link code or a deep link), /aide, /moi, /deconnexion."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CommandHandler, ContextTypes, MessageHandler, filters

from bot import accounts, texts
from bot.formatting import esc
from bot.runtime import run_sync, services
from ceres_core.errors import CeresError

log = logging.getLogger(__name__)


def _scopes(scopes: tuple[str, ...]) -> str:
    if not scopes:
        return texts.NO_SCOPE
    return "\n".join(texts.SCOPE_LINE.format(scope=esc(s)) for s in scopes)


def help_text(context: ContextTypes.DEFAULT_TYPE) -> str:
    lib = services(context).procedures
    lines = "\n".join(
        texts.PROCEDURE_LINE.format(id=pid, title=esc(lib[pid].title)) for pid in lib.ids()
    )
    return texts.HELP.format(procedures=lines) + "\n\n" + texts.OP_HELP


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat = update.effective_chat
    message = update.effective_message
    if chat is None or message is None:
        return
    if context.args:
        code = "".join(context.args)
        svc = services(context)
        user_id = update.effective_user.id if update.effective_user else None
        try:
            view = await run_sync(accounts.redeem_link_code, svc.core, code, chat.id, user_id)
        except CeresError as exc:
            log.info("link code refused for chat %s: %s", chat.id, exc.message)
            await message.reply_text(
                texts.LINK_REFUSED.format(message=esc(exc.message)), parse_mode=ParseMode.HTML
            )
            return
        await message.reply_text(
            texts.LINKED.format(
                name=esc(view.display_name), login=esc(view.login), scopes=_scopes(view.scopes)
            ) + "\n\n" + texts.OP_HELP + "\n\n" + texts.LINKED_MORE,
            parse_mode=ParseMode.HTML,
        )
        return
    first = update.effective_user.first_name if update.effective_user else ""
    name = f" {esc(first)}" if first else ""
    await message.reply_text(
        texts.WELCOME.format(name=name) + "\n\n" + help_text(context), parse_mode=ParseMode.HTML
    )


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler took (``/nimportequoi``): say so, with what the bot knows."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    await message.reply_text(
        texts.UNKNOWN_COMMAND.format(command=esc(command)) + "\n\n" + help_text(context),
        parse_mode=ParseMode.HTML,
    )


def register_fallback(app: Application) -> None:
    """Last of group 0, after every command handler: private chats only."""
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))


async def aide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_message:
        await update.effective_message.reply_text(help_text(context), parse_mode=ParseMode.HTML)


async def moi(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    svc = services(context)
    login = await run_sync(accounts.linked_login, svc.core, chat.id)
    if login is None:
        await message.reply_text(texts.NOT_LINKED, parse_mode=ParseMode.HTML)
        return
    view = await run_sync(accounts.account_view, svc.core, login)
    await message.reply_text(
        texts.WHOAMI.format(
            name=esc(view.display_name), login=esc(view.login), scopes=_scopes(view.scopes)
        ),
        parse_mode=ParseMode.HTML,
    )


async def deconnexion(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    chat, message = update.effective_chat, update.effective_message
    if chat is None or message is None:
        return
    svc = services(context)
    login = await run_sync(accounts.linked_login, svc.core, chat.id)
    if login is None or not await run_sync(accounts.unlink, svc.core, chat.id):
        await message.reply_text(texts.NOTHING_TO_UNLINK)
        return
    await message.reply_text(texts.UNLINKED.format(login=esc(login)), parse_mode=ParseMode.HTML)


def register(app: Application) -> None:
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler(["aide", "help"], aide))
    app.add_handler(CommandHandler("moi", moi))
    app.add_handler(CommandHandler("deconnexion", deconnexion))
