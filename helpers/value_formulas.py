"""Customer value formulas on numbers: income value, lifetime, CLV, LTV/CAC and payback.

Every function takes numbers or arrays (or pandas Series, whose index is kept) and returns the
same shape: :func:`income_value`, :func:`expected_lifetime`, :func:`naive_clv`,
:func:`simple_clv`, :func:`retention_clv`, :func:`period_discount_rate`,
:func:`projected_profits`, :func:`discounted_clv`, :func:`ltv_cac_ratio`,
:func:`cac_payback_months`. The per-customer models that feed them live in
:mod:`helpers.value`, the per-period values and retention rates in :mod:`helpers.periods`.
(:mod:`helpers.clv` is the probabilistic CLV of chapter 08.)

=====================  ==========================================================================
income value           value = annual income x spending-capacity factor
expected lifetime      1 / churn rate periods
simple CLV             CLV = margin rate x ARPU / churn rate (undiscounted, no horizon)
retention CLV          CLV = m x r / (1 + d - r) (per-period margin m, retention r, discount d)
discounted CLV         CLV = sum over t = 1..T of profit_t / (1 + d)^t
LTV/CAC                LTV / acquisition cost; CAC payback = CAC / monthly margin (months)
=====================  ==========================================================================

Bad input raises a ``ValueError`` that names the argument, the rule and an offending value.
The rules for the parameters every CLV shares, :func:`check_discount_rate`,
:func:`check_margin_rate` and :func:`check_horizon_months`, are the library's and the
report's (:mod:`helpers.report_inputs` checks its options with them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import check_numbers, check_share

__all__ = [
    "cac_payback_months",
    "check_discount_rate",
    "check_horizon_months",
    "check_margin_rate",
    "discounted_clv",
    "expected_lifetime",
    "income_value",
    "ltv_cac_ratio",
    "naive_clv",
    "period_discount_rate",
    "projected_profits",
    "retention_clv",
    "simple_clv",
]

Number = float | int | np.ndarray | pd.Series

# --- checks -------------------------------------------------------------------------------------


def _positive(name: str, value: object, **kwargs) -> None:
    check_numbers(name, value, "> 0", lambda a: a > 0, **kwargs)


def _non_negative(name: str, value: object, **kwargs) -> None:
    check_numbers(name, value, ">= 0", lambda a: a >= 0, **kwargs)


def _finite(name: str, value: object) -> None:
    check_numbers(name, value, "a finite number", np.isfinite)


def _rate(name: str, value: object, meaning: str) -> None:
    """Check a churn or retention rate: strictly between 0 and 1."""
    check_share(name, value, meaning, include_one=False)


def check_discount_rate(value: object, name: str = "discount_rate", *, per: str = "a year") -> None:
    """Check a discount rate: a share between 0 and 1 (0% to 100%) per year or per period.

    A rate above 1 is refused: 100% a year halves a margin's value every year, and a rate
    of 10 or 12 is almost surely a percentage typed as a whole number (10 for 0.1); the
    message says so.

    Parameters
    ----------
    value : number, array or Series
        The rate(s).
    name : str, default "discount_rate"
        The argument's name, as the caller knows it (the report: "parameter DISCOUNT_RATE").
    per : str, default "a year"
        What the rate is per, for the message.

    Raises
    ------
    ValueError
        Naming ``name``, the rule and an offending value.

    Examples
    --------
    >>> check_discount_rate(0.1)
    >>> check_discount_rate(10)
    Traceback (most recent call last):
    ...
    ValueError: discount_rate must be between 0 and 1 (a share a year, e.g. 0.1 for 10%; a rate \
above 1 is almost surely a percentage typed as a whole number: 10% is 0.1); got 10.0
    """
    rule = (
        f"between 0 and 1 (a share {per}, e.g. 0.1 for 10%; a rate above 1 is almost surely "
        "a percentage typed as a whole number: 10% is 0.1)"
    )
    check_numbers(name, value, rule, lambda a: (a >= 0) & (a <= 1))


def check_margin_rate(value: object, name: str = "margin_rate") -> None:
    """Check a margin rate: a share of revenue in (0, 1].

    Parameters
    ----------
    value : number, array or Series
        The rate(s).
    name : str, default "margin_rate"
        The argument's name, as the caller knows it (the report: "parameter MARGIN").

    Raises
    ------
    ValueError
        Naming ``name``, the rule and an offending value.
    """
    check_numbers(
        name, value, "a share in (0, 1] (of revenue, e.g. 0.3)", lambda a: (a > 0) & (a <= 1)
    )


def check_horizon_months(value: object, name: str = "horizon_months") -> None:
    """Check a CLV horizon in months: a finite number > 0.

    Parameters
    ----------
    value : number
        The horizon.
    name : str, default "horizon_months"
        The argument's name, as the caller knows it (the report: "parameter HORIZON_MONTHS").

    Raises
    ------
    ValueError
        Naming ``name``, the rule and the value.
    """
    check_numbers(name, value, "> 0 and finite (months)", lambda a: (a > 0) & np.isfinite(a))


def income_value(annual_income: Number, spending_capacity: Number) -> Number:
    """Income model: value = annual income x spending-capacity factor.

    Parameters
    ----------
    annual_income : float or array-like
        Income per year (>= 0). A missing income (NaN) gives a missing value.
    spending_capacity : float or array-like
        The share of their means the customer spends on us, a factor >= 0 (in the synthetic
        data between 0 and 1). NaN gives a missing value.

    Returns
    -------
    float or array-like
        What the customer *could* spend per year; it says nothing about what they buy.

    Raises
    ------
    ValueError
        If an income or factor is negative.
    """
    _non_negative("annual_income", annual_income, allow_nan=True)
    _non_negative("spending_capacity", spending_capacity, allow_nan=True)
    return annual_income * spending_capacity


def expected_lifetime(churn_rate: Number) -> Number:
    """Return the expected lifetime in periods when a share ``churn_rate`` leaves each period.

    A customer who is present in period 1 and stays each further period with probability
    ``1 - churn_rate`` is present for a geometric number of periods, with mean ``1 / churn_rate``.

    Parameters
    ----------
    churn_rate : float or array-like
        Share of customers lost per period, strictly between 0 and 1.

    Returns
    -------
    float or array-like
        Periods (in the unit of ``churn_rate``: a yearly churn rate gives years).
    """
    _rate("churn_rate", churn_rate, "the share of customers lost per period")
    return 1 / churn_rate


def naive_clv(arpu: Number, churn_rate: Number, lifetime: Number) -> Number:
    """Compute the widely copied ``ARPU / churn rate x lifetime``: wrong, do not use.

    ``ARPU / churn_rate`` is already ARPU x expected lifetime, because the expected lifetime
    is ``1 / churn_rate`` periods (:func:`expected_lifetime`). Multiplying by the lifetime again
    counts it twice: with ``lifetime = 1 / churn_rate`` the result is ``ARPU / churn_rate**2``,
    and it is in money x periods, not money. It also ignores margin and discounting. Use
    :func:`simple_clv` or :func:`retention_clv` instead.

    Parameters
    ----------
    arpu : float or array-like
        Average revenue per customer per period (>= 0).
    churn_rate : float or array-like
        Share of customers lost per period, strictly between 0 and 1.
    lifetime : float or array-like
        Customer lifetime in periods (> 0).

    Returns
    -------
    float or array-like
        ``arpu / churn_rate * lifetime``.
    """
    _non_negative("arpu", arpu)
    _rate("churn_rate", churn_rate, "the share of customers lost per period")
    _positive("lifetime", lifetime)
    return arpu / churn_rate * lifetime


def simple_clv(arpu: Number, churn_rate: Number, margin_rate: Number = 1.0) -> Number:
    """Compute simple CLV from averages: margin rate x ARPU / churn rate.

    Timing: the customer pays ``margin_rate * arpu`` in every period they are present,
    starting with the current period (certain), and stays each further period with probability
    ``1 - churn_rate``; there is no discounting and no horizon. The expected number of periods
    paid is ``1 / churn_rate`` (:func:`expected_lifetime`), so
    ``CLV = margin_rate * arpu * 1 / churn_rate``. It equals :func:`retention_clv` with
    ``discount_rate=0`` plus the first, certain period's margin.

    Parameters
    ----------
    arpu : float or array-like
        Average revenue per customer per period (>= 0).
    churn_rate : float or array-like
        Share of customers lost per period (same period as ``arpu``), strictly between 0 and 1.
    margin_rate : float or array-like, default 1.0
        Gross margin as a share of revenue, in (0, 1]. The default 1.0 gives a revenue CLV,
        which overstates value by the cost of goods.

    Returns
    -------
    float or array-like
        Lifetime margin in money.
    """
    _non_negative("arpu", arpu)
    _rate("churn_rate", churn_rate, "the share of customers lost per period")
    check_margin_rate(margin_rate)
    return margin_rate * arpu / churn_rate


def retention_clv(margin: Number, retention_rate: Number, discount_rate: Number) -> Number:
    """CLV with retention and discounting: m x r / (1 + d - r).

    Timing: the customer was just acquired (time 0, no margin counted then). The margin ``m``
    of period ``t`` is received at the *end* of period ``t``, only if the customer is still
    there (probability ``r**t``), and is discounted by ``(1 + d)**t``. Summing over all future
    periods, ``sum_{t>=1} m r^t / (1 + d)^t = m r / (1 + d - r)``. If instead margins arrive at
    the start of each period including the first, the value is ``m (1 + d) / (1 + d - r)``,
    that is this value plus ``m``. With ``d = 0`` this is ``m r / (1 - r) = m / churn - m``:
    :func:`simple_clv` without its first period.

    Parameters
    ----------
    margin : float or array-like
        Margin per period per retained customer, in money (may be negative).
    retention_rate : float or array-like
        Share of customers who stay from one period to the next, strictly between 0 and 1.
    discount_rate : float or array-like
        Discount rate per period, between 0 and 1 (:func:`check_discount_rate`), in the
        same period as ``margin`` and ``retention_rate`` (see :func:`period_discount_rate`).

    Returns
    -------
    float or array-like
        Present value of the expected future margins.
    """
    _finite("margin", margin)
    _rate("retention_rate", retention_rate, "the share of customers kept per period")
    check_discount_rate(discount_rate, per="a period")
    return margin * retention_rate / (1 + discount_rate - retention_rate)


def period_discount_rate(annual_rate: float, period_months: float) -> float:
    """Convert an annual discount rate to a rate per period of ``period_months`` months.

    ``(1 + annual_rate) ** (period_months / 12) - 1``: compounding the period rate over a year
    gives the annual rate back (10% a year is 4.88% per 6 months, not 5%).

    Parameters
    ----------
    annual_rate : float
        Discount rate per year, between 0 and 1 (:func:`check_discount_rate`).
    period_months : float
        Length of one period in months, > 0 (12: a year; 6: a half-year; 1: a month).

    Returns
    -------
    float
    """
    check_discount_rate(annual_rate, "annual_rate")
    _positive("period_months", period_months)
    return (1 + annual_rate) ** (period_months / 12) - 1


def projected_profits(margin: Number, retention_rate: float, horizon: int) -> Number:
    """Return the expected profit of future periods: ``margin x retention_rate ** t``, t >= 1.

    The timing is that of :func:`retention_clv`: period ``t``'s margin arrives at its end,
    only if the customer is still there.

    Parameters
    ----------
    margin : float, array-like or pandas.Series
        Margin per period of a retained customer.
    retention_rate : float
        Share kept per period, strictly between 0 and 1.
    horizon : int
        Number of future periods (>= 1).

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        One column per period ``1..horizon``: a 1-D array for a scalar margin, a 2-D array for
        an array, a DataFrame (same index, columns ``1..horizon``) for a Series.
    """
    _finite("margin", margin)
    _rate("retention_rate", retention_rate, "the share of customers kept per period")
    if not isinstance(horizon, int | np.integer) or horizon < 1:
        raise ValueError(f"horizon must be a whole number of periods >= 1; got {horizon!r}")
    survival = float(retention_rate) ** np.arange(1, horizon + 1)
    if isinstance(margin, pd.Series):
        values = np.outer(margin.to_numpy(dtype=float), survival)
        return pd.DataFrame(values, index=margin.index, columns=range(1, horizon + 1))
    arr = np.asarray(margin, dtype=float)
    return survival * arr if arr.ndim == 0 else np.outer(arr, survival)


def discounted_clv(
    profits: Number | pd.DataFrame, discount_rate: float, *, period_months: float = 12
) -> float | np.ndarray | pd.Series:
    """Discounted CLV: sum over t = 1..T of profit_t / (1 + d)^t.

    The period unit is explicit: ``profits`` holds one profit per period of ``period_months``
    months, ``discount_rate`` is **per year** and is converted to a rate per period with
    :func:`period_discount_rate`. Timing: profit ``t`` arrives at the end of period ``t`` (the
    first is discounted once), as in :func:`retention_clv`. The horizon is the number of
    periods given.

    Parameters
    ----------
    profits : array-like or pandas.DataFrame
        1-D: the profits of periods 1..T. 2-D (array or DataFrame): one row per customer, one
        column per period in order.
    discount_rate : float
        Annual discount rate, >= 0.
    period_months : float, default 12
        Length of one period in months (12: yearly profits; 1: monthly).

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        A float for 1-D profits; one value per row otherwise (a Series with the DataFrame's
        index).
    """
    check_discount_rate(discount_rate)
    _finite("profits", profits)
    rate = period_discount_rate(discount_rate, period_months)
    arr = np.asarray(profits, dtype=float)
    if arr.ndim not in (1, 2) or arr.shape[-1] == 0:
        raise ValueError(
            f"profits must be 1-D (periods) or 2-D (customers x periods) with at least one "
            f"period; got shape {arr.shape}"
        )
    factors = (1 + rate) ** -np.arange(1, arr.shape[-1] + 1)
    result = arr @ factors
    if isinstance(profits, pd.DataFrame):
        return pd.Series(result, index=profits.index, name="discounted_clv")
    return float(result) if arr.ndim == 1 else result


def ltv_cac_ratio(ltv: Number, cac: Number) -> Number:
    """LTV / CAC: lifetime value per unit of acquisition cost.

    Parameters
    ----------
    ltv : float or array-like
        Lifetime value (margin, not revenue), in money; may be negative.
    cac : float or array-like
        Customer acquisition cost, > 0.

    Returns
    -------
    float or array-like
        Above 1 the customer pays back their acquisition; a common rule of thumb asks for 3.
    """
    _finite("ltv", ltv)
    _positive("cac", cac)
    return ltv / cac


def cac_payback_months(cac: Number, monthly_margin: Number) -> Number:
    """Months of margin needed to earn back the acquisition cost: CAC / monthly margin.

    Parameters
    ----------
    cac : float or array-like
        Customer acquisition cost, >= 0.
    monthly_margin : float or array-like
        Margin the customer brings per month, > 0 (a customer who brings nothing never pays
        back: there is no finite answer).

    Returns
    -------
    float or array-like
        Months. Churn is ignored: if the customer leaves sooner, the cost is never recovered.
    """
    _non_negative("cac", cac)
    _positive("monthly_margin", monthly_margin)
    return cac / monthly_margin
