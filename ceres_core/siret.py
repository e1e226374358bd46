"""SIRET checks (R-SITE-2).

A SIRET identifies a centre: 14 digits, the last one a Luhn check digit
(``stdnum.fr.siret``, which also knows La Poste's exception). Users type it with
spaces or dots ("442 018 164 00016"); :func:`compact_siret` removes them.

The centre de reprise, the catch-all centre of the migration, carries the
pseudo-SIRET ``0000000000000`` (13 zeros, as CERES shows it; 14 zeros is
accepted as the same). It is recognised by :func:`is_reprise_siret` but is never
a valid target (of a transfer, or of a registration).
"""

from __future__ import annotations

import re

from stdnum.fr import siret as _stdnum_siret

from ceres_core.errors import InvalidInput, RuleViolation
from ceres_core.models import SIRET_CENTRE_REPRISE

#: How the centre de reprise is named where a centre's SIRET would be shown (R-SITE-2).
REPRISE_LABEL = "centre de reprise"

#: The forms of the centre de reprise's pseudo-SIRET (13 zeros as in CERES, or 14).
REPRISE_SIRETS = frozenset({SIRET_CENTRE_REPRISE, "0" * 14})

#: What users put between digits: spaces (incl. non-breaking), dots, dashes, slashes.
_SEPARATORS = re.compile(r"[\s.\-/\u00a0\u202f]+")


def compact_siret(value: object) -> str:
    """The SIRET without separators (spaces, dots, dashes); not validated."""
    return _SEPARATORS.sub("", str(value or "")).strip()


def is_reprise_siret(value: object) -> bool:
    """True if ``value`` is the centre de reprise's pseudo-SIRET (whatever the spacing)."""
    return compact_siret(value) in REPRISE_SIRETS


def siret_problem(value: object, *, allow_reprise: bool = False) -> str | None:
    """The French sentence saying what is wrong with ``value``, or None if it is a valid SIRET.

    With ``allow_reprise`` the centre de reprise's pseudo-SIRET is accepted.
    """
    shown = str(value or "").strip()
    digits = compact_siret(value)
    if not digits:
        return "Le SIRET est vide : saisissez les 14 chiffres du SIRET du centre."
    if digits in REPRISE_SIRETS:
        if allow_reprise:
            return None
        return (
            f"Le SIRET « {shown} » est celui du centre de reprise : il ne peut pas être "
            "la cible d'un transfert ni d'un enregistrement. Saisissez le SIRET du bon centre."
        )
    if not digits.isdigit():
        return f"Le SIRET « {shown} » ne doit contenir que des chiffres."
    if len(digits) != 14:
        return f"Le SIRET « {shown} » doit comporter 14 chiffres."
    if not _stdnum_siret.is_valid(digits):
        return f"Le SIRET « {shown} » n'est pas valide (clé de contrôle incorrecte)."
    return None


def is_valid_siret(value: object) -> bool:
    """True for a well-formed, Luhn-valid SIRET (never the centre de reprise's)."""
    return siret_problem(value) is None


def normalize_siret(value: object, *, allow_reprise: bool = False, rule: str | None = None) -> str:
    """The compact SIRET, or a French refusal.

    Raises :class:`RuleViolation` ``rule`` when a rule id is given (e.g. ``"R-SITE-2"``
    for a transfer target), :class:`InvalidInput` otherwise. With ``allow_reprise``
    the centre de reprise's pseudo-SIRET is returned in its CERES form (13 zeros).
    """
    problem = siret_problem(value, allow_reprise=allow_reprise)
    if problem is not None:
        if rule:
            raise RuleViolation(rule, problem, siret=str(value))
        raise InvalidInput(problem, siret=str(value))
    digits = compact_siret(value)
    return SIRET_CENTRE_REPRISE if digits in REPRISE_SIRETS else digits


def format_siret(value: object) -> str:
    """``"442 018 164 00016"`` (SIREN by threes, then the NIC) for display."""
    digits = compact_siret(value)
    if len(digits) != 14 or not digits.isdigit():
        return digits
    return f"{digits[0:3]} {digits[3:6]} {digits[6:9]} {digits[9:14]}"
