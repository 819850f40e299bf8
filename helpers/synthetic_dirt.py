"""The dirt injected into the synthetic order lines for the cleaning chapter, and its record.

:func:`add_dirt` adds dirty lines to the clean purchases and returns (guest orders without
a customer, postage, bank charges and manual adjustments, free samples at price 0, negative
prices, extreme quantities, a test account, cancellations with nothing to match, exact
duplicates) and marks some clean lines to be dirtied in place (bad dates, messy text: stray
spaces, lower-case codes, descriptions in title case or, in Chinese, after a full-width space);
:func:`finish_order_lines` orders the lines, numbers the invoices ("C" in front of a
return, as in Online Retail), writes the dates as text, spoils the marked ones and lists every
dirty line with its kind (:data:`DIRT_KINDS`) for :attr:`helpers.synthetic_tables.RetailData.dirt`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s

__all__ = ["DIRT_KINDS", "TEST_ACCOUNT"]

#: The kinds of dirt recorded in :attr:`helpers.synthetic_tables.RetailData.dirt`, one per
#: dirty order line.
DIRT_KINDS: tuple[str, ...] = (
    "duplicate",
    "missing_customer",
    "cancellation",
    "unmatched_cancellation",
    "zero_price",
    "negative_price",
    "test_account",
    "non_product",
    "extreme_quantity",
    "bad_date",
    "messy_text",
)

TEST_ACCOUNT = "TEST01"


def add_dirt(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    products: pd.DataFrame,
    customers: pd.DataFrame,
    start: pd.Timestamp,
    observed_until: pd.Timestamp,
) -> pd.DataFrame:
    """Add dirty lines (and dirty up some clean ones), each marked with its kind in ``_kind``."""
    n = len(frame)
    clean = np.flatnonzero(frame["_kind"].isna().to_numpy())
    purchases = frame.iloc[clean]
    invoices = purchases.drop_duplicates("_invoice")
    new = []

    def lines_on(invoice_rows: pd.DataFrame, kind: str, product, quantity, price) -> pd.DataFrame:
        out = invoice_rows[["_time", "_invoice", s.CUSTOMER_ID]].copy()
        out["_product"] = product
        out[s.QUANTITY] = quantity
        out["_price"] = price
        out["_kind"] = kind
        return out

    def some(rows: pd.DataFrame, count: int) -> pd.DataFrame:
        count = min(len(rows), max(1, int(round(count))))
        return rows.iloc[np.sort(rng.choice(len(rows), size=count, replace=False))]

    n_products = len(products)
    price = products[s.UNIT_PRICE].to_numpy()
    # Guest orders: whole invoices without a customer (about 3% of invoices).
    guests = some(invoices, 0.03 * len(invoices))
    guest_lines = purchases[purchases["_invoice"].isin(guests["_invoice"])].copy()
    guest_lines["_invoice"] = 10_000_000 + guest_lines["_invoice"]
    # Each guest invoice is placed a few hours or days after the one it is modelled on.
    guest_invoice, _ = pd.factorize(guest_lines["_invoice"])
    shift = rng.integers(1, 5000, guest_invoice.max() + 1 if len(guest_invoice) else 0)
    guest_lines["_time"] += pd.to_timedelta(shift[guest_invoice], unit="min")
    guest_lines = guest_lines[guest_lines["_time"] < observed_until.to_datetime64()]
    guest_lines[s.CUSTOMER_ID] = None
    guest_lines["_kind"] = "missing_customer"
    new.append(guest_lines)
    # Non-product lines on existing invoices: postage, bank charges, manual adjustments.
    for code, share, amount in (("POST", 0.03, 18.0), ("BANK CHARGES", 0.002, 15.0)):
        rows = some(invoices, share * len(invoices))
        new.append(lines_on(rows, "non_product", code, 1, amount))
    rows = some(invoices, 0.004 * len(invoices))
    new.append(lines_on(rows, "non_product", "M", 1, rng.uniform(0.5, 50, len(rows)).round(2)))
    # Free samples at price 0 and a few data-entry errors with a negative price.
    rows = some(invoices, 0.004 * len(invoices))
    product = rng.integers(0, n_products, len(rows))
    new.append(lines_on(rows, "zero_price", product, 1, 0.0))
    rows = some(invoices, max(5, 0.0003 * len(invoices)))
    product = rng.integers(0, n_products, len(rows))
    new.append(lines_on(rows, "negative_price", product, 1, -price[product]))
    # Extreme quantities: a typing slip adds zeros.
    rows = some(invoices, max(4, 0.0001 * len(invoices)))
    product = rng.integers(0, n_products, len(rows))
    quantity = rng.choice([12_000, 24_000, 48_000, 80_995], len(rows))
    new.append(lines_on(rows, "extreme_quantity", product, quantity, price[product]))
    # A test account placing orders through the observed window.
    n_test = max(3, int(0.002 * len(invoices)))
    test_days = rng.integers(0, (observed_until - start).days, n_test)
    test_rows = pd.DataFrame(
        {
            "_time": (start + pd.to_timedelta(test_days * 1440 + 600, unit="min")).to_numpy(),
            "_invoice": 20_000_000 + np.arange(n_test),
            s.CUSTOMER_ID: TEST_ACCOUNT,
        }
    )
    product = rng.integers(0, n_products, n_test)
    new.append(lines_on(test_rows, "test_account", product, 1, price[product]))
    # Returns of goods bought before the data starts (or never bought): nothing to net.
    rows = some(invoices, max(5, 0.002 * len(invoices)))
    bought = set(zip(purchases[s.CUSTOMER_ID], purchases["_product"], strict=True))
    product = rng.integers(0, n_products, len(rows))
    never = np.array(
        [(c, k) not in bought for c, k in zip(rows[s.CUSTOMER_ID], product, strict=True)]
    )
    unmatched = lines_on(rows, "unmatched_cancellation", product, -1, price[product])[never]
    unmatched["_invoice"] = -30_000_000 - unmatched["_invoice"]
    new.append(unmatched)

    frame = pd.concat([frame, *new], ignore_index=True)
    frame["_row"] = np.arange(len(frame), dtype="float64")
    # Exact duplicates: about 1% of clean lines, placed right after their original.
    originals = rng.choice(clean, size=int(0.01 * n), replace=False)
    copies = frame.iloc[originals].copy()
    copies["_kind"] = "duplicate"
    copies["_row"] += 0.5
    frame = pd.concat([frame, copies], ignore_index=True)
    # Clean lines dirtied in place: bad dates and messy text (never the duplicated ones).
    free = np.setdiff1d(clean, originals)
    chosen = rng.choice(free, size=max(10, int(0.02 * n)), replace=False)
    n_bad = max(5, int(0.0004 * n))
    frame.loc[chosen[:n_bad], "_kind"] = "bad_date"
    frame.loc[chosen[n_bad:], "_kind"] = "messy_text"
    return frame


def finish_order_lines(
    frame: pd.DataFrame, products: pd.DataFrame, *, title_case: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Order the lines by time, number the invoices, write dates as text, list the dirt.

    Every third messy text is a description in title case, or, with ``title_case=False``
    (descriptions in Chinese, which have no case), one with a full-width space (U+3000, as a
    Chinese input method types it) in front.
    """
    if "_row" not in frame:
        frame = frame.assign(_row=np.arange(len(frame), dtype="float64"))
    frame = frame.sort_values(["_time", "_invoice", "_row"], kind="stable").reset_index(drop=True)
    # Invoice numbers in time order; returns get a "C" in front, as in Online Retail.
    number = 500_001 + pd.factorize(frame["_invoice"])[0]
    is_return = frame[s.QUANTITY].to_numpy() < 0
    invoice = np.where(is_return, "C", "") + number.astype(str).astype(object)
    codes = products[s.PRODUCT_ID].to_numpy()
    names = products[s.DESCRIPTION].to_numpy()
    special = {"POST": "POSTAGE", "BANK CHARGES": "BANK CHARGES", "M": "MANUAL"}
    is_code = frame["_product"].map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    position = np.where(is_code, 0, frame["_product"].where(~is_code, 0)).astype("int64")
    product_id = np.where(is_code, frame["_product"], codes[position]).astype(object)
    description = np.where(
        is_code, frame["_product"].map(lambda v: special.get(v, v)), names[position]
    ).astype(object)
    price = products[s.UNIT_PRICE].to_numpy()[position]
    if "_price" in frame:
        price = np.where(frame["_price"].notna(), frame["_price"], price)
    dates = (
        pd.DatetimeIndex(frame["_time"]).strftime("%Y-%m-%d %H:%M:%S").to_numpy(dtype=object).copy()
    )
    kind = frame["_kind"].to_numpy(dtype=object)
    rng = np.random.default_rng(len(frame))  # dirt in text: deterministic given the lines
    bad = np.flatnonzero(kind == "bad_date")
    spoilt = np.array(["2023-02-30 10:15:00", "31/13/2024 09:00", "not recorded", "00:00:00"])
    dates[bad] = spoilt[np.arange(len(bad)) % len(spoilt)]
    messy = np.flatnonzero(kind == "messy_text")
    for i, row in enumerate(messy):
        if i % 3 == 0:
            product_id[row] = f" {product_id[row].lower()}"
        elif i % 3 == 1:
            description[row] = f"{description[row]}  "
        elif title_case:
            description[row] = description[row].title()
        else:
            description[row] = f"\u3000{description[row]}"
    del rng
    order_lines = pd.DataFrame(
        {
            s.INVOICE_ID: invoice,
            s.INVOICE_DATE: dates,
            s.CUSTOMER_ID: frame[s.CUSTOMER_ID].to_numpy(dtype=object),
            s.PRODUCT_ID: product_id,
            s.DESCRIPTION: description,
            s.QUANTITY: frame[s.QUANTITY].to_numpy(dtype="int64"),
            s.UNIT_PRICE: np.round(price.astype("float64"), 2),
        }
    )
    dirty = np.flatnonzero(pd.notna(kind))
    dirt = pd.DataFrame({"row": dirty.astype("int64"), "kind": kind[dirty].astype(object)})
    return order_lines, dirt
