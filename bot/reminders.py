"""Delivering the reminders (issue 13): one digest a day per linked account, in its hours.

The events come from the core (:func:`ceres_core.services.reminders.due_reminders`);
this module decides *when* and *how* they reach the chat:

* **who**: an active account linked to a chat (its most recently linked chat); nothing
  to an unlinked account, nor to a chat that blocked the bot (Telegram's ``Forbidden``:
  the chat is marked in ``bot_reminder_chat``, as :mod:`bot.delivery_worker` marks the
  helpdesk's requesters; the mark goes when the user writes ``/rappels`` or presses a
  reminder button);
* **when**: in the recipient's delivery hours (``Rules.reminder_hours``, local time of
  its département, working days of its département: :func:`ceres_core.reminders.in_delivery_hours`);
  at most **one digest a day** (a ``digest:<day>`` row), grouping the day's events;
* **what**: the day's events of its kinds still on (``bot_reminder_pref``; « Plus tard »
  pauses a kind until the next working day), minus the ones already sent;
* **once**: before calling Telegram the sender *claims* one ``bot_sent_reminder`` row per
  event and one for the digest (unique ``(user_id, key)``, ``claimed_by`` the pass): a
  second instance, or a second pass after a restart, finds them and sends nothing. Just
  before the request the rows become ``sending``; after Telegram's answer they are
  marked ``sent`` (or ``blocked``); on another Telegram error they are released for the
  next pass. A sender that dies leaves its claims unresolved; the next scheduler
  resolves them (on PostgreSQL at its first pass, since it holds the lock the dead one
  held; elsewhere after :data:`CLAIM_LEASE`): a ``pending`` claim (Telegram never
  called) is released and sent again, nothing lost; a ``sending`` claim becomes
  ``unknown`` and is **not** sent again. Telegram cannot be asked whether a message went
  out, so a death between the request and the mark leaves no certainty: reminders are
  then *at most once* (the digest may be lost, never doubled; ``unknown`` rows count
  it). The same holds for an instance whose lock was lost while it sends: its marks
  only touch its own claims (``claimed_by``). One window of *at least once* remains:
  a Telegram error after the request (``TimedOut``, a network error: the rate
  limiter's retries, then the release) may repeat a digest that did arrive.
* **one scheduler**: the job runs on python-telegram-bot's job queue in every instance;
  on PostgreSQL a pass runs only under a session-level advisory lock
  (:func:`scheduler_lock`, ``pg_try_advisory_lock``): the other instances skip that
  pass, and the lock goes with its connection if the instance dies, so the next pass of
  another instance takes over. The unique claim is the real guarantee; the lock only
  saves work. (When the generic leader lease ``bot/leader.py`` exists, it can replace
  :func:`scheduler_lock`.)

The digest's buttons: the action (:data:`ACTIONS`, the ONE table from the core's action
names to the operations of :mod:`bot.catalogue`, started by :func:`start_action`),
« Plus tard » and « Ne plus recevoir ce type ».
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import socket
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import IntegrityError

from bot import reminder_texts as rtexts
from bot.formatting import esc
from bot.models import ChatLink, ReminderChat, ReminderPreference, SentReminder
from bot.state import ButtonSpec
from ceres_core.calendar import WorkingCalendar
from ceres_core.core import Core
from ceres_core.dte_timeline import format_date_fr
from ceres_core.reminders import (
    Action,
    ReminderEvent,
    ReminderKind,
    in_delivery_hours,
    local_today,
)
from ceres_core.services.reminders import Recipient, due_reminders, recipient_of, recipients
from tickets.reporting import ExtraReport

log = logging.getLogger(__name__)

#: Button kinds of the reminders (dispatched by bot.handlers.reminders).
ACTION = "rm_act"
LATER = "rm_later"
STOP = "rm_stop"
TOGGLE = "rm_toggle"
KINDS = (ACTION, LATER, STOP, TOGGLE)

#: Seconds between two passes of the scheduler, and before the first one.
INTERVAL_SECONDS = 300.0
FIRST_SECONDS = 60.0
#: Without the PostgreSQL lock, a claim unresolved after this long belongs to a sender
#: that died: released if ``pending``, ``unknown`` if ``sending``.
CLAIM_LEASE = timedelta(minutes=10)
#: A claim not resolved yet: ``pending`` (Telegram not called), ``sending`` (maybe sent).
UNRESOLVED = ("pending", "sending")
#: Its sender died while sending: maybe delivered, never sent again (at most once).
UNKNOWN = "unknown"
DIGEST_PREFIX = "digest:"
#: At most this many reminders in one digest (3 buttons each; Telegram's keyboards are small).
MAX_EVENTS_PER_DIGEST = 20
DIGEST_KIND = "digest"


# -- the one mapping: core action → the catalogue's operation ---------------------------------

#: The chat opens a session card instead of an operation.
SESSION_CARD = "session_card"


@dataclass(frozen=True)
class ActionTarget:
    """Where an action of the core (:class:`ceres_core.reminders.Action`) leads in the
    chat: an operation of :mod:`bot.catalogue` (or :data:`SESSION_CARD`), the action's
    parameters it takes, and those without which it is not offered."""

    operation: str
    params: tuple[str, ...] = ()
    required: tuple[str, ...] = ()


#: THE table: every action name used by the reminders (ceres_core.reminders) and by the
#: live answers (bot.live_answers) → the catalogue's operation that starts it. An action
#: not here has no button (its text is the information).
ACTIONS: dict[str, ActionTarget] = {
    "voir_session": ActionTarget(SESSION_CARD, ("session",), ("session",)),
    "commander_dte": ActionTarget("order_dte", ("session",)),
    "calendrier_dte": ActionTarget("dte_timeline", ("session",)),
    "valider_sessions": ActionTarget("sessions_to_validate"),
    "demander_duplicata": ActionTarget("request_duplicate", ("session", "candidate")),
    # one session's prints (a centre's or UD's); the Afpa's daily list names none
    "traiter_impressions": ActionTarget("request_print", ("session",), ("session",)),
    "telecharger_attestation": ActionTarget("attestation_reussite", ("session", "candidate")),
    "enregistrer_pnd": ActionTarget("record_pnd", ("session", "candidate")),
    # DREETS: a juror's habilitations; likely duplicate records of the region
    "voir_habilitations": ActionTarget("habilitation", ("juror",)),
    "voir_doublons": ActionTarget("find_duplicates"),
    # Afpa: a PND mail to re-send, noted once done (R-AFT-2)
    "renvoyer_pnd": ActionTarget("handle_pnd_notice"),
    # GEV: the DTE orders to acknowledge or prepare
    "traiter_commandes_dte": ActionTarget("dte_orders_to_prepare"),
}


def operation_payload(action: Action | None) -> dict[str, Any] | None:
    """The payload of the catalogue's operation button (``bot.keyboards.OPERATION``,
    :mod:`bot.handlers.forms`) that starts ``action``, or ``None`` when the chat has no
    operation for it."""
    if action is None:
        return None
    target = ACTIONS.get(action.operation)
    if target is None:
        return None
    given = {n: str(action.params[n]) for n in target.params if action.params.get(n)}
    if any(n not in given for n in target.required):
        return None
    if target.operation == SESSION_CARD:
        return {"do": "card", "s": given["session"]}
    from bot import catalogue

    if catalogue.by_name(target.operation) is None:  # pragma: no cover - checked by tests
        return None
    return {"do": "run", "op": target.operation, "params": given}


def may_start(core: Core, login: str, action: Action | None) -> bool:
    """Whether the chat has an operation for ``action`` that ``login`` may run (the
    core's role check, :func:`bot.catalogue.may_run`)."""
    payload = operation_payload(action)
    if payload is None:
        return False
    if payload["do"] != "run":
        return True
    from bot import catalogue

    op = catalogue.by_name(str(payload["op"]))
    return op is not None and catalogue.may_run(core, login, op)


async def start_action(update: Any, context: Any, action: Action) -> bool:
    """Start ``action`` from a pressed button (a reminder's, a live answer's) exactly as
    the catalogue's own operation button does (:func:`bot.handlers.forms.on_button`:
    the link checked, the core asked whether this profile may run it, the missing
    values asked, a recap to confirm); ``False`` if the chat has no operation for it."""
    payload = operation_payload(action)
    if payload is None:
        return False
    from bot import keyboards
    from bot.handlers import forms
    from bot.state import Press

    await forms.on_button(update, context, Press("", keyboards.OPERATION, payload))
    return True


def action_label(action: Action | None) -> str | None:
    if action is None or operation_payload(action) is None:
        return None
    return rtexts.ACTION_LABELS.get(action.operation)


# -- preferences --------------------------------------------------------------------------


@dataclass(frozen=True)
class KindChoice:
    kind: ReminderKind
    enabled: bool
    snoozed_until: date | None


def preferences(core: Core, user_id: int, kinds: Sequence[ReminderKind]) -> list[KindChoice]:
    """The account's choice for each of ``kinds`` (on by default)."""
    with core.transaction() as db:
        rows = {r.kind: r for r in db.scalars(
            select(ReminderPreference).where(ReminderPreference.user_id == user_id))}
    out = []
    for k in kinds:
        row = rows.get(k.value)
        out.append(KindChoice(k, row.enabled if row else True, row.snoozed_until if row else None))
    return out


def _set_pref(core: Core, user_id: int, kind: str, **values: Any) -> None:
    now = core.clock.now()
    for _attempt in range(2):  # a concurrent first write wins the unique (user, kind)
        try:
            with core.transaction() as db:
                row = db.scalar(select(ReminderPreference).where(
                    ReminderPreference.user_id == user_id, ReminderPreference.kind == kind))
                if row is None:
                    row = ReminderPreference(user_id=user_id, kind=kind, enabled=True,
                                             snoozed_until=None, updated_at=now)
                    db.add(row)
                for name, value in values.items():
                    setattr(row, name, value)
                row.updated_at = now
            return
        except IntegrityError:
            continue


def set_enabled(core: Core, user_id: int, kind: ReminderKind, enabled: bool) -> None:
    _set_pref(core, user_id, kind.value, enabled=enabled)


def snooze(core: Core, user_id: int, key: str, kind: ReminderKind,
           departement: str | None) -> date:
    """« Plus tard »: pause ``kind`` until the next working day and deliver this event
    again then (its sent row is removed). Returns that day."""
    cal = WorkingCalendar(departement)
    until = cal.add_working_days(local_today(core.clock.now(), departement), 1)
    _set_pref(core, user_id, kind.value, snoozed_until=until)
    with core.transaction() as db:
        db.execute(delete(SentReminder).where(SentReminder.user_id == user_id,
                                              SentReminder.key == key,
                                              SentReminder.status == "sent"))
    return until


def mark_acted(core: Core, user_id: int, key: str) -> None:
    """The reminder's action button was pressed (the dashboard counts these)."""
    with core.transaction() as db:
        db.execute(
            update(SentReminder)
            .where(SentReminder.user_id == user_id, SentReminder.key == key,
                   SentReminder.acted_at.is_(None))
            .values(acted_at=core.clock.now())
            .execution_options(synchronize_session=False)
        )


def unblock(core: Core, chat_id: int) -> None:
    with core.transaction() as db:
        db.execute(delete(ReminderChat).where(ReminderChat.chat_id == chat_id))


def _mark_blocked(core: Core, chat_id: int, user_id: int) -> None:
    with contextlib.suppress(IntegrityError), core.transaction() as db:
        if db.get(ReminderChat, chat_id) is None:
            db.add(ReminderChat(chat_id=chat_id, user_id=user_id, blocked_at=core.clock.now()))


# -- what a recipient gets on a day --------------------------------------------------------


@dataclass(frozen=True)
class Digest:
    recipient: Recipient
    day: date
    chat_id: int | None
    events: tuple[ReminderEvent, ...]
    #: Already sent today: nothing more before tomorrow.
    already_sent_today: bool = False
    blocked: bool = False


def linked_chats(core: Core) -> dict[int, int]:
    """``users.id`` → the chat most recently linked to it."""
    with core.transaction() as db:
        rows = db.execute(select(ChatLink.user_id, ChatLink.chat_id, ChatLink.linked_at)
                          .order_by(ChatLink.linked_at, ChatLink.chat_id)).all()
    return {user_id: chat_id for user_id, chat_id, _at in rows}


def plan(core: Core, recipient: Recipient, day: date, events: Sequence[ReminderEvent],
         chat_id: int | None) -> Digest:
    """The digest ``recipient`` would get on ``day`` from the day's ``events``: its
    events, kinds on and not paused, not sent yet."""
    mine = [e for e in events if recipient.user_id in e.recipients]
    if not mine:
        return Digest(recipient, day, chat_id, ())
    choices = {c.kind: c for c in preferences(core, recipient.user_id, recipient.kinds)}
    keys = [e.key for e in mine] + [DIGEST_PREFIX + day.isoformat()]
    with core.transaction() as db:
        sent = set(db.scalars(select(SentReminder.key).where(
            SentReminder.user_id == recipient.user_id, SentReminder.key.in_(keys))))
        blocked = chat_id is not None and db.get(ReminderChat, chat_id) is not None
    wanted = []
    for e in mine:
        choice = choices.get(e.kind)
        if choice is None or not choice.enabled:
            continue
        if choice.snoozed_until is not None and day < choice.snoozed_until:
            continue
        if e.key not in sent:
            wanted.append(e)
    # One message: the rest waits for the next working day (still current, or renewed).
    wanted = wanted[:MAX_EVENTS_PER_DIGEST]
    return Digest(recipient, day, chat_id, tuple(wanted),
                  already_sent_today=DIGEST_PREFIX + day.isoformat() in sent, blocked=blocked)


def render(digest: Digest) -> tuple[str, list[list[ButtonSpec]]]:
    """The digest's HTML and its buttons (action, « Plus tard », « Ne plus recevoir »)."""
    lines = [rtexts.DIGEST_HEADER.format(day=esc(format_date_fr(digest.day)))]
    rows: list[list[ButtonSpec]] = []
    for n, e in enumerate(digest.events, start=1):
        lines.append(f"{n}. {esc(e.text)}")
        payload = operation_payload(e.action)
        label = action_label(e.action)
        if payload is not None and label is not None:
            assert e.action is not None
            rows.append([ButtonSpec(f"{n} · {label}", ACTION,
                                    {"key": e.key, "a": e.action.operation,
                                     "p": dict(e.action.params)}, reusable=True)])
        rows.append([
            ButtonSpec(rtexts.BUTTON_LATER.format(n=n), LATER,
                       {"key": e.key, "kind": e.kind.value}, reusable=True),
            ButtonSpec(rtexts.BUTTON_STOP.format(n=n), STOP, {"kind": e.kind.value},
                       reusable=True),
        ])
    lines.append(rtexts.DIGEST_FOOTER)
    return "\n\n".join(lines), rows


@dataclass(frozen=True)
class Settings:
    """What ``/rappels`` shows: the kinds and the account's choices, and today's events."""

    recipient: Recipient
    choices: tuple[KindChoice, ...]
    day: date
    #: Today's events of the account, each with ``True`` if already sent.
    today: tuple[tuple[ReminderEvent, bool], ...]


def settings(core: Core, login: str) -> Settings:
    r = recipient_of(core, login)
    day = local_today(core.clock.now(), r.departement)
    mine = [e for e in due_reminders(core, day) if r.user_id in e.recipients]
    with core.transaction() as db:
        sent = set(db.scalars(select(SentReminder.key).where(
            SentReminder.user_id == r.user_id, SentReminder.key.in_([e.key for e in mine]))))
    return Settings(r, tuple(preferences(core, r.user_id, r.kinds)), day,
                    tuple((e, e.key in sent) for e in mine))


# -- claiming and marking (the idempotency) --------------------------------------------------


def resolve_orphan_claims(core: Core, *, lock_held: bool) -> tuple[int, int]:
    """Resolve the claims of senders that died: ``pending`` ones are released (Telegram
    was not called), ``sending`` ones become :data:`UNKNOWN` (maybe delivered: never sent
    again). With the PostgreSQL lock (``lock_held``) every unresolved claim is an orphan
    (claims are written under the lock, and this pass has none yet); without it, only
    those older than :data:`CLAIM_LEASE`. Returns (released, unknown)."""
    orphan = SentReminder.status.in_(UNRESOLVED)
    if not lock_held:
        orphan = orphan & (SentReminder.sent_at < core.clock.now() - CLAIM_LEASE)
    with core.transaction() as db:
        unknown = db.execute(
            update(SentReminder).where(orphan, SentReminder.status == "sending")
            .values(status=UNKNOWN).execution_options(synchronize_session=False)).rowcount or 0
        released = db.execute(delete(SentReminder).where(orphan)).rowcount or 0
    if unknown:
        log.warning("%d claimed row(s) (digests and their reminders) whose sender died while "
                    "sending: maybe delivered, not sent again", unknown)
    return released, unknown


def release_stale_claims(core: Core) -> int:
    """Release the claims of a sender that died before calling Telegram (see :data:`CLAIM_LEASE`)."""
    return resolve_orphan_claims(core, lock_held=False)[0]


def claim(core: Core, digest: Digest, owner: str | None = None) -> bool:
    """Claim the digest's rows in one transaction for the pass ``owner``; ``False`` if
    another sender has them."""
    assert digest.chat_id is not None
    now = core.clock.now()
    rows = [(DIGEST_PREFIX + digest.day.isoformat(), DIGEST_KIND)]
    rows += [(e.key, e.kind.value) for e in digest.events]
    try:
        with core.transaction() as db:
            for key, kind in rows:
                db.add(SentReminder(user_id=digest.recipient.user_id, key=key, kind=kind,
                                    chat_id=digest.chat_id, status="pending", sent_at=now,
                                    claimed_by=owner))
            db.flush()
    except IntegrityError:
        return False
    return True


def _keys(digest: Digest) -> list[str]:
    return [DIGEST_PREFIX + digest.day.isoformat()] + [e.key for e in digest.events]


def _claimed(digest: Digest, owner: str | None, statuses: Sequence[str]) -> list[Any]:
    where = [SentReminder.user_id == digest.recipient.user_id,
             SentReminder.key.in_(_keys(digest)), SentReminder.status.in_(statuses)]
    if owner is not None:  # a pass touches its own claims only
        where.append(SentReminder.claimed_by == owner)
    return where


def mark(core: Core, digest: Digest, status: str, message_id: int | None = None,
         owner: str | None = None) -> int:
    """Mark the digest's claimed rows ``status``; how many rows (0: no longer ours). A
    final mark also corrects an :data:`UNKNOWN` the pass's own rows were given meanwhile."""
    statuses = UNRESOLVED if status == "sending" else (*UNRESOLVED, UNKNOWN)
    with core.transaction() as db:
        return db.execute(
            update(SentReminder)
            .where(*_claimed(digest, owner, statuses))
            .values(status=status, telegram_message_id=message_id)
            .execution_options(synchronize_session=False)
        ).rowcount or 0


def release(core: Core, digest: Digest, owner: str | None = None) -> None:
    with core.transaction() as db:
        db.execute(delete(SentReminder).where(*_claimed(digest, owner, UNRESOLVED)))


# -- one scheduler at a time ----------------------------------------------------------------

_LOCK_NAME = "ceres-assist:reminders-scheduler"


def _lock_id() -> int:
    digest = hashlib.blake2b(_LOCK_NAME.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.contextmanager
def scheduler_lock(core: Core) -> Iterator[bool]:
    """Hold the scheduler's lock for one pass: ``True`` if this instance has it.

    PostgreSQL: a session-level ``pg_try_advisory_lock`` on a connection kept for the
    pass (released at the end, or by the server when the connection dies). Other
    databases (SQLite: one machine): always ``True``; the unique claims still make each
    reminder go out once.
    """
    if core.engine.dialect.name != "postgresql":
        yield True
        return
    with core.engine.connect() as conn:
        got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"),
                                {"k": _lock_id()}).scalar())
        try:
            yield got
        finally:
            if got:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _lock_id()})
            conn.commit()


# -- the pass -------------------------------------------------------------------------------


def _pass_id() -> str:
    """The ``claimed_by`` of a pass's claims: host, process (read now: a forked process
    is another instance) and a random part, unique per pass."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(6)}"


def due_digests(core: Core, now: datetime | None = None) -> list[Digest]:
    """The digests to send now: linked recipients in their delivery hours, not blocked,
    without today's digest, with at least one event."""
    now = now or core.clock.now()
    chats = linked_chats(core)
    waiting: list[tuple[Recipient, date]] = []
    for r in recipients(core):
        if chats.get(r.user_id) is None or not r.kinds:
            continue
        if in_delivery_hours(now, r.departement, core.rules):
            waiting.append((r, local_today(now, r.departement)))
    # Who already had today's digest: one query, and no event computed for them.
    with core.transaction() as db:
        done = set(db.execute(select(SentReminder.user_id, SentReminder.key).where(
            SentReminder.key.in_({DIGEST_PREFIX + d.isoformat() for _r, d in waiting}))).all())
    by_day: dict[date, list[ReminderEvent]] = {}
    out = []
    for r, day in waiting:
        chat_id = chats[r.user_id]
        if (r.user_id, DIGEST_PREFIX + day.isoformat()) in done:
            continue
        if day not in by_day:
            by_day[day] = due_reminders(core, day)
        digest = plan(core, r, day, by_day[day], chat_id)
        if digest.events and not digest.already_sent_today and not digest.blocked:
            out.append(digest)
    return out


async def run_pass(bot: Any, svc: Any) -> int:
    """One pass of the scheduler: send the digests due now. Returns how many were sent."""
    from telegram.error import Forbidden, TelegramError

    from bot import keyboards
    from bot.runtime import run_sync, send_html

    core: Core = svc.core
    owner = _pass_id()
    lock = scheduler_lock(core)
    got = await run_sync(lock.__enter__)
    try:
        if not got:
            return 0
        await run_sync(resolve_orphan_claims, core,
                       lock_held=core.engine.dialect.name == "postgresql")
        digests = await run_sync(due_digests, core)
        sent = 0
        for digest in digests:
            if not await run_sync(claim, core, digest, owner):
                continue
            assert digest.chat_id is not None
            body, rows = render(digest)
            try:
                markup = await run_sync(keyboards.build, svc.store, digest.chat_id, rows)
                if not await run_sync(mark, core, digest, "sending", None, owner):
                    continue  # resolved by another scheduler (this one lost its lock)
                message = await send_html(bot, digest.chat_id, body, markup)
            except Forbidden as exc:
                log.info("chat %s blocked the bot (%s): reminders stopped", digest.chat_id, exc)
                await run_sync(mark, core, digest, "blocked", None, owner)
                await run_sync(_mark_blocked, core, digest.chat_id, digest.recipient.user_id)
                continue
            except TelegramError as exc:
                log.warning("reminders to chat %s not sent (%s): retried at the next pass",
                            digest.chat_id, exc)
                await run_sync(release, core, digest, owner)
                continue
            except Exception:
                await run_sync(release, core, digest, owner)
                raise
            await run_sync(mark, core, digest, "sent", message.message_id, owner)
            sent += 1
        return sent
    finally:
        await run_sync(lock.__exit__, None, None, None)


async def _job(context: Any) -> None:
    svc = context.application.bot_data["services"]
    try:
        count = await run_pass(context.bot, svc)
    except Exception:
        log.warning("reminders pass failed", exc_info=True)
        return
    if count:
        log.info("sent %d reminder digest(s)", count)


def schedule(app: Any, interval: float = INTERVAL_SECONDS, first: float = FIRST_SECONDS) -> None:
    """Run :func:`run_pass` every ``interval`` seconds on the application's job queue."""
    if app.job_queue is None:
        log.warning("no job queue (python-telegram-bot[job-queue] missing): no reminders sent")
        return
    app.job_queue.run_repeating(_job, interval=interval, first=first, name="reminders")


# -- counts for the dashboard ----------------------------------------------------------------


@dataclass(frozen=True)
class ReminderStats:
    digests: int
    reminders: int
    acted: int
    blocked: int


def stats(core: Core, since: datetime | None = None,
          until: datetime | None = None) -> ReminderStats:
    """Digests and reminders sent in ``[since, until)``, those of them whose action was
    pressed, and the chats that block the bot now."""
    from sqlalchemy import func

    with core.transaction() as db:
        q = select(SentReminder.kind, SentReminder.status, func.count(),
                   func.count(SentReminder.acted_at)).group_by(SentReminder.kind,
                                                               SentReminder.status)
        if since is not None:
            q = q.where(SentReminder.sent_at >= since)
        if until is not None:
            q = q.where(SentReminder.sent_at < until)
        digests = reminders = acted = 0
        for kind, status, count, acted_count in db.execute(q):
            if status != "sent":
                continue
            if kind == DIGEST_KIND:
                digests += count
            else:
                reminders += count
                acted += acted_count
        blocked = db.scalar(select(func.count()).select_from(ReminderChat)) or 0
    return ReminderStats(digests, reminders, acted, blocked)


def report_section(core: Core, since: datetime, until: datetime) -> ExtraReport:
    """The reminders' figures for the helpdesk's report page (issue 13): what the bot
    sent of itself over the period and how often its action button was used."""
    figures = stats(core, since, until)
    share = f" ({figures.acted / figures.reminders:.0%})" if figures.reminders else ""
    return ExtraReport(
        rtexts.REPORT_TITLE,
        (
            (rtexts.REPORT_DIGESTS, str(figures.digests)),
            (rtexts.REPORT_REMINDERS, str(figures.reminders)),
            (rtexts.REPORT_ACTED, f"{figures.acted}{share}".replace("%", " %")),
            (rtexts.REPORT_BLOCKED, str(figures.blocked)),
        ),
        rtexts.REPORT_NOTE,
    )
