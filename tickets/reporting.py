"""The helpdesk report: per queue, tickets created in a period, their first-response
and resolution SLA results, and satisfaction. Pure SQL aggregates (GROUP BY on the
``(queue_id, created_at)`` index); the median is ``percentile_cont`` on PostgreSQL
and is computed from one sorted column on SQLite.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import case, func, select

from ceres_core.clock import PARIS
from ceres_core.core import Core
from tickets._common import StaffRef, resolve_actor, staff_queue_ids
from tickets.models import OPEN_STATUSES, Queue, Rating, Ticket


@dataclass(frozen=True)
class ExtraReport:
    """A section another part of the product adds to the report page (the bot's
    reminders, for instance): a title, labelled figures, a note. The dashboard does
    not import those parts: the program that builds it passes their sections."""

    title: str
    rows: tuple[tuple[str, str], ...]
    note: str = ""


#: ``section(core, since, until) -> ExtraReport`` over ``[since, until)``.
ReportSection = Callable[[Core, datetime, datetime], ExtraReport]


@dataclass(frozen=True)
class ReportRow:
    queue: str
    queue_name: str
    created: int
    resolved: int
    open: int
    #: Median first-response time, in opening minutes (None: no response yet).
    median_first_response_minutes: float | None
    first_response_met_pct: float | None
    resolution_met_pct: float | None
    satisfaction_avg: float | None
    ratings: int


@dataclass(frozen=True)
class Report:
    since: datetime
    until: datetime
    rows: list[ReportRow]
    total: ReportRow


def _instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=PARIS)
    return datetime.combine(value, time(0), PARIS)


def _pct(met: int | None, counted: int | None) -> float | None:
    return round(100.0 * (met or 0) / counted, 1) if counted else None


def report(core: Core, staff: StaffRef, since: date | datetime, until: date | datetime) -> Report:
    """Tickets created in ``[since, until)`` on the actor's queues (all for the operator).

    A date means midnight (Paris) of that day; ``until`` is excluded.
    """
    start, end = _instant(since), _instant(until)
    with core.transaction() as db:
        actor = resolve_actor(db, staff)
        allowed = staff_queue_ids(actor)
        conditions = [Ticket.created_at >= start, Ticket.created_at < end]
        if allowed is not None:
            conditions.append(Ticket.queue_id.in_(allowed or [-1]))

        def flag(column):
            return func.sum(case((column.is_(True), 1), else_=0))

        aggregates = db.execute(
            select(
                Ticket.queue_id,
                func.count(Ticket.id),
                func.count(Ticket.resolved_at),
                func.sum(case((Ticket.status.in_(OPEN_STATUSES), 1), else_=0)),
                flag(Ticket.first_response_met),
                func.count(Ticket.first_response_met),
                flag(Ticket.resolution_met),
                func.count(Ticket.resolution_met),
            )
            .where(*conditions)
            .group_by(Ticket.queue_id)
        ).all()
        ratings = {
            queue_id: (avg, n)
            for queue_id, avg, n in db.execute(
                select(Ticket.queue_id, func.avg(Rating.score), func.count(Rating.id))
                .join(Rating, Rating.ticket_id == Ticket.id)
                .where(*conditions)
                .group_by(Ticket.queue_id)
            ).all()
        }
        medians, overall_median = _medians(db, conditions)
        queues = {
            q.id: q for q in db.scalars(select(Queue).where(Queue.id.in_([a[0] for a in aggregates])))
        }
        rows: list[ReportRow] = []
        totals = [0] * 7
        rating_sum = 0.0
        rating_n = 0
        for queue_id, created, resolved, open_, fr_met, fr_n, res_met, res_n in aggregates:
            avg, n = ratings.get(queue_id, (None, 0))
            q = queues[queue_id]
            rows.append(
                ReportRow(
                    q.code, q.name, created, resolved, int(open_ or 0),
                    medians.get(queue_id), _pct(fr_met, fr_n), _pct(res_met, res_n),
                    round(float(avg), 2) if avg is not None else None, n,
                )
            )
            for i, v in enumerate((created, resolved, open_, fr_met, fr_n, res_met, res_n)):
                totals[i] += int(v or 0)
            if avg is not None:
                rating_sum += float(avg) * n
                rating_n += n
        rows.sort(key=lambda r: r.queue)
        total = ReportRow(
            "total", "Toutes les files", totals[0], totals[1], totals[2], overall_median,
            _pct(totals[3], totals[4]), _pct(totals[5], totals[6]),
            round(rating_sum / rating_n, 2) if rating_n else None, rating_n,
        )
        return Report(start, end, rows, total)


def _medians(db, conditions) -> tuple[dict[int, float], float | None]:
    """Median first-response minutes per queue and overall."""
    measured = [*conditions, Ticket.first_response_seconds.is_not(None)]
    if db.get_bind().dialect.name == "postgresql":
        median = func.percentile_cont(0.5).within_group(Ticket.first_response_seconds)
        per_queue = {
            queue_id: round(float(value) / 60, 1)
            for queue_id, value in db.execute(
                select(Ticket.queue_id, median).where(*measured).group_by(Ticket.queue_id)
            ).all()
        }
        overall = db.scalar(select(median).where(*measured))
        return per_queue, round(float(overall) / 60, 1) if overall is not None else None
    values: dict[int, list[int]] = {}
    everything: list[int] = []
    for queue_id, seconds in db.execute(
        select(Ticket.queue_id, Ticket.first_response_seconds).where(*measured)
    ):
        values.setdefault(queue_id, []).append(seconds)
        everything.append(seconds)
    per_queue = {k: round(statistics.median(v) / 60, 1) for k, v in values.items()}
    overall = round(statistics.median(everything) / 60, 1) if everything else None
    return per_queue, overall
