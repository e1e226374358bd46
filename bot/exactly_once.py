"""Exactly once, end to end (issue 12).

* :func:`carry_out` — « ✅ Confirmer »: in ONE transaction, the confirmation row moves
  from ``pending`` to ``done`` (or ``refused``), the core's service runs in that same
  transaction (:func:`ceres_core.services.checks.joined`: its own transactions become
  savepoints), and the reply is written to the outbox (:mod:`bot.outbox`). A crash
  before the commit leaves nothing done and the button usable (it is reusable: the
  row's status is what is spent); after the commit, the reply is sent from the outbox.
  A refusal of the core rolls the effect back (its savepoint) and records ``refused``
  with the refusal as the reply, in the same transaction.
* :func:`in_one_transaction` — the same for a ticket and its first message, or a
  requester's message on a ticket: the conversation state's change, the effect and the
  reply commit together.
* :func:`claim_update` / :func:`finish_update` — updates de-duplicated by
  ``update_id`` in the database, shared by every instance: a redelivered update is a
  no-op; a claim whose instance died is taken again after :data:`UPDATE_LEASE`.
  The runner (:mod:`bot.app`) claims with :func:`begin_update` before handling, which
  also reads what the handlers need first (:mod:`bot.update_context`); the webhook
  answers 200 only once handled (a delivery of an update that another delivery is
  handling gets 503 and Telegram delivers it again later), polling acknowledges an
  update only once handled.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError

from bot import conversation as conv
from bot import transcript
from bot.accounts import linked_login_in
from bot.models import PendingOperation, SeenUpdate
from bot.state import InvalidButton
from bot.update_context import UpdateSnapshot
from ceres_core.core import Core
from ceres_core.db import lock_for_write
from ceres_core.errors import CeresError
from ceres_core.services.checks import joined
from tickets.services import chat_tickets_in

log = logging.getLogger(__name__)
T = TypeVar("T")

#: A claim not marked done after this long belongs to an instance that died while
#: handling it: the next delivery takes it again. An update is handled in well under a
#: second; Telegram redelivers within seconds (the webhook answered nothing).
UPDATE_LEASE = timedelta(seconds=10)


def carry_out(
    core: Core,
    pending_id: int,
    chat_id: int,
    telegram_user_id: int | None,
    user_id: int | None,
    run: Callable[[Core, str, dict[str, Any]], Any],
    reply: Callable[[Any, Core, Any, CeresError | None], int],
    login: str,
) -> str:
    """Carry a confirmed operation out once; returns ``done`` or ``refused``.

    ``run(core, login, params)`` calls the service; ``reply(db, core, outcome, error)``
    writes the outbox row. Raises :class:`InvalidButton` when the confirmation is not
    this user's, not this chat's, expired or already decided.
    """
    now = core.clock.now()
    with core.transaction() as db:
        lock_for_write(db, f"bot.pending:{pending_id}")
        row = db.scalar(select(PendingOperation).where(PendingOperation.id == pending_id)
                        .with_for_update())
        if row is None or row.chat_id != chat_id:
            raise InvalidButton("unknown pending operation")
        if row.telegram_user_id is not None and row.telegram_user_id != telegram_user_id:
            raise InvalidButton("confirmation of another Telegram user")
        if user_id is None or row.user_id != user_id:
            raise InvalidButton("confirmation prepared for another account")
        if row.status != "pending":
            raise InvalidButton(f"pending operation already {row.status}")
        if row.expires_at <= now:
            row.status = "expired"
            return "expired"
        inner = joined(core, db)
        error: CeresError | None = None
        outcome = None
        savepoint = db.begin_nested()
        try:
            outcome = run(inner, login, dict(row.params))
            savepoint.commit()
        except CeresError as exc:
            savepoint.rollback()
            error = exc
        row.status = "refused" if error is not None else "done"
        row.decided_at = now
        reply(db, core, outcome, error)
        return row.status


def in_one_transaction(core: Core, work: Callable[[Any, Core], T], *, lock: str | None = None) -> T:
    """``work(db, joined_core)`` in one transaction: a service called with ``joined_core``
    commits or rolls back with everything ``work`` writes in ``db``."""
    with core.transaction() as db:
        lock_for_write(db, lock)
        return work(db, joined(core, db))


# -- updates ---------------------------------------------------------------------------------


def take_update(core: Core, update_id: int) -> str:
    """Take an update for handling: ``new`` (this caller handles it), ``done`` (handled
    already) or ``busy`` (another delivery of it is being handled)."""
    return begin_update(core, update_id)[0]


def begin_update(core: Core, update_id: int, chat_id: int | None = None,
                 private: bool = False) -> tuple[str, UpdateSnapshot | None]:
    """Take an update (:func:`take_update`'s answer) and, when it is ``new`` and from a
    private chat, read the chat's conversation state, linked login and whether its
    tickets may take its messages (:func:`tickets.services.chat_tickets_in`) in the same
    transaction: one round trip for what every update of a chat needs first
    (:mod:`bot.update_context`)."""
    now = core.clock.now()
    try:
        with core.transaction() as db:
            # The usual case in one statement: a new update (no ORM unit of work).
            inserted = db.connection().execute(
                _insert_new(db), {"update_id": update_id, "claimed_at": now}
            ).first() is not None
            if not inserted:  # seen before: done, held by another delivery, or lapsed
                outcome = _claim_seen(db, update_id, now)
                if outcome is not None:
                    return outcome, None
            snap = UpdateSnapshot(update_id, chat_id, private)
            if private and chat_id is not None:
                snap.state = conv.load_in(db, chat_id)
                snap.login = linked_login_in(db, chat_id)
                snap.login_known = True
                snap.tickets = chat_tickets_in(db, chat_id)
            return "new", snap
    except IntegrityError:  # claimed at the same moment by another instance
        return "busy", None


def _claim_seen(db: Any, update_id: int, now: Any) -> str | None:
    """The claim of an update whose row exists: ``"done"``, ``"busy"`` (another delivery
    holds it within :data:`UPDATE_LEASE`), or ``None`` once taken (a lapsed claim, or a
    row purged meanwhile)."""
    row = db.get(SeenUpdate, update_id)
    if row is None:  # deleted meanwhile (purge): take it
        db.add(SeenUpdate(update_id=update_id, claimed_at=now))
        db.flush()
        return None
    if row.done_at is not None:
        return "done"
    if row.claimed_at > now - UPDATE_LEASE:
        return "busy"
    result = db.execute(
        update(SeenUpdate)
        .where(SeenUpdate.update_id == update_id, SeenUpdate.done_at.is_(None),
               SeenUpdate.claimed_at == row.claimed_at)
        .values(claimed_at=now).execution_options(synchronize_session=False))
    return None if result.rowcount == 1 else "busy"


def _insert_new(db: Any) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING`` of a claim, in the session's dialect (built
    once: a statement built at every call costs more than its execution)."""
    return _INSERT_NEW[db.get_bind().dialect.name == "postgresql"]


_INSERT_NEW = (  # RETURNING: the row when inserted (psycopg's rowcount here is -1)
    sqlite_insert(SeenUpdate).on_conflict_do_nothing(index_elements=["update_id"])
    .returning(SeenUpdate.update_id),
    pg_insert(SeenUpdate).on_conflict_do_nothing(index_elements=["update_id"])
    .returning(SeenUpdate.update_id),
)


def claim_update(core: Core, update_id: int) -> bool:
    """Take an update for handling; False when another delivery of it was (or is) handled."""
    return take_update(core, update_id) == "new"


def finish_update(core: Core, update_id: int, snap: UpdateSnapshot | None = None) -> None:
    """Mark the update handled and, in the same transaction, write the transcript lines
    its snapshot kept (:mod:`bot.update_context`)."""
    with core.transaction() as db:
        db.connection().execute(_MARK_DONE, {"uid": update_id, "done": core.clock.now()})
        if snap is not None:
            write_kept_lines(db, snap)


_SEEN = SeenUpdate.__table__
_MARK_DONE = (update(_SEEN).where(_SEEN.c.update_id == bindparam("uid"))
              .values(done_at=bindparam("done")))


def write_kept_lines(db: Any, snap: UpdateSnapshot) -> None:
    """The snapshot's transcript lines, written in ``db``; later lines are written at once."""
    snap.finished = True
    lines, snap.lines = snap.lines, []
    if lines and snap.chat_id is not None:
        transcript.record_in(db, snap.chat_id, lines)


def flush_kept_lines(core: Core, snap: UpdateSnapshot) -> None:
    """The lines of an update whose handling ended before its « done » mark."""
    if not snap.lines:
        snap.finished = True
        return
    with core.transaction() as db:
        write_kept_lines(db, snap)


def finish_update_in(db: Any, core: Core, update_id: int | None) -> None:
    """Mark the update handled inside the transaction of its effect."""
    if update_id is None:
        return
    db.execute(update(SeenUpdate).where(SeenUpdate.update_id == update_id)
               .values(done_at=core.clock.now()).execution_options(synchronize_session=False))


def purge_updates(core: Core, older_than: timedelta = timedelta(days=2)) -> int:
    from sqlalchemy import delete

    with core.transaction() as db:
        return db.execute(delete(SeenUpdate).where(
            SeenUpdate.claimed_at < core.clock.now() - older_than)).rowcount or 0
