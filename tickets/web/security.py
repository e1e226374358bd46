"""Sessions, CSRF tokens and the failed-login limiter of the staff dashboard.

**Sessions** are signed cookies (no session table): the cookie holds a small JSON
payload (staff login and display name, CSRF token, issue and expiry times, a
one-shot flash message) and an HMAC-SHA256 of it under the app's secret. A
tampered, expired or unsigned cookie is ignored (the visitor is anonymous). The
cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure`` when the dashboard is
served over https. Every request also reloads the staff member's queues, so a
deactivated account loses access at once even with a valid cookie.

**CSRF**: every session (anonymous ones too, for the login form) carries a random
token; every form posts it back as ``csrf_token`` and every POST is refused
(403) unless it equals the session's, compared in constant time. The token is
renewed at login and logout.

**Failed logins** are counted per (login, IP) in memory: after
:data:`MAX_FAILURES` failures within :data:`WINDOW_SECONDS` the pair is refused
until the window passes (per process: several instances each keep their own).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

COOKIE_NAME = "ceres_support"
#: A session lasts a working day.
SESSION_SECONDS = 10 * 3600
CSRF_FIELD = "csrf_token"

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60


def new_token() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class WebSession:
    """What the signed cookie holds."""

    csrf: str = field(default_factory=new_token)
    login: str | None = None
    name: str | None = None
    issued: int = field(default_factory=lambda: int(time.time()))
    expires: int = field(default_factory=lambda: int(time.time()) + SESSION_SECONDS)
    flash: str | None = None
    #: ``ok`` or ``error``: how the flash message is shown.
    flash_kind: str = "ok"
    #: Set when the cookie must be (re)written in the response.
    changed: bool = False

    def log_in(self, login: str, name: str) -> None:
        """Start a staff session: a fresh CSRF token (no fixation), a full lifetime."""
        now = int(time.time())
        self.login, self.name = login, name
        self.csrf = new_token()
        self.issued, self.expires = now, now + SESSION_SECONDS
        self.changed = True

    def log_out(self) -> None:
        self.login = self.name = None
        self.csrf = new_token()
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
        if not submitted or not self.csrf:
            return False
        return hmac.compare_digest(submitted.encode(), self.csrf.encode())


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
        data = {"c": session.csrf, "l": session.login, "n": session.name,
                "i": session.issued, "e": session.expires, "f": session.flash,
                "k": session.flash_kind}
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
            session = WebSession(csrf=str(data["c"]), login=data.get("l"), name=data.get("n"),
                                 issued=int(data["i"]), expires=int(data["e"]),
                                 flash=data.get("f"), flash_kind=str(data.get("k") or "ok"))
        except (ValueError, KeyError, TypeError):
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


class LoginLimiter:
    """Failed logins per (login, IP), in memory, over a sliding window."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window = window
        self.clock = clock
        self._failures: dict[tuple[str, str], list[float]] = {}

    def _recent(self, key: tuple[str, str]) -> list[float]:
        horizon = self.clock() - self.window
        times = [t for t in self._failures.get(key, ()) if t > horizon]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def blocked(self, login: str, ip: str) -> bool:
        return len(self._recent(((login or "").strip().lower(), ip))) >= self.max_failures

    def failed(self, login: str, ip: str) -> None:
        key = ((login or "").strip().lower(), ip)
        self._recent(key)
        self._failures.setdefault(key, []).append(self.clock())
        if len(self._failures) > 10_000:  # keep memory bounded under a spray
            for other in list(self._failures):
                self._recent(other)

    def succeeded(self, login: str, ip: str) -> None:
        self._failures.pop(((login or "").strip().lower(), ip), None)
