"""Name a setting in the caller's words: the library's argument or the command line's option.

An error message that advises a fix must name the setting as the reader can type it: a
notebook user passes ``date_format='%d/%m/%Y'`` to :func:`helpers.datasets.load_transactions`,
the report's user types ``--date-format '%d/%m/%Y'``. Functions that raise build the advice
with :func:`option` (and :func:`option_mapping` for a column mapping); the command line runs
its work inside :func:`command_line_words`, which switches every such advice to its options.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["CLI_OPTIONS", "command_line_words", "option", "option_mapping"]

#: Library argument -> the report command's option.
CLI_OPTIONS: dict[str, str] = {
    "columns": "--map",
    "encoding": "--encoding",
    "sep": "--sep",
    "decimal": "--decimal",
    "thousands": "--thousands",
    "date_format": "--date-format",
    "timezone": "--timezone",
    "max_bad_dates": "--max-bad-dates",
    "as_of": "--as-of",
    "lang": "--lang",
}

_WORDS: ContextVar[str] = ContextVar("cvl_option_words", default="python")


@contextmanager
def command_line_words() -> Iterator[None]:
    """Within this block, :func:`option` names the command line's options.

    Yields
    ------
    None
    """
    token = _WORDS.set("cli")
    try:
        yield
    finally:
        _WORDS.reset(token)


def option(name: str, value: object = None) -> str:
    """Name a setting, with an example value, as the current caller would type it.

    Parameters
    ----------
    name : str
        The library's argument name, a key of :data:`CLI_OPTIONS`.
    value : object, optional
        An example value.

    Returns
    -------
    str
        ``"date_format='%d/%m/%Y'"`` from Python, ``"--date-format '%d/%m/%Y'"`` inside
        :func:`command_line_words`; without a value ``"date_format="`` or ``"--date-format"``.
    """
    if _WORDS.get() == "cli":
        flag = CLI_OPTIONS[name]
        return flag if value is None else f"{flag} {shlex.quote(str(value))}"
    return f"{name}=" if value is None else f"{name}={value!r}"


def option_mapping(source: str, target: str) -> str:
    """Name a column mapping as the current caller would type it.

    Parameters
    ----------
    source : str
        The file's column.
    target : str
        The canonical name.

    Returns
    -------
    str
        ``"columns={'Client': 'customer_id'}"`` from Python, ``"--map Client=customer_id"``
        on the command line.
    """
    if _WORDS.get() == "cli":
        return f"--map {shlex.quote(f'{source}={target}')}"
    return f"columns={{{source!r}: {target!r}}}"
