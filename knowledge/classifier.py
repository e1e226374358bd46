"""A topic classifier trained at index load on the articles and the paraphrase bank.

BM25 (:mod:`knowledge.matcher`) rewards the words an article uses; people describe
their situation instead ("la poste l'a renvoyé", "la poubelle a disparu"). The
classifier learns those descriptions from ``data/paraphrases.yaml`` (questions
written from users' situations, per topic, plus out-of-scope questions that carry a
word of the field under the class ``none``) and from the articles' own short texts
(title, keywords, answer).

Features (scikit-learn, fitted in well under a second, nothing downloaded):

* word unigrams and bigrams of the *canonical terms* (the same pipeline as BM25:
  phone spellings, typo correction, stemming, synonyms and older service names);
* character 2–5-grams inside words of the normalised text, which carry typos,
  truncations and word families that the stemmer misses.

Both are TF-IDF weighted (sublinear tf) and feed a multinomial logistic regression,
whose probabilities are the classifier's scores. See ``docs/matching.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import yaml
from scipy.sparse import hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from knowledge.articles import Article
from knowledge.text import words

PARAPHRASES_RESOURCE = "paraphrases.yaml"
#: the out-of-scope class.
NONE = "none"
#: the token that stands for a word no article uses.
OOV = "__oov__"


def load_paraphrases(text: str | None = None) -> dict[str, list[str]]:
    """Topic id → training questions (``data/paraphrases.yaml`` unless ``text`` is given)."""
    if text is None:
        text = resources.files("knowledge.data").joinpath(PARAPHRASES_RESOURCE).read_text("utf-8")
    data = yaml.safe_load(text) or {}
    topics = data.get("topics") or {}
    if not isinstance(topics, dict):
        raise ValueError("paraphrases.yaml: 'topics' must map topic ids to lists of questions")
    out: dict[str, list[str]] = {}
    for topic, questions in topics.items():
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise ValueError(f"paraphrases.yaml: {topic!r} must be a list of quoted questions")
        out[str(topic)] = [q.strip() for q in questions if q.strip()]
    return out


@dataclass(frozen=True)
class ClassifierConfig:
    #: inverse regularisation strength (C) of the linear model.
    c: float = 20.0
    #: how many times a paraphrase counts relative to an article text.
    paraphrase_weight: float = 2.0
    #: character n-grams inside words.
    char_ngrams: tuple[int, int] = (2, 5)
    #: "svm" (linear SVM, trains in ~0.2 s) or "lr" (logistic regression: about the
    #: same accuracy, 2-3 s to train at every start).
    model: str = "svm"
    #: softmax temperature over the SVM's decision values (probabilities of "lr"
    #: are used as they are).
    temperature: float = 0.25


def _surface(text: str) -> str:
    return " ".join(words(text))


class TopicClassifier:
    """Text → probability per topic id (and ``none``)."""

    def __init__(
        self,
        articles: Sequence[Article],
        paraphrases: Mapping[str, Sequence[str]],
        terms: Callable[[str], list[str]],
        config: ClassifierConfig | None = None,
        known_terms: frozenset[str] = frozenset(),
    ) -> None:
        """``terms`` analyses a text into canonical terms (the matcher's pipeline);
        ``known_terms`` are the terms of the articles and the lexicon."""
        self.config = config or ClassifierConfig()
        self._terms = terms
        known = {a.id for a in articles}
        texts: list[str] = []
        labels: list[str] = []
        weights: list[float] = []
        for article in articles:
            for text in (article.title, *article.keywords, article.answer):
                if text.strip():
                    texts.append(text)
                    labels.append(article.id)
                    weights.append(1.0)
        for topic, questions in paraphrases.items():
            if topic not in known and topic != NONE:
                continue
            for q in questions:
                texts.append(q)
                labels.append(topic)
                weights.append(self.config.paraphrase_weight)
        # Words the knowledge base never uses (articles and synonyms: not the
        # paraphrases, so that in-scope training questions keep their share of
        # everyday words) become one token: the model learns how much a question
        # made of foreign words ("attestation de domicile") weighs towards none.
        self._known = frozenset(known_terms)
        self._word = TfidfVectorizer(
            analyzer=str.split, sublinear_tf=True, min_df=1, lowercase=False
        )
        self._char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.config.char_ngrams,
            sublinear_tf=True,
            min_df=2,
            lowercase=False,
        )
        x = self._features(texts, fit=True)
        if self.config.model == "svm":
            self._model = LinearSVC(C=self.config.c, max_iter=5000)
        else:
            self._model = LogisticRegression(C=self.config.c, max_iter=300)
        self._model.fit(x, labels, sample_weight=np.asarray(weights))
        self.classes: list[str] = [str(c) for c in self._model.classes_]
        # Inference by hand over the fitted vocabularies: for one short question,
        # sklearn's sparse-matrix machinery costs more than the arithmetic.
        self._word_analyzer = self._word.build_analyzer()
        self._char_analyzer = self._char.build_analyzer()
        n_word = len(self._word.vocabulary_)
        self._word_index = self._word.vocabulary_
        self._char_index = {g: i + n_word for g, i in self._char.vocabulary_.items()}
        self._idf = np.concatenate([self._word.idf_, self._char.idf_])
        coef = self._model.coef_
        if coef.shape[0] == 1:  # two classes: one decision function
            coef = np.vstack([-coef[0], coef[0]])
        self._coef_t = np.ascontiguousarray(coef.T)  # features x classes
        intercept = np.atleast_1d(self._model.intercept_)
        self._intercept = (
            np.array([-intercept[0], intercept[0]]) if intercept.shape[0] == 1 else intercept
        )

    def _word_text(self, text: str) -> str:
        terms = [t if t in self._known or t.isdigit() else OOV for t in self._terms(text)]
        bigrams = [f"{a}__{b}" for a, b in zip(terms, terms[1:], strict=False)]
        return " ".join([*terms, *bigrams])

    def _features(self, texts: Sequence[str], *, fit: bool = False):  # noqa: ANN202
        word_texts = [self._word_text(t) for t in texts]
        char_texts = [_surface(t) for t in texts]
        if fit:
            return hstack([self._word.fit_transform(word_texts), self._char.fit_transform(char_texts)]).tocsr()
        return hstack([self._word.transform(word_texts), self._char.transform(char_texts)]).tocsr()

    def _vector_part(self, grams: list[str], index: dict[str, int]) -> tuple[list[int], np.ndarray]:
        counts: dict[int, int] = {}
        for g in grams:
            i = index.get(g)
            if i is not None:
                counts[i] = counts.get(i, 0) + 1
        if not counts:
            return [], np.zeros(0)
        cols = list(counts)
        vals = (1.0 + np.log(np.fromiter(counts.values(), float))) * self._idf[cols]
        return cols, vals / np.linalg.norm(vals)

    def decision(self, text: str) -> np.ndarray:
        """The model's decision values per class (same order as :attr:`classes`)."""
        wc, wv = self._vector_part(self._word_analyzer(self._word_text(text)), self._word_index)
        cc, cv = self._vector_part(self._char_analyzer(_surface(text)), self._char_index)
        cols = wc + cc
        if not cols:
            return self._intercept.copy()
        return np.concatenate([wv, cv]) @ self._coef_t[cols] + self._intercept

    def probabilities(self, text: str) -> dict[str, float]:
        """Topic id (or ``none``) → probability; they sum to 1."""
        if self.config.model != "svm":  # the logistic regression's own probabilities
            probs = self._model.predict_proba(self._features([text]))[0]
        else:
            d = self.decision(text) / self.config.temperature
            e = np.exp(d - d.max())
            probs = e / e.sum()
        return dict(zip(self.classes, probs.tolist(), strict=True))  # Python floats
