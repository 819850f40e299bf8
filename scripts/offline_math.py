"""Formulas rendered at build time: the TeX of the notebooks' Markdown becomes MathML.

Browsers (Chromium, Firefox, Safari) render MathML natively, so the course pages need no
MathJax from a CDN and read the same offline. :func:`render_notebook_math` finds the TeX in
the Markdown cells (and Markdown outputs) of a notebook, converts each formula with
``latex2mathml`` and puts a placeholder in its place; nbconvert then renders the Markdown
(the placeholder is a plain word, which Markdown leaves alone) and :func:`insert_math` puts the
MathML in place of the placeholders in the page.

Which ``$`` is TeX (:func:`find_math`), so that prices in prose stay prose:

- ``$$...$$`` is a displayed formula; ``$...$`` an inline one when the opening ``$`` is followed
  by a non-space, and the first unescaped ``$`` after it is preceded by a non-space and not
  followed by a digit (pandoc's rule): "$546 / $1,527" and "$5-$10" are prices, ``$p$`` is TeX;
- an inline formula that starts with a digit must also contain TeX markup (one of
  ``\\ ^ _ { } = + - / < >``), so "$5$" style numbers stay text;
- neither may span a blank line or a code span; ``\\$`` is a dollar sign; code spans
  (backticks) and fenced code blocks are never looked into. The dollars left in the prose are
  escaped, so that nbconvert's own Markdown renderer does not take them for formulas either.

A formula that latex2mathml cannot convert (an error, or a command it does not know) is shown
as its TeX source in a ``<code class="cvl-tex">`` element and counted as failed.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

#: The placeholder of formula ``n`` in the Markdown (letters and digits only: Markdown keeps it).
TOKEN = "CVLMATH{}ZZ"
_TOKEN_RE = re.compile(r"CVLMATH(\d+)ZZ")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_TEX_MARKUP = set("\\^_{}=+-/<>")
_SPECIAL = re.compile(r"[\\`$]")
_BACKTICKS = re.compile("`+")


@dataclass(frozen=True)
class Formula:
    """One formula found in Markdown: where it is, its TeX and whether it is displayed."""

    start: int
    end: int
    tex: str
    display: bool


@dataclass
class MathResult:
    """The formulas of one page: their HTML by placeholder number, and the failures' TeX."""

    html: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def converted(self) -> int:
        """How many formulas became MathML."""
        return len(self.html) - len(self.failed)


def _fenced_mask(text: str) -> list[tuple[int, int]]:
    """The character ranges of the fenced code blocks of ``text``."""
    ranges, offset, opened = [], 0, None
    for line in text.splitlines(keepends=True):
        fence = _FENCE.match(line)
        if opened is None and fence:
            opened = (offset, fence.group(1))
        elif opened is not None and fence and fence.group(1).startswith(opened[1]):
            ranges.append((opened[0], offset + len(line)))
            opened = None
        offset += len(line)
    if opened is not None:  # an unclosed fence runs to the end (CommonMark)
        ranges.append((opened[0], len(text)))
    return ranges


def _closing_dollar(text: str, start: int) -> int:
    """Index of the first unescaped ``$`` after ``start``; -1 if none or a backtick comes first."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "$":
            return i
        if text[i] == "`":  # a code span starts before any closing dollar: not TeX
            return -1
        i += 1
    return -1


def _inline_is_tex(text: str, open_at: int, close_at: int) -> bool:
    """Whether ``$...$`` between these indices is TeX by the rules in the module docstring."""
    tex = text[open_at + 1 : close_at]
    after = text[close_at + 1 : close_at + 2]
    if not tex or tex[0].isspace() or tex[-1].isspace() or after.isdigit():
        return False
    if _BLANK_LINE.search(tex):
        return False
    return not (tex[0].isdigit() and not (_TEX_MARKUP & set(tex)))


def find_math(text: str) -> list[Formula]:
    """The TeX formulas of a Markdown text, in order (see the module docstring for the rule).

    Parameters
    ----------
    text : str
        Markdown source.

    Returns
    -------
    list of Formula
    """
    return _scan(text)[0]


def _scan(text: str) -> tuple[list[Formula], list[int]]:
    """The formulas of a Markdown text, and where its prose dollars (not TeX, not code) are."""
    fenced = _fenced_mask(text)
    found: list[Formula] = []
    prose: list[int] = []
    i = 0
    while True:
        special = _SPECIAL.search(text, i)  # the next character that can start something
        if special is None:
            break
        i = special.start()
        block = next((r for r in fenced if r[0] <= i < r[1]), None)
        if block is not None:
            i = block[1]
            continue
        char = text[i]
        if char == "\\":
            i += 2
            continue
        if char == "`":
            run = len(_BACKTICKS.match(text, i).group(0))
            close = re.compile(rf"(?<!`){'`' * run}(?!`)").search(text, i + run)
            i = close.end() if close else i + run
            continue
        if text.startswith("$$", i):
            close = text.find("$$", i + 2)
            while close != -1 and text[close - 1] == "\\":
                close = text.find("$$", close + 1)
            tex = text[i + 2 : close] if close != -1 else ""
            if close != -1 and tex.strip() and not _BLANK_LINE.search(tex):
                found.append(Formula(i, close + 2, tex.strip(), True))
                i = close + 2
            else:
                prose += [i, i + 1]
                i += 2
            continue
        if char == "$":
            close = _closing_dollar(text, i + 1)
            if close != -1 and _inline_is_tex(text, i, close):
                found.append(Formula(i, close + 1, text[i + 1 : close], False))
                i = close + 1
                continue
            prose.append(i)
        i += 1
    return found, prose


def to_html(tex: str, display: bool) -> tuple[str, bool]:
    """MathML for one formula, or its TeX in ``<code>`` when it cannot be converted.

    Returns
    -------
    tuple of (str, bool)
        The HTML and whether the conversion succeeded.
    """
    from latex2mathml.converter import convert

    try:
        mathml = convert(tex, display="block" if display else "inline")
    except Exception:  # latex2mathml raises its own errors for unbalanced or unknown input
        mathml = None
    if mathml is not None and not re.search(r">\\[A-Za-z]", mathml):  # unknown command
        # the xmlns is a name, not an address: drop it (HTML does not need it)
        return mathml.replace(' xmlns="http://www.w3.org/1998/Math/MathML"', ""), True
    delimiter = "$$" if display else "$"
    return f'<code class="cvl-tex">{html.escape(delimiter + tex + delimiter)}</code>', False


def replace_math(text: str, result: MathResult) -> str:
    """Replace the formulas of a Markdown text by placeholders, converting them into ``result``.

    The dollars of the prose are escaped (``\\$``), so that nbconvert's Markdown renderer does
    not take the text between two prices for a formula (and drop its bold or links).
    """
    formulas, prose = _scan(text)
    events = [(f.start, f.end, f) for f in formulas] + [(i, i + 1, None) for i in prose]
    pieces, last = [], 0
    for start, end, formula in sorted(events, key=lambda event: event[0]):
        pieces.append(text[last:start])
        if formula is None:
            pieces.append("\\$")
        else:
            markup, ok = to_html(formula.tex, formula.display)
            if not ok:
                result.failed.append(formula.tex)
            pieces.append(TOKEN.format(len(result.html)))
            result.html.append(markup)
        last = end
    return "".join(pieces) + text[last:]


def render_notebook_math(notebook):
    """Replace the notebook's formulas by placeholders (in place); return it and the formulas.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        Changed in place (its Markdown cells and Markdown outputs).

    Returns
    -------
    tuple of (nbformat.NotebookNode, MathResult)
    """
    result = MathResult()
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = replace_math(cell.source, result)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                source = data["text/markdown"]
                source = "".join(source) if isinstance(source, list) else source
                data["text/markdown"] = replace_math(source, result)
    return notebook, result


def insert_math(page: str, result: MathResult) -> str:
    """Put each formula's HTML in place of its placeholder in the rendered page.

    A placeholder inside a tag (a heading's anchor id) becomes the word ``math``.
    """

    def formula(match: re.Match) -> str:
        start = match.start()
        if page.rfind("<", 0, start) > page.rfind(">", 0, start):  # inside a tag
            return "math"
        return result.html[int(match.group(1))]

    return _TOKEN_RE.sub(formula, page)
