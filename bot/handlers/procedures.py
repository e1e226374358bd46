"""Guided procedures (/documents, /transfert, /dte, /bloque) walked with the engine.

The walk (``WalkState.to_dict()``) is stored per chat in the database at every
step, so a restart — or another instance — continues where the user was. Choices
are inline buttons; inputs are short questions whose answers are parsed by
:mod:`bot.parsing` and validated by the engine; checks are asked to the core
through :mod:`bot.procedure_checks` (or to the user when the core cannot answer).
A walk ends on a leaf: its conclusion, the article to read and, for
``dte_timeline``, the dates computed by the core.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import accounts, catalogue, keyboards, procedure_checks, texts
from bot import conversation as conv
from bot import operation_views as bot_operations
from bot.formatting import esc
from bot.handlers import forms
from bot.parsing import ParseError, parse_input
from bot.runtime import Services, optional, run_sync, send_html, services
from bot.state import ButtonSpec, ConcurrentUpdate, Press
from ceres_core.errors import CeresError, NotFound
from knowledge.procedure_engine import AnswerError, StaleStateError, Step, WalkState

log = logging.getLogger(__name__)


# -- rendering -----------------------------------------------------------------------------


def _step_ref(state: WalkState) -> dict[str, Any]:
    """What a button of this step must still match when pressed."""
    return {"p": state.procedure, "n": state.node, "k": len(state.path)}


def _nav_row(state: WalkState, step: Step) -> list[ButtonSpec]:
    ref = _step_ref(state)
    row = []
    if step.can_go_back:
        row.append(ButtonSpec(texts.BUTTON_BACK, keyboards.PROCEDURE, {**ref, "op": "back"}))
    row.append(ButtonSpec(texts.BUTTON_CANCEL, keyboards.PROCEDURE, {**ref, "op": "cancel"}))
    return row


def _choice_rows(state: WalkState, choices: list[tuple[str, str]]) -> list[list[ButtonSpec]]:
    ref = _step_ref(state)
    return [
        [ButtonSpec(label, keyboards.PROCEDURE, {**ref, "op": "answer", "a": cid, "l": label})]
        for cid, label in choices
    ]


def _dte_timeline_html(svc: Services, params: dict[str, str]) -> str:
    return bot_operations.timeline_html(svc.core, params)


#: Operations a leaf shows at once; the others are buttons to the operations module.
LEAF_OPERATIONS = {"dte_timeline": _dte_timeline_html}


async def _render(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: WalkState, step: Step
) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    body = esc(step.text)
    rows: list[list[ButtonSpec]] = []
    if step.type == "question":
        rows = _choice_rows(state, [(c.id, c.label) for c in step.choices])
        rows.append(_nav_row(state, step))
    elif step.type == "input":
        assert step.input is not None
        if step.input.hint:
            body += "\n" + texts.PROCEDURE_HINT.format(hint=esc(step.input.hint))
        if step.input.kind == "choice":
            rows = _choice_rows(state, [(o.id, o.label) for o in step.input.options])
        else:
            body += "\n\n" + texts.PROCEDURE_TYPE_ANSWER
            if step.input.lookup:  # the user's sessions, candidates or sites as buttons
                login = await run_sync(accounts.linked_login, svc.core, chat_id)
                found = await run_sync(bot_operations.lookup_choices, svc.core, login,
                                       step.input.lookup, dict(state.variables), state.procedure)
                rows = _choice_rows(state, [(c.value, c.label) for c in found])
        rows.append(_nav_row(state, step))
    elif step.type == "check":
        assert step.check is not None
        body = esc(check_question_text(step.text, step.check.question))
        rows = _choice_rows(state, list(step.check.outcome_labels.items()))
        rows.append(_nav_row(state, step))
    else:  # leaf
        login = await run_sync(accounts.linked_login, svc.core, chat_id) if step.operations else None
        handed_over: list[str] = []  # operations the user's profile cannot run: asked to the UD
        for op in step.operations:
            render = LEAF_OPERATIONS.get(op.name)
            if render is not None:
                body += "\n\n" + await run_sync(render, svc, dict(op.params))
                continue
            why = await run_sync(_not_for_profile, svc, login, op.name)
            if why is not None:
                body += "\n\n" + esc(why)
                handed_over.append(op.label)
                continue
            # an operation to carry out (with a confirmation when it changes CERES)
            button = forms.leaf_button(op.name, op.label, dict(op.params))
            if button is not None:
                rows.append([button])
        if handed_over and step.ticket is None:
            where = ", ".join(
                f"{label} {state.variables[key]}"
                for key, label in (("session", "session"), ("candidate", "candidat"))
                if state.variables.get(key)
            )
            reason = " ; ".join(handed_over) + (f" ({where})" if where else "")
            rows.append([keyboards.ticket_button({
                "src": "proc", "walk": state.to_dict(), "reason": reason, "hint": "ud",
                "topic": step.article,
            })])
        article = svc.article(step.article or "")
        if article is not None:
            rows.append([keyboards.topic_button(article.id, article.title, "",
                                                texts.BUTTON_ARTICLE_PREFIX)])
        if step.ticket is not None:
            rows.append([keyboards.ticket_button({
                "src": "proc", "walk": state.to_dict(), "reason": step.ticket.reason,
                "hint": step.ticket.queue_hint, "topic": step.article,
            })])
        rows.append(
            [ButtonSpec(texts.BUTTON_RESTART, keyboards.PROCEDURE_START, {"p": step.procedure},
                        reusable=True)]
        )
    markup = await run_sync(keyboards.build, svc.store, chat_id, rows)
    await send_html(context.bot, chat_id, body, markup)


def _not_for_profile(svc: Services, login: str | None, operation: str) -> str | None:
    """Why the linked profile may not run a leaf's operation (the core's refusal), or None."""
    from ceres_core.errors import CeresError as _CeresError
    from ceres_core.services import checks

    op = catalogue.by_name(operation)
    if login is None or op is None:
        return None
    try:
        checks.check_may_run(svc.core, login, op.action)
    except _CeresError as exc:
        return exc.message
    return None


async def _advance(
    update: Update, context: ContextTypes.DEFAULT_TYPE, state: WalkState, version: int
) -> None:
    """Evaluate checks the core can answer, save the walk, show the next step."""
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    lib = svc.procedures
    step = lib.step(state)
    login: str | None = None
    login_known = False
    while step.type == "check":
        assert step.check is not None
        if not login_known:
            login = await run_sync(accounts.linked_login, svc.core, chat_id)
            login_known = True
        try:
            outcome = await run_sync(
                procedure_checks.evaluate, svc.core, login, step.check.name, dict(step.check.params)
            )
        except NotFound as exc:
            # What the user typed designates nothing in CERES: ask it again.
            await context.bot.send_message(
                chat_id, texts.CHECK_REFUSED.format(message=esc(exc.message)),
                parse_mode=ParseMode.HTML,
            )
            previous = _back_to_input(lib, state)
            if previous is None:
                break
            state, step = previous, lib.step(previous)
            break
        except CeresError as exc:
            await context.bot.send_message(
                chat_id, texts.CHECK_REFUSED.format(message=esc(exc.message)),
                parse_mode=ParseMode.HTML,
            )
            outcome = None
        if outcome is None:
            break
        label = step.check.outcome_labels.get(outcome, outcome)
        await context.bot.send_message(
            chat_id, texts.CHECK_DONE.format(text=esc(step.text), outcome=esc(label)),
            parse_mode=ParseMode.HTML,
        )
        state = lib.answer(state, outcome)
        step = lib.step(state)
    data = None if step.finished else state.to_dict()
    await run_sync(_save, svc, chat_id, data, version)
    await _render(update, context, state, step)


def _back_to_input(lib: Any, state: WalkState) -> WalkState | None:
    """The walk rewound to the last input answered (None if there is none)."""
    while state.path:
        state = lib.back(state)
        if lib.step(state).type == "input":
            return state
    return None


_ANNOUNCED_CHECK = re.compile(r"\s*Je vérifie[^.?!]*[.?!…]*")


def check_question_text(text: str, question: str) -> str:
    """A check the core could not answer, asked to the user: its text without the
    sentences announcing a check (« Je vérifie… ») and the question once."""
    text = _ANNOUNCED_CHECK.sub(" ", text).strip()
    if not text or text == question.strip() or question.strip() in text:
        return text or question
    return f"{text}\n\n{question}"


class _Slot:
    """The walk in the chat's state (None when the chat is in another mode)."""

    def __init__(self, state: conv.ChatState) -> None:
        self.data = state.data if state.mode is conv.Mode.PROCEDURE else None
        self.version = state.version


def _load_slot(svc: Services, chat_id: int) -> _Slot:
    return _Slot(conv.load(svc.core, chat_id))


def _save(svc: Services, chat_id: int, data: dict[str, Any] | None, version: int) -> int:
    mode = conv.Mode.PROCEDURE if data else conv.Mode.IDLE
    return conv.save(svc.core, chat_id, mode, data, version)


async def _restart_stale(
    update: Update, context: ContextTypes.DEFAULT_TYPE, exc: StaleStateError, procedure: str | None
) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    log.info("stale procedure state in chat %s: %s", chat_id, exc.reason)
    await context.bot.send_message(chat_id, esc(exc.message))
    slot = await run_sync(_load_slot, svc, chat_id)
    if procedure and procedure in svc.procedures:
        await _advance(update, context, await _start(svc, chat_id, procedure), slot.version)
    else:
        await run_sync(_save, svc, chat_id, None, slot.version)


# -- entry points --------------------------------------------------------------------------


async def _start(svc: Services, chat_id: int, procedure: str) -> WalkState:
    """A new walk whose texts are those of the linked account's role (its first
    profile's, as for articles); not linked: the default texts."""
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    roles = (await run_sync(accounts.account_view, svc.core, login)).roles if login else ()
    return svc.procedures.start(procedure, {"role": roles[0]} if roles else None)


async def start_procedure(update: Update, context: ContextTypes.DEFAULT_TYPE, procedure: str) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    async with svc.chat_lock(chat_id):
        slot = await run_sync(_load_slot, svc, chat_id)
        try:
            await _advance(update, context, await _start(svc, chat_id, procedure), slot.version)
        except ConcurrentUpdate:
            await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)


def _command(procedure: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is not None:
            await start_procedure(update, context, procedure)

    handler.__name__ = f"procedure_{procedure}"
    return handler


async def handle_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Typed text answering the current input step; False if no input is awaited."""
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    text = update.effective_message.text or ""  # type: ignore[union-attr]
    async with svc.chat_lock(chat_id):
        slot = await run_sync(_load_slot, svc, chat_id)
        if slot.data is None:
            return False
        try:
            state = svc.procedures.restore(slot.data)
        except StaleStateError as exc:
            await _restart_stale(update, context, exc, slot.data.get("procedure"))
            return True
        step = svc.procedures.step(state)
        if step.type != "input" or step.input is None:
            return False  # buttons are awaited: the text is a question
        if step.input.kind == "choice":
            folded = text.strip().casefold()
            value = next(
                (o.id for o in step.input.options
                 if folded in (o.id.casefold(), o.label.casefold())),
                None,
            )
            if value is None:
                return False
        else:
            try:
                value = parse_input(step.input.kind, text, svc.core.clock.today())
                if step.input.lookup:  # a session, candidate or site: checked in CERES now
                    login = await run_sync(accounts.linked_login, svc.core, chat_id)
                    found = await run_sync(
                        bot_operations.resolve_lookup, svc.core, login, step.input.lookup, value,
                        dict(state.variables), state.procedure,
                    )
                    if found.value is None:
                        rows = _choice_rows(state, [(c.value, c.label) for c in found.choices])
                        rows.append(_nav_row(state, step))
                        markup = await run_sync(keyboards.build, svc.store, chat_id, rows)
                        await send_html(context.bot, chat_id, esc(found.message), markup)
                        return True
                    value = found.value
                    if found.label and found.label != value:
                        await send_html(context.bot, chat_id, texts.PROCEDURE_FOUND.format(
                            label=esc(found.label)), None)
            except ParseError as exc:
                await context.bot.send_message(chat_id, esc(exc.message))
                return True
        try:
            state = svc.procedures.answer(state, value)
        except AnswerError as exc:
            await context.bot.send_message(chat_id, esc(exc.message))
            return True
        try:
            await _advance(update, context, state, slot.version)
        except ConcurrentUpdate:
            await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)
        return True


# -- buttons -------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    p = press.payload
    async with svc.chat_lock(chat_id):
        slot = await run_sync(_load_slot, svc, chat_id)
        try:
            state = svc.procedures.restore(slot.data) if slot.data else None
        except StaleStateError as exc:
            await optional(query.answer(), "answerCallbackQuery")
            await _restart_stale(update, context, exc, p.get("p"))
            return
        if state is None or _step_ref(state) != {"p": p.get("p"), "n": p.get("n"), "k": p.get("k")}:
            await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
            return
        op = p.get("op")
        await optional(query.answer(), "answerCallbackQuery")
        message = query.message
        try:
            if op == "cancel":
                await run_sync(_save, svc, chat_id, None, slot.version)
                if message is not None:
                    await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
                await context.bot.send_message(chat_id, texts.PROCEDURE_CANCELLED)
                return
            if op == "back":
                if message is not None:
                    await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
                await _advance(update, context, svc.procedures.back(state), slot.version)
                return
            try:
                new_state = svc.procedures.answer(state, p.get("a"))
            except AnswerError as exc:
                await context.bot.send_message(chat_id, esc(exc.message))
                return
            if message is not None and message.text_html is not None:
                await optional(
                    query.edit_message_text(
                        texts.PROCEDURE_CHOSEN.format(
                            text=message.text_html, answer=esc(p.get("l") or p.get("a"))
                        ),
                        parse_mode=ParseMode.HTML,
                    ),
                    "editMessageText",
                )
            await _advance(update, context, new_state, slot.version)
        except ConcurrentUpdate:
            await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)


async def on_restart(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    procedure = str(press.payload.get("p"))
    await optional(query.answer(), "answerCallbackQuery")
    if procedure in services(context).procedures:
        await start_procedure(update, context, procedure)


CALLBACKS = {keyboards.PROCEDURE: on_button, keyboards.PROCEDURE_START: on_restart}


def command(procedure: str):
    """The handler of ``/<procedure>`` (registered by bot.wiring)."""
    return _command(procedure)
