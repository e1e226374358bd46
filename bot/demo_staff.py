"""Support staff accounts of ``ceres-assist demo`` (the dashboard at ``/support/``).

Created at demo start, idempotently, through :func:`tickets.staff.add_staff`
(argon2 hashes). They are not part of :mod:`ceres_core.demo`: ``ceres_core`` does
not import ``tickets``. The password is public on purpose: it is a demo.
"""

from __future__ import annotations

from sqlalchemy import select

from ceres_core.core import Core
from ceres_core.errors import CeresError

DEMO_STAFF_PASSWORD = "demo-ceres-support"

#: login → (display name, queues)
DEMO_STAFF: dict[str, tuple[str, tuple[str, ...]]] = {
    "support.assistance": ("Léa Moreau (Assistance des ministères)", ("assistance",)),
    "gev.btp": ("Thomas Girard (GEV BTP)", ("gev-btp",)),
    "dreets.idf.support": ("Inès Benali (DRIEETS Île-de-France)", ("dreets-11",)),
    "afpa.impression": ("Paul Lambert (Afpa – service impression)", ("afpa-impression",)),
}


def ensure_demo_staff(core: Core) -> list[str]:
    """Create the demo staff accounts that do not exist yet; return the logins created."""
    from tickets.models import StaffAccount
    from tickets.staff import add_staff

    with core.transaction() as db:
        existing = set(db.scalars(select(StaffAccount.login).where(StaffAccount.login.in_(DEMO_STAFF))))
    created = []
    for login, (name, queues) in DEMO_STAFF.items():
        if login in existing:
            continue
        try:
            add_staff(core, login, name, DEMO_STAFF_PASSWORD, list(queues))
        except CeresError:  # created meanwhile by another demo process
            continue
        created.append(login)
    return created


def demo_staff_hint() -> str:
    """The logins and password, as the demo prints and shows them."""
    logins = ", ".join(DEMO_STAFF)
    return f"Comptes de démonstration : {logins} ; mot de passe : {DEMO_STAFF_PASSWORD}."
