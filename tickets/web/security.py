"""Sessions, CSRF and one-time form tokens of the staff dashboard.

**Sessions are server-side** (:class:`tickets.models.StaffSession`, managed by
:mod:`tickets.dashboard_store`): the browser's cookie carries a random session token
whose SHA-256 is stored with the staff member, the session's CSRF token and its
expiry. Logout, a password change and the removal of the account revoke it: a
copied cookie stops working at once, for pages and forms alike. Every login starts a
new session (the browser's previous one is revoked: no fixation).

Why not ``aiohttp-session``: its storages are a signed/encrypted cookie (not
revocable) or Redis/Memcached (a server we do not run); a database storage would be
ours anyway, and revoking *every* session of an account (password change, removal)
needs an index by staff member that a key-value storage does not have. So the
sessions live in our database, beside the accounts, in one transaction with them.

The cookie itself is a small signed payload (HMAC-SHA256 under the app's secret):
the session token when logged in, and for everyone a CSRF token for the login form
(an anonymous visitor has no server-side session) and a one-shot flash message.
A tampered, expired or unsigned cookie is ignored (the visitor is anonymous). The
cookie is ``HttpOnly``, ``SameSite=Lax``, and ``Secure`` when the dashboard is served
over https (or configured so). The CSRF token of a logged-in session is never in the
cookie: it is in the database and in the pages' forms.

**CSRF**: every form posts the session's token back as ``csrf_token``; a POST without
it is refused (403), compared in constant time.

**One-time form tokens** (:class:`FormTokens`): every state-changing form also carries
a signed, session-bound token spent once (:func:`tickets.dashboard_store.spend_form_token`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field

COOKIE_NAME = "ceres_support"
#: A session lasts a working day (the server-side session has the same lifetime).
SESSION_SECONDS = 10 * 3600
CSRF_FIELD = "csrf_token"


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class WebSession:
    """The visitor's session for one request: the cookie's payload, and for a
    logged-in staff member what the server-side session says."""

    #: CSRF token of the anonymous visitor (login form), kept in the signed cookie.
    anon_csrf: str = field(default_factory=new_token)
    #: The server-side session token (``None``: anonymous).
    token: str | None = None
    login: str | None = None
    name: str | None = None
    #: CSRF token of the server-side session (never written in the cookie).
    session_csrf: str | None = None
    expires: int = field(default_factory=lambda: int(time.time()) + SESSION_SECONDS)
    flash: str | None = None
    #: ``ok`` or ``error``: how the flash message is shown.
    flash_kind: str = "ok"
    #: Set when the cookie must be (re)written in the response.
    changed: bool = False

    @property
    def csrf(self) -> str:
        return self.session_csrf if self.login and self.session_csrf else self.anon_csrf

    def attach(self, token: str, login: str, name: str, csrf: str) -> None:
        """The server-side session is live: this is the staff member."""
        self.token, self.login, self.name, self.session_csrf = token, login, name, csrf

    def log_in(self, token: str, login: str, name: str, csrf: str) -> None:
        """A new server-side session (rotation): a new cookie, a fresh anonymous token."""
        self.attach(token, login, name, csrf)
        self.anon_csrf = new_token()
        self.expires = int(time.time()) + SESSION_SECONDS
        self.changed = True

    def log_out(self) -> None:
        self.token = self.login = self.name = self.session_csrf = None
        self.anon_csrf = new_token()
        self.changed = True

    def set_flash(self, message: str, kind: str = "ok") -> None:
        self.flash = message
        self.flash_kind = kind
        self.changed = True

    def pop_flash(self) -> tuple[str | None, str]:
        message, kind = self.flash, self.flash_kind
        self.flash, self.flash_kind = None, "ok"
        if message:
            self.changed = True
        return message, kind

    def csrf_ok(self, submitted: str | None) -> bool:
        expected = self.csrf
        if not submitted or not expected:
            return False
        return hmac.compare_digest(submitted.encode(), expected.encode())


class SessionCodec:
    """Signs and checks session cookies with a key derived from the app's secret."""

    def __init__(self, secret: str | bytes) -> None:
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        if len(raw) < 16:
            raise ValueError("the dashboard secret must be at least 16 characters long")
        self._key = hashlib.sha256(b"ceres-assist/dashboard-session\0" + raw).digest()

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._key, payload, hashlib.sha256).hexdigest()

    def dumps(self, session: WebSession) -> str:
        data = {"c": session.anon_csrf, "s": session.token, "e": session.expires,
                "f": session.flash, "k": session.flash_kind}
        payload = base64.urlsafe_b64encode(
            json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        ).rstrip(b"=")
        return f"{payload.decode()}.{self._sign(payload)}"

    def loads(self, value: str | None, now: float | None = None) -> WebSession | None:
        """The session of a cookie, or ``None`` when it is missing, forged or expired."""
        if not value or "." not in value:
            return None
        payload, _, signature = value.rpartition(".")
        if not hmac.compare_digest(self._sign(payload.encode()), signature):
            return None
        try:
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            token = data.get("s")
            session = WebSession(anon_csrf=str(data["c"]),
                                 token=str(token) if token else None,
                                 expires=int(data["e"]), flash=data.get("f"),
                                 flash_kind=str(data.get("k") or "ok"))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None
        if session.expires <= (time.time() if now is None else now):
            return None
        return session


FORM_TOKEN_FIELD = "form_token"


class FormTokens:
    """One-time form tokens: ``nonce.expiry.signature``, signed under the app's secret
    and bound to the session (its CSRF token), so that a token cannot be made up nor
    used in another session. Spending one is recorded in the database
    (:func:`tickets.dashboard_store.spend_form_token`)."""

    def __init__(self, secret: str | bytes, lifetime: int = SESSION_SECONDS) -> None:
        raw = secret.encode() if isinstance(secret, str) else bytes(secret)
        self._key = hashlib.sha256(b"ceres-assist/form-token\0" + raw).digest()
        self.lifetime = lifetime

    def _sign(self, binding: str, nonce: str, expiry: int) -> str:
        message = f"{binding}|{nonce}|{expiry}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()[:32]

    def issue(self, binding: str, now: float | None = None) -> str:
        nonce = secrets.token_urlsafe(18)
        expiry = int(time.time() if now is None else now) + self.lifetime
        return f"{nonce}.{expiry}.{self._sign(binding, nonce, expiry)}"

    def check(self, binding: str, token: object, now: float | None = None) -> str | None:
        """The token's nonce if it is genuine, of this session and not expired."""
        if not isinstance(token, str) or token.count(".") != 2 or len(token) > 200:
            return None
        nonce, expiry_text, signature = token.split(".")
        try:
            expiry = int(expiry_text)
        except ValueError:
            return None
        if not hmac.compare_digest(self._sign(binding, nonce, expiry), signature):
            return None
        if expiry <= (time.time() if now is None else now):
            return None
        return nonce
