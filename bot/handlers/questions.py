"""Free text → the best article, with feedback, "Vouliez-vous dire…" and related topics.

Every answer (and the ``none`` answer) offers "Ouvrir un ticket" (bot.handlers.tickets).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import accounts, keyboards, live_texts, texts
from bot import conversation as conv
from bot.answers import article_html
from bot.article_operations import article_operations
from bot.formatting import esc
from bot.live_answers import LiveAnswer, live_answer
from bot.runtime import Services, optional, run_sync, send_reply_html, services
from bot.state import ButtonSpec, Press
from bot.update_context import chat_state, linked_login
from knowledge.articles import Article
from knowledge.conversation import Turn

log = logging.getLogger(__name__)

MAX_RELATED = 3
#: Button kind: the next action of an answer from live data (bot.live_answers).
LIVE_ACTION = "live_act"


def _related(svc: Services, article: Article, exclude: set[str]) -> list[tuple[str, str]]:
    out = []
    for topic in article.related:
        other = svc.article(topic)
        if other is not None and topic not in exclude:
            out.append((topic, other.title))
    return out[:MAX_RELATED]


async def send_article(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    article: Article,
    question: str,
    alternatives: list[tuple[str, str]] | None = None,
    remember: dict | None = None,
) -> None:
    """Send the article with its buttons; ``remember``: the turn to keep for follow-ups,
    written with the buttons (:func:`bot.conversation.remember_turn_in`)."""
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    body = article_html(article)
    alternatives = alternatives or []
    if alternatives:
        body += "\n\n" + texts.DID_YOU_MEAN
    related = _related(svc, article, {article.id, *(t for t, _ in alternatives)})
    # A linked user gets the article's operations their profile may run (issue 10).
    login = await linked_login(svc.core, chat_id) if article.operations else None
    markup = await run_sync(_article_markup, svc, chat_id, remember, article, question,
                            alternatives, related, login)
    await send_reply_html(context.bot, chat_id, body, markup)


def _article_markup(svc: Services, chat_id: int, turn: dict | None, article: Article,
                    question: str, alternatives: list[tuple[str, str]],
                    related: list[tuple[str, str]], login: str | None) -> dict | None:
    """An article's buttons: first the article's operations ``login`` may run (the
    core says which, :func:`bot.article_operations.article_operations`), then
    :func:`bot.keyboards.answer_rows`; in the same thread hop as the buttons' tokens."""
    operations = article_operations(svc.core, login, article)
    rows = keyboards.answer_rows(article.id, question, alternatives, related, operations)
    return _remember_and_build(svc, chat_id, turn, rows)


def _remember_and_build(svc: Services, chat_id: int, turn: dict | None,
                        rows: list[list[ButtonSpec]]) -> dict | None:
    """The answer's buttons (as the Bot API's JSON) and, with ``turn``, the answered
    question kept for follow-ups, in one transaction (issue 14: one transaction and one
    thread hop fewer per answer)."""
    with svc.core.transaction() as db:
        if turn is not None:
            conv.remember_turn_in(db, chat_id, turn, svc.core.clock.now())
        return keyboards.build_json_in(db, svc.store, chat_id, rows)


async def _role(svc: Services, chat_id: int) -> str | None:
    """The linked account's first role (``Role`` value), for the article's variant."""
    login = await linked_login(svc.core, chat_id)
    if login is None:
        return None
    view = await run_sync(accounts.account_view, svc.core, login)
    return view.roles[0] if view.roles else None


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    # The last answered question, for follow-ups (« et pour un CCP ? »): kept in the
    # chat's one conversation state (bot.conversation), shared by every instance.
    previous = Turn.from_dict(conv.turn_of(await chat_state(svc.core, chat_id)))
    understood = svc.conversation.understand(question, previous, await _role(svc, chat_id))
    if understood.kind == "smalltalk":
        await send_reply_html(context.bot, chat_id, esc(understood.reply or ""), None)
        return
    turn = understood.turn.to_dict() if understood.turn is not None else None
    if turn is not None and (understood.kind != "answers" or not understood.answers
                             or await linked_login(svc.core, chat_id) is not None):
        # A live answer may follow (and remember its own turn): the turn is kept first;
        # else with the first answer's buttons (send_article).
        await run_sync(conv.remember_turn, svc.core, chat_id, turn)
        turn = None
    if await _send_live(update, context, understood, question):
        return
    if understood.kind == "none":
        await _record(svc, "unanswered", question)
        result = understood.result
        alternatives = result.alternatives if result is not None else []
        close = [(t, title) for t, title, _ in alternatives if svc.article(t)]
        body = texts.NONE_ANSWER
        if close:
            body += "\n\n" + texts.NONE_CLOSE_TOPICS
        markup = await run_sync(_remember_and_build, svc, chat_id, None, keyboards.none_rows(question, close))
        await send_reply_html(context.bot, chat_id, body, markup)
        return
    several = len(understood.answers) > 1
    for i, answer in enumerate(understood.answers):  # one message per question of the message
        result = answer.result
        alternatives = (
            [(t, title) for t, title, _ in result.alternatives]
            if result.ambiguous and not several
            else []
        )
        # Buttons (feedback, ticket) carry what the user typed: the part, if several.
        typed = answer.text if several else question
        # The turn is kept with the first answer's buttons (before anything is sent).
        await send_article(update, context, answer.article, typed, alternatives,
                           turn if i == 0 else None)


async def _send_live(update: Update, context: ContextTypes.DEFAULT_TYPE, understood, question: str) -> bool:
    """A linked user's question about their own objects: the answer from the core first,
    with the next action and the article one tap away (:mod:`bot.live_answers`)."""
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    if len(understood.answers) > 1:
        return False
    login = await linked_login(svc.core, chat_id)
    if login is None:
        return False
    live = await run_sync(live_answer, svc, login, understood, question, svc.core.clock.now())
    if live is None:
        return False
    if live.article_id:  # « et pour Thomas Nguyen ? »
        await run_sync(conv.remember_turn, svc.core, chat_id,
                       Turn(live.question, (live.article_id,)).to_dict())
    markup = await run_sync(_remember_and_build, svc, chat_id, None, _live_rows(svc, live, question))
    await send_reply_html(context.bot, chat_id, live.text, markup)
    return True


def _live_rows(svc: Services, live: LiveAnswer, question: str) -> list[list[ButtonSpec]]:
    from bot.reminders import action_label
    from ceres_core.reminders import Action

    rows: list[list[ButtonSpec]] = []
    if live.action is not None:
        name, params = live.action
        label = action_label(Action(name, params))
        if label:
            rows.append([ButtonSpec("▶️ " + label, LIVE_ACTION, {"a": name, "p": params})])
    article = svc.article(live.article_id) if live.article_id else None
    if article is not None:
        rows.append([keyboards.topic_button(
            article.id, live_texts.BUTTON_SEE_ARTICLE.format(title=article.title), question)])
    rows.append([keyboards.ticket_button({"src": "answer", "topic": live.article_id or "",
                                          "q": question[:500]})])
    return rows


async def on_live_action(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    """The live answer's action, started as the reminders start theirs."""
    from bot.reminders import start_action
    from ceres_core.reminders import Action

    p = press.payload
    action = Action(str(p.get("a")), {str(k): str(v) for k, v in dict(p.get("p") or {}).items()})
    if not await start_action(update, context, action):
        await optional(update.callback_query.answer(texts.BUTTON_EXPIRED),  # type: ignore[union-attr]
                       "answerCallbackQuery")


async def _record(svc: Services, what: str, question: str, topic: str | None = None) -> None:
    """Learning from use never breaks the conversation."""
    from knowledge import feedback

    try:
        if what == "unanswered":
            await run_sync(feedback.record_unanswered, svc.core, question)
        else:
            await run_sync(feedback.record_unhelpful, svc.core, question, topic or "")
    except Exception:
        log.warning("could not record %s question", what, exc_info=True)


async def on_text(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is None or not message.text or update.effective_chat is None:
        return
    await answer_question(update, context, message.text)


# -- buttons -------------------------------------------------------------------------------


async def on_feedback(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    helpful = press.payload.get("v") == "up"
    if not helpful:
        await _record(svc, "unhelpful", str(press.payload.get("q", "")), str(press.payload["topic"]))
    await optional(query.answer(texts.THANKS_HELPFUL if helpful else texts.BUTTON_DONE), "answerCallbackQuery")
    if query.message is not None:
        markup = keyboards.strip_row(query.message.reply_markup, query.data)
        await query.edit_message_reply_markup(markup)
    if not helpful:
        await context.bot.send_message(update.effective_chat.id, texts.THANKS_UNHELPFUL)  # type: ignore[union-attr]


async def on_topic(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    svc = services(context)
    article = svc.article(str(press.payload.get("topic")))
    await optional(query.answer(), "answerCallbackQuery")
    if article is not None:
        role = await _role(svc, update.effective_chat.id)  # type: ignore[union-attr]
        await send_article(update, context, article.for_role(role), str(press.payload.get("q", "")))


async def on_rephrase(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    await optional(query.answer(), "answerCallbackQuery")
    await context.bot.send_message(update.effective_chat.id, texts.REPHRASE_PROMPT)  # type: ignore[union-attr]


CALLBACKS = {
    keyboards.FEEDBACK: on_feedback,
    keyboards.TOPIC: on_topic,
    keyboards.REPHRASE: on_rephrase,
    LIVE_ACTION: on_live_action,
}
