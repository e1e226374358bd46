"""Inline keyboards. Every button's ``callback_data`` is a token stored by
:class:`bot.state.StateStore` (see its docstring); these functions are synchronous
(they write the tokens) and run off the event loop."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.formatting import truncate
from bot.state import ButtonSpec, StateStore

MAX_LABEL = 60

# Button kinds (dispatched by bot.dispatcher.on_button).
FEEDBACK = "feedback"
TOPIC = "topic"
REPHRASE = "rephrase"
PROCEDURE = "proc"
PROCEDURE_START = "proc_start"
# Helpdesk (bot.handlers.tickets).
TICKET_OPEN = "tk_open"
TICKET_DRAFT = "tk_draft"
TICKET_VIEW = "tk_view"
TICKET_WRITE = "tk_write"
TICKET_RESUME = "tk_resume"
TICKET_LEAVE = "tk_leave"
TICKET_RATE = "tk_rate"
# Operations in chat (bot.handlers.forms).
OPERATION = "op"
OPERATION_DECIDE = "op_decide"
#: « which ticket is this message for? » (bot.handlers.tickets)
TICKET_PICK = "tk_pick"
#: « Non, c'est une autre question »: the text is answered, no ticket reopened.
TICKET_QUESTION = "tk_q"


def build(store: StateStore, chat_id: int, rows: list[list[ButtonSpec]]) -> InlineKeyboardMarkup | None:
    """Issue the tokens of all buttons (single-use ones as one group) and lay them out."""
    rows = [row for row in rows if row]
    flat = [spec for row in rows for spec in row]
    if not flat:
        return None
    data = iter(store.issue(chat_id, flat))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(truncate(spec.label, MAX_LABEL), callback_data=next(data)) for spec in row]
            for row in rows
        ]
    )


def build_in(db, store: StateStore, chat_id: int,
             rows: list[list[ButtonSpec]]) -> InlineKeyboardMarkup | None:
    """:func:`build` inside the caller's transaction (exactly once with an effect)."""
    rows = [row for row in rows if row]
    flat = [spec for row in rows for spec in row]
    if not flat:
        return None
    data = iter(store.issue_in(db, chat_id, flat))
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(truncate(spec.label, MAX_LABEL), callback_data=next(data)) for spec in row]
            for row in rows
        ]
    )


def build_json_in(db, store: StateStore, chat_id: int,
                  rows: list[list[ButtonSpec]]) -> dict | None:
    """:func:`build_in`'s keyboard as the Bot API's JSON (``reply_markup``) rather than
    python-telegram-bot objects, for a call that sends it at once
    (:func:`bot.runtime.send_reply_html`; issue 14: building the objects and turning
    them back into JSON cost more than issuing the tokens)."""
    rows = [row for row in rows if row]
    flat = [spec for row in rows for spec in row]
    if not flat:
        return None
    data = iter(store.issue_in(db, chat_id, flat))
    return {"inline_keyboard": [
        [{"text": truncate(spec.label, MAX_LABEL), "callback_data": next(data)} for spec in row]
        for row in rows
    ]}


def topic_button(topic: str, title: str, question: str, prefix: str = "") -> ButtonSpec:
    return ButtonSpec(prefix + title, TOPIC, {"topic": topic, "q": question[:500]}, reusable=True)


def answer_rows(
    topic: str,
    question: str,
    alternatives: list[tuple[str, str]],
    related: list[tuple[str, str]],
    operations: list[tuple[str, str]] | None = None,
) -> list[list[ButtonSpec]]:
    """The article's operations the user may run (``(name, menu text)``, from
    :func:`bot.article_operations.article_operations`), one a row; helpful / not
    helpful; then "did you mean" alternatives, then related topics."""
    q = question[:500]
    rows: list[list[ButtonSpec]] = [[operation_button(name, label)] for name, label in operations or []]
    rows += [
        [
            ButtonSpec(texts.BUTTON_HELPFUL, FEEDBACK, {"topic": topic, "q": q, "v": "up"}),
            ButtonSpec(texts.BUTTON_UNHELPFUL, FEEDBACK, {"topic": topic, "q": q, "v": "down"}),
        ]
    ]
    rows += [[topic_button(t, title, q, "❓ ")] for t, title in alternatives]
    rows += [[topic_button(t, title, q, "📎 ")] for t, title in related]
    rows.append([ticket_button({"src": "answer", "topic": topic, "q": q})])
    return rows


def operation_button(operation: str, label: str) -> ButtonSpec:
    """Starts catalogue operation ``operation`` with no params, as its command does
    (handled by :func:`bot.handlers.forms.on_button`: the form asks the params)."""
    return ButtonSpec("▶️ " + label, OPERATION,
                      {"do": "run", "op": operation, "params": {}}, reusable=True)


def none_rows(question: str, close: list[tuple[str, str]]) -> list[list[ButtonSpec]]:
    rows = [[topic_button(t, title, question, "❓ ")] for t, title in close]
    rows.append([ButtonSpec(texts.BUTTON_REPHRASE, REPHRASE, {}, reusable=True)])
    rows.append([ticket_button({"src": "none", "q": question[:500]})])
    return rows


def ticket_button(payload: dict) -> ButtonSpec:
    """"Ouvrir un ticket": the payload says where from (answer, none, procedure leaf)."""
    return ButtonSpec(texts.BUTTON_OPEN_TICKET, TICKET_OPEN, payload, reusable=True)


def strip_row(markup: InlineKeyboardMarkup | None, callback_data: str | None) -> InlineKeyboardMarkup | None:
    """The keyboard without the row holding ``callback_data`` (None if nothing is left)."""
    if markup is None:
        return None
    rows = [
        list(row)
        for row in markup.inline_keyboard
        if not any(b.callback_data == callback_data for b in row)
    ]
    return InlineKeyboardMarkup(rows) if rows else None
