"""Judgement exercises of chapters 07-09: find the bug, decide which model to trust.

Each function is the reference computation of one exercise, in plain pandas and numpy on the
default data (or on the small table the exercise gives), written independently of the
``helpers`` function the chapter teaches.
"""

from __future__ import annotations

import pandas as pd

from helpers.exercises.core import default_clean, default_shop, exercise

#: The rolling-origin backtest of exercise 08.3: holdout MAE per origin and mean bias.
BACKTEST_0803 = pd.DataFrame(
    {
        "mae_origin_1": [1.50, 1.62, 1.52],
        "mae_origin_2": [1.46, 1.39, 1.47],
        "mae_origin_3": [1.55, 1.59, 1.56],
        "bias": [0.30, 0.12, -0.05],
    },
    index=pd.Index(["BG/NBD", "MBG/NBD", "Pareto/NBD"], name="model"),
)


@exercise(
    "07.4",
    "Fix the snippet that gives the share of sign-ups still subscribed 12 months after "
    "signing up: what is the right share?",
    "a subscription that signed up less than 12 months before the data end cannot have "
    "paid for 13 months yet, whatever it will do: it is censored, not lost. Count only "
    "the cohorts that could have been seen at month 12.",
    abs=1e-9,
)
def share_after_a_year_censoring_fixed() -> float:
    """Share with more than 12 months paid among the cohorts observed for 12 months or more."""
    shop = default_shop()
    subscriptions = shop.subscriptions
    end = pd.Timestamp(shop.observation_end)
    signup = pd.to_datetime(subscriptions["signup_month"] + "-01")
    months_seen = (end.year - signup.dt.year) * 12 + (end.month - signup.dt.month)
    seen = subscriptions[months_seen >= 12]
    return float((seen["months_active"] > 12).mean())


@exercise(
    "08.3",
    "From the given rolling-origin backtest, which purchase model does the chapter's rule "
    "put in the report?",
    "average each model's MAE over the three origins (one origin alone is one draw of "
    "luck); models within 1% of the lowest mean MAE count as tied, and a tie goes to the "
    "smaller absolute bias.",
    normalise=lambda name: str(name).strip(),
)
def model_to_trust() -> str:
    """Apply the rule (mean MAE, 1% ties, then the absolute bias) to the exercise's table."""
    table = BACKTEST_0803
    mae = table.filter(like="mae_").mean(axis=1)
    tied = table[mae <= mae.min() * 1.01]
    return str(tied["bias"].abs().idxmin())


@exercise(
    "09.3",
    "Fix the snippet's basket: what share of baskets holds both of the two products that "
    "are in the most baskets?",
    "a basket is one invoice, not everything a customer ever bought: a customer who bought "
    "one product in March and the other in October did not buy them together. Count "
    "invoices, each product once per invoice.",
    rel=1e-9,
)
def pair_support_per_invoice() -> float:
    """Support of the two most frequent products with invoices as baskets."""
    clean = default_clean()
    pairs = clean[["invoice_id", "product_id"]].drop_duplicates()
    top_two = pairs["product_id"].value_counts().index[:2]
    holding = pairs[pairs["product_id"].isin(top_two)].groupby("invoice_id").size()
    return float((holding == 2).sum() / pairs["invoice_id"].nunique())
