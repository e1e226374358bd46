"""French text normalisation for question matching.

The pipeline, shared by the articles (index side) and the questions (query side):

1. :func:`normalise`: lowercase, accents stripped, ligatures expanded, typographic
   apostrophes unified, elisions (``l'``, ``d'``, ``qu'``...) removed, punctuation
   turned into spaces; digits are kept (``0000000000000``, ``7 jours``, ``974``).
2. :func:`tokenize`: the words of a normalised text.
3. :func:`stem`: a light French suffix stripper (plural, feminine, common verb and
   noun endings), in the spirit of Savoy's "light" stemmer. It only has to map the
   forms people type to the same key on both sides; it is not a linguistic tool.

Stopwords are the French function words plus the words every support question
carries (greetings, "comment", "faut-il"...), which say nothing about the topic.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib import resources

import yaml

from ceres_core.values import strip_accents  # the one accent-folding helper

_APOSTROPHES = re.compile(r"[\u2019\u2018\u02bc\u00b4`\u2032]")
_NON_WORD = re.compile(r"[^a-z0-9']+")
#: Times of day ("8h", "8 h 30", "08:00", "15h00") become "<hour> heure".
_TIME = re.compile(r"\b([01]?\d|2[0-3])\s?(?:h|:)\s?([0-5]\d)?\b")

#: Elided words: dropped, except ``jusqu'`` which carries meaning ("jusqu'à quand").
ELISIONS: frozenset[str] = frozenset(
    {"l", "d", "j", "m", "n", "s", "t", "c", "qu", "lorsqu", "puisqu", "quoiqu", "presqu"}
)

STOPWORDS: frozenset[str] = frozenset(
    [
        "a",
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "cet",
        "cette",
        "ceci",
        "cela",
        "ca",
        "dans",
        "de",
        "des",
        "du",
        "en",
        "et",
        "la",
        "le",
        "les",
        "leur",
        "leurs",
        "lui",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "ne",
        "ni",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "quoi",
        "sa",
        "se",
        "ses",
        "si",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "il",
        "ils",
        "elle",
        "elles",
        "je",
        "j",
        "l",
        "d",
        "n",
        "s",
        "t",
        "c",
        "m",
        "qu",
        "eux",
        "ici",
        "est",
        "es",
        "suis",
        "sont",
        "sommes",
        "etes",
        "etait",
        "etaient",
        "ete",
        "etre",
        "sera",
        "seront",
        "serait",
        "soit",
        "ai",
        "as",
        "avons",
        "avez",
        "ont",
        "avait",
        "avaient",
        "eu",
        "avoir",
        "aura",
        "aurait",
        "fait",
        "fais",
        "faire",
        "faites",
        "font",
        "faisons",
        "peut",
        "peux",
        "pouvons",
        "pouvez",
        "peuvent",
        "pourrait",
        "pourriez",
        "pouvoir",
        "puis",
        "pu",
        "veut",
        "veux",
        "voulons",
        "voulez",
        "veulent",
        "voudrais",
        "voudrait",
        "vouloir",
        "dois",
        "doit",
        "devons",
        "devez",
        "doivent",
        "devrait",
        "devoir",
        "faut",
        "falloir",
        "faudrait",
        "va",
        "vais",
        "vont",
        "aller",
        "allez",
        "dit",
        "dire",
        "sais",
        "savoir",
        "comment",
        "pourquoi",
        "quand",
        "quel",
        "quelle",
        "quels",
        "quelles",
        "lequel",
        "laquelle",
        "combien",
        "bien",
        "tres",
        "plus",
        "moins",
        "aussi",
        "deja",
        "encore",
        "toujours",
        "jamais",
        "rien",
        "tout",
        "tous",
        "toute",
        "toutes",
        "alors",
        "donc",
        "car",
        "comme",
        "puisque",
        "lorsque",
        "quelque",
        "quelques",
        "chose",
        "sous",
        "chez",
        "via",
        "vers",
        "vraiment",
        "possible",
        "normal",
        "normale",
        "voir",
        "vois",
        "regarder",
        "mettre",
        "mets",
        "met",
        "celui",
        "celle",
        "ceux",
        "celles",
        "probleme",
        "problemes",
        "souci",
        "soucis",
        "question",
        "questions",
        "pose",
        "poser",
        "lancer",
        "lance",
        "effectuer",
        "realiser",
        "proceder",
        "obtenir",
        "obtient",
        "aupres",
        "depuis",
        "pendant",
        "selon",
        "sans",
        "contre",
        "malgre",
        "parmi",
        "lors",
        "afin",
        "ainsi",
        "cependant",
        "pourtant",
        "toutefois",
        "ensuite",
        "enfin",
        "autre",
        "autres",
        "certain",
        "certaine",
        "certains",
        "chaque",
        "plusieurs",
        "tel",
        "telle",
        "voici",
        "voila",
        "quelqu",
        "quelquun",
        "dont",
        "ou",
        "bonjour",
        "bonsoir",
        "salut",
        "hello",
        "coucou",
        "merci",
        "svp",
        "stp",
        "please",
        "cordialement",
        "cher",
        "chere",
        "oui",
        "non",
        "ok",
        "okay",
        "daccord",
        "ya",
        "cest",
        "jai",
        # "on vient de valider", "ils viennent de", "pouvez-vous m'aider"
        "vient",
        "viens",
        "viennent",
        "venons",
        "venez",
        "venir",
        "venu",
        "venue",
        "aide",
        "aider",
        "aidez",
        # "la manip", "la procédure", "la démarche": how-to words
        "manip",
        "manips",
        "manipulation",
        "procedure",
        "procedures",
        "demarche",
        "demarches",
        "etape",
        "etapes",
        # "ça ne donne rien", "il me donne": not the "données" (data)
        "donne",
        "donner",
        "donnent",
        "donnez",
        "essaie",
        "essaye",
        "essayer",
        "regarde",
        "regardez",
        "lesquels",
        "lesquelles",
        "auquel",
        "auxquels",
        "duquel",
        "instant",
        "actuellement",
        "hier",
        "aujourd",
        "hui",
        "maintenant",
        "bjr",
        "cdt",
        "cdlt",
        # Month names, like the digits of a date, do not tell the topic.
        "janvier",
        "fevrier",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "aout",
        "septembre",
        "octobre",
        "novembre",
        "decembre",
        # Regions name where the asker works, not what they ask about (the DROM
        # are domain words, see the lexicon).
        "occitanie",
        "bretagne",
        "normandie",
        "auvergne",
        "bourgogne",
        "aquitaine",
        "provence",
        "paca",
        "corse",
        "idf",
    ]
)

#: Words kept although short: digits are handled separately.
_MIN_WORD = 2


def normalise(text: str) -> str:
    """Lowercase, accent-free, elision-free text with single spaces.

    >>> normalise("L'attestation d'un Candidat : « réussite » !")
    'attestation un candidat reussite'
    """
    text = strip_accents(text.lower())
    text = _APOSTROPHES.sub("'", text)
    text = _TIME.sub(lambda m: f" {int(m.group(1))} heure ", text)
    text = _NON_WORD.sub(" ", text)
    words: list[str] = []
    for chunk in text.split():
        parts = chunk.split("'")
        for i, part in enumerate(parts):
            if not part:
                continue
            if i < len(parts) - 1:  # something follows the apostrophe: an elision
                if part == "jusqu":
                    words.append("jusque")
                    continue
                if part in ELISIONS:
                    continue
            words.append(part)
    return " ".join(words)


_TOKEN = re.compile(r"[a-z0-9]+")


def tokenize(text: str) -> list[str]:
    """Words of a normalised text (hyphenated words are split)."""
    return _TOKEN.findall(text)


def is_stopword(word: str) -> bool:
    if word.isdigit():
        return False
    return word in STOPWORDS or len(word) < _MIN_WORD


# Noun and verb endings, longest first: (suffix, minimal stem length). The plural
# mark is removed before; a final "qu" becomes "c" after (convoquer ~ convocation).
_SUFFIXES: tuple[tuple[str, int], ...] = (
    ("issement", 4),
    ("issaient", 4),
    ("issent", 4),
    ("issons", 4),
    ("issant", 4),
    ("issait", 4),
    ("issez", 4),
    ("isse", 4),
    ("atrice", 3),
    ("ateur", 3),
    ("ation", 3),
    ("ition", 3),
    ("ement", 4),
    ("ment", 4),
    ("ance", 4),
    ("ence", 4),
    ("able", 4),
    ("ible", 4),
    ("ique", 4),
    ("isme", 4),
    ("iste", 4),
    ("euse", 4),
    ("erait", 4),
    ("erai", 4),
    ("aient", 4),
    ("ent", 4),
    ("ait", 4),
    ("ive", 4),
    ("if", 4),
    ("eu", 4),
    ("ez", 4),
    ("er", 3),
    ("ir", 4),
    ("ee", 3),
    ("ie", 4),
    ("e", 4),
    ("i", 4),
)


#: Words the suffix rules would merge with an unrelated family.
_STEM_EXCEPTIONS: dict[str, str] = {
    # "données" (data) is not "donner" (to give).
    "donnee": "donnee",
    "donnees": "donnee",
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Light French stem of an accent-free lowercase word.

    >>> stem("convocations"), stem("convoquer"), stem("habilitee"), stem("habilitation")
    ('convoc', 'convoc', 'habilit', 'habilit')
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    exception = _STEM_EXCEPTIONS.get(word)
    if exception is not None:
        return exception
    if word.endswith("eaux") or word.endswith("eau"):
        # nouveau ~ nouvel(le), bureaux ~ bureau
        word = word[: -4 if word.endswith("x") else -3] + "el"
    elif word.endswith("aux") and len(word) > 5:
        # originaux ~ original, procès-verbaux ~ verbal, sociaux ~ social
        word = word[:-3] + "al"
    elif word[-1] in "sx" and len(word) > 4 and not word.endswith("ss"):
        word = word[:-1]
    for suffix, min_len in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= min_len:
            word = word[: -len(suffix)]
            break
    if word.endswith("qu"):
        word = word[:-2] + "c"
    if len(word) > 4 and word[-1] == word[-2] and word[-1] in "lmnt":
        word = word[:-1]
    return word


SPELLING_RESOURCE = "spelling.yaml"


@cache
def spellings() -> dict[str, tuple[str, ...]]:
    """Phone-style spellings → the normalised words they stand for (``data/spelling.yaml``).

    ``spellings()["jpeux"] == ("je", "peux")``; ``"qd"`` → ``("quand",)``.
    """
    text = resources.files("knowledge.data").joinpath(SPELLING_RESOURCE).read_text("utf-8")
    data = yaml.safe_load(text) or {}
    table = data.get("spellings") or {}
    if not isinstance(table, dict):
        raise ValueError("spelling.yaml: 'spellings' must map words to their spelling")
    out: dict[str, tuple[str, ...]] = {}
    for key, value in table.items():
        key_words = tokenize(normalise(str(key)))
        if len(key_words) != 1 or not isinstance(value, str):
            raise ValueError(f"spelling.yaml: {key!r} must be one word mapped to text")
        out[key_words[0]] = tuple(tokenize(normalise(value)))
    return out


def respell(tokens: list[str]) -> list[str]:
    """Phone-style spellings rewritten: ``["jpeux", "qd"]`` → ``["je", "peux", "quand"]``."""
    table = spellings()
    out: list[str] = []
    for token in tokens:
        out.extend(table.get(token, (token,)))
    return out


def words(text: str) -> list[str]:
    """Normalised tokens of raw text, stopwords included, phone spellings rewritten."""
    return respell(tokenize(normalise(text)))
