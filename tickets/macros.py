"""Macros: the reply templates of a queue, as data editable on the dashboard.

A macro is a French text with placeholders — ``{demandeur}`` (the requester's name),
``{numero}`` (the ticket), ``{agent}`` (the staff member), ``{file}`` (the queue) —,
optionally a knowledge article cited after it (in plain text: the chat shows no
Markdown) and a status to set when the reply is sent (« résolu », « en attente du
demandeur »…). Every queue starts with the five standard macros
(:data:`STANDARD_MACROS`), created the first time its macros are read; its members
then change, add or remove them. Only members of a queue see and edit its macros
(R-ACT-2).
"""

from __future__ import annotations

import logging
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from ceres_core.core import Core
from ceres_core.errors import InvalidInput, NotFound
from ceres_core.values import strip_accents
from tickets import texts
from tickets._common import load_staff, parse_status, queue_by_code, require_queue_access
from tickets.models import STATUS_LABELS, Macro, TicketStatus
from tickets.queues import queue_spec

#: The placeholders a macro may use, and what they stand for (shown on the dashboard).
PLACEHOLDERS = {
    "demandeur": "le nom du demandeur",
    "numero": "le numéro de la demande",
    "agent": "votre nom",
    "file": "le nom de la file",
    "session": "le numéro de session de la demande, s'il est connu",
}
#: Conditional placeholders ``{name:texte}``: the text after « : » is kept only when
#: the ticket lacks that information; a line left empty is dropped. So a macro asks
#: only for what the ticket does not already have.
CONDITIONS = {
    "si_sans_session": "le texte, seulement si la demande n'a pas de numéro de session",
    "si_sans_candidats": "le texte, seulement si la demande ne nomme aucun candidat",
}
#: A line opening with one of these is a greeting (accents and case ignored).
_GREETING = re.compile(r"^\W*(bonjour|bonsoir|madame|monsieur|mesdames|messieurs|cher|chere|"
                       r"salut)\b", re.IGNORECASE)

log = logging.getLogger(__name__)


def is_greeting(text: str) -> bool:
    """Whether the text opens with a greeting (« Bonjour Madame Bernard, »…)."""
    first = next((line for line in (text or "").splitlines() if line.strip()), "")
    return bool(_GREETING.match(strip_accents(first)))
TITLE_MAX = 120
BODY_MAX = 3000


@dataclass(frozen=True)
class StandardMacro:
    code: str
    title: str
    body: str
    set_status: TicketStatus | None = None


STANDARD_MACROS: tuple[StandardMacro, ...] = (
    StandardMacro(
        "prise-en-charge", "Prise en charge",
        "Bonjour {demandeur},\n\nNous avons bien reçu votre demande {numero} et nous "
        "l'étudions. Nous revenons vers vous dès que possible dans cette conversation.",
    ),
    StandardMacro(
        "precisions", "Demande de précisions",
        "Bonjour {demandeur},\n\nPour traiter votre demande {numero}, pourriez-vous nous "
        "préciser :\n{si_sans_session:• le numéro de la session concernée ;}\n"
        "{si_sans_candidats:• le cas échéant, le nom des candidats concernés ;}\n"
        "• tout autre élément utile (message d'erreur, capture d'écran) ?",
        TicketStatus.EN_ATTENTE,
    ),
    StandardMacro(
        "article", "Réponse avec un article",
        "Bonjour {demandeur},\n\nVoici la marche à suivre :",
    ),
    StandardMacro(
        "transfert", "Transfert à une autre équipe",
        "Bonjour {demandeur},\n\nVotre demande {numero} relève d'une autre équipe : nous "
        "la lui transmettons avec l'ensemble des éléments. Vous n'avez rien à refaire.",
    ),
    StandardMacro(
        "resolution", "Clôture après résolution",
        "Bonjour {demandeur},\n\nLa correction est faite : vous pouvez vérifier dans CERES. "
        "N'hésitez pas à répondre ici si quelque chose ne fonctionne pas encore.",
        TicketStatus.RESOLU,
    ),
)


#: Former texts of standard macros: a queue still holding one unchanged gets the
#: current text (the standard macros are seeded once per queue).
_FORMER_BODIES: dict[str, tuple[str, ...]] = {
    "precisions": (
        "Bonjour {demandeur},\n\nPour traiter votre demande {numero}, pourriez-vous nous "
        "préciser le numéro de la session concernée et, le cas échéant, le nom des "
        "candidats ?",
    ),
}


@dataclass(frozen=True)
class MacroView:
    id: int
    queue: str
    title: str
    body: str
    article_id: str | None
    set_status: str | None
    set_status_label: str | None
    standard: bool
    #: How forms name it: the standard code (``resolution``…) or the id.
    key: str


def _view(m: Macro, queue_code: str) -> MacroView:
    return MacroView(m.id, queue_code, m.title, m.body, m.article_id,
                     m.set_status.value if m.set_status else None,
                     STATUS_LABELS[m.set_status] if m.set_status else None, m.code is not None,
                     m.code or str(m.id))


def find_macro(macros: Iterable[MacroView], key: str | None) -> MacroView | None:
    """The macro a form names (by key or id), if any."""
    key = (key or "").strip()
    return next((m for m in macros if key and key in (m.key, str(m.id))), None)


def _seed(core: Core, queue_id: int) -> None:
    """The standard macros of a queue that never had any (two at once: one wins)."""
    now = core.clock.now()
    try:
        with core.transaction() as db:
            if db.scalar(select(func.count()).select_from(Macro).where(Macro.queue_id == queue_id)):
                return
            for position, m in enumerate(STANDARD_MACROS):
                db.add(Macro(queue_id=queue_id, code=m.code, title=m.title, body=m.body,
                             set_status=m.set_status, position=position, active=True,
                             updated_at=now, updated_by=None))
    except IntegrityError:  # another instance seeded the same queue at once: its rows stand
        log.debug("macros of queue %s seeded by another instance", queue_id)


def list_macros(core: Core, staff: str, queue: str) -> list[MacroView]:
    """The active macros of one of the staff member's queues, in order."""
    with core.transaction() as db:
        actor = load_staff(db, staff)
        q = queue_by_code(db, queue)
        require_queue_access(actor, q)
        queue_id, code = q.id, q.code
    _seed(core, queue_id)
    with core.transaction() as db:
        for m in STANDARD_MACROS:
            if m.code in _FORMER_BODIES:
                db.execute(update(Macro).where(
                    Macro.queue_id == queue_id, Macro.code == m.code,
                    Macro.body.in_(_FORMER_BODIES[m.code])).values(body=m.body))
    with core.transaction() as db:
        rows = db.scalars(select(Macro).where(Macro.queue_id == queue_id, Macro.active.is_(True))
                          .order_by(Macro.position, Macro.id)).all()
        return [_view(m, code) for m in rows]


def _check_body(body: str) -> str:
    text = (body or "").strip()
    if not text:
        raise InvalidInput(texts.ERR_MACRO_EMPTY)
    if len(text) > BODY_MAX:
        raise InvalidInput(texts.ERR_TEXT_TOO_LONG.format(length=len(text), limit=BODY_MAX))
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        raise InvalidInput(texts.ERR_MACRO_BRACES) from None
    unknown = sorted(n for n in names if n not in PLACEHOLDERS and n not in CONDITIONS)
    if unknown:
        raise InvalidInput(texts.ERR_MACRO_PLACEHOLDER.format(
            name=unknown[0], known=", ".join(
                ["{" + p + "}" for p in PLACEHOLDERS] + ["{" + c + ":…}" for c in CONDITIONS])))
    return text


def save_macro(
    core: Core,
    staff: str,
    queue: str,
    *,
    macro_id: int | None = None,
    title: str,
    body: str,
    article_id: str | None = None,
    set_status: TicketStatus | str | None = None,
) -> MacroView:
    """Create (``macro_id=None``) or change a macro of one of the member's queues."""
    clean_title = " ".join((title or "").split())[:TITLE_MAX]
    if not clean_title:
        raise InvalidInput(texts.ERR_MACRO_TITLE)
    text = _check_body(body)
    status = parse_status(set_status) if set_status else None
    if status is TicketStatus.NOUVEAU:
        raise InvalidInput(texts.ERR_MACRO_STATUS)
    now = core.clock.now()
    with core.transaction() as db:
        actor = load_staff(db, staff)
        q = queue_by_code(db, queue)
        require_queue_access(actor, q)
        if macro_id is None:
            position = (db.scalar(select(func.max(Macro.position)).where(Macro.queue_id == q.id))
                        or 0) + 1
            macro = Macro(queue_id=q.id, code=None, position=position, active=True)
            db.add(macro)
        else:
            macro = db.get(Macro, int(macro_id))
            if macro is None or macro.queue_id != q.id or not macro.active:
                raise NotFound(texts.ERR_MACRO_UNKNOWN)
        macro.title, macro.body = clean_title, text
        macro.article_id = (article_id or "").strip()[:80] or None
        macro.set_status = status
        macro.updated_at, macro.updated_by = now, actor.login
        db.flush()
        return _view(macro, q.code)


def delete_macro(core: Core, staff: str, queue: str, macro_id: int) -> None:
    """Remove a macro from the queue's list (kept in the database, inactive)."""
    with core.transaction() as db:
        actor = load_staff(db, staff)
        q = queue_by_code(db, queue)
        require_queue_access(actor, q)
        macro = db.get(Macro, int(macro_id))
        if macro is None or macro.queue_id != q.id or not macro.active:
            raise NotFound(texts.ERR_MACRO_UNKNOWN)
        macro.active = False
        macro.updated_at, macro.updated_by = core.clock.now(), actor.login


class _Values(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class _Condition:
    holds: bool


class _MacroFormatter(string.Formatter):
    """``{si_…:texte}`` gives its text when its condition holds, else nothing."""

    def format_field(self, value, format_spec):
        if isinstance(value, _Condition):
            return format_spec if value.holds else ""
        return super().format_field(value, format_spec)


def fill(body: str, *, requester: str, number: str, agent: str, queue: str,
         context: dict | None = None, after: str = "") -> str:
    """The macro's text with its placeholders filled (``requester``: the raw name, the
    person's name is taken from it; ``context``: the ticket's context, for ``{session}``
    and the conditional placeholders).

    Inserted ``after`` a text that already opens with a greeting, the macro's own
    greeting line (« Bonjour {demandeur}, ») is left out: one greeting per reply.
    """
    context = context or {}
    session = str(context.get("session_ref") or "").strip()
    values = _Values(demandeur=texts.person_name(requester), numero=number, agent=agent,
                     file=queue_spec(queue).name if _is_code(queue) else queue, session=session,
                     si_sans_session=_Condition(not session),
                     si_sans_candidats=_Condition(not context.get("candidate_ids")))
    lines = body.splitlines()
    if is_greeting(after) and lines and is_greeting(lines[0]):
        lines = lines[1:]
        while lines and not lines[0].strip():
            lines = lines[1:]
    formatter = _MacroFormatter()
    out = []
    for line in lines:
        try:
            filled = formatter.vformat(line, (), values)
        except (ValueError, IndexError):
            filled = line
        if line.strip() and not filled.strip():
            continue  # a line made only of a condition that does not hold
        out.append(filled)
    return "\n".join(out)


def _is_code(value: str) -> bool:
    try:
        queue_spec(value)
    except InvalidInput:
        return False
    return True


# -- citing a knowledge article (plain text: the chat shows no Markdown) --------------------

_BOLD = re.compile(r"(\*\*|__)(.+?)\1", re.S)
_ITALIC = re.compile(r"(?<![\w*])([*_])(?!\s)(.+?)(?<!\s)\1(?![\w*])", re.S)
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+", re.M)
_BULLET = re.compile(r"^(\s*)[-*+]\s+", re.M)


def plain_text(markdown: str) -> str:
    """Markdown as the chat shows plain text: no ``**``, ``_``, backquotes or ``#``;
    a link becomes « text (address) »; list items start with « • »."""
    text = _LINK.sub(lambda m: m[1] if m[1] == m[2] else f"{m[1]} ({m[2]})", markdown or "")
    text = _CODE.sub(r"\1", text)
    text = _BOLD.sub(r"\2", text)
    text = _ITALIC.sub(r"\2", text)
    text = _HEADING.sub("", text)
    text = _BULLET.sub(r"\1• ", text)
    return text.strip()


def title_key(title: str) -> tuple[str, str]:
    """French alphabetical order of titles: accents and case ignored first (« Éditer »
    sorts with « Editer », before « Fermer »), then the exact text to break ties."""
    return (strip_accents(title).casefold(), title)


def sorted_articles(articles: Iterable) -> list:
    """The articles by title in French alphabetical order (for the lists staff pick from)."""
    return sorted(articles, key=lambda a: title_key(a.title))


def article_citation(article) -> str:
    """The article's title and its short answer in plain text, ready for a reply."""
    answer = plain_text(getattr(article, "answer", "") or "")
    title = plain_text(article.title)
    return f"{title}\n{answer}" if answer else title


def compose(macro: MacroView | None, article_id: str | None, articles: Iterable, *,
            requester: str, number: str, agent: str, queue: str,
            context: dict | None = None, after: str = "") -> str:
    """The text to insert (after the text ``after`` already typed): the macro
    (placeholders filled, see :func:`fill`), then the article cited — the one chosen,
    else the macro's own."""
    parts: list[str] = []
    if macro is not None:
        parts.append(fill(macro.body, requester=requester, number=number, agent=agent,
                          queue=queue, context=context, after=after))
    wanted = article_id or (macro.article_id if macro else None)
    article = next((a for a in articles if a.id == wanted), None) if wanted else None
    if article is not None:
        parts.append(article_citation(article))
    return "\n\n".join(parts)
