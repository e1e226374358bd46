"""Delivering the reminders (:mod:`bot.reminders`) on the demo data, the clock moved over
a month: each linked demo account gets exactly its reminders, once, one digest a working
day at most, in its working hours; nothing to an unlinked account or a chat that blocked
the bot; two passes at once (two instances) send nothing twice; « Plus tard » and
« Ne plus recevoir ce type »; the command-line preview."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from telegram.error import Forbidden, TimedOut

from bot import reminders as rem
from bot.models import ChatLink, ReminderChat, SentReminder
from bot.state import StateStore
from ceres_core.calendar import WorkingCalendar
from ceres_core.clock import PARIS
from ceres_core.demo import DEMO_USERS, load_demo
from ceres_core.models import User
from ceres_core.reminders import ReminderKind, in_delivery_hours, local_today
from ceres_core.services.reminders import due_reminders, recipient_of

START = datetime(2026, 12, 7, 0, 0, tzinfo=PARIS)  # a Monday
DAYS = 31
#: Hours of the passes (Paris time): around the working hours of Paris and La Réunion.
HOURS = (0, 5, 6, 7, 8, 9, 10, 12, 14, 16, 17, 20)
UNLINKED = "centre.bretagne"
BLOCKED = "ud93"


class FakeBot:
    """Records what the scheduler sends; one chat has blocked the bot."""

    def __init__(self, clock, blocked: set[int] | None = None) -> None:
        self.clock = clock
        self.blocked = blocked or set()
        self.failing: set[int] = set()
        self.sent: list[tuple[datetime, int, str, object]] = []
        self.attempts: Counter[int] = Counter()

    async def send_message(self, chat_id: int, text: str, **kwargs):
        self.attempts[chat_id] += 1
        await asyncio.sleep(0)
        if chat_id in self.blocked:
            raise Forbidden("Forbidden: bot was blocked by the user")
        if chat_id in self.failing:
            raise TimedOut()
        self.sent.append((self.clock.now(), chat_id, text, kwargs.get("reply_markup")))
        return SimpleNamespace(message_id=len(self.sent))


def _link_all(core, clock, skip: tuple[str, ...] = (UNLINKED,)) -> dict[str, int]:
    chats = {}
    with core.transaction() as db:
        for n, login in enumerate(DEMO_USERS, start=1):
            if login in skip:
                continue
            user_id = db.scalar(select(User.id).where(User.login == login))
            chats[login] = 5000 + n
            db.add(ChatLink(chat_id=5000 + n, user_id=user_id, linked_at=clock.now()))
    return chats


@pytest.fixture
def demo(core, clock):
    clock.set(START.replace(hour=8))
    load_demo(core)
    return core


async def test_a_month_of_reminders_on_the_demo(demo, clock) -> None:
    core = demo
    chats = _link_all(core, clock)
    login_of = {chat: login for login, chat in chats.items()}
    bot = FakeBot(clock, blocked={chats[BLOCKED]})
    svc = SimpleNamespace(core=core, store=StateStore(core))
    for day in range(DAYS):
        for hour in HOURS:
            clock.set(START + timedelta(days=day, hours=hour))
            await asyncio.gather(rem.run_pass(bot, svc), rem.run_pass(bot, svc))  # 2 instances

    received: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    for at, chat, text, _markup in bot.sent:
        received[login_of[chat]].append((at, text))
    with core.transaction() as db:
        rows = db.execute(select(SentReminder.user_id, SentReminder.key, SentReminder.status)).all()
        users = dict(db.execute(select(User.login, User.id)).all())
    keys_of: dict[int, list[str]] = defaultdict(list)
    for user_id, key, status in rows:
        if not key.startswith(rem.DIGEST_PREFIX) and status == "sent":
            keys_of[user_id].append(key)

    # What each account should have received: the union of its events over its working days.
    events_of_day = {START.date() + timedelta(days=d): due_reminders(core, START.date()
                                                                       + timedelta(days=d))
                     for d in range(DAYS)}
    for login in DEMO_USERS:
        r = recipient_of(core, login)
        cal = WorkingCalendar(r.departement)
        expected = set()
        expected_days = 0
        for day, events in events_of_day.items():
            mine = {e.key for e in events if r.user_id in e.recipients}
            if cal.is_working_day(day) and mine - expected:
                expected_days += 1
                expected |= mine
        got = keys_of.get(r.user_id, [])
        assert len(got) == len(set(got)), f"{login}: a reminder sent twice"
        messages = received.get(login, [])
        if login in (UNLINKED, BLOCKED):
            assert messages == [] and got == [], login
            continue
        assert set(got) == expected, login
        assert len(messages) == expected_days, login
        # In working hours, at most one digest per local day.
        for at, _text in messages:
            assert in_delivery_hours(at, r.departement, core.rules), (login, at)
        days = [local_today(at, r.departement) for at, _ in messages]
        assert len(days) == len(set(days)), login

    # Anchors, read from the demo's dates rather than from the code under test.
    ud75 = received["ud75"]
    working_days_75 = [START.date() + timedelta(days=d) for d in range(DAYS)
                       if WorkingCalendar("75").is_working_day(START.date() + timedelta(days=d))]
    assert len(ud75) == len(working_days_75) == 21  # Christmas and New Year's Day off
    assert ud75[0][0] == START.replace(hour=9)  # the first pass in the hours
    assert "Julie Martin" in ud75[0][1] and "non distribué" in ud75[0][1]
    formapro = {at.date(): text for at, text in received["centre.formapro"]}
    assert "pas commandé" in formapro[date(2026, 12, 23)]  # J-15 before 15/01/2027
    assert all("pas commandé" not in text for d, text in formapro.items()
               if d < date(2026, 12, 23))
    assert len(received["afpa"]) == 1 and "impression" in received["afpa"][0][1]
    assert "doublon" in received["dreets.idf"][0][1]
    assert received.get("admin") is None and received.get("support") is None
    # The chat that blocked the bot was tried once, then marked and left alone.
    assert bot.attempts[chats[BLOCKED]] == 1
    with core.transaction() as db:
        assert db.get(ReminderChat, chats[BLOCKED]) is not None
        assert db.scalar(select(func.count()).select_from(SentReminder)
                         .where(SentReminder.user_id == users[UNLINKED])) == 0


async def test_a_telegram_error_releases_the_claim_for_the_next_pass(demo, clock) -> None:
    core = demo
    chats = _link_all(core, clock, skip=tuple(u for u in DEMO_USERS if u != "ud75"))
    bot = FakeBot(clock)
    bot.failing.add(chats["ud75"])
    svc = SimpleNamespace(core=core, store=StateStore(core))
    clock.set(START.replace(hour=10))
    assert await rem.run_pass(bot, svc) == 0
    with core.transaction() as db:
        assert db.scalar(select(func.count()).select_from(SentReminder)) == 0
    bot.failing.clear()
    clock.advance(minutes=5)
    assert await rem.run_pass(bot, svc) == 1
    assert await rem.run_pass(bot, svc) == 0


async def test_a_claim_left_by_a_dead_sender_is_released(demo, clock) -> None:
    core = demo
    _link_all(core, clock, skip=tuple(u for u in DEMO_USERS if u != "ud75"))
    clock.set(START.replace(hour=10))
    (digest,) = rem.due_digests(core)
    assert rem.claim(core, digest, "dead:1")  # a sender claims, then dies before calling Telegram
    assert not rem.claim(core, digest)  # nobody else takes it meanwhile
    bot = FakeBot(clock)
    svc = SimpleNamespace(core=core, store=StateStore(core))
    if core.engine.dialect.name != "postgresql":
        # Without the lock, a claim is an orphan only after the lease.
        assert await rem.run_pass(bot, svc) == 0
        clock.advance(minutes=11)
    # With it, the next scheduler knows the claim's pass ended: released at once.
    assert await rem.run_pass(bot, svc) == 1
    assert len(bot.sent) == 1


async def test_a_sender_that_died_while_sending_is_not_repeated(demo, clock) -> None:
    """At most once: Telegram cannot say whether the request of a dead sender arrived."""
    core = demo
    _link_all(core, clock, skip=tuple(u for u in DEMO_USERS if u != "ud75"))
    clock.set(START.replace(hour=10))
    (digest,) = rem.due_digests(core)
    assert rem.claim(core, digest, "dead:1")
    assert rem.mark(core, digest, "sending", owner="dead:1") == 1 + len(digest.events)
    assert rem.mark(core, digest, "sent", owner="other:1") == 0  # a pass marks its own claims only
    bot = FakeBot(clock)
    svc = SimpleNamespace(core=core, store=StateStore(core))
    clock.advance(minutes=11)
    assert await rem.run_pass(bot, svc) == 0
    assert bot.sent == []
    with core.transaction() as db:
        statuses = set(db.scalars(select(SentReminder.status)))
    assert statuses == {rem.UNKNOWN}
    # A dead sender's late mark (its lock lost, not its life) still records the truth.
    assert rem.mark(core, digest, "sent", 7, owner="dead:1") == 1 + len(digest.events)
    assert rem.stats(core).digests == 1


async def test_later_and_stop(demo, clock) -> None:
    core = demo
    chats = _link_all(core, clock, skip=tuple(u for u in DEMO_USERS if u != "ud75"))
    bot = FakeBot(clock)
    svc = SimpleNamespace(core=core, store=StateStore(core))
    clock.set(START.replace(hour=10))
    await rem.run_pass(bot, svc)
    (first,) = bot.sent
    labels = [b.text for row in first[3].inline_keyboard for b in row]
    assert labels[:3] == ["1 · Voir mes sessions", "1 · Plus tard", "1 · Ne plus recevoir ce type"]
    user = recipient_of(core, "ud75")
    pnd_key = next(e.key for e in due_reminders(core) if e.kind is ReminderKind.PND_RETURNED)
    # « Plus tard » on the PND: again on the next working day, not before.
    until = rem.snooze(core, user.user_id, pnd_key, ReminderKind.PND_RETURNED, user.departement)
    assert until == date(2026, 12, 8)
    # « Ne plus recevoir ce type » on the validation summary.
    rem.set_enabled(core, user.user_id, ReminderKind.VALIDATION, False)
    clock.set(datetime(2026, 12, 8, 10, tzinfo=PARIS))
    await rem.run_pass(bot, svc)
    second = bot.sent[-1][2]
    assert "non distribué" in second and "validation" not in second
    assert len(bot.sent) == 2 and bot.sent[-1][1] == chats["ud75"]
    # A kind switched back on comes back the next day (a new daily key).
    rem.set_enabled(core, user.user_id, ReminderKind.VALIDATION, True)
    clock.set(datetime(2026, 12, 9, 10, tzinfo=PARIS))
    await rem.run_pass(bot, svc)
    assert "attendent votre validation" in bot.sent[-1][2]
    stats = rem.stats(core)
    assert stats.digests == 3 and stats.acted == 0


def test_preview_prints_what_would_be_sent(demo, clock) -> None:
    from bot.cli.reminders import preview_text

    _link_all(demo, clock)
    clock.set(START.replace(hour=10))
    text = preview_text(demo, day=date(2026, 12, 8))
    assert text.startswith("Rappels du mardi 8 décembre 2026")
    assert "ud75 – Karim Haddad (UD de Paris)" in text
    assert "Bouton : Demander un duplicata" in text
    assert f"{UNLINKED} – " in text and "Compte non relié" in text
    assert "admin –" not in text  # nothing for the national admin
    one = preview_text(demo, "gev", date(2026, 12, 12))
    assert "gev – GEV Afpa" in one and "Aucun rappel." in one
    assert "<" not in text  # plain text


def test_one_scheduler_at_a_time(core) -> None:
    """PostgreSQL: a second instance does not get the lock while the first holds it, and
    gets it once released (or once the first's connection dies). SQLite: one machine."""
    with rem.scheduler_lock(core) as first, rem.scheduler_lock(core) as second:
        assert first is True
        assert second is (core.engine.dialect.name != "postgresql")
    with rem.scheduler_lock(core) as again:
        assert again is True


async def test_a_digest_holds_a_bounded_number_of_reminders(demo, clock, monkeypatch) -> None:
    monkeypatch.setattr(rem, "MAX_EVENTS_PER_DIGEST", 2)
    _link_all(demo, clock, skip=tuple(u for u in DEMO_USERS if u != "ud75"))
    clock.set(START.replace(hour=10))
    (digest,) = rem.due_digests(demo)
    assert len(digest.events) == 2  # ud75 has 3 that day; the third waits for the next
    bot = FakeBot(clock)
    svc = SimpleNamespace(core=demo, store=StateStore(demo))
    await rem.run_pass(bot, svc)
    clock.set(START.replace(day=8, hour=10))
    await rem.run_pass(bot, svc)
    assert "non distribué" not in bot.sent[0][2] and "non distribué" in bot.sent[1][2]


async def test_the_report_section_counts_the_period_and_the_actions(demo, clock) -> None:
    """Issue 13: the helpdesk's report counts the reminders sent and the actions taken."""
    core = demo
    _link_all(core, clock, skip=tuple(u for u in DEMO_USERS if u != "ud75"))
    bot = FakeBot(clock)
    svc = SimpleNamespace(core=core, store=StateStore(core))
    for day in (0, 1):
        clock.set(START.replace(hour=10) + timedelta(days=day))
        await rem.run_pass(bot, svc)
    user = recipient_of(core, "ud75")
    with core.transaction() as db:
        keys = db.scalars(select(SentReminder.key).where(
            SentReminder.user_id == user.user_id,
            ~SentReminder.key.startswith(rem.DIGEST_PREFIX))).all()
    assert keys
    rem.mark_acted(core, user.user_id, keys[0])
    rem.mark_acted(core, user.user_id, keys[0])  # a second press counts once

    section = rem.report_section(core, START, START + timedelta(days=7))
    figures = dict(section.rows)
    assert section.title == "Rappels envoyés par l'assistant"
    assert figures["Messages de rappels envoyés (un par personne et par jour au plus)"] == "2"
    assert figures["Rappels qu'ils contenaient"] == str(len(keys))
    acted = figures["Rappels suivis d'une action (bouton du rappel utilisé)"]
    assert acted.startswith("1 (") and acted.endswith(" %)")
    later = dict(rem.report_section(core, START + timedelta(days=7),
                                    START + timedelta(days=14)).rows)
    assert later["Messages de rappels envoyés (un par personne et par jour au plus)"] == "0"
    assert later["Rappels suivis d'une action (bouton du rappel utilisé)"] == "0"
