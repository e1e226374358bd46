"""SLA bookkeeping of a ticket on its queue's opening hours: due dates, pauses
(*en attente du demandeur*, *résolu*), first response and resolution times, the
reopening delay."""

from __future__ import annotations

from datetime import datetime, timedelta

from tickets.hours import Schedule, due_at, opening_time_between
from tickets.models import Queue, Ticket, TicketStatus


def schedule_of(queue: Queue) -> Schedule:
    return Schedule.from_spec(queue.hours, queue.timezone, queue.departement)



def start_sla(ticket: Ticket, queue: Queue) -> None:
    sched = schedule_of(queue)
    ticket.first_response_due = due_at(sched, ticket.created_at, queue.first_response_minutes)
    ticket.resolution_due = due_at(sched, ticket.created_at, queue.resolution_minutes)



def active_time(ticket: Ticket, queue: Queue, at: datetime) -> timedelta:
    """Opening time the ticket has spent with its clock running, up to ``at``."""
    sched = schedule_of(queue)
    total = opening_time_between(sched, ticket.created_at, at) - timedelta(seconds=ticket.paused_seconds)
    if ticket.paused_since is not None:
        total -= opening_time_between(sched, ticket.paused_since, at)
    return max(total, timedelta(0))



def pause_sla(ticket: Ticket, now: datetime) -> None:
    if ticket.paused_since is None:
        ticket.paused_since = now
        ticket.first_response_due = None
        ticket.resolution_due = None



def resume_sla(ticket: Ticket, queue: Queue, now: datetime) -> None:
    sched = schedule_of(queue)
    if ticket.paused_since is not None:
        paused = opening_time_between(sched, ticket.paused_since, now)
        ticket.paused_seconds += int(paused.total_seconds())
        ticket.paused_since = None
    extra = timedelta(seconds=ticket.paused_seconds)
    if ticket.first_response_at is None:
        ticket.first_response_due = due_at(
            sched, ticket.created_at, timedelta(minutes=queue.first_response_minutes) + extra
        )
    if ticket.resolved_at is None:
        ticket.resolution_due = due_at(
            sched, ticket.created_at, timedelta(minutes=queue.resolution_minutes) + extra
        )



def record_first_response(ticket: Ticket, queue: Queue, now: datetime) -> None:
    if ticket.first_response_at is not None:
        return
    spent = active_time(ticket, queue, now)
    ticket.first_response_at = now
    ticket.first_response_seconds = int(spent.total_seconds())
    ticket.first_response_met = spent <= timedelta(minutes=queue.first_response_minutes)



def record_resolution(ticket: Ticket, queue: Queue, now: datetime) -> None:
    spent = active_time(ticket, queue, now)
    ticket.resolved_at = now
    ticket.resolution_seconds = int(spent.total_seconds())
    ticket.resolution_met = spent <= timedelta(minutes=queue.resolution_minutes)



def clear_resolution(ticket: Ticket) -> None:
    ticket.resolved_at = None
    ticket.resolution_seconds = None
    ticket.resolution_met = None



def reopen_until(ticket: Ticket) -> datetime | None:
    """The end of the reopening delay of a *résolu* ticket (``Queue.reopen_days``)."""
    if ticket.status is not TicketStatus.RESOLU or ticket.resolved_at is None:
        return None
    return ticket.resolved_at + timedelta(days=ticket.queue.reopen_days)
