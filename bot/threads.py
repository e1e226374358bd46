"""Which ticket a requester's message belongs to (issue 11): the bot's narrow interface.

:class:`TicketThreads` answers two questions from what the bot itself recorded, until
the helpdesk offers its own services for threading (then only this class changes):

* :meth:`ticket_of_message` — the ticket of a message of the chat that the user
  replies to (Telegram ``reply_to_message``): a bot message about a ticket
  (``bot_ticket_message``, written when the outbox sends it) or a staff reply the
  delivery worker relayed (``bot_sent_delivery`` → the helpdesk's delivery → ticket);
* :meth:`handled_open_tickets` — the chat's open tickets that a person handles.
"""

from __future__ import annotations

from sqlalchemy import select

from bot.models import SentDelivery, TicketMessage
from ceres_core.core import Core
from tickets import services as ticket_services

OPEN_STATUSES = ("nouveau", "en_cours", "en_attente")


class TicketThreads:
    def __init__(self, core: Core) -> None:
        self.core = core

    def ticket_of_message(self, chat_id: int, message_id: int) -> int | None:
        from tickets.models import Delivery

        with self.core.transaction() as db:
            ticket_id = db.scalar(select(TicketMessage.ticket_id).where(
                TicketMessage.chat_id == chat_id, TicketMessage.message_id == message_id))
            if ticket_id is not None:
                return int(ticket_id)
            delivery_id = db.scalar(select(SentDelivery.delivery_id).where(
                SentDelivery.chat_id == chat_id, SentDelivery.telegram_message_id == message_id))
            if delivery_id is None:
                return None
            ticket_id = db.scalar(select(Delivery.ticket_id).where(Delivery.id == delivery_id))
            return int(ticket_id) if ticket_id is not None else None

    def handled_open_tickets(self, chat_id: int) -> list[ticket_services.TicketSummary]:
        tickets = ticket_services.list_my_tickets(self.core, chat_id, limit=20)
        return [t for t in tickets if t.status in OPEN_STATUSES and t.handled_by_human]
