"""The optional staff group: new tickets are posted there, staff reply from there.

Enabled by ``CERES_STAFF_CHAT_ID`` / ``--staff-chat-id`` (``BotConfig.staff_chat_id``).

* a new ticket gets its own forum topic when the group has topics
  (``createForumTopic``; optional: on any failure the card goes to the main thread);
* every message the bot posts there for a ticket is stored in ``bot_staff_post``
  (group message id, topic id ↔ ticket): a staff member's reply is matched through
  that table — never from forwarded-message headers;
* a staff member is recognised by ``StaffAccount.chat_id`` = their Telegram user id;
  the reply becomes ``tickets.services.staff_reply`` as that account, which checks that
  the ticket belongs to one of their queues.

Nothing here may break a conversation with a user: every Bot API call to the group
is optional (:func:`bot.runtime.optional`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError

from bot import texts
from bot.formatting import esc, truncate
from bot.models import StaffPost
from bot.runtime import Services, run_sync
from ceres_core.core import Core

log = logging.getLogger(__name__)

QUESTION_MAX = 1500


@dataclass(frozen=True)
class Target:
    ticket_id: int
    number: str
    thread_id: int | None


def staff_chat_id(svc: Services) -> int | None:
    return svc.config.staff_chat_id if svc.config is not None else None


# -- the mapping (synchronous, off the event loop) -----------------------------------------------


def remember(core: Core, ticket_id: int, number: str, chat_id: int, message_id: int,
             thread_id: int | None, kind: str, status: str | None = None) -> bool:
    """Store a group message tied to a ticket; False if that message is already stored."""
    try:
        with core.transaction() as db:
            db.add(StaffPost(ticket_id=ticket_id, ticket_number=number, staff_chat_id=chat_id,
                             message_id=message_id, thread_id=thread_id, kind=kind, status=status,
                             created_at=core.clock.now()))
        return True
    except IntegrityError:
        return False


def thread_of(core: Core, chat_id: int, ticket_id: int) -> int | None:
    """The forum topic of the ticket in the group, if it has one."""
    with core.transaction() as db:
        return db.scalar(
            select(StaffPost.thread_id).where(
                StaffPost.staff_chat_id == chat_id, StaffPost.ticket_id == ticket_id,
                StaffPost.kind == "ticket",
            ).limit(1)
        )


def is_posted(core: Core, chat_id: int, ticket_id: int) -> bool:
    with core.transaction() as db:
        return db.scalar(
            select(StaffPost.id).where(StaffPost.staff_chat_id == chat_id,
                                       StaffPost.ticket_id == ticket_id).limit(1)
        ) is not None


def find_target(core: Core, chat_id: int, reply_to: int | None, thread_id: int | None) -> Target | None:
    """The ticket a group message is about: its forum topic, or the stored message it
    replies to (a ticket card, a relayed requester message, a warning)."""
    with core.transaction() as db:
        row = None
        if thread_id is not None:
            row = db.scalar(
                select(StaffPost).where(StaffPost.staff_chat_id == chat_id,
                                        StaffPost.thread_id == thread_id,
                                        StaffPost.kind == "ticket").limit(1)
            )
        if row is None and reply_to is not None:
            row = db.scalar(
                select(StaffPost).where(StaffPost.staff_chat_id == chat_id,
                                        StaffPost.message_id == reply_to,
                                        StaffPost.kind != "staff_reply").limit(1)
            )
        return Target(row.ticket_id, row.ticket_number, row.thread_id) if row else None


def staff_login_for(core: Core, telegram_user_id: int) -> str | None:
    """The active staff account whose ``chat_id`` is this Telegram user id."""
    from tickets.models import StaffAccount

    with core.transaction() as db:
        staff = db.scalar(
            select(StaffAccount).where(StaffAccount.chat_id == telegram_user_id,
                                       StaffAccount.active.is_(True)).limit(1)
        )
        return staff.login if staff else None


def finish_relay(core: Core, chat_id: int, message_id: int, ok: bool) -> None:
    """Close the relay of a staff message: ``done``, or forgotten so a retry may redo it."""
    with core.transaction() as db:
        row = db.scalar(select(StaffPost).where(StaffPost.staff_chat_id == chat_id,
                                                StaffPost.message_id == message_id))
        if row is None:
            return
        if ok:
            db.execute(update(StaffPost).where(StaffPost.id == row.id).values(status="done"))
        else:
            db.delete(row)


# -- posting to the group ------------------------------------------------------------------------


async def _send(bot: Bot, chat_id: int, html: str, thread_id: int | None) -> int | None:
    try:
        message = await bot.send_message(chat_id, truncate_html(html), parse_mode=ParseMode.HTML,
                                         message_thread_id=thread_id)
    except TelegramError as exc:
        log.warning("could not post to the staff group %s: %s", chat_id, exc)
        return None
    return message.message_id


def truncate_html(html: str, limit: int = 4000) -> str:
    from bot.formatting import split_html

    parts = split_html(html, limit)
    return parts[0] if parts else "…"


async def post_new_ticket(
    bot: Bot, svc: Services, *, ticket_id: int, number: str, subject: str, queue: str,
    explanation: str, requester: str, question: str,
) -> None:
    """The card of a new ticket, in its own forum topic when the group has topics."""
    chat_id = staff_chat_id(svc)
    if chat_id is None:
        return
    try:
        if await run_sync(is_posted, svc.core, chat_id, ticket_id):
            return
        thread_id = None
        try:
            topic = await bot.create_forum_topic(
                chat_id, truncate(texts.STAFF_TOPIC_NAME.format(number=number, subject=subject), 128)
            )
            thread_id = topic.message_thread_id
        except TelegramError as exc:  # no topics in this group, or a server without the method
            log.info("no forum topic for %s (%s): posting in the main thread", number, exc)
        html = texts.STAFF_NEW_TICKET.format(
            number=esc(number), subject=esc(subject), queue=esc(queue), requester=esc(requester),
            explanation=esc(explanation), question=esc(truncate(question, QUESTION_MAX)),
            how=texts.STAFF_HOW_TOPIC if thread_id else texts.STAFF_HOW_REPLY,
        )
        message_id = await _send(bot, chat_id, html, thread_id)
        if message_id is not None or thread_id is not None:
            await run_sync(remember, svc.core, ticket_id, number, chat_id,
                           message_id if message_id is not None else -ticket_id, thread_id, "ticket")
    except Exception:
        log.warning("could not post ticket %s to the staff group", number, exc_info=True)


async def relay_requester_message(bot: Bot, svc: Services, ticket_id: int, number: str,
                                  name: str, text: str) -> None:
    """A requester's message on a ticket, shown to staff in the ticket's topic."""
    chat_id = staff_chat_id(svc)
    if chat_id is None:
        return
    try:
        thread_id = await run_sync(thread_of, svc.core, chat_id, ticket_id)
        html = texts.STAFF_REQUESTER_MESSAGE.format(number=esc(number), name=esc(name),
                                                    text=esc(truncate(text, QUESTION_MAX)))
        message_id = await _send(bot, chat_id, html, thread_id)
        if message_id is not None:
            await run_sync(remember, svc.core, ticket_id, number, chat_id, message_id, thread_id,
                           "requester")
    except Exception:
        log.warning("could not relay a message of %s to the staff group", number, exc_info=True)


def posted_tickets(core: Core, chat_id: int, numbers: list[str]) -> list[tuple[int, str, int | None]]:
    """(ticket id, number, topic) of the tickets among ``numbers`` posted in the group."""
    if not numbers:
        return []
    with core.transaction() as db:
        rows = db.execute(
            select(StaffPost.ticket_id, StaffPost.ticket_number, StaffPost.thread_id).where(
                StaffPost.staff_chat_id == chat_id, StaffPost.ticket_number.in_(numbers),
                StaffPost.kind == "ticket",
            )
        ).all()
        return [(r[0], r[1], r[2]) for r in rows]


async def warn_blocked(bot: Bot, svc: Services, numbers: list[str]) -> None:
    """The requester blocked the bot: say so in each posted ticket's topic (or thread)."""
    chat_id = staff_chat_id(svc)
    if chat_id is None or not numbers:
        return
    try:
        posted = await run_sync(posted_tickets, svc.core, chat_id, numbers)
        for ticket_id, number, thread_id in posted:
            message_id = await _send(bot, chat_id, texts.STAFF_BLOCKED.format(number=esc(number)),
                                     thread_id)
            if message_id is not None:
                await run_sync(remember, svc.core, ticket_id, number, chat_id, message_id,
                               thread_id, "notice")
    except Exception:
        log.warning("could not warn the staff group about %s", numbers, exc_info=True)
