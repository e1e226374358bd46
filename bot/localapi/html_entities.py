"""Telegram's HTML parse mode: HTML → (text, entities), and entities → safe HTML.

Faithful to the Bot API documentation ("HTML style"): the supported tags, the
four named entities plus numeric ones, offsets and lengths in UTF-16 code units.
An unsupported or unbalanced tag is an error, as on the real server
("Bad Request: can't parse entities: …").
"""

from __future__ import annotations

import html
import re
from typing import Any

TAG_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "blockquote": "blockquote",
    "span": "spoiler",
    "tg-emoji": "custom_emoji",
}

_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ATTR = re.compile(r"""\s*([a-zA-Z_-]+)\s*(?:=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")


class EntityParseError(ValueError):
    """The text is not valid Telegram HTML; the message mimics the real server's."""


def _u16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return the plain text and the entities (sorted by offset)."""
    out: list[str] = []
    length = 0  # UTF-16 length of the text so far
    stack: list[tuple[str, int, dict[str, Any]]] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(source)
    while i < n:
        c = source[i]
        if c == "<":
            end = source.find(">", i)
            if end < 0:
                raise EntityParseError(
                    f"can't parse entities: Unclosed start tag at byte offset {_byte(source, i)}"
                )
            inner = source[i + 1 : end]
            if inner.startswith("/"):
                name = inner[1:].strip().lower()
                if not stack:
                    raise EntityParseError(
                        f"can't parse entities: Unexpected end tag at byte offset {_byte(source, i)}"
                    )
                open_name, start, attrs = stack.pop()
                if name != open_name:
                    raise EntityParseError(
                        "can't parse entities: Unmatched end tag at byte offset "
                        f'{_byte(source, i)}, expected "</{open_name}>", found "</{name}>"'
                    )
                _close(entities, open_name, start, length, attrs, stack)
            else:
                m = re.match(r"([a-zA-Z][a-zA-Z0-9-]*)", inner)
                name = m.group(1).lower() if m else ""
                if name not in TAG_ENTITIES:
                    raise EntityParseError(
                        f'can\'t parse entities: Unsupported start tag "{name or inner[:10]}" '
                        f"at byte offset {_byte(source, i)}"
                    )
                attrs: dict[str, Any] = {}
                for am in _ATTR.finditer(inner[len(name) :]):
                    if am.group(1):
                        value = am.group(2) if am.group(2) is not None else am.group(3)
                        if value is None:
                            value = am.group(4) or ""
                        attrs[am.group(1).lower()] = html.unescape(value)
                if name == "span" and attrs.get("class") != "tg-spoiler":
                    raise EntityParseError(
                        "can't parse entities: Tag \"span\" must have class \"tg-spoiler\" "
                        f"at byte offset {_byte(source, i)}"
                    )
                if name == "a" and not attrs.get("href"):
                    attrs["href"] = ""
                stack.append((name, length, attrs))
            i = end + 1
            continue
        if c == "&":
            m = re.match(r"&(#[0-9]{1,7}|#x[0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});", source[i:])
            if m:
                ref = m.group(1)
                if ref.startswith("#x"):
                    ch = chr(int(ref[2:], 16))
                elif ref.startswith("#"):
                    ch = chr(int(ref[1:]))
                elif ref in _NAMED:
                    ch = _NAMED[ref]
                else:
                    raise EntityParseError(
                        f'can\'t parse entities: Unsupported HTML entity "&{ref};" at byte offset '
                        f"{_byte(source, i)}"
                    )
                out.append(ch)
                length += _u16(ch)
                i += len(m.group(0))
                continue
        out.append(c)
        length += _u16(c)
        i += 1
    if stack:
        name = stack[-1][0]
        raise EntityParseError(
            f'can\'t parse entities: Can\'t find end tag corresponding to start tag "{name}"'
        )
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _byte(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _close(
    entities: list[dict[str, Any]],
    name: str,
    start: int,
    end: int,
    attrs: dict[str, Any],
    stack: list[tuple[str, int, dict[str, Any]]],
) -> None:
    if end <= start:
        return  # empty entities are dropped, as by the real server
    kind = TAG_ENTITIES[name]
    if name == "code" and stack and stack[-1][0] == "pre":
        # <pre><code class="language-x"> gives one pre entity with a language.
        lang = (attrs.get("class") or "").removeprefix("language-")
        if lang:
            stack[-1][2]["language"] = lang
        return
    entity: dict[str, Any] = {"type": kind, "offset": start, "length": end - start}
    if kind == "text_link":
        entity["url"] = attrs.get("href", "")
    if kind == "pre" and attrs.get("language"):
        entity["language"] = attrs["language"]
    if kind == "custom_emoji":
        entity["custom_emoji_id"] = attrs.get("emoji-id", "")
    entities.append(entity)


# --------------------------------------------------------------------------- rendering

_OPEN = {
    "bold": "<b>",
    "italic": "<i>",
    "underline": "<u>",
    "strikethrough": "<s>",
    "spoiler": '<span class="spoiler">',
    "code": "<code>",
    "pre": "<pre>",
    "blockquote": "<blockquote>",
}
_CLOSE = {
    "bold": "</b>",
    "italic": "</i>",
    "underline": "</u>",
    "strikethrough": "</s>",
    "spoiler": "</span>",
    "code": "</code>",
    "pre": "</pre>",
    "blockquote": "</blockquote>",
}


def entities_to_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Safe HTML for a browser from a message's text and entities (UTF-16 offsets)."""
    units = text.encode("utf-16-le")
    bounds: dict[int, list[tuple[int, str]]] = {}
    for order, e in enumerate(sorted(entities or [], key=lambda e: (e["offset"], -e["length"]))):
        kind = e.get("type")
        if kind == "text_link":
            url = str(e.get("url", ""))
            safe = url if re.match(r"^(https?:|mailto:|tg:)", url) else "#"
            opening = f'<a href="{html.escape(safe, quote=True)}" target="_blank" rel="noopener">'
            closing = "</a>"
        elif kind in _OPEN:
            opening, closing = _OPEN[kind], _CLOSE[kind]
        else:
            continue
        start, end = e["offset"], e["offset"] + e["length"]
        bounds.setdefault(start, []).append((order, opening))
        bounds.setdefault(end, []).insert(0, (-order, closing))
    out: list[str] = []
    cut_points = sorted(set(bounds) | {0, len(units) // 2})
    previous = 0
    for point in cut_points:
        if point > previous:
            out.append(html.escape(units[previous * 2 : point * 2].decode("utf-16-le")))
            previous = point
        for _, tag in sorted(bounds.get(point, []), key=lambda t: (not t[1].startswith("</"),)):
            out.append(tag)
    return "".join(out).replace("\n", "<br>")
