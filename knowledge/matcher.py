"""Question → article matching.

Pipeline (the same for the articles and the questions, see :mod:`knowledge.text`
and :mod:`knowledge.lexicon`): normalise, split, correct typos of unknown words
against the index vocabulary (rapidfuzz), stem, rewrite synonyms and
abbreviations to canonical terms, drop function words, add bigrams.

Ranking is BM25 over weighted fields (title and keywords count more than the
body, the "if it does not work" section less). The confidence of the best article
is calibrated to 0..1 from two measures:

* *coverage*: the share of the question's information (IDF mass) that the article
  explains. Words that appear in no article (``météo``, ``cantine``) count against
  it, so a question made of foreign words cannot reach the threshold because it
  shares one common word with an article;
* *strength*: the BM25 score itself relative to what a perfect article would get.

Below :attr:`MatcherConfig.threshold` the answer is ``None`` (the bot says it does
not know). When the second article's score is close to the first one's, the
result is flagged ``ambiguous`` so the bot can ask "Vouliez-vous dire…".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from rapidfuzz import process
from rapidfuzz.distance import OSA

from knowledge.articles import HELP_HEADING, Article
from knowledge.classifier import NONE, TopicClassifier, load_paraphrases
from knowledge.lexicon import Lexicon
from knowledge.text import STOPWORDS, is_stopword, normalise, stem, tokenize, words

if TYPE_CHECKING:
    from ceres_core.settings import Rules

_BIGRAM_SEP = "_"


@dataclass(frozen=True)
class MatcherConfig:
    """Tunable parameters (kept together so that the benchmark can vary them)."""

    #: field weights (term frequency multipliers).
    title_weight: float = 3.0
    keywords_weight: float = 2.0
    answer_weight: float = 1.2
    body_weight: float = 0.5
    help_weight: float = 0.3
    #: BM25 parameters.
    k1: float = 3.0
    b: float = 0.5
    #: minimal weighted frequency for a term to count in its document frequency.
    df_min_tf: float = 1.0
    #: weight of a bigram relative to its IDF.
    bigram_weight: float = 0.5
    #: IDF given to a question word that no article contains.
    unknown_idf_factor: float = 0.8
    #: typo correction: edits allowed (OSA distance: a swap of two letters is one
    #: edit) by word length; words shorter than ``fuzzy_min_length`` are not corrected.
    fuzzy_min_length: int = 5
    fuzzy_long_length: int = 9
    fuzzy_edits_short: int = 1
    fuzzy_edits_long: int = 2
    #: term frequency (field weight units) that earns a term full credit in the
    #: confidence: a mention in the title or the keywords does, one in the body not.
    full_credit_tf: float = 2.0
    #: confidence = coverage ** e * evidence ** (1 - e), evidence = 1 - exp(-bm25 / scale).
    coverage_exponent: float = 0.4
    evidence_scale: float = 10.0
    #: weight of an everyday word (``generic`` in the lexicon) relative to its IDF.
    generic_weight: float = 0.5
    #: the same in the ranking (BM25): an everyday verb ("supprimer", "modifier")
    #: is weak evidence of the domain but tells apart the articles of one object.
    generic_rank_weight: float = 0.75
    #: matched non-generic words (credit-weighted count) under which the
    #: confidence is damped proportionally: a question needs one word of the field.
    anchor_min: float = 1.0
    anchor_exponent: float = 1.0
    #: calibrated confidence below which the answer is ``None``.
    threshold: float = 0.42
    #: the result is ambiguous when second score >= ratio * best score.
    ambiguity_ratio: float = 0.85
    #: alternatives listed: at most this many, with score >= ratio * best score.
    max_alternatives: int = 3
    alternative_ratio: float = 0.5
    #: with a ``none`` answer, suggestions listed only from this confidence.
    none_alternative_min: float = 0.25
    #: the topic classifier (knowledge.classifier) trained on the articles and the
    #: paraphrase bank; ``False`` gives the BM25-only matcher (the baseline).
    use_classifier: bool = True
    #: with the classifier: score = bm25_weight * BM25 confidence + (1 - bm25_weight)
    #: * classifier probability; below ``hybrid_threshold`` (or under the
    #: classifier's ``none`` probability) the answer is ``None``.
    bm25_weight: float = 0.4
    hybrid_threshold: float = 0.25
    #: with the classifier, a question with no word of the field needs at least
    #: this many everyday words of the articles ("bloqué", "connexion").
    min_generic_terms: int = 2
    #: with the classifier, BM25's close scores make the answer ambiguous only for a
    #: question of at most this many words of the field ("impression", "jury").
    vague_terms: int = 2
    #: with the classifier, alternatives from this share of the best score.
    hybrid_alternative_ratio: float = 0.15
    #: a message left without topic is read as small talk up to this many words.
    smalltalk_max_words: int = 15


@dataclass(frozen=True)
class MatchResult:
    """The answer to one question."""

    topic: str | None
    title: str | None
    score: float
    alternatives: list[tuple[str, str, float]] = field(default_factory=list)
    ambiguous: bool = False
    #: with no topic: the small-talk family of the message (« bonjour » → greeting,
    #: see :mod:`knowledge.conversation`) and the short French reply to it.
    smalltalk: str | None = None
    reply: str | None = None

    @property
    def found(self) -> bool:
        return self.topic is not None

    def to_json(self, digits: int = 3) -> dict[str, object]:
        """The ``ceres-assist ask --json`` shape (topic ``"none"`` when nothing matched)."""
        out: dict[str, object] = {
            "topic": self.topic or "none",
            "title": self.title,
            "score": round(self.score, digits),
            "alternatives": [
                {"topic": t, "title": ti, "score": round(s, digits)}
                for t, ti, s in self.alternatives
            ],
        }
        if self.smalltalk is not None:
            out["smalltalk"] = self.smalltalk
            out["reply"] = self.reply
        return out


@dataclass
class _Doc:
    article: Article
    tf: dict[str, float]
    length: float


class Analyzer:
    """Text → weighted terms, with a vocabulary for typo correction."""

    def __init__(self, lexicon: Lexicon, config: MatcherConfig) -> None:
        self.lexicon = lexicon
        self.config = config
        self.known_stems: set[str] = set()
        self._surface: list[str] = []
        self._surface_set: set[str] = set()
        self._fix_cache: dict[str, str] = {}

    def set_vocabulary(self, surface_words: Iterable[str], stems: Iterable[str]) -> None:
        self._surface_set = {w for w in surface_words if w.isalpha() and not is_stopword(w)}
        self._surface = sorted(self._surface_set)
        # Function words with a typo ("qaund", "comment") are corrected too.
        self._function_words = sorted(w for w in STOPWORDS if len(w) >= 4 and w.isalpha())
        self.known_stems = set(stems)
        self._fix_cache.clear()

    def _fix(self, word: str) -> str:
        """The closest vocabulary word for an unknown word, or the word itself."""
        cached = self._fix_cache.get(word)
        if cached is not None:
            return cached
        result = word
        cfg = self.config
        if (
            len(word) >= cfg.fuzzy_min_length
            and word.isalpha()
            and word not in self._surface_set
            and stem(word) not in self.known_stems
            and not is_stopword(word)
        ):
            edits = (
                cfg.fuzzy_edits_long
                if len(word) >= cfg.fuzzy_long_length
                else cfg.fuzzy_edits_short
            )
            best = process.extractOne(
                word, self._function_words, scorer=OSA.distance, score_cutoff=1
            )
            if best is None:
                candidates = [w for w in self._surface if abs(len(w) - len(word)) <= edits]
                best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=edits)
            if best is not None:
                result = best[0]
        if len(self._fix_cache) < 50_000:
            self._fix_cache[word] = result
        return result

    def terms(self, text: str, *, correct: bool = False) -> list[str]:
        """Canonical content terms of ``text`` (unigrams, in order)."""
        raw = words(text)
        if correct:
            names = _proper_names(text)
            raw = [w if w in names else self._fix(w) for w in raw]
        return [t.text for t in self.lexicon.rewrite(raw)]

    @staticmethod
    def bigrams(terms: Sequence[str]) -> list[str]:
        return [f"{a}{_BIGRAM_SEP}{b}" for a, b in zip(terms, terms[1:], strict=False) if a != b]


_SENTENCE_SPLIT = re.compile(r"[\n.;:!?()«»\[\]]+")
#: a capitalised word (« Paris », « Martin ») after another word of the same sentence.
_PROPER_NAME = re.compile(r"(?<=[\w,'’]\s)[A-ZÀ-Ý][a-zà-ÿ]{3,}\b")


def _proper_names(text: str) -> frozenset[str]:
    """Normalised words written like names inside a sentence: the typo corrector
    leaves them alone (« quel temps à Paris » must not read « part »)."""
    return frozenset(normalise(m.group(0)) for m in _PROPER_NAME.finditer(text))


class Matcher:
    """BM25 over the articles, with calibrated confidence and ambiguity detection."""

    def __init__(
        self,
        articles: Sequence[Article],
        lexicon: Lexicon | None = None,
        config: MatcherConfig | None = None,
        paraphrases: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        if not articles:
            raise ValueError("Matcher needs at least one article")
        self.config = config or MatcherConfig()
        self.lexicon = lexicon or Lexicon.load()
        self.analyzer = Analyzer(self.lexicon, self.config)
        self.articles = list(articles)
        self._analysed: tuple[str, list[str]] | None = None
        self._conversation = None  # knowledge.conversation.Conversation, made on first use
        self._by_id = {a.id: a for a in self.articles}
        self._build()
        self.classifier: TopicClassifier | None = None
        if self.config.use_classifier:
            bank = load_paraphrases() if paraphrases is None else dict(paraphrases)
            covered = [a.id for a in self.articles if bank.get(a.id)]
            # A bank written for other articles (a test's tiny set) trains nothing.
            if len(covered) >= max(2, len(self.articles) // 2):
                self.classifier = TopicClassifier(
                    self.articles, bank, self.analyse, known_terms=self.vocabulary
                )

    @classmethod
    def from_articles(
        cls,
        articles: Sequence[Article],
        lexicon: Lexicon | None = None,
        config: MatcherConfig | None = None,
        paraphrases: Mapping[str, Sequence[str]] | None = None,
    ) -> Matcher:
        return cls(articles, lexicon=lexicon, config=config, paraphrases=paraphrases)

    # -- index ---------------------------------------------------------------------

    def _fields(self, article: Article) -> list[tuple[str, float]]:
        cfg = self.config
        fields: list[tuple[str, float]] = [(article.title, cfg.title_weight)]
        fields += [(k, cfg.keywords_weight) for k in article.keywords]
        fields.append((article.answer, cfg.answer_weight))
        rest = article.intro.replace(article.answer, "", 1) if article.answer else article.intro
        fields.append((rest, cfg.body_weight))
        for heading, text in article.sections.items():
            weight = cfg.help_weight if heading == HELP_HEADING else cfg.body_weight
            fields.append((text, weight))
        return fields

    def _build(self) -> None:
        cfg = self.config
        surface: set[str] = set(self.lexicon.surface_words)
        fielded: list[list[tuple[str, float]]] = []
        for article in self.articles:
            fields = self._fields(article)
            fielded.append(fields)
            for text, _ in fields:
                surface.update(words(text))
        # The articles are indexed without typo correction (they are spelled right).
        docs: list[_Doc] = []
        df: Counter[str] = Counter()
        for article, fields in zip(self.articles, fielded, strict=True):
            tf: dict[str, float] = {}
            length = 0.0
            for text, weight in fields:
                for sentence in _SENTENCE_SPLIT.split(text):
                    terms = self.analyzer.terms(sentence)
                    for t in terms:
                        tf[t] = tf.get(t, 0.0) + weight
                        length += weight
                    for bg in Analyzer.bigrams(terms):
                        tf[bg] = tf.get(bg, 0.0) + weight
            docs.append(_Doc(article, tf, length))
            # A term counts as "in" an article for the IDF only when it is more than
            # a passing mention in the help section (which names the same contacts
            # and browsers in every article).
            df.update(t for t, f in tf.items() if f >= cfg.df_min_tf)
        n = len(docs)
        self._docs = docs
        self._avgdl = sum(d.length for d in docs) / n
        self._idf = {
            t: math.log(1.0 + (n - df[t] + 0.5) / (df[t] + 0.5)) for doc in docs for t in doc.tf
        }
        self._max_idf = math.log(1.0 + (n - 0.5) / 1.5)  # a term in a single article
        # Postings for fast scoring: term → [(doc index, saturated tf)].
        self._postings: dict[str, list[tuple[int, float, float]]] = {}
        for i, doc in enumerate(docs):
            norm = cfg.k1 * (1.0 - cfg.b + cfg.b * doc.length / self._avgdl)
            for t, f in doc.tf.items():
                sat = f * (cfg.k1 + 1.0) / (f + norm)
                share = min(1.0, f / cfg.full_credit_tf)
                self._postings.setdefault(t, []).append((i, sat, share))
        unigram_stems = {t for t in self._idf if _BIGRAM_SEP not in t}
        self.analyzer.set_vocabulary(surface, unigram_stems)
        #: Built once per index (issue 14: the conversation tests it for every term).
        self._vocabulary = frozenset(unigram_stems)

    @property
    def vocabulary(self) -> frozenset[str]:
        return self._vocabulary

    # -- query ---------------------------------------------------------------------

    def analyse(self, question: str) -> list[str]:
        """Canonical terms of a question (after typo correction)."""
        # One question is analysed by BM25, the classifier and the anchor check:
        # the last one is kept (not more, so that a benchmark repeating its
        # questions measures the full work).
        last = self._analysed
        if last is not None and last[0] == question:
            return list(last[1])
        terms = self.analyzer.terms(question, correct=True)
        self._analysed = (question, terms)
        return list(terms)

    def _unknown_weight(self, term: str) -> float:
        if term.isdigit():
            return 0.0  # a date or a count the articles do not mention says little
        return self.config.unknown_idf_factor * self._max_idf

    def scores(self, question: str) -> list[tuple[Article, float, float]]:
        """``(article, raw BM25, confidence)`` for every article sharing a term, by BM25."""
        cfg = self.config
        terms = list(dict.fromkeys(self.analyse(question)))
        if not terms:
            return []
        generic = self.lexicon.generic
        # (term, weight in the ranking, weight in the confidence)
        query: list[tuple[str, float, float]] = []
        total = 0.0
        for t in terms:
            idf = self._idf.get(t)
            if idf is None:
                total += self._unknown_weight(t)
                continue
            weight = idf * cfg.generic_weight if t in generic else idf
            rank_weight = idf * cfg.generic_rank_weight if t in generic else idf
            query.append((t, rank_weight, weight))
            total += weight
        if not query or total <= 0:
            return []
        for bg in dict.fromkeys(Analyzer.bigrams(terms)):
            idf = self._idf.get(bg)
            if idf is not None:
                query.append((bg, cfg.bigram_weight * idf, 0.0))
        raw: dict[int, float] = {}
        credit: dict[int, float] = {}
        anchor: dict[int, float] = {}
        for t, rw, w in query:
            is_unigram = _BIGRAM_SEP not in t
            for i, sat, share in self._postings[t]:
                raw[i] = raw.get(i, 0.0) + rw * sat
                if is_unigram:
                    credit[i] = credit.get(i, 0.0) + w * share
                    if t not in generic:
                        anchor[i] = anchor.get(i, 0.0) + share
        results = [
            (
                self._docs[i].article,
                s,
                self._confidence(credit.get(i, 0.0) / total, s, anchor.get(i, 0.0)),
            )
            for i, s in raw.items()
        ]
        results.sort(key=lambda r: (-r[1], r[0].id))
        return results

    def _confidence(self, coverage: float, raw: float, anchor: float) -> float:
        """Calibrated confidence in 0..1 from coverage, BM25 evidence and domain anchor.

        ``evidence = 1 - exp(-raw / evidence_scale)`` grows with the amount of
        matching text (a single common word such as "session" gives little); the
        weighted geometric mean of coverage and evidence needs both to be high.
        It is then damped when the words matched are only everyday words
        (``generic`` in the lexicon): ``anchor`` counts the other ones (each with
        its credit, 1 for a title or keyword match).
        """
        cfg = self.config
        coverage = min(1.0, max(0.0, coverage))
        evidence = 1.0 - math.exp(-raw / cfg.evidence_scale)
        a = cfg.coverage_exponent
        value = coverage**a * evidence ** (1.0 - a)
        if anchor < cfg.anchor_min:
            value *= (anchor / cfg.anchor_min) ** cfg.anchor_exponent
        return value

    def bm25_scores(self, question: str) -> dict[str, float]:
        """Topic id → calibrated BM25 confidence (the others scaled below the best)."""
        return self._bm25(question)[0]

    def _bm25(self, question: str) -> tuple[dict[str, float], bool]:
        """BM25 confidences, and whether the two best raw scores are close."""
        ranked = self.scores(question)
        if not ranked:
            return {}, False
        top, top_raw, top_conf = ranked[0]
        out = {top.id: top_conf}
        for article, raw, conf in ranked[1:]:
            out[article.id] = min(top_conf, conf * raw / top_raw)
        close = len(ranked) > 1 and ranked[1][1] >= self.config.ambiguity_ratio * top_raw
        return out, close

    def topic_scores(self, question: str) -> tuple[list[tuple[str, float]], float, bool]:
        """``([(topic, score)...] best first, none score, ambiguous)``.

        With the classifier the scores are the combined ones; without it, BM25's
        (and the none score is 0). ``ambiguous``: BM25's two best raw scores are
        close (with the classifier, only for a question of one or two words of the
        field, which names a subject rather than asks a question) or, with the
        classifier, the two best combined scores are.
        """
        cfg = self.config
        bm25, close = self._bm25(question)
        if self.classifier is None:
            ranked = sorted(bm25.items(), key=lambda kv: (-kv[1], kv[0]))
            return ranked, 0.0, close
        known = {t for t in self.analyse(question) if t in self._idf}
        if not known - self.lexicon.generic and len(known) < cfg.min_generic_terms:
            # Not one word of the field, one everyday word at most ("quelle heure
            # est-il", "j'ai perdu mes clés"): a guess would rest on that word alone.
            return [], 0.0, False
        probs = self.classifier.probabilities(question)
        a = cfg.bm25_weight
        combined = {
            t: a * bm25.get(t, 0.0) + (1.0 - a) * probs.get(t, 0.0) for t in self._by_id
        }
        ranked = sorted(combined.items(), key=lambda kv: (-kv[1], kv[0]))
        ambiguous = (close and len(known) <= cfg.vague_terms) or (
            ranked[1][1] >= cfg.ambiguity_ratio * ranked[0][1] if len(ranked) > 1 else False
        )
        return ranked, probs.get(NONE, 0.0), ambiguous

    def match(self, question: str) -> MatchResult:
        """The article for ``question``; with none, the small talk it may be
        (« bonjour », « merci », « t ki ? »: ``smalltalk`` and ``reply`` are set)."""
        result = self.match_topic(question)
        if result.found or len(question.split()) > self.config.smalltalk_max_words:
            return result
        if self._conversation is None:
            from knowledge.conversation import Conversation  # it reads this module

            self._conversation = Conversation(self)
        family, reply = self._conversation.smalltalk_reply(question)
        if family is None:
            return result
        return replace(result, smalltalk=family, reply=reply)

    def match_topic(self, question: str) -> MatchResult:
        """The article for ``question``, or a result without topic (no small talk)."""
        cfg = self.config
        if not words(question):
            return MatchResult(None, None, 0.0, [], False)
        ranked, none_score, ambiguous = self.topic_scores(question)
        if not ranked or ranked[0][1] <= 0.0:
            return MatchResult(None, None, 0.0, [], False)
        threshold = cfg.threshold if self.classifier is None else cfg.hybrid_threshold
        top, top_score = ranked[0]
        titled = [(t, self._by_id[t].title, s) for t, s in ranked]
        if top_score < threshold or none_score > top_score:
            # Suggestions only when they are not far from the threshold.
            alts = [
                x for x in titled[: cfg.max_alternatives] if x[2] >= cfg.none_alternative_min
            ]
            return MatchResult(None, None, top_score, alts, False)
        ratio = cfg.alternative_ratio if self.classifier is None else cfg.hybrid_alternative_ratio
        alternatives = [
            x for x in titled[1 : 1 + cfg.max_alternatives] if x[2] >= ratio * top_score
        ]
        if ambiguous and not alternatives:
            alternatives = titled[1 : 1 + cfg.max_alternatives]
        return MatchResult(top, self._by_id[top].title, top_score, alternatives, ambiguous)

    def article(self, topic: str) -> Article:
        return self._by_id[topic]


def default_matcher(rules: Rules | None = None) -> Matcher:
    """A matcher over the packaged articles (numbers from ``rules``), lexicon and paraphrases."""
    from knowledge.articles import load_articles

    return Matcher.from_articles(load_articles(rules=rules))


__all__ = ["Analyzer", "MatchResult", "Matcher", "MatcherConfig", "default_matcher", "tokenize"]
