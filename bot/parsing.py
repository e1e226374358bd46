"""Values as people type them in a chat → the parsed values the procedure engine takes.

* dates: ``15/03/2027``, ``15-03-2027``, ``15.03.27``, ``15 mars 2027``,
  ``1er avril 2027``, ``lundi 15 mars 2027``, ``15 mars`` (next such day, today
  included), ``2027-03-15``;
* départements: ``974``, ``2a``, ``5``, ``Lyon 69``, ``Rhône (69)``, ``La Réunion``;
* SIRET: 14 digits with spaces, dots or dashes (``389 394 560 00020``).

Every failure raises :class:`ParseError` whose ``message`` is French and shown as
is; the engine then validates the parsed value again (check digits, known codes).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ceres_core.geography import departements


class ParseError(ValueError):
    """The text cannot be read as the expected value; ``message`` is French."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fold(text: str) -> str:
    """Lowercase, accents removed, punctuation turned into spaces, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w/.\-]+", " ", text)
    return " ".join(text.split())


# --------------------------------------------------------------------------- dates

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        ("janvier", "janv", "jan"),
        ("fevrier", "fevr", "fev"),
        ("mars", "mar"),
        ("avril", "avr"),
        ("mai",),
        ("juin",),
        ("juillet", "juil"),
        ("aout",),
        ("septembre", "sept", "sep"),
        ("octobre", "oct"),
        ("novembre", "nov"),
        ("decembre", "dec"),
    ),
    start=1,
):
    for _name in _names:
        MONTHS[_name] = _number

_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")

DATE_HINT = "Écrivez par exemple 15/03/2027, 15 mars 2027 ou 2027-03-15."

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_NUMERIC = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})(?:[/.\-](\d{2}|\d{4}))?$")
_WORDS = re.compile(r"^(\d{1,2})(?:er|e)? ([a-z]+)\.?(?: (\d{2}|\d{4}))?$")


def _year(text: str | None) -> int | None:
    if text is None:
        return None
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _build(day: int, month: int, year: int | None, today: date | None) -> date:
    if not 1 <= month <= 12:
        raise ParseError(f"Le mois {month} n'existe pas. {DATE_HINT}")
    if year is None:
        ref = today or date.today()
        for candidate_year in (ref.year, ref.year + 1):
            try:
                candidate = date(candidate_year, month, day)
            except ValueError:
                continue
            if candidate >= ref:
                return candidate
        raise ParseError(f"Le {day}/{month:02d} n'existe pas. {DATE_HINT}")
    if not 1900 <= year <= 2200:
        raise ParseError(f"L'année {year} n'est pas plausible. {DATE_HINT}")
    try:
        return date(year, month, day)
    except ValueError:
        raise ParseError(
            f"Le {day:02d}/{month:02d}/{year} n'existe pas dans le calendrier. {DATE_HINT}"
        ) from None


def parse_date(text: str, today: date | None = None) -> date:
    """A French date as typed; without a year, the next such day (today included)."""
    folded = _fold(text)
    words = folded.split()
    while words and (words[0] in _WEEKDAYS or words[0] in ("le", "du", "au")):
        words = words[1:]  # « le 3 avril », « le lundi 3 avril »
    folded = " ".join(words)
    if not folded:
        raise ParseError(f"Indiquez une date. {DATE_HINT}")
    m = _ISO.match(folded)
    if m:
        return _build(int(m.group(3)), int(m.group(2)), int(m.group(1)), today)
    m = _NUMERIC.match(folded)
    if m:
        return _build(int(m.group(1)), int(m.group(2)), _year(m.group(3)), today)
    m = _WORDS.match(folded.replace("1 er", "1er"))
    if m:
        month = MONTHS.get(m.group(2))
        if month is None:
            raise ParseError(f"Je ne reconnais pas le mois « {m.group(2)} ». {DATE_HINT}")
        return _build(int(m.group(1)), month, _year(m.group(3)), today)
    raise ParseError(f"Je ne reconnais pas cette date. {DATE_HINT}")


# --------------------------------------------------------------------------- départements

DEPARTEMENT_HINT = "Indiquez son numéro, par exemple 69, 2A ou 974."

_CODE = re.compile(r"(?<![\w])(97[1-6]|2[ab]|\d{1,2})(?![\w])")


def _names() -> dict[str, str]:
    return {_fold(d.name).replace("-", " "): d.code for d in departements()}


def _known_codes() -> set[str]:
    return {d.code for d in departements()}


def parse_departement(text: str) -> str:
    """A département code (``"05"``, ``"2A"``, ``"974"``) from a code or a name."""
    folded = _fold(text).replace("-", " ")
    if not folded:
        raise ParseError(f"Indiquez un département. {DEPARTEMENT_HINT}")
    known = _known_codes()
    codes = []
    for m in _CODE.finditer(folded):
        raw = m.group(1).upper()
        code = raw.zfill(2) if raw.isdigit() and len(raw) < 3 else raw
        codes.append(code)
    valid = [c for c in dict.fromkeys(codes) if c in known]
    if len(valid) == 1:
        return valid[0]
    if len(valid) > 1:
        raise ParseError(f"Indiquez un seul département. {DEPARTEMENT_HINT}")
    names = _names()
    if folded in names:
        return names[folded]
    stripped = re.sub(r"^(la|le|les|l) ", "", folded)
    matches = {code for name, code in names.items() if re.sub(r"^(la|le|les|l) ", "", name) == stripped}
    if len(matches) == 1:
        return matches.pop()
    if codes:
        raise ParseError(f"Le département « {codes[0]} » n'existe pas. {DEPARTEMENT_HINT}")
    raise ParseError(f"Je ne reconnais pas ce département. {DEPARTEMENT_HINT}")


# --------------------------------------------------------------------------- SIRET

SIRET_HINT = "Le SIRET compte 14 chiffres, par exemple 389 394 560 00020."


def parse_siret(text: str) -> str:
    """14 digits, separators removed (the check digit is verified by the engine)."""
    compact = re.sub(r"[\s.\-\u00a0\u202f]", "", text)
    if not compact:
        raise ParseError(f"Indiquez un numéro SIRET. {SIRET_HINT}")
    if not compact.isdigit():
        raise ParseError(f"Un SIRET ne contient que des chiffres. {SIRET_HINT}")
    if len(compact) != 14:
        raise ParseError(f"Ce numéro compte {len(compact)} chiffres au lieu de 14. {SIRET_HINT}")
    return compact


def parse_text(text: str) -> str:
    value = " ".join(text.split())
    if not value:
        raise ParseError("Écrivez votre réponse en toutes lettres.")
    return value


def parse_input(kind: str, text: str, today: date | None = None) -> str:
    """The engine's value for an ``input`` node of ``kind`` (``choice`` is a button)."""
    if kind == "date":
        return parse_date(text, today).isoformat()
    if kind == "departement":
        return parse_departement(text)
    if kind == "siret":
        return parse_siret(text)
    return parse_text(text)
