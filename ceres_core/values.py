"""Values typed by people (dates, times), parsed once for every service.

Services accept either Python objects or the text a person typed; a malformed
value raises :class:`InvalidInput` with a French message naming the field.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from ceres_core.errors import InvalidInput

_FR_DATE = re.compile(r"^(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})[/.-](?P<y>\d{4})$")
_ISO_DATE = re.compile(r"^(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})$")
_TIME = re.compile(r"^(\d{1,2})\s*(?:[:hH]\s*(\d{2})?)?$")


def parse_date(value: date | str | None, what: str) -> date:
    """A date, or ``JJ/MM/AAAA`` (also ``JJ-MM-AAAA``, ``JJ.MM.AAAA``) or ``AAAA-MM-JJ`` text.

    ``what`` is the field as the start of a sentence: ``"La date de naissance"``.
    """
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{what} est manquante : saisissez-la au format JJ/MM/AAAA.")
    text = value.strip()
    match = _FR_DATE.match(text) or _ISO_DATE.match(text)
    if match is None:
        raise InvalidInput(
            f"{what} « {text} » n'est pas une date valide : saisissez-la au format "
            "JJ/MM/AAAA (ou AAAA-MM-JJ)."
        )
    day, month, year = match["d"], match["m"], match["y"]
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        raise InvalidInput(
            f"{what} « {text} » n'est pas une date valide : ce jour n'existe pas dans le "
            "calendrier ; saisissez-la au format JJ/MM/AAAA."
        ) from None


def parse_time(value: time | str | None, what: str) -> time:
    """A time, or ``HH:MM`` / ``8h30`` / ``8 h`` text."""
    if isinstance(value, time):
        return value
    raw = value.strip() if isinstance(value, str) else ""
    match = _TIME.match(raw)
    if not match:
        raise InvalidInput(
            f"{what} « {raw} » n'est pas une heure valable : écrivez-la comme 08:30 ou 8h30."
        )
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{what} « {raw} » n'existe pas.")
    return time(hour, minute)
