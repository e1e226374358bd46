"""Operations in chat for linked users: sessions, printing, duplicates, PND, attestation,
DTE timeline and order, centre registration and site transfer.

Every operation goes the same way (:func:`begin`):

1. the missing parameters are asked one by one (session and candidate pickers,
   a candidate search, short typed answers), the form being kept in the database
   (:mod:`bot.handlers.op_forms`);
2. an operation that changes CERES is shown as one sentence naming exactly what
   will happen, read from the core's views (:func:`bot.operations.confirmation`),
   stored with :meth:`~bot.state.StateStore.create_pending` and decided once with
   Confirmer / Annuler (:meth:`~bot.state.StateStore.decide_pending`);
3. the core carries it out (:func:`bot.operations.execute`); a refusal
   (:class:`~ceres_core.errors.CeresError`) is shown with its message as is.

Procedure leaves reach the same code through their ``operation`` buttons. No rule of
the domain is checked here: the core checks the actor's scope and every rule.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InputFile, Update
from telegram.constants import ParseMode
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import accounts, keyboards, texts
from bot import operations as ops
from bot.downloads import create_link, link_url
from bot.formatting import esc, truncate
from bot.handlers.op_forms import clear_form, load_form, save_form
from bot.parsing import ParseError, parse_siret
from bot.runtime import Services, optional, run_sync, send_html, services
from bot.state import ButtonSpec, ConcurrentUpdate, InvalidButton, Press
from ceres_core.errors import CeresError

log = logging.getLogger(__name__)

#: Command → operation (each command may carry the first parameters).
COMMANDS: dict[str, str] = {
    "impression": "request_print",
    "duplicata": "request_duplicate",
    "pnd": "record_pnd",
    "attestation": "attestation_reussite",
    "calendrier_dte": "dte_timeline",
    "commande_dte": "order_dte",
    "centre": "register_centre",
    "transfert_site": "transfer_site",
}

#: Descriptions for the command menu (setMyCommands).
MENU: list[tuple[str, str]] = [
    ("sessions", "Mes sessions : état, impressions, DTE"),
    ("impression", "Envoyer une session pour impression"),
    ("duplicata", "Demander un duplicata"),
    ("pnd", "Pli non distribuable : nouvelle adresse"),
    ("attestation", "Attestation de réussite"),
    ("calendrier_dte", "Calendrier du DTE d'une session"),
    ("commande_dte", "Commander le DTE d'une session"),
    ("centre", "Enregistrer un centre (DREETS)"),
    ("transfert_site", "Transférer un site (DREETS)"),
]


def _chat_id(update: Update) -> int:
    assert update.effective_chat is not None
    return update.effective_chat.id


async def _send(context: ContextTypes.DEFAULT_TYPE, chat_id: int, html_text: str,
                rows: list[list[ButtonSpec]] | None = None) -> None:
    svc = services(context)
    markup = await run_sync(keyboards.build, svc.store, chat_id, rows or [])
    await send_html(context.bot, chat_id, html_text, markup)


async def _refused(context: ContextTypes.DEFAULT_TYPE, chat_id: int, exc: CeresError) -> None:
    await _send(context, chat_id, texts.OP_REFUSED.format(message=esc(exc.message)))


async def linked_login(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str | None:
    """The chat's CERES login, or None after telling the user how to link the account."""
    svc = services(context)
    chat_id = _chat_id(update)
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    if login is None:
        await context.bot.send_message(chat_id, texts.OP_NOT_LINKED, parse_mode=ParseMode.HTML)
    return login


def _op_button(label: str, operation: str, params: dict[str, str]) -> ButtonSpec:
    return ButtonSpec(label, keyboards.OPERATION, {"do": "run", "op": operation, "params": params},
                      reusable=True)


def leaf_button(operation: str, label: str, params: dict[str, str]) -> ButtonSpec | None:
    """The button a procedure leaf shows for ``operation`` (None if not available here)."""
    if not ops.supports(operation):
        return None
    return _op_button(label, operation, {k: str(v) for k, v in params.items()})


async def lookup_choices(svc: Services, chat_id: int, lookup: str,
                         variables: dict[str, str], procedure: str | None = None
                         ) -> list[tuple[str, str]]:
    """Buttons for a procedure input with ``lookup`` (the linked user's sessions…)."""
    login = await run_sync(accounts.linked_login, svc.core, chat_id)
    choices = await run_sync(ops.lookup_choices, svc.core, login, lookup, variables, procedure)
    return [(c.value, c.label) for c in choices]


# -- the operation pipeline ------------------------------------------------------------------


async def begin(update: Update, context: ContextTypes.DEFAULT_TYPE, login: str, operation: str,
                params: dict[str, Any], version: int | None = None) -> None:
    """Ask the next missing parameter, else confirm (or carry out) the operation."""
    svc = services(context)
    chat_id = _chat_id(update)
    if version is None:
        version = (await run_sync(load_form, svc.core, chat_id)).version
    missing = ops.next_missing(operation, params)
    if missing is not None:
        await _ask(update, context, login, operation, params, missing, version)
        return
    await run_sync(save_form, svc.core, chat_id, None, version)
    if not ops.needs_confirmation(operation):
        await carry_out(context, chat_id, login, operation, params)
        return
    try:
        prepared = await run_sync(ops.confirmation, svc.core, login, operation, params)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    if prepared.nothing_to_do:
        await _send(context, chat_id, prepared.html)
        return
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    pending = await run_sync(
        svc.store.create_pending, chat_id, user_id or 0, operation, params, prepared.html
    )
    rows = [[
        ButtonSpec(texts.OP_CONFIRM, keyboards.OPERATION_DECIDE, {"pid": pending, "ok": True}),
        ButtonSpec(texts.OP_CANCEL, keyboards.OPERATION_DECIDE, {"pid": pending, "ok": False}),
    ]]
    await _send(context, chat_id, prepared.html, rows)


async def carry_out(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, operation: str,
                    params: dict[str, Any]) -> None:
    svc = services(context)
    if operation == "list_sessions":  # with a button per session
        await show_sessions(context, chat_id, login)
        return
    try:
        outcome = await run_sync(ops.execute, svc.core, login, operation, params)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    if outcome.document is None:
        rows = []
        if operation == "dte_timeline" and params.get("session"):
            rows = [[ButtonSpec("🗂️ Retour à la session", keyboards.OPERATION,
                                {"do": "card", "s": params["session"]}, reusable=True)]]
        await _send(context, chat_id, outcome.html, rows)
        return
    filename, content = outcome.document
    await send_document(context, chat_id, filename, content, outcome.html)


async def send_document(context: ContextTypes.DEFAULT_TYPE, chat_id: int, filename: str,
                        content: bytes, caption_html: str) -> None:
    """``sendDocument`` when the server takes it, else a one-time download link."""
    svc = services(context)
    sent = await optional(
        context.bot.send_document(
            chat_id, document=InputFile(content, filename=filename),
            caption=caption_html, parse_mode=ParseMode.HTML,
        ),
        "sendDocument",
    )
    if sent is not None:
        return
    public_url = svc.config.public_url if svc.config is not None else None
    if not public_url:
        await _send(context, chat_id, texts.OP_NO_DOWNLOAD.format(caption=caption_html))
        return
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    token = await run_sync(create_link, svc.core, chat_id, user_id or 0, filename, content)
    url = link_url(public_url, token)
    await _send(context, chat_id, texts.OP_DOCUMENT_LINK.format(caption=caption_html, url=esc(url)))


# -- asking the parameters -----------------------------------------------------------------


def _set_button(label: str, operation: str, name: str, value: str) -> ButtonSpec:
    return ButtonSpec(label, keyboards.OPERATION,
                      {"do": "set", "op": operation, "name": name, "value": value})


def _abort_button() -> ButtonSpec:
    return ButtonSpec(texts.OP_CANCEL, keyboards.OPERATION, {"do": "abort"})


async def _ask(update: Update, context: ContextTypes.DEFAULT_TYPE, login: str, operation: str,
               params: dict[str, Any], name: str, version: int) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    prompt_key = name
    choices: list[ops.Choice] = []
    try:
        if name == "session":
            if params.get("candidate"):
                prompt_key = "session_of_candidate"
                choices = await run_sync(
                    ops.candidate_session_choices, svc.core, login, params["candidate"]
                )
                if len(choices) == 1:  # nothing to choose
                    await begin(update, context, login, operation,
                                {**params, "session": choices[0].value}, version)
                    return
                if not choices:
                    await run_sync(save_form, svc.core, chat_id, None, version)
                    await _send(context, chat_id, texts.OP_NO_SESSION_FOR_CANDIDATE)
                    return
            else:
                choices = await run_sync(ops.session_choices, svc.core, login, operation)
        elif name == "candidate" and params.get("session"):
            prompt_key = "candidate_in_session"
            choices = await run_sync(ops.registration_choices, svc.core, login, params["session"])
        elif name == "rs_kind":
            choices = [ops.Choice(v, label) for v, label in ops.RS_CHOICES]
        elif name == "comment":
            choices = [ops.Choice("", texts.OP_NO_COMMENT)]
        elif name == "site":
            choices = await run_sync(ops.site_choices, svc.core, login)
    except CeresError as exc:
        await run_sync(save_form, svc.core, chat_id, None, version)
        await _refused(context, chat_id, exc)
        return
    await run_sync(save_form, svc.core, chat_id,
                   {"op": operation, "params": params, "await": name}, version)
    rows = [[_set_button(c.label, operation, name, c.value)] for c in choices]
    rows.append([_abort_button()])
    await _send(context, chat_id, esc(texts.OP_ASK[prompt_key]), rows)


async def on_form_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Typed answer to the parameter asked (runs before questions and procedures)."""
    message = update.effective_message
    if message is None or not message.text or update.effective_chat is None:
        return
    svc = services(context)
    chat_id = _chat_id(update)
    async with svc.chat_lock(chat_id):
        slot = await run_sync(load_form, svc.core, chat_id)
        form = slot.data
        if not form:
            return  # not ours: the question and procedure handlers take it
        login = await run_sync(accounts.linked_login, svc.core, chat_id)
        if login is None:
            await run_sync(save_form, svc.core, chat_id, None, slot.version)
            await context.bot.send_message(chat_id, texts.OP_NOT_LINKED, parse_mode=ParseMode.HTML)
            raise ApplicationHandlerStop
        operation, params, name = form["op"], dict(form["params"]), form["await"]
        text = message.text
        try:
            if name == "candidate":
                await _search(update, context, login, operation, params, text, slot.version)
                raise ApplicationHandlerStop
            value = ops.parse_param(name, text)
            if name in ("session", "site"):  # checked in CERES now, not at the end
                found = await run_sync(ops.resolve_lookup, svc.core, login, name, text,
                                       params, None)
                if found.value is None:
                    rows = [[_set_button(c.label, operation, name, c.value)] for c in found.choices]
                    rows.append([_abort_button()])
                    await _send(context, chat_id, esc(found.message), rows)
                    raise ApplicationHandlerStop
                value = found.value
        except ParseError as exc:
            await context.bot.send_message(chat_id, exc.message)
            raise ApplicationHandlerStop from None
        try:
            await begin(update, context, login, operation, {**params, name: value}, slot.version)
        except ConcurrentUpdate:
            await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)
    raise ApplicationHandlerStop


async def _search(update: Update, context: ContextTypes.DEFAULT_TYPE, login: str, operation: str,
                  params: dict[str, Any], query: str, version: int) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    query = " ".join(query.split())
    try:
        hits = await run_sync(ops.candidate_search, svc.core, login, query)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    if len(hits) == 1 and hits[0].value == query.upper():
        await begin(update, context, login, operation, {**params, "candidate": hits[0].value}, version)
        return
    if not hits:
        await _send(context, chat_id, texts.OP_SEARCH_NONE.format(query=esc(query)), [[_abort_button()]])
        return
    rows = [[_set_button(h.label, operation, "candidate", h.value)] for h in hits]
    rows.append([_abort_button()])
    await _send(context, chat_id, texts.OP_SEARCH_RESULTS.format(query=esc(query)), rows)


async def on_any_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A new command abandons the operation form in progress (/annuler says so)."""
    if update.effective_chat is None or update.effective_message is None:
        return
    svc = services(context)
    chat_id = _chat_id(update)
    had_form = await run_sync(clear_form, svc.core, chat_id)
    text = (update.effective_message.text or "").split("@")[0].strip()
    if had_form and text.split()[0] in ("/annuler", "/cancel"):
        slot = await run_sync(svc.store.load_procedure, chat_id)
        if slot.data is None:  # no procedure either: answer here
            await context.bot.send_message(chat_id, texts.OP_FORM_CANCELLED)
            raise ApplicationHandlerStop


# -- commands --------------------------------------------------------------------------------


async def cmd_sessions(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.effective_chat is None:
        return
    login = await linked_login(update, context)
    if login is None:
        return
    await show_sessions(context, _chat_id(update), login)


async def show_sessions(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str) -> None:
    svc = services(context)
    try:
        body, choices = await run_sync(ops.sessions_html, svc.core, login)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    rows = [[ButtonSpec(c.label, keyboards.OPERATION, {"do": "card", "s": c.value}, reusable=True)]
            for c in choices]
    await _send(context, chat_id, body, rows)


def _args_params(operation: str, args: list[str]) -> dict[str, str]:
    """Parameters given after the command: ``/duplicata REF CERES_ID``, ``/centre SIRET``…"""
    if not args:
        return {}
    if operation == "register_centre":
        return {"siret": parse_siret(" ".join(args))}
    if operation == "transfer_site":
        out = {"site": args[0].upper()}
        if len(args) > 1:
            out["target_siret"] = parse_siret(" ".join(args[1:]))
        return out
    out: dict[str, str] = {}
    for arg in args:
        value = arg.strip().upper()
        if "_" in value:
            out["session"] = value
        elif "candidate" in ops.PARAMS[operation]:
            out["candidate"] = value
    return out


def _command(operation: str):
    async def handler(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.effective_chat is None:
            return
        login = await linked_login(update, context)
        if login is None:
            return
        svc = services(context)
        chat_id = _chat_id(update)
        try:
            params = _args_params(operation, list(context.args or []))
        except ParseError as exc:
            await context.bot.send_message(chat_id, exc.message)
            return
        async with svc.chat_lock(chat_id):
            # An operation started by a command replaces a procedure in progress.
            await run_sync(svc.store.clear_procedure, chat_id)
            try:
                await begin(update, context, login, operation, params)
            except ConcurrentUpdate:
                await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)

    handler.__name__ = f"operation_{operation}"
    return handler


# -- buttons ---------------------------------------------------------------------------------


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    p = press.payload
    action = p.get("do")
    await query.answer()
    if action == "abort":
        await run_sync(clear_form, svc.core, chat_id)
        await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
        await context.bot.send_message(chat_id, texts.OP_FORM_CANCELLED)
        return
    login = await linked_login(update, context)
    if login is None:
        return
    try:
        async with svc.chat_lock(chat_id):
            if action == "set":
                await _on_set(update, context, login, p, query)
            elif action == "run":
                await begin(update, context, login, str(p["op"]), dict(p.get("params") or {}))
            elif action == "card":
                await _show_card(context, chat_id, login, str(p["s"]))
            elif action == "cands":
                await _show_candidates(context, chat_id, login, str(p["s"]))
            elif action == "cand":
                await _show_candidate(context, chat_id, login, str(p["s"]), str(p["c"]))
            else:
                log.warning("operation button with unknown action %r", action)
    except ConcurrentUpdate:
        await context.bot.send_message(chat_id, texts.PROCEDURE_BUSY)


async def _on_set(update: Update, context: ContextTypes.DEFAULT_TYPE, login: str,
                  p: dict[str, Any], query: Any) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    slot = await run_sync(load_form, svc.core, chat_id)
    form = slot.data
    if not form or form.get("op") != p.get("op") or form.get("await") != p.get("name"):
        await context.bot.send_message(chat_id, texts.BUTTON_EXPIRED)
        return
    if query.message is not None and query.message.text_html is not None:
        label = next(
            (b.text for row in (query.message.reply_markup.inline_keyboard
                                if query.message.reply_markup else ())
             for b in row if b.callback_data == query.data),
            str(p.get("value")),
        )
        await optional(
            query.edit_message_text(
                texts.PROCEDURE_CHOSEN.format(text=query.message.text_html, answer=esc(label)),
                parse_mode=ParseMode.HTML,
            ),
            "editMessageText",
        )
    params = {**dict(form["params"]), str(p["name"]): str(p["value"])}
    await begin(update, context, login, str(form["op"]), params, slot.version)


async def _show_card(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, ref: str) -> None:
    svc = services(context)
    try:
        card = await run_sync(ops.session_card, svc.core, login, ref)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    rows = [[_op_button(label, op, params)] for op, params, label in card.actions]
    if card.candidates:
        rows.append([ButtonSpec(f"👥 Candidats ({len(card.candidates)})", keyboards.OPERATION,
                                {"do": "cands", "s": ref}, reusable=True)])
    await _send(context, chat_id, card.html, rows)


async def _show_candidates(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str,
                           ref: str) -> None:
    svc = services(context)
    try:
        choices = await run_sync(ops.registration_choices, svc.core, login, ref)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    if not choices:
        await _send(context, chat_id, texts.OP_NO_CANDIDATES)
        return
    rows = [[ButtonSpec("👤 " + c.label, keyboards.OPERATION, {"do": "cand", "s": ref, "c": c.value},
                        reusable=True)] for c in choices]
    await _send(context, chat_id, texts.OP_CANDIDATES.format(ref=esc(ref)), rows)


async def _show_candidate(context: ContextTypes.DEFAULT_TYPE, chat_id: int, login: str, ref: str,
                          ceres_id: str) -> None:
    svc = services(context)
    try:
        card = await run_sync(ops.candidate_card, svc.core, login, ref, ceres_id)
    except CeresError as exc:
        await _refused(context, chat_id, exc)
        return
    rows = [[_op_button(label, op, params)] for op, params, label in card.actions]
    await _send(context, chat_id, card.html, rows)


async def on_decide(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """Confirmer / Annuler of a pending operation: decided once, then carried out."""
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    confirmed = bool(press.payload.get("ok"))
    try:
        row = await run_sync(
            svc.store.decide_pending, int(press.payload["pid"]), chat_id,
            "confirmed" if confirmed else "cancelled",
        )
    except (InvalidButton, KeyError, ValueError) as exc:
        log.info("refused confirmation in chat %s: %s", chat_id, exc)
        await query.answer(texts.BUTTON_EXPIRED)
        return
    await query.answer(None if confirmed else texts.BUTTON_DONE)  # the result follows
    await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
    if not confirmed:
        await context.bot.send_message(chat_id, texts.OP_CANCELLED)
        return
    login = await linked_login(update, context)
    if login is None:
        return
    user_id = await run_sync(accounts.linked_user_id, svc.core, chat_id)
    if user_id != row.user_id:
        await context.bot.send_message(chat_id, texts.OP_OTHER_ACCOUNT)
        return
    await carry_out(context, chat_id, login, row.operation, dict(row.params))


CALLBACKS = {keyboards.OPERATION: on_button, keyboards.OPERATION_DECIDE: on_decide}


def menu() -> list[tuple[str, str]]:
    return [(name, truncate(description, 256)) for name, description in MENU]


def register(app: Application) -> None:
    # Before everything else: a new command abandons a form; typed text fills it.
    app.add_handler(MessageHandler(filters.COMMAND, on_any_command), group=-2)
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_form_text), group=-1)
    app.add_handler(CommandHandler("sessions", cmd_sessions))
    for command, operation in COMMANDS.items():
        app.add_handler(CommandHandler(command, _command(operation)))


__all__ = ["CALLBACKS", "begin", "leaf_button", "register"]
