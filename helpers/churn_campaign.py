"""Retention campaigns: from churn scores to whom to contact, by expected value.

:func:`value_at_risk` estimates what a customer would spend over the horizon if they stayed;
:func:`retention_campaign` ranks customers by the expected value of an offer,
``P(churn) x value at risk x save rate - offer cost``, and finds the campaign size that
maximises it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import check_days, check_numbers, check_share, require_columns

__all__ = ["retention_campaign", "value_at_risk"]


def value_at_risk(
    features: pd.DataFrame,
    horizon_days: int,
    *,
    monetary: str = "monetary",
    tenure: str = "tenure",
) -> pd.Series:
    """Estimate the spend a customer would bring in the next ``horizon_days`` if they stay.

    Their spend per day so far, ``monetary / max(tenure, horizon_days)``, times
    ``horizon_days``. The floor on the denominator stops a customer who bought once last
    week from counting as if they bought that much every week.

    Parameters
    ----------
    features : pandas.DataFrame
        With net spend and tenure in days (:func:`helpers.churn.churn_features`).
    horizon_days : int
    monetary, tenure : str
        Column names.

    Returns
    -------
    pandas.Series
        Named ``value_at_risk``.
    """
    require_columns(features, [monetary, tenure], "features")
    check_days("horizon_days", horizon_days)
    days = features[tenure].astype(float).clip(lower=float(horizon_days))
    return (features[monetary].astype(float) / days * horizon_days).rename("value_at_risk")


def retention_campaign(
    p_churn: pd.Series,
    value: pd.Series | float,
    *,
    save_rate: float,
    offer_cost: float,
) -> pd.DataFrame:
    """Rank customers by the expected value of a retention offer; find the best campaign.

    ``expected_value = p_churn * value * save_rate - offer_cost``: the offer saves a share
    ``save_rate`` of the customers who would have left, each worth ``value``, and costs
    ``offer_cost`` for everyone contacted. Customers are ranked by expected value; the
    campaign contacting the top ``n`` is worth the sum of their values, which is largest
    when exactly the customers with a positive expected value are contacted.

    Parameters
    ----------
    p_churn : pandas.Series
        P(churn) per customer (index: customer).
    value : pandas.Series or float
        Value at risk per customer (aligned with ``p_churn``), or one value for all.
    save_rate : float
        Share of would-be churners the offer keeps, in (0, 1].
    offer_cost : float
        Cost of one offer, >= 0.

    Returns
    -------
    pandas.DataFrame
        One row per customer, best first: ``p_churn``, ``value_at_risk``,
        ``expected_value``, ``rank`` (1 = best), ``cumulative_value`` (value of contacting
        the top ``rank`` customers) and ``contact`` (True for the best campaign).
        ``attrs``: ``size`` and ``value`` of the best campaign (0 and 0.0 when no offer pays).

    Raises
    ------
    ValueError
        For probabilities outside [0, 1], a negative or missing value, a save rate outside
        (0, 1] or a negative offer cost.
    """
    if not isinstance(p_churn, pd.Series):
        raise ValueError(f"p_churn must be a pandas Series; got {type(p_churn).__name__}")
    check_numbers("p_churn", p_churn, "in [0, 1]", lambda p: (p >= 0) & (p <= 1))
    if isinstance(value, pd.Series):
        value = value.reindex(p_churn.index)
    values = pd.Series(value, index=p_churn.index, dtype=float)
    check_numbers("value", values, ">= 0 (one per customer of p_churn)", lambda v: v >= 0)
    check_share("save_rate", save_rate, "of would-be churners the offer keeps")
    check_numbers("offer_cost", offer_cost, ">= 0", lambda c: c >= 0)
    table = pd.DataFrame({"p_churn": p_churn.astype(float), "value_at_risk": values})
    table["expected_value"] = table["p_churn"] * table["value_at_risk"] * save_rate - offer_cost
    table = table.sort_values("expected_value", ascending=False, kind="mergesort")
    table["rank"] = np.arange(1, len(table) + 1)
    table["cumulative_value"] = table["expected_value"].cumsum()
    size = int((table["expected_value"] > 0).sum())
    table["contact"] = table["rank"] <= size
    table.attrs.update(size=size, value=float(table["expected_value"].iloc[:size].sum()))
    return table
