"""Time order lines -> per-customer summary (frequency, recency, T, monetary) against its peers.

Run: ``.venv/bin/python benchmarks/summary.py`` (``--sizes 100000 1000000`` for fewer rows,
``--json FILE`` for the figures, ``--lifetimes PYTHON`` for an interpreter that has lifetimes
0.11.3; by default its own venv is used, made when missing). Not part of the test run.

On synthetic order lines of 100k, 1M and 10M rows (:mod:`order_lines`: about 10 lines per
customer) :func:`helpers.clv_data.summary_data` (weeks, at the last day) is timed, best of
N, against

- lifetimes 0.11.3 ``summary_data_from_transaction_data`` (``freq="D"``,
  ``freq_multiplier=7``: the same purchase days and weeks), in its own interpreter on the
  same lines (read from a file; the reading is not timed);
- a per-customer pandas group-by-apply, as tutorials write it: run at the smallest size only
  (about 1 ms per customer); at larger sizes its time is extrapolated from the customers
  per second measured there, and marked so;
- a vectorised pandas group-by (per customer and day, then per customer: what
  ``summary_data`` did before it worked on sorted integer codes);
- the same query in DuckDB (:data:`helpers.scale_sql.CLV_SUMMARY`) over the same pandas frame
  (the SQL alone: its result is neither indexed nor sorted, ours is).

Frequency, recency and T must be identical to lifetimes' and DuckDB's; monetary value is
compared with a relative tolerance of 1e-9. Making the lines is timed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from harness import best_of, lifetimes_python, machine, write_json
from order_lines import cached_order_lines, load_npz, size_label

from helpers import scale_sql as q
from helpers import schema as s
from helpers.clv_data import summary_data

SIZES = (100_000, 1_000_000, 10_000_000)
EXACT = ["frequency", "recency", "T"]


def repeats(n_rows: int) -> tuple[int, int]:
    """Best of how many runs: for helpers and DuckDB, and for the slower peers.

    At 100k rows a run takes milliseconds, so more runs are needed for a steady best on a
    shared machine (every method gets the same treatment).
    """
    if n_rows <= 100_000:
        return 25, 10
    return (7, 3) if n_rows <= 1_000_000 else (3, 1)


LIFETIMES = """
import json, sys, time
import numpy as np, pandas as pd
from lifetimes.utils import summary_data_from_transaction_data
source, end, repeat, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
with np.load(source) as data:
    lines = pd.DataFrame({
        "customer_id": data["customer_id"].astype(object),
        "invoice_date": data["invoice_date"].view("datetime64[ns]"),
        "amount": data["amount"],
    })
best = float("inf")
for _ in range(repeat):
    start = time.perf_counter()
    out = summary_data_from_transaction_data(
        lines, "customer_id", "invoice_date", monetary_value_col="amount",
        observation_period_end=end, freq="D", freq_multiplier=7,
    )
    best = min(best, time.perf_counter() - start)
np.savez(target, customer_id=out.index.to_numpy(dtype=str),
         **{c: out[c].to_numpy(dtype=float) for c in out.columns})
print(json.dumps({"seconds": best, "pandas": pd.__version__}))
"""


def lifetimes_summary(python: str, source: Path, end: pd.Timestamp, repeat: int) -> tuple:
    """Time lifetimes on the lines in ``source``; return its best time and its summary."""
    with tempfile.TemporaryDirectory() as folder:
        script, target = Path(folder) / "lifetimes_summary.py", Path(folder) / "out.npz"
        script.write_text(LIFETIMES)
        arguments = [str(source), f"{end:%Y-%m-%d}", str(repeat), str(target)]
        done = subprocess.run(
            [python, str(script), *arguments], check=True, capture_output=True, text=True
        )
        with np.load(target) as data:
            frame = pd.DataFrame({k: data[k] for k in data.files if k != s.CUSTOMER_ID})
            frame.index = pd.Index(data[s.CUSTOMER_ID].astype(object), name=s.CUSTOMER_ID)
    return json.loads(done.stdout.strip().splitlines()[-1])["seconds"], frame


def group_by_apply(lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Summarise one customer at a time with ``groupby().apply`` (what tutorials write)."""

    def one(orders: pd.DataFrame) -> pd.Series:
        spend = orders.groupby(orders[s.INVOICE_DATE].dt.normalize())[s.AMOUNT].sum()
        first, last = spend.index.min(), spend.index.max()
        return pd.Series(
            {
                "frequency": len(spend) - 1,
                "recency": (last - first).days / 7,
                "T": (end - first).days / 7,
                "monetary_value": spend.iloc[1:].mean() if len(spend) > 1 else 0.0,
            }
        )

    return lines.groupby(s.CUSTOMER_ID)[[s.INVOICE_DATE, s.AMOUNT]].apply(one)


def pandas_group_by(lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Summarise with two vectorised group-bys: per customer and day, then per customer."""
    days = lines.assign(day=lines[s.INVOICE_DATE].dt.normalize())
    days = days.groupby([s.CUSTOMER_ID, "day"], as_index=False)[s.AMOUNT].sum()
    per_customer = days.groupby(s.CUSTOMER_ID)
    first, last = per_customer["day"].min(), per_customer["day"].max()
    frequency = per_customer.size() - 1
    repeat_spend = per_customer[s.AMOUNT].sum() - per_customer[s.AMOUNT].first()
    return pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).dt.days / 7,
            "T": (end - first).dt.days / 7,
            "monetary_value": (repeat_spend / frequency.where(frequency > 0)).fillna(0.0),
        }
    )


def duckdb_query(lines: pd.DataFrame, end: pd.Timestamp):
    """Return a function running :data:`helpers.scale_sql.CLV_SUMMARY` on DuckDB over ``lines``."""
    import duckdb

    connection = duckdb.connect()
    connection.register("cvl_frame", q.for_duckdb(lines))
    connection.execute(
        "CREATE VIEW cvl_lines AS SELECT customer_id, invoice_date, amount FROM cvl_frame"
    )
    sql = q.render(
        q.CLV_SUMMARY, "duckdb", end=f"DATE '{end:%Y-%m-%d}'", period_days="CAST(7 AS DOUBLE)"
    )
    return lambda: connection.execute(sql).df()


def differences(ours: pd.DataFrame, theirs: pd.DataFrame) -> dict:
    """Compare a peer's summary with ours: same customers, F/R/T identical, money rel. gap."""
    theirs = theirs.set_index(s.CUSTOMER_ID) if s.CUSTOMER_ID in theirs.columns else theirs
    theirs.index = theirs.index.astype(str)
    same_customers = len(theirs) == len(ours) and bool(theirs.index.isin(ours.index).all())
    if not same_customers:
        return {"same_customers": False, "identical_frt": False, "monetary_rel_gap": None}
    theirs = theirs.reindex(ours.index)
    identical = all(
        np.array_equal(ours[c].to_numpy(dtype=float), theirs[c].to_numpy(dtype=float))
        for c in EXACT
    )
    money = ours["monetary_value"].to_numpy()
    gap = np.abs(money - theirs["monetary_value"].to_numpy()) / np.maximum(np.abs(money), 1.0)
    return {"same_customers": True, "identical_frt": identical, "monetary_rel_gap": float(max(gap))}


def bench_size(n_rows: int, folder: Path, python: str, apply_rate: float | None) -> dict:
    """Time every method on ``n_rows`` lines; return the figures."""
    source, made_in = cached_order_lines(n_rows, folder)
    lines = load_npz(source)
    end = lines[s.INVOICE_DATE].max().normalize()
    label = size_label(n_rows)
    load = os.getloadavg()[0]
    repeat, peer_repeat = repeats(n_rows)
    as_of = end + pd.Timedelta(days=1)  # midnight after the last line's day
    ours_s, ours = best_of(lambda: summary_data(lines, as_of=as_of, period="W"), repeat)
    row = {
        "rows": n_rows,
        "customers": len(ours),
        "generation_s": round(made_in, 1),
        "helpers_s": ours_s,
    }
    peers = {}
    print(f"{label}: helpers {ours_s:.3f} s; lifetimes ...", flush=True)
    peers["lifetimes"] = lifetimes_summary(python, source, end, peer_repeat)
    print(f"{label}: lifetimes {peers['lifetimes'][0]:.2f} s; DuckDB ...", flush=True)
    peers["duckdb"] = best_of(duckdb_query(lines, end), repeat)
    peers["pandas_group_by"] = best_of(lambda: pandas_group_by(lines, end), peer_repeat)
    if apply_rate is None:
        print(f"{label}: group-by-apply (about 1 ms a customer) ...", flush=True)
        seconds, result = best_of(lambda: group_by_apply(lines, end), 1)
        peers["group_by_apply"] = (seconds, result.reset_index())
        row["group_by_apply_extrapolated"] = False
    else:
        row["group_by_apply_extrapolated"] = True
        row["group_by_apply_s"] = len(ours) / apply_rate
    for name, (seconds, result) in peers.items():
        row[f"{name}_s"] = seconds
        row[name] = differences(ours, result)
    row["load_average"] = [round(load, 2), round(os.getloadavg()[0], 2)]
    return row


def print_table(rows: list[dict]) -> None:
    """Print seconds and ratios (peer time / helpers time) per size."""
    print(f"\nper-customer summary, best of N, {machine()['cores']} cores")
    header = f"{'rows':>6} {'customers':>10} {'helpers':>8} {'lifetimes':>16} "
    header += f"{'group-by-apply':>20} {'pandas group-by':>17} {'DuckDB':>14}"
    print(header)
    for row in rows:

        def cell(name: str, row: dict = row) -> str:
            ratio = row[f"{name}_s"] / row["helpers_s"]
            mark = "~" if name == "group_by_apply" and row["group_by_apply_extrapolated"] else ""
            return f"{mark}{row[f'{name}_s']:.2f} s {mark}{ratio:.1f}x"

        print(
            f"{size_label(row['rows']):>6} {row['customers']:>10,} {row['helpers_s']:>6.3f} s "
            f"{cell('lifetimes'):>16} {cell('group_by_apply'):>20} "
            f"{cell('pandas_group_by'):>17} {cell('duckdb'):>14}"
        )
    for row in rows:
        checks = ", ".join(
            f"{name}: F/R/T {'identical' if row[name]['identical_frt'] else 'DIFFERENT'}"
            f" (money gap {row[name]['monetary_rel_gap']:.0e})"
            for name in ("lifetimes", "duckdb", "pandas_group_by", "group_by_apply")
            if name in row
        )
        print(f"{size_label(row['rows'])}: {checks}; lines made in {row['generation_s']} s")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark at every size; print the table; write JSON with ``--json``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--lifetimes", help="a Python interpreter with lifetimes 0.11.3")
    parser.add_argument("--data", type=Path, help="folder for the generated lines (kept)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args(argv)
    python = lifetimes_python(args.lifetimes)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.data or Path(scratch)
        apply_rate = None  # customers per second of group-by-apply, from the smallest size
        for n_rows in sorted(args.sizes):
            row = bench_size(n_rows, folder, python, apply_rate)
            if apply_rate is None:
                apply_rate = row["customers"] / row["group_by_apply_s"]
            rows.append(row)
    print_table(rows)
    checks = [row[peer]["identical_frt"] for row in rows for peer in ("lifetimes", "duckdb")]
    write_json(args.json, {"benchmark": "summary", "rows": rows})
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
