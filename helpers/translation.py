"""The course's languages: helpers' messages and the notebooks' Markdown, from gettext catalogues.

English is the source; a translation is a gettext catalogue per source in
``locale/zh_CN/LC_MESSAGES/`` (``scripts/i18n.py`` extracts and checks them). This module is
what reads them while the code runs:

- **Messages of the code** (exercise questions, hints and verdicts; the report's tables, its
  executive summary and the campaigns' reasons) go through :func:`gettext`, imported as ``_``:
  ``_("Well done.")`` is the English text, or its translation when the language is Chinese.
  A message with fields is translated first and filled in after,
  ``_("{n:,} customers scored.").format(n=n)``, so the catalogue holds one entry per sentence
  whatever the numbers. Text defined before the language is known (a module's table of
  reasons) is marked with :func:`N_` and translated where it is shown. Their catalogues are
  ``helpers.po`` and ``helpers-exercises.po``.
- **Markdown** (a notebook's prose) is cut into blocks at blank lines, one message per block
  (:func:`split_blocks`); :func:`translate_markdown` and :func:`translate_notebook` put the
  translations in and keep code cells and outputs as they are. The report uses them to run
  its notebook in Chinese (``python -m helpers.report --lang zh``).

The language is English unless :func:`set_language` or the environment variable ``CVL_LANG``
says otherwise (``zh``). It is not taken from the system locale, so that a notebook's
recorded outputs do not depend on the machine that runs it.

Examples
--------
>>> set_language("zh")
>>> gettext("Well done.")
'做得好。'
>>> set_language("en")
>>> gettext("Well done.")
'Well done.'
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import nbformat
import polib

__all__ = [
    "LANGUAGES",
    "LOCALE",
    "N_",
    "catalogue",
    "catalogue_path",
    "check_language",
    "get_language",
    "gettext",
    "join_blocks",
    "message",
    "refill",
    "set_language",
    "split_blocks",
    "translate_markdown",
    "translate_notebook",
    "using_language",
]

#: The languages: code -> (gettext locale, name). English is the source.
LANGUAGES: dict[str, tuple[str, str]] = {"en": ("en", "English"), "zh": ("zh_CN", "简体中文")}
#: Other spellings of the codes (a locale's name, a browser's).
_ALIASES = {"zh_cn": "zh", "zh-cn": "zh", "zh-hans": "zh", "en_gb": "en", "en-gb": "en"}
#: Where the catalogues live: one folder per gettext locale.
LOCALE = Path(__file__).resolve().parents[1] / "locale"
#: The catalogues of the code's messages: helpers' modules and the chapters' code cells, and
#: the exercises' questions and hints.
CODE_CATALOGUES = ("helpers", "helpers-exercises")

#: A number the prose glues to a recorded result, and its comment (``scripts/prose_glue.py``):
#: the number is not part of a message, so that re-running a notebook keeps its translation.
NUMBER_TEXT = r"[-−]?\d[\d,]*(?:\.\d+)?%?"
GLUED = re.compile(
    rf"(?P<number>{NUMBER_TEXT})"
    r"(?P<comment><!--\s*glue:\s*(?P<expr>[^|]*?)\s*(?:\|\s*(?P<spec>[^|]*?)\s*)?-->)"
)
FENCE = re.compile(r"^\s*(```|~~~)")
COMMENT = re.compile(r"<!--.*?-->", re.S)

_language: list[str] = []  # set_language's choice; empty: CVL_LANG or English


# --- the language --------------------------------------------------------------------------------


def check_language(language: str, name: str = "language") -> str:
    """Return the code of a language the course speaks, or say which ones it does.

    Parameters
    ----------
    language : str
        ``"en"`` or ``"zh"`` (``zh_CN``, ``zh-CN``, ``zh-Hans`` and ``en_GB`` are understood).
    name : str, default "language"
        The argument's name, for the message.

    Returns
    -------
    str
        A key of :data:`LANGUAGES`.

    Raises
    ------
    ValueError
        For another language, naming the argument and the languages there are.

    Examples
    --------
    >>> check_language("zh_CN")
    'zh'
    """
    code = str(language).strip()
    code = _ALIASES.get(code.lower(), code.lower())
    if code not in LANGUAGES:
        raise ValueError(
            f"{name}: unknown language {language!r}; the languages are "
            + ", ".join(f"{k} ({v[1]})" for k, v in LANGUAGES.items())
        )
    return code


def set_language(language: str) -> None:
    """Choose the language of helpers' messages: ``"en"`` (the default) or ``"zh"``.

    Parameters
    ----------
    language : str
        A code of :data:`LANGUAGES` (``zh_CN`` and ``zh-CN`` are taken as ``zh``).

    Raises
    ------
    ValueError
        For a language the course has no catalogue for.
    """
    _language[:] = [check_language(language)]


@contextmanager
def using_language(language: str) -> Iterator[None]:
    """Speak ``language`` inside a ``with`` block, and the language before it after.

    Examples
    --------
    >>> with using_language("zh"):
    ...     gettext("correct")
    '正确'
    >>> gettext("correct")
    'correct'
    """
    before = list(_language)
    set_language(language)
    try:
        yield
    finally:
        _language[:] = before


def get_language() -> str:
    """Return the current language code: :func:`set_language`'s, else ``CVL_LANG``'s, else en."""
    if _language:
        return _language[0]
    return check_language(os.environ.get("CVL_LANG") or "en", "CVL_LANG")


def catalogue_path(name: str, language: str = "zh") -> Path:
    """Return the catalogue file of a source (``"helpers"``, ``"12_customer_value_report"``)."""
    return LOCALE / LANGUAGES[check_language(language)][0] / "LC_MESSAGES" / f"{name}.po"


@cache
def catalogue(name: str, language: str) -> Mapping[str, str]:
    """Return the finished translations of a catalogue, msgid -> msgstr (fuzzy ones left out).

    English, or a catalogue that does not exist, gives an empty table: the source is shown.
    """
    path = catalogue_path(name, language)
    if language == "en" or not path.is_file():
        return {}
    return {e.msgid: e.msgstr for e in polib.pofile(str(path)) if e.msgstr and not e.fuzzy}


def gettext(text: str) -> str:
    """Return ``text`` in the current language (itself when it has no finished translation).

    Parameters
    ----------
    text : str
        The English message, exactly as written in the code (fields unfilled).

    Returns
    -------
    str
    """
    language = get_language()
    for name in CODE_CATALOGUES:
        found = catalogue(name, language).get(text)
        if found is not None:
            return found
    return text


def N_(text: str) -> str:  # noqa: N802 - gettext's name for the marker
    """Mark ``text`` as a message without translating it yet (translate where it is shown)."""
    return text


# --- Markdown ------------------------------------------------------------------------------------


def split_blocks(markdown: str) -> list[tuple[str, bool]]:
    r"""Cut Markdown into blocks at blank lines: (text, translatable).

    Fenced code, display math (``$$`` ... ``$$``) and blocks that are only an HTML comment
    or a rule are kept as they are (not translatable); a fence or a display formula is one
    block even when it holds blank lines.

    Examples
    --------
    >>> split_blocks("# Title\n\nSome text.\n<!-- a note -->")
    [('# Title', True), ('', False), ('Some text.\n<!-- a note -->', True)]
    """
    blocks: list[tuple[str, bool]] = []
    lines = markdown.split("\n")
    current: list[str] = []
    i = 0

    def close() -> None:
        if current:
            text = "\n".join(current)
            blocks.append((text, _translatable(text)))
            current.clear()

    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence or line.strip() == "$$":
            close()
            end = fence.group(1) if fence else "$$"
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(end):
                j += 1
            blocks.append(("\n".join(lines[i : j + 1]), False))
            i = j + 1
            continue
        if not line.strip():
            close()
            blocks.append((line, False))  # the blank line itself, kept
        else:
            current.append(line)
        i += 1
    close()
    return blocks


def _translatable(text: str) -> bool:
    bare = COMMENT.sub("", text).strip()
    return bool(bare) and bare not in ("---", "***") and not bare.startswith("$$")


def join_blocks(blocks: Iterable[str]) -> str:
    """Put blocks back together (the inverse of :func:`split_blocks`)."""
    return "\n".join(blocks)


def message(block: str) -> str:
    """Return the message of a block: the glued numbers taken out, their comments kept."""
    return GLUED.sub(lambda m: m.group("comment"), block)


def refill(translation: str, source: str) -> str:
    """Put the source block's glued numbers before the same comments in the translation."""
    numbers = {m.group("comment"): m.group("number") for m in GLUED.finditer(source)}
    return COMMENT.sub(lambda m: numbers.get(m.group(0), "") + m.group(0), translation)


def translate_markdown(markdown: str, table: Mapping[str, str], missing: list[str]) -> str:
    """Translate every block of ``markdown`` that ``table`` translates.

    Parameters
    ----------
    markdown : str
        The English text.
    table : mapping
        Finished translations, message -> translation (:func:`catalogue`).
    missing : list
        Receives the blocks left in English.

    Returns
    -------
    str
    """
    out = []
    for block, ok in split_blocks(markdown):
        if ok:
            translation = table.get(message(block))
            if translation is None:
                missing.append(block)
            else:
                block = refill(translation, block)
        out.append(block)
    return join_blocks(out)


def translate_notebook(
    notebook: nbformat.NotebookNode, name: str, language: str
) -> tuple[nbformat.NotebookNode, list[str]]:
    """Return a copy of a notebook with its Markdown in ``language``, and the blocks left.

    Code cells and their outputs are kept; the notebook's metadata records the language
    (``customer_value_lab.language``).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        The English notebook.
    name : str
        Its catalogue's name (the notebook's file name without ``.ipynb``).
    language : str
        A code of :data:`LANGUAGES`.

    Returns
    -------
    notebook, missing
    """
    code = check_language(language)
    out = nbformat.from_dict(notebook)
    table = catalogue(name, code)
    missing: list[str] = []
    if code != "en":
        for cell in out.cells:
            if cell.cell_type == "markdown":
                cell.source = translate_markdown(cell.source, table, missing)
    out.metadata.setdefault("customer_value_lab", {})["language"] = LANGUAGES[code][0]
    return out, missing
