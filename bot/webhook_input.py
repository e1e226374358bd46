"""What the webhook accepts: a Telegram update, and nothing else (issue 12, item 6).

Anything else POSTed to the webhook — not JSON, JSON that is not an object, nested
deeper than an update ever is, larger than an update ever is, integers that no
database column holds, text that is not valid Unicode, or an object that
python-telegram-bot cannot read as an ``Update`` — raises :class:`NotAnUpdate`, and
the webhook answers 400 without a traceback. The checks are linear in the size of
the body, which is bounded before it is read.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web
from telegram import Bot, Update

log = logging.getLogger(__name__)

#: an update is a few KiB (a message is at most 4,096 characters, plus its entities,
#: the message it replies to and a keyboard): 1 MiB is far above any of them.
MAX_BODY_BYTES = 1024 * 1024
#: an update is nested about ten levels deep (message → reply_to_message → … →
#: reply_markup → inline_keyboard → row → button).
MAX_DEPTH = 32
#: Telegram's identifiers fit in 52 bits; the database's integers in 64.
MAX_INT = 2**63 - 1


class NotAnUpdate(ValueError):
    """The body is not a Telegram update; ``str()`` says why (for the log)."""


async def read_update(request: web.Request, bot: Bot) -> Update:
    """The update POSTed in ``request``, or :class:`NotAnUpdate`."""
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise NotAnUpdate("body too large")
    body = bytearray()
    async for chunk in request.content.iter_chunked(64 * 1024):
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise NotAnUpdate("body too large")
    return parse_update(bytes(body), bot)


def parse_update(body: bytes, bot: Bot) -> Update:
    """The update in ``body`` (JSON bytes), or :class:`NotAnUpdate`."""
    if len(body) > MAX_BODY_BYTES:
        raise NotAnUpdate("body too large")
    try:
        data = json.loads(body, parse_constant=_no_constant)
    except RecursionError:
        raise NotAnUpdate("nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise NotAnUpdate(f"not JSON: {exc}") from None
    check_shape(data)
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:  # python-telegram-bot raises anything on a wrong shape
        raise NotAnUpdate(f"not an update: {exc.__class__.__name__}: {exc}") from None
    if update is None:
        raise NotAnUpdate("not an update")
    return update


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def check_shape(data: Any) -> None:
    """An object with an integer ``update_id``, not too deep, holding only values an
    update can hold (iterative walk: no recursion on hostile input)."""
    if not isinstance(data, dict):
        raise NotAnUpdate(f"a JSON {type(data).__name__}, not an object")
    update_id = data.get("update_id")
    if type(update_id) is not int or not 0 <= update_id <= MAX_INT:
        raise NotAnUpdate("no integer update_id")
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            if depth > MAX_DEPTH:
                raise NotAnUpdate("nested too deeply")
            for key, item in value.items():
                _check_text(key)
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                raise NotAnUpdate("nested too deeply")
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str):
            _check_text(value)
        elif type(value) is int and not -MAX_INT - 1 <= value <= MAX_INT:
            raise NotAnUpdate("integer out of range")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates ("\ud800"): no Telegram text has them
        raise NotAnUpdate("text that is not valid Unicode") from None
