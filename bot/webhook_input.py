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
    check_types(data)
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


# The types of the fields the bot reads, as the Bot API documents them: an update
# that has one of these fields with another type is not from Telegram.
_USER = {"id": int, "is_bot": bool, "first_name": str, "last_name": str, "username": str,
         "language_code": str}
_CHAT = {"id": int, "type": str, "title": str, "username": str, "first_name": str,
         "last_name": str, "is_forum": bool}
_ENTITY = {"type": str, "offset": int, "length": int, "url": str, "language": str}
_MESSAGE: dict[str, Any] = {
    "message_id": int, "message_thread_id": int, "date": int, "edit_date": int,
    "text": str, "caption": str, "is_topic_message": bool,
    "from": _USER, "sender_chat": _CHAT, "chat": _CHAT,
    "entities": [_ENTITY], "caption_entities": [_ENTITY],
}
_MESSAGE["reply_to_message"] = _MESSAGE
_CALLBACK_QUERY = {"id": str, "from": _USER, "message": _MESSAGE, "inline_message_id": str,
                   "chat_instance": str, "data": str}
_UPDATE = {"message": _MESSAGE, "edited_message": _MESSAGE, "channel_post": _MESSAGE,
           "edited_channel_post": _MESSAGE, "callback_query": _CALLBACK_QUERY}


def check_types(data: dict[str, Any]) -> None:
    """The fields the bot reads have their documented types (bool is no int here)."""
    stack: list[tuple[Any, Any, str]] = [(data, _UPDATE, "update")]
    while stack:
        value, schema, where = stack.pop()
        if isinstance(schema, dict):
            if not isinstance(value, dict):
                raise NotAnUpdate(f"{where} is not an object")
            stack.extend((value[key], sub, f"{where}.{key}")
                         for key, sub in schema.items() if key in value)
        elif isinstance(schema, list):
            if not isinstance(value, list):
                raise NotAnUpdate(f"{where} is not a list")
            stack.extend((item, schema[0], f"{where}[]") for item in value)
        elif type(value) is not schema:
            raise NotAnUpdate(f"{where} is not a {schema.__name__}")


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates ("\ud800"): no Telegram text has them
        raise NotAnUpdate("text that is not valid Unicode") from None
