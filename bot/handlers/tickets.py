"""The helpdesk in the chat: open a ticket, follow it, talk to the person handling it, rate it.

Opening (``/ticket`` or the "Ouvrir un ticket" button of an answer, of a ``none``
answer and of a procedure leaf that offers a ticket) is a short flow kept in
``bot_ticket_draft``: the subject, prefilled from the question or the procedure, is
confirmed (or changed), details may be added, the objects concerned are shown, then
``tickets.services.open_ticket`` routes and stores the ticket — committed before the
user is told its number and why it went to that team. A connection problem first
gets the browser advice (R-ASS-1) with "J'ai essayé, ouvrir le ticket".

Following: ``/mes_tickets`` lists the chat's own tickets (the services refuse any
other chat's ticket) with buttons to read a ticket's public thread, to write to it,
to resume talking to the person handling it; ``/quitter_ticket`` leaves that mode.

Ticket mode: :func:`route_idle_text` runs first for every free text of an idle chat:
the helpdesk says which ticket it belongs to (``resolve_requester_target``: a Telegram
reply to a ticket's message, the ticket a person handles, several → buttons) and the
text goes to ``requester_message`` (committed, then "Message transmis à …"), not to the
answer engine. A photo or a document (:func:`on_file`) is attached to that ticket
(``add_requester_attachment``, files kept in ``AttachmentStore.from_env()``). Rating buttons come with the *résolu* announcement (:mod:`bot.delivery_worker`).
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import conversation as conv
from bot import keyboards, outbox, staff_group, texts, transcript, update_context
from bot import ticket_context as tc
from bot.exactly_once import finish_update_in, in_one_transaction
from bot.formatting import esc, truncate, visible_text
from bot.runtime import Services, optional, run_sync, send_html, services
from bot.state import ButtonSpec, Press
from ceres_core.clock import PARIS
from ceres_core.errors import CeresError
from knowledge.procedure_engine import StaleStateError
from tickets import services as ticket_services

log = logging.getLogger(__name__)

SUBJECT_MAX = 120
MAX_LISTED = 10
OPEN_STATUSES = ("nouveau", "en_cours", "en_attente")
#: « Écrire » is offered on these: a resolved one reopens (within the queue's delay).
WRITABLE_STATUSES = (*OPEN_STATUSES, "resolu")
#: Handler group of the transcript recorder (before the others' groups -2, -1, 0).
TRANSCRIPT_GROUP = -100


def _chat_id(update: Update) -> int:
    return update.effective_chat.id  # type: ignore[union-attr]


def _queue_phrases(ticket: ticket_services.TicketSummary) -> dict[str, str]:
    """The ticket's queue in a sentence (« à l'Assistance des ministères », « au GEV
    BTP »…), escaped: the one source is the summary's ``queue_phrases``."""
    return {key: esc(value) for key, value in ticket.queue_phrases.items()}


def _is_private(update: Update) -> bool:
    chat = update.effective_chat
    return chat is not None and chat.type == ChatType.PRIVATE


async def _send(
    context: ContextTypes.DEFAULT_TYPE, chat_id: int, html: str,
    rows: list[list[ButtonSpec]] | None = None,
) -> None:
    svc = services(context)
    markup = await run_sync(keyboards.build, svc.store, chat_id, rows) if rows else None
    await send_html(context.bot, chat_id, html, markup)


def _requester_name(update: Update, account: tc.AccountInfo | None) -> str:
    if account is not None:
        return account.display_name
    user = update.effective_user
    return user.full_name if user is not None else ""


def _subject(text: str | None) -> str:
    return truncate(" ".join((text or "").split()), SUBJECT_MAX)


# -- the draft ----------------------------------------------------------------------------------


def _facts_from_chat(svc: Services, chat_id: int) -> tc.ChatFacts:
    """``/ticket`` without a button: the last question asked, its topic, the procedure
    in progress (its step and the variables collected so far)."""
    lines = transcript.recent(svc.core, chat_id)
    latest = ticket_services.list_my_tickets(svc.core, chat_id, limit=1)
    if latest:  # what was said before the last ticket belongs to that ticket
        since = latest[0].created_at.isoformat()
        lines = [line for line in lines if line.get("at", "") > since]
    facts = tc.ChatFacts(question=transcript.last_question(lines))
    if facts.question:
        result = svc.matcher.match(facts.question)
        facts.topic = result.topic if result.found else None
    current = conv.load(svc.core, chat_id)
    if current.mode is conv.Mode.PROCEDURE and current.data:
        try:
            state = svc.procedures.restore(current.data)
        except StaleStateError:
            return facts
        step = svc.procedures.step(state)
        facts.procedure = state.procedure
        facts.procedure_step = state.node
        facts.variables = {k: str(v) for k, v in state.variables.items()}
        if step.ticket is not None:
            facts.queue_hint = step.ticket.queue_hint
        facts.topic = step.article or facts.topic
    return facts


def _facts_from_press(svc: Services, payload: dict[str, Any]) -> tuple[tc.ChatFacts, str]:
    src = payload.get("src")
    question = str(payload.get("q") or "") or None
    if src == "proc":
        walk = dict(payload.get("walk") or {})
        facts = tc.ChatFacts(
            topic=payload.get("topic"),
            procedure=walk.get("procedure"),
            procedure_step=walk.get("node"),
            variables={str(k): str(v) for k, v in dict(walk.get("vars") or {}).items()},
            queue_hint=payload.get("hint"),
        )
        reason = str(payload.get("reason") or "")
        facts.question = reason or None
        return facts, reason
    topic = payload.get("topic") if src == "answer" else None
    facts = tc.ChatFacts(question=question, topic=topic)
    subject = question or ""
    if not subject and topic:
        article = svc.article(str(topic))
        subject = article.title if article else ""
    return facts, subject


def _draft_rows(draft_id: str) -> list[list[ButtonSpec]]:
    def b(label: str, op: str) -> ButtonSpec:
        # Reusable: the draft (its id, the chat's state version) is what a press spends,
        # in the transaction that opens the ticket (a crash before it leaves them usable).
        return ButtonSpec(label, keyboards.TICKET_DRAFT, {"op": op, "d": draft_id}, reusable=True)

    return [
        [b(texts.BUTTON_TICKET_SEND, "send")],
        [b(texts.BUTTON_TICKET_DETAILS, "details"), b(texts.BUTTON_TICKET_SUBJECT, "subject")],
        [b(texts.BUTTON_TICKET_CANCEL, "cancel")],
    ]


def _draft_html(data: dict[str, Any]) -> str:
    facts = tc.facts_from_dict(data["facts"])
    details = texts.TICKET_DRAFT_DETAILS.format(details=esc(facts.details)) if facts.details else ""
    lines = tc.objects_lines(facts)
    objects = ""
    if lines:
        objects = texts.TICKET_DRAFT_OBJECTS.format(lines="\n".join(
            texts.TICKET_DRAFT_OBJECT_LINE.format(label=esc(label), value=esc(value))
            for label, value in lines
        ))
    return texts.TICKET_DRAFT.format(subject=esc(data["subject"]), details=details, objects=objects)


async def _show_draft(context: ContextTypes.DEFAULT_TYPE, chat_id: int, data: dict[str, Any]) -> None:
    await _send(context, chat_id, _draft_html(data), _draft_rows(data["id"]))


def _save_draft(svc: Services, chat_id: int, data: dict[str, Any], awaiting: str | None,
                version: int | None = None) -> int:
    if version is None:
        version = conv.load(svc.core, chat_id).version
    return conv.save(svc.core, chat_id, conv.Mode.TICKET_DRAFT, {**data, "awaiting": awaiting},
                     version)


async def _start_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE, facts: tc.ChatFacts, subject: str
) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    data = {"id": secrets.token_urlsafe(6), "facts": tc.facts_to_dict(facts),
            "subject": _subject(subject)}
    if not data["subject"]:
        await run_sync(_save_draft, svc, chat_id, data, "subject")
        await context.bot.send_message(chat_id, texts.TICKET_ASK_SUBJECT)
        return
    await run_sync(_save_draft, svc, chat_id, data, None)
    await _show_draft(context, chat_id, data)


async def ticket_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not _is_private(update):
        return
    svc = services(context)
    chat_id = _chat_id(update)
    facts = await run_sync(_facts_from_chat, svc, chat_id)
    typed = " ".join(context.args or [])
    if typed:
        facts.question = typed
    await _start_draft(update, context, facts, typed or facts.question or "")


async def cancel_draft(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/annuler_ticket: leave a ticket being written (/annuler leaves any mode)."""
    svc = services(context)
    chat_id = _chat_id(update)
    state = await run_sync(conv.load, svc.core, chat_id)
    done = state.mode is conv.Mode.TICKET_DRAFT
    if done:
        await run_sync(conv.reset, svc.core, chat_id)
    await context.bot.send_message(chat_id, texts.TICKET_CANCELLED if done else texts.TICKET_NO_DRAFT)


async def on_open(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    await optional(query.answer(), "answerCallbackQuery")
    facts, subject = _facts_from_press(services(context), press.payload)
    await _start_draft(update, context, facts, subject)


async def on_draft(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    op = press.payload.get("op")
    async with svc.chat_lock(chat_id):
        state = await run_sync(conv.load, svc.core, chat_id)
        if state.mode is not conv.Mode.TICKET_DRAFT or state.data.get("id") != press.payload.get("d"):
            await optional(query.answer(texts.BUTTON_EXPIRED), "answerCallbackQuery")
            return
        await optional(query.answer(), "answerCallbackQuery")
        if query.message is not None:
            await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
        data = {k: v for k, v in state.data.items() if k != "awaiting"}
        if op == "cancel":
            await run_sync(conv.save, svc.core, chat_id, conv.Mode.IDLE, None, state.version)
            await context.bot.send_message(chat_id, texts.TICKET_CANCELLED)
        elif op == "details":
            await run_sync(_save_draft, svc, chat_id, data, "details", state.version)
            await context.bot.send_message(chat_id, texts.TICKET_ASK_DETAILS)
        elif op == "subject":
            await run_sync(_save_draft, svc, chat_id, data, "subject", state.version)
            await context.bot.send_message(chat_id, texts.TICKET_ASK_SUBJECT)
        elif op == "tried":
            data["facts"]["browser_advice_shown"] = True
            await _open(update, context, data, state.version)
        elif op == "send":
            await _open(update, context, data, state.version)
        else:
            log.warning("unknown draft operation %r", op)


class _StateChanged(Exception):
    """The chat's state moved since it was read: the ticket is not opened twice."""


async def _open(update: Update, context: ContextTypes.DEFAULT_TYPE, data: dict[str, Any],
                version: int) -> None:
    """Route and store the ticket, leave the draft and write the reply: one transaction."""
    from bot.answers import article_html

    svc = services(context)
    core = svc.core
    chat_id = _chat_id(update)
    facts = tc.facts_from_dict(data["facts"])
    account = await run_sync(tc.account_info, core, chat_id)
    login = account.login if account else None
    session = await run_sync(tc.session_facts, core, login, facts.variables.get("session"))
    recent_lines = await run_sync(transcript.recent, core, chat_id)
    requester = ticket_services.Requester(chat_id, _requester_name(update, account), login)
    if not facts.question:
        facts.question = data["subject"]

    def work(db: Any, inner: Any) -> Any:
        result = ticket_services.open_ticket(
            inner, requester, data["subject"],
            tc.ticket_context(facts, recent_lines, account, session),
            tc.routing_input(facts, account, session),
        )
        if isinstance(result, ticket_services.AdviceFirst):
            return result
        if not conv.save_in(db, chat_id, conv.Mode.IDLE, None, version, core.clock.now()):
            raise _StateChanged
        finish_update_in(db, core, update.update_id)
        outbox.enqueue(db, core, chat_id, texts.TICKET_OPENED.format(
            number=esc(result.number), explanation=esc(result.explanation)),
            ticket_id=result.ticket_id)
        return result

    try:
        result = await run_sync(in_one_transaction, core, work, lock=f"bot.chat:{chat_id}")
    except _StateChanged:
        return  # another press opened it: its reply is in the outbox
    except CeresError as exc:
        await _send(context, chat_id, texts.TICKET_OPEN_FAILED.format(message=esc(exc.message)),
                    _draft_rows(data["id"]))
        return
    if isinstance(result, ticket_services.AdviceFirst):
        article = svc.article(result.topic)
        body = texts.TICKET_ADVICE_FIRST.format(rule=esc(result.rule)) + "\n\n"
        body += article_html(article) if article is not None else esc(result.message)
        rows = [
            [ButtonSpec(texts.BUTTON_TICKET_TRIED, keyboards.TICKET_DRAFT,
                        {"op": "tried", "d": data["id"]}, reusable=True)],
            [ButtonSpec(texts.BUTTON_TICKET_CANCEL, keyboards.TICKET_DRAFT,
                        {"op": "cancel", "d": data["id"]}, reusable=True)],
        ]
        await _send(context, chat_id, body, rows)
        return
    await outbox.flush(context.bot, svc, chat_id)
    await staff_group.post_new_ticket(
        context.bot, svc, ticket_id=result.ticket_id, number=result.number, subject=data["subject"],
        queue=result.queue_name, explanation=result.explanation,
        requester=requester.display_name + (f" ({login})" if login else ""),
        question=facts.question if not facts.details else f"{facts.question}\n\n{facts.details}",
    )


# -- typed text: the draft, a message for a ticket, ticket mode -----------------------------------


async def on_draft_text(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        state: conv.ChatState) -> None:
    """Typed text while a ticket is being written: its subject or its details."""
    svc = services(context)
    chat_id = _chat_id(update)
    text = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
    data = {k: v for k, v in state.data.items() if k != "awaiting"}
    awaiting = state.data.get("awaiting")
    if awaiting == "subject":
        data["subject"] = _subject(text)
        if not data["facts"].get("question"):
            data["facts"]["question"] = text
    elif awaiting == "details":
        data["facts"]["details"] = truncate(text, 3000)
    else:  # the draft waits for a button: the text becomes its details
        data["facts"]["details"] = truncate(text, 3000)
    await run_sync(_save_draft, svc, chat_id, data, None, state.version)
    await _show_draft(context, chat_id, data)


async def on_write_text(update: Update, context: ContextTypes.DEFAULT_TYPE,
                        state: conv.ChatState) -> None:
    """The text after « Écrire »: for that ticket (reopening a resolved one)."""
    text = (update.effective_message.text or "").strip()  # type: ignore[union-attr]
    await to_ticket(update, context, int(state.data["ticket_id"]), text, in_mode=False,
                    leave=(conv.Mode.TICKET_WRITE, state.version))


async def _target(update: Update, context: ContextTypes.DEFAULT_TYPE
                  ) -> ticket_services.RequesterTarget:
    """The ticket the message belongs to, as the helpdesk says
    (:func:`tickets.services.resolve_requester_target`): a Telegram reply to a message
    about a ticket, else the ticket waiting for the requester's words, else several
    (``ambiguous``) or none."""
    message = update.effective_message
    replied = message.reply_to_message if message is not None else None
    replied_id = replied.message_id if replied is not None else None
    known = update_context.chat_tickets(_chat_id(update))
    if known is not None and not known.may_target(replied_id):
        # Read with the update's claim: no ticket of this chat can take the message.
        return ticket_services.RequesterTarget(ticket_services.TARGET_NONE)
    return await run_sync(ticket_services.resolve_requester_target, services(context).core,
                          _chat_id(update), replied_id)


async def _ask_which(context: ContextTypes.DEFAULT_TYPE, chat_id: int,
                     candidates: tuple[ticket_services.TicketSummary, ...] | list,
                     payload: dict[str, Any]) -> None:
    """Several tickets wait for the requester's words: one button per ticket."""
    rows = [[ButtonSpec(texts.BUTTON_TICKET_PICK.format(number=t.number, subject=t.subject),
                        keyboards.TICKET_PICK, {"t": t.id, **payload})] for t in candidates]
    await _send(context, chat_id, texts.TICKET_WHICH, rows)


async def route_idle_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> bool:
    """Free text in the idle mode that is for the support; False when it is a question.

    The helpdesk says which ticket (:func:`_target`): a reply to a ticket's message goes
    to that ticket; one ticket waiting for the requester (ticket mode) gets the text —
    a resolved one is reopened only once the user says so (« Oui, rouvrir »), else the
    text is a question; several: the bot asks which one with buttons.
    """
    message = update.effective_message
    if message is None or not message.text:
        return False
    chat_id = _chat_id(update)
    text = message.text.strip()
    target = await _target(update, context)
    if target.kind == ticket_services.TARGET_NONE or target.ticket is None and not target.candidates:
        return False
    if target.kind == ticket_services.TARGET_AMBIGUOUS:
        await _ask_which(context, chat_id, target.candidates, {"x": text[:3000]})
        return True
    t = target.ticket
    assert t is not None
    if target.kind == ticket_services.TARGET_SINGLE and (target.reopens or target.follow_up):
        # Not a reply: the text may well be a new question. Ask before reopening.
        rows = [[ButtonSpec(texts.BUTTON_TICKET_REOPEN.format(number=t.number),
                            keyboards.TICKET_PICK, {"t": t.id, "x": text[:3000]})],
                [ButtonSpec(texts.BUTTON_NEW_QUESTION, keyboards.TICKET_QUESTION,
                            {"x": text[:3000]})]]
        await _send(context, chat_id, texts.TICKET_REOPEN_ASK.format(
            number=esc(t.number), subject=esc(t.subject)), rows)
        return True
    await to_ticket(update, context, t.id, text,
                    in_mode=target.kind == ticket_services.TARGET_SINGLE)
    return True


async def on_pick(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """The ticket chosen for a message (or a file) sent while several were waiting."""
    query = update.callback_query
    assert query is not None
    await optional(query.answer(), "answerCallbackQuery")
    if query.message is not None:
        await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
    p = press.payload
    if p.get("f"):
        await attach_file(update, context, int(p["t"]), str(p["f"]), p.get("n"), p.get("c"),
                          p.get("z"))
        return
    await to_ticket(update, context, int(p["t"]), str(p.get("x") or ""), in_mode=False)


async def on_question(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """« Non, c'est une autre question »: the text is answered by the assistant."""
    from bot.handlers import questions

    query = update.callback_query
    assert query is not None
    await optional(query.answer(), "answerCallbackQuery")
    if query.message is not None:
        await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
    await questions.answer_question(update, context, str(press.payload.get("x") or ""))


# -- files: a photo or a document sent for a ticket -------------------------------------------


def _file_of(message: Any) -> tuple[str, str | None, int | None] | None:
    """``(file_id, file name, size)`` of the message's document or largest photo."""
    if message.document is not None:
        d = message.document
        return d.file_id, d.file_name, d.file_size
    if message.photo:
        ph = message.photo[-1]
        return ph.file_id, None, ph.file_size
    return None


async def on_file(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A photo or a document: attached to the ticket it belongs to (a reply to a
    ticket's message, the ticket of « Écrire », the one ticket waiting for the user);
    several: the bot asks which with buttons; none: the user learns how to send it."""
    message = update.effective_message
    if message is None or update.effective_chat is None:
        return
    found = _file_of(message)
    if found is None:
        return
    file_id, name, size = found
    svc = services(context)
    chat_id = _chat_id(update)
    caption = (message.caption or "").strip() or None
    state = await run_sync(conv.load, svc.core, chat_id)
    if state.mode is conv.Mode.TICKET_WRITE:
        await run_sync(conv.reset, svc.core, chat_id)
        await attach_file(update, context, int(state.data["ticket_id"]), file_id, name, caption,
                          size)
        return
    target = await _target(update, context)
    if state.mode is not conv.Mode.IDLE or target.kind == ticket_services.TARGET_NONE:
        await context.bot.send_message(chat_id, texts.TICKET_FILE_NO_TICKET)
        return
    if target.kind == ticket_services.TARGET_AMBIGUOUS:
        await _ask_which(context, chat_id, target.candidates,
                         {"f": file_id, "n": name, "c": (caption or "")[:1000], "z": size})
        return
    assert target.ticket is not None
    await attach_file(update, context, target.ticket.id, file_id, name, caption, size)


async def attach_file(update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int,
                      file_id: str, name: str | None, caption: str | None,
                      size: int | None) -> None:
    """Download the file from Telegram and add it to the ticket
    (:func:`tickets.services.add_requester_attachment`: type and size checked there)."""
    svc = services(context)
    chat_id = _chat_id(update)
    if size is not None and size > ticket_services.MAX_BYTES:
        from tickets import texts as ticket_texts

        refusal = ticket_texts.ERR_ATTACHMENT_TOO_BIG.format(
            size=round(size / 1024 / 1024, 1), limit=ticket_services.MAX_BYTES // (1024 * 1024))
        await context.bot.send_message(chat_id, texts.TICKET_FILE_FAILED.format(
            message=esc(refusal)))
        return
    try:
        tg_file = await context.bot.get_file(file_id)
        data = bytes(await tg_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("file %s of chat %s not downloaded: %s", file_id, chat_id, exc)
        await context.bot.send_message(chat_id, texts.TICKET_FILE_DOWNLOAD_FAILED)
        return
    store = ticket_services.AttachmentStore.from_env()  # CERES_ATTACHMENTS_DIR
    try:
        result = await run_sync(ticket_services.add_requester_attachment, svc.core, store,
                                chat_id, ticket_id, name, data, caption)
    except CeresError as exc:
        await context.bot.send_message(chat_id, texts.TICKET_FILE_FAILED.format(
            message=esc(exc.message)))
        return
    t = result.follow_up or result.ticket
    await _send(context, chat_id, texts.TICKET_FILE_SENT.format(
        number=esc(t.number), **_queue_phrases(t)))
    await staff_group.relay_requester_message(
        context.bot, svc, result.ticket.id, result.ticket.number, _requester_name(update, None),
        caption or texts.TICKET_FILE_RELAYED.format(name=name or "—"))


async def to_ticket(
    update: Update, context: ContextTypes.DEFAULT_TYPE, ticket_id: int, text: str, *,
    in_mode: bool, leave: tuple[conv.Mode, int] | None = None,
) -> None:
    """Store the message on the ticket and the reply in one transaction (a redelivered
    update stores nothing twice: its ``update_id`` is marked done in it)."""
    svc = services(context)
    core = svc.core
    chat_id = _chat_id(update)

    def work(db: Any, inner: Any) -> Any:
        result = ticket_services.requester_message(inner, chat_id, ticket_id, text)
        if leave is not None:
            conv.save_in(db, chat_id, conv.Mode.IDLE, None, leave[1], core.clock.now())
        finish_update_in(db, core, update.update_id)
        t = result.ticket
        if result.follow_up is not None:
            html = texts.TICKET_MESSAGE_FOLLOW_UP.format(
                number=esc(result.follow_up.number), queue=esc(result.follow_up.queue_name))
            target = result.follow_up.id
        elif result.reopened:
            html = texts.TICKET_MESSAGE_REOPENED.format(number=esc(t.number), **_queue_phrases(t))
            target = t.id
        else:
            template = texts.TICKET_MESSAGE_SENT_MODE if in_mode else texts.TICKET_MESSAGE_SENT
            html = template.format(number=esc(t.number), **_queue_phrases(t))
            target = t.id
        markup = None
        if in_mode and result.follow_up is None and not result.reopened:
            markup = keyboards.build_in(db, svc.store, chat_id, [[ButtonSpec(
                texts.BUTTON_TICKET_LEAVE, keyboards.TICKET_LEAVE, {})]])
        outbox.enqueue(db, core, chat_id, html, reply_markup=markup, ticket_id=target)
        return result

    try:
        result = await run_sync(in_one_transaction, core, work, lock=f"bot.chat:{chat_id}")
    except CeresError as exc:
        await context.bot.send_message(chat_id, texts.TICKET_MESSAGE_FAILED.format(message=esc(exc.message)))
        return
    await outbox.flush(context.bot, svc, chat_id)
    t = result.ticket
    name = _requester_name(update, None)
    await staff_group.relay_requester_message(context.bot, svc, t.id, t.number, name, text)


# -- following: /mes_tickets, a thread, write, resume, leave ---------------------------------------


def _list_rows(tickets: list[ticket_services.TicketSummary], owner_id: int | None) -> list[list[ButtonSpec]]:
    rows: list[list[ButtonSpec]] = []
    for t in tickets:
        row = [ButtonSpec(texts.BUTTON_TICKET_VIEW.format(number=t.number), keyboards.TICKET_VIEW,
                          {"t": t.id}, reusable=True)]
        if t.status in WRITABLE_STATUSES:  # a resolved ticket reopens when written to
            row.append(ButtonSpec(texts.BUTTON_TICKET_WRITE,
                                  keyboards.TICKET_WRITE, {"t": t.id}, reusable=True))
        if t.status in OPEN_STATUSES and t.handled_by_human and t.id != owner_id:
            row.append(ButtonSpec(texts.BUTTON_TICKET_RESUME, keyboards.TICKET_RESUME,
                                  {"t": t.id}, reusable=True))
        rows.append(row)
    if owner_id is not None:
        rows.append([ButtonSpec(texts.BUTTON_TICKET_LEAVE, keyboards.TICKET_LEAVE, {}, reusable=True)])
    return rows


async def my_tickets(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if not _is_private(update):
        return
    svc = services(context)
    chat_id = _chat_id(update)
    tickets = await run_sync(ticket_services.list_my_tickets, svc.core, chat_id, limit=MAX_LISTED)
    if not tickets:
        await context.bot.send_message(chat_id, texts.MY_TICKETS_NONE)
        return
    owner = await run_sync(ticket_services.conversation_owner, svc.core, chat_id)
    owner_id = owner.id if owner else None
    lines = [texts.MY_TICKETS_HEADING]
    for t in tickets:
        mode = ""
        if t.status in OPEN_STATUSES and t.handled_by_human:
            mode = texts.MY_TICKETS_MODE_ON if t.id == owner_id else texts.MY_TICKETS_MODE_AWAY
        lines.append(texts.MY_TICKETS_LINE.format(
            number=esc(t.number), subject=esc(t.subject), status=esc(t.status_label),
            queue=esc(t.queue_name), mode=mode))
    await _send(context, chat_id, "\n\n".join(lines), _list_rows(tickets, owner_id))


def _when(at: datetime) -> str:
    return at.astimezone(PARIS).strftime("%d/%m/%Y à %H:%M")


async def _pressed_ticket(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press):
    """The requester's own ticket named by a button, or ``None`` (the refusal is said)."""
    query = update.callback_query
    assert query is not None
    chat_id = _chat_id(update)
    await optional(query.answer(), "answerCallbackQuery")
    try:
        return await run_sync(ticket_services.get_my_ticket, services(context).core, chat_id,
                              press.payload.get("t"))
    except CeresError as exc:
        await context.bot.send_message(chat_id, esc(exc.message))
        return None


async def on_view(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    chat_id = _chat_id(update)
    detail = await _pressed_ticket(update, context, press)
    if detail is None:
        return
    t = detail.ticket
    parts = [texts.TICKET_THREAD_HEADING.format(
        number=esc(t.number), subject=esc(t.subject), status=esc(t.status_label),
        queue=esc(t.queue_name), explanation=esc(detail.routing_explanation))]
    for m in detail.messages:
        parts.append(texts.TICKET_THREAD_MESSAGE.format(
            author=esc(m.author), at=esc(_when(m.created_at)), text=esc(m.text)))
    if not detail.messages:
        parts.append(texts.TICKET_THREAD_EMPTY)
    if detail.rating is not None:
        parts.append(texts.TICKET_THREAD_RATING.format(score=detail.rating))
    rows = None
    if t.status in WRITABLE_STATUSES:
        rows = [[ButtonSpec(texts.BUTTON_TICKET_WRITE,
                            keyboards.TICKET_WRITE, {"t": t.id}, reusable=True)]]
    await _send(context, chat_id, "\n\n".join(parts), rows)


async def on_write(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    svc = services(context)
    chat_id = _chat_id(update)
    detail = await _pressed_ticket(update, context, press)
    if detail is None:
        return
    state = await run_sync(conv.load, svc.core, chat_id)
    await run_sync(conv.save, svc.core, chat_id, conv.Mode.TICKET_WRITE,
                   {"ticket_id": detail.ticket.id, "number": detail.ticket.number}, state.version)
    await context.bot.send_message(chat_id, texts.TICKET_WRITE_PROMPT.format(number=detail.ticket.number))


async def on_resume(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    await optional(query.answer(), "answerCallbackQuery")
    try:
        t = await run_sync(ticket_services.resume_ticket_mode, svc.core, chat_id, press.payload.get("t"))
    except CeresError as exc:
        await context.bot.send_message(chat_id, esc(exc.message))
        return
    await _send(context, chat_id, texts.TICKET_RESUMED.format(number=esc(t.number), queue=esc(t.queue_name)))


async def _leave(context: ContextTypes.DEFAULT_TYPE, chat_id: int) -> None:
    svc = services(context)
    t = await run_sync(ticket_services.leave_ticket_mode, svc.core, chat_id)
    if t is None:
        await context.bot.send_message(chat_id, texts.TICKET_NOT_IN_MODE)
        return
    await _send(context, chat_id, texts.TICKET_LEFT.format(number=esc(t.number)))


async def leave_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if _is_private(update):
        await _leave(context, _chat_id(update))


async def on_leave(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    await optional(query.answer(), "answerCallbackQuery")
    await _leave(context, _chat_id(update))


async def on_rate(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    chat_id = _chat_id(update)
    score = press.payload.get("s")
    try:
        await run_sync(ticket_services.rate, svc.core, chat_id, press.payload.get("t"), score)
    except CeresError as exc:
        await optional(query.answer(truncate(exc.message, 200)), "answerCallbackQuery")
        return
    await optional(query.answer(texts.TICKET_RATED.format(score=score)), "answerCallbackQuery")
    if query.message is not None:
        await optional(query.edit_message_reply_markup(None), "editMessageReplyMarkup")
    await context.bot.send_message(chat_id, texts.TICKET_RATED.format(score=score))


# -- the transcript (user side; the bot's side is recorded as it is sent) -------------------------


async def record_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Keep the user's side of the conversation (texts, buttons pressed) for tickets."""
    if not _is_private(update):
        return
    svc = services(context)
    chat_id = _chat_id(update)
    text = None
    if update.message is not None and update.message.text:
        text = update.message.text
    elif update.callback_query is not None and update.callback_query.message is not None:
        query = update.callback_query
        markup = getattr(query.message, "reply_markup", None)
        for row in (markup.inline_keyboard if markup else ()):
            for button in row:
                if button.callback_data == query.data:
                    text = transcript.BUTTON_PREFIX + button.text
    if text:
        try:
            await transcript.record_soon(svc.core, chat_id, "user", text)
        except Exception:
            log.warning("could not record the transcript of chat %s", chat_id, exc_info=True)


async def record_sent(svc: Services, endpoint: str, data: dict[str, Any]) -> None:
    """The bot's side: what it sent to a private chat (called by the rate limiter)."""
    if endpoint not in ("sendMessage", "editMessageText"):
        return
    try:
        chat_id = int(data.get("chat_id"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return
    if chat_id <= 0:  # groups (the staff group) have negative ids
        return
    text = str(data.get("text") or "")
    if str(data.get("parse_mode") or "").upper() == "HTML":
        text = visible_text(text)
    try:
        await transcript.record_soon(svc.core, chat_id, "bot", text)
    except Exception:
        log.warning("could not record the transcript of chat %s", chat_id, exc_info=True)


CALLBACKS = {
    keyboards.TICKET_OPEN: on_open,
    keyboards.TICKET_DRAFT: on_draft,
    keyboards.TICKET_VIEW: on_view,
    keyboards.TICKET_WRITE: on_write,
    keyboards.TICKET_RESUME: on_resume,
    keyboards.TICKET_LEAVE: on_leave,
    keyboards.TICKET_RATE: on_rate,
    keyboards.TICKET_PICK: on_pick,
    keyboards.TICKET_QUESTION: on_question,
}
