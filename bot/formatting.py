"""Text for the chat: Telegram HTML from the articles' Markdown subset, escaping, splitting.

Telegram's HTML parse mode knows a few tags (``b``, ``i``, ``u``, ``s``, ``code``,
``pre``, ``a``, ``blockquote``…) and three entities that must be escaped in text
(``&lt;``, ``&gt;``, ``&amp;``). Everything a user typed goes through :func:`esc`.

A message holds at most 4096 characters *after* entity parsing (counted in UTF-16
code units); :func:`split_html` cuts a longer text at paragraph, line or word
boundaries and closes/reopens the tags around each cut so that every part is
valid HTML on its own.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache

from ceres_core.values import plural  # noqa: F401  (re-exported for the handlers)

MAX_MESSAGE = 4096
MAX_CALLBACK_ANSWER = 200


def esc(value: object) -> str:
    """``value`` as text safe inside Telegram HTML (``<``, ``>``, ``&`` and quotes)."""
    return html.escape(str(value), quote=True)


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------- Markdown subset

_INLINE = re.compile(
    r"(?P<code>`[^`\n]+`)"
    r"|(?P<bold>\*\*(?=\S)(?:[^*\n]|\*(?!\*))+?(?<=\S)\*\*)"
    r"|(?P<link>\[[^\]\n]+\]\((?:https?://|mailto:)[^)\s]+\))"
    r"|(?P<italic>(?<![\w*])\*(?=\S)[^*\n]+?(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)[^_\n]+?(?<=\S)_(?!\w))"
)
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^\s*[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s*(\d+)[.)]\s+(.*)$")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


def inline_to_html(text: str) -> str:
    """Inline Markdown (``**bold**``, ``*italic*``, `` `code` ``, ``[label](url)``) → HTML.

    Everything else is escaped; nesting inside bold/italic is supported one level.
    """
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(esc(text[pos : m.start()]))
        token = m.group(0)
        if m.group("code"):
            out.append(f"<code>{esc(token[1:-1])}</code>")
        elif m.group("bold"):
            out.append(f"<b>{inline_to_html(token[2:-2])}</b>")
        elif m.group("link"):
            lm = _LINK.fullmatch(token)
            assert lm is not None
            out.append(f'<a href="{esc(lm.group(2))}">{esc(lm.group(1))}</a>')
        else:
            out.append(f"<i>{inline_to_html(token[1:-1])}</i>")
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out)


def markdown_to_html(text: str) -> str:
    """A Markdown body (headings, lists, paragraphs, simple tables) → Telegram HTML."""
    lines = text.replace("\r\n", "\n").split("\n")
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            out.append("")
            continue
        if _TABLE_SEPARATOR.match(stripped) and "|" in stripped:
            continue
        heading = _HEADING.match(stripped)
        if heading:
            out.append(f"<b>{inline_to_html(heading.group(1))}</b>")
            continue
        bullet = _BULLET.match(line)
        if bullet:
            out.append(f"• {inline_to_html(bullet.group(1).strip())}")
            continue
        numbered = _NUMBERED.match(line)
        if numbered:
            out.append(f"{numbered.group(1)}. {inline_to_html(numbered.group(2).strip())}")
            continue
        if stripped.startswith("|") and stripped.endswith("|"):
            cells = [c.strip() for c in stripped.strip("|").split("|")]
            out.append(" – ".join(inline_to_html(c) for c in cells if c))
            continue
        out.append(inline_to_html(stripped))
    result = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", result).strip()


def markdown_to_text(text: str) -> str:
    """A Markdown body as plain text for a terminal: no ``**``, lists with « • »."""
    return visible_text(markdown_to_html(text))


# --------------------------------------------------------------------------- splitting

_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|.", re.S)


@dataclass
class _Atom:
    raw: str  # HTML source of the atom
    visible: str  # what it shows ("" for a tag)
    tag: str | None = None  # tag name for tags
    closing: bool = False


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        if m.group(2):
            atoms.append(_Atom(raw, "", m.group(2).lower(), bool(m.group(1))))
        elif raw.startswith("&") and len(raw) > 1:
            atoms.append(_Atom(raw, html.unescape(raw)))
        else:
            atoms.append(_Atom(raw, raw))
    return atoms


#: A tag or an entity, as :data:`_TOKEN` sees them (its last branch, any other single
#: character, is what :func:`visible_text` leaves as it is).
_TAG_OR_ENTITY = re.compile(
    r"<(?:/?)(?:[a-zA-Z][a-zA-Z0-9-]*)(?:[^>]*)>|(&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);)")


def _shown(m: re.Match[str]) -> str:
    entity = m.group(1)
    return "" if entity is None else html.unescape(entity)


def visible_text(text: str) -> str:
    """The text Telegram shows for an HTML string (tags removed, entities decoded).

    The same reading as :func:`_atoms` (a tag shows nothing, an entity its character,
    anything else itself) in one regular expression pass: it is called for every
    message the bot sends (splitting, transcript), per-character objects cost
    milliseconds on a long answer (issue 14).
    """
    if "<" not in text and "&" not in text:
        return text
    return _visible_html(text)


@lru_cache(maxsize=256)
def _visible_html(text: str) -> str:
    return _TAG_OR_ENTITY.sub(_shown, text)


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """Cut ``text`` (Telegram HTML) into parts of at most ``limit`` visible characters.

    Cuts prefer a blank line, then a line break, then a space (in the second half of
    the part), and never fall inside a tag or an entity. Tags open at a cut are closed
    at the end of the part and reopened at the start of the next one.
    """
    return list(_split_html(text, limit))  # a copy: the cached parts stay as they are


@lru_cache(maxsize=256)
def _split_html(text: str, limit: int) -> tuple[str, ...]:
    """Cached: the same answers are sent again and again (issue 14)."""
    return tuple(_split_html_now(text, limit))


def _split_html_now(text: str, limit: int) -> list[str]:
    if limit < 16:
        raise ValueError("limit too small")
    if utf16_len(visible_text(text)) <= limit:
        return [text.strip()] if text.strip() else []
    atoms = _atoms(text)
    parts: list[str] = []
    open_tags: list[_Atom] = []  # open at the start of the current part
    i = 0
    n = len(atoms)
    while i < n:
        # Find how far this part can go.
        size = 0
        j = i
        best_break: dict[str, int] = {}
        while j < n:
            a = atoms[j]
            w = utf16_len(a.visible)
            if size + w > limit:
                break
            size += w
            if a.visible == "\n":
                if j > i and atoms[j - 1].visible == "\n":
                    best_break["para"] = j + 1
                best_break["line"] = j + 1
            elif a.visible == " ":
                best_break["space"] = j + 1
            j += 1
        if j >= n:
            end = n
        else:
            end = j
            for kind in ("para", "line", "space"):
                cut = best_break.get(kind)
                if cut is not None and cut > i and _visible_between(atoms, i, cut) >= limit // 2:
                    end = cut
                    break
            else:
                # No good break in the second half: take any break, else cut hard.
                for kind in ("para", "line", "space"):
                    cut = best_break.get(kind)
                    if cut is not None and cut > i:
                        end = cut
                        break
            # Leave room for nothing else: closing tags take no visible space.
        # Build the part.
        stack = list(open_tags)
        body = [t.raw for t in open_tags]
        for a in atoms[i:end]:
            body.append(a.raw)
            if a.tag:
                if a.closing:
                    for k in range(len(stack) - 1, -1, -1):
                        if stack[k].tag == a.tag:
                            del stack[k]
                            break
                else:
                    stack.append(a)
        body += [f"</{t.tag}>" for t in reversed(stack)]
        part = _trim("".join(body))
        if visible_text(part).strip():
            parts.append(part)
        open_tags = stack
        i = end
    return parts


def _visible_between(atoms: list[_Atom], start: int, end: int) -> int:
    return sum(utf16_len(a.visible) for a in atoms[start:end])


_EMPTY_TAGS = re.compile(r"<([a-z][a-z0-9-]*)(?:\s[^>]*)?>(\s*)</\1>")


def _trim(part: str) -> str:
    """Strip whitespace at both ends and tags left empty by a cut."""
    previous = None
    while previous != part:
        previous = part
        part = _EMPTY_TAGS.sub(r"\2", part)
    return part.strip()


def truncate(text: str, limit: int) -> str:
    """Plain text cut to ``limit`` characters with an ellipsis, at a word boundary when
    one is in the second half (``"…date d'ouverture"`` → ``"…date…"``, not ``"…date d'ouvertu…"``)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if text[limit - 1] != " ":  # the cut falls inside a word: back to the last space
        space = head.rfind(" ")
        if space >= limit // 2:
            head = head[:space]
    return head.rstrip(" ,;:–-") + "…"
