"""/start (with a link code or a deep link), /aide, /moi, /deconnexion.

After linking, the command menu of that chat shows that user's operations only
(``setMyCommands`` with a chat scope, from the catalogue and the core's access
check); unlinking removes it. :func:`bot.accounts.deep_link` is the link that links in
one tap (``https://t.me/<bot>?start=CODE``).
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat, Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import accounts, catalogue, texts
from bot.formatting import esc, truncate
from bot.runtime import Services, optional, run_sync, services
from ceres_core.errors import CeresError

log = logging.getLogger(__name__)


def _scopes(scopes: tuple[str, ...]) -> str:
    if not scopes:
        return texts.NO_SCOPE
    return "\n".join(texts.SCOPE_LINE.format(scope=esc(s)) for s in scopes)


def operations_help(core, login: str | None) -> str:
    """The operations this account may run, from the catalogue (all when not linked)."""
    ops = catalogue.operations_for(core, login) if login else list(catalogue.CATALOGUE)
    lines = "\n".join(texts.OP_HELP_LINE.format(command=op.command, text=esc(op.menu))
                      for op in ops)
    return texts.OP_HELP.format(lines=lines) if ops else ""


def help_text(context: ContextTypes.DEFAULT_TYPE, login: str | None = None) -> str:
    svc = services(context)
    lib = svc.procedures
    lines = "\n".join(
        texts.PROCEDURE_LINE.format(id=pid, title=esc(lib[pid].title)) for pid in lib.ids()
    )
    return texts.HELP.format(procedures=lines) + "\n\n" + operations_help(svc.core, login)


def chat_commands(context: ContextTypes.DEFAULT_TYPE, login: str | None) -> list[BotCommand]:
    """The command menu: the procedures, this user's operations, the common commands."""
    return commands_for(services(context), login)


def commands_for(svc: Services, login: str | None) -> list[BotCommand]:
    """:func:`chat_commands` from the services (no update: the menus refreshed at start)."""
    lib = svc.procedures
    commands = [BotCommand(pid, truncate(lib[pid].title, 256)) for pid in lib.ids()]
    commands += [BotCommand(command, truncate(text, 256))
                 for command, text in catalogue.menu_for(svc.core, login)]
    commands += [BotCommand(name, text) for name, text in texts.COMMON_COMMANDS]
    return commands


async def set_chat_menu(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str | None) -> None:
    commands = await run_sync(chat_commands, context, login)
    await optional(context.bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id)),
                   "setMyCommands")


async def refresh_linked_menus(bot: Bot, svc: Services) -> int:
    """At bot start: set the command menu of every linked chat from its account's
    operations (the catalogue and the core's access check, as at linking), so that chats
    linked before the catalogue changed show today's operations without relinking.
    Idempotent (each instance of a cluster may run it); a chat Telegram refuses is
    logged and skipped (:func:`bot.runtime.optional`). Returns the menus set."""
    chats = await run_sync(accounts.linked_chats, svc.core)
    menus: dict[str | None, list[BotCommand]] = {}
    done = 0
    for chat_id, login in chats:
        if login not in menus:  # one menu per account, read once
            menus[login] = await run_sync(commands_for, svc, login)
        if await optional(bot.set_my_commands(menus[login], scope=BotCommandScopeChat(chat_id)),
                          "setMyCommands") is not None:
            done += 1
    if chats:
        log.info("command menus refreshed for %d of %d linked chats", done, len(chats))
    return done


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
        helps = await run_sync(operations_help, svc.core, view.login)
        await message.reply_text(
            texts.LINKED.format(
                name=esc(view.display_name), login=esc(view.login), scopes=_scopes(view.scopes)
            ) + "\n\n" + helps + "\n\n" + texts.LINKED_MORE,
            parse_mode=ParseMode.HTML,
        )
        await set_chat_menu(context, chat.id, view.login)
        return
    first = update.effective_user.first_name if update.effective_user else ""
    name = f" {esc(first)}" if first else ""
    login = await run_sync(accounts.linked_login, services(context).core, chat.id)
    body = await run_sync(help_text, context, login)
    await message.reply_text(texts.WELCOME.format(name=name) + "\n\n" + body,
                             parse_mode=ParseMode.HTML)


async def unknown_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A command no handler took (``/nimportequoi``): say so, with what the bot knows."""
    message = update.effective_message
    if message is None or not message.text:
        return
    command = message.text.split()[0].split("@")[0]
    login = await run_sync(accounts.linked_login, services(context).core, message.chat_id)
    body = await run_sync(help_text, context, login)
    await message.reply_text(
        texts.UNKNOWN_COMMAND.format(command=esc(command)) + "\n\n" + body,
        parse_mode=ParseMode.HTML,
    )


async def aide(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None:
        return
    login = await run_sync(accounts.linked_login, services(context).core, message.chat_id)
    body = await run_sync(help_text, context, login)
    await message.reply_text(body, parse_mode=ParseMode.HTML)


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
    await set_chat_menu(context, chat.id, None)
