"""bot.webhook_input: the webhook accepts Telegram updates and nothing else (issue 12, item 6)."""

from __future__ import annotations

import json

import pytest
from telegram import Bot

from bot.webhook_input import MAX_BODY_BYTES, MAX_DEPTH, NotAnUpdate, parse_update

BOT = Bot("123:abc")
MESSAGE = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"}, "text": "bonjour"}


def body(value: object) -> bytes:
    return json.dumps(value).encode()


def test_a_real_update_is_read() -> None:
    update = parse_update(body({"update_id": 5, "message": MESSAGE}), BOT)
    assert update.update_id == 5 and update.message.text == "bonjour"


def test_an_update_of_an_unknown_kind_is_still_an_update() -> None:
    assert parse_update(body({"update_id": 6, "nouveau_type": {"x": 1}}), BOT).update_id == 6


def nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"pas du json",
        b"\xff\xfe\x00",
        b"[1, 2, 3]",
        b"42",
        b'"texte"',
        b"null",
        b"true",
        b'{"update_id": NaN}',
        body({"message": MESSAGE}),
        body({"update_id": "5", "message": MESSAGE}),
        body({"update_id": True, "message": MESSAGE}),
        body({"update_id": -1, "message": MESSAGE}),
        body({"update_id": 2**70, "message": MESSAGE}),
        body({"update_id": 1, "message": {**MESSAGE, "chat": {"id": 2**80, "type": "private"}}}),
        body({"update_id": 1, "message": 5}),
        body({"update_id": 1, "message": {"text": "sans chat"}}),
        body({"update_id": 1, "callback_query": {"id": "q"}}),
        body({"update_id": 1, "message": {**MESSAGE, "text": 12}}),
        body({"update_id": 1, "message": {**MESSAGE, "chat": {"id": "7", "type": "private"}}}),
        body({"update_id": 1, "message": {**MESSAGE, "entities": [{"type": "bold", "offset": "0", "length": 1}]}}),
        body({"update_id": 1, "message": {**MESSAGE, "reply_to_message": {**MESSAGE, "date": "hier"}}}),
        body({"update_id": 1, "callback_query": {"id": 5, "from": {"id": 1, "is_bot": False, "first_name": "A"},
                                                  "chat_instance": "1", "data": "x"}}),
        body({"update_id": 1, "callback_query": {"id": "5", "from": {"id": 1, "is_bot": False, "first_name": "A"},
                                                  "chat_instance": "1", "data": ["x"]}}),
        b'{"update_id": 1, "message": {"text": "\\ud800"}}',
        body({"update_id": 1, "x": nested(MAX_DEPTH + 1)}),
        b'{"update_id": 1, "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b"[" * 1_000_000,
    ],
    ids=lambda raw: raw[:30].decode("latin-1"),
)
def test_anything_else_is_refused(raw: bytes) -> None:
    with pytest.raises(NotAnUpdate):
        parse_update(raw, BOT)


def test_a_huge_body_is_refused_before_parsing() -> None:
    huge = body({"update_id": 1, "message": {**MESSAGE, "text": "x" * MAX_BODY_BYTES}})
    with pytest.raises(NotAnUpdate, match="too large"):
        parse_update(huge, BOT)
