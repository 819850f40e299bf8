"""Time the chapter 07 models: BG/NBD and Gamma-Gamma on CDNOW and on ~1M synthetic lines.

Run: ``CVL_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/clv_fit.py``. With
``--lifetimes PYTHON`` (a Python with lifetimes 0.11.3, pandas<3 and setuptools<81, e.g. a
separate venv) the same summary data are fitted by lifetimes too and the ratio is printed;
``--json FILE`` writes the figures too. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

from helpers import clv, clv_data
from helpers.cleaning import clean_transactions
from helpers.datasets import load_cdnow
from helpers.synthetic import make_synthetic

LIFETIMES = """
import json, sys, time
import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
data = pd.read_csv(sys.argv[1])
repeat = data[data["frequency"] > 0]
out = {"bgnbd": float("inf"), "gamma_gamma": float("inf")}
for _ in range(3):  # best of three, as for ours
    start = time.perf_counter()
    bg = BetaGeoFitter().fit(data["frequency"], data["recency"], data["T"])
    out["bgnbd"] = min(out["bgnbd"], time.perf_counter() - start)
    start = time.perf_counter()
    gg = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    out["gamma_gamma"] = min(out["gamma_gamma"], time.perf_counter() - start)
out["bgnbd_params"] = {k: float(v) for k, v in bg.params_.items()}
out["gamma_gamma_params"] = {k: float(v) for k, v in gg.params_.items()}
print(json.dumps(out))
"""


def timed(function, *args, repeat: int = 3, **kwargs) -> tuple[float, object]:
    """Best wall time of ``repeat`` calls, and the last result."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return best, result


def lifetimes_times(python: str, summary) -> dict[str, float]:
    """Fit times of lifetimes 0.11.3 on the same summary, in its own interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "summary.csv"
        summary[["frequency", "recency", "T", "monetary_value"]].to_csv(path, index=False)
        script = Path(folder) / "fit.py"
        script.write_text(LIFETIMES)
        done = subprocess.run(
            [python, str(script), str(path)], check=True, capture_output=True, text=True
        )
    return json.loads(done.stdout.strip().splitlines()[-1])


def largest_gap(ours, theirs: dict[str, float], names: dict[str, str]) -> float:
    """Largest absolute difference between our parameters and lifetimes' (its names)."""
    return max(abs(float(ours.params_[name]) - theirs[peer]) for name, peer in names.items())


def main() -> None:
    """Print fit times per dataset and model (and lifetimes' with ``--lifetimes``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=30_000, help="synthetic customers")
    parser.add_argument("--lifetimes", help="a Python interpreter with lifetimes 0.11.3")
    parser.add_argument(
        "--cdnow-master", help="the full CDNOW_master.txt (23,570 customers), when you have it"
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures = []

    start = time.perf_counter()
    data = make_synthetic(n_customers=args.customers, dirt=False)
    raw = data.order_lines.assign(invoice_date=lambda d: pd.to_datetime(d["invoice_date"]))
    lines, _ = clean_transactions(raw)
    print(
        f"synthetic: {len(data.order_lines):,} order lines, {args.customers:,} customers "
        f"(made and cleaned in {time.perf_counter() - start:.1f} s)"
    )
    transactions = {"CDNOW sample": (load_cdnow(), "1997-09-30")}
    if args.cdnow_master:
        transactions["CDNOW master"] = (load_cdnow(args.cdnow_master), "1997-09-30")
    transactions["synthetic"] = (lines, data.observation_end)
    for name, (frame, end) in transactions.items():
        row = {"dataset": name, "lines": len(frame)}
        t_summary, summary = timed(clv_data.summary_data, frame, end, period="W", repeat=1)
        t_bg, bg = timed(lambda s=summary: clv.BetaGeoModel().fit(s))
        t_gg, gg = timed(lambda s=summary: clv.GammaGamma().fit(s))
        print(
            f"\n{name}: {len(summary):,} customers, {bg.n_distinct_rows_:,} distinct rows; "
            f"summary data {t_summary:.2f} s"
        )
        print(f"  BG/NBD      {t_bg:7.3f} s  {bg}")
        print(f"  Gamma-Gamma {t_gg:7.3f} s  {gg}")
        row.update(customers=len(summary), bgnbd_s=t_bg, gamma_gamma_s=t_gg)
        figures.append(row)
        if args.lifetimes:
            peer = lifetimes_times(args.lifetimes, summary)
            gap_bg = largest_gap(bg, peer["bgnbd_params"], {k: k for k in bg.PARAMS})
            gap_gg = largest_gap(gg, peer["gamma_gamma_params"], {"p": "p", "q": "q", "gamma": "v"})
            row.update(
                lifetimes_bgnbd_s=peer["bgnbd"],
                lifetimes_gamma_gamma_s=peer["gamma_gamma"],
                bgnbd_gap=gap_bg,
                gamma_gamma_gap=gap_gg,
            )
            print(
                f"  lifetimes 0.11.3: BG/NBD {peer['bgnbd']:.3f} s "
                f"({peer['bgnbd'] / t_bg:.1f} x ours, largest parameter gap {gap_bg:.1e}), "
                f"Gamma-Gamma {peer['gamma_gamma']:.3f} s "
                f"({peer['gamma_gamma'] / t_gg:.1f} x ours, largest parameter gap {gap_gg:.1e})"
            )
    if args.json:
        Path(args.json).write_text(json.dumps({"benchmark": "clv_fit", "datasets": figures}) + "\n")


if __name__ == "__main__":
    main()
