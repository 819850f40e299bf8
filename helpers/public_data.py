"""Loaders of the real public datasets, each knowing its file's own format.

UCI Online Retail (transactions: :func:`load_online_retail`), the CDNOW sample of the BG/NBD
paper (:func:`load_cdnow`), the BG/BB paper's donations table (:func:`load_donations`) and IBM
Telco customer churn (:func:`load_telco`). Each returns frames with the canonical names of
:mod:`helpers.schema`. A file is found from an explicit ``path``, else in the project's
``datasets/`` (all four are committed there, licence and source in ``datasets/README.md``),
else in the directory named by the environment variable ``CVL_DATA_DIR`` (:func:`data_dir`),
for other copies (the UCI ``.xlsx``, the CDNOW master file); when none has it, the loader
raises :class:`FileNotFoundError` saying where to get it. Dates in order lines are parsed; a
value that does not parse becomes ``NaT`` and the row is kept, for cleaning to count.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from helpers import parsing
from helpers import schema as s
from helpers.identifiers import drop_float_suffix
from helpers.parsing import parse_numbers

__all__ = ["data_dir", "load_cdnow", "load_donations", "load_online_retail", "load_telco"]

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
    "donations": (
        ("donations.csv",),
        "the BG/BB paper's donations table (Fader, Hardie & Shang 2010), on Bruce Hardie's "
        "website (https://www.brucehardie.com/notes/010/) and shipped with the lifetimes "
        "package (MIT) as donations.csv",
    ),
    "telco": (
        (
            "telco_customer_churn.csv.gz",
            "telco_customer_churn.csv",
            "WA_Fn-UseC_-Telco-Customer-Churn.csv",
        ),
        "IBM sample data 'WA_Fn-UseC_-Telco-Customer-Churn' "
        "(https://github.com/IBM/telco-customer-churn-on-icp4d), Apache-2.0",
    ),
}

# Files committed with the project (licence, source and SHA-256 in datasets/README.md): found
# without CVL_DATA_DIR, so a fresh clone runs every chapter section that uses them.
PROJECT_DATA_DIR = Path(__file__).resolve().parents[1] / "datasets"
_COMMITTED = {
    "online_retail": ("online_retail_2010_2011.csv.gz",),
    "cdnow": ("cdnow_sample.txt.gz",),
    "donations": ("donations.csv",),
    "telco": ("telco_customer_churn.csv.gz",),
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
    """Find a real dataset's file from ``path``, the project's ``datasets/``, ``$CVL_DATA_DIR``."""
    names, source = _SOURCES[dataset]
    if path is not None:
        found = Path(path).expanduser()
        if found.is_file():
            return found
        raise FileNotFoundError(f"{dataset}: no file at {found}. Get it from {source}.")
    for name in _COMMITTED.get(dataset, ()):
        if (PROJECT_DATA_DIR / name).is_file():
            return PROJECT_DATA_DIR / name
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


def parse_order_lines(df: pd.DataFrame, date_format: str | None, parse_dates: bool) -> pd.DataFrame:
    """Type the order lines of a known file; text is left as written for cleaning to count.

    Customer ids that a spreadsheet saved as floats ("17850.0", every present id ending in
    ".0") lose the ".0" (:func:`helpers.identifiers.drop_float_suffix`), so that they match the
    same ids written as whole numbers elsewhere. Unparseable dates become NaT; more than half
    of them unparseable is an error.
    """
    df = df.copy(deep=False)  # new columns only: the caller's frame is left as it is
    for column in (s.INVOICE_ID, s.PRODUCT_ID, s.CUSTOMER_ID):
        df[column] = df[column].astype("str")
    df[s.CUSTOMER_ID] = drop_float_suffix(df[s.CUSTOMER_ID])
    for column in (s.QUANTITY, s.UNIT_PRICE):
        df[column] = parse_numbers(df[column], whole=column == s.QUANTITY)[0]
    if parse_dates:
        df[s.INVOICE_DATE] = parsing.parse_dates(
            df[s.INVOICE_DATE], date_format=date_format, max_bad_dates=0.5
        )[0]
    return df


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
        The file; default: the copy committed in the project's ``datasets/``
        (``online_retail_2010_2011.csv.gz``), else look in ``$CVL_DATA_DIR``.
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
    return parse_order_lines(df, None, parse_dates)


def load_cdnow(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the CDNOW sample of Fader, Hardie & Lee (2005), or the full master file.

    The sample is whitespace-separated without a header: customer id, id within the cohort,
    date (YYYYMMDD), number of CDs, dollar value. All 2,357 customers first bought in the first
    quarter of 1997. The master file (``CDNOW_master.txt``, 23,570 customers) has the same
    columns without the id within the cohort; both are read, plain or gzip-compressed.

    Parameters
    ----------
    path : str or path-like, optional
        The file; default: the sample committed in the project's ``datasets/``
        (``cdnow_sample.txt.gz``), else look in ``$CVL_DATA_DIR``.

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


def load_donations(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load the BG/BB paper's donations table: 11,104 donors, 6 yearly opportunities.

    One row per pattern of the 1995 cohort's repeat donations in 1996-2001: ``frequency``
    (donations), ``recency`` (the opportunity of the last one, 0 if none), ``periods`` (6)
    and ``weights`` (donors with that pattern).

    Parameters
    ----------
    path : str or path-like, optional
        The CSV file; default: the copy committed in the project's ``datasets/``
        (``donations.csv``), else look in ``$CVL_DATA_DIR``.

    Returns
    -------
    pandas.DataFrame
        The four columns, whole numbers.

    Raises
    ------
    ValueError
        If a column is missing or not a whole number >= 0.
    """
    found = _locate("donations", path)
    table = _read_csv(found)
    columns = ["frequency", "recency", "periods", "weights"]
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{found}: missing column(s) {missing}; found {list(table.columns)}")
    for column in columns:
        values = pd.to_numeric(table[column], errors="coerce")
        bad = ~(values >= 0) | (values % 1 != 0)
        if bad.any():
            row = table.loc[bad].iloc[0]
            raise ValueError(
                f"{found}: column {column!r} must be a whole number >= 0; "
                f"e.g. row {row.name}: {row.to_dict()}"
            )
        table[column] = values.astype("int64")
    return table[columns]


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
        The file; default: the copy committed in the project's ``datasets/``
        (``telco_customer_churn.csv.gz``), else look in ``$CVL_DATA_DIR``.

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
