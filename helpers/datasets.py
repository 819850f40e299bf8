"""Loaders: the embedded synthetic dataset and real public files, mapped to canonical names.

Each loader knows its file's own format and returns frames whose columns are the canonical
names of :mod:`helpers.schema`. Real files are found from an explicit ``path`` or in the
directory named by the environment variable ``CVL_DATA_DIR``; when neither has the file, the
loader raises :class:`FileNotFoundError` saying where to get it.

Dates in order lines are parsed; a value that does not parse becomes ``NaT`` and the row is kept,
so that :func:`helpers.cleaning.clean_transactions` counts it under "unparseable date" instead of
the loader dropping it silently. Pass ``parse_dates=False`` to see the raw text.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from helpers import schema as s
from helpers.synthetic import (
    DEFAULT_N_CUSTOMERS,
    DEFAULT_SEED,
    RetailData,
    make_synthetic,
    read_synthetic,
)

__all__ = [
    "DATASETS",
    "RetailData",
    "SYNTHETIC_DIR",
    "data_dir",
    "load_cdnow",
    "load_clean_transactions",
    "load_online_retail",
    "load_synthetic",
    "load_telco",
    "load_transactions",
    "make_synthetic",
]

#: Where the committed synthetic dataset lives (``datasets/synthetic`` in the repository).
SYNTHETIC_DIR = Path(__file__).resolve().parents[1] / "datasets" / "synthetic"

ONLINE_RETAIL_COLUMNS = {
    "InvoiceNo": s.INVOICE_ID,
    "StockCode": s.PRODUCT_ID,
    "Description": s.DESCRIPTION,
    "Quantity": s.QUANTITY,
    "InvoiceDate": s.INVOICE_DATE,
    "UnitPrice": s.UNIT_PRICE,
    "CustomerID": s.CUSTOMER_ID,
    "Country": s.COUNTRY,
}

_SOURCES = {
    "online_retail": (
        ("online_retail_2010_2011.csv.gz", "Online Retail.xlsx", "online_retail.csv"),
        "UCI Machine Learning Repository, dataset 352 'Online Retail' "
        "(https://archive.ics.uci.edu/dataset/352/online+retail), CC BY 4.0",
    ),
    "cdnow": (
        ("cdnow_sample.txt", "CDNOW_sample.txt"),
        "Bruce Hardie's website, CDNOW_sample.zip (https://www.brucehardie.com/datasets/)",
    ),
    "telco": (
        ("telco_customer_churn.csv", "WA_Fn-UseC_-Telco-Customer-Churn.csv"),
        "IBM sample data 'WA_Fn-UseC_-Telco-Customer-Churn' "
        "(https://github.com/IBM/telco-customer-churn-on-icp4d), Apache-2.0",
    ),
}


def data_dir() -> Path | None:
    """Return the directory named by ``CVL_DATA_DIR``, or ``None`` when it is unset.

    Returns
    -------
    pathlib.Path or None
    """
    value = os.environ.get("CVL_DATA_DIR")
    return Path(value).expanduser() if value else None


def _locate(dataset: str, path: str | os.PathLike | None) -> Path:
    """Find a real dataset's file from ``path`` or ``$CVL_DATA_DIR``."""
    names, source = _SOURCES[dataset]
    if path is not None:
        found = Path(path).expanduser()
        if found.is_file():
            return found
        raise FileNotFoundError(f"{dataset}: no file at {found}. Get it from {source}.")
    directory = data_dir()
    if directory is not None:
        for name in names:
            if (directory / name).is_file():
                return directory / name
    where = f"CVL_DATA_DIR={directory}" if directory else "CVL_DATA_DIR is not set"
    raise FileNotFoundError(
        f"{dataset}: file not found ({where}; looked for {', '.join(names)}). "
        f"Get it from {source}, then pass its path or put it in the directory named by "
        "the environment variable CVL_DATA_DIR."
    )


def _read_csv(path: Path, **kwargs) -> pd.DataFrame:
    """Read a CSV with readable errors for empty and wrongly encoded files."""
    encoding = kwargs.pop("encoding", "utf-8")
    try:
        df = pd.read_csv(path, encoding=encoding, **kwargs)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{path}: the file is empty (no header, no rows)") from None
    except UnicodeDecodeError as err:
        bad = err.object[err.start : err.end]
        raise ValueError(
            f"{path}: the file is not valid {encoding} (byte {bad!r} at position {err.start}); "
            "pass the file's encoding, e.g. encoding='latin-1' or 'cp1252'"
        ) from None
    if df.empty:
        raise ValueError(f"{path}: the file has a header but no rows")
    return df


def _parse_order_lines(
    df: pd.DataFrame, date_format: str | None, parse_dates: bool
) -> pd.DataFrame:
    """Type the order-line columns (text is left as it is); unparseable dates become NaT.

    Customer ids that a spreadsheet saved as floats ("17850.0", every present id ending in
    ".0") lose the ".0", so that they match the same ids written as whole numbers elsewhere.
    """
    df = df.copy()
    for column in (s.INVOICE_ID, s.PRODUCT_ID, s.CUSTOMER_ID):
        df[column] = df[column].astype("str")
    ids = df[s.CUSTOMER_ID]
    if ids.notna().any() and ids.dropna().str.fullmatch(r"\d+\.0").all():
        df[s.CUSTOMER_ID] = ids.str.slice(stop=-2)
    for column in (s.QUANTITY, s.UNIT_PRICE):
        numbers = pd.to_numeric(df[column], errors="coerce")
        bad = numbers.isna() & df[column].notna()
        if bad.any():
            example = df.loc[bad].iloc[0]
            raise ValueError(
                f"column {column!r} must be numeric; {int(bad.sum())} row(s) are not, "
                f"e.g. row {example.name!r}: {example.to_dict()}"
            )
        df[column] = numbers
    if parse_dates:
        raw = df[s.INVOICE_DATE]
        parsed = pd.to_datetime(raw, errors="coerce", format=date_format or "ISO8601")
        bad = parsed.isna() & raw.notna()
        if len(df) and bad.mean() > 0.5:
            raise ValueError(
                f"column {s.INVOICE_DATE!r}: {int(bad.sum())} of {len(df)} dates do not parse "
                f"with format {date_format or 'ISO8601'!r}, e.g. {raw[bad].iloc[0]!r}; "
                "pass date_format= (e.g. '%d/%m/%Y %H:%M')"
            )
        df[s.INVOICE_DATE] = parsed.astype("datetime64[ns]")
    return df


def load_transactions(
    path: str | os.PathLike,
    columns: Mapping[str, str] | None = None,
    *,
    date_format: str | None = None,
    encoding: str = "utf-8",
    sep: str = ",",
    parse_dates: bool = True,
) -> pd.DataFrame:
    """Load any order-lines CSV and map its columns to the canonical names.

    Parameters
    ----------
    path : str or path-like
        A ``.csv`` or ``.csv.gz`` file with one row per order line.
    columns : mapping, optional
        The file's column name -> canonical name, e.g. ``{"Order": "invoice_id"}``. Columns
        already named canonically need no entry. Unmapped extra columns are kept.
    date_format : str, optional
        ``strftime`` format of the date column; default ISO 8601.
    encoding : str, default "utf-8"
        The file's text encoding.
    sep : str, default ","
        Field separator.
    parse_dates : bool, default True
        Parse ``invoice_date``; unparseable values become ``NaT`` (counted later by cleaning).

    Returns
    -------
    pandas.DataFrame
        Order lines with canonical column names, ids as strings.

    Raises
    ------
    ValueError
        For an empty file, a wrong encoding, a required column missing after mapping (naming it
        and the columns the file has), non-numeric quantities or prices, or dates that mostly
        fail to parse.
    """
    path = Path(path)
    raw = _read_csv(
        path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False, na_values=[""]
    )
    mapping = dict(columns or {})
    unknown = sorted(set(mapping) - set(raw.columns))
    if unknown:
        raise ValueError(
            f"{path}: columns {unknown} named in `columns` are not in the file; "
            f"the file has {list(raw.columns)}"
        )
    df = raw.rename(columns=mapping)
    missing = [c for c in s.TRANSACTION_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(
            f"{path}: required column(s) {missing} missing after mapping; the file has "
            f"{list(raw.columns)}. Map them with columns={{'<file column>': '<canonical>'}}"
        )
    return _parse_order_lines(df, date_format, parse_dates)


def load_online_retail(
    path: str | os.PathLike | None = None, *, parse_dates: bool = True
) -> pd.DataFrame:
    """Load UCI Online Retail (Chen, Sain & Guo 2012) as canonical order lines.

    Accepts the UCI ``.xlsx`` or a ``.csv``/``.csv.gz`` with the same columns (InvoiceNo,
    StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country). CustomerID,
    stored as a float in some copies ("17850.0"), becomes the string "17850"; rows without a
    customer are kept with ``customer_id`` missing.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: look in ``$CVL_DATA_DIR``.
    parse_dates : bool, default True
        Parse ``invoice_date`` to datetimes.

    Returns
    -------
    pandas.DataFrame
        541,909 order lines for the full file, columns invoice_id, product_id, description,
        quantity, invoice_date, unit_price, customer_id, country.
    """
    found = _locate("online_retail", path)
    text_columns = {"InvoiceNo": str, "StockCode": str, "CustomerID": str, "Description": str}
    if found.suffix.lower() in {".xlsx", ".xls"}:
        raw = pd.read_excel(found, dtype=text_columns)
        if raw.empty:
            raise ValueError(f"{found}: the sheet has no rows")
    else:
        raw = _read_csv(found, dtype=text_columns, keep_default_na=False, na_values=[""])
    missing = sorted(set(ONLINE_RETAIL_COLUMNS) - set(raw.columns))
    if missing:
        raise ValueError(
            f"{found}: not the Online Retail format, column(s) {missing} missing; "
            f"the file has {list(raw.columns)}"
        )
    df = raw.rename(columns=ONLINE_RETAIL_COLUMNS)[list(ONLINE_RETAIL_COLUMNS.values())]
    return _parse_order_lines(df, None, parse_dates)


def load_cdnow(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the CDNOW sample of Fader, Hardie & Lee (2005), or the full master file.

    The sample is whitespace-separated without a header: customer id, id within the cohort,
    date (YYYYMMDD), number of CDs, dollar value. All 2,357 customers first bought in the first
    quarter of 1997. The master file (``CDNOW_master.txt``, 23,570 customers) has the same
    columns without the id within the cohort; both are read.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: look in ``$CVL_DATA_DIR``.

    Returns
    -------
    pandas.DataFrame
        Columns customer_id (str), invoice_date (datetime), quantity (int), amount (float);
        one row per purchase record (6,919 for the sample).
    """
    found = _locate("cdnow", path)
    try:
        raw = pd.read_csv(found, sep=r"\s+", header=None, dtype=str)
    except pd.errors.EmptyDataError:
        raise ValueError(f"{found}: the file is empty") from None
    layouts = {
        5: ["customer_id", "cohort_id", "date", "quantity", "amount"],
        4: ["customer_id", "date", "quantity", "amount"],
    }
    if raw.shape[1] not in layouts:
        raise ValueError(
            f"{found}: expected 5 columns (the sample: customer id, id within cohort, date, "
            f"CDs, dollars) or 4 (the master file, without the id within cohort), got "
            f"{raw.shape[1]}; first row: {raw.iloc[0].tolist()}"
        )
    raw.columns = layouts[raw.shape[1]]
    dates = pd.to_datetime(raw["date"], format="%Y%m%d", errors="coerce")
    if dates.isna().any():
        bad = raw.loc[dates.isna()].iloc[0]
        raise ValueError(f"{found}: date must be YYYYMMDD; e.g. row {bad.name}: {bad.to_dict()}")
    return pd.DataFrame(
        {
            s.CUSTOMER_ID: raw["customer_id"],
            s.INVOICE_DATE: dates.astype("datetime64[ns]"),
            s.QUANTITY: raw["quantity"].astype(int),
            s.AMOUNT: raw["amount"].astype(float),
        }
    )


TELCO_COLUMNS = {
    "customerID": "customer_id",
    "gender": "gender",
    "SeniorCitizen": "senior_citizen",
    "Partner": "partner",
    "Dependents": "dependents",
    "tenure": "tenure_months",
    "PhoneService": "phone_service",
    "MultipleLines": "multiple_lines",
    "InternetService": "internet_service",
    "OnlineSecurity": "online_security",
    "OnlineBackup": "online_backup",
    "DeviceProtection": "device_protection",
    "TechSupport": "tech_support",
    "StreamingTV": "streaming_tv",
    "StreamingMovies": "streaming_movies",
    "Contract": "contract",
    "PaperlessBilling": "paperless_billing",
    "PaymentMethod": "payment_method",
    "MonthlyCharges": "monthly_charges",
    "TotalCharges": "total_charges",
    "Churn": "churn",
}


def load_telco(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load IBM Telco Customer Churn with snake_case column names.

    ``TotalCharges`` is blank for customers with zero tenure (11 in the file); those become
    ``NaN`` in ``total_charges`` (not zero, not dropped) so that the churn chapter handles them
    explicitly. ``Churn`` "Yes"/"No" becomes the boolean column ``churn``.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: look in ``$CVL_DATA_DIR``.

    Returns
    -------
    pandas.DataFrame
        7,043 customers, 21 columns.
    """
    found = _locate("telco", path)
    raw = _read_csv(found, dtype={"customerID": str, "TotalCharges": str})
    missing = sorted(set(TELCO_COLUMNS) - set(raw.columns))
    if missing:
        raise ValueError(f"{found}: not the Telco format, column(s) {missing} missing")
    df = raw.rename(columns=TELCO_COLUMNS)
    total = df["total_charges"].str.strip()
    numbers = pd.to_numeric(total.mask(total == ""), errors="coerce")
    bad = numbers.isna() & (total != "")
    if bad.any():
        raise ValueError(
            f"{found}: TotalCharges must be a number or blank; e.g. {total[bad].iloc[0]!r}"
        )
    df["total_charges"] = numbers
    churn = df["churn"].str.strip()
    if not churn.isin(["Yes", "No"]).all():
        example = churn[~churn.isin(["Yes", "No"])].iloc[0]
        raise ValueError(f"{found}: column 'Churn' must be Yes or No; e.g. {example!r}")
    df["churn"] = churn.eq("Yes")
    return df


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
        order_lines, customers, products, contacts, truth, dirt and bought_together tables.
    """
    folder = Path(directory) if directory is not None else SYNTHETIC_DIR
    if directory is None and not (folder / "order_lines.csv.gz").is_file():
        data = make_synthetic(seed=DEFAULT_SEED, n_customers=DEFAULT_N_CUSTOMERS)
    else:
        data = read_synthetic(folder)
    if not parse_dates:
        return data
    lines = _parse_order_lines(data.order_lines, None, True)
    return RetailData(**{**data.__dict__, "order_lines": lines})


#: The datasets a chapter can run on, by the name its ``DATASET`` parameter takes.
DATASETS: tuple[str, ...] = ("synthetic", "online_retail", "csv")


def load_clean_transactions(
    dataset: str = "synthetic",
    path: str | os.PathLike | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    date_format: str | None = None,
    **cleaning,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load a dataset's order lines and clean them: what every chapter after 01 starts from.

    Parameters
    ----------
    dataset : {"synthetic", "online_retail", "csv"}, default "synthetic"
        Which loader to use: :func:`load_synthetic`, :func:`load_online_retail` or
        :func:`load_transactions`.
    path : str or path-like, optional
        The file (required for "csv"; for "online_retail" default ``$CVL_DATA_DIR``; for
        "synthetic" a folder written by :func:`helpers.synthetic.write_synthetic`).
    columns, date_format : optional
        Passed to :func:`load_transactions` for "csv".
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
        raw = load_transactions(path, columns, date_format=date_format)
    else:
        raise ValueError(f"unknown dataset {dataset!r}; expected one of {list(DATASETS)}")
    return clean_transactions(raw, **cleaning)
