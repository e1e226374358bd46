"""``/rappels`` and the reminder digest's buttons (issue 13); the scheduler itself is
:mod:`bot.reminders`.

:mod:`bot.wiring` registers ``/rappels`` before the unknown-command fallback and the
scheduler's job; the reminder buttons (kinds :data:`bot.reminders.KINDS`) are in
:data:`CALLBACKS`, routed by :func:`bot.dispatcher.on_button` like every button. The
action button starts the catalogue's operation with :func:`bot.reminders.start_action`.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import (
    ContextTypes,
)

from bot import accounts, keyboards, texts
from bot import reminder_texts as rtexts
from bot import reminders as rem
from bot.formatting import esc
from bot.handlers.forms import linked_login
from bot.runtime import optional, run_sync, send_html, services
from bot.state import ButtonSpec, Press
from ceres_core.core import Core
from ceres_core.dte_timeline import format_date_fr
from ceres_core.errors import CeresError
from ceres_core.geography import departement
from ceres_core.reminders import Action, ReminderKind

log = logging.getLogger(__name__)



def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


# -- /rappels -----------------------------------------------------------------------------


def settings_message(core: Core, login: str) -> tuple[str, list[list[ButtonSpec]]]:
    """The ``/rappels`` message: the kinds with their state, today's reminders, toggles."""
    view = rem.settings(core, login)
    r = view.recipient
    start, end = core.rules.reminder_hours
    where = (rtexts.SETTINGS_WHERE_DEPARTEMENT.format(label=departement(r.departement).label)
             if r.departement else rtexts.SETTINGS_WHERE_NATIONAL)
    lines = [rtexts.SETTINGS_HEADER]
    rows: list[list[ButtonSpec]] = []
    if not view.choices:
        lines.append(rtexts.SETTINGS_NONE)
        return "\n\n".join(lines), rows
    lines.append(rtexts.SETTINGS_INTRO.format(start=start, end=end, where=esc(where)))
    kinds = []
    for c in view.choices:
        label = esc(c.kind.label)
        if not c.enabled:
            kinds.append(rtexts.KIND_OFF.format(label=label))
        elif c.snoozed_until is not None and c.snoozed_until > view.day:
            kinds.append(rtexts.KIND_SNOOZED.format(label=label,
                                                    day=esc(format_date_fr(c.snoozed_until))))
        else:
            kinds.append(rtexts.KIND_ON.format(label=label))
        template = rtexts.BUTTON_TURN_OFF if c.enabled else rtexts.BUTTON_TURN_ON
        rows.append([ButtonSpec(template.format(label=c.kind.label), rem.TOGGLE,
                                {"kind": c.kind.value}, reusable=True)])
    lines.append("\n".join(kinds))
    if view.today:
        today = [rtexts.SETTINGS_TODAY.format(count=len(view.today))]
        for e, sent in view.today:
            today.append(f"• {esc(e.text)}{rtexts.SETTINGS_TODAY_SENT if sent else ''}")
        lines.append("\n".join(today))
    else:
        lines.append(rtexts.SETTINGS_TODAY_NONE)
    return "\n\n".join(lines), rows


async def cmd_rappels(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None:
        return
    login = await linked_login(update, context)
    if login is None:
        return
    svc = services(context)
    chat_id = _chat_id(update)
    await run_sync(rem.unblock, svc.core, chat_id)
    try:
        body, rows = await run_sync(settings_message, svc.core, login)
    except CeresError as exc:
        await context.bot.send_message(chat_id, texts.OP_REFUSED.format(message=esc(exc.message)),
                                       parse_mode=ParseMode.HTML)
        return
    markup = await run_sync(keyboards.build, svc.store, chat_id, rows)
    await send_html(context.bot, chat_id, body, markup)


# -- the buttons ----------------------------------------------------------------------------


def _unblocked(handler):
    """A reminder button: the chat is no longer marked blocked, then ``handler``."""

    async def on_press(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
        await run_sync(rem.unblock, services(context).core, _chat_id(update))
        await handler(update, context, press)

    on_press.__name__ = handler.__name__
    return on_press


async def _user(update: Update, context: ContextTypes.DEFAULT_TYPE) -> tuple[str, int] | None:
    svc = services(context)
    chat_id = _chat_id(update)
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    if login is None or user_id is None:
        if update.callback_query is not None:
            await optional(update.callback_query.answer(), "answerCallbackQuery")
        await context.bot.send_message(chat_id, texts.OP_NOT_LINKED, parse_mode=ParseMode.HTML)
        return None
    return login, user_id


async def on_action(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """The reminder's action: recorded, then started (:func:`bot.reminders.start_action`)."""
    who = await _user(update, context)
    if who is None:
        return
    svc = services(context)
    p = press.payload
    action = Action(str(p.get("a")), {str(k): str(v) for k, v in dict(p.get("p") or {}).items()})
    if rem.operation_payload(action) is None:
        await optional(update.callback_query.answer(texts.BUTTON_EXPIRED),  # type: ignore[union-attr]
                       "answerCallbackQuery")
        return
    await run_sync(rem.mark_acted, svc.core, who[1], str(p.get("key")))
    await rem.start_action(update, context, action)


def _kind(value: object) -> ReminderKind | None:
    try:
        return ReminderKind(str(value))
    except ValueError:
        return None


async def _pressed_kind(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        press: Press) -> tuple[tuple[str, int], ReminderKind] | None:
    """The linked user (login, id) and the reminder kind a button names, or ``None``
    once the user was told why nothing is done (not linked, unknown kind)."""
    who = await _user(update, context)
    if who is None:
        return None
    kind = _kind(press.payload.get("kind"))
    if kind is None:
        await optional(update.callback_query.answer(rtexts.UNKNOWN_KIND),  # type: ignore[union-attr]
                       "answerCallbackQuery")
        return None
    return who, kind


async def on_later(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    pressed = await _pressed_kind(update, context, press)
    if pressed is None:
        return
    who, kind = pressed
    svc = services(context)
    recipient = await run_sync(rem.recipient_of, svc.core, who[0])
    until = await run_sync(rem.snooze, svc.core, who[1], str(press.payload.get("key")), kind,
                           recipient.departement)
    await optional(query.answer(texts.BUTTON_DONE), "answerCallbackQuery")
    await context.bot.send_message(
        _chat_id(update), rtexts.SNOOZED.format(kind=kind.label, day=format_date_fr(until)))


async def on_stop(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    pressed = await _pressed_kind(update, context, press)
    if pressed is None:
        return
    who, kind = pressed
    await run_sync(rem.set_enabled, services(context).core, who[1], kind, False)
    await optional(query.answer(texts.BUTTON_DONE), "answerCallbackQuery")
    await context.bot.send_message(_chat_id(update), rtexts.STOPPED.format(kind=kind.label))


async def on_toggle(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """A kind switched on or off from ``/rappels``: the message is redrawn."""
    query = update.callback_query
    assert query is not None
    pressed = await _pressed_kind(update, context, press)
    if pressed is None:
        return
    who, kind = pressed
    svc = services(context)
    recipient = await run_sync(rem.recipient_of, svc.core, who[0])
    if kind not in recipient.kinds:
        await optional(query.answer(rtexts.UNKNOWN_KIND), "answerCallbackQuery")
        return
    current = {c.kind: c.enabled for c in await run_sync(
        rem.preferences, svc.core, who[1], recipient.kinds)}
    enabled = not current.get(kind, True)
    await run_sync(rem.set_enabled, svc.core, who[1], kind, enabled)
    await optional(query.answer((rtexts.TOGGLED_ON if enabled else rtexts.TOGGLED_OFF).format(
        kind=kind.label)), "answerCallbackQuery")
    body, rows = await run_sync(settings_message, svc.core, who[0])
    markup = await run_sync(keyboards.build, svc.store, _chat_id(update), rows)
    edited = await optional(query.edit_message_text(body, parse_mode=ParseMode.HTML,
                                                    reply_markup=markup), "editMessageText")
    if edited is None:
        await send_html(context.bot, _chat_id(update), body, markup)


#: The reminder buttons, by kind: routed by :func:`bot.dispatcher.on_button` like every
#: other button (validated there), the chat unblocked first.
CALLBACKS = {kind: _unblocked(handler) for kind, handler in (
    (rem.ACTION, on_action), (rem.LATER, on_later), (rem.STOP, on_stop), (rem.TOGGLE, on_toggle))}
