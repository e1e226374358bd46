"""Answers from live data: when a linked user asks about their own objects, the core
answers (dates it computes, lists it reads in the actor's scope, states), with the
action the user can take next and the general article one tap away.

:func:`live_answer` is the one call of the question handler. It reads the core only
through its services (each checks the actor's scope, R-ACT-2) and decides no rule:

* **a session's DTE or convocations** (topics ``delai-dte``, ``commander-dte``,
  ``livraison-dte-tp``, ``livraison-dte-ccp``, ``dte-non-recu``, ``convocations``):
  the session named by its reference, date, place or title, or the only one to come;
  dates from :func:`ceres_core.services.dte.dte_status` (R-DTE-1..7, R-CON-2);
* **prints to request** (``suivi-impressions``, ``print-request``) for a UD/DREETS:
  the tracking counts and the sessions behind them (R-PRT-8);
* **a candidate's prints** (``duplicata``, ``pnd``, ``attestation-reussite``,
  ``courrier-perdu``, ``erreur-document``) named by name or CERES ID: the print state
  and the date from which a duplicate is possible (R-PRT-4, R-PRT-6);
* **sessions awaiting validation** (« mes sessions en attente de validation »).

The action is a core action name (:class:`ceres_core.reminders.Action`) that
:func:`bot.reminders.start_action` starts; ``None`` when the bot has no operation for it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from bot import live_texts as T
from bot.formatting import esc, plural
from bot.live_entities import DayMonth, Entities, extract, fold, mentions, without_entities
from ceres_core.dte_timeline import (
    convocation_delay,
    convocation_delay_label,
    format_date_fr,
)
from ceres_core.errors import CeresError
from ceres_core.services import candidates as candidates_svc
from ceres_core.services import dte as dte_svc
from ceres_core.services import printing as printing_svc
from ceres_core.services import sessions as sessions_svc
from ceres_core.services import tracking as tracking_svc

DTE_TOPICS = frozenset(
    {"delai-dte", "commander-dte", "livraison-dte-tp", "livraison-dte-ccp", "dte-non-recu"}
)
CONVOCATION_TOPICS = frozenset({"convocations"})
TRACKING_TOPICS = frozenset({"suivi-impressions", "print-request"})
CANDIDATE_TOPICS = frozenset(
    {"duplicata", "pnd", "attestation-reussite", "courrier-perdu", "erreur-document"}
)
#: The article of « sessions en attente de validation » (the PV the UD validates).
WAITING_TOPIC = "transmission-pv"
TRACKING_ROLES = frozenset({"ud", "dreets", "admin"})
#: At most this many sessions or candidates listed in one answer.
MAX_LINES = 8
MAX_CANDIDATES = 3

_WAITING = re.compile(r"\b(en attente de validation|attendent (la |une )?validation|a valider)\b")
_POSSESSIVE = re.compile(r"\b(ma|mes|nos|notre|mon)\b")


@dataclass(frozen=True)
class LiveAnswer:
    """What the chat shows: Telegram HTML, the next action and the article's id."""

    text: str
    #: ``(core action name, params)`` for :func:`bot.reminders.start_action`, or ``None``.
    action: tuple[str, dict[str, str]] | None = None
    article_id: str | None = None
    #: what was read, for tests and logs (session refs, CERES IDs).
    subjects: tuple[str, ...] = field(default=())
    #: the question without the person's name or ID: the context of a follow-up
    #: (« et pour Thomas Nguyen ? »), kept by the front end as the conversation's turn.
    question: str = ""


def live_answer(
    svc_or_core: Any, actor_login: str, understanding: Any, text: str, now: datetime
) -> LiveAnswer | None:
    """The answer from the actor's own data for ``text``, or ``None`` (then the article).

    ``svc_or_core``: the bot's :class:`~bot.runtime.Services` (its matcher re-reads a
    question whose person's name hid the subject) or a :class:`~ceres_core.core.Core`.
    """
    core = getattr(svc_or_core, "core", svc_or_core)
    matcher = getattr(svc_or_core, "matcher", None)
    try:
        from bot.accounts import account_view

        roles = set(account_view(core, actor_login).roles)
    except CeresError:
        return None
    ents = extract(text)
    topics = list(getattr(understanding, "topics", []) or [])
    today = now.date()
    try:
        answer = _answer(core, matcher, actor_login, roles, topics, ents, text, today)
    except CeresError:
        return None  # out of scope or unreadable: the article answers
    if answer is None:
        return None
    if answer.action is not None and not _can_start(core, actor_login, answer.action):
        answer = replace(answer, action=None)
    turn = getattr(understanding, "turn", None)
    read = turn.question if turn is not None else text  # with a follow-up's context
    return replace(answer, question=without_entities(read, ents.person, ents.ceres_ids))


def _answer(core: Any, matcher: Any, login: str, roles: set[str], topics: list[str],
            ents: Entities, text: str, today: date) -> LiveAnswer | None:
    if _WAITING.search(fold(text)) and "session" in fold(text):
        return _waiting(core, login)
    if ents.ceres_ids or ents.person:
        topic = _first(topics, CANDIDATE_TOPICS) or _reread(matcher, text, ents, roles)
        if topic is not None:
            return _candidate(core, login, ents, topic, today)
    topic = _first(topics, DTE_TOPICS | CONVOCATION_TOPICS)
    if topic is not None:
        return _sessions(core, login, ents, topic, text, today)
    topic = _first(topics, TRACKING_TOPICS)
    if topic is not None and roles & TRACKING_ROLES:
        return _tracking(core, login, topic, today)
    return None


def _can_start(core: Any, login: str, action: tuple[str, dict[str, str]]) -> bool:
    """Whether the chat has an operation for ``action`` that the actor's role may carry
    out (the one table and the core's role check: :func:`bot.reminders.may_start`)."""
    from bot.reminders import may_start
    from ceres_core.reminders import Action

    return may_start(core, login, Action(action[0], action[1]))


def _first(topics: Sequence[str], wanted: frozenset[str]) -> str | None:
    return next((t for t in topics if t in wanted), None)


def _reread(matcher: Any, text: str, ents: Entities, roles: set[str]) -> str | None:
    """The candidate topic of the question read without the person's name or ID."""
    if matcher is None:
        return None
    from knowledge.conversation import Conversation

    neutral = without_entities(text, ents.person, ents.ceres_ids)
    role = next(iter(sorted(roles)), None)
    understood = Conversation(matcher).understand(neutral, None, role)
    return _first(understood.topics, CANDIDATE_TOPICS)


def _day(d: date | datetime | None) -> str:
    if d is None:
        return "?"
    return format_date_fr(d.date() if isinstance(d, datetime) else d, with_weekday=False)


# -- sessions: DTE and convocations ---------------------------------------------------------


def _matching_sessions(
    views: list[sessions_svc.SessionView], ents: Entities
) -> list[sessions_svc.SessionView]:
    out = views
    if ents.dates:
        out = [s for s in out if any(d.matches(s.start_date) for d in ents.dates)]
    if ents.kind:
        out = [s for s in out if s.kind == ents.kind]
    if ents.phrase:
        out = [
            s for s in out
            if mentions(ents.phrase, [s.site_name, s.centre_name, s.certification_label,
                                      s.title_label])
        ]
    return out


def _criteria(ents: Entities) -> str:
    parts = []
    if ents.kind:
        parts.append(T.CRITERIA_KIND.format(kind=esc(ents.kind)))
    if ents.phrase:
        parts.append(T.CRITERIA_PLACE.format(phrase=esc(ents.phrase)))
    if ents.dates:
        parts.append(" ou ".join(T.CRITERIA_DATE.format(day=esc(d.label())) for d in ents.dates))
    return " ".join(parts)


def _sessions(core: Any, login: str, ents: Entities, topic: str, text: str,
              today: date) -> LiveAnswer | None:
    if ents.session_refs:
        chosen = [sessions_svc.get_session(core, login, ref) for ref in ents.session_refs[:MAX_LINES]]
    else:
        views = sessions_svc.list_sessions(core, login, limit=sessions_svc.MAX_LIST_LIMIT)
        upcoming = [s for s in views if s.start_date >= today and s.state != "annulee"]
        criteria = bool(ents.dates or ents.kind or ents.phrase)
        chosen = _matching_sessions(upcoming, ents) if criteria else upcoming
        if criteria and not chosen:
            lines = [T.NO_SESSION_MATCH.format(criteria=_criteria(ents))]
            if upcoming:
                lines += ["", T.YOUR_NEXT_SESSIONS]
                lines += [_session_line(core, login, s, topic) for s in upcoming[:MAX_LINES]]
            return LiveAnswer("\n".join(lines), None, topic)
        if not criteria and len(chosen) != 1:
            if not _POSSESSIVE.search(fold(text)):
                return None  # a general question: the article
            if not chosen:
                return LiveAnswer(T.NO_UPCOMING, None, topic)
    if len(chosen) == 1:
        return _one_session(core, login, chosen[0], topic)
    lines = [T.SEVERAL_SESSIONS.format(count=len(chosen))]
    lines += [_session_line(core, login, s, topic) for s in chosen[:MAX_LINES]]
    lines += ["", T.WHICH_SESSION]
    return LiveAnswer("\n".join(lines), None, topic, tuple(s.ref for s in chosen))


def _session_line(core: Any, login: str, s: sessions_svc.SessionView, topic: str) -> str:
    status = dte_svc.dte_status(core, login, s.ref)
    if topic in CONVOCATION_TOPICS:
        what = (
            T.CONVOCATIONS_SENT_SHORT.format(day=_day(s.convocations_issued_at))
            if s.convocations_issued_at
            else T.CONVOCATIONS_SHORT.format(
                deadline=_day(status.timeline.convocation_deadline if status.timeline else None))
        )
    elif not status.ordered:
        what = (T.DTE_DEADLINE_SHORT if status.days_left_to_order >= 0
                else T.DTE_DEADLINE_PASSED_SHORT).format(deadline=_day(status.order_deadline))
    else:
        what = esc(status.status_label)
    return T.SESSION_LINE.format(ref=esc(s.ref), label=esc(s.certification_label),
                                 site=esc(s.site_name), start=_day(s.start_date), what=what)


def _one_session(core: Any, login: str, s: sessions_svc.SessionView, topic: str) -> LiveAnswer:
    status = dte_svc.dte_status(core, login, s.ref)
    parts = [T.SESSION_HEADER.format(ref=esc(s.ref), label=esc(s.certification_label),
                                     site=esc(s.site_name), start=_day(s.start_date))]
    action: tuple[str, dict[str, str]] | None
    if topic in CONVOCATION_TOPICS:
        delay = convocation_delay_label(convocation_delay(s.kind, core.rules))
        deadline = status.timeline.convocation_deadline if status.timeline else None
        parts.append(T.CONVOCATIONS_DEADLINE.format(deadline=esc(format_date_fr(deadline))
                                                    if deadline else "?", delay=esc(delay)))
        parts.append(T.CONVOCATIONS_SENT.format(day=_day(s.convocations_issued_at))
                     if s.convocations_issued_at else T.CONVOCATIONS_NOT_SENT)
        action = ("voir_session", {"session": s.ref})
    else:
        if status.ordered:
            parts.append(T.DTE_ALREADY_ORDERED.format(status=esc(status.status_label)))
            if status.order is not None:
                parts.append(T.DTE_ORDERED_ON.format(day=_day(status.order.ordered_at)))
        parts += [esc(a) for a in status.advice]
        if topic != "delai-dte" or status.ordered:
            parts.append(esc(status.timeline_text))
        action = (("commander_dte", {"session": s.ref}) if status.can_still_order
                  else ("calendrier_dte", {"session": s.ref}))
    return LiveAnswer("\n\n".join(parts), action, topic, (s.ref,))


# -- prints to request (R-PRT-8) -----------------------------------------------------------------


def _tracking(core: Any, login: str, topic: str, today: date) -> LiveAnswer:
    counts = tracking_svc.print_tracking(core, login)
    parts = [T.TRACKING_HEADER.format(zone=esc(counts.zone_label))]
    if counts.none_count == 0 and counts.partial_count == 0:
        parts.append(T.TRACKING_NOTHING)
        return LiveAnswer("\n\n".join(parts), None, topic)
    parts.append(T.TRACKING_COUNTS.format(
        none=plural(counts.none_count, "session validée", "sessions validées"),
        partial=plural(counts.partial_count, "session validée", "sessions validées"),
    ))
    listed = [*tracking_svc.print_tracking_list(core, login, "none").sessions,
              *tracking_svc.print_tracking_list(core, login, "partial").sessions]
    listed.sort(key=lambda s: (s.validated_on or s.end_date, s.session_ref))
    lines = [
        T.TRACKING_LINE.format(
            ref=esc(s.session_ref), title=esc(s.title_label), site=esc(s.site_name),
            validated=_day(s.validated_on) if s.validated_on else T.VALIDATED_UNKNOWN,
            remaining=T.TRACKING_REMAINING.format(sent=s.sent, total=s.to_print, left=s.remaining),
        )
        for s in listed[:MAX_LINES]
    ]
    if len(listed) > MAX_LINES:
        lines.append(T.TRACKING_MORE.format(count=len(listed) - MAX_LINES))
    parts.append("\n".join(lines))
    first = listed[0].session_ref if listed else None
    action = ("traiter_impressions", {"session": first}) if first else None
    return LiveAnswer("\n\n".join(parts), action, topic, tuple(s.session_ref for s in listed))


# -- a candidate's prints (R-PRT-4..6, R-AFT-2) ------------------------------------------------------


def _find_candidates(core: Any, login: str, ents: Entities) -> list[candidates_svc.CandidateView]:
    found: list[candidates_svc.CandidateView] = []
    for ident in ents.ceres_ids[:MAX_CANDIDATES]:
        try:
            found.append(candidates_svc.get_candidate(core, login, ident))
        except CeresError:
            continue
    if found or not ents.person:
        return found
    hits = candidates_svc.search_candidates(core, login, ents.person, limit=10)
    if hits:  # the best-scoring records only (« Julie Martin », not every Martin)
        top = max(h.score for h in hits)
        hits = [h for h in hits if h.score >= top - 5]
    for hit in hits:
        try:
            found.append(candidates_svc.get_candidate(core, login, hit.candidate.ceres_id))
        except CeresError:  # outside the actor's scope (R-ACT-2)
            continue
    return found


def _candidate(core: Any, login: str, ents: Entities, topic: str,
               today: date) -> LiveAnswer | None:
    found = _find_candidates(core, login, ents)
    name = ents.person or ", ".join(ents.ceres_ids)
    if not found:
        if not ents.ceres_ids and len((ents.person or "").split()) < 2:
            return None  # one loose word (« un candidat de Lyon »): the article answers
        return LiveAnswer(T.CANDIDATE_NOT_FOUND.format(name=esc(name)), None, topic)
    if len(found) > MAX_CANDIDATES:
        return LiveAnswer(T.CANDIDATE_MANY.format(name=esc(name)), None, topic)
    blocks: list[str] = []
    action: tuple[str, dict[str, str]] | None = None
    for cand in found:
        block = [T.CANDIDATE_HEADER.format(name=esc(f"{cand.first_name} {cand.last_name}"),
                                           ceres_id=esc(cand.ceres_id))]
        histories = []
        for ref in cand.session_refs:
            try:
                histories.append(printing_svc.print_history(core, login, ref, cand.ceres_id))
            except CeresError:
                continue
        printed = [h for h in histories if h.candidate.documents or h.candidate.initial_request_on]
        validated = [h for h in printed if _validated(core, login, h.session_ref)]
        if not validated:
            block.append(T.CANDIDATE_NO_PRINT_SESSION)
        for h in validated:
            line = h.candidate
            block.append(T.CANDIDATE_SESSION.format(
                ref=esc(h.session_ref), title=esc(_session_title(core, login, h.session_ref)),
                result=esc(line.result_label)))
            if line.initial_request_on is None:
                block.append(T.CANDIDATE_NOT_SENT)
            else:
                block.append(esc(line.status_line))
                if line.duplicates_count:
                    block.append(T.CANDIDATE_DUPLICATES.format(
                        count=plural(line.duplicates_count, "duplicata demandé",
                                     "duplicatas demandés"),
                        day=_day(max(line.duplicate_dates))))
                if h.next_duplicate_from is not None and topic != "pnd":  # R-AFT-2
                    block.append(T.DUPLICATE_POSSIBLE_NOW if h.next_duplicate_from <= today
                                 else T.DUPLICATE_POSSIBLE_FROM.format(
                                     day=esc(format_date_fr(h.next_duplicate_from))))
            for pnd in h.pnd_events:
                block.append(T.CANDIDATE_PND.format(day=_day(pnd.reported_on),
                                                    afpa=_day(pnd.afpa_notified_on)))
            if h.attestation_available and topic in ("attestation-reussite", "courrier-perdu",
                                                     "duplicata"):
                block.append(T.ATTESTATION_AVAILABLE)
            if action is None and len(found) == 1:
                action = _candidate_action(topic, h, today)
        blocks.append("\n".join(block))
    return LiveAnswer("\n\n".join(blocks), action, topic, tuple(c.ceres_id for c in found))


def _candidate_action(topic: str, h: printing_svc.PrintHistoryView,
                      today: date) -> tuple[str, dict[str, str]] | None:
    params = {"session": h.session_ref, "candidate": h.candidate.ceres_id}
    if topic == "pnd":
        return ("enregistrer_pnd", params) if h.candidate.initial_request_on else None
    if topic == "attestation-reussite":
        return ("telecharger_attestation", params) if h.attestation_available else None
    if h.next_duplicate_from is not None and h.next_duplicate_from <= today:
        return ("demander_duplicata", params)
    return None


def _validated(core: Any, login: str, ref: str) -> bool:
    return sessions_svc.get_session(core, login, ref).state in ("validee", "debloquee")


def _session_title(core: Any, login: str, ref: str) -> str:
    return sessions_svc.get_session(core, login, ref).certification_label


# -- sessions awaiting validation (R-SES-4) -----------------------------------------------------


def _waiting(core: Any, login: str) -> LiveAnswer:
    views = sessions_svc.list_sessions(core, login, state="en_attente_validation",
                                       limit=sessions_svc.MAX_LIST_LIMIT)
    if not views:
        return LiveAnswer(T.WAITING_NONE, None, WAITING_TOPIC)
    lines = [T.WAITING_HEADER.format(count=len(views))]
    lines += [
        T.WAITING_LINE.format(ref=esc(s.ref), label=esc(s.certification_label),
                              site=esc(s.site_name), start=_day(s.start_date),
                              closed=_day(s.closed_by_centre_at) if s.closed_by_centre_at
                              else T.CLOSED_UNKNOWN)
        for s in views[:MAX_LINES]
    ]
    if len(views) > MAX_LINES:
        lines.append(T.TRACKING_MORE.format(count=len(views) - MAX_LINES))
    return LiveAnswer("\n".join(lines), ("valider_sessions", {}), WAITING_TOPIC,
                      tuple(s.ref for s in views))


__all__ = ["LiveAnswer", "DayMonth", "live_answer"]
