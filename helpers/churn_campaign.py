"""Retention campaigns: from churn scores to whom to contact, by expected value.

:func:`value_at_risk` estimates what a customer would spend over the horizon if they stayed;
:func:`retention_campaign` ranks customers by the expected value of an offer,
``P(churn) x value at risk x save rate - offer cost``, and finds the campaign size that
maximises it. :func:`discount_offer_cost` prices an offer that is a discount on the next
order: it is paid by every contacted customer who orders, also by those who would have
stayed anyway, so that the expected value is the incremental margin of
:func:`helpers.experiment_readout.campaign_gain`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.checks import check_days, check_numbers, check_share, require_columns

__all__ = ["discount_offer_cost", "retention_campaign", "value_at_risk"]


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


def discount_offer_cost(
    p_churn: pd.Series,
    basket: pd.Series,
    *,
    discount: float,
    save_rate: float,
    contact_cost: float = 0.0,
) -> pd.Series:
    """Return the expected cost of a "``discount`` off the next order" offer, per customer.

    The discount is paid on the next order of every contacted customer who stays: those who
    would have stayed anyway (``1 - p``) and those the offer saves (``p x save rate``), so
    the cost is ``discount x basket x (1 - p + p x save rate) + contact_cost``. With it,
    :func:`retention_campaign`'s ``p x margin at risk x save rate - cost`` is the incremental
    margin of :func:`helpers.experiment_readout.campaign_gain` (spend with the offer
    ``(1 - p + p s) V``, without ``(1 - p) V``, the discount on the next order only).

    Parameters
    ----------
    p_churn : pandas.Series
        P(churn) per customer, in [0, 1].
    basket : pandas.Series
        The customer's usual order (average order value); missing customers count as 0.
    discount : float
        Share of the next order given away, in (0, 1).
    save_rate : float
        Share of would-be churners the offer keeps, in (0, 1].
    contact_cost : float, default 0
        Cost of the message, >= 0.

    Returns
    -------
    pandas.Series
        ``offer_cost``, aligned with ``p_churn``.
    """
    check_numbers("p_churn", p_churn, "in [0, 1]", lambda p: (p >= 0) & (p <= 1))
    check_share("discount", discount, "of the next order", include_one=False)
    check_share("save_rate", save_rate, "of would-be churners the offer keeps")
    check_numbers("contact_cost", contact_cost, ">= 0", lambda c: c >= 0)
    order = basket.reindex(p_churn.index).fillna(0.0).astype(float)
    check_numbers("basket", order, ">= 0", lambda b: b >= 0)
    staying = 1.0 - p_churn.astype(float) * (1.0 - save_rate)
    return (discount * order * staying + contact_cost).rename("offer_cost")


def retention_campaign(
    p_churn: pd.Series,
    value: pd.Series | float,
    *,
    save_rate: float,
    offer_cost: float | pd.Series,
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
    offer_cost : float or pandas.Series
        Cost of one offer, >= 0: the same for everyone, or per customer (aligned with
        ``p_churn``, e.g. :func:`discount_offer_cost`).

    Returns
    -------
    pandas.DataFrame
        One row per customer, best first: ``p_churn``, ``value_at_risk``, ``offer_cost``,
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
    if isinstance(offer_cost, pd.Series):
        offer_cost = offer_cost.reindex(p_churn.index)
    costs = pd.Series(offer_cost, index=p_churn.index, dtype=float)
    check_numbers("offer_cost", costs, ">= 0 (one per customer of p_churn)", lambda c: c >= 0)
    table = pd.DataFrame(
        {"p_churn": p_churn.astype(float), "value_at_risk": values, "offer_cost": costs}
    )
    table["expected_value"] = (
        table["p_churn"] * table["value_at_risk"] * save_rate - table["offer_cost"]
    )
    table = table.sort_values("expected_value", ascending=False, kind="mergesort")
    table["rank"] = np.arange(1, len(table) + 1)
    table["cumulative_value"] = table["expected_value"].cumsum()
    size = int((table["expected_value"] > 0).sum())
    table["contact"] = table["rank"] <= size
    table.attrs.update(size=size, value=float(table["expected_value"].iloc[:size].sum()))
    return table
