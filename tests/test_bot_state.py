"""Database state of the bot: button tokens, conversations, link codes, migration."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import inspect

from bot import accounts
from bot.state import ButtonSpec, ConcurrentUpdate, InvalidButton, StateStore
from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput
from ceres_core.models import Profile, Role, User


@pytest.fixture
def store(core) -> StateStore:
    return StateStore(core)


@pytest.fixture
def user(core) -> str:
    with core.transaction() as db:
        u = User(login="ud35", display_name="Agent <UD> 35", created_at=core.clock.now())
        u.profiles.append(Profile(role=Role.ADMIN))
        db.add(u)
    return "ud35"


def test_callback_data_is_short_and_opaque(store):
    data = store.issue(1, [ButtonSpec("Oui", "proc", {"a": "yes" * 50})])[0]
    assert data.startswith("t:") and len(data.encode()) <= 64
    assert "yes" not in data


def test_valid_press_once_then_replay_refused(store):
    yes, no = store.issue(1, [ButtonSpec("Oui", "proc", {"a": "yes"}), ButtonSpec("Non", "proc", {"a": "no"})])
    press = store.consume(1, yes)
    assert press.kind == "proc" and press.payload == {"a": "yes"}
    with pytest.raises(InvalidButton, match="already used"):
        store.consume(1, yes)
    with pytest.raises(InvalidButton):  # the other button of the same keyboard is spent too
        store.consume(1, no)


def test_forged_foreign_and_expired_buttons(store, clock):
    (data,) = store.issue(1, [ButtonSpec("Oui", "proc", {})])
    for chat, forged in ((1, "t:AAAAAAAAAAAAAAAA"), (1, "hello"), (1, None), (1, "t:"), (2, data)):
        with pytest.raises(InvalidButton):
            store.consume(chat, forged)
    clock.advance(days=8)
    with pytest.raises(InvalidButton, match="expired"):
        store.consume(1, data)


def test_reusable_buttons_stay_valid(store):
    (data,) = store.issue(1, [ButtonSpec("Fiche", "topic", {"topic": "pnd"}, reusable=True)])
    assert store.consume(1, data).payload == {"topic": "pnd"}
    assert store.consume(1, data).payload == {"topic": "pnd"}


def test_purge_removes_expired_rows(store, clock):
    store.issue(1, [ButtonSpec("Oui", "proc", {})])
    clock.advance(days=8)
    assert store.purge() == 1


def test_conversation_optimistic_locking(core):
    from bot import conversation as conv

    assert conv.load(core, 5).mode is conv.Mode.IDLE
    v1 = conv.save(core, 5, conv.Mode.PROCEDURE, {"procedure": "dte"}, 0)
    state = conv.load(core, 5)
    assert state.mode is conv.Mode.PROCEDURE and state.data == {"procedure": "dte"}
    assert state.version == v1
    v2 = conv.save(core, 5, conv.Mode.FORM, {"op": "order_dte"}, v1)  # one mode at a time
    with pytest.raises(ConcurrentUpdate):
        conv.save(core, 5, conv.Mode.TICKET_DRAFT, {"id": "x"}, v1)  # a stale writer loses
    assert conv.load(core, 5).version == v2 and conv.load(core, 5).mode is conv.Mode.FORM
    assert conv.reset(core, 5) is conv.Mode.FORM  # /annuler leaves any mode
    assert conv.load(core, 5).mode is conv.Mode.IDLE


def test_pending_confirmation_is_cancelled_once_and_only_by_its_owner(store, core, user):
    with core.transaction() as db:
        uid = db.query(User).filter_by(login=user).one().id
    pid = store.create_pending(7, uid, 700, "request_print", {"session": "S1"}, "Envoyer S1")
    assert [p.id for p in store.pending_of_chat(7)] == [pid]
    with pytest.raises(InvalidButton):
        store.cancel_pending(pid, 8, 700)  # another chat
    with pytest.raises(InvalidButton):
        store.cancel_pending(pid, 7, 701)  # another Telegram user (R: issue 12, groups)
    store.cancel_pending(pid, 7, 700)
    with pytest.raises(InvalidButton):
        store.cancel_pending(pid, 7, 700)
    pid2 = store.create_pending(7, uid, 700, "request_print", {"session": "S1"}, "Envoyer S1")
    assert store.cancel_pending_of_chat(7) == 1  # /annuler
    assert store.pending_by_id(pid2).status == "cancelled"


def test_link_code_works_once(core, user):
    issued = accounts.issue_link_code(core, user, 30)
    assert len(issued.code) == 10
    view = accounts.redeem_link_code(core, issued.code.lower(), chat_id=42, telegram_user_id=42)
    assert view.login == user and view.display_name == "Agent <UD> 35"
    assert accounts.linked_login(core, 42) == user
    with pytest.raises(InvalidInput, match="déjà servi"):
        accounts.redeem_link_code(core, issued.code, chat_id=43)
    assert accounts.unlink(core, 42) and accounts.linked_login(core, 42) is None


def test_link_code_expires_and_is_stored_hashed(core, clock, user):
    from bot.models import LinkCode

    issued = accounts.issue_link_code(core, user, 5)
    with core.transaction() as db:
        row = db.query(LinkCode).one()
        assert issued.code not in row.code_hash
    clock.advance(minutes=6)
    with pytest.raises(InvalidInput, match="expiré"):
        accounts.redeem_link_code(core, issued.code, chat_id=42)
    with pytest.raises(InvalidInput, match="pas valable"):
        accounts.redeem_link_code(core, "NOPE", chat_id=42)


def test_unknown_login_gets_no_code(core):
    with pytest.raises(Exception, match="inconnu"):
        accounts.issue_link_code(core, "personne")


def test_the_follow_up_context_lives_in_the_idle_conversation_state(core):
    from bot import conversation as conv

    assert conv.last_turn(core, 6) is None
    conv.remember_turn(core, 6, {"question": "délai du DTE", "topics": ["dte"]})
    assert conv.last_turn(core, 6) == {"question": "délai du DTE", "topics": ["dte"]}
    state = conv.load(core, 6)
    assert state.mode is conv.Mode.IDLE
    # A form started: the question's context is gone, the form's data untouched.
    conv.save(core, 6, conv.Mode.FORM, {"op": "order_dte"}, state.version)
    conv.remember_turn(core, 6, {"question": "autre", "topics": []})
    assert conv.load(core, 6).data == {"op": "order_dte"}
    assert conv.last_turn(core, 6) is None
    conv.reset(core, 6)
    assert conv.last_turn(core, 6) is None


def test_the_turn_and_the_answers_buttons_share_one_transaction(core):
    """Issue 14: remember_turn_in and build_in in the caller's transaction; a first row
    written meanwhile by another update (IntegrityError) leaves the buttons issued."""
    from sqlalchemy.exc import IntegrityError

    from bot import conversation as conv
    from bot import keyboards
    from bot.models import Conversation

    store = StateStore(core)
    rows = keyboards.answer_rows("dte", "délai du DTE", [], [])
    turn = {"question": "délai du DTE", "topics": ["dte"]}
    with core.transaction() as db:
        conv.remember_turn_in(db, 7, turn, core.clock.now())  # the chat's first row
        markup = keyboards.build_in(db, store, 7, rows)
    assert conv.last_turn(core, 7) == turn and markup is not None
    with core.transaction() as db:
        conv.remember_turn_in(db, 7, {"question": "autre", "topics": ["x"]}, core.clock.now())
    assert conv.last_turn(core, 7) == {"question": "autre", "topics": ["x"]}
    # Nothing written if the whole transaction fails: the turn goes with the buttons.
    with pytest.raises(RuntimeError), core.transaction() as db:
        conv.remember_turn_in(db, 7, turn, core.clock.now())
        raise RuntimeError("sending failed before the commit")
    assert conv.last_turn(core, 7) == {"question": "autre", "topics": ["x"]}

    class RacingSession:
        """The session of a transaction in which another update's first row of the chat
        appears between the update and the insert (the insert meets the row)."""

        def __init__(self, db):
            self._db = db

        def __getattr__(self, name):
            return getattr(self._db, name)

        def get(self, *args):
            return None

        def add(self, obj):
            raise IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))

    with core.transaction() as db:
        conv.remember_turn_in(RacingSession(db), 8, turn, core.clock.now())
        markup = keyboards.build_in(db, store, 8, rows)
        db.add(Conversation(chat_id=8, mode="idle", data={"turn": turn}, version=1,
                            updated_at=core.clock.now()))
    assert markup is not None and conv.last_turn(core, 8) == turn


def test_an_update_is_taken_once_and_retaken_after_its_lease(core, clock):
    from bot.exactly_once import UPDATE_LEASE, finish_update, take_update

    assert take_update(core, 42) == "new"
    assert take_update(core, 42) == "busy"  # another delivery is handling it
    clock.advance(seconds=UPDATE_LEASE.total_seconds() + 1)  # …and died: taken again
    assert take_update(core, 42) == "new"
    finish_update(core, 42)
    assert take_update(core, 42) == "done"


def test_migration_creates_the_bot_tables(tmp_path):
    from bot.cli.database import prepare_database
    from ceres_core.clock import FixedClock
    from ceres_core.core import Core

    core = Core.from_url(f"sqlite:///{tmp_path / 'm.db'}", clock=FixedClock(datetime(2026, 1, 1, tzinfo=PARIS)))
    prepare_database(core)
    tables = set(inspect(core.engine).get_table_names())
    assert {"bot_chat_link", "bot_link_code", "bot_conversation", "bot_callback_token",
            "bot_pending_operation"} <= tables
    prepare_database(core)  # idempotent


def test_deep_link_links_in_one_tap():
    link = accounts.deep_link("@ceres_assist_bot", "AB12 CD34EF")
    assert link == "https://t.me/ceres_assist_bot?start=AB12CD34EF"  # Telegram sends /start CODE
    with pytest.raises(ValueError):
        accounts.deep_link("pas un nom", "AB12CD34EF")
    with pytest.raises(ValueError):
        accounts.deep_link("ceres_assist_bot", "code&autre=1")


def test_a_locked_database_is_told_in_french_without_a_reference():
    from sqlalchemy.exc import OperationalError

    from bot.handlers.errors import _database_busy

    assert _database_busy(OperationalError("INSERT", {}, Exception("database is locked")))
    assert not _database_busy(RuntimeError("database is locked"))
    assert not _database_busy(None)
