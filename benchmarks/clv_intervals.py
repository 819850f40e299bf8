"""Per-customer intervals from parameter uncertainty: speed, coverage and a bootstrap check.

Run: ``.venv/bin/python benchmarks/clv_intervals.py`` (``--quick`` for fewer seeds and
refits, ``--json FILE`` to write the figures too). Not part of the test run. Four parts:

1. Speed of :func:`helpers.clv.customer_intervals` for BG/NBD expected purchases and
   P(alive), 100,000 customers x 500 draws, on one and two threads (best of three), on
   data in whole days as :func:`helpers.clv_data.summary_data` gives them, and on
   continuous times (every row distinct, the worst case); the CLV columns too; the per-draw
   path of the other models; the peak of traced memory.
2. Coverage on data simulated from BG/NBD with known parameters: how often the intervals of
   each customer's expected purchases hold the TRUE conditional expectation (computed at
   the true parameters), over many simulated data sets; likewise P(alive) of repeat buyers;
   and how often the parameter intervals and the predictive intervals hold the ACTUAL
   future count.
3. The synthetic shop (``helpers.datasets``): coverage of each customer's actual purchases
   in the truth table's future window. The parameter intervals omit the customer's own
   Poisson noise and the model's misspecification (the shop has seasonality and dropout
   after the first purchase), so they cover far fewer than nominal; the predictive
   intervals add the noise, not the misspecification.
4. Parametric bootstrap: SD of refitted log-parameters over the Laplace standard error.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from harness import best_of, machine

from helpers import clv, clv_data, datasets
from helpers.clv import bootstrap as iv

TRUTH = np.array([0.5, 4.0, 0.8, 2.5])  # r, alpha, a, b
SPEND = np.array([6.0, 4.0, 15.0])  # p, q, gamma


def simulate(n: int, seed: int, *, days: bool, future: float | None = None) -> pd.DataFrame:
    """BG/NBD customers first seen over two years (T in whole days); in weeks."""
    rng = np.random.default_rng(seed)
    t_obs = rng.integers(1, 731, n) / 7 if days else rng.uniform(1 / 7, 730 / 7, n)
    data = iv._simulate(
        iv._true_model(clv.BetaGeoModel, TRUTH), TRUTH, {"T": t_obs}, rng, future=future
    )
    if days:  # the last purchase on a whole day, as summary_data counts
        data["recency"] = np.floor(data["recency"] * 7) / 7
    spend = iv._simulate(clv.GammaGamma(), SPEND, {"x": data["frequency"].to_numpy()}, rng)
    data["monetary_value"] = spend["monetary_value"].to_numpy()
    data.attrs["period"] = "W"
    return data


def cpu_and_wall(function) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    return time.perf_counter() - wall, time.process_time() - cpu


def speed(quick: bool) -> dict:
    print("== 1. speed: BG/NBD expected purchases + P(alive), 500 draws ==")
    out = {}
    data = simulate(100_000, seed=1, days=True)
    bg = clv.BetaGeoModel().fit(data)
    gg = clv.GammaGamma().fit(data)
    rows = data[["frequency", "recency", "T"]].drop_duplicates()
    pairs = data[["frequency", "T"]].drop_duplicates()
    print(
        f"100,000 customers in whole days: {len(rows):,} distinct (x, t_x, T) rows, "
        f"{len(pairs):,} distinct (x, T) pairs; machine {machine()}"
    )
    repeat = 2 if quick else 3
    for jobs in (1, 2):
        wall, _ = best_of(lambda j=jobs: clv.customer_intervals(bg, data, t=26.0, n_jobs=j), repeat)
        _, cpu = cpu_and_wall(lambda j=jobs: clv.customer_intervals(bg, data, t=26.0, n_jobs=j))
        out[f"days_{jobs}_threads_s"] = wall
        print(f"  {jobs} thread(s): {wall:.2f} s wall (best of {repeat}), {cpu:.2f} s CPU")
    continuous = simulate(100_000, seed=2, days=False)
    bg_c = clv.BetaGeoModel().fit(continuous)
    wall, _ = best_of(lambda: clv.customer_intervals(bg_c, continuous, t=26.0, n_jobs=2), repeat)
    out["continuous_2_threads_s"] = wall
    print(f"  continuous times (100,000 distinct rows), 2 threads: {wall:.2f} s")
    wall, _ = best_of(
        lambda: clv.customer_intervals(
            bg, data, t=26.0, spend_model=gg, horizon=52, discount_rate=0.1, n_jobs=2
        ),
        1,
    )
    out["clv_2_threads_s"] = wall
    print(f"  with CLV (Gamma-Gamma, 52 weeks, 12 discounting steps), 2 threads: {wall:.2f} s")
    tracemalloc.start()
    clv.customer_intervals(bg, data, t=26.0, n_jobs=2)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["peak_traced_mb"] = peak
    print(f"  peak traced memory (NumPy and pandas allocations) of one run: {peak:.0f} MB")
    small = data.head(10_000)
    for cls in (clv.ModifiedBetaGeoModel, clv.ParetoNBDModel):
        model = cls().fit(small)
        wall, _ = best_of(lambda m=model: clv.customer_intervals(m, small, t=26.0, n_jobs=2), 1)
        out[f"{cls.__name__}_10k_s"] = wall
        print(f"  {cls.__name__} (per-draw path), 10,000 customers, 2 threads: {wall:.2f} s")
    return out


def covered(out: pd.DataFrame, name: str, target, level: str) -> pd.Series:
    return (out[f"{name}_lower_{level}"] <= target) & (target <= out[f"{name}_upper_{level}"])


def coverage_simulated(seeds: int, n: int = 2000, t: float = 26.0) -> dict:
    print(f"\n== 2. coverage on BG/NBD data with known parameters: {seeds} data sets x {n:,} ==")
    true = iv._true_model(clv.BetaGeoModel, TRUTH)
    rows = []
    for seed in range(seeds):
        data = simulate(n, seed=1000 + seed, days=True, future=t)
        model = clv.BetaGeoModel().fit(data)
        out = clv.customer_intervals(model, data, t=t, seed=seed)
        pred = clv.predictive_intervals(model, data, t=t, seed=seed)
        args = (data["frequency"], data["recency"], data["T"])
        target_e = true.conditional_expected_purchases(t, *args)
        target_p = true.probability_alive(*args)
        repeat = data["frequency"] > 0
        actual = data["future_purchases"]
        row = {}
        for level in ("80", "95"):
            row[f"E_{level}"] = covered(out, "expected_purchases", target_e, level).mean()
            row[f"P_{level}"] = covered(out, "probability_alive", target_p, level)[repeat].mean()
            row[f"actual_param_{level}"] = covered(out, "expected_purchases", actual, level).mean()
            row[f"actual_pred_{level}"] = covered(pred, "future_purchases", actual, level).mean()
        rows.append(row)
    table = pd.DataFrame(rows)
    summary = pd.DataFrame({"mean": table.mean(), "se": table.std(ddof=1) / np.sqrt(len(table))})
    labels = {
        "E": "true E[Y(t) | history] inside the expected-purchases interval",
        "P": "true P(alive) inside the P(alive) interval (repeat buyers)",
        "actual_param": "actual future count inside the expected-purchases interval",
        "actual_pred": "actual future count inside the predictive interval",
    }
    for key, label in labels.items():
        cells = []
        for lv in ("80", "95"):
            mean, se = summary.loc[f"{key}_{lv}"]
            cells.append(f"{lv}%: {mean:.3f} +- {se:.3f}")
        print(f"  {label:62s} {cells[0]}   {cells[1]}")
    print("  (+- one standard error over the data sets; within one data set the customers share")
    print("   one estimate, so the data sets, not the customers, are the independent draws)")
    return {k: float(v) for k, v in summary["mean"].items()}


def synthetic_shop(refits: int) -> dict:
    print("\n== 3. the synthetic shop: actual purchases in the truth table's future window ==")
    shop = datasets.load_synthetic()
    clean, _ = datasets.load_clean_transactions("synthetic")
    lines = clean[clean["invoice_date"] < shop.as_of]
    summary = clv_data.summary_data(lines, as_of=shop.as_of, period="W")
    truth = shop.truth.set_index("customer_id")
    actual = truth["future_purchases"].reindex(summary.index)
    t = (shop.future_end - shop.observation_end).days / 7
    model = clv.BetaGeoModel().fit(summary)
    out = clv.customer_intervals(model, summary, t=t)
    pred = clv.predictive_intervals(model, summary, t=t)
    print(
        f"  {len(summary):,} customers, future window {t:.1f} weeks; BG/NBD {model}; "
        f"predicted {out['expected_purchases'].sum():,.0f} purchases, actual {actual.sum():,}"
    )
    result = {}
    for level in ("80", "95"):
        param = covered(out, "expected_purchases", actual, level).mean()
        predictive = covered(pred, "future_purchases", actual, level).mean()
        result[f"param_{level}"], result[f"pred_{level}"] = float(param), float(predictive)
        print(
            f"  {level}%: parameter interval holds the actual count for {param:.3f}, "
            f"predictive interval for {predictive:.3f}"
        )
    # most customers' predictive intervals start at 0, where a count of 0 is covered
    # whatever the model says; the customers expected to buy show the misspecification
    active = pred["future_purchases_lower_80"] >= 1
    inside = covered(pred, "future_purchases", actual, "80")[active].mean()
    print(
        f"  customers whose 80% predictive interval excludes 0: {active.mean():.3f} of all; "
        f"coverage among them {inside:.3f}; their actual mean {actual[active].mean():.2f} vs "
        f"predicted {out.loc[active, 'expected_purchases'].mean():.2f}"
    )
    result["pred_80_active"] = float(inside)
    below = (actual < pred["future_purchases_lower_95"]).mean()
    above = (actual > pred["future_purchases_upper_95"]).mean()
    print(f"  outside the 95% predictive interval: {below:.3f} below, {above:.3f} above")
    boot = iv.parametric_bootstrap(model, summary, n_refits=refits, seed=1)
    print(f"  parametric bootstrap on the shop's fitted BG/NBD ({refits} refits):")
    print(boot.summary[["estimate", "laplace_sd_log", "bootstrap_sd_log", "sd_ratio"]].round(3))
    result["bootstrap_sd_ratio"] = boot.summary["sd_ratio"].round(3).to_dict()
    return result


def bootstrap_simulated(refits: int) -> dict:
    print(f"\n== 4. parametric bootstrap, 3,000 simulated BG/NBD customers, {refits} refits ==")
    data = simulate(3000, seed=5, days=False)
    model = clv.BetaGeoModel().fit(data)
    wall, boot = best_of(lambda: iv.parametric_bootstrap(model, data, n_refits=refits, seed=1), 1)
    print(boot.summary[["estimate", "laplace_sd_log", "bootstrap_sd_log", "sd_ratio"]].round(3))
    print(f"  ({wall:.1f} s; {int(boot.params['converged'].sum())} of {refits} refits converged)")
    return boot.summary["sd_ratio"].round(3).to_dict()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 data sets, 30 refits")
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    figures = {"machine": machine(), "speed": speed(args.quick)}
    figures["coverage_simulated"] = coverage_simulated(10 if args.quick else 60)
    refits = 30 if args.quick else 100
    figures["synthetic_shop"] = synthetic_shop(refits)
    figures["bootstrap_simulated"] = bootstrap_simulated(refits)
    if args.json:
        Path(args.json).write_text(json.dumps({"benchmark": "clv_intervals", **figures}) + "\n")


if __name__ == "__main__":
    main()
