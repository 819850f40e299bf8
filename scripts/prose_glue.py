"""Numbers in the prose that come from the outputs: inserted from the recorded results.

A chapter's text states numbers its code computes ("the test churn rate was lower (0.56)").
Written by hand they go stale the first time the code changes. Here each such number carries
a *glue* comment right after it, naming a recorded result (``helpers.notebook.record``) and a
format::

    the test period's was lower (0.56<!-- glue: churn_rate | .2f -->)
    it contacts 503<!-- glue: campaign["contacted"] --> customers

The comment is invisible in the rendered notebook. :func:`fill_notebook` rewrites every glued
number from the notebook's own recorded results; the course build calls it after executing a
chapter, so the prose of a fresh build always states the numbers of that build. The expression
is evaluated on the recorded results (names are result names; ``results["a name"]`` reaches a
name that is not an identifier) with a few builtins (``abs``, ``len``, ``max``, ``min``,
``round``, ``sum``); the format is a Python format spec (default ``,`` for integers, ``.2f``
for other numbers, none for text).

:func:`bare_numbers` lists the numbers of the prose that carry no glue and are not plainly
something else: section and chapter numbers, list numbers, years and dates, code, formulas and
numbers that appear in the notebook's code (parameters). The tests require each of them to be
glued or named, with its reason, in the test's list of numbers that are not outputs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nbformat

from helpers.notebook import notebook_results

# A number as the prose writes it (sign, thousands separators, decimals, percent), and the
# number a glue comment fills with the comment: defined with the translations, which keep
# glued numbers out of their messages.
from helpers.translation import GLUED, NUMBER_TEXT  # noqa: I001

#: A glue comment, with or without a number before it (to find misplaced ones).
COMMENT = re.compile(r"<!--\s*glue:.*?-->", re.S)
#: Builtins a glue expression may call.
SAFE_BUILTINS = {"abs": abs, "len": len, "max": max, "min": min, "round": round, "sum": sum}


class GlueError(ValueError):
    """A glue comment that cannot be filled: the cell, the expression and why."""


@dataclass(frozen=True)
class BareNumber:
    """A number of the prose that carries no glue comment."""

    cell: int
    number: str
    context: str


def _source(cell: Mapping[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def formatted(value: Any, spec: str | None) -> str:
    """``value`` in the format ``spec`` (default: ``,`` for integers, ``.2f`` for floats)."""
    if spec is None or spec == "":
        if isinstance(value, bool) or isinstance(value, str):
            spec = ""
        elif isinstance(value, int):
            spec = ","
        else:
            spec = ".2f"
    return format(value, spec)


def evaluate(expr: str, results: Mapping[str, Any]) -> Any:
    """The value of a glue expression on the recorded ``results``."""
    namespace = {"results": dict(results), **results}
    try:
        return eval(expr, {"__builtins__": SAFE_BUILTINS}, namespace)  # noqa: S307 (own notebooks)
    except Exception as error:  # the message names what failed
        known = ", ".join(sorted(results)) or "none"
        raise GlueError(
            f"glue expression {expr!r} failed ({type(error).__name__}: {error}); "
            f"recorded results: {known}"
        ) from error


def fill_text(text: str, results: Mapping[str, Any], where: str = "") -> str:
    """``text`` with every glued number replaced by its expression's value, formatted.

    Raises
    ------
    GlueError
        When an expression fails, its value is missing (None) or cannot be formatted, or a glue
        comment follows no number.
    """

    def replace(match: re.Match[str]) -> str:
        expr, spec = match["expr"], match["spec"]
        value = evaluate(expr, results)
        if value is None:
            raise GlueError(f"{where}glue {expr!r}: the recorded value is missing (None)")
        try:
            number = formatted(value, spec)
        except (TypeError, ValueError) as error:
            raise GlueError(f"{where}glue {expr!r} = {value!r}: format {spec!r}: {error}") from None
        if not re.fullmatch(NUMBER_TEXT, number):
            raise GlueError(f"{where}glue {expr!r} gives {number!r}, which is not a number")
        return number + match["comment"]

    glued = {m.start("comment") for m in GLUED.finditer(text)}
    stray = [m.group() for m in COMMENT.finditer(text) if m.start() not in glued]
    if stray:
        raise GlueError(f"{where}a glue comment follows no number: {stray[0]!r}")
    return GLUED.sub(replace, text)


def fill_notebook(notebook: nbformat.NotebookNode, name: str = "") -> int:
    """Fill the glued numbers of every markdown cell from the notebook's recorded results.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        An executed notebook; changed in place.
    name : str, optional
        The notebook's name, for error messages.

    Returns
    -------
    int
        The number of glued numbers whose text changed.
    """
    results = notebook_results(notebook)
    changed = 0
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "markdown":
            continue
        text = _source(cell)
        if "glue:" not in text:
            continue
        filled = fill_text(text, results, where=f"{name} cell {index}: ")
        changed += sum(
            a["number"] != b["number"]
            for a, b in zip(GLUED.finditer(text), GLUED.finditer(filled), strict=True)
        )
        cell.source = filled
    return changed


def without_glue(text: str) -> str:
    """``text`` without its glue comments (what a learner reads in the source)."""
    return COMMENT.sub("", text)


#: Numbers in the prose to look at, with thousands separators and decimals.
NUMBER = re.compile(
    r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\w])|(?<![\w.,])\d+(?:\.\d+)?(?![\w])"
)
#: A number in code: literals such as 150, 0.05, 1_000.
CODE_NUMBER = re.compile(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:e-?\d+)?")
#: What is not prose: code, formulas, links, HTML, headings' numbers, list numbers, dates.
NOT_PROSE = [
    re.compile(r"```.*?```", re.S),
    re.compile(r"`[^`]*`"),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"(?<!\\)\$[^$\n]*?(?<!\\)\$"),
    re.compile(r"\]\([^)]*\)"),
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"<[^>]+>"),
    re.compile(r"(?m)^\s*#+\s*[\d.]+"),
    re.compile(r"(?m)^\s*\d+\.\s"),
    re.compile(r"\b(?:1[89]|20)\d\d(?:-\d\d(?:-\d\d)?)?\b"),
    # pointers to parts of the course: "section 6.1", "sections 3.5 and 3.9", "§4.2"
    re.compile(
        r"(?:\b(?:sections?|chapters?|exercises?|questions?|steps?|figures?|cells?)\s+|§\s*)"
        r"\d[\d.]*(?:(?:\s*,\s*|\s+and\s+|\s+or\s+|\s*[–-]\s*|\s+to\s+)\d[\d.]*)*",
        re.I,
    ),
]


def _prose(text: str) -> str:
    """``text`` with everything that is not prose blanked out (positions kept)."""
    for pattern in NOT_PROSE:
        text = pattern.sub(lambda m: " " * len(m.group()), text)
    return text


def code_numbers(notebook: Mapping[str, Any]) -> set[float]:
    """The number literals of the notebook's code cells (its parameters and constants)."""
    numbers: set[float] = set()
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            for literal in CODE_NUMBER.findall(_source(cell)):
                numbers.add(float(literal.replace("_", "")))
    return numbers


def bare_numbers(notebook: Mapping[str, Any]) -> list[BareNumber]:
    """The numbers of the prose with no glue comment that are not plainly something else.

    Not listed: numbers with a glue comment, inside code spans, formulas, links or HTML, the
    numbers of headings and numbered lists, years and dates, numbers after "section",
    "chapter", "exercise" and the like, and numbers that appear as literals in the notebook's
    code (the parameters the prose repeats).
    """
    in_code = code_numbers(notebook)
    bare = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if cell.get("cell_type") != "markdown":
            continue
        text = _source(cell)
        glued = [m.span("number") for m in GLUED.finditer(text)]
        prose = _prose(text)
        for match in NUMBER.finditer(prose):
            start = match.start()
            if any(a <= start < b for a, b in glued):
                continue
            if float(match.group().replace(",", "")) in in_code:
                continue
            context = " ".join(text[max(0, start - 50) : match.end() + 30].split())
            bare.append(BareNumber(index, match.group(), context))
    return bare


def main(argv: list[str] | None = None) -> int:
    """Fill the glued numbers of executed notebooks in place, from their recorded results."""
    import argparse
    import sys
    from pathlib import Path

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument(
        "--check", action="store_true", help="change nothing; fail if a glued number is stale"
    )
    args = parser.parse_args(argv)
    stale = 0
    for path in args.notebooks:
        notebook = nbformat.read(path, as_version=4)
        changed = fill_notebook(notebook, path.name)
        stale += changed
        if changed and not args.check:
            nbformat.write(notebook, path)
        verb = "stale" if args.check else "changed"
        print(f"{path.name}: {changed} glued number(s) {verb}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
