"""Drive the real bot through the local Bot API server, as a Telegram user would."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from typing import Any

from bot.app import BotRunner
from bot.config import BotConfig
from bot.localapi.server import LocalBotApi
from bot.runtime import Services

TIMEOUT = 10.0
QUIET = 0.15  # seconds without a new event after the expected ones


@dataclass
class Reply:
    """A message the bot sent or edited."""

    message_id: int
    text: str
    buttons: list[tuple[str, str]]  # (label, callback_data)
    entities: list[dict[str, Any]] = field(default_factory=list)

    def button(self, label_part: str) -> str:
        for label, data in self.buttons:
            if label_part.lower() in label.lower():
                return data
        raise AssertionError(f"no button containing {label_part!r} in {[b[0] for b in self.buttons]}")

    def labels(self) -> list[str]:
        return [label for label, _ in self.buttons]


def _reply(message: dict[str, Any]) -> Reply:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return Reply(
        message["message_id"],
        message.get("text") or message.get("caption") or "",
        [(b["text"], b.get("callback_data", "")) for row in rows for b in row],
        message.get("entities") or [],
    )


class Chat:
    """One private chat with the bot."""

    def __init__(self, api: LocalBotApi, token: str, chat_id: int, name: str = "Camille") -> None:
        self.api = api
        self.token = token
        self.chat_id = chat_id
        self.name = name
        self.cursor = 0
        self.events: list[dict[str, Any]] = []

    def _mark(self) -> None:
        account = self.api.bots[self.token]
        self.cursor = len(account.events)

    async def send(self, text: str, reply_to: int | None = None) -> dict[str, Any]:
        self._mark()
        return await self.api.user_message(self.token, self.chat_id, text, self.name,
                                           reply_to=reply_to)

    async def send_document(self, filename: str, content: bytes, mime_type: str, *,
                            caption: str | None = None, reply_to: int | None = None
                            ) -> dict[str, Any]:
        self._mark()
        return await self.api.user_document(self.token, self.chat_id, filename, content,
                                            mime_type, self.name, caption=caption,
                                            reply_to=reply_to)

    async def press(self, data: str, message_id: int | None = None, strict: bool = True) -> None:
        if message_id is None:
            message_id = self._message_with(data)
        self._mark()
        await self.api.press_button(self.token, self.chat_id, message_id, data, strict=strict)

    def _message_with(self, data: str) -> int:
        for message in reversed(self.api.chat_messages(self.token, self.chat_id)):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
            if any(b.get("callback_data") == data for row in rows for b in row):
                return message["message_id"]
        raise AssertionError(f"no message carries button {data!r}")

    async def collect(self, count: int = 1, kinds: tuple[str, ...] = ("message", "document")) -> list[dict[str, Any]]:
        """Wait for ``count`` events of ``kinds`` after the last action, then a short quiet time."""
        found: list[dict[str, Any]] = []
        after = self.cursor
        loop = asyncio.get_running_loop()
        deadline = loop.time() + TIMEOUT
        while True:
            timeout = deadline - loop.time() if len([e for e in found if e["type"] in kinds]) < count else QUIET
            if timeout <= 0:
                break
            new = await self.api.wait_events(self.token, self.chat_id, after, timeout)
            if not new:
                break
            found += new
            after = new[-1]["seq"]
        self.cursor = after
        self.events = found
        matching = [e for e in found if e["type"] in kinds]
        if len(matching) < count:
            raise AssertionError(f"expected {count} {kinds} events, got {found}")
        return found

    async def replies(self, count: int = 1) -> list[Reply]:
        events = await self.collect(count)
        return [_reply(e["message"]) for e in events if e["type"] in ("message", "document")]

    async def reply(self) -> Reply:
        """The last message sent after the last action (waiting for at least one)."""
        return (await self.replies(1))[-1]

    async def ask(self, text: str, count: int = 1) -> Reply:
        await self.send(text)
        return (await self.replies(count))[-1]

    async def click(self, reply: Reply, label: str, count: int = 1) -> Reply:
        await self.press(reply.button(label), reply.message_id)
        return (await self.replies(count))[-1]

    def callback_answers(self) -> list[str | None]:
        return [e.get("text") for e in self.events if e["type"] == "callback_answer"]

    def edits(self) -> list[Reply]:
        return [_reply(e["message"]) for e in self.events if e["type"] in ("edit", "edit_markup")]


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text)


#: An HTML entity shown as text (the user would read « d&#x27;évaluation »).
ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos);", re.I)

Dialog = list[tuple[str, str]]


async def verify_dialog(chat: Chat, dialog: Dialog) -> list[Reply]:
    """A dialogue read as a table, like zulip_bots' ``verify_dialog``: each row is
    (what the user says, what the bot answers). ``"[label]"`` presses the button of the
    previous answer whose label contains ``label``; the answer is checked as a part of
    the bot's last message (spaces normalised). No message, nor edit, may show an HTML
    entity as text."""
    replies: list[Reply] = []
    last: Reply | None = None
    for says, answers in dialog:
        if says.startswith("[") and says.endswith("]"):
            assert last is not None, f"no message to press {says} on"
            reply = await chat.click(last, says[1:-1])
        else:
            reply = await chat.ask(says)
        shown = [reply.text] + [e.text for e in chat.edits()]
        for text in shown:
            assert not ENTITY.search(text), f"{says!r}: an HTML entity reached the user: {text!r}"
        text = plain(reply.text)
        assert plain(answers) in text, f"{says!r}: expected {answers!r}, the bot said {text!r}"
        replies.append(reply)
        last = reply
    return replies


class BotHarness:
    """A local Bot API server and the real bot on it (polling or webhook)."""

    def __init__(
        self, services: Services, *, webhook: bool = False, documents: bool = False,
        forum_topics: bool = False, staff_chat_id: int | None = None,
    ) -> None:
        self.services = services
        self.webhook = webhook
        self.api = LocalBotApi(documents=documents, forum_topics=forum_topics)
        #: the helpdesk's staff group (bot.staff_group), when given.
        self.staff_chat_id = staff_chat_id
        self.account = self.api.add_bot()
        self.token = self.account.token
        self.runner: BotRunner | None = None
        self._next_chat = 1000

    def config(self) -> BotConfig:
        assert self.api.base_url
        return BotConfig(
            token=self.token,
            api_url=self.api.base_url,
            webhook=self.webhook,
            listen="127.0.0.1",
            port=0,
            poll_timeout=1,
            secret_token="s3cret-token_for-tests",
            staff_chat_id=self.staff_chat_id,
            delivery_interval=0.05,
        )

    async def start(self) -> None:
        if self.api.base_url is None:
            await self.api.start()
        await self.start_bot()

    async def start_bot(self) -> None:
        self.runner = BotRunner(self.config(), self.services)
        await self.runner.start()

    async def stop_bot(self) -> None:
        if self.runner is not None:
            await self.runner.stop()
            self.runner = None

    async def stop(self) -> None:
        await self.stop_bot()
        await self.api.stop()

    def chat(self, name: str = "Camille", chat_id: int | None = None) -> Chat:
        if chat_id is None:
            self._next_chat += 1
            chat_id = self._next_chat
        return Chat(self.api, self.token, chat_id, name)


async def linked(harness: BotHarness, core: Any, login: str) -> Chat:
    """A new chat linked to the CERES account ``login`` with a one-time code."""
    from bot import accounts

    chat = harness.chat()
    code = accounts.issue_link_code(core, login, 30).code
    reply = await chat.ask(f"/start {code}")
    assert "C'est fait" in reply.text
    return chat
