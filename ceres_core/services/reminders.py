"""Reminders (issue 13): the events of a day and who receives them.

* :func:`due_reminders` — every event current on a day, with its recipients: what the
  bot's scheduler delivers (a system call, no actor);
* :func:`my_reminders` — the events of one account (R-ACT-2: those whose object its
  scope covers, by construction of the recipients);
* :func:`my_reminder_kinds` — the kinds an account may receive (``/rappels``).

The rules and their readings are in :mod:`ceres_core.reminders`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from ceres_core.access import load_actor
from ceres_core.core import Core
from ceres_core.errors import CeresError
from ceres_core.models import Role
from ceres_core.reminders import (
    Recipients,
    ReminderEvent,
    ReminderKind,
    collect_events,
    duplicate_pair_event,
    kinds_for_roles,
    load_recipients,
)
from ceres_core.services._operation import operation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    """An account that may receive reminders, and where it is (its holidays, its time)."""

    user_id: int
    login: str
    display_name: str
    departement: str | None
    kinds: tuple[ReminderKind, ...]


def due_reminders(core: Core, on: date | None = None) -> list[ReminderEvent]:
    """Every event current on ``on`` (the clock's today by default), with its recipients.

    R-CAN-5 pairs come from :func:`ceres_core.services.candidates.find_duplicates`, run
    for each region that has a DREETS account, as that account (its scope).
    """
    today = on or core.clock.today()
    with core.transaction() as db:
        users = load_recipients(db)
        events = collect_events(db, today, core.rules, users)
        for u in users:
            db.expunge(u)
    return events + _duplicate_events(core, today, Recipients(users))


def _duplicate_events(core: Core, today: date, users: Recipients) -> list[ReminderEvent]:
    from ceres_core.services.candidates import find_duplicates

    regions: dict[str, str] = {}
    for u in users.users:
        for p in u.profiles:
            if p.role is Role.DREETS and p.region_code:
                regions.setdefault(p.region_code, u.login)
    events = []
    for region, login in sorted(regions.items()):
        try:
            pairs = find_duplicates(core, login, region_code=region)
        except CeresError as exc:  # the account lost its scope meanwhile: skip the region
            log.info("no duplicate scan for region %s: %s", region, exc.message)
            continue
        for pair in pairs:
            a, b = pair.first, pair.second
            events.append(duplicate_pair_event(
                region, a.ceres_id, b.ceres_id,
                f"{a.first_name} {a.last_name} (n° {a.ceres_id})",
                f"{b.first_name} {b.last_name} (n° {b.ceres_id})",
                pair.reason, today, users,
            ))
    return [e for e in events if e.recipients]


def recipients(core: Core) -> list[Recipient]:
    """Every active account, with its département and the kinds it may receive."""
    from ceres_core.reminders import user_departement

    with core.transaction() as db:
        return [
            Recipient(u.id, u.login, u.display_name, user_departement(u),
                      kinds_for_roles(p.role for p in u.profiles))
            for u in load_recipients(db)
        ]


def recipient_of(core: Core, actor: str) -> Recipient:
    """One account as a recipient (its département and kinds); refuses an unknown login."""
    from ceres_core.reminders import user_departement

    with core.transaction() as db:
        user = load_actor(db, actor)
        return Recipient(user.id, user.login, user.display_name, user_departement(user),
                         kinds_for_roles(p.role for p in user.profiles))


@operation("reminders.mine")
def my_reminders(core: Core, actor: str, on: date | None = None) -> list[ReminderEvent]:
    """The events of ``actor`` on ``on`` (the clock's today by default)."""
    with core.transaction() as db:
        user_id = load_actor(db, actor).id
    return [e for e in due_reminders(core, on) if user_id in e.recipients]


@operation("reminders.kinds")
def my_reminder_kinds(core: Core, actor: str) -> tuple[ReminderKind, ...]:
    """The kinds of reminders ``actor``'s profiles may receive (catalogue order)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        return kinds_for_roles(p.role for p in user.profiles)
