"""Values typed by people (dates, times), parsed once for every service.

Services accept either Python objects or the text a person typed; a malformed
value raises :class:`InvalidInput` with a French message naming the field.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from ceres_core.clock import PARIS
from ceres_core.errors import InvalidInput

_LIGATURES = str.maketrans({"Œ": "OE", "œ": "oe", "Æ": "AE", "æ": "ae", "ß": "ss", "ẞ": "SS"})

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
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"{what} est manquante : saisissez-la au format JJ/MM/AAAA.")
    if not isinstance(value, str):
        raise InvalidInput(
            f"{what} « {value} » n'est pas une date lisible : saisissez-la au format "
            "JJ/MM/AAAA (ou AAAA-MM-JJ)."
        )
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
            f"{what} « {raw} » n'est pas une heure valide : écrivez-la comme 08:30 ou 8h30."
        )
    hour, minute = int(match[1]), int(match[2] or 0)
    if hour > 23 or minute > 59:
        raise InvalidInput(f"{what} « {raw} » n'existe pas.")
    return time(hour, minute)


def parse_text(
    value: object, what: str, *, required: bool = True, max_len: int = 250
) -> str | None:
    """A text typed by a person, spaces collapsed; ``None`` when empty and not required.

    ``what`` names the field after "Indiquez": ``"le code du site"``. Anything that is
    not a text (a number, a list…) is refused in French instead of failing later.
    """
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = " ".join(value.split())
    else:
        raise InvalidInput(f"Indiquez {what} sous forme de texte (et non « {value!r} »).")
    if not text:
        if required:
            raise InvalidInput(f"Indiquez {what}.")
        return None
    if len(text) > max_len:
        raise InvalidInput(
            f"Le texte saisi pour {what} est trop long ({len(text)} caractères, "
            f"{max_len} au plus)."
        )
    return text


def parse_ref(value: object, what: str, *, max_len: int = 40) -> str:
    """An identifier (session reference, site code, title code…), upper-case, no spaces
    around; :class:`InvalidInput` for an empty or non-text value."""
    text = parse_text(value, what, max_len=max_len)
    assert text is not None
    return text.upper()


def parse_int(value: object, what: str, *, lo: int | None = None, hi: int | None = None) -> int:
    """A whole number given as an ``int`` or as digits typed by a person.

    ``what`` starts a sentence: ``"Le nombre de sessions"``. Booleans, decimals and
    other texts are refused, as are values outside ``lo``..``hi``.
    """
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        number = int(value)
    if number is None:
        raise InvalidInput(f"{what} « {value} » n'est pas un nombre entier.")
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        if lo is not None and hi is not None:
            bounds = f"entre {lo} et {hi}"
        elif lo is not None:
            bounds = f"d'au moins {lo}"
        else:
            bounds = f"d'au plus {hi}"
        raise InvalidInput(f"{what} doit être {bounds} (valeur reçue : {number}).")
    return number


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the words agreeing with it, French style (singular below 2).

    ``plural(1, "session")`` → ``"1 session"``, ``plural(2, "agrément")`` →
    ``"2 agréments"``; ``plural_form`` for irregular words
    (``plural(2, "PV individuel", "PV individuels")``). By default every word takes
    an -s unless it already ends with s, x or z.
    """
    if abs(count) < 2:
        return f"{count} {singular}"
    if plural_form is None:
        plural_form = " ".join(w if w[-1:] in "sxz" else w + "s" for w in singular.split(" "))
    return f"{count} {plural_form}"


def strip_accents(text: str | None) -> str:
    """The one accent-folding helper: diacritics removed, ligatures spelt out.

    ``"Lefèvre-Cœur"`` → ``"Lefevre-Coeur"``; case, spaces and punctuation are kept,
    so each caller folds further its own way (upper-case name keys, lower-case
    search words…). ``None`` gives ``""``.
    """
    if not text:
        return ""
    text = str(text)
    if text.isascii():  # nothing to fold (most words): skip the per-character pass
        return text
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fr_date(value: date | datetime | None) -> str:
    """The one ``JJ/MM/AAAA`` formatter (empty for ``None``).

    An aware datetime is written in Paris time, the calendar French users read.
    """
    if value is None:
        return ""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return value.strftime("%d/%m/%Y")


# -- contact fields: e-mail, phone, postal address (R-DTE-2; candidate records) -------------

_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE_PATTERNS = (
    re.compile(r"^0[1-9]\d{8}$"),  # national, metropolitan and overseas (0262, 0692...)
    re.compile(r"^\+33[1-9]\d{8}$"),
    re.compile(r"^\+(?:262|590|594|596)\d{9}$"),  # Réunion/Mayotte, Guadeloupe, Guyane, Martinique
    re.compile(r"^\+(?:508|681|687)\d{6}$"),  # Saint-Pierre-et-Miquelon, Wallis, Nouvelle-Calédonie
    re.compile(r"^\+689\d{8}$"),  # Polynésie française
)
_POSTAL = re.compile(r"(?<!\d)(\d{5})(?!\d)\s*,?\s*([^\d,]*[A-Za-zÀ-ÿ][^\d,]*)")


def normalize_phone(text: str) -> str | None:
    """The phone number without separators (``+33...``/``0...``), or ``None`` if not French."""
    raw = (text or "").strip()
    compact = raw.replace("(0)", "")
    compact = re.sub(r"[\s.\-/()]", "", compact)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact if any(p.match(compact) for p in _PHONE_PATTERNS) else None


def is_valid_email(text: str) -> bool:
    text = (text or "").strip()
    return len(text) <= 254 and bool(_EMAIL.match(text))


def postal_code_and_commune(address: str) -> tuple[str, str] | None:
    """The postal code and commune of a French postal address, or ``None``.

    A street part must come before the postal code; the code is 5 digits of an
    existing département range (01–95, 97, 98), followed by the commune.
    """
    text = " ".join((address or "").split())
    match = _POSTAL.search(text)
    if match is None:
        return None
    code, commune = match[1], match[2].strip(" -,")
    prefix = int(code[:2])
    if not (1 <= prefix <= 95 or prefix in (97, 98)):
        return None
    street = text[: match.start()].strip(" ,")
    if not re.search(r"[A-Za-zÀ-ÿ]", street) or not commune:
        return None
    return code, commune


def is_valid_phone(text: str, *, international: bool = False) -> bool:
    """A French number (:func:`normalize_phone`), or with ``international`` any number in
    international form (``+`` then 8 to 15 digits: a person living abroad)."""
    if normalize_phone(text) is not None:
        return True
    compact = re.sub(r"[\s.\-/()]", "", (text or "").strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return international and re.fullmatch(r"\+\d{8,15}", compact) is not None
