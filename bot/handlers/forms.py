"""Operations of the catalogue in the chat: the form, the recap, the confirmation.

1. :func:`start` (a command, a card's button, a procedure leaf): the core says first
   whether this profile may run the operation at all — if not, the user learns it now,
   with who does it and a ticket button;
2. each missing parameter is asked (pickers, search by name or CERES ID, short typed
   answers) and checked by the core as soon as it is given: a refusal names the value,
   keeps everything typed so far, and offers ◀️ Retour;
3. an operation that changes CERES ends on a recap: the sentence read from the core's
   views, ✅ Confirmer, a ✏️ button per value to change it, ✖️ Annuler;
4. ✅ Confirmer is carried out exactly once (:mod:`bot.exactly_once`), and the result
   (text, document or list) is sent from the outbox (:mod:`bot.outbox`).

The form lives in the chat's one state (:mod:`bot.conversation`, mode ``form``).
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import ContextTypes

from bot import accounts, catalogue, keyboards, outbox, texts
from bot import conversation as conv
from bot import operation_texts as T
from bot import operation_views as views
from bot.catalogue import Operation, Param
from bot.exactly_once import carry_out, finish_update_in
from bot.formatting import esc
from bot.parsing import ParseError, parse_siret
from bot.runtime import optional, run_sync, send_html, services
from bot.state import ButtonSpec, ConcurrentUpdate, InvalidButton, Press
from ceres_core.errors import CeresError
from ceres_core.services import checks

log = logging.getLogger(__name__)

RECAP = "__recap__"


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


def _tg_user(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


#: The Telegram user of the update being handled (set by the dispatcher): the owner of a
#: confirmation prepared now.
CURRENT_TG_USER: ContextVar[int | None] = ContextVar("CURRENT_TG_USER", default=None)


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, html_text: str,
                rows: list[list[ButtonSpec]] | None = None) -> None:
    svc = services(context)
    markup = await run_sync(keyboards.build, svc.store, chat_id, rows or [])
    await send_html(context.bot, chat_id, html_text, markup)


async def linked_login(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The chat's CERES login, or None after telling the user how to link the account."""
    svc = services(context)
    chat_id = _chat_id(update)
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    if login is None:
        await context.bot.send_message(chat_id, texts.OP_NOT_LINKED, parse_mode=ParseMode.HTML)
    return login


# -- buttons --------------------------------------------------------------------------------------


def run_button(label: str, operation: str, params: dict[str, str]) -> ButtonSpec:
    return ButtonSpec(label, keyboards.OPERATION, {"do": "run", "op": operation, "params": params},
                      reusable=True)


def leaf_button(operation: str, label: str, params: dict[str, str]) -> ButtonSpec | None:
    """The button a procedure leaf shows for ``operation`` (None if not in the catalogue)."""
    if catalogue.by_name(operation) is None:
        return None
    return run_button(label, operation, {k: str(v) for k, v in params.items()})


def _set(label: str, name: str, value: str) -> ButtonSpec:
    return ButtonSpec(label, keyboards.OPERATION, {"do": "set", "name": name, "value": value})


def _refused(message: str, history: list[str], choices: bool = False) -> str:
    """A refusal at a step: « ◀️ Retour » promised only when the step has it (:func:`_nav`);
    ``choices``: the step's other choices are offered below."""
    if choices:
        text = T.REFUSED_AT_STEP_CHOOSE if history else T.REFUSED_AT_FIRST_STEP_CHOOSE
    else:
        text = T.REFUSED_AT_STEP if history else T.REFUSED_AT_FIRST_STEP
    return text.format(message=esc(message))


async def _other_choices(svc: Any, login: str, p: Param, params: dict[str, Any],
                         refused: str) -> list[list[ButtonSpec]]:
    """The buttons of step ``p`` but the refused value: a session's candidates, the options
    read from the core, or the fixed choices (none for typed values)."""
    try:
        if p.kind == "candidate" and params.get("session") and p.registered:
            choices = await run_sync(views.registration_choices, svc.core, login,
                                     params["session"])
            found = [(c.value, c.label) for c in choices]
        elif p.options is not None:
            found = await run_sync(p.options, svc.core, login, params)
        else:
            found = list(p.choices)
    except CeresError as exc:  # the picker itself refused: the refusal above says enough
        log.info("no choices to offer again for %s: %s", p.name, exc.message)
        return []
    return [[_set(label, p.name, value)] for value, label in found if str(value) != str(refused)]


def _nav(history: list[str]) -> list[ButtonSpec]:
    row = []
    if history:
        row.append(ButtonSpec(T.BUTTON_BACK, keyboards.OPERATION, {"do": "back"}))
    row.append(ButtonSpec(texts.OP_CANCEL, keyboards.OPERATION, {"do": "abort"}))
    return row


# -- the form -------------------------------------------------------------------------------------


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE, op: Operation,
                params: dict[str, Any]) -> None:
    """Begin ``op`` with ``params`` already known (command arguments, a card)."""
    svc = services(context)
    chat_id = _chat_id(update)
    login = await linked_login(update, context)
    if login is None:
        return
    try:
        await run_sync(checks.check_may_run, svc.core, login, op.action)
    except CeresError as exc:
        await _send(context, chat_id, T.NOT_FOR_PROFILE.format(message=esc(exc.message)), [[
            keyboards.ticket_button({"src": "none", "q": op.menu})]])
        return
    state = await run_sync(conv.load, svc.core, chat_id)
    # The values given at once are checked in order, like typed ones.
    known: dict[str, Any] = {}
    history: list[str] = []
    for p in op.params:
        if p.name not in params or not p.asked({**known, **params}):
            continue
        value = str(params[p.name])
        try:
            if p.check is not None:
                await run_sync(p.check, svc.core, login, {**known, p.name: value})
        except CeresError as exc:
            await _send(context, chat_id, _refused(exc.message, history))
            break
        known[p.name] = value
        history.append(p.name)
    await _next(context, chat_id, login, op, known, history, state.version)


async def _next(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, op: Operation,
                params: dict[str, Any], history: list[str], version: int) -> None:
    """Ask the next missing value, else show the recap (or carry a reading out)."""
    svc = services(context)
    missing = op.missing(params)
    if missing is not None:
        await _ask(context, chat_id, login, op, params, history, missing, version)
        return
    if op.confirm is None:
        await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
        await run_now(context, chat_id, login, op, params)
        return
    try:
        prepared = await run_sync(op.confirm, svc.core, login, params)
    except CeresError as exc:
        await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
        await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))
        return
    if prepared.nothing_to_do:
        await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
        await _send(context, chat_id, prepared.html)
        return
    params = {**params, **prepared.fixed}  # what the confirmation names, carried out
    if op.requester:  # the run opens a ticket for this chat
        params[catalogue.REQUESTER_CHAT] = chat_id
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    pending = await run_sync(svc.store.create_pending, chat_id, user_id or 0,
                             CURRENT_TG_USER.get(), op.name, params, prepared.html)
    await run_sync(conv.save, svc.core, chat_id, conv.Mode.FORM,
                   {"op": op.name, "params": params, "await": RECAP, "history": history,
                    "pending": pending}, version)
    rows = [[
        ButtonSpec(texts.OP_CONFIRM, keyboards.OPERATION_DECIDE, {"pid": pending, "ok": True},
                   reusable=True),
        ButtonSpec(texts.OP_CANCEL, keyboards.OPERATION_DECIDE, {"pid": pending, "ok": False},
                   reusable=True),
    ]]
    edits = [_edit_button(op, p) for p in op.asked(params) if p.name in params]
    rows += [edits[i:i + 2] for i in range(0, len(edits), 2)]
    body = prepared.html + ("\n\n" + T.RECAP_EDIT_HINT if edits else "")
    await _send(context, chat_id, body, rows)


async def _create_record_row(svc: Any, login: str, p: Param, params: dict[str, Any],
                             found: views.Resolution) -> list[ButtonSpec]:
    """No candidate found to register: the record may not exist yet, so its creation is
    offered (then the registration to this session, first)."""
    if p.kind != "candidate" or p.registered or found.choices or not params.get("session"):
        return []
    if not await run_sync(checks.may_run, svc.core, login, "candidate.create"):
        return []
    return [run_button(T.CREATE_RECORD_BUTTON, "create_candidate",
                       {"session": str(params["session"])})]


def _edit_button(op: Operation, p: Param) -> ButtonSpec:
    label = T.BUTTON_EDIT.format(label=T.PARAM_LABEL.get(f"{op.name}.{p.name}")
                                 or T.PARAM_LABEL.get(p.name, p.name))
    return ButtonSpec(label, keyboards.OPERATION, {"do": "edit", "name": p.name})


async def _ask(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, op: Operation,
               params: dict[str, Any], history: list[str], p: Param, version: int) -> None:
    svc = services(context)
    choices: list[views.Choice] = []
    try:
        if p.kind == "session" and params.get("candidate"):
            choices = await run_sync(views.candidate_session_choices, svc.core, login,
                                     params["candidate"])
            if len(choices) == 1:  # nothing to choose: checked as if typed
                await _accept(context, chat_id, login, op, params, history, p,
                              choices[0].value, version)
                return
            if not choices:
                await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
                await _send(context, chat_id, T.NO_SESSION_FOR_CANDIDATE)
                return
        elif p.kind == "session" and p.check is not None:  # only those the step accepts
            def accept(ref: str) -> None:
                p.check(svc.core, login, {**params, "session": ref})  # type: ignore[misc]

            choices, why = await run_sync(views.session_choices_passing, svc.core, login,
                                          p.session_states, accept)
            if not choices and why:
                await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
                await _send(context, chat_id, T.NO_SESSION_PASSES.format(reason=esc(why)))
                return
        elif p.kind == "session":
            choices = await run_sync(views.session_choices_in, svc.core, login, p.session_states)
        elif p.kind == "candidate" and params.get("session") and p.registered \
                and p.pick_passing and p.check is not None:  # only those the step accepts
            def accept_candidate(ceres_id: str) -> None:
                p.check(svc.core, login, {**params, "candidate": ceres_id})  # type: ignore[misc]

            choices, why = await run_sync(views.registration_choices_passing, svc.core, login,
                                          params["session"], accept_candidate)
            if not choices and why:
                await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
                await _send(context, chat_id, T.NO_CANDIDATE_PASSES.format(reason=esc(why)))
                return
        elif p.kind == "candidate" and params.get("session") and p.registered:
            choices = await run_sync(views.registration_choices, svc.core, login, params["session"])
        elif p.options is not None:  # read from the core now
            found = await run_sync(p.options, svc.core, login, params)
            if p.pick_passing and p.check is not None:  # only those the step accepts
                def accept_option(value: str) -> None:
                    p.check(svc.core, login, {**params, p.name: value})  # type: ignore[misc]

                found, why = await run_sync(views.options_passing, found, accept_option)
                if not found and why:
                    await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
                    none = T.NO_OPTION_PASSES_FOR.get(f"{op.name}.{p.name}", T.NO_OPTION_PASSES)
                    await _send(context, chat_id, none.format(reason=esc(why)))
                    return
            choices = [views.Choice(v, label) for v, label in found]
        elif p.kind == "choice":
            choices = [views.Choice(v, label) for v, label in p.choices]
        elif p.kind == "site":
            choices = await run_sync(views.site_choices, svc.core, login)
        if p.optional:
            empty = T.EMPTY_ANSWER.get(p.name) or (
                T.NO_REASON if p.name == "reason" else T.NO_COMMENT)
            choices.append(views.Choice("", empty))
    except CeresError as exc:
        await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, version)
        await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))
        return
    await run_sync(conv.save, svc.core, chat_id, conv.Mode.FORM,
                   {"op": op.name, "params": params, "await": p.name, "history": history},
                   version)
    rows = [[_set(c.label, p.name, c.value)] for c in choices]
    rows.append(_nav(history))
    await _send(context, chat_id, esc(p.prompt(op.name, params)), rows)


async def _accept(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, op: Operation,
                  params: dict[str, Any], history: list[str], p: Param, value: str,
                  version: int) -> None:
    """A value given for ``p``: the core's check now; a refusal keeps everything."""
    svc = services(context)
    new = {**params, p.name: value}
    if p.check is not None and (value or not p.optional or p.check_empty):
        try:
            await run_sync(p.check, svc.core, login, new)
        except CeresError as exc:
            await run_sync(conv.save, svc.core, chat_id, conv.Mode.FORM,
                           {"op": op.name, "params": params, "await": p.name,
                            "history": history}, version)
            # The step's other choices again: a refused pick is not a dead end.
            rows = await _other_choices(svc, login, p, params, value)
            choose = bool(rows)
            fix = catalogue.remedy(exc.rule, new)  # the refusal's remedy, when in the chat
            fix_op = catalogue.by_name(fix[1]) if fix else None
            if fix and fix_op and await run_sync(checks.may_run, svc.core, login, fix_op.action):
                rows.insert(0, [run_button(*fix)])
            await _send(context, chat_id, _refused(exc.message, history, choose),
                        rows + [_nav(history)])
            return
    # A value changed from the recap: what depends on it is asked again.
    for later in op.params[op.params.index(p) + 1:]:
        if not later.asked(new):
            new.pop(later.name, None)
    history = [h for h in history if h != p.name] + [p.name]
    await _next(context, chat_id, login, op, new, history, version)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE, state: conv.ChatState) -> None:
    """Typed text while a form is open (the dispatcher sends it here)."""
    svc = services(context)
    chat_id = _chat_id(update)
    text = update.effective_message.text or ""  # type: ignore[union-attr]
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    op = catalogue.by_name(str(state.data.get("op")))
    if login is None or op is None:
        await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, state.version)
        await context.bot.send_message(chat_id, texts.OP_NOT_LINKED, parse_mode=ParseMode.HTML)
        return
    params = dict(state.data.get("params") or {})
    history = list(state.data.get("history") or [])
    name = state.data.get("await")
    if name == RECAP:
        await context.bot.send_message(chat_id, texts.OP_USE_RECAP_BUTTONS)
        return
    p = next((x for x in op.params if x.name == name), None)
    if p is None:
        await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, state.version)
        return
    try:
        if p.kind in ("session", "candidate", "site", "juror"):
            found = await run_sync(views.resolve_lookup, svc.core, login, p.kind, text, params,
                                   None, p.registered)
            if found.value is None and await _question_instead(
                    update, context, login, op, params, history, p, state.version, text):
                return
            if found.value is None:
                rows = [[_set(c.label, p.name, c.value)] for c in found.choices]
                message = esc(found.message)
                create = await _create_record_row(svc, login, p, params, found)
                if create:
                    rows.append(create)
                    message += "\n" + T.CREATE_RECORD_HINT
                rows.append(_nav(history))
                await _send(context, chat_id, message, rows)
                return
            value = found.value
        else:
            value = p.parse(text, svc.core.clock.today())
    except ParseError as exc:
        if await _question_instead(update, context, login, op, params, history, p,
                                   state.version, text):
            return
        # A choice typed wrong: its buttons again, with the way back.
        rows = []
        if p.kind == "choice":
            try:
                found = (await run_sync(p.options, svc.core, login, params)
                         if p.options is not None else list(p.choices))
            except CeresError:
                found = []
            rows = [[_set(label, p.name, value)] for value, label in found]
        await _send(context, chat_id, _refused(exc.message, history), rows + [_nav(history)])
        return
    await _accept(context, chat_id, login, op, params, history, p, value, state.version)


#: A text this long, or with a question mark, may be a question rather than a value.
QUESTION_MIN_WORDS = 5


def _looks_like_question(text: str) -> bool:
    return "?" in text or len(text.split()) >= QUESTION_MIN_WORDS


async def _question_instead(update: Update, context: ContextTypes.DEFAULT_TYPE, login: str,
                            op: Operation, params: dict[str, Any], history: list[str], p: Param,
                            version: int, text: str) -> bool:
    """A question or a word of small talk typed while the form waits for a value.

    Only when the text is not a value of the awaited kind (no value found, or not
    readable): a question that the knowledge base answers surely gets its answer, a
    message that is small talk as a whole (« merci ») its reply — rather than a search
    for a session called « MERCI » — then the form asks its step again;
    nothing typed so far is lost. Returns whether the text was taken that way."""
    from bot.handlers import questions  # the answers' journey (imports this module's peers)

    svc = services(context)
    chat_id = _chat_id(update)
    understood = svc.conversation.understand(text, None, None)
    if understood.kind == "smalltalk":
        await send_html(context.bot, chat_id, esc(understood.reply or ""), None)
    elif understood.kind == "answers" and _looks_like_question(text):
        await questions.answer_question(update, context, text)
    else:
        return False
    await _send(context, chat_id, T.FORM_STILL_OPEN.format(title=esc(op.menu)))
    await _ask(context, chat_id, login, op, params, history, p, version)
    return True


async def run_now(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, op: Operation,
                  params: dict[str, Any]) -> None:
    """An operation that only reads: run it, show its result."""
    svc = services(context)
    try:
        outcome = await run_sync(op.run, svc.core, login, params)
    except CeresError as exc:
        await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))
        return
    if outcome.document is not None:
        filename, content = outcome.document
        await outbox.send_document(context.bot, svc, chat_id, filename, content, outcome.html)
        return
    await _send(context, chat_id, outcome.html, _result_rows(outcome))


def _result_rows(outcome: views.Outcome) -> list[list[ButtonSpec]]:
    rows = [[ButtonSpec(c.label, keyboards.OPERATION, {"do": "card", "s": c.value}, reusable=True)]
            for c in outcome.choices]
    if outcome.back_to_session:
        rows.append([ButtonSpec(T.BACK_TO_SESSION, keyboards.OPERATION,
                                {"do": "card", "s": outcome.back_to_session}, reusable=True)])
    rows += [[run_button(label, op, params)] for label, op, params in outcome.runs]
    return rows


# -- buttons --------------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    p = press.payload
    action = p.get("do")
    await optional(query.answer(), "answerCallbackQuery")  # a late press still works
    if action == "abort":
        await run_sync(conv.reset, svc.core, chat_id)
        await run_sync(svc.store.cancel_pending_of_chat, chat_id)
        await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
        await context.bot.send_message(chat_id, T.FORM_CANCELLED)
        return
    login = await linked_login(update, context)
    if login is None:
        return
    try:
        async with svc.chat_lock(chat_id):
            if action == "run":
                op = catalogue.by_name(str(p.get("op")))
                if op is not None:
                    await start(update, context, op, dict(p.get("params") or {}))
            elif action == "card":
                await show_session_card(context, chat_id, login, str(p["s"]))
            elif action == "cands":
                await _show_candidates(context, chat_id, login, str(p["s"]))
            elif action == "cand":
                await _show_candidate(context, chat_id, login, str(p["s"]), str(p["c"]))
            elif action in ("set", "back", "edit"):
                await _form_button(update, context, login, p, query)
            else:
                log.warning("operation button with unknown action %r", action)
    except ConcurrentUpdate:
        await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)


async def _form_button(update: Update, context: ContextTypes.DEFAULT_TYPE, login: str,
                       p: dict[str, Any], query: Any) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    state = await run_sync(conv.load, svc.core, chat_id)
    op = catalogue.by_name(str(state.data.get("op"))) if state.mode is conv.Mode.FORM else None
    if op is None:
        await context.bot.send_message(chat_id, texts.BUTTON_EXPIRED)
        return
    params = dict(state.data.get("params") or {})
    history = list(state.data.get("history") or [])
    if state.data.get("pending"):  # leaving the recap: its confirmation is void
        await run_sync(svc.store.cancel_pending_of_chat, chat_id)
    action = p.get("do")
    if action == "set":
        if state.data.get("await") != p.get("name"):
            await context.bot.send_message(chat_id, texts.BUTTON_EXPIRED)
            return
        param = next(x for x in op.params if x.name == p["name"])
        label = _pressed_label(query, str(p.get("value")))
        if query.message is not None and query.message.text_html is not None:
            await optional(query.edit_message_text(
                texts.PROCEDURE_CHOSEN.format(text=query.message.text_html, answer=esc(label)),
                parse_mode=ParseMode.HTML), "editMessageText")
        await _accept(context, chat_id, login, op, params, history, param, str(p["value"]),
                      state.version)
    elif action == "back":
        if not history:
            await context.bot.send_message(chat_id, T.NOTHING_BEFORE)
            return
        last = history.pop()
        params.pop(last, None)
        param = next(x for x in op.params if x.name == last)
        await _ask(context, chat_id, login, op, params, history, param, state.version)
    elif action == "edit":
        param = next((x for x in op.params if x.name == p.get("name")), None)
        if param is None:
            return
        await _ask(context, chat_id, login, op, params, history, param, state.version)


def _pressed_label(query: Any, default: str) -> str:
    markup = query.message.reply_markup if query.message is not None else None
    for row in (markup.inline_keyboard if markup else ()):
        for b in row:
            if b.callback_data == query.data:
                return b.text
    return default


async def on_decide(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """✅ Confirmer / ✖️ Annuler of a recap: carried out exactly once, by its owner only."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    tg_user = _tg_user(update)
    try:
        pending_id = int(press.payload["pid"])
    except (KeyError, TypeError, ValueError):
        await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
        return
    if not press.payload.get("ok"):
        try:
            await run_sync(svc.store.cancel_pending, pending_id, chat_id, tg_user)
        except InvalidButton as exc:
            log.info("refused cancellation in chat %s: %s", chat_id, exc.reason)
            await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
            return
        await optional(query.answer(texts.BUTTON_DONE), "answerCallbackQuery")
        await run_sync(conv.reset, svc.core, chat_id)
        await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
        await context.bot.send_message(chat_id, T.CONFIRM_CANCELLED)
        return
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    pending = await run_sync(svc.store.pending_by_id, pending_id)
    op = catalogue.by_name(pending.operation) if pending is not None else None
    if login is None or op is None:
        await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
        return

    def reply(db: Any, core: Any, outcome: Any, error: CeresError | None) -> int:
        from bot.conversation import Mode, save_in
        from bot.models import Conversation

        row = db.get(Conversation, chat_id)
        if row is not None and row.mode == Mode.FORM.value and (row.data or {}).get(
                "pending") == pending_id:
            save_in(db, chat_id, Mode.IDLE, None, row.version, core.clock.now())
        finish_update_in(db, core, update.update_id)
        if error is not None:
            return outbox.enqueue(db, core, chat_id,
                                  texts.OP_REFUSED.format(message=esc(error.message)))
        rows = _result_rows(outcome)
        markup = keyboards.build_in(db, svc.store, chat_id, rows) if rows else None
        return outbox.enqueue(db, core, chat_id, outcome.html, reply_markup=markup,
                              document=outcome.document, ticket_id=outcome.ticket_id)

    try:
        await run_sync(carry_out, svc.core, pending_id, chat_id, tg_user, user_id, op.run, reply,
                       login)
    except InvalidButton as exc:
        log.info("refused confirmation in chat %s: %s", chat_id, exc.reason)
        await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
        return
    await optional(query.answer(), "answerCallbackQuery")
    await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
    await outbox.flush(context.bot, svc, chat_id)


# -- cards -----------------------------------------------------------------------------------------


async def show_session_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str,
                            ref: str) -> None:
    svc = services(context)
    try:
        card = await run_sync(views.session_card, svc.core, login, ref)
        actions = await run_sync(catalogue.card_operations, svc.core, login, "session", card.params)
    except CeresError as exc:
        await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))
        return
    rows = [[run_button(a.label, a.operation, a.params)] for a in actions]
    if card.candidates:
        rows.append([ButtonSpec(texts.OP_CANDIDATES_BUTTON.format(count=len(card.candidates)),
                                keyboards.OPERATION, {"do": "cands", "s": ref}, reusable=True)])
    await _send(context, chat_id, card.html, rows)


async def _show_candidates(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str,
                           ref: str) -> None:
    svc = services(context)
    try:
        choices = await run_sync(views.registration_choices, svc.core, login, ref)
    except CeresError as exc:
        await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))
        return
    if not choices:
        await _send(context, chat_id, T.NO_CANDIDATES)
        return
    rows = [[ButtonSpec("👤 " + c.label, keyboards.OPERATION, {"do": "cand", "s": ref, "c": c.value},
                        reusable=True)] for c in choices]
    await _send(context, chat_id, T.CANDIDATES.format(ref=esc(ref)), rows)


async def _show_candidate(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, ref: str,
                          ceres_id: str) -> None:
    svc = services(context)
    try:
        card = await run_sync(views.candidate_card, svc.core, login, ref, ceres_id)
        actions = await run_sync(catalogue.card_operations, svc.core, login, "candidate",
                                 card.params)
    except CeresError as exc:
        await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))
        return
    rows = [[run_button(a.label, a.operation, a.params)] for a in actions]
    await _send(context, chat_id, card.html, rows)


# -- commands ------------------------------------------------------------------------------------


def args_params(op: Operation, args: list[str]) -> dict[str, str]:
    """Values given after the command: ``/duplicata REF CERES_ID``, ``/centre SIRET``…"""
    if not args:
        return {}
    kinds = [p.kind for p in op.params]
    if kinds and kinds[0] == "siret":
        return {op.params[0].name: parse_siret(" ".join(args))}
    if kinds and kinds[0] == "count" and len(args) == 1 and args[0].strip().isdigit():
        return {op.params[0].name: str(int(args[0]))}  # /pnd_renvoye 12, /habilitation 7
    if kinds[:2] == ["site", "siret"]:  # /transfert_site SITE SIRET, /centre SITE SIRET
        siret_name = op.params[1].name
        with contextlib.suppress(ParseError):  # /centre SIRET: the site is asked
            return {siret_name: parse_siret(" ".join(args))}
        out = {"site": args[0].upper()}
        if len(args) > 1:
            out[siret_name] = parse_siret(" ".join(args[1:]))
        return out
    out: dict[str, str] = {}
    for arg in args:
        value = arg.strip().upper()
        if "_" in value and "session" in kinds:
            out["session"] = views.normalise_session_ref(value)
        elif "candidate" in kinds and views.normalise_candidate_id(value):
            # /signaler_doublon C1 C2: the candidate params in their order
            free = [p.name for p in op.params if p.kind == "candidate" and p.name not in out]
            if free:
                out[free[0]] = views.normalise_candidate_id(value) or value
    return out


async def command(update: Update, context: ContextTypes.DEFAULT_TYPE, op: Operation) -> None:
    chat_id = _chat_id(update)
    try:
        params = args_params(op, list(context.args or []))
    except ParseError as exc:
        await context.bot.send_message(chat_id, esc(exc.message))
        return
    svc = services(context)
    async with svc.chat_lock(chat_id):
        try:
            await start(update, context, op, params)
        except ConcurrentUpdate:
            await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)


async def start_action(update: Update, context: ContextTypes.DEFAULT_TYPE, name: str,
                       params: Any = None, token: str = "") -> bool:
    """Start the core's action ``name`` (a reminder's or a live answer's button) the way
    the catalogue's own buttons do (:func:`bot.catalogue.start_by_action`, the one table);
    ``False`` when the chat has no such operation. Called on a button press."""
    payload = catalogue.start_by_action(name, params)
    if payload is None:
        return False
    await on_button(update, context, Press(token, keyboards.OPERATION, payload))
    return True


CALLBACKS = {keyboards.OPERATION: on_button, keyboards.OPERATION_DECIDE: on_decide}
