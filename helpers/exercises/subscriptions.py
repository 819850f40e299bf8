"""Exercises of chapter 07 (subscriptions): 07.1-07.3 and the judgement exercise 07.4.

Each function is the reference computation of one exercise, in plain Python, numpy and pandas
on the default data (the embedded gift box club and IBM Telco file), without
:mod:`helpers.survival`, :mod:`helpers.cohorts` or :mod:`helpers.retention`, which the chapter
teaches; the Telco file is read with :func:`helpers.datasets.load_telco` (loading is not what
the chapter practises).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.exercises.core import default_shop, exercise


@exercise(
    "07.1",
    "With alpha = 1 and beta = 2, what share of a new cohort is still subscribed after 3 "
    "periods, S(3)?",
    "S(3) is the product of the first three renewal rates r(t) = (beta + t - 1) / "
    "(alpha + beta + t - 1), t = 1, 2, 3; give a share, not a percentage.",
    abs=1e-9,
)
def sbg_survival_by_hand() -> float:
    """S(3) of the sBG with alpha = 1, beta = 2 from the beta function's closed form.

    S(t) = B(alpha, beta + t) / B(alpha, beta), and with alpha = 1, B(1, b) = 1 / b, so
    S(3) = (1 / 5) / (1 / 2).
    """
    return (1 / 5) / (1 / 2)


@exercise(
    "07.2",
    "From the Kaplan-Meier curve of Telco's month-to-month customers, after how many months "
    "has half of them left?",
    "keep the month-to-month customers; at each tenure multiply by (1 - left / still at "
    "risk), customers who have not left counting as at risk up to their tenure; answer the "
    "first tenure where the curve is at or below 0.5.",
)
def median_tenure_month_to_month() -> int:
    """Kaplan-Meier by hand with numpy: the first tenure with S(t) <= 0.5."""
    from helpers.datasets import load_telco

    telco = load_telco()
    part = telco[telco["contract"] == "Month-to-month"]
    tenure = part["tenure_months"].to_numpy()
    left = part["churn"].to_numpy(dtype=bool)
    survival = 1.0
    for t in np.unique(tenure[left]):
        at_risk = int((tenure >= t).sum())
        survival *= 1 - int((left & (tenure == t)).sum()) / at_risk
        if survival <= 0.5:
            return int(t)
    raise ValueError("the month-to-month curve never reaches 0.5")


@exercise(
    "07.3",
    "What share of the gift box club's January 2023 cohort was still subscribed 12 months "
    "after signing up?",
    "take the subscriptions with signup_month '2023-01'; 'still subscribed 12 months after' "
    "means paid for more than 12 months (months_active > 12), whether active or not.",
    abs=1e-9,
)
def january_cohort_after_a_year() -> float:
    """Share of the 2023-01 subscriptions with more than 12 months paid for."""
    subscriptions = default_shop().subscriptions
    cohort = subscriptions[subscriptions["signup_month"] == "2023-01"]
    return float((cohort["months_active"] > 12).mean())


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
