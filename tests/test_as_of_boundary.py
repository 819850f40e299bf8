"""One analysis-date convention (issue 27, point 2): ``as_of`` is exclusive everywhere.

Every public helpers function that takes order lines and an ``as_of`` must ignore the lines
dated at or after it: its result on all the lines equals its result on the lines cut strictly
before ``as_of``. The fixture has lines before ``AS_OF`` (one a minute before it), a purchase
by a known customer, the first purchase of a new customer and a return, all dated exactly at
``AS_OF``, and lines after it.

So that each case could fail, a second test shows that the boundary lines change the result
once they fall before the analysis date: the function's result at a later date (one day
later, or one month later for the functions that count only complete months) differs with
and without them. (The ``scale`` SQL functions are covered by tests/test_scale.py; functions
whose ``as_of`` is about birth dates, signups or other tables are not about order lines.)
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from conftest import order_lines

from helpers import (
    churn,
    clv,
    clv_data,
    clv_tables,
    cohorts,
    experiments,
    interactions,
    lifecycle,
    periods,
    profiling,
    promotion,
    recommend_eval,
    rfm,
    scoring,
)
from helpers import features as cf
from helpers import report_subscriptions as rs
from helpers.snapshot import take_snapshot

AS_OF = pd.Timestamp("2024-07-01")
DAY_LATER = AS_OF + pd.Timedelta(days=1)
MONTH_LATER = pd.Timestamp("2024-08-01")  # the boundary lines' month (July) is then complete

ROWS = [
    # invoice, date, customer, product, quantity, unit price
    ("1", "2024-01-10 10:00", "c1", "P1", 2, 5.0),
    ("2", "2024-02-05 11:00", "c2", "P2", 3, 10.0),
    ("3", "2024-03-15 09:00", "c1", "P2", 1, 10.0),
    ("4", "2024-04-12 15:00", "c3", "P3", 1, 20.0),
    ("5", "2024-04-20 13:00", "c1", "P3", 1, 20.0),
    ("6", "2024-05-25 12:00", "c2", "P1", 1, 5.0),
    ("7", "2024-06-20 16:00", "c1", "P1", 1, 5.0),
    ("8", "2024-06-30 23:59", "c3", "P2", 2, 10.0),  # a minute before as_of: counts
    # exactly at as_of: left out
    ("9", "2024-07-01 00:00", "c2", "P3", 2, 20.0),  # a known customer buys
    ("10", "2024-07-01 00:00", "c5", "P4", 1, 8.0),  # a new customer's first purchase
    ("C11", "2024-07-01 00:00", "c1", "P1", -1, 5.0),  # c1 returns one unit of P1
    # after as_of: left out
    ("12", "2024-07-15 10:00", "c4", "P4", 3, 8.0),
    ("13", "2024-08-03 10:00", "c1", "P2", 1, 10.0),
]  # fmt: skip


def _lines() -> pd.DataFrame:
    """The raw lines (the return included), with amount and a subscription id per customer."""
    lines = order_lines(ROWS)
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    lines["subscription_id"] = "S-" + lines["customer_id"]
    return lines


LINES = _lines()
CUSTOMERS = pd.DataFrame(
    {
        "customer_id": ["c1", "c2", "c3", "c4", "c5"],
        "acquisition_channel": ["email", "search", "email", "search", "email"],
        "acquisition_cost": [10.0, 20.0, 10.0, 20.0, 10.0],
        "signup_date": pd.to_datetime(
            ["2024-01-05", "2024-02-01", "2024-04-01", "2024-07-10", "2024-06-25"]
        ),
    }
)


#: A BG/NBD model with plausible daily parameters (r, alpha, a, b), as if fitted.
BG = clv.BetaGeoModel()
BG.params_ = pd.Series([0.5, 30.0, 0.8, 2.5], index=list(BG.PARAMS))


def _clean(lines: pd.DataFrame) -> pd.DataFrame:
    """The purchases only (amount > 0), for the functions that refuse return lines."""
    return lines[lines["quantity"] > 0]


def _labels(lines: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """A segment per customer with a purchase before as_of, as segment_profile requires."""
    buyers = sorted(_clean(lines).loc[lambda d: d["invoice_date"] < as_of, "customer_id"].unique())
    return pd.Series(["A" if c in ("c1", "c2") else "B" for c in buyers], index=buyers)


def _matrix(m: interactions.InteractionMatrix) -> tuple:
    return m.customers, m.products, m.matrix.toarray()


def _section(section: rs.SubscriptionSection) -> tuple:
    return section.applicable, section.sentences, section.subscriptions, section.value


def _held_out(lists: dict[str, pd.DataFrame]) -> tuple:
    table = lists["win-back"]
    return table, repr(table.attrs.get("experiment"))


def _scored(result: tuple) -> tuple:
    # the churn model's attrs hold the training cutoff and rate: compare them too
    p_churn, features = result
    return p_churn, features, p_churn.attrs["churn_rate"], p_churn.attrs["n_train"]


@dataclass(frozen=True)
class Case:
    name: str
    call: Callable[[pd.DataFrame, pd.Timestamp], object]
    later: pd.Timestamp = DAY_LATER  # a date at which the boundary lines count
    view: Callable[[object], object] = lambda result: result


CASES = [
    Case("rfm.rfm_table", lambda d, t: rfm.rfm_table(_clean(d), t)),
    Case("rfm.rfm_analysis", lambda d, t: rfm.rfm_analysis(_clean(d), t, n_scores=2)),
    Case(
        "features.customer_features",
        lambda d, t: cf.customer_features(_clean(d), t, raw=d),
    ),
    Case(
        "lifecycle.lifecycle_stages",
        lambda d, t: lifecycle.lifecycle_stages(
            d, t, customers=CUSTOMERS, new_days=30, lapse_days=60, trend_days=60
        ),
    ),
    Case("periods.period_values", lambda d, t: periods.period_values(d, period_months=1, as_of=t)),
    Case(
        "periods.retention_table",
        lambda d, t: periods.retention_table(_clean(d), period_months=1, as_of=t),
    ),
    Case(
        "periods.retention_rate",
        lambda d, t: periods.retention_rate(_clean(d), period_months=1, as_of=t),
    ),
    Case("cohorts.cohort_table", lambda d, t: cohorts.cohort_table(d, as_of=t), MONTH_LATER),
    Case(
        "cohorts.channel_ltv_curves",
        lambda d, t: cohorts.channel_ltv_curves(d, CUSTOMERS, as_of=t),
        MONTH_LATER,
    ),
    Case(
        "profiling.segment_profile",
        lambda d, t: profiling.segment_profile(_labels(d, t), _clean(d), as_of=t),
    ),
    Case("promotion.sales_velocity", lambda d, t: promotion.sales_velocity(d, t, 30)),
    Case(
        "experiments.hold_out_lists",
        lambda d, t: experiments.hold_out_lists(
            {"win-back": CUSTOMERS[["customer_id"]]}, d, t, window_days=30
        ),
        view=_held_out,
    ),
    Case(
        "interactions.interaction_matrix",
        lambda d, t: interactions.interaction_matrix(_clean(d), half_life_days=30, as_of=t),
        view=_matrix,
    ),
    Case(
        "report_subscriptions.subscriptions_from_lines",
        lambda d, t: rs.subscriptions_from_lines(d, t),
        MONTH_LATER,
    ),
    Case(
        "report_subscriptions.subscription_section",
        lambda d, t: rs.subscription_section(d, t, margin_rate=0.3, discount_rate=0.1),
        MONTH_LATER,
        _section,
    ),
    Case("churn.churn_features", lambda d, t: churn.churn_features(d, t)),
    Case(
        "clv_data.summary_data",
        lambda d, t: clv_data.summary_data(_clean(d), as_of=t, period="D"),
    ),
    Case(
        "clv_data.calibration_holdout",
        lambda d, t: clv_data.calibration_holdout(
            _clean(d), holdout_start="2024-04-01", as_of=t, period="D"
        ),
    ),
    Case(
        "clv_tables.probability_alive_history",
        lambda d, t: clv_tables.probability_alive_history(
            BG, d.loc[d["customer_id"] == "c2", "invoice_date"], as_of=t, period="D"
        ),
    ),
    Case(
        "recommend_eval.time_split",
        lambda d, t: recommend_eval.time_split(d, "2024-06-01", as_of=t),
    ),
    Case(
        "snapshot.take_snapshot",
        lambda d, t: take_snapshot(d, t).clean,
    ),
    Case(
        "scoring.churn_risk",
        lambda d, t: scoring.churn_risk(take_snapshot(d, t), 60),
        view=_scored,
    ),
    Case(
        "scoring.model_clv",
        lambda d, t: scoring.model_clv(
            take_snapshot(d, t), horizon_months=12, discount_rate=0.1, margin_rate=0.3
        ),
    ),
    Case(
        "scoring.score_customers",
        lambda d, t: scoring.score_customers(take_snapshot(d, t), window_days=60, n_tiers=2),
    ),
]


def _run(case: Case, lines: pd.DataFrame, as_of: pd.Timestamp) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small data: the models' data warnings are expected
        return case.view(case.call(lines, as_of))


def assert_same(got: object, expected: object) -> None:
    """Equal results: frames, series, indexes, arrays, containers or plain values."""
    if isinstance(got, pd.DataFrame):
        pd.testing.assert_frame_equal(got, expected)
    elif isinstance(got, pd.Series):
        pd.testing.assert_series_equal(got, expected)
    elif isinstance(got, pd.Index):
        pd.testing.assert_index_equal(got, expected)
    elif isinstance(got, np.ndarray):
        np.testing.assert_array_equal(got, expected)
    elif isinstance(got, tuple | list):
        assert isinstance(expected, tuple | list) and len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            assert_same(a, b)
    elif isinstance(got, float) and isinstance(expected, float) and np.isnan(got):
        assert np.isnan(expected)
    else:
        assert got == expected


def _differs(a: object, b: object) -> bool:
    try:
        assert_same(a, b)
    except AssertionError:
        return True
    return False


def test_the_fixture_has_lines_at_and_after_as_of():
    dates = LINES["invoice_date"]
    at = LINES[dates == AS_OF]
    assert set(at["customer_id"]) == {"c1", "c2", "c5"}
    assert (at["quantity"] < 0).sum() == 1  # the return
    assert (dates > AS_OF).sum() == 2
    assert (dates == AS_OF - pd.Timedelta(minutes=1)).sum() == 1


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_as_of_leaves_out_the_lines_at_or_after_it(case):
    before = LINES[LINES["invoice_date"] < AS_OF]
    assert_same(_run(case, LINES, AS_OF), _run(case, before, AS_OF))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_boundary_lines_count_once_they_are_before_as_of(case):
    # the same function a day (or a month) later: with the lines dated exactly at AS_OF the
    # result differs from without them, so the test above would see them if they leaked
    before = LINES[LINES["invoice_date"] < AS_OF]
    through = LINES[LINES["invoice_date"] <= AS_OF]
    assert _differs(_run(case, through, case.later), _run(case, before, case.later))


def test_interaction_matrix_does_not_check_lines_it_does_not_use():
    # A return (negative quantity) at as_of is after the analysis: it cannot stop the matrix,
    # which equals the matrix of the lines cut before as_of; before as_of it is refused.
    lines = LINES[LINES["quantity"] > 0].copy()
    late = LINES[LINES["invoice_id"] == "C11"]
    with_late = pd.concat([lines, late], ignore_index=True)
    got = interactions.interaction_matrix(with_late, as_of=AS_OF)
    want = interactions.interaction_matrix(lines[lines["invoice_date"] < AS_OF])
    assert (got.matrix != want.matrix).nnz == 0
    assert got.customers.equals(want.customers) and got.products.equals(want.products)
    with pytest.raises(ValueError, match="quantity"):
        interactions.interaction_matrix(with_late, as_of=DAY_LATER)
