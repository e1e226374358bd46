"""Linking a chat to a CERES account with a one-time code.

``ceres-assist users link-code LOGIN`` (and the demo chat page) call
:func:`issue_link_code`; the user sends ``/start CODE`` (or opens the deep link
``https://t.me/<bot>?start=CODE``) and the bot calls :func:`redeem_link_code`.
Codes are random, short-lived, stored as a SHA-256 hash and work once.

This module holds no rule of the CERES domain: it only says *who* acts; what the
account may do is checked by ``ceres_core`` at every service call (R-ACT-2).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import selectinload

from bot import update_context
from bot.models import ChatLink, LinkCode
from ceres_core.access import load_actor
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound
from ceres_core.geography import departement, region
from ceres_core.models import Profile, Role, User
from ceres_core.models.actors import ROLE_LABELS

#: No 0/O, 1/I/L: easy to read aloud and to type.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
DEFAULT_TTL_MINUTES = 30
MAX_TTL_MINUTES = 7 * 24 * 60


def normalise_code(code: str) -> str:
    return re.sub(r"[\s\-_.]", "", code).upper()


def _hash(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode("ascii", "ignore")).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    code: str
    login: str
    expires_at: datetime


@dataclass(frozen=True)
class AccountView:
    """Who the chat is linked to, for ``/moi``."""

    login: str
    display_name: str
    scopes: tuple[str, ...]  # "Centre – Formapro Paris (SIRET 123…)", "DREETS – Bretagne"
    roles: tuple[str, ...] = ()  # the profiles' roles (``Role`` values)


def issue_link_code(core: Core, login: str, ttl_minutes: int = DEFAULT_TTL_MINUTES) -> IssuedCode:
    """A new one-time code for ``login`` (the code is shown once and stored hashed)."""
    if not 1 <= ttl_minutes <= MAX_TTL_MINUTES:
        raise InvalidInput(
            f"La durée de validité doit être comprise entre 1 et {MAX_TTL_MINUTES} minutes."
        )
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = core.clock.now()
    with core.transaction() as db:
        user = load_actor(db, login)
        expires = now + timedelta(minutes=ttl_minutes)
        db.add(
            LinkCode(code_hash=_hash(code), user_id=user.id, created_at=now, expires_at=expires)
        )
        return IssuedCode(code, user.login, expires)


def redeem_link_code(
    core: Core, code: str, chat_id: int, telegram_user_id: int | None = None
) -> AccountView:
    """Link ``chat_id`` to the code's account; refuse unknown, used or expired codes."""
    now = core.clock.now()
    clean = normalise_code(code)
    if not clean or len(clean) > 64:
        raise InvalidInput("Ce code de liaison n'est pas valable.")
    update_context.forget_login(chat_id)
    with core.transaction() as db:
        row = db.scalar(select(LinkCode).where(LinkCode.code_hash == _hash(clean)).with_for_update())
        if row is None:
            raise InvalidInput(
                "Ce code de liaison n'est pas valable. Vérifiez-le ou demandez-en un nouveau."
            )
        if row.used_at is not None:
            raise InvalidInput(
                "Ce code de liaison a déjà servi : chaque code ne fonctionne qu'une fois. "
                "Demandez-en un nouveau."
            )
        if row.expires_at <= now:
            raise InvalidInput("Ce code de liaison a expiré. Demandez-en un nouveau.")
        user = db.get(User, row.user_id)
        if user is None or not user.active:
            raise NotFound("Le compte associé à ce code est inconnu ou désactivé.")
        spent = db.execute(
            update(LinkCode)
            .where(LinkCode.id == row.id, LinkCode.used_at.is_(None))
            .values(used_at=now, used_by_chat=chat_id)
            .execution_options(synchronize_session=False)
        )
        if spent.rowcount != 1:  # redeemed concurrently
            raise InvalidInput("Ce code de liaison a déjà servi. Demandez-en un nouveau.")
        link = db.get(ChatLink, chat_id)
        if link is None:
            db.add(
                ChatLink(
                    chat_id=chat_id, user_id=user.id, telegram_user_id=telegram_user_id,
                    linked_at=now,
                )
            )
        else:
            link.user_id = user.id
            link.telegram_user_id = telegram_user_id
            link.linked_at = now
        db.flush()
        return _view(load_actor(db, user.login))


def linked_login(core: Core, chat_id: int) -> str | None:
    """The login of the account linked to the chat (active accounts only)."""
    with core.transaction() as db:
        return linked_login_in(db, chat_id)


_USERS, _LINKS = User.__table__, ChatLink.__table__
_LINKED_LOGIN = (select(_USERS.c.login, _USERS.c.active)
                 .join(_LINKS, _LINKS.c.user_id == _USERS.c.id)
                 .where(_LINKS.c.chat_id == bindparam("chat_id")))


def linked_login_in(db: Any, chat_id: int) -> str | None:
    """:func:`linked_login` inside the caller's transaction (one row, two columns)."""
    row = db.connection().execute(_LINKED_LOGIN, {"chat_id": chat_id}).first()
    return row.login if row is not None and row.active else None


def linked_chats(core: Core) -> list[tuple[int, str | None]]:
    """Every linked chat with its account's login (``None`` for an inactive account, whose
    chat gets the menu without operations), by chat id."""
    with core.transaction() as db:
        rows = db.execute(select(ChatLink.chat_id, User.login, User.active)
                          .join(User, ChatLink.user_id == User.id).order_by(ChatLink.chat_id))
        return [(chat_id, login if active else None) for chat_id, login, active in rows]


def linked_user_id(core: Core, chat_id: int) -> int | None:
    with core.transaction() as db:
        link = db.get(ChatLink, chat_id)
        return link.user_id if link else None


def unlink(core: Core, chat_id: int) -> bool:
    update_context.forget_login(chat_id)
    with core.transaction() as db:
        return bool(db.execute(delete(ChatLink).where(ChatLink.chat_id == chat_id)).rowcount)


def account_view(core: Core, login: str) -> AccountView:
    with core.transaction() as db:
        return _view(load_actor(db, login))


def _scope(profile: Profile) -> str:
    label = ROLE_LABELS.get(profile.role, str(profile.role))
    if profile.role is Role.CENTRE and profile.centre is not None:
        return f"{label} – {profile.centre.name} (SIRET {profile.centre.siret})"
    if profile.role is Role.UD and profile.departement_code:
        return f"{label} – {departement(profile.departement_code).label}"
    if profile.role is Role.DREETS and profile.region_code:
        return f"{label} – {region(profile.region_code).name}"
    if profile.role is Role.ADMIN:
        return f"{label} – toute la France"
    return label


def _view(user: User) -> AccountView:
    return AccountView(user.login, user.display_name, tuple(_scope(p) for p in user.profiles),
                       tuple(p.role.value for p in user.profiles))


@dataclass(frozen=True)
class UserLine:
    login: str
    display_name: str
    active: bool
    scopes: tuple[str, ...]
    linked_chats: int


def list_users(core: Core) -> list[UserLine]:
    """Every account with its scopes and the number of chats linked to it."""
    with core.transaction() as db:
        users = db.scalars(
            select(User)
            .order_by(User.login)
            .options(selectinload(User.profiles).selectinload(Profile.centre))
        ).all()
        counts: dict[int, int] = {}
        for link in db.scalars(select(ChatLink)):
            counts[link.user_id] = counts.get(link.user_id, 0) + 1
        return [
            UserLine(
                u.login, u.display_name, u.active, tuple(_scope(p) for p in u.profiles),
                counts.get(u.id, 0),
            )
            for u in users
        ]


_BOT_USERNAME = re.compile(r"^@?([A-Za-z][A-Za-z0-9_]{3,31})$")


def deep_link(bot_username: str, code: str) -> str:
    """The link that opens the bot and links the chat in one tap: Telegram sends
    ``/start CODE`` (``https://t.me/<bot>?start=CODE``; for ``users link-code``)."""
    m = _BOT_USERNAME.match(bot_username.strip())
    if m is None:
        raise ValueError(f"not a Telegram bot username: {bot_username!r}")
    payload = "".join(code.split())
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", payload):
        raise ValueError("a link code is 1-64 letters, digits, _ or -")
    return f"https://t.me/{m.group(1)}?start={payload}"
