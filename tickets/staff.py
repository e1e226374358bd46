"""Support staff accounts: creation, queue membership, password check (argon2)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ceres_core.core import Core
from ceres_core.errors import CeresError, InvalidInput
from tickets import texts
from tickets._common import ensure_queues, queue_by_code
from tickets.models import StaffAccount

MIN_PASSWORD_LENGTH = 12
_LOGIN = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
_hasher = PasswordHasher()
#: Verified when the login is unknown, so that a failure takes the same time.
_DUMMY_HASH = _hasher.hash("ceres-assist: compte inexistant")


@dataclass(frozen=True)
class StaffInfo:
    id: int
    login: str
    display_name: str
    queues: tuple[str, ...]
    active: bool
    #: Telegram id used in the staff group (``staff link-chat``), if linked.
    chat_id: int | None = None


def _info(staff: StaffAccount) -> StaffInfo:
    return StaffInfo(
        staff.id, staff.login, staff.display_name,
        tuple(sorted(q.code for q in staff.queues)), staff.active, staff.chat_id,
    )


def add_staff(
    core: Core,
    login: str,
    display_name: str | None,
    password: str,
    queues: list[str] | tuple[str, ...],
) -> StaffInfo:
    """Create a staff account working on ``queues`` (created on demand, e.g. ``ud-29``)."""
    login = (login or "").strip().lower()
    if not _LOGIN.match(login):
        raise InvalidInput(texts.ERR_LOGIN_INVALID.format(login=login))
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(texts.ERR_PASSWORD_SHORT.format(n=MIN_PASSWORD_LENGTH))
    codes = [q.strip().lower() for q in queues if q and q.strip()]
    if not codes:
        raise InvalidInput(texts.ERR_NO_QUEUE)
    ensure_queues(core, codes)
    password_hash = _hasher.hash(password)
    try:
        with core.transaction() as db:
            if db.scalar(select(StaffAccount.id).where(StaffAccount.login == login)) is not None:
                raise CeresError(texts.ERR_LOGIN_TAKEN.format(login=login))
            queue_rows = [queue_by_code(db, code) for code in dict.fromkeys(codes)]
            staff = StaffAccount(
                login=login,
                display_name=(display_name or "").strip() or login,
                password_hash=password_hash,
                active=True,
                created_at=core.clock.now(),
            )
            staff.queues = queue_rows
            db.add(staff)
            db.flush()
            return _info(staff)
    except IntegrityError:  # the same login created at the same moment
        raise CeresError(texts.ERR_LOGIN_TAKEN.format(login=login)) from None


def authenticate(core: Core, login: str, password: str) -> StaffInfo | None:
    """The account if the password is right, else ``None`` (same work either way).

    The hash is upgraded when argon2's parameters changed since it was made.
    """
    login = (login or "").strip().lower()
    with core.transaction() as db:
        staff = db.scalar(select(StaffAccount).where(StaffAccount.login == login))
        stored = staff.password_hash if staff is not None and staff.active else _DUMMY_HASH
        try:
            _hasher.verify(stored, password or "")
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if staff is None or not staff.active:
            return None
        if _hasher.check_needs_rehash(staff.password_hash):
            staff.password_hash = _hasher.hash(password)
        return _info(staff)


def set_staff_password(core: Core, login: str, password: str) -> StaffInfo:
    """Change a staff member's password; every open dashboard session of the account
    ends (a stolen session does not survive the change)."""
    from tickets._common import load_staff
    from tickets.dashboard_store import revoke_staff_sessions

    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise InvalidInput(texts.ERR_PASSWORD_SHORT.format(n=MIN_PASSWORD_LENGTH))
    password_hash = _hasher.hash(password)
    with core.transaction() as db:
        staff = load_staff(db, login)
        staff.password_hash = password_hash
        revoke_staff_sessions(db, staff.id, core.clock.now(), "password")
        return _info(staff)


def deactivate_staff(core: Core, login: str) -> StaffInfo:
    """Remove a staff member from the support: the account can no longer log in, its
    sessions end at once, its Telegram link is dropped; its tickets keep their history
    (the tickets assigned to it are left unassigned, in their queue)."""
    from sqlalchemy import update

    from tickets._common import load_staff
    from tickets.dashboard_store import revoke_staff_sessions
    from tickets.models import Ticket

    with core.transaction() as db:
        staff = load_staff(db, login)
        staff.active = False
        staff.chat_id = None
        revoke_staff_sessions(db, staff.id, core.clock.now(), "deactivated")
        db.execute(update(Ticket).where(Ticket.assignee_id == staff.id)
                   .values(assignee_id=None).execution_options(synchronize_session=False))
        return _info(staff)


def list_staff(core: Core) -> list[StaffInfo]:
    with core.transaction() as db:
        return [_info(s) for s in db.scalars(select(StaffAccount).order_by(StaffAccount.login))]


def set_staff_queues(core: Core, login: str, queues: list[str]) -> StaffInfo:
    """Replace a staff member's queues (administration)."""
    from tickets._common import load_staff

    codes = [q.strip().lower() for q in queues if q and q.strip()]
    if not codes:
        raise InvalidInput(texts.ERR_NO_QUEUE)
    ensure_queues(core, codes)
    with core.transaction() as db:
        staff = load_staff(db, login)
        staff.queues = [queue_by_code(db, c) for c in dict.fromkeys(codes)]
        db.flush()
        return _info(staff)


def link_staff_chat(core: Core, login: str, chat_id: int | str | None) -> StaffInfo:
    """Link a staff member to their Telegram id (``None``: unlink), so that what they
    write in the staff group is recognised as theirs (:mod:`bot.staff_group`).

    One Telegram id belongs to one active account at most.
    """
    from tickets._common import load_staff

    if chat_id is not None:  # a Telegram user id: a positive integer
        text = str(chat_id).strip()
        if not re.fullmatch(r"\d{1,19}", text) or int(text) <= 0:
            raise InvalidInput(texts.ERR_CHAT_ID_INVALID.format(value=chat_id))
        chat_id = int(text)
    with core.transaction() as db:
        staff = load_staff(db, login)
        if chat_id is not None:
            other = db.scalar(select(StaffAccount).where(
                StaffAccount.chat_id == chat_id, StaffAccount.id != staff.id,
                StaffAccount.active.is_(True)))
            if other is not None:
                raise CeresError(texts.ERR_CHAT_ID_TAKEN.format(chat_id=chat_id, login=other.login))
        staff.chat_id = chat_id
        db.flush()
        return _info(staff)
