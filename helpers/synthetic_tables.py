"""The synthetic dataset's tables (:class:`RetailData`) and their files on disk.

:func:`write_synthetic` saves the tables as gzip-compressed CSV files with fixed headers (no
timestamp) plus ``meta.json``, and :func:`read_synthetic` reads them back; the committed
``datasets/synthetic`` is ``write_synthetic(make_synthetic())`` of :mod:`helpers.synthetic`.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from helpers import schema as s
from helpers.dates import day_after

__all__ = ["RetailData", "read_synthetic", "write_synthetic"]


@dataclass(frozen=True)
class RetailData:
    """The synthetic dataset: four tables, the ground truth and the record of injected dirt.

    Attributes
    ----------
    order_lines : pandas.DataFrame
        Raw order lines (canonical columns, ``invoice_date`` as text), dirt included.
    customers, products, contacts : pandas.DataFrame
        The customers, products and service-contacts tables (they pass
        :func:`helpers.schema.validate`).
    truth : pandas.DataFrame
        Per customer: ``persona``, ``purchase_rate_per_week``, ``dropout_probability``,
        ``alive_at_end`` (not yet dropped out at ``observation_end``), and the invoices and
        net spend they actually made after it, up to ``future_end`` (``future_purchases``,
        ``future_spend``).
    dirt : pandas.DataFrame
        ``row`` (position in ``order_lines``) and ``kind`` (one of
        :data:`helpers.synthetic_dirt.DIRT_KINDS`).
    bought_together : pandas.DataFrame
        The planted product pairs: ``product_a``, ``product_b``, ``description_a``,
        ``description_b``.
    campaign_history, campaign_truth : pandas.DataFrame
        A past randomised e-mail campaign (treatment and control, response and spend in
        the 30 days after it) and its truth per customer (both potential outcomes): see
        :mod:`helpers.synthetic_campaign`.
    prospects, prospects_truth : pandas.DataFrame
        People who are not yet customers (who they are, as the customers table says it) and
        their truth (persona, what a first year as a customer would bring): see
        :mod:`helpers.synthetic_prospects`.
    subscriptions, subscriptions_truth : pandas.DataFrame
        The gift box club, a monthly subscription (signup, boxes paid, cancellation) and its
        truth (each subscriber's monthly churn probability and lifetime, the population's
        beta distribution): see :mod:`helpers.synthetic_subscriptions`.
    observation_end, future_end : pandas.Timestamp
        Last day of the observed window and of the future window (both inclusive).
    market : str, default "uk"
        Where the shop sells: "uk" or "cn" (:mod:`helpers.synthetic_markets`).
    currency : str, default "£"
        The currency symbol of every amount: "£" in the UK shop, "¥" in the Chinese one.
    as_of, future_as_of : pandas.Timestamp
        Midnight after each: the analysis dates (exclusive, :mod:`helpers.dates`) that see the
        whole observed window, and the whole future window.
    """

    order_lines: pd.DataFrame
    customers: pd.DataFrame
    products: pd.DataFrame
    contacts: pd.DataFrame
    truth: pd.DataFrame
    dirt: pd.DataFrame
    bought_together: pd.DataFrame
    campaign_history: pd.DataFrame
    campaign_truth: pd.DataFrame
    prospects: pd.DataFrame
    prospects_truth: pd.DataFrame
    subscriptions: pd.DataFrame
    subscriptions_truth: pd.DataFrame
    observation_end: pd.Timestamp
    future_end: pd.Timestamp
    market: str = "uk"
    currency: str = "£"

    @property
    def as_of(self) -> pd.Timestamp:
        """Midnight after :attr:`observation_end`: the analysis date that sees every line."""
        return day_after(self.observation_end)

    @property
    def future_as_of(self) -> pd.Timestamp:
        """Midnight after :attr:`future_end`."""
        return day_after(self.future_end)


#: The tables written to disk, and the columns of each read as dates and as text.
_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "order_lines": (
        (),
        (s.INVOICE_ID, s.INVOICE_DATE, s.CUSTOMER_ID, s.PRODUCT_ID, s.DESCRIPTION),
    ),
    "customers": (
        (s.SIGNUP_DATE, s.BIRTH_DATE),
        (
            s.CUSTOMER_ID,
            s.GENDER,
            s.REGION,
            s.ACQUISITION_CHANNEL,
            s.EMAIL,
            s.BIRTHDAY_CALENDAR,  # the Chinese shop's customers only
        ),
    ),
    "products": ((), (s.PRODUCT_ID, s.DESCRIPTION, s.CATEGORY)),
    "contacts": ((s.CONTACT_DATE,), (s.CONTACT_ID, s.CUSTOMER_ID, s.CHANNEL)),
    "truth": ((), (s.CUSTOMER_ID, "persona")),
    "dirt": ((), ("kind",)),
    "bought_together": ((), ("product_a", "product_b", "description_a", "description_b")),
    "campaign_history": (("campaign_date",), (s.CUSTOMER_ID, "group", "offer")),
    "campaign_truth": ((), (s.CUSTOMER_ID, "kind")),
    "prospects": ((s.BIRTH_DATE,), ("prospect_id", s.GENDER, s.REGION, s.ACQUISITION_CHANNEL)),
    "prospects_truth": ((), ("prospect_id", "persona")),
    "subscriptions": (
        ("signup_date", "cancel_date"),
        ("subscription_id", s.CUSTOMER_ID, "signup_month"),
    ),
    "subscriptions_truth": ((), ("subscription_id",)),
}


def write_synthetic(
    data: RetailData, directory: str | os.PathLike, *, settings: dict | None = None
) -> list[Path]:
    """Write the dataset as ``<table>.csv.gz`` files plus ``meta.json``, reproducibly.

    The gzip headers carry no timestamp and no file name, so the same data gives the same
    bytes (with the same zlib).

    Parameters
    ----------
    data : RetailData
        What :func:`make_synthetic` returned.
    directory : str or path-like
        Folder to write into (created if needed).
    settings : dict, optional
        How the data were made (e.g. ``{"seed": 2024, "n_customers": 3000}``), kept in
        ``meta.json``. Another market than "uk" is recorded in ``meta.json`` as ``market``
        and ``currency`` whatever the settings say.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name in _TABLES:
        text = getattr(data, name).to_csv(index=False, lineterminator="\n")
        path = folder / f"{name}.csv.gz"
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz,
        ):
            gz.write(text.encode("utf-8"))
        written.append(path)
    meta = {
        "made_by": "helpers.synthetic.make_synthetic",
        "settings": settings or {},
        "observation_end": data.observation_end.date().isoformat(),
        "future_end": data.future_end.date().isoformat(),
    }
    if data.market != "uk":  # the UK shop's meta.json stays as it was before markets
        meta.update(market=data.market, currency=data.currency)
    meta["rows"] = {name: len(getattr(data, name)) for name in _TABLES}
    path = folder / "meta.json"
    path.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


def read_synthetic(directory: str | os.PathLike) -> RetailData:
    """Read a dataset written by :func:`write_synthetic` (order-line dates stay text).

    The market and currency come from ``meta.json`` ("uk" and "£" when it names none).

    Parameters
    ----------
    directory : str or path-like
        Folder holding the ``*.csv.gz`` files and ``meta.json``.

    Returns
    -------
    RetailData
    """
    folder = Path(directory)
    missing = [f"{n}.csv.gz" for n in _TABLES if not (folder / f"{n}.csv.gz").is_file()]
    if missing or not (folder / "meta.json").is_file():
        raise FileNotFoundError(
            f"{folder}: not a synthetic dataset folder (missing {missing or ['meta.json']}); "
            "make one with `python -m helpers.synthetic --out DIR` or `make data`"
        )
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    tables = {}
    for name, (dates, text) in _TABLES.items():
        df = pd.read_csv(
            folder / f"{name}.csv.gz",
            dtype=dict.fromkeys(text, "str"),
            keep_default_na=False,
            na_values=[""],
        )
        for column in dates:
            df[column] = pd.to_datetime(df[column], format="ISO8601").astype("datetime64[ns]")
        tables[name] = df
    return RetailData(
        **tables,
        observation_end=pd.Timestamp(meta["observation_end"]),
        future_end=pd.Timestamp(meta["future_end"]),
        market=meta.get("market", "uk"),  # a folder written before markets is the UK shop
        currency=meta.get("currency", "£"),
    )
