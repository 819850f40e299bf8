"""Time the chapter 08 models' fits against lifetimes 0.11.3 (CDNOW, ~1M lines, donations).

BG/NBD, Modified BG/NBD, Pareto/NBD and Gamma-Gamma on the CDNOW sample (and the full
CDNOW master with ``--cdnow-master``) and on the synthetic shop (30,000 customers, about 1M
order lines); BG/BB on the donations table of Fader, Hardie & Shang (2010). Ours: best of 3.

Run: ``CVL_DATA_DIR=../shared/datasets .venv/bin/python benchmarks/clv_fit.py``. With
``--lifetimes PYTHON`` (a Python with lifetimes 0.11.3, pandas<3 and setuptools<81, e.g. a
separate venv; ``--lifetimes auto`` makes one in /tmp/lt) the same data are fitted by
lifetimes too, in its own interpreter, best of 3, and the ratio (lifetimes' time over ours),
the largest parameter gap and the log-likelihood gap (ours at our estimate minus ours at
lifetimes' estimate, >= 0 when we found the higher maximum) are printed; ``--json FILE``
writes the figures too. Not part of the test run.

lifetimes' Pareto/NBD fitter searches by Nelder-Mead with ``tol=1e-4`` by default, which can
stop short of the maximum on the synthetic shop (its estimate varies from run to run: once
beta = 111 against 81, a log-likelihood 3.2 lower; once within 5e-3); it is run twice: with
its defaults, and with ``tol=1e-6``, which reaches our estimates (the speed-up at equal
parameters is read at the faster run within 1e-3 of ours). On more than 10,000 customers
each Pareto/NBD run of lifetimes takes tens of seconds: one run each (``--pareto-runs``),
not three.

Both libraries run with one BLAS thread (``OPENBLAS_NUM_THREADS=1`` unless set): on a shared
2-core machine OpenBLAS's second thread stalls a dot product of ~20,000 numbers for
milliseconds when the other core is busy (at load 3, our BG/NBD fit on the synthetic shop
took 0.1 s with one thread and 0.9 s with two).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before NumPy loads OpenBLAS; see above

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from helpers import clv, clv_data  # noqa: E402
from helpers.cleaning import clean_transactions  # noqa: E402
from helpers.datasets import load_cdnow  # noqa: E402
from helpers.dates import day_after  # noqa: E402
from helpers.synthetic import make_synthetic  # noqa: E402

#: key -> (label, our class, lifetimes' fitter, our parameter name -> lifetimes')
MODELS = {
    "bgnbd": ("BG/NBD", clv.BetaGeoModel, "BetaGeoFitter", None),
    "mbgnbd": ("MBG/NBD", clv.ModifiedBetaGeoModel, "ModifiedBetaGeoFitter", None),
    "pareto": ("Pareto/NBD", clv.ParetoNBDModel, "ParetoNBDFitter", None),
    "gamma_gamma": ("Gamma-Gamma", clv.GammaGamma, "GammaGammaFitter", {"gamma": "v"}),
    "bgbb": ("BG/BB", clv.BetaGeoBetaBinomModel, "BetaGeoBetaBinomFitter", None),
}
PURCHASE = ("bgnbd", "mbgnbd", "pareto", "gamma_gamma")
PARETO_TIGHT = 1e-6  # lifetimes' Nelder-Mead tolerance that reaches our Pareto/NBD estimates
LARGE = 10_000  # customers above which lifetimes' Pareto/NBD runs --pareto-runs times

# Runs in lifetimes' interpreter: argv[1] is a JSON list of jobs, prints one JSON line.
LIFETIMES = """
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import pandas as pd
import lifetimes
out = []
for job in json.load(open(sys.argv[1])):
    data = pd.read_csv(job["csv"])
    fitter = getattr(lifetimes, job["fitter"])
    best = float("inf")
    for _ in range(job["repeat"]):
        start = time.perf_counter()
        if job["kind"] == "spend":
            repeat = data[data["frequency"] > 0]
            model = fitter().fit(repeat["frequency"], repeat["monetary_value"], **job["options"])
        elif job["kind"] == "bgbb":
            model = fitter().fit(
                data["frequency"], data["recency"], data["periods"], data["weights"],
                **job["options"]
            )
        else:
            model = fitter().fit(data["frequency"], data["recency"], data["T"], **job["options"])
        best = min(best, time.perf_counter() - start)
    params = {k: float(v) for k, v in model.params_.items()}
    out.append({"key": job["key"], "seconds": best, "params": params})
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


def lifetimes_fits(python: str, data: pd.DataFrame, jobs: list[dict]) -> dict[str, dict]:
    """Fit times and estimates of lifetimes 0.11.3 on ``data``, in its own interpreter."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        data.to_csv(path, index=False)
        for job in jobs:
            job["csv"] = str(path)
        spec = Path(folder) / "jobs.json"
        spec.write_text(json.dumps(jobs))
        script = Path(folder) / "fit.py"
        script.write_text(LIFETIMES)
        done = subprocess.run(
            [python, str(script), str(spec)], check=True, capture_output=True, text=True
        )
    return {item["key"]: item for item in json.loads(done.stdout.strip().splitlines()[-1])}


def their_params(key: str, model, theirs: dict[str, float]) -> np.ndarray:
    """lifetimes' estimates in our parameters' order."""
    names = MODELS[key][3] or {}
    return np.array([theirs[names.get(name, name)] for name in model.PARAMS])


def loglik_gap(model, params: np.ndarray, columns: tuple[np.ndarray, ...], weights) -> float:
    """Our log-likelihood at our estimate minus at ``params`` (same data, same function)."""
    with np.errstate(all="ignore"):
        at_theirs = float(weights @ model._loglik(params, *columns))
    return model.log_likelihood_ - at_theirs


def load_average() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def main() -> None:
    """Print fit times per dataset and model (and lifetimes' with ``--lifetimes``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=30_000, help="synthetic customers")
    parser.add_argument("--lifetimes", help="a Python with lifetimes 0.11.3 ('auto': make one)")
    parser.add_argument(
        "--cdnow-master", help="the full CDNOW_master.txt (23,570 customers), when you have it"
    )
    parser.add_argument(
        "--donations", help="the donations table (default: $CVL_DATA_DIR/donations.csv)"
    )
    parser.add_argument(
        "--pareto-runs",
        type=int,
        default=1,
        help=f"runs of lifetimes' Pareto/NBD on more than {LARGE:,} customers (default 1)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    python = args.lifetimes
    if python == "auto":
        from harness import lifetimes_python

        python = lifetimes_python()
    figures = []
    before = os.getloadavg()
    threads = os.environ["OPENBLAS_NUM_THREADS"]
    print(
        f"load average {before[0]:.2f} {before[1]:.2f} {before[2]:.2f} on {os.cpu_count()} "
        f"cores; OPENBLAS_NUM_THREADS={threads} (ours and lifetimes')"
    )

    start = time.perf_counter()
    data = make_synthetic(n_customers=args.customers, dirt=False)
    raw = data.order_lines.assign(invoice_date=lambda d: pd.to_datetime(d["invoice_date"]))
    lines, _ = clean_transactions(raw)
    print(
        f"synthetic: {len(data.order_lines):,} order lines, {args.customers:,} customers "
        f"(made and cleaned in {time.perf_counter() - start:.1f} s)"
    )
    datasets: dict[str, tuple[pd.DataFrame, int, tuple[str, ...]]] = {}
    transactions = {"CDNOW sample": (load_cdnow(), "1997-09-30")}
    if args.cdnow_master:
        transactions["CDNOW master"] = (load_cdnow(args.cdnow_master), "1997-09-30")
    transactions["synthetic"] = (lines, data.observation_end)
    summary_seconds = {}
    for name, (frame, end) in transactions.items():
        summary_seconds[name], summary = timed(
            clv_data.summary_data, frame, as_of=day_after(end), period="W", repeat=1
        )
        datasets[name] = (summary, len(frame), PURCHASE)
    donations = Path(args.donations or Path(os.environ.get("CVL_DATA_DIR", ".")) / "donations.csv")
    if donations.is_file():
        datasets["donations"] = (pd.read_csv(donations), 0, ("bgbb",))
    else:
        print(f"no BG/BB: {donations} not found (set CVL_DATA_DIR or pass --donations)")

    for name, (summary, lines_count, keys) in datasets.items():
        row = {"dataset": name, "lines": lines_count, "load_before": load_average(), "models": {}}
        bgbb = keys == ("bgbb",)
        row["customers"] = int(summary["weights"].sum()) if bgbb else len(summary)
        fits = {}
        for key in keys:
            cls = MODELS[key][1]
            options = {"weights": summary["weights"]} if bgbb else {}
            seconds, model = timed(lambda c=cls, s=summary, o=options: c().fit(s, **o))
            fits[key] = model
            row["models"][key] = {
                "seconds": seconds,
                "params": model.params_.to_dict(),
                "log_likelihood": model.log_likelihood_,
                "converged": bool(model.converged_),
            }
        distinct = next(iter(fits.values())).n_distinct_rows_
        extra = f"; summary data {summary_seconds[name]:.2f} s" if name in summary_seconds else ""
        print(f"\n{name}: {row['customers']:,} customers, {distinct:,} distinct rows{extra}")
        for key, model in fits.items():
            print(f"  {MODELS[key][0]:<12}{row['models'][key]['seconds']:7.3f} s  {model}")

        if python:
            large = row["customers"] > LARGE
            jobs = []
            for key in keys:
                kind = "spend" if key == "gamma_gamma" else "bgbb" if bgbb else "purchase"
                repeat = args.pareto_runs if key == "pareto" and large else 3
                jobs.append(
                    {
                        "key": key,
                        "fitter": MODELS[key][2],
                        "kind": kind,
                        "repeat": repeat,
                        "options": {},
                    }
                )
                if key == "pareto":
                    jobs.append(
                        {
                            "key": "pareto_tight",
                            "fitter": MODELS[key][2],
                            "kind": kind,
                            "repeat": repeat,
                            "options": {"tol": PARETO_TIGHT, "maxiter": 20_000},
                        }
                    )
            columns = (
                ["frequency", "recency", "periods", "weights"]
                if bgbb
                else ["frequency", "recency", "T", "monetary_value"]
            )
            peer = lifetimes_fits(python, summary[columns], jobs)
            note = f"; Pareto/NBD {args.pareto_runs} run" if large and "pareto" in keys else ""
            print(f"  lifetimes 0.11.3 (best of 3{note}):")
            for job in jobs:
                key = job["key"]
                base = "pareto" if key == "pareto_tight" else key
                model, figure = fits[base], row["models"][base]
                theirs = their_params(base, model, peer[key]["params"])
                if base == "gamma_gamma":
                    repeat_buyers = summary[summary["frequency"] > 0]
                    cols = (
                        repeat_buyers["frequency"].to_numpy(float),
                        repeat_buyers["monetary_value"].to_numpy(float),
                    )
                    weights = np.ones(len(repeat_buyers))
                else:
                    cols = tuple(summary[c].to_numpy(float) for c in columns[:3])
                    weights = summary["weights"].to_numpy(float) if bgbb else np.ones(len(summary))
                entry = {
                    "seconds": peer[key]["seconds"],
                    "runs": job["repeat"],
                    "params": dict(zip(model.PARAMS, theirs.tolist(), strict=True)),
                    "gap": float(np.max(np.abs(model.params_.to_numpy() - theirs))),
                    "loglik_gap": loglik_gap(model, theirs, cols, weights),
                }
                if key == "pareto_tight":
                    entry["tol"] = PARETO_TIGHT
                    figure["lifetimes_tight"] = entry
                else:
                    figure["lifetimes"] = entry
                label = MODELS[base][0] + (
                    f" tol={PARETO_TIGHT:g}" if key == "pareto_tight" else ""
                )
                ratio = entry["seconds"] / figure["seconds"]
                runs = f"{entry['runs']} run{'s' if entry['runs'] > 1 else ''}"
                print(
                    f"    {label:<22}{entry['seconds']:8.3f} s ({ratio:5.1f} x ours; {runs}), "
                    f"largest parameter gap {entry['gap']:.1e}, log-likelihood at its "
                    f"estimate {entry['loglik_gap']:.1e} below ours"
                )
        row["load_after"] = load_average()
        figures.append(row)
    after = os.getloadavg()
    print(f"\nload average {after[0]:.2f} {after[1]:.2f} {after[2]:.2f}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "benchmark": "clv_fit",
                    "blas_threads": threads,
                    "pareto_tight_tol": PARETO_TIGHT,
                    "datasets": figures,
                },
                indent=1,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
