"""A snapshot: the order lines as they were known at one analysis date, cleaned once.

Every analysis "as of" a date starts from the same three things: the raw lines dated before it,
their clean version (:func:`helpers.cleaning.clean_transactions`) and, per raw line, why it was
removed (:func:`helpers.cleaning.flag_transactions`). :func:`take_snapshot` makes them in one
pass over the cleaning rules (:func:`helpers.cleaning.clean_and_flag`) and holds them in a
:class:`Snapshot`, which the orchestrators (:mod:`helpers.scoring`, the report) pass down
instead of raw and clean frames side by side, so no step cleans the same lines again.

Why an earlier date needs its own snapshot
------------------------------------------
Cleaning looks *forward*: a return nets the purchase it returns, a manual credit reverses an
earlier purchase, and the scale of "extreme" quantities is measured on every line. So the clean
lines known on 1 March are **not** the clean lines known on 1 June cut at 1 March: a purchase
returned in April is in the first and not in the second. A churn model trained at a cutoff
must see the first (anything else leaks the future into its features), so
:meth:`Snapshot.at` runs the cleaning again on the raw lines before the earlier date: one
analysis per analysis date, never two of the same lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from helpers import schema as s
from helpers.checks import require_columns
from helpers.dates import DateLike, to_timestamp

__all__ = ["LINE_COLUMNS", "Snapshot", "lines_before", "take_snapshot"]

#: The column-name settings of the cleaning, and their defaults.
LINE_COLUMNS: dict[str, str] = {
    "customer_col": s.CUSTOMER_ID,
    "invoice_col": s.INVOICE_ID,
    "date_col": s.INVOICE_DATE,
    "product_col": s.PRODUCT_ID,
    "quantity_col": s.QUANTITY,
    "price_col": s.UNIT_PRICE,
    "amount_col": s.AMOUNT,
}


@dataclass(frozen=True)
class Snapshot:
    """The order lines known at ``as_of``: raw, clean, and why each raw line was removed.

    Made by :func:`take_snapshot`; do not build one by hand unless ``clean`` and ``reasons``
    are :func:`helpers.cleaning.clean_and_flag` of ``raw`` with ``cleaning``.

    Attributes
    ----------
    raw : pandas.DataFrame
        The raw order lines dated before ``as_of`` (and the undated ones, which cleaning
        counts under "unparseable date"), with their original index.
    clean : pandas.DataFrame
        Their clean version.
    reasons : pandas.Series
        Per line of ``raw`` (same index): the reason it was removed, or missing if kept.
    report : pandas.DataFrame
        The cleaning report (:func:`helpers.cleaning.clean_transactions`).
    as_of : pandas.Timestamp
        The analysis date, exclusive (:mod:`helpers.dates`).
    cleaning : mapping
        The settings the lines were cleaned with (keywords of
        :func:`helpers.cleaning.clean_transactions`).
    """

    raw: pd.DataFrame
    clean: pd.DataFrame
    reasons: pd.Series
    report: pd.DataFrame | None
    as_of: pd.Timestamp
    cleaning: Mapping[str, Any] = field(default_factory=dict)

    @property
    def columns(self) -> dict[str, str]:
        """The column names the lines were cleaned with, as ``*_col`` keywords.

        Returns
        -------
        dict
            ``customer_col``, ``invoice_col``, ``date_col``, ``product_col``,
            ``quantity_col``, ``price_col`` and ``amount_col`` (the settings' or the
            canonical names of :mod:`helpers.schema`).
        """
        return {
            name: str(self.cleaning.get(name, default)) for name, default in LINE_COLUMNS.items()
        }

    def at(self, as_of: DateLike) -> Snapshot:
        """Return the snapshot at an earlier (or the same) analysis date.

        The raw lines before ``as_of`` are cleaned again with the same settings: cleaning
        looks forward (see the module docstring), so cutting :attr:`clean` would leak later
        returns and credits into the earlier date.

        Parameters
        ----------
        as_of : date
            The earlier analysis date (exclusive).

        Returns
        -------
        Snapshot
            ``self`` when ``as_of`` is this snapshot's date.

        Raises
        ------
        ValueError
            If ``as_of`` is after this snapshot's date (it does not hold those lines).
        """
        as_of = to_timestamp(as_of, "as_of")
        if as_of == self.as_of:
            return self
        if as_of > self.as_of:
            raise ValueError(
                f"as_of {as_of} is after the snapshot's date {self.as_of}: the snapshot does "
                "not hold the lines in between; take a snapshot of the later date instead"
            )
        return take_snapshot(self.raw, as_of, **self.cleaning)


def lines_before(raw: pd.DataFrame, as_of: pd.Timestamp, date_col: str) -> pd.DataFrame:
    """Return the raw lines a snapshot at ``as_of`` holds: dated before it, or undated.

    Undated lines stay, so that cleaning counts them ("unparseable date").

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw order lines.
    as_of : pandas.Timestamp
        The analysis date (exclusive).
    date_col : str
        Column of the line dates.

    Returns
    -------
    pandas.DataFrame
    """
    return raw[~(raw[date_col] >= as_of).to_numpy(dtype=bool)]


def take_snapshot(
    raw: pd.DataFrame,
    as_of: DateLike | None = None,
    **cleaning: Any,
) -> Snapshot:
    """Clean the raw lines dated before ``as_of`` once, and keep what every step needs.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw order lines, dates parsed (:func:`helpers.datasets.load_transactions`).
    as_of : date, optional
        The analysis date (exclusive). Default: midnight after the day of the last dated line,
        so that every line counts.
    **cleaning
        Settings of :func:`helpers.cleaning.clean_transactions`, column names included (the
        dates are read from its ``date_col``).

    Returns
    -------
    Snapshot

    Raises
    ------
    ValueError
        If the date column is missing, has no date, or no line is dated before ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> raw = pd.DataFrame({
    ...     "invoice_id": ["1", "2", "C3"],
    ...     "invoice_date": pd.to_datetime(["2024-01-05", "2024-02-01", "2024-03-01"]),
    ...     "customer_id": ["a", "b", "a"],
    ...     "product_id": ["P1", "P1", "P1"],
    ...     "quantity": [2, 1, -2],
    ...     "unit_price": [5.0, 5.0, 5.0],
    ... })
    >>> len(take_snapshot(raw).clean)  # a's purchase is returned on 1 March
    1
    >>> len(take_snapshot(raw, "2024-03-01").clean)  # not yet known on 1 March
    2
    """
    from helpers.cleaning import clean_and_flag

    date_col = str(cleaning.get("date_col", LINE_COLUMNS["date_col"]))
    require_columns(raw, [date_col], "raw order lines", allow_empty=True)
    dates = raw[date_col]
    if as_of is None:
        last = dates.max()
        if pd.isna(last):
            raise ValueError(f"raw order lines: column {date_col!r} has no dates")
        as_of = pd.Timestamp(last).normalize() + pd.Timedelta(days=1)
    else:
        as_of = to_timestamp(as_of, "as_of")
    before = lines_before(raw, as_of, date_col)
    if not (before[date_col] < as_of).any():
        raise ValueError(
            f"raw order lines: no line is dated before as_of {as_of:%Y-%m-%d %H:%M}; the first "
            f"is dated {dates.min()}"
        )
    clean, report, reasons = clean_and_flag(before, **cleaning)
    return Snapshot(
        raw=before,
        clean=clean,
        reasons=reasons,
        report=report,
        as_of=as_of,
        cleaning=dict(cleaning),
    )
