"""Canned replies as data, and citing a knowledge article in a reply.

A canned reply is a French template with ``{demandeur}``, ``{numero}`` and
``{agent}`` placeholders. On the ticket page the staff member picks a template
and/or an article; the page is rendered again with the reply text filled in
(no JavaScript): the template, then the article's title and short answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class CannedReply:
    id: str
    title: str
    text: str


CANNED_REPLIES: tuple[CannedReply, ...] = (
    CannedReply(
        "prise-en-charge",
        "Prise en charge",
        "Bonjour {demandeur},\n\nNous avons bien reçu votre demande {numero} et nous "
        "l'étudions. Nous revenons vers vous dès que possible dans cette conversation.",
    ),
    CannedReply(
        "precisions",
        "Demande de précisions",
        "Bonjour {demandeur},\n\nPour traiter votre demande {numero}, pourriez-vous nous "
        "préciser le numéro de la session concernée et, le cas échéant, le nom des "
        "candidats ?",
    ),
    CannedReply(
        "article",
        "Réponse avec un article",
        "Bonjour {demandeur},\n\nVoici la marche à suivre :",
    ),
    CannedReply(
        "transfert",
        "Transfert à une autre équipe",
        "Bonjour {demandeur},\n\nVotre demande {numero} relève d'une autre équipe : nous "
        "la lui transmettons avec l'ensemble des éléments. Vous n'avez rien à refaire.",
    ),
    CannedReply(
        "resolution",
        "Clôture après résolution",
        "Bonjour {demandeur},\n\nLa correction est faite : vous pouvez vérifier dans CERES. "
        "N'hésitez pas à répondre ici si quelque chose ne fonctionne pas encore.",
    ),
)


def canned_reply(reply_id: str | None) -> CannedReply | None:
    return next((c for c in CANNED_REPLIES if c.id == reply_id), None)


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


def article_citation(article) -> str:
    """The article's title and its short answer in plain text, ready for a reply."""
    answer = plain_text(getattr(article, "answer", "") or "")
    title = plain_text(article.title)
    return f"{title}\n{answer}" if answer else title


def compose_reply(
    reply_id: str | None,
    article_id: str | None,
    articles: Iterable,
    *,
    requester: str,
    number: str,
    agent: str,
) -> str:
    """The text to pre-fill: the template (placeholders filled), then the article cited."""
    parts: list[str] = []
    template = canned_reply(reply_id)
    if template is not None:
        parts.append(template.text.format(demandeur=requester, numero=number, agent=agent))
    article = next((a for a in articles if a.id == article_id), None) if article_id else None
    if article is not None:
        parts.append(article_citation(article))
    return "\n\n".join(parts)
