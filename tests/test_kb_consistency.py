"""The rules' numbers live in the core only: articles and procedures read them.

``ceres_core.settings.Rules`` and the delays of ``ceres_core.dte_timeline`` hold the
numbers of R-PRT-6, R-CAN-4, R-CAN-6, R-CAN-7, R-JUR-4, R-CON-2, R-DTE-1, R-DTE-4,
R-DTE-5, R-DTE-7 and R-POST-2. The article and procedure files write placeholders
(``{{duplicate_delay}}``), filled at load by :mod:`knowledge.facts`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from dateutil.relativedelta import relativedelta

from ceres_core.settings import Rules
from knowledge.articles import ARTICLES_DIR, ArticleError, load_articles
from knowledge.facts import PLACEHOLDER, core_facts, fill
from knowledge.procedure_engine import DEFAULT_DIRECTORY, load_procedures

FILES = sorted(ARTICLES_DIR.glob("*.md")) + sorted(Path(DEFAULT_DIRECTORY).glob("*.yaml"))

_WORDS = {
    1: "un",
    2: "deux",
    3: "trois",
    5: "cinq",
    6: "six",
    7: "sept",
    12: "douze",
    14: "quatorze",
    15: "quinze",
    30: "trente",
    60: "soixante",
    100: "cent",
}
_QUANTITY = re.compile(r"(\d+)( (?:jours? ouvrés|jours?|mois|ans?|semaines?))")


def forbidden_patterns() -> list[re.Pattern[str]]:
    """Every number-with-unit of the core's facts, in digits and in words."""
    patterns: set[str] = set()
    facts = core_facts()
    for value in facts.values():
        for number, unit in _QUANTITY.findall(value):
            n = int(number)
            unit_re = re.escape(unit.strip()).replace(r"\ ", r"\s+")
            patterns.add(rf"\b{n}\s*{unit_re}\b")
            if n in _WORDS:
                patterns.add(rf"\b{_WORDS[n]}\s+{unit_re}\b")
    # R-CAN-7: the count, the one after it, and the window said as months.
    limit = Rules().max_final_interview_sessions
    patterns |= {
        rf"\b{limit}\s+sessions\b",
        rf"\b{_WORDS[limit]}\s+sessions\b",
        rf"\b{limit + 1}\s*(?:e|ème|eme)\b",
        facts["final_interview_over"],
        r"\b12\s+mois\b",
        r"\bdouze\s+mois\b",
    }
    # R-DTE-5: the automaton's hours; the worked examples' dates.
    patterns.add(r"\b8\s*h\s*,?\s*15\s*h")
    for name in ("dte_example_back", "dte_example_deadline", "ccp_example_organiser"):
        patterns.add(re.escape(facts[name]))
    return [re.compile(p, re.IGNORECASE) for p in sorted(patterns)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_rule_number_is_written_in_clear(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = [m.group(0) for p in forbidden_patterns() for m in p.finditer(text)]
    assert not found, f"{path.name}: écrire ces valeurs avec une référence {{{{…}}}}: {found}"


def test_every_placeholder_is_known_and_filled() -> None:
    facts = core_facts()
    used = set()
    for path in FILES:
        used |= set(PLACEHOLDER.findall(path.read_text(encoding="utf-8")))
    assert used <= set(facts), used - set(facts)
    for article in load_articles():
        assert "{{" not in article.body + article.title + " ".join(article.keywords)


def test_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text(
        "---\nid: x\ntitle: X\nkeywords: [x]\n---\nAttendre {{delai_inconnu}}.\n", "utf-8"
    )
    with pytest.raises(ArticleError, match="delai_inconnu"):
        load_articles(tmp_path, check_topics=False)


def test_articles_follow_the_core_settings() -> None:
    rules = replace(
        Rules(),
        duplicate_delay_days=10,
        max_final_interview_sessions=4,
        juror_max_years_out=6,
        convocation_delays={
            "TP": relativedelta(months=2),
            "CCP": relativedelta(days=20),
            "CCS": relativedelta(days=20),
        },
    )
    articles = {a.id: a for a in load_articles(rules=rules)}
    assert "10 jours" in articles["duplicata"].body
    assert "7 jours" not in articles["duplicata"].body
    assert "4 sessions" in articles["limite-sessions"].body
    assert "cinquième" in articles["limite-sessions"].body
    assert "6 ans" in articles["anciennete-jury"].title
    assert "2 mois" in articles["convocations"].body and "20 jours" in articles["convocations"].body


def test_worked_examples_are_computed_by_the_core() -> None:
    from datetime import date

    from ceres_core.dte_timeline import order_deadline

    body = {a.id: a for a in load_articles()}["delai-dte"].body
    assert f"{order_deadline(date(2019, 5, 20)):%d/%m/%Y}" in body


def test_procedures_read_the_same_numbers() -> None:
    library = load_procedures()
    texts = " ".join(
        str(getattr(node, "text", "")) for p in library.procedures.values() for node in p.nodes.values()
    )
    assert core_facts()["duplicate_delay"] in texts
    assert "{{" not in texts


def test_fill_leaves_single_braces_alone() -> None:
    assert fill("{candidate} : {{duplicate_delay}}", core_facts()) == "{candidate} : 7 jours"
