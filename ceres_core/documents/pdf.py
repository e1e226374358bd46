"""Shared PDF helpers for the letters and attestations CERES produces.

:class:`OfficialDocument` is a small A4 layout on top of fpdf2: the State header
block ("Ministère du Travail", the motto, the issuing service), a place-and-date
line, a recipient block, a title, paragraphs, a highlighted box, label/value
rows and a signature block. Usage::

    doc = OfficialDocument(service_lines=["DREETS Bretagne"], title="Courrier d'activation")
    doc.header_block()
    doc.place_and_date("Rennes", date(2026, 11, 22))
    doc.title("Courrier d'activation")
    doc.paragraph("Madame, Monsieur,")
    doc.signature(["Pour la DREETS Bretagne", "Anne Martin"])
    data = doc.to_bytes()

Fonts: a Unicode TrueType font (DejaVu Sans) is used when one is found (the
``fonts/`` folder next to this module, ``CERES_PDF_FONT_DIR``, then the usual
system folders); otherwise the PDF core font Helvetica with the WinAnsi
(windows-1252) encoding, which covers French (é à ç œ « » ’ €); any other
character is transliterated so that rendering never fails.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos

#: Family name under which the Unicode font is registered in fpdf2.
UNICODE_FAMILY = "DejaVu"
#: The core-font fallback.
CORE_FAMILY = "helvetica"
CORE_ENCODING = "windows-1252"

MINISTRY = "Ministère du Travail"
MOTTO = ("Liberté", "Égalité", "Fraternité")

_FONT_FILES = {
    "": ("DejaVuSans.ttf",),
    "B": ("DejaVuSans-Bold.ttf",),
    "I": ("DejaVuSans-Oblique.ttf",),
}
_SYSTEM_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
    "/usr/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)

_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)


def french_date(day: date) -> str:
    """``"22 novembre 2026"`` (``"1er"`` for the first of the month)."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{number} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class FontFiles:
    """The TrueType files of the Unicode family; ``bold``/``italic`` may be missing."""

    regular: Path
    bold: Path | None = None
    italic: Path | None = None


def _font_dirs() -> list[Path]:
    dirs = [Path(__file__).with_name("fonts")]
    env = os.environ.get("CERES_PDF_FONT_DIR")
    if env:
        dirs.insert(0, Path(env))
    dirs.extend(Path(d) for d in _SYSTEM_FONT_DIRS)
    return dirs


def _find(names: Sequence[str], dirs: Iterable[Path]) -> Path | None:
    for folder in dirs:
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
    return None


@lru_cache(maxsize=1)
def find_unicode_font() -> FontFiles | None:
    """The DejaVu Sans files, if available (cached)."""
    dirs = [d for d in _font_dirs() if d.is_dir()]
    regular = _find(_FONT_FILES[""], dirs)
    if regular is None:
        return None
    return FontFiles(
        regular=regular,
        bold=_find(_FONT_FILES["B"], dirs),
        italic=_find(_FONT_FILES["I"], dirs),
    )


#: Characters outside windows-1252 that have an obvious replacement.
_WINANSI_REPLACEMENTS = {
    "\u202f": " ",  # narrow no-break space (before « : ; ! ? » in French typography)
    "\u2009": " ",
    "\u2007": " ",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2212": "-",
    "\u2032": "'",
    "\u2033": '"',
    "\u2192": "->",
    "\u2190": "<-",
    "\u2022": "\u2022",  # bullet is in windows-1252
}


def to_winansi(text: str) -> str:
    """``text`` with every character representable in windows-1252 (core fonts).

    French letters and punctuation (é è ê à ç ù œ Œ « » ’ “ ” … – — €) are kept;
    other characters are replaced (spaces, dashes) or stripped of their accents
    (ő → o), and ``?`` is the last resort.
    """
    out: list[str] = []
    for char in text:
        char = _WINANSI_REPLACEMENTS.get(char, char)
        try:
            char.encode(CORE_ENCODING)
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFKD", char)
            base = "".join(c for c in decomposed if not unicodedata.combining(c))
            try:
                base.encode(CORE_ENCODING)
                char = base or "?"
            except UnicodeEncodeError:
                char = "?"
        out.append(char)
    return "".join(out)


class _Pdf(FPDF):
    """fpdf2 document with a footer line."""

    footer_text: str = ""
    font_family_name: str = CORE_FAMILY
    sanitize = staticmethod(lambda s: s)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(self.font_family_name, "", 8)
        self.set_text_color(110, 110, 110)
        text = self.footer_text
        page = f"page {self.page_no()}"
        self.cell(0, 5, self.sanitize(f"{text}    {page}" if text else page), align="C")


class OfficialDocument:
    """An A4 official document of the Ministry of Labour (letters, attestations).

    ``service_lines`` name the issuing service under the ministry (e.g.
    ``["DREETS Bretagne", "Pôle certifications"]``). ``unicode_font``: None picks
    DejaVu Sans when available, True requires it, False forces the core font.
    ``compress=False`` leaves the page content readable in the PDF bytes (tests).
    """

    margin = 20.0
    body_size = 10.5
    line_height = 5.2

    def __init__(
        self,
        *,
        service_lines: Sequence[str] = (),
        title: str = "",
        author: str = MINISTRY,
        subject: str = "",
        footer: str = "",
        unicode_font: bool | None = None,
        compress: bool = True,
    ) -> None:
        pdf = _Pdf(orientation="P", unit="mm", format="A4")
        pdf.set_margins(self.margin, self.margin, self.margin)
        pdf.set_auto_page_break(auto=True, margin=22)
        pdf.compress = compress
        fonts = find_unicode_font() if unicode_font is not False else None
        if unicode_font and fonts is None:
            raise RuntimeError("no Unicode TrueType font (DejaVu Sans) found")
        self._bold_style = "B"
        self._italic_style = "I"
        if fonts is not None:
            pdf.add_font(UNICODE_FAMILY, "", str(fonts.regular))
            # Missing variants fall back to the regular face.
            pdf.add_font(UNICODE_FAMILY, "B", str(fonts.bold or fonts.regular))
            pdf.add_font(UNICODE_FAMILY, "I", str(fonts.italic or fonts.regular))
            self.family = UNICODE_FAMILY
            self.sanitize = _identity
        else:
            pdf.core_fonts_encoding = CORE_ENCODING
            self.family = CORE_FAMILY
            self.sanitize = to_winansi
        pdf.font_family_name = self.family
        pdf.sanitize = self.sanitize
        pdf.footer_text = footer
        pdf.set_title(self.sanitize(title))
        pdf.set_author(self.sanitize(author))
        if subject:
            pdf.set_subject(self.sanitize(subject))
        pdf.set_creator("CERES Assist")
        pdf.add_page()
        pdf.set_font(self.family, "", self.body_size)
        self.pdf = pdf
        self.service_lines = tuple(service_lines)
        #: Every text written, in order (for logs and tests; never includes secrets).
        self.texts: list[str] = []

    @property
    def uses_unicode_font(self) -> bool:
        return self.family == UNICODE_FAMILY

    # -- low-level -----------------------------------------------------------
    def _font(self, style: str = "", size: float | None = None) -> None:
        self.pdf.set_font(self.family, style, size or self.body_size)

    def _write(self, text: str, *, style: str = "", size: float | None = None,
               align: str = "L", height: float | None = None, width: float = 0) -> None:
        self._font(style, size)
        self.texts.append(text)
        self.pdf.multi_cell(
            width, height or self.line_height, self.sanitize(text), align=align,
            new_x=XPos.LMARGIN, new_y=YPos.NEXT,
        )

    def space(self, mm: float = 4.0) -> None:
        self.pdf.ln(mm)

    # -- blocks --------------------------------------------------------------
    def header_block(self) -> None:
        """The State block (ministry, motto, service) at the top left."""
        pdf = self.pdf
        top = pdf.get_y()
        pdf.set_draw_color(0, 0, 145)
        pdf.set_line_width(0.8)
        pdf.line(self.margin, top, self.margin, top + 24 + 5 * len(self.service_lines))
        pdf.set_x(self.margin + 3)
        self._font("B", 9)
        self.texts.append("RÉPUBLIQUE FRANÇAISE")
        pdf.cell(0, 4.5, self.sanitize("RÉPUBLIQUE FRANÇAISE"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font("I", 8)
        for word in MOTTO:
            pdf.set_x(self.margin + 3)
            self.texts.append(word)
            pdf.cell(0, 3.8, self.sanitize(word), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1.5)
        pdf.set_x(self.margin + 3)
        self._font("B", 11)
        self.texts.append(MINISTRY)
        pdf.cell(0, 5.5, self.sanitize(MINISTRY), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font("", 9.5)
        for line in self.service_lines:
            pdf.set_x(self.margin + 3)
            self.texts.append(line)
            pdf.cell(0, 5, self.sanitize(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_line_width(0.2)
        pdf.set_draw_color(0, 0, 0)
        self._font()
        pdf.ln(6)

    def place_and_date(self, place: str | None, day: date) -> None:
        """``"Rennes, le 22 novembre 2026"`` aligned right."""
        prefix = f"{place}, le " if place else "Le "
        self._write(prefix + french_date(day), align="R")
        self.space(4)

    def recipient(self, lines: Sequence[str]) -> None:
        """The addressee block on the right half of the page."""
        pdf = self.pdf
        left = pdf.w / 2 + 5
        for i, line in enumerate(line for line in lines if line):
            pdf.set_x(left)
            self._font("B" if i == 0 else "")
            self.texts.append(line)
            pdf.multi_cell(pdf.w - left - self.margin, self.line_height, self.sanitize(line),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font()
        self.space(8)

    def reference(self, label: str, value: str) -> None:
        """An "Objet :" / "Réf. :" line."""
        pdf = self.pdf
        self._font("B")
        self.texts.append(f"{label} : {value}")
        pdf.cell(pdf.get_string_width(self.sanitize(f"{label} : ")) + 1, self.line_height,
                 self.sanitize(f"{label} : "))
        self._write(value)

    def title(self, text: str) -> None:
        self.space(2)
        self._write(text, style="B", size=14, align="C", height=7)
        self.space(5)

    def paragraph(self, text: str, *, bold: bool = False, italic: bool = False) -> None:
        style = ("B" if bold else "") + ("I" if italic else "")
        self._write(text, style=style, align="J")
        self.space(2.5)

    def bullets(self, items: Iterable[str]) -> None:
        pdf = self.pdf
        for item in items:
            pdf.set_x(self.margin + 4)
            self._font()
            self.texts.append(item)
            pdf.multi_cell(pdf.w - 2 * self.margin - 4, self.line_height,
                           self.sanitize(f"\u2022 {item}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.space(2.5)

    def fields(self, rows: Iterable[tuple[str, str]], *, label_width: float = 50) -> None:
        """Label / value rows (``("SIRET", "442 018 164 00016")``)."""
        pdf = self.pdf
        for label, value in rows:
            self._font("B")
            self.texts.append(f"{label} : {value}")
            pdf.cell(label_width, self.line_height, self.sanitize(label))
            self._font()
            pdf.multi_cell(0, self.line_height, self.sanitize(value or "—"),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.space(3)

    def highlight(self, label: str, value: str, *, secret: bool = False) -> None:
        """A framed box with a label and a large value (e.g. an activation code).

        With ``secret`` the value is not kept in :attr:`texts`.
        """
        pdf = self.pdf
        self.space(2)
        x, y = pdf.get_x(), pdf.get_y()
        width = pdf.w - 2 * self.margin
        pdf.set_fill_color(238, 242, 250)
        pdf.rect(x, y, width, 20, style="DF")
        pdf.set_xy(x, y + 2.5)
        self._font("", 10)
        self.texts.append(label)
        pdf.cell(width, 5, self.sanitize(label), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_x(x)
        self._font("B", 16)
        self.texts.append("<secret>" if secret else value)
        pdf.cell(width, 9, self.sanitize(value), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(y + 20)
        self._font()
        self.space(5)

    def signature(self, lines: Sequence[str]) -> None:
        """The signature block (service, name, function) at the right."""
        pdf = self.pdf
        needed = 6 + self.line_height * max(1, len([line for line in lines if line]))
        if pdf.get_y() + needed > pdf.h - pdf.b_margin:
            pdf.add_page()
        else:
            self.space(6)
        left = pdf.w / 2 + 5
        for line in lines:
            if not line:
                continue
            pdf.set_x(left)
            self.texts.append(line)
            pdf.multi_cell(pdf.w - left - self.margin, self.line_height, self.sanitize(line),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self._font()

    def to_bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _identity(text: str) -> str:
    return text
