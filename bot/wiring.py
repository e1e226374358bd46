"""Every handler of the application, in one place and in order (named groups).

``GUARD``   :func:`bot.dispatcher.guard` — once per update, private chats only, the
            transcript, a new command leaves the current mode;
``MAIN``    the commands (account, help, ``/annuler``, procedures, the catalogue's
            operations, the helpdesk), then unknown commands, typed text and buttons,
            each routed by :mod:`bot.dispatcher`;
``FINISH``  :func:`bot.dispatcher.finish` — the update is marked handled.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import catalogue, dispatcher
from bot import reminders as rem
from bot.handlers import errors, forms, procedures, start
from bot.handlers import reminders as reminder_handlers
from bot.handlers import tickets as ticket_handlers

GUARD = -100
MAIN = 0
FINISH = 100


def _operation_command(op: catalogue.Operation):
    async def handler(update, context) -> None:
        await forms.command(update, context, op)

    handler.__name__ = f"operation_{op.name}"
    return handler


def register(app: Application, procedure_ids: list[str]) -> None:
    app.add_handler(TypeHandler(Update, dispatcher.guard), group=GUARD)

    # -- the account and help
    app.add_handler(CommandHandler("start", start.start), group=MAIN)
    app.add_handler(CommandHandler(["aide", "help"], start.aide), group=MAIN)
    app.add_handler(CommandHandler("moi", start.moi), group=MAIN)
    app.add_handler(CommandHandler("deconnexion", start.deconnexion), group=MAIN)
    app.add_handler(CommandHandler(["annuler", "cancel"], dispatcher.cancel), group=MAIN)
    # -- guided procedures
    for pid in procedure_ids:
        app.add_handler(CommandHandler(pid, procedures.command(pid)), group=MAIN)
    # -- the operations of the catalogue
    for op in catalogue.CATALOGUE:
        app.add_handler(CommandHandler(op.command, _operation_command(op)), group=MAIN)
    # -- the helpdesk
    app.add_handler(CommandHandler("ticket", ticket_handlers.ticket_command), group=MAIN)
    app.add_handler(CommandHandler("mes_tickets", ticket_handlers.my_tickets), group=MAIN)
    app.add_handler(CommandHandler("quitter_ticket", ticket_handlers.leave_command), group=MAIN)
    app.add_handler(CommandHandler("annuler_ticket", ticket_handlers.cancel_draft), group=MAIN)
    # -- the reminders (issue 13): /rappels; the digests are sent by the scheduler's job
    app.add_handler(CommandHandler("rappels", reminder_handlers.cmd_rappels), group=MAIN)
    # -- after every command: unknown ones, typed text, buttons
    app.add_handler(MessageHandler(filters.COMMAND, start.unknown_command), group=MAIN)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, dispatcher.on_text), group=MAIN)
    # a photo or a document: for the ticket it belongs to (issue 11)
    app.add_handler(MessageHandler(filters.PHOTO | filters.Document.ALL,
                                   ticket_handlers.on_file), group=MAIN)
    app.add_handler(CallbackQueryHandler(dispatcher.on_button), group=MAIN)

    app.add_handler(TypeHandler(Update, dispatcher.finish), group=FINISH)
    app.add_error_handler(errors.on_error)
    rem.schedule(app)


__all__ = ["FINISH", "GUARD", "MAIN", "register"]
