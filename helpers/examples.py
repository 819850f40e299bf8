"""Example exports in other shops' shapes, for trying the report on files no one here wrote.

The course's synthetic shop (:func:`helpers.synthetic.make_synthetic`) written the way other
systems export an order log:

- :func:`order_totals`: one line per order with its total (customer, date, total), as a CRM
  export or the CDNOW master file has it: no invoice id, no products, no quantities;
- :func:`chinese_export`: a GB18030 file from a Chinese shop system opened in Excel: Chinese
  headers, day-first dates, one line per invoice.

``python -m helpers.examples --out datasets/examples`` writes both (``make data`` does);
README's report commands run on them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pandas as pd

from helpers import schema as s
from helpers.synthetic import make_synthetic

__all__ = ["CHINESE_COLUMNS", "chinese_export", "order_totals", "write_examples"]

#: The Chinese export's column -> canonical name (what ``--map`` says).
CHINESE_COLUMNS: dict[str, str] = {
    "订单号": s.INVOICE_ID,
    "下单时间": s.INVOICE_DATE,
    "客户编号": s.CUSTOMER_ID,
    "商品编码": s.PRODUCT_ID,
    "商品名称": s.DESCRIPTION,
    "数量": s.QUANTITY,
    "单价": s.UNIT_PRICE,
}


def _lines(seed: int, n_customers: int) -> pd.DataFrame:
    return make_synthetic(seed, n_customers, dirt=False).order_lines


def order_totals(seed: int = 11, n_customers: int = 400) -> pd.DataFrame:
    """Return one line per order: ``Customer``, ``Date`` (ISO day), ``Total`` (refunds < 0).

    Parameters
    ----------
    seed : int, default 11
        Seed of the synthetic shop.
    n_customers : int, default 400
        Its number of customers.

    Returns
    -------
    pandas.DataFrame
    """
    lines = _lines(seed, n_customers)
    lines[s.AMOUNT] = lines[s.QUANTITY] * lines[s.UNIT_PRICE]
    orders = lines.groupby([s.INVOICE_ID, s.CUSTOMER_ID, s.INVOICE_DATE], as_index=False)[
        s.AMOUNT
    ].sum()
    return pd.DataFrame(
        {
            "Customer": orders[s.CUSTOMER_ID],
            "Date": orders[s.INVOICE_DATE].str.slice(0, 10),
            "Total": orders[s.AMOUNT].round(2),
        }
    )


def chinese_export(seed: int = 12, n_customers: int = 400) -> pd.DataFrame:
    """Return one line per invoice with Chinese headers and day-first dates (dd/mm/yyyy HH:MM).

    Parameters
    ----------
    seed : int, default 12
        Seed of the synthetic shop.
    n_customers : int, default 400
        Its number of customers.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CHINESE_COLUMNS`; write it with ``encoding="gb18030"``.
    """
    lines = _lines(seed, n_customers).drop_duplicates(s.INVOICE_ID)
    dates = pd.to_datetime(lines[s.INVOICE_DATE], format="ISO8601")
    frame = pd.DataFrame(
        {
            "订单号": lines[s.INVOICE_ID],
            "下单时间": dates.dt.strftime("%d/%m/%Y %H:%M"),
            "客户编号": lines[s.CUSTOMER_ID],
            "商品编码": lines[s.PRODUCT_ID],
            "商品名称": "青花瓷 " + lines[s.DESCRIPTION],
            "数量": lines[s.QUANTITY],
            "单价": lines[s.UNIT_PRICE],
        }
    )
    return frame.reset_index(drop=True)


def write_examples(folder: str | os.PathLike) -> list[Path]:
    """Write ``order_totals.csv`` (UTF-8) and ``chinese_orders.csv`` (GB18030) to ``folder``.

    Parameters
    ----------
    folder : str or path-like
        Created if missing.

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    totals = folder / "order_totals.csv"
    order_totals().to_csv(totals, index=False, lineterminator="\n")
    chinese = folder / "chinese_orders.csv"
    chinese_export().to_csv(chinese, index=False, encoding="gb18030", lineterminator="\n")
    return [totals, chinese]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write the example exports.")
    parser.add_argument("--out", default="datasets/examples")
    for path in write_examples(parser.parse_args().out):
        print(path)
