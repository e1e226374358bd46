"""Synonyms and abbreviations of the CERES field, as data (``data/lexicon.yaml``).

A :class:`Lexicon` rewrites a sequence of stemmed tokens: every known variant
("DIRECCTE", "dossier technique d'évaluation", "pli non distribuable") becomes its
canonical term ("dreets", "dte", "pnd"). The longest variant wins at each position.
The same rewriting is applied to the articles and to the questions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from knowledge.text import is_stopword, stem, words

LEXICON_RESOURCE = "lexicon.yaml"


def _stems(text: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in words(text))


@dataclass(frozen=True)
class Token:
    """A token of a rewritten text; ``canonical`` tokens come from the lexicon."""

    text: str
    canonical: bool = False
    #: the word as typed (normalised), for the function-word test.
    surface: str = ""


@dataclass
class Lexicon:
    """Variant → canonical rewriting over stemmed token sequences."""

    terms: Mapping[str, list[str]]
    #: words (as typed, or canonical terms) that are weak evidence of the domain.
    generic_words: Iterable[str] = ()
    #: first stem → [(variant stems, canonical tokens)], longest variant first.
    _full: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = field(init=False, repr=False)
    #: the same with function words removed from the variants.
    _content: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = field(
        init=False, repr=False
    )
    #: surface words of every variant (for typo correction).
    surface_words: frozenset[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        full: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        content: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        surface: set[str] = set()
        for canonical, variants in self.terms.items():
            target = tuple(stem(w) for w in canonical.split())
            if not target:
                raise ValueError("lexicon: empty canonical term")
            for variant in [*variants, canonical]:
                seq = _stems(str(variant))
                if not seq:
                    continue
                surface.update(w for w in words(str(variant)) if not is_stopword(w))
                full.setdefault(seq[0], []).append((seq, target))
                surface_seq = words(str(variant))
                kept = tuple(s for s, w in zip(seq, surface_seq, strict=True) if not is_stopword(w))
                # Without its function words, a variant still makes sense only if it
                # had none ("courrier retourné") or keeps several words ("centre
                # reprise"): "rien ne se passe" must not become "passe".
                if kept and (len(kept) == len(seq) or len(kept) >= 2):
                    content.setdefault(kept[0], []).append((kept, target))
        for table in (full, content):
            for entries in table.values():
                # Longest first; on equal length keep the first declared (stable sort).
                entries.sort(key=lambda e: -len(e[0]))
        self._full = full
        self._content = content
        self.surface_words = frozenset(surface)
        generic: set[str] = set()
        for word in self.generic_words:
            generic.update(t.text for t in self.rewrite(words(str(word))))
        #: canonical/stemmed terms that are weak evidence of the domain.
        self.generic: frozenset[str] = frozenset(generic)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Lexicon:
        """The packaged lexicon, or the one at ``path``."""
        if path is None:
            text = resources.files("knowledge.data").joinpath(LEXICON_RESOURCE).read_text("utf-8")
        else:
            text = Path(path).read_text("utf-8")
        data = yaml.safe_load(text) or {}
        terms = data.get("terms") or {}
        if not isinstance(terms, dict):
            raise ValueError("lexicon: 'terms' must map canonical terms to lists of variants")
        for canonical, variants in terms.items():
            if not isinstance(canonical, str) or not isinstance(variants, list):
                raise ValueError(f"lexicon: {canonical!r} must map to a list of variants")
            bad = [v for v in variants if not isinstance(v, str)]
            if bad:  # YAML reads 0000000000000 as the number 0: quote it
                raise ValueError(f"lexicon: variants of {canonical!r} must be quoted text: {bad}")
        generic = data.get("generic") or []
        if not isinstance(generic, list) or not all(isinstance(g, str) for g in generic):
            raise ValueError("lexicon: 'generic' must be a list of quoted words")
        return cls({k: list(vs) for k, vs in terms.items()}, generic)

    @staticmethod
    def _rewrite(
        tokens: list[Token], table: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]
    ) -> list[Token]:
        out: list[Token] = []
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            for seq, target in table.get(tok.text, ()):
                size = len(seq)
                if i + size <= n and all(tokens[i + k].text == seq[k] for k in range(1, size)):
                    out.extend(Token(t, True) for t in target)
                    i += size
                    break
            else:
                out.append(tok)
                i += 1
        return out

    def rewrite(self, surface: Iterable[str]) -> list[Token]:
        """Rewrite normalised words (function words included) into content tokens."""
        tokens = [Token(stem(w), False, w) for w in surface]
        tokens = self._rewrite(tokens, self._full)
        tokens = [t for t in tokens if t.canonical or not is_stopword(t.surface)]
        return self._rewrite(tokens, self._content)

    def canonical(self, text: str) -> list[str]:
        """Canonical tokens of a short text: ``canonical("DIRECCTE") == ["dreets"]``."""
        return [t.text for t in self.rewrite(words(text))]
