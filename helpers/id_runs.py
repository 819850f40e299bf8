"""Runs of order lines of one customer, and sorted integer codes for the customer ids.

Order lines come by invoice, so the lines of one customer come in runs. The per-customer
summaries of :mod:`helpers.clv_data` need, for every run, the customer's position among the
sorted distinct ids: :func:`customer_runs` finds them reading each id object once.

For text ids (the usual case: pandas' ``str`` columns hold Python strings) only the first id
of each run is kept. Those ids are joined into one UTF-8 buffer and packed, 8 bytes to a
big-endian 64-bit word: the words sort as the strings do (UTF-8 keeps the order of code
points), so a sort of integers gives the distinct ids in order, without hashing or comparing
Python strings more than once. Text ids holding a NUL byte, which the buffer cannot hold, are
sorted as Python strings; other ids (numbers, mixed types, missing values) go through
:func:`pandas.factorize`.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

__all__ = ["customer_runs", "few_text_codes", "text_line_codes", "text_line_groups"]

#: Lines per block in :func:`_runs_and_text`: a block's id objects stay in the CPU cache while
#: they are compared, then joined (measured at 1M lines: 24 ms in blocks of 4,096 or 8,192,
#: 28 ms in blocks of 32,768, 32 ms in one pass over all lines, then over all heads).
_BLOCK = 1 << 12


def _runs_and_text(objects: np.ndarray) -> tuple[np.ndarray, bytes]:
    """Return the first line of each run of equal ids and those ids joined by NULs, in UTF-8.

    Raises TypeError or UnicodeEncodeError when an id is not text (or is missing).
    """
    starts, texts = [], []
    for low in range(0, len(objects), _BLOCK):
        block = objects[low : low + _BLOCK]
        new = np.empty(len(block), dtype=bool)
        new[0] = low == 0 or block[0] != objects[low - 1]
        np.not_equal(block[1:], block[:-1], out=new[1:])
        first = np.flatnonzero(new)
        if len(first):
            starts.append(first + low)
            texts.append("\0".join(block[first].tolist()))
    return np.concatenate(starts), "\0".join(texts).encode()


#: ``_HIGH_BYTES[k]``: a 64-bit mask of the ``k`` high bytes (0 to 8).
_HIGH_BYTES = np.array([(2**64 - 1) ^ (2 ** (64 - 8 * k) - 1) for k in range(9)], dtype=np.uint64)


def _packed_words(text: np.ndarray, n_ids: int) -> list[np.ndarray] | None:
    """Pack NUL-separated UTF-8 ids into big-endian 64-bit words that sort like the ids.

    Returns the words (the first 8 bytes of every id, the next 8, ...); ``None`` when an id
    holds a NUL itself.
    """
    ends = np.flatnonzero(text == 0)
    if len(ends) != n_ids - 1:
        return None
    begin = np.r_[0, ends + 1]
    length = np.r_[ends, len(text)] - begin
    n_words = max(1, -(-int(length.max()) // 8))
    padded = np.zeros(len(text) + 8 * n_words, dtype=np.uint8)
    padded[: len(text)] = text
    # the 8 bytes from each position of the buffer on, as one big-endian integer
    windows = np.ndarray((len(padded) - 7,), dtype=">u8", buffer=padded, strides=(1,))
    words = []
    for word in range(n_words):
        keep = np.clip(length - 8 * word, 0, 8)  # bytes of the id in this word; the rest zeroed
        words.append(windows[begin + 8 * word].astype(np.uint64) & _HIGH_BYTES[keep])
    return words


def _radix_order(words: list[np.ndarray]) -> np.ndarray:
    """Return the stable order that sorts the ids packed in ``words`` (most significant first).

    A least-significant-digit radix sort on 16-bit digits: one stable argsort of 16-bit
    integers per digit (numpy sorts those by counting), skipping the digits that no id changes
    (the zero padding of short ids, a common prefix). Two to four times as fast as
    :func:`numpy.argsort` of the 64-bit words, and it takes several words at once where
    :func:`numpy.lexsort` is slower still.
    """
    order = None
    for word in reversed(words):
        varying = int(np.bitwise_or.reduce(word ^ word[0])) if len(word) else 0
        for shift in range(0, 64, 16):
            if (varying >> shift) & 0xFFFF:
                digit = (word >> np.uint64(shift)).astype(np.uint16)  # (the low 16 bits)
                if order is None:
                    order = np.argsort(digit, kind="stable")
                else:
                    order = order[np.argsort(digit[order], kind="stable")]
    return np.arange(len(words[0]), dtype=np.intp) if order is None else order


def _text_runs(
    values: pd.Series, ids: bool = True
) -> tuple[np.ndarray, np.ndarray, pd.Index | int] | None:
    """Find runs of one customer and their sorted codes for text ids; ``None`` if one is not.

    With ``ids=False`` the distinct ids are not wanted, only their number, and the codes need
    not follow the ids' order: when no id has two runs (the lines of an invoice come
    together), each run is its own code, and the ids are not taken.
    """
    text_dtype = values.dtype if isinstance(values.dtype, pd.StringDtype) else None
    if text_dtype is not None:
        objects = values.to_numpy(dtype=object)
    elif values.dtype == object:
        objects = values.to_numpy()  # the result's dtype is inferred from the ids
    else:
        return None
    if len(objects) == 0:
        return None
    try:
        starts, joined = _runs_and_text(objects)
    except (TypeError, UnicodeEncodeError):  # a missing or non-text id, pandas.NA compared
        return None
    packed = _packed_words(np.frombuffer(joined, dtype=np.uint8), len(starts))
    if packed is None:  # an id holds a NUL: sort the runs' ids as Python strings (rare, slow)
        # (not pandas.factorize: pandas 3.0.0 hashes text up to its first NUL, so "a\0b"
        # and "a" would become one customer)
        distinct, codes = np.unique(objects[starts], return_inverse=True)
        return starts, codes.ravel(), pd.Index(distinct, dtype=text_dtype) if ids else len(distinct)
    words = packed
    n_runs = len(starts)
    order = _radix_order(words)
    ordered = np.stack(words)[:, order]
    new = np.r_[True, (ordered[:, 1:] != ordered[:, :-1]).any(axis=0)]
    if not ids and new.all():  # no id has two runs: each run is its own code
        return starts, np.arange(n_runs, dtype=np.intp), n_runs
    codes = np.empty(n_runs, dtype=np.intp)
    codes[order] = np.cumsum(new) - 1
    heads = starts[order[new]]  # a line of each distinct id, in order
    if not ids:
        return starts, codes, len(heads)
    if text_dtype is not None:  # taken as they are: no checks of the text
        return starts, codes, pd.Index(values.array.take(heads))
    return starts, codes, pd.Index(objects[heads])


def customer_runs(values: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Find the runs of lines of one customer and code them by the sorted distinct ids.

    Parameters
    ----------
    values : pandas.Series
        The customer id of every order line, in the lines' order.

    Returns
    -------
    starts : numpy.ndarray
        The first line of each run (ascending; the first is 0).
    codes : numpy.ndarray
        The customer of each run: its position in ``customers``, or -1 for a missing id.
    customers : pandas.Index
        The distinct ids, sorted (text ids keep the column's string dtype).
    """
    fast = _text_runs(values)
    if fast is not None:
        return fast
    codes, customers = pd.factorize(values, sort=True)
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]]) if len(codes) else codes
    return starts, codes[starts], pd.Index(customers)


def text_line_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """Code every line by its id's position among the sorted distinct ids, for text ids.

    The ids are read by runs (:func:`customer_runs`' text path): quick when equal ids come
    together, as the lines of one customer or one invoice do.

    Parameters
    ----------
    values : pandas.Series
        The id of every line: text (``str`` or object holding Python strings), none missing.

    Returns
    -------
    tuple of (numpy.ndarray, pandas.Index) or None
        The code of every line (``intp``) and the distinct ids, sorted as Python sorts them;
        ``None`` when the column is empty or an id is not text.
    """
    runs = _text_runs(values)
    if runs is None:
        return None
    starts, codes, distinct = runs
    return np.repeat(codes, np.diff(np.r_[starts, len(values)])), distinct


def text_line_groups(values: pd.Series) -> tuple[np.ndarray, int] | None:
    """Code every line so that lines share a code exactly when their ids are equal, for text ids.

    For counting distinct ids (the invoices of a customer's product): like
    :func:`text_line_codes` but the codes are in no particular order and the ids are not
    returned: when every id comes in one run (the lines of an invoice together), each run is
    its own code, and the ids are never taken from the column.

    Parameters
    ----------
    values : pandas.Series
        The id of every line: text (``str`` or object holding Python strings), none missing.

    Returns
    -------
    tuple of (numpy.ndarray, int) or None
        The code of every line (``intp``, from 0) and the number of distinct ids; ``None``
        when the column is empty or an id is not text.
    """
    runs = _text_runs(values, ids=False)
    if runs is None:
        return None
    starts, codes, n_distinct = runs
    return np.repeat(codes, np.diff(np.r_[starts, len(values)])), n_distinct


@functools.cache
def _factorize_keeps_nul() -> bool:
    """Say whether :func:`pandas.factorize` tells "a" from "a" NUL "b" (pandas 3.0.0 did not)."""
    for dtype in ("str", object):
        codes, _ = pd.factorize(pd.Series(["a", "a\0b", "a\0c", "a"], dtype=dtype))
        if codes.tolist() != [0, 1, 2, 0]:
            return False
    return True


def few_text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index] | None:
    """Code every line by its id's position among the sorted distinct ids, for few text ids.

    For ids that do not come in runs but are few (products): :func:`pandas.factorize`, then a
    sort of the distinct ids only. Where pandas' hashing stops at a NUL (3.0.0), the ids go by
    :func:`text_line_codes` instead.

    Parameters
    ----------
    values : pandas.Series
        The id of every line: text, none missing.

    Returns
    -------
    tuple of (numpy.ndarray, pandas.Index) or None
        As :func:`text_line_codes`; ``None`` when the column is empty or an id is not text.
    """
    text = isinstance(values.dtype, pd.StringDtype) or values.dtype == object
    if not text or len(values) == 0:
        return None
    if not _factorize_keeps_nul():
        return text_line_codes(values)
    codes, distinct = pd.factorize(values.to_numpy(dtype=object))  # faster than the str
    objects = np.asarray(distinct, dtype=object)
    if (codes < 0).any() or pd.api.types.infer_dtype(objects, skipna=False) != "string":
        return None
    order = np.argsort(objects)
    rank = np.empty(len(order), dtype=np.intp)
    rank[order] = np.arange(len(order))
    return rank[codes], pd.Index(objects[order], dtype=object)
