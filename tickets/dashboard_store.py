"""What the staff dashboard keeps in the database (no aiohttp here).

* **One-time form tokens**: every state-changing form of the dashboard carries a
  token; :func:`spend_form_token` records it when the form is handled, atomically
  (primary key), so the same form sent twice — Back then resend, a double click, two
  tabs — is carried out once. The token itself is signed by the web layer
  (:mod:`tickets.web.security`); only spent ones are stored, and forgotten after
  :data:`FORM_TOKEN_DAYS` days (tokens expire long before).
* **Staff sessions**, server-side and revocable (:class:`tickets.models.StaffSession`):
  the browser's cookie holds a random token, the table its SHA-256, the staff member,
  the session's CSRF token and its expiry. :func:`open_staff_session` at login (the
  previous session of the browser is revoked: rotation), :func:`load_staff_session`
  on every request (an inactive account, a revoked or expired session → nobody),
  :func:`close_staff_session` at logout; :func:`revoke_staff_sessions` when the
  password changes or the account is deactivated (:mod:`tickets.staff`).
* **Login throttling** (:func:`take_login_attempt`): every attempt is counted per
  account and per address in the database — one atomic ``INSERT … ON CONFLICT DO
  UPDATE … RETURNING`` — *before* the argon2 hash is checked, so parallel requests
  and several instances share the count: beyond :data:`LoginLimits.per_account`
  attempts for an account (or :data:`LoginLimits.per_address` from an address)
  within the window, the attempt is refused without checking the password.
"""

from __future__ import annotations

import hashlib
import secrets
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from ceres_core.core import Core
from ceres_core.errors import CeresError
from tickets._common import retry_if_locked
from tickets.models import LoginThrottle, StaffAccount, StaffSession, UsedFormToken

#: Spent tokens are kept this long (a token is valid for a session at most).
FORM_TOKEN_DAYS = 2


def spend_form_token(core: Core, nonce: str, staff_login: str | None) -> bool:
    """Spend a form token: ``True`` the first time, ``False`` if it was spent already."""
    return retry_if_locked(lambda: _spend(core, nonce, staff_login))


def _spend(core: Core, nonce: str, staff_login: str | None) -> bool:
    now = core.clock.now()
    try:
        with core.transaction() as db:
            staff_id = None
            if staff_login:
                staff_id = db.scalar(select(StaffAccount.id).where(StaffAccount.login == staff_login))
            db.add(UsedFormToken(nonce=nonce[:64], staff_id=staff_id, used_at=now))
            db.flush()
    except IntegrityError:
        return False
    with core.transaction() as db:  # forget the old ones (indexed range, usually empty)
        db.execute(delete(UsedFormToken).where(
            UsedFormToken.used_at < now - timedelta(days=FORM_TOKEN_DAYS)))
    return True


def release_form_token(core: Core, nonce: str) -> None:
    """The action was refused (nothing done): the same form may be sent again, corrected."""
    with core.transaction() as db:
        db.execute(delete(UsedFormToken).where(UsedFormToken.nonce == nonce[:64]))


# -- staff sessions ------------------------------------------------------------------------------

#: A session lasts a working day.
SESSION_HOURS = 10
#: ``last_seen_at`` is written at most this often (not on every page).
TOUCH_SECONDS = 300


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class SessionInfo:
    """A live staff session (what the dashboard needs on every request)."""

    token: str
    login: str
    display_name: str
    csrf: str
    expires_at: datetime


def open_staff_session(core: Core, login: str, *, address: str | None = None,
                       replacing: str | None = None) -> SessionInfo:
    """A new session for the (active) staff member; ``replacing``, the browser's
    previous session token, is revoked (rotation at login)."""
    now = core.clock.now()
    token = secrets.token_urlsafe(32)
    with core.transaction() as db:
        staff = db.scalar(select(StaffAccount).where(StaffAccount.login == login,
                                                     StaffAccount.active.is_(True)))
        if staff is None:
            from ceres_core.errors import NotFound
            from tickets import texts

            raise NotFound(texts.ERR_STAFF_UNKNOWN.format(login=login))
        if replacing:
            _revoke(db, now, "rotated", StaffSession.token_hash == _hash(replacing))
        row = StaffSession(token_hash=_hash(token), staff_id=staff.id, csrf=secrets.token_urlsafe(32),
                           created_at=now, expires_at=now + timedelta(hours=SESSION_HOURS),
                           last_seen_at=now, address=(address or "")[:64] or None)
        db.add(row)
        return SessionInfo(token, staff.login, staff.display_name, row.csrf, row.expires_at)


def load_staff_session(core: Core, token: str | None) -> SessionInfo | None:
    """The live session of this token, or ``None`` (unknown, revoked, expired, or the
    account is deactivated)."""
    if not token or len(token) > 100:
        return None
    now = core.clock.now()
    with core.transaction() as db:
        row = db.execute(
            select(StaffSession, StaffAccount)
            .join(StaffAccount, StaffAccount.id == StaffSession.staff_id)
            .where(StaffSession.token_hash == _hash(token), StaffSession.revoked_at.is_(None),
                   StaffSession.expires_at > now, StaffAccount.active.is_(True))
        ).first()
        if row is None:
            return None
        session, staff = row
        if (now - session.last_seen_at).total_seconds() > TOUCH_SECONDS:
            session.last_seen_at = now
        return SessionInfo(token, staff.login, staff.display_name, session.csrf, session.expires_at)


def close_staff_session(core: Core, token: str | None) -> bool:
    """Logout: the session ends for every copy of its cookie."""
    if not token:
        return False
    with core.transaction() as db:
        return _revoke(db, core.clock.now(), "logout", StaffSession.token_hash == _hash(token)) > 0


def revoke_staff_sessions(db: Session, staff_id: int, now: datetime, reason: str) -> int:
    """End every live session of a staff member (password changed, account deactivated)."""
    return _revoke(db, now, reason, StaffSession.staff_id == staff_id)


def _revoke(db: Session, now: datetime, reason: str, condition) -> int:
    return db.execute(
        update(StaffSession)
        .where(condition, StaffSession.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount


# -- login throttling ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoginLimits:
    """Attempts allowed within ``window_seconds``, per account and per address."""

    per_account: int = 5
    per_address: int = 30
    window_seconds: int = 15 * 60


def take_login_attempt(core: Core, login: str, address: str,
                       limits: LoginLimits = LoginLimits()) -> bool:
    """Count one login attempt for the account and the address (atomically, before
    any password check); ``False`` when either is over its limit: refuse at once."""
    allowed = retry_if_locked(lambda: _take(core, login, address, limits))
    # Forget the windows that ended (indexed; keeps the table small under a spray), in a
    # transaction of its own so that it never holds the counters' rows; best effort.
    horizon = core.clock.now() - timedelta(seconds=limits.window_seconds)
    with suppress(CeresError, OperationalError), core.transaction() as db:
        db.execute(delete(LoginThrottle).where(LoginThrottle.window_start < horizon))
    return allowed


def _keys(login: str, address: str) -> tuple[str, str]:
    return f"compte:{(login or '').strip().lower()[:64]}", f"adresse:{(address or '?')[:64]}"


def _take(core: Core, login: str, address: str, limits: LoginLimits) -> bool:
    now = core.clock.now()
    horizon = now - timedelta(seconds=limits.window_seconds)
    account_key, address_key = _keys(login, address)
    counts = {}
    with core.transaction() as db:
        insert = _dialect_insert(db)
        for key in (account_key, address_key):
            stmt = insert(LoginThrottle).values(key=key, attempts=1, window_start=now)
            expired = LoginThrottle.window_start < horizon
            stmt = stmt.on_conflict_do_update(
                index_elements=[LoginThrottle.key],
                set_={
                    "attempts": case((expired, 1), else_=LoginThrottle.attempts + 1),
                    "window_start": case((expired, now), else_=LoginThrottle.window_start),
                },
            ).returning(LoginThrottle.attempts)
            counts[key] = db.execute(stmt).scalar_one()
    return counts[account_key] <= limits.per_account and counts[address_key] <= limits.per_address


def login_succeeded(core: Core, login: str, address: str) -> None:
    """A right password: the account's count starts again; the address's attempt
    is given back (only failures count against an office behind one address)."""
    account_key, address_key = _keys(login, address)
    with core.transaction() as db:
        db.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key))
        db.execute(update(LoginThrottle).where(LoginThrottle.key == address_key,
                                               LoginThrottle.attempts > 0)
                   .values(attempts=LoginThrottle.attempts - 1))


def _dialect_insert(db: Session):
    if db.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert
