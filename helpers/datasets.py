"""Loaders: the embedded synthetic dataset and real public files, mapped to canonical names.

Each loader knows its file's own format and returns frames whose columns are the canonical
names of :mod:`helpers.schema`. Real files are found from an explicit ``path``, else in the
project's ``datasets/`` (where the four real public datasets are committed), else in the
directory named by the environment variable ``CVL_DATA_DIR``; when none has the file, the
loader raises :class:`FileNotFoundError` saying where to get it.

Dates in order lines are parsed; a value that does not parse becomes ``NaT`` and the row is kept,
so that :func:`helpers.cleaning.clean_transactions` counts it under "unparseable date" instead of
the loader dropping it silently. Pass ``parse_dates=False`` to see the raw text. An analyst's own
file (:func:`load_transactions`, built on :mod:`helpers.reading`) is refused when more than
``max_bad_dates`` (1%) of its dates do not parse: the error proposes the format that reads them.

This module holds the synthetic dataset's loader and :func:`load_clean_transactions`, what
every chapter starts from; the real public datasets' loaders are in :mod:`helpers.public_data`
and the loader of an analyst's own file in :mod:`helpers.order_log`. Every public name is
importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from helpers.order_log import ID_FIX, MONEY_FIX, load_transactions
from helpers.public_data import ONLINE_RETAIL_COLUMNS as ONLINE_RETAIL_COLUMNS
from helpers.public_data import TELCO_COLUMNS as TELCO_COLUMNS
from helpers.public_data import (
    data_dir,
    load_cdnow,
    load_donations,
    load_online_retail,
    load_telco,
    parse_order_lines,
)
from helpers.synthetic import (
    DEFAULT_N_CUSTOMERS,
    DEFAULT_SEED,
    RetailData,
    make_synthetic,
    read_synthetic,
)

__all__ = [
    "DATASETS",
    "ID_FIX",
    "MONEY_FIX",
    "RetailData",
    "SYNTHETIC_DIR",
    "data_dir",
    "load_cdnow",
    "load_clean_transactions",
    "load_donations",
    "load_online_retail",
    "load_synthetic",
    "load_telco",
    "load_transactions",
    "make_synthetic",
]

#: Where the committed synthetic dataset lives (``datasets/synthetic`` in the repository).
SYNTHETIC_DIR = Path(__file__).resolve().parents[1] / "datasets" / "synthetic"


def load_synthetic(
    directory: str | os.PathLike | None = None, *, parse_dates: bool = True
) -> RetailData:
    """Load the embedded synthetic retail dataset (with its injected dirt and ground truth).

    Parameters
    ----------
    directory : str or path-like, optional
        Where the ``*.csv.gz`` files are; default ``datasets/synthetic`` in the repository.
        When the default directory is absent (an installed copy of ``helpers`` without the
        repository), the same data is generated in memory from the default seed.
    parse_dates : bool, default True
        Parse the order lines' ``invoice_date``; the injected bad dates become ``NaT``.

    Returns
    -------
    RetailData
        order_lines, customers, products, contacts, truth, dirt, bought_together,
        campaign_history, campaign_truth, prospects, prospects_truth, subscriptions and
        subscriptions_truth tables.
    """
    folder = Path(directory) if directory is not None else SYNTHETIC_DIR
    if directory is None and not (folder / "order_lines.csv.gz").is_file():
        data = make_synthetic(seed=DEFAULT_SEED, n_customers=DEFAULT_N_CUSTOMERS)
    else:
        data = read_synthetic(folder)
    if not parse_dates:
        return data
    lines = parse_order_lines(data.order_lines, None, True)
    return RetailData(**{**data.__dict__, "order_lines": lines})


#: The datasets a chapter can run on, by the name its ``DATASET`` parameter takes.
DATASETS: tuple[str, ...] = ("synthetic", "online_retail", "csv")


def load_clean_transactions(
    dataset: str = "synthetic",
    path: str | os.PathLike | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    encoding: str | None = None,
    sep: str | None = None,
    decimal: str = ".",
    thousands: str | None = None,
    timezone: str | None = None,
    max_bad_dates: float | None = 0.01,
    **cleaning,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load a dataset's order lines and clean them: what every chapter after 01 starts from.

    Parameters
    ----------
    dataset : {"synthetic", "online_retail", "csv"}, default "synthetic"
        Which loader to use: :func:`load_synthetic`, :func:`load_online_retail` or
        :func:`load_transactions`.
    path : str or path-like, optional
        The file (required for "csv"; for "online_retail" default the copy in ``datasets/``; for
        "synthetic" a folder written by :func:`helpers.synthetic.write_synthetic`).
    columns, date_format, encoding, sep, decimal, thousands, timezone, max_bad_dates : optional
        Passed to :func:`load_transactions` for "csv" (the other datasets have loaders that
        know their files, and do not use them).
    **cleaning
        Settings passed to :func:`helpers.cleaning.clean_transactions`.

    Returns
    -------
    clean : pandas.DataFrame
        Clean order lines with an ``amount`` column (see :mod:`helpers.cleaning`).
    report : pandas.DataFrame
        The cleaning report.
    """
    from helpers.cleaning import clean_transactions

    if dataset == "synthetic":
        raw = load_synthetic(path).order_lines
    elif dataset == "online_retail":
        raw = load_online_retail(path)
    elif dataset == "csv":
        if path is None:
            raise ValueError("dataset 'csv' needs path= (the order-lines file)")
        raw = load_transactions(
            path,
            columns,
            date_format=date_format,
            encoding=encoding,
            sep=sep,
            decimal=decimal,
            thousands=thousands,
            timezone=timezone,
            max_bad_dates=max_bad_dates,
        )
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {list(DATASETS)}")
    return clean_transactions(raw, **cleaning)
