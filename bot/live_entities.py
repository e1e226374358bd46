"""What a question says about the user's own objects: dates, a session reference, a
session kind, a place or title, a person's name, a CERES ID.

Pure functions of the text (no database): :mod:`bot.live_answers` matches what they
find against the sessions and candidates the core returns for the actor. Dates are
read with the core's parser (:func:`ceres_core.values.parse_date`) when complete.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from ceres_core.errors import InvalidInput
from ceres_core.values import parse_date

MONTHS: dict[str, int] = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}

_MONTH_ALT = "|".join(sorted(MONTHS, key=len, reverse=True))
_WORD_DATE = re.compile(
    rf"\b(?P<d>\d{{1,2}})\s*(?:er)?\s+(?P<m>{_MONTH_ALT})\b\.?(?:\s+(?P<y>\d{{4}}))?"
)
_NUM_DATE = re.compile(r"(?<![\d/.-])(?P<d>\d{1,2})[/.-](?P<m>\d{1,2})(?:[/.-](?P<y>\d{4}|\d{2}))?(?![\d/])")
_SESSION_REF = re.compile(r"\b(?:TITRE|CCP|CCS)_[A-Z]_\d{4}_\d{6}\b", re.IGNORECASE)
#: CERES IDs: the demo's ``C260000001`` and CERES's ``11260000012K`` (region, year, number, letter).
_CERES_ID = re.compile(r"\b(?:C\d{9}|\d{9,11}[A-Z])\b", re.IGNORECASE)
_KINDS = {"tp": "TP", "titre": "TP", "ccp": "CCP", "ccs": "CCS"}
_WORD = re.compile(r"(?<![0-9A-Za-zÀ-ÖØ-öø-ÿ])[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’-]*")

#: Words that are never part of a person's name or a place in a question.
STOP_WORDS = frozenset(str.split("""
a ai al alors apres as au aucun aussi aux avant avec avez avoir bien bon bonjour c ca ce
celle celui ces cette chez comme comment d dans de des deja demander demande demandes
deux dois doit dois-je donc du elle elles en encore es est et etait ete etre eu faire
fait faut il ils j je jamais l la le les leur leurs lui m ma madame mais me merci mes
moi mon monsieur mme mr n ne ni nos notre nous on ou où par pas peut peux plus pour
pourquoi qu quand que quel quelle quelles quels qui quoi s sa sans se ses si son sont
suis sur t ta te tes ton toujours tous tout tu un une vos votre vous y
"""))
#: Words of the field: never a name either.
DOMAIN_WORDS = frozenset(str.split("""
adresse afpa arrive arrivee attestation attestations candidat candidate candidats
candidates ccp ccs centre ceres commande commander convocation convocations courrier
courriers date delai departement diplome diplomes document documents dossier
dreets dte dtes duplicata duplicatas envoi envoye envoyee envoyer erreur etat fiche
impression impressions imprimer livret livraison lien liens nouvel nouvelle perdu perdus
pli plis pnd poste recu recue renvoi renvoyer reussite retour revenu revenue session
sessions statut suivi titre tp ud valider validation voir
"""))
#: Words after which a person's name is expected.
_NAME_TRIGGERS = frozenset(
    {"de", "d", "du", "pour", "candidat", "candidate", "mme", "m", "mr", "monsieur",
     "madame", "mlle"}
)


def fold(text: str) -> str:
    """Lower case, no accents, one space between words (for comparisons)."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", plain).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


@dataclass(frozen=True)
class DayMonth:
    """A date as written in a question: the year may be left out (« le 15 mars »)."""

    day: int
    month: int
    year: int | None = None

    def matches(self, d: date) -> bool:
        return (d.day, d.month) == (self.day, self.month) and self.year in (None, d.year)

    def label(self) -> str:
        from ceres_core.dte_timeline import FRENCH_MONTHS

        day = "1er" if self.day == 1 else str(self.day)
        year = f" {self.year}" if self.year else ""
        return f"{day} {FRENCH_MONTHS[self.month - 1]}{year}"


def _valid(day: int, month: int, year: int | None) -> DayMonth | None:
    try:
        date(year or 2000, month, day)  # 2000: a leap year, so « 29 février » is kept
    except ValueError:
        return None
    return DayMonth(day, month, year)


def find_dates(text: str) -> list[DayMonth]:
    """The dates written in ``text``: « 15 mars », « 1er avril 2027 », « 15/03 »,
    « 15/03/2027 », « 15-03-27 ». Impossible dates (« 31/02 ») are left out."""
    found: list[DayMonth] = []
    folded = fold(text)
    for m in _WORD_DATE.finditer(folded):
        year = int(m["y"]) if m["y"] else None
        value = _valid(int(m["d"]), MONTHS[m["m"]], year)
        if value is not None:
            found.append(value)
    for m in _NUM_DATE.finditer(folded):
        if m["y"] and len(m["y"]) == 4:
            try:  # the core's parser, for a complete date
                full = parse_date(f"{m['d']}/{m['m']}/{m['y']}", "La date")
            except InvalidInput:
                continue
            found.append(DayMonth(full.day, full.month, full.year))
            continue
        year = 2000 + int(m["y"]) if m["y"] else None
        value = _valid(int(m["d"]), int(m["m"]), year)
        if value is not None:
            found.append(value)
    unique: list[DayMonth] = []
    for value in found:
        if value not in unique:
            unique.append(value)
    return unique


def find_session_refs(text: str) -> list[str]:
    """Session references (« TITRE_B_2026_470405 »), upper-cased."""
    return list(dict.fromkeys(m.group(0).upper() for m in _SESSION_REF.finditer(text)))


def find_ceres_ids(text: str) -> list[str]:
    """CERES IDs of candidates (« C260000001 », « 11260000012K »), upper-cased."""
    return list(dict.fromkeys(m.group(0).upper() for m in _CERES_ID.finditer(text)))


def find_kind(text: str) -> str | None:
    """The session kind named in the question (« TP », « CCP », « CCS »), if one only."""
    kinds = {_KINDS[w] for w in _words(_SESSION_REF.sub(" ", text)) if w in _KINDS}
    return kinds.pop() if len(kinds) == 1 else None


def session_phrase(text: str) -> str | None:
    """What follows « session de / à / d' » when it is neither a date nor a kind:
    a place or a title (« la session de Lyon » → ``"Lyon"``)."""
    m = re.search(
        r"\bsessions?\s+(?:de\s+la\s+|du\s+|de\s+|d'|a\s+|à\s+|sur\s+)([^?!.,;:]+)",
        text.replace("’", "'"), re.IGNORECASE,
    )
    if m is None:
        return None
    words: list[str] = []
    for raw in _WORD.findall(m.group(1)):
        w = fold(raw)
        if w in STOP_WORDS or w in DOMAIN_WORDS or w in MONTHS or w in _KINDS:
            break
        words.append(raw)
        if len(words) == 4:
            break
    phrase = " ".join(words).strip(" '-")
    return phrase or None


def mentions(phrase: str, names: Iterable[str]) -> list[str]:
    """The ``names`` (site, centre, title…) that contain every word of ``phrase``
    (accents and case ignored)."""
    wanted = [w for w in _words(phrase) if w not in STOP_WORDS]
    if not wanted:
        return []
    out = []
    for name in names:
        have = set(_words(name))
        if all(w in have for w in wanted):
            out.append(name)
    return out


def person_name(text: str) -> str | None:
    """The person named in the question, as typed (« où en est le duplicata de Julie
    Martin ? » → ``"Julie Martin"``), or ``None``.

    Capitalised words that are not the first word nor words of the field come first;
    otherwise the words after « de », « pour », « candidat(e) », « Mme »… that are
    neither common nor field words. A session reference, CERES ID or date is not a name.
    """
    clean = _SESSION_REF.sub(" ", _CERES_ID.sub(" ", text))
    tokens = _WORD.findall(clean.replace("’", "'"))
    tokens = [t.split("'")[-1] if "'" in t else t for t in tokens]  # « d'Émilie » → Émilie

    def common(token: str) -> bool:
        w = fold(token)
        return (not w or w in STOP_WORDS or w in DOMAIN_WORDS or w in MONTHS or w in _KINDS
                or len(w) < 2)

    capitalised: list[str] = []
    best: list[str] = []
    for i, token in enumerate(tokens):
        first_ok = i > 0 or (len(tokens) > 1 and tokens[1][:1].isupper() and not common(tokens[1]))
        if first_ok and token[:1].isupper() and not token.isupper() and not common(token):
            capitalised.append(token)
        elif capitalised:
            best = best or capitalised
            capitalised = []
        if token.isupper() and len(token) > 2 and not common(token):  # « MARTIN »
            capitalised.append(token)
    best = best or capitalised
    if best:
        return " ".join(best[:4])
    after: list[str] = []
    for i, token in enumerate(tokens):
        if fold(token) in _NAME_TRIGGERS:
            run = []
            for nxt in tokens[i + 1:]:
                if common(nxt):
                    if run:
                        break
                    continue
                run.append(nxt)
            if run:
                after = run
    return " ".join(after[:4]) if after else None


def without_entities(text: str, name: str | None, ids: Iterable[str]) -> str:
    """The question with the person's name and IDs replaced by « le candidat », so that
    the matcher reads the situation, not the name."""
    out = text
    for ident in ids:
        out = re.sub(re.escape(ident), "le candidat", out, flags=re.IGNORECASE)
    if name:
        out = re.sub(re.escape(name), "le candidat", out, flags=re.IGNORECASE)
    return out


@dataclass(frozen=True)
class Entities:
    dates: tuple[DayMonth, ...]
    session_refs: tuple[str, ...]
    ceres_ids: tuple[str, ...]
    kind: str | None
    phrase: str | None
    person: str | None


def extract(text: str) -> Entities:
    return Entities(
        dates=tuple(find_dates(text)),
        session_refs=tuple(find_session_refs(text)),
        ceres_ids=tuple(find_ceres_ids(text)),
        kind=find_kind(text),
        phrase=session_phrase(text),
        person=person_name(text),
    )
