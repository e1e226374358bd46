"""What the handlers share: the services object, database calls off the event loop,
sending long HTML texts, and calls to optional Bot API methods."""

from __future__ import annotations

import asyncio
import logging
import warnings
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any, TypeVar

from telegram import Bot, InlineKeyboardMarkup, Message
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import ContextTypes
from telegram.warnings import PTBUserWarning

from bot.config import BotConfig
from bot.formatting import split_html
from bot.state import StateStore
from ceres_core.busy import retry_when_locked
from ceres_core.core import Core
from knowledge.articles import Article
from knowledge.conversation import Conversation
from knowledge.matcher import Matcher
from knowledge.procedure_engine import ProcedureLibrary

log = logging.getLogger("bot")
T = TypeVar("T")


@dataclass
class Services:
    """Everything a handler needs, built once per process (``bot_data["services"]``)."""

    core: Core
    matcher: Matcher
    procedures: ProcedureLibrary
    config: BotConfig | None = None
    store: StateStore = field(init=False)
    _locks: weakref.WeakValueDictionary = field(default_factory=weakref.WeakValueDictionary)

    def __post_init__(self) -> None:
        self.store = StateStore(self.core)

    @cached_property
    def conversation(self) -> Conversation:
        """The conversation API over :attr:`matcher`, built once (it reads the
        small-talk data and the slot terms at construction: ~1 ms a question)."""
        return Conversation(self.matcher)

    def article(self, topic: str) -> Article | None:
        try:
            return self.matcher.article(topic)
        except KeyError:
            return None

    def chat_lock(self, chat_id: int) -> asyncio.Lock:
        """One lock per chat: updates of one chat are handled one at a time here
        (other instances are kept out by the conversation's version check)."""
        lock = self._locks.get(chat_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[chat_id] = lock
        return lock

    @classmethod
    def default(cls, core: Core, config: BotConfig | None = None) -> Services:
        from knowledge.matcher import default_matcher
        from knowledge.procedure_engine import load_procedures

        return cls(core, default_matcher(core.rules), load_procedures(), config)


def services(context: ContextTypes.DEFAULT_TYPE) -> Services:
    return context.application.bot_data["services"]


async def run_sync(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run a blocking (database) call in a worker thread; run it again while SQLite
    says « database is locked », then raise :class:`ceres_core.busy.DatabaseBusy`."""
    return await asyncio.to_thread(retry_when_locked, partial(fn, *args, **kwargs))


async def send_html(
    bot: Bot,
    chat_id: int,
    html_text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> Message:
    """Send Telegram HTML, split at 4096 characters; the keyboard goes on the last part."""
    parts = split_html(html_text) or ["…"]
    message: Message | None = None
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        message = await bot.send_message(
            chat_id,
            part,
            parse_mode=ParseMode.HTML,
            reply_markup=reply_markup if last else None,
            link_preview_options=None,
        )
    assert message is not None
    return message


def quiet_send_by_name() -> None:
    """:func:`send_reply_html` calls the Bot API by name on purpose (python-telegram-bot
    warns that ``Bot.send_message`` exists): only that warning is silenced."""
    warnings.filterwarnings(
        "ignore", message=r"Please use 'Bot\.send_message' instead of 'Bot\.do_api_request",
        category=PTBUserWarning)


quiet_send_by_name()


async def send_reply_html(
    bot: Bot,
    chat_id: int,
    html_text: str,
    reply_markup: InlineKeyboardMarkup | dict | None = None,
) -> None:
    """:func:`send_html` for a reply whose sent message nobody reads back (the answers
    to questions): the same ``sendMessage`` calls, through the same rate limiter and
    observer, but the Bot API's answer — the whole message echoed with its entities —
    is not turned into a :class:`~telegram.Message` (issue 14: parsing it cost as much
    CPU as sending it). ``reply_markup`` may be the Bot API's JSON already
    (:func:`bot.keyboards.build_json_in`). A refused call raises as :func:`send_html`'s
    does."""
    parts = split_html(html_text) or ["…"]
    for i, part in enumerate(parts):
        params: dict[str, Any] = {"chat_id": chat_id, "text": part, "parse_mode": ParseMode.HTML}
        if reply_markup is not None and i == len(parts) - 1:
            params["reply_markup"] = reply_markup
        await bot.do_api_request("send_message", api_kwargs=params)


async def optional(call: Awaitable[Any], what: str) -> Any:
    """A Bot API call the conversation can do without (command menu, documents…)."""
    try:
        return await call
    except TelegramError as exc:
        log.info("optional Bot API call %s failed: %s", what, exc)
        return None
