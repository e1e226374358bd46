"""Free text → the best article, with feedback, "Vouliez-vous dire…" and related topics.

Every answer (and the ``none`` answer) offers "Ouvrir un ticket" (bot.handlers.tickets).
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import keyboards, texts
from bot.answers import article_html
from bot.runtime import Services, optional, run_sync, send_html, services
from bot.state import Press
from knowledge.articles import Article

log = logging.getLogger(__name__)

MAX_RELATED = 3


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
) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    body = article_html(article)
    alternatives = alternatives or []
    if alternatives:
        body += "\n\n" + texts.DID_YOU_MEAN
    exclude = {article.id, *(t for t, _ in alternatives)}
    rows = keyboards.answer_rows(article.id, question, alternatives, _related(svc, article, exclude))
    markup = await run_sync(keyboards.build, svc.store, chat_id, rows)
    await send_html(context.bot, chat_id, body, markup)


async def answer_question(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str) -> None:
    svc = services(context)
    chat_id = update.effective_chat.id  # type: ignore[union-attr]
    result = svc.matcher.match(question)
    if not result.found:
        await _record(svc, "unanswered", question)
        close = [(t, title) for t, title, _ in result.alternatives if svc.article(t)]
        body = texts.NONE_ANSWER
        if close:
            body += "\n\n" + texts.NONE_CLOSE_TOPICS
        markup = await run_sync(keyboards.build, svc.store, chat_id, keyboards.none_rows(question, close))
        await send_html(context.bot, chat_id, body, markup)
        return
    article = svc.article(result.topic or "")
    if article is None:  # pragma: no cover - the matcher only knows loaded articles
        return
    alternatives = (
        [(t, title) for t, title, _ in result.alternatives] if result.ambiguous else []
    )
    await send_article(update, context, article, question, alternatives)


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
    article = services(context).article(str(press.payload.get("topic")))
    await optional(query.answer(), "answerCallbackQuery")
    if article is not None:
        await send_article(update, context, article, str(press.payload.get("q", "")))


async def on_rephrase(update: Update, context: ContextTypes.DEFAULT_TYPE, press: Press) -> None:
    query = update.callback_query
    assert query is not None
    await optional(query.answer(), "answerCallbackQuery")
    await context.bot.send_message(update.effective_chat.id, texts.REPHRASE_PROMPT)  # type: ignore[union-attr]


CALLBACKS = {
    keyboards.FEEDBACK: on_feedback,
    keyboards.TOPIC: on_topic,
    keyboards.REPHRASE: on_rephrase,
}
