"""Parchments kept at the centre and the collection form (R-POST-1, R-POST-2).

Mostly practice overseas, where the DEETS hands the documents to the centres:
the parchments are kept in the safe, each candidate signs when collecting theirs,
and the signed form goes to the DREETS as a PDF named
``RA_<TP or CCP number>_<title abbreviation>_<centre name>_<start DDMMYYYY>``
after the last collection or two months after receipt, whichever comes first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from ceres_core import geography
from ceres_core.access import SITE_ROLES, load_actor, require_site
from ceres_core.core import Core
from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.models import SessionKind, SessionState
from ceres_core.names import fold
from ceres_core.services._operation import operation
from ceres_core.services.sessions import load_session

#: R-POST-2: the form is sent at the latest this long after the documents arrived.
SEND_WITHIN = relativedelta(months=2)


def collection_form_filename(
    number: str, abbreviation: str, centre_name: str, start: date
) -> str:
    """``RA_TP-01303_ECSR_FORMAREUNION_25022019`` (R-POST-2), without the ``.pdf``."""

    def squeeze(text: str) -> str:
        return re.sub(r"[^A-Z0-9]", "", fold(text))

    number = re.sub(r"[^A-Z0-9-]", "", number.upper())
    return f"RA_{number}_{squeeze(abbreviation)}_{squeeze(centre_name)}_{start:%d%m%Y}"


@dataclass(frozen=True)
class CollectionFormView:
    session_ref: str
    filename: str  # with the .pdf extension
    send_to: str  # the regional service
    send_by: date | None  # two months after receipt, if the receipt date is known
    instructions: str


@operation("parchments.collection_form")
def collection_form(
    core: Core, actor: str, session_ref: str, *, received_on: date | None = None
) -> CollectionFormView:
    """Name and deadline of a validated session's parchment collection form (R-POST-2)."""
    with core.transaction() as db:
        user = load_actor(db, actor)
        session = load_session(db, session_ref)
        require_site(user, session.site, SITE_ROLES,
                     "préparer le formulaire de remise des parchemins de cette session")
        if session.state is not SessionState.VALIDEE:
            raise RuleViolation(
                "R-POST-1",
                f"La session {session.ref} n'est pas validée : il n'y a pas encore de "
                "parchemin à remettre.",
            )
        if received_on is not None and received_on > core.clock.today():
            raise InvalidInput("La date de réception des parchemins ne peut pas être future.")
        title = session.title
        number = session.ccp.code if session.kind is SessionKind.CCP and session.ccp else title.code
        abbreviation = title.abbreviation or title.code
        name = collection_form_filename(number, abbreviation, session.site.centre.name,
                                        session.start_date)
        region = geography.region_of(session.site.departement_code)
        send_by = received_on + SEND_WITHIN if received_on else None
        when = (
            f"au plus tard le {send_by:%d/%m/%Y}" if send_by
            else "au plus tard deux mois après leur réception"
        )
        return CollectionFormView(
            session_ref=session.ref,
            filename=f"{name}.pdf",
            send_to=region.service_name,
            send_by=send_by,
            instructions=(
                "Conservez les parchemins au coffre ; chaque candidat signe le formulaire en "
                f"retirant le sien. Envoyez le formulaire signé en PDF à la {region.service_name} "
                f"après le dernier retrait, {when}, sous le nom {name}.pdf ; les documents "
                "non retirés sont rendus au service (R-POST-2)."
            ),
        )
