"""What the staff dashboard keeps in the database (no aiohttp here).

* **One-time form tokens**: every state-changing form of the dashboard carries a
  token; :func:`spend_form_token` records it when the form is handled, atomically
  (primary key), so the same form sent twice — Back then resend, a double click, two
  tabs — is carried out once. The token itself is signed by the web layer
  (:mod:`tickets.web.security`); only spent ones are stored, and forgotten after
  :data:`FORM_TOKEN_DAYS` days (tokens expire long before).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ceres_core.core import Core
from tickets._common import retry_if_locked
from tickets.models import StaffAccount, UsedFormToken

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
    if int(now.timestamp()) % 97 == 0:  # now and then, forget the old ones
        with core.transaction() as db:
            db.execute(delete(UsedFormToken).where(
                UsedFormToken.used_at < now - timedelta(days=FORM_TOKEN_DAYS)))
    return True


def release_form_token(core: Core, nonce: str) -> None:
    """The action was refused (nothing done): the same form may be sent again, corrected."""
    with core.transaction() as db:
        db.execute(delete(UsedFormToken).where(UsedFormToken.nonce == nonce[:64]))
