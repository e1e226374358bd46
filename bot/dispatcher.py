"""Where a message or a button goes — read top to bottom.

Every update first passes :func:`guard` (handler group ``GUARD``):

1. an update already taken (same ``update_id``, by this or another instance) stops
   here: a redelivery is a no-op (:func:`bot.exactly_once.begin_update`, which also
   reads the chat's state and linked login for the handlers: :mod:`bot.update_context`);
2. the user's side of the conversation is kept for tickets (transcript);
3. outside a private chat nothing is done: the staff group goes to the staff relay;
   elsewhere a command or a button gets « private chats only » and stops;
4. a new command (but ``/aide``, ``/moi``, ``/ticket``, ``/mes_tickets``) leaves the
   mode the chat was in: a command starts something new.

Then, in the ``MAIN`` group:

* commands: one handler each (:mod:`bot.wiring` registers them, in order);
* ``/annuler``: :func:`cancel` leaves any mode and cancels a pending confirmation;
* typed text: :func:`on_text` by the chat's mode (:mod:`bot.conversation`) —
  ``form`` → the form; ``procedure`` → the walk (a text it does not take is a
  question); ``ticket_draft`` → the draft; ``ticket_write`` → that ticket; ``idle``
  → a message for the support (a reply to a ticket's message, ticket mode), else
  a question;
* buttons: :func:`on_button` validates the press (:mod:`bot.state`), then its kind
  names the journey.

Finally :func:`finish` (group ``FINISH``) marks the update handled.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot import conversation as conv
from bot import keyboards, texts
from bot.exactly_once import begin_update, finish_update
from bot.handlers import forms, procedures, questions, staff_relay
from bot.handlers import reminders as reminder_handlers
from bot.handlers import tickets as ticket_handlers
from bot.runtime import optional, run_sync, services
from bot.state import InvalidButton
from bot.update_context import CURRENT, chat_state, current_for

log = logging.getLogger(__name__)

#: Commands that keep the mode the chat is in (they read it or only inform).
KEEP_MODE = {"aide", "help", "moi", "ticket", "mes_tickets", "annuler", "cancel", "start"}


def _command_name(text: str) -> str | None:
    if not text.startswith("/"):
        return None
    return text.split()[0][1:].split("@")[0].lower()


async def guard(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    svc = services(context)
    chat = update.effective_chat
    # 1. once per update, whatever the instance (the runner claimed it already); the
    # claim reads the chat's state and linked login with it (bot.update_context)
    snap = current_for(update.update_id)
    if snap is None:
        claim, snap = await run_sync(begin_update, svc.core, update.update_id,
                                     chat.id if chat is not None else None,
                                     chat is not None and chat.type == ChatType.PRIVATE)
        if claim != "new" or snap is None:
            log.info("update %s already handled: ignored", update.update_id)
            raise ApplicationHandlerStop
        CURRENT.set(snap)  # for this update's next handlers (same task)
    forms.CURRENT_TG_USER.set(update.effective_user.id if update.effective_user else None)
    if chat is None:
        raise ApplicationHandlerStop
    # 3. private chats only
    if chat.type != ChatType.PRIVATE:
        staff_chat = svc.config.staff_chat_id if svc.config is not None else None
        if staff_chat is not None and chat.id == staff_chat and update.message is not None:
            await staff_relay.on_group_message(update, context)
            await run_sync(finish_update, svc.core, update.update_id, snap)
            raise ApplicationHandlerStop
        if update.callback_query is not None:
            await optional(update.callback_query.answer(texts.PRIVATE_ONLY[:200]),
                           "answerCallbackQuery")
        elif update.message is not None and _command_name(update.message.text or ""):
            await context.bot.send_message(chat.id, texts.PRIVATE_ONLY)
        await run_sync(finish_update, svc.core, update.update_id, snap)
        raise ApplicationHandlerStop
    # 2. the transcript (private chats)
    await ticket_handlers.record_update(update, context)
    # 4. a command starts something new
    message = update.message
    name = _command_name(message.text or "") if message is not None else None
    if name is not None and name not in KEEP_MODE:
        await run_sync(conv.reset, svc.core, chat.id)
        await run_sync(svc.store.cancel_pending_of_chat, chat.id)


async def finish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The « done » mark, with the transcript lines the update kept (one transaction)."""
    await run_sync(finish_update, services(context).core, update.update_id,
                   current_for(update.update_id))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/annuler: leave any mode; a confirmation still pending can no longer be confirmed."""
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    async with svc.chat_lock(chat_id):
        left = await run_sync(conv.reset, svc.core, chat_id)
        cancelled = await run_sync(svc.store.cancel_pending_of_chat, chat_id)
        await run_sync(svc.store.revoke_chat, chat_id, (keyboards.PROCEDURE, keyboards.OPERATION))
    if left is conv.Mode.PROCEDURE:
        text = texts.PROCEDURE_CANCELLED
    elif left is conv.Mode.TICKET_DRAFT:
        text = texts.TICKET_CANCELLED
    elif left is not conv.Mode.IDLE or cancelled:
        text = texts.CANCELLED_ALL
    else:
        text = texts.NOTHING_TO_CANCEL
    await context.bot.send_message(chat_id, text)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text or update.effective_chat is None:
        return
    svc = services(context)
    chat_id = update.effective_chat.id
    state = await chat_state(svc.core, chat_id)
    if state.mode is conv.Mode.FORM:
        async with svc.chat_lock(chat_id):
            await forms.on_text(update, context, state)
        return
    if state.mode is conv.Mode.PROCEDURE:
        if not await procedures.handle_text(update, context):
            await questions.on_text(update, context)
        return
    if state.mode is conv.Mode.TICKET_DRAFT:
        async with svc.chat_lock(chat_id):
            await ticket_handlers.on_draft_text(update, context, state)
        return
    if state.mode is conv.Mode.TICKET_WRITE:
        await ticket_handlers.on_write_text(update, context, state)
        return
    if await ticket_handlers.route_idle_text(update, context):
        return
    await questions.on_text(update, context)


BUTTONS = {
    **questions.CALLBACKS, **procedures.CALLBACKS, **forms.CALLBACKS,
    **ticket_handlers.CALLBACKS, **reminder_handlers.CALLBACKS,
}


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every inline button press: validated against the database, then by its kind.

    A forged, stale, replayed or foreign button only gets « Ce bouton n'est plus
    valable… » and changes nothing.
    """
    query = update.callback_query
    if query is None:
        return
    chat_id = query.message.chat.id if query.message is not None else None
    svc = services(context)
    try:
        press = await run_sync(svc.store.consume, chat_id, query.data)
    except InvalidButton as exc:
        log.info("refused button in chat %s: %s", chat_id, exc.reason)
        await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
        return
    handler = BUTTONS.get(press.kind)
    if handler is None:
        log.warning("button of unknown kind %r", press.kind)
        await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
        return
    await handler(update, context, press)
