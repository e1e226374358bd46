"""Understanding one chat message: small talk, one or several questions, follow-ups.

A pure API over the matcher, for any front end (the Telegram bot, the CLI, tests)::

    understanding = Conversation(matcher).understand(text, previous, role)

* **small talk** (greetings, thanks, « qui es-tu », « que sais-tu faire », insults,
  complaints, goodbye): ``kind == "smalltalk"`` and ``reply`` is a short French
  answer (:mod:`knowledge.texts`). A greeting before a question is not small talk:
  the question is answered.
* **questions**: ``kind == "answers"``, one :class:`Answer` per question of the
  message. A message is split on sentence ends and connectors (« et aussi », « et
  quand… »); each part that the matcher answers confidently gets its answer.
* **follow-ups**: given the previous :class:`Turn`, a message such as « et pour un
  CCP ? » is read with the previous question's context; the term it replaces (TP)
  is dropped from that context.
* **nothing found**: ``kind == "none"``; ``result`` holds the matcher's suggestions.

Each answer's article is the variant for the asker's ``role`` (``Article.for_role``).
The patterns, connectors and slots are data (``data/conversation.yaml``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from typing import Any

import yaml

from knowledge.articles import Article
from knowledge.matcher import Matcher, MatchResult
from knowledge.text import normalise, respell, tokenize
from knowledge.texts import SMALLTALK

CONVERSATION_RESOURCE = "conversation.yaml"
#: at most this many answers for one message.
MAX_ANSWERS = 3


@dataclass(frozen=True)
class Turn:
    """What a front end keeps of the previous message to read the next one."""

    question: str
    topics: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"question": self.question, "topics": list(self.topics)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Turn | None:
        if not data or not isinstance(data.get("question"), str):
            return None
        return cls(str(data["question"]), tuple(str(t) for t in data.get("topics") or ()))


@dataclass(frozen=True)
class Answer:
    """One answered question of a message."""

    #: the question as understood (with the previous question's context if any).
    question: str
    result: MatchResult
    #: the article in the asker's role variant.
    article: Article
    #: whether the previous turn's context was used.
    follow_up: bool = False
    #: the part of the message this answers, as typed.
    text: str = ""


@dataclass(frozen=True)
class Understanding:
    kind: str  # "smalltalk" | "answers" | "none"
    reply: str | None = None
    intent: str | None = None
    answers: tuple[Answer, ...] = ()
    #: with ``kind == "none"``: the matcher's result (suggestions in ``alternatives``).
    result: MatchResult | None = None
    #: what to keep for the next message (``None`` after small talk: keep the old one).
    turn: Turn | None = None
    scores: tuple[tuple[str, float], ...] = field(default=())

    @property
    def topics(self) -> list[str]:
        return [a.article.id for a in self.answers]


@dataclass(frozen=True)
class _Data:
    #: intent → its patterns (each on word boundaries).
    smalltalk: tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]
    #: intent → its family (greeting, thanks, identity, capabilities, insult,
    #: complaint, goodbye); an intent not listed is its own family.
    families: Mapping[str, str]
    #: phone spellings of small talk (« t ki », « cc », « thx »).
    spellings: Mapping[str, tuple[str, ...]]
    #: emojis that say something on their own (« 👍 » → « ok »).
    emojis: Mapping[str, str]
    filler: frozenset[str]
    splitter: re.Pattern[str]
    follow_up: re.Pattern[str]
    follow_up_max_words: int
    #: a plain « et » splits two questions each answered from this matcher score.
    and_split_min_score: float
    #: beside small talk, a question is answered only from this matcher score.
    smalltalk_question_min_score: float
    question_start: re.Pattern[str]
    #: a question word or opening at the start of the text.
    asking: re.Pattern[str]
    new_question: re.Pattern[str]
    slots: tuple[tuple[str, ...], ...]


def _norm(text: str) -> str:
    return " ".join(respell(tokenize(normalise(text))))


@cache
def _data() -> _Data:
    raw = yaml.safe_load(
        resources.files("knowledge.data").joinpath(CONVERSATION_RESOURCE).read_text("utf-8")
    )
    intents = []
    for intent, patterns in raw["smalltalk"].items():
        if intent not in SMALLTALK:
            raise ValueError(f"conversation.yaml: no reply text for intent {intent!r}")
        compiled = tuple(re.compile(rf"(?:^|\b)(?:{p})(?:\b|$)") for p in patterns)
        intents.append((intent, compiled))
    splitters = [re.escape(s) for s in raw["splitters"]]
    questions = "|".join(re.escape(q) for q in raw["question_words"])
    # On the raw text (accents kept): sentence ends; connectors; « , et quand… ».
    splitter = re.compile(
        r"[?!;\n]+|\.(?:\s|$)+"
        # a numbered list: « 1) … 2) … », « 1/ … 2/ … », « 2. … », « 2- … »
        + r"|(?<![\w/.,:])[1-9]\s?[)/.°-](?=\s)"
        # « Question 1 : … Question 2 : … », « Q2 : », « … / … »
        + r"|\b(?:question|q)\s?[1-9]\b\s*:?|\s/\s"
        # « …, aussi comment… »: the comma ends the question before
        + r"|,\s*(?=(?:aussi|sinon|[eé]galement|autre question)\b)"
        + "".join(rf"|\b{_accent_free_pattern(s)}\b" for s in splitters)
        + rf"|,?\s+et\s+(?=(?:{_accent_free_pattern(questions)})\b)",
        re.IGNORECASE,
    )
    openings = "|".join(re.escape(o) for o in raw["follow_up_openings"])
    return _Data(
        smalltalk=tuple(intents),
        families=dict(raw.get("families") or {}),
        spellings={str(k): tuple(str(v).split()) for k, v in (raw.get("spellings") or {}).items()},
        emojis={str(k): str(v) for k, v in (raw.get("emojis") or {}).items()},
        filler=frozenset(raw.get("filler") or ()),
        splitter=splitter,
        follow_up=re.compile(rf"^(?:{openings})\b"),
        follow_up_max_words=int(raw.get("follow_up_max_words", 8)),
        and_split_min_score=float(raw.get("and_split_min_score", 0.5)),
        smalltalk_question_min_score=float(raw.get("smalltalk_question_min_score", 0.5)),
        asking=re.compile(
            r"^(?:"
            # « ou » is also « or » once accents are gone (« un TP ou un CCP »)
            + "|".join(
                re.escape(q)
                for q in [*raw["question_words"], *raw["question_openings"]]
                if q != "ou"
            )
            + r")\b"
        ),
        question_start=re.compile(
            r"^(?:et |mais |alors |donc |sinon )?(?:"
            + "|".join(re.escape(q) for q in [*raw["question_words"], *raw["question_openings"]])
            + r")\b"
        ),
        new_question=re.compile(
            r"^(?:" + "|".join(re.escape(o) for o in raw["new_question_openings"]) + r")\b"
        ),
        slots=tuple(tuple(v) for v in raw["slots"].values()),
    )


def _accent_free_pattern(pattern: str) -> str:
    """Let an accent-free pattern match accented text (e → [eéèêë], …)."""
    table = {"e": "[eéèêë]", "a": "[aàâä]", "i": "[iîï]", "o": "[oôö]", "u": "[uùûü]", "c": "[cç]"}
    return "".join(table.get(ch, ch) for ch in pattern)


class Conversation:
    """The conversation API over one :class:`~knowledge.matcher.Matcher`."""

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.data = _data()
        self._slot_terms = frozenset(
            t for slot in self.data.slots for term in slot for t in matcher.lexicon.canonical(term)
        )

    # -- small talk --------------------------------------------------------------

    def _smalltalk_norm(self, text: str) -> str:
        """The normalised text with small talk's own phone spellings (« t ki » → « tu
        es qui », « à+ » → « a plus »)."""
        text = text.replace("@+", " a plus ").replace("+", " plus ")
        for emoji, word in self.data.emojis.items():
            if emoji in text:
                text = text.replace(emoji, f" {word} ")
        table = self.data.spellings
        return " ".join(w for token in _norm(text).split() for w in table.get(token, (token,)))

    def family(self, intent: str) -> str:
        """The family of a small-talk intent (« ça va ? » is a greeting, « ok » thanks)."""
        return self.data.families.get(intent, intent)

    def smalltalk(self, text: str) -> tuple[str | None, str]:
        """``(intent, rest)``: the first small-talk intent found, and the text left
        once every small-talk phrase is taken out (normalised)."""
        norm = self._smalltalk_norm(text)
        intent: str | None = None
        spans: list[tuple[int, int]] = []
        for name, patterns in self.data.smalltalk:
            for pattern in patterns:
                for m in pattern.finditer(norm):
                    intent = intent or name
                    spans.append(m.span())
        if not spans:
            return intent, " ".join(norm.split())
        # Every covered character becomes a space (spans may overlap).
        rest = list(norm)
        for start, end in spans:
            rest[start:end] = " " * (end - start)
        return intent, " ".join("".join(rest).split())

    def _has_content(self, rest: str) -> bool:
        words = [w for w in rest.split() if w not in self.data.filler]
        return bool(words) and bool(self.matcher.analyse(" ".join(words)))

    def smalltalk_reply(self, text: str) -> tuple[str | None, str | None]:
        """``(family, reply)`` when ``text`` alone is small talk, else ``(None, None)``."""
        intent, rest = self.smalltalk(text)
        if intent is None or not self._is_smalltalk(intent, rest, None):
            return None, None
        return self.family(intent), SMALLTALK[intent]

    def _is_smalltalk(self, intent: str, rest: str, previous: Turn | None) -> bool:
        """Whether a message holding small talk of ``intent`` is small talk only.

        A greeting opens a message: whatever else it says is the question (answered,
        or declined). The other intents comment (« vous servez à rien, je perds mon
        temps », « merci, c'est clair »): the message is small talk unless what is
        left once the small talk is taken out holds a word of the field and is a
        question the matcher answers, on its own or, for a follow-up (« merci, et
        pour un CCP ? »), with the previous question.
        """
        if not self._has_content(rest):
            return True
        if self.family(intent) == "greeting":
            return False
        matcher = self.matcher
        if not {t for t in matcher.analyse(rest) if t in matcher.vocabulary} - matcher.lexicon.generic:
            return True  # no word of the field: « je perds mon temps »
        least = self.data.smalltalk_question_min_score
        if _confident(matcher.match_topic(rest), least):
            return False
        if previous is not None and self.is_follow_up(rest):
            return not _confident(matcher.match_topic(self.with_context(previous.question, rest)), least)
        return True

    # -- questions ---------------------------------------------------------------

    def split(self, text: str) -> list[str]:
        """The questions of a message (at least the message itself).

        The message is cut at sentence ends and connectors; a sentence that states
        the situation (« La session est validée. ») is not a question of its own: it
        is the context of the question that follows it (or, at the end, of the one
        before). A connector (« et aussi », « autre question », « 2) », « …, et
        quand ») or a question mark ends a question; so does a sentence opening like a
        question. What follows a connector, or opens like a new question (« Aussi,
        … »), is a question of its own.
        """
        return [q for q, _ in self._split(text)]

    def _split(self, text: str) -> list[tuple[str, bool]]:
        """:meth:`split`, each question with whether the message marks it as another
        question (after a connector or a number, or opening with « aussi »…)."""
        pieces: list[tuple[str, bool, bool]] = []  # (text, ends a question, after a connector)
        start = 0
        after_connector = False
        for m in self.data.splitter.finditer(text):
            sep = m.group(0)
            connector = not re.fullmatch(r"[?!;.\s]+", sep)
            pieces.append((text[start : m.start()], "?" in sep or connector, after_connector))
            after_connector = connector
            start = m.end()
        pieces.append((text[start:], False, after_connector))
        questions: list[tuple[str, bool]] = []
        context: list[str] = []
        explicit = False  # the question being gathered was marked as another one

        def close_context() -> None:
            nonlocal context
            if context:
                if explicit:  # « …, et aussi savoir quand… »: marked as another question
                    questions.append((" ".join(context), True))
                elif questions:
                    last, marked = questions[-1]
                    questions[-1] = (" ".join([last, *context]), marked)
                else:
                    questions.append((" ".join(context), explicit))
                context = []

        for piece, ends, after in pieces:
            piece = piece.strip(" ,.:-")
            if not piece or not self.matcher.analyse(piece):
                # « Que faire ? », or a connector right after a sentence: what came
                # before is a question.
                if ends and context:
                    questions.append((" ".join(context), explicit))
                    context = []
                explicit = explicit or after
                continue
            norm = _norm(piece)
            if after or self.data.new_question.match(norm):
                # « …, aussi comment… », « Aussi, j'ai une alerte… »: a question of its
                # own; what came before it and was not a question yet is the context
                # of the previous one.
                close_context()
                if ends or self.data.question_start.match(norm) or not after:
                    questions.append((piece, True))
                    explicit = False
                else:
                    context = [piece]
                    explicit = True
            elif ends or self.data.question_start.match(norm):
                questions.append((" ".join([*context, piece]), explicit))
                context = []
                explicit = False
            else:
                context.append(piece)
        close_context()
        return questions or [(text.strip(), False)]

    def _split_on_and(self, parts: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        """Each part cut at a plain « et » when both sides stand as questions of their
        own: the matcher answers each surely, with two different articles, and one of
        them is the article of the whole part (« comment saisir les résultats et
        envoyer les PV »); otherwise the « et » joins one situation (« le pli est
        revenu et le candidat a déménagé »)."""
        least = self.data.and_split_min_score
        out: list[tuple[str, bool]] = []
        for part, marked in parts:
            for m in _AND.finditer(part):
                left, right = part[: m.start()].strip(" ,"), part[m.end() :].strip(" ,")
                if not self.names_its_own_subject(left) or not self.names_its_own_subject(right):
                    continue
                a, b = self.matcher.match_topic(left), self.matcher.match_topic(right)
                if not (_confident(a, least) and _confident(b, least)) or a.topic == b.topic:
                    continue
                if self.matcher.match_topic(part).topic not in (a.topic, b.topic):
                    continue
                out += [(left, marked), (right, False)]
                break
            else:
                out.append((part, marked))
        return out

    def is_follow_up(self, text: str) -> bool:
        norm = _norm(text)
        return bool(self.data.follow_up.match(norm)) and (
            len(norm.split()) <= self.data.follow_up_max_words
        )

    def with_context(self, previous: str, text: str) -> str:
        """``previous`` + ``text``, without the terms of ``previous`` that ``text`` replaces.

        After « quand arrive le DTE d'un TP ? », « et pour un CCP ? » reads « quand
        arrive le DTE d'un … pour un CCP » (a slot of ``conversation.yaml``).
        """
        lexicon = self.matcher.lexicon
        new_terms = set(lexicon.canonical(text))
        replaced: set[str] = set()
        for slot in self.data.slots:
            slot_terms = {t for term in slot for t in term.split()}
            if new_terms & slot_terms:
                replaced |= slot_terms
        kept = _drop_terms(previous, replaced, lexicon.canonical) if replaced else previous
        if self.asks_its_own_question(text):
            # « et qu'est-ce que je dois remplir ? » after « jusqu'à quand commander le
            # DTE ? »: the new question keeps the previous one's subject (« DTE »),
            # not what it asked (« jusqu'à quand »).
            kept = self._field_words(kept)
        return f"{kept} {text}".strip()

    def asks_its_own_question(self, text: str) -> bool:
        """Whether a follow-up holds a question word or opening of its own (« et
        qu'est-ce que je dois remplir ? »), unlike « et pour un CCP ? »."""
        norm = _norm(text)
        return any(self.data.asking.match(" ".join(norm.split()[i:])) for i in range(len(norm.split())))

    def _field_words(self, text: str) -> str:
        """The words of ``text`` that are words of the field (not everyday words)."""
        matcher = self.matcher
        field = matcher.vocabulary - matcher.lexicon.generic
        kept = []
        for word in text.split():
            terms = matcher.lexicon.canonical(word)
            if terms and all(t in field for t in terms):
                kept.append(word)
        return " ".join(kept)

    def _answer(self, question: str, role: str | None, follow_up: bool = False) -> Answer | None:
        result = self.matcher.match_topic(question)
        if not result.found or result.topic is None:
            return None
        article = self.matcher.article(result.topic).for_role(role)
        return Answer(question, result, article, follow_up)

    def understand(
        self, text: str, previous: Turn | None = None, role: str | None = None
    ) -> Understanding:
        """Read one message; ``previous`` is the last turn kept by the front end."""
        text = (text or "").strip()
        if not text:
            return Understanding("none", result=MatchResult(None, None, 0.0))
        intent, rest = self.smalltalk(text)
        if intent is not None and self._is_smalltalk(intent, rest, previous):
            return Understanding("smalltalk", SMALLTALK[intent], self.family(intent))

        answers: list[Answer] = []
        parts = self._split_on_and(self._split(text))
        context = previous.question if previous else None
        for part, marked in parts:
            answer = self._answer_part(part, context, role)
            if answer is None:
                continue
            answered = {a.article.id for a in answers}
            if answer.article.id in answered and marked:
                # « 1) … 2) … »: the message says it is another question; its next
                # topic, when the matcher finds it plausible, rather than the same one.
                answer = self._next_topic(answer, answered, role)
            if answer is not None and answer.article.id not in answered:
                answers.append(answer)
                context = answer.question
        if len(answers) <= 1 and len(parts) > 1:
            # Not two questions after all: the whole message may say more than its parts.
            whole = self._answer_part(text, previous.question if previous else None, role)
            if whole is not None:
                answers = [whole]
        answers = answers[:MAX_ANSWERS]
        if not answers:
            result = self.matcher.match_topic(text)
            return Understanding("none", result=result, intent=intent)
        turn = Turn(answers[-1].question, tuple(a.article.id for a in answers))
        scores = tuple((a.article.id, a.result.score) for a in answers)
        return Understanding("answers", answers=tuple(answers), turn=turn, scores=scores)

    def _next_topic(self, answer: Answer, answered: set[str], role: str | None) -> Answer | None:
        """``answer`` with its best alternative topic not in ``answered`` (at least the
        matcher's threshold), or ``None``."""
        least = self.matcher.config.hybrid_threshold
        for topic, title, score in answer.result.alternatives:
            if topic not in answered and score >= least:
                result = MatchResult(topic, title, score, [], False)
                article = self.matcher.article(topic).for_role(role)
                return replace(answer, result=result, article=article)
        return None

    def names_its_own_subject(self, text: str) -> bool:
        """Whether ``text`` holds a word of the field besides the slots' terms: « et les
        convocations ? » does (a new subject), « et pour un CCP ? » does not."""
        matcher = self.matcher
        known = {t for t in matcher.analyse(text) if t in matcher.vocabulary}
        return bool(known - matcher.lexicon.generic - self._slot_terms)

    def _answer_part(self, part: str, context: str | None, role: str | None) -> Answer | None:
        answer = self._answer(part, role)
        if context and (answer is None or (
            self.is_follow_up(part) and not self.names_its_own_subject(part)
        )):
            answer = self._answer(self.with_context(context, part), role, True) or answer
        return replace(answer, text=part) if answer is not None else None


_AND = re.compile(r",?\s+et\s+", re.IGNORECASE)


def _confident(result: MatchResult, least: float) -> bool:
    return result.found and result.score >= least


def _drop_terms(text: str, terms: set[str], canonical) -> str:  # noqa: ANN001
    """``text`` without the words (or 2-3-word phrases) whose canonical terms are in ``terms``."""
    words = text.split()
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in (3, 2, 1):
            window = " ".join(words[i : i + size])
            found = canonical(window)
            if len(words[i : i + size]) == size and found and set(found) <= terms:
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


_default: Conversation | None = None


def understand(
    text: str,
    previous: Turn | None = None,
    role: str | None = None,
    matcher: Matcher | None = None,
) -> Understanding:
    """:meth:`Conversation.understand` over ``matcher`` (default: the packaged one)."""
    global _default
    if matcher is not None:
        return Conversation(matcher).understand(text, previous, role)
    if _default is None:
        from knowledge.matcher import default_matcher

        _default = Conversation(default_matcher())
    return _default.understand(text, previous, role)
