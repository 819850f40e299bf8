"""Backtest the purchase models on the synthetic shop, CDNOW and Online Retail (not timed).

Run: ``CVL_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/clv_backtest.py``. Each
dataset is backtested by :func:`helpers.clv.choose_purchase_model`, as the report does: the
lines up to an observation end, three calibration ends four weeks apart, each followed by the
same holdout (26 weeks when the lines cover 78 weeks or more). The script prints, per
dataset, the mean scores over the origins, each model's MAE difference with the chosen one
(with a 95% interval per origin) and the run time, as Markdown; ``--json FILE`` writes them.
A dataset whose file is missing is skipped with a line that says so.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from harness import write_json

from helpers import clv, datasets
from helpers.dates import day_after

#: (name, loader of clean lines, observation end): the synthetic shop's observed two years,
#: CDNOW's 78 weeks, Online Retail's year.
DATASETS = {
    "synthetic shop": (lambda: datasets.load_clean_transactions("synthetic")[0], "2024-12-31"),
    "CDNOW sample": (lambda: datasets.load_cdnow(), "1998-06-30"),
    "Online Retail": (lambda: datasets.load_clean_transactions("online_retail")[0], "2011-12-09"),
}
COLUMNS = ["mae", "bias", "total_error", "rmse", "top_capture", "gini", "bic", "rank"]


def backtest(name: str) -> dict | None:
    """Backtest one dataset; None when its file is missing."""
    load, end = DATASETS[name]
    try:
        lines = load()
    except FileNotFoundError as err:
        print(f"{name}: skipped ({err})")
        return None
    start = time.perf_counter()
    choice = clv.choose_purchase_model(lines, as_of=day_after(end))
    seconds = time.perf_counter() - start
    result = {"chosen": choice.name, "reason": choice.reason, "seconds": seconds}
    comparison = choice.comparison
    if comparison is None:
        result["log_likelihoods"] = choice.log_likelihoods
        return result
    result["origins"] = [f"{o:%Y-%m-%d}" for o in comparison.origins]
    result["holdout_weeks"] = comparison.holdout_length
    result["summary"] = comparison.summary[COLUMNS].reset_index()
    gaps = {}
    for model in comparison.summary["rank"].dropna().index:
        if model != choice.name:
            gaps[model] = clv.error_difference(comparison.predictions, choice.name, model)
    result["gaps"] = gaps
    return result


def markdown(name: str, result: dict) -> str:
    """One dataset's tables as Markdown."""
    lines = [f"### {name}", "", f"Chosen: **{result['chosen']}** ({result['seconds']:.1f} s).", ""]
    if "summary" not in result:
        lines.append(result["reason"])
        return "\n".join(lines)
    lines.append(
        f"Origins {', '.join(result['origins'])}; holdouts of {result['holdout_weeks']:.0f} weeks."
    )
    lines += ["", "| model | " + " | ".join(COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for row in result["summary"].itertuples(index=False):
        cells = [
            "–"
            if pd.isna(v)
            else (f"{v:,.1f}" if c == "bic" else f"{v:.3f}")
            if isinstance(v, float)
            else str(v)
            for c, v in zip(COLUMNS, row[1:], strict=True)
        ]
        lines.append(f"| {row[0]} | " + " | ".join(cells) + " |")
    for model, gap in result["gaps"].items():
        spans = "; ".join(
            f"{origin:%Y-%m-%d} {g.difference:+.3f} [{g.lower:+.3f}, {g.upper:+.3f}]"
            for origin, g in gap.iterrows()
        )
        lines.append(f"\nMAE {result['chosen']} − {model} per origin (95%): {spans}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the backtests and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", help="write the results to this file too")
    args = parser.parse_args(argv)
    out = {}
    for name in DATASETS:
        result = backtest(name)
        if result is not None:
            print(markdown(name, result), "\n", flush=True)
            out[name] = {
                k: (v.to_dict("records") if isinstance(v, pd.DataFrame) else v)
                for k, v in result.items()
                if k != "gaps"
            }
    write_json(args.json, {"backtests": out})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
