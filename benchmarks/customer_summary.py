"""Time the per-customer summary (customer_summary, rfm_table) against DuckDB's query.

Run: ``.venv/bin/python benchmarks/customer_summary.py`` (``--sizes 1000000`` for fewer rows,
``--repeat N`` for the best of N (default 7 at 1M, 3 at 10M), ``--data FOLDER`` to keep the
generated lines, ``--json FILE`` for the figures). Not part of the test run.

On synthetic order lines of 1M and 10M rows (:mod:`order_lines`: about 10 lines per customer,
sorted by time, not by customer), with the customer ids as integers and as text (pandas
``str``), in one process, best of N:

- :func:`helpers.customers.customer_summary` and :func:`helpers.rfm.rfm_table` (every line,
  ``as_of`` the midnight after the last line's day), both on
  :mod:`helpers.customer_aggregates`;
- :func:`helpers.clv_data.summary_data`, the other summary on that core, for scale;
- DuckDB over the same pandas frame, default threads: ``count(distinct invoice_id),
  min/max(invoice_date), sum(amount)`` by customer (the issue's query), and the course's own
  SQL for the two functions, :data:`helpers.scale_sql.CUSTOMER_SUMMARY` and
  :data:`helpers.scale_sql.RFM_TABLE` (exact sums in integer millionths). DuckDB's results are
  neither indexed nor sorted; ours are.

The ratios printed are DuckDB's time over ours (above 1: ours is quicker). Purchases must
equal DuckDB's, revenue within a relative 1e-9. The load average is printed before and after:
the machine may be shared.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from harness import best_of, machine, write_json
from order_lines import cached_order_lines, load_npz, size_label

from helpers import scale_sql as q
from helpers import schema as s
from helpers.clv_data import summary_data
from helpers.customers import customer_summary
from helpers.rfm import rfm_table

SIZES = (1_000_000, 10_000_000)
KINDS = ("integer", "text")

#: The issue's DuckDB query: what customer_summary computes, in one group-by.
SIMPLE = """
SELECT customer_id, count(DISTINCT invoice_id) AS purchases, sum(amount) AS revenue,
       min(invoice_date) AS first_purchase, max(invoice_date) AS last_purchase
FROM cvl_lines GROUP BY customer_id
"""


def lines_of(source: Path, kind: str) -> pd.DataFrame:
    """Read the lines with their invoices; customer ids as int64 or as text."""
    lines = load_npz(source, products=True).drop(columns=s.PRODUCT_ID)
    if kind == "integer":
        lines[s.CUSTOMER_ID] = lines[s.CUSTOMER_ID].astype("int64")
    return lines


def duckdb_queries(lines: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Callable]:
    """Return functions running the DuckDB queries over ``lines`` (default threads)."""
    import duckdb

    connection = duckdb.connect()
    connection.register("cvl_lines", q.for_duckdb(lines))
    stamp = f"TIMESTAMP '{as_of:%Y-%m-%d %H:%M:%S}'"
    texts = {
        "duckdb_simple": SIMPLE,
        "duckdb_customer_summary": q.render(q.CUSTOMER_SUMMARY, "duckdb", where="TRUE"),
        "duckdb_rfm_table": q.render(
            q.RFM_TABLE, "duckdb", where=f"invoice_date < {stamp}", as_of=stamp
        ),
    }
    return {name: (lambda sql=sql: connection.execute(sql).df()) for name, sql in texts.items()}


def agrees(ours: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    """Same customers and purchases as ours, revenue within a relative 1e-9."""
    theirs = theirs.set_index(s.CUSTOMER_ID)
    if len(theirs) != len(ours) or not theirs.index.isin(ours.index).all():
        return False
    theirs = theirs.reindex(ours.index)
    money = ours["revenue"].to_numpy()
    gap = np.abs(money - theirs["revenue"].to_numpy(dtype=float)) / np.maximum(money, 1.0)
    same = np.array_equal(ours["purchases"].to_numpy(), theirs["purchases"].to_numpy())
    return same and float(gap.max()) < 1e-9


def bench(n_rows: int, kind: str, folder: Path, repeat: int) -> dict:
    """Time every method on ``n_rows`` lines with ``kind`` customer ids; return the figures."""
    source, _ = cached_order_lines(n_rows, folder)
    lines = lines_of(source, kind)
    as_of = lines[s.INVOICE_DATE].max().normalize() + pd.Timedelta(days=1)
    row: dict = {"rows": n_rows, "ids": kind, "repeat": repeat, "load_before": os.getloadavg()}
    ours = {
        "customer_summary": lambda: customer_summary(lines),
        "rfm_table": lambda: rfm_table(lines, as_of),
        "summary_data": lambda: summary_data(lines, as_of=as_of),
    }
    results = {}
    for name, function in {**ours, **duckdb_queries(lines, as_of)}.items():
        row[f"{name}_s"], results[name] = best_of(function, repeat)
    summary = results["customer_summary"]
    row["customers"] = len(summary)
    row["duckdb_agrees"] = agrees(summary, results["duckdb_simple"]) and agrees(
        summary, results["duckdb_customer_summary"]
    )
    row["load_after"] = os.getloadavg()
    return row


def print_table(rows: list[dict]) -> None:
    """Print seconds and DuckDB's time over ours."""
    print(f"\nper-customer summary, best of N (column 'N'), {machine()['cores']} cores")
    names = ["customer_summary", "rfm_table", "summary_data", "duckdb_simple"]
    names += ["duckdb_customer_summary", "duckdb_rfm_table"]
    print(f"{'rows':>5} {'ids':>7} {'N':>2} " + " ".join(f"{n:>24}" for n in names) + "  load")
    for row in rows:
        cells = " ".join(f"{row[f'{n}_s']:>22.3f} s" for n in names)
        load = f"{row['load_before'][0]:.2f} -> {row['load_after'][0]:.2f}"
        print(f"{size_label(row['rows']):>5} {row['ids']:>7} {row['repeat']:>2} {cells}  {load}")
    print("\nDuckDB's time / ours (above 1: ours is quicker)")
    for row in rows:
        ratios = {
            "customer_summary vs simple query": row["duckdb_simple_s"] / row["customer_summary_s"],
            "customer_summary vs CUSTOMER_SUMMARY": row["duckdb_customer_summary_s"]
            / row["customer_summary_s"],
            "rfm_table vs simple query": row["duckdb_simple_s"] / row["rfm_table_s"],
            "rfm_table vs RFM_TABLE": row["duckdb_rfm_table_s"] / row["rfm_table_s"],
        }
        text = ", ".join(f"{name} {ratio:.2f}x" for name, ratio in ratios.items())
        agree = "agrees" if row["duckdb_agrees"] else "DISAGREES"
        print(f"{size_label(row['rows']):>5} {row['ids']:>7}: {text}; DuckDB {agree}")


def main(argv: list[str] | None = None) -> int:
    """Run every size and kind of id; print the table; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument(
        "--repeat", type=int, help="best of how many runs (default 7 at 1M, 3 above)"
    )
    parser.add_argument("--data", type=Path, help="folder for the generated lines (kept)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.data or Path(scratch)
        for n_rows in sorted(args.sizes):
            for kind in args.kinds:
                repeat = args.repeat or (7 if n_rows <= 1_000_000 else 3)
                rows.append(bench(n_rows, kind, folder, repeat))
                done = rows[-1]
                print(
                    f"{size_label(n_rows)} {kind}: {done['customer_summary_s']:.3f} s", flush=True
                )
    print_table(rows)
    write_json(args.json, {"benchmark": "customer_summary", "rows": rows})
    return 0 if all(row["duckdb_agrees"] for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
