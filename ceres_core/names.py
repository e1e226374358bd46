"""Candidate names: search keys (R-CAN-1, R-CAN-5) and character alerts (R-CAN-4).

``name_key(last, first)`` is the value stored in ``Candidate.name_key``: the last
name then the first name(s), upper-case, without accents, ligatures spelled out
(Œ → OE), hyphens, apostrophes and any other separator turned into one space::

    >>> name_key("Le Goff-Kerjean", "Anne-Sophie")
    'LE GOFF KERJEAN ANNE SOPHIE'
    >>> name_key("  d'Arçy ", "Zoé")
    'D ARCY ZOE'

Letters and digits are kept (a digit typed by mistake, "MARIACH1", stays visible
in the key); every other character separates words.

``name_alerts(value)`` lists, in French, the characters of a name that are not
letters (accented letters are letters), spaces, hyphens or apostrophes: CERES
shows an alert for them and the record cannot be validated until they are fixed
(R-CAN-4).
"""

from __future__ import annotations

import re
import unicodedata

from ceres_core.values import strip_accents

__all__ = [
    "APOSTROPHES",
    "agreed",
    "born_word",
    "civility_label",
    "is_female",
    "HYPHENS",
    "fold",
    "compact_key",
    "name_alerts",
    "name_key",
]

#: Characters accepted as hyphens in a name ("-", Unicode hyphen, non-breaking hyphen).
HYPHENS = frozenset("-\u2010\u2011")
#: Characters accepted as apostrophes (typewriter, typographic, modifier letter).
APOSTROPHES = frozenset("'\u2019\u02bc")
#: Characters accepted as spaces (plain and non-breaking spaces).
SPACES = frozenset(" \u00a0\u202f")

_SEPARATORS = re.compile(r"[^0-9A-Z]+")


def fold(text: str | None) -> str:
    """One name part folded for comparison: ``"Lefèvre-Dupont"`` → ``"LEFEVRE DUPONT"``."""
    if not text:
        return ""
    return _SEPARATORS.sub(" ", strip_accents(text).upper()).strip()


def name_key(last_name: str | None, first_name: str | None) -> str:
    """The ``Candidate.name_key``: ``"LASTNAME FIRSTNAME"`` folded (see module doc)."""
    return " ".join(part for part in (fold(last_name), fold(first_name)) if part)


def compact_key(key: str) -> str:
    """A key without its spaces: ``"LE GOFF ANNE"`` → ``"LEGOFFANNE"`` (duplicate checks)."""
    return key.replace(" ", "")


def _is_letter(char: str) -> bool:
    category = unicodedata.category(char)
    # L*: letters (accented letters included); M*: combining accents of a decomposed letter.
    return category.startswith("L") or category.startswith("M")


def _describe(char: str) -> str:
    if char.isdigit():
        return f"le chiffre « {char} »"
    if char in "\t\n\r\v\f":
        return "une tabulation ou un retour à la ligne"
    if unicodedata.category(char).startswith("Z"):
        return "une espace spéciale"
    names = {
        ".": "le point",
        ",": "la virgule",
        ";": "le point-virgule",
        ":": "les deux-points",
        "_": "le tiret bas",
        "/": "la barre oblique",
        "(": "la parenthèse",
        ")": "la parenthèse",
        "\u2013": "le tiret demi-cadratin",
        "\u2014": "le tiret cadratin",
        '"': "le guillemet",
        "«": "le guillemet",
        "»": "le guillemet",
        "`": "l'accent grave isolé",
        "´": "l'accent aigu isolé",
        "^": "l'accent circonflexe isolé",
        "¨": "le tréma isolé",
    }
    if char in names:
        return f"{names[char]} « {char} »"
    return f"le caractère « {char} »"


def name_alerts(value: str | None, label: str = "nom") -> list[str]:
    """French alerts for the characters of ``value`` that a name may not contain (R-CAN-4).

    Allowed: letters (accented or not), spaces, hyphens and apostrophes. One alert
    per distinct offending character, in order of appearance; ``label`` names the
    field in the sentence ("nom", "prénom").
    """
    if not value:
        return []
    alerts: list[str] = []
    seen: set[str] = set()
    for char in unicodedata.normalize("NFC", value):
        if char in seen or _is_letter(char) or char in HYPHENS or char in APOSTROPHES:
            continue
        if char in SPACES:
            continue
        seen.add(char)
        article = "Le" if label[0].lower() not in "aeiouyé" else "L'"
        sep = " " if article == "Le" else ""
        alerts.append(
            f"{article}{sep}{label} « {value.strip()} » contient {_describe(char)} : un nom ne "
            "peut contenir que des lettres, des espaces, des traits d'union et des apostrophes."
        )
    return alerts


# -- civility: the words that agree with it ---------------------------------------------------

#: The civility as CERES writes it in full.
CIVILITY_LABELS = {"M.": "Monsieur", "M": "Monsieur", "Mme": "Madame", "Mme.": "Madame"}


def civility_label(civility: str) -> str:
    """« Monsieur » / « Madame » for a record's civility (any other value as given)."""
    return CIVILITY_LABELS.get((civility or "").strip(), (civility or "").strip())


def is_female(civility: str) -> bool:
    """The civility is « Madame » (the feminine agreements of a sentence follow it)."""
    return civility_label(civility) == "Madame"


def agreed(word: str, civility: str) -> str:
    """``word`` (a masculine whose feminine adds « e »: « présent », « inscrit », « noté »)
    agreeing with a known civility: « présente » for Madame, « présent » for Monsieur,
    « présent(e) » when the civility is unknown."""
    label = civility_label(civility)
    if label == "Madame":
        return f"{word}e"
    return word if label == "Monsieur" else f"{word}(e)"


def born_word(civility: str) -> str:
    """« née » / « né », agreeing with a known civility; « né(e) » when it is unknown."""
    return agreed("né", civility)


def elides(word: str) -> bool:
    """Whether « de » elides before ``word`` (« d'inscrire », « d'habiliter »,
    « d'Aïssatou », « d'Hélène »): a vowel, accented or not, or a mute « h ». Not before
    « y » (« de Youssef ») nor an aspirated word the rule cannot know."""
    initial = strip_accents(word.strip()[:1]).lower()
    return bool(initial) and initial in "aeiouh"


def de(word: str) -> str:
    """« de » followed by ``word``, elided where French elides it (:func:`elides`)."""
    return f"d'{word}" if elides(word) else f"de {word}"
