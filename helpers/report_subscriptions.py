"""The report's subscription section: subscribers valued with the sBG model, or "not applicable".

An order log may carry subscription payments: lines with a ``subscription_id`` (mapped with
``--map YourColumn=subscription_id``). Each subscription's payments give its signup month
(the first payment), the months it paid for and whether it is still paying in the last
complete month before the analysis date. Those are the survivor counts of chapter 07's
shifted-beta-geometric model (:class:`helpers.retention.ShiftedBetaGeoModel`), which
projects how many subscribers stay and values the active ones: margin per month x their
discounted expected residual lifetime (Fader & Hardie 2010). Without such a column the
section says so, and how to provide one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import check_share, require_columns
from helpers.retention import ShiftedBetaGeoModel, survivor_table
from helpers.translation import gettext as _
from helpers.value_formulas import period_discount_rate

__all__ = [
    "SUBSCRIPTION_ID",
    "SubscriptionSection",
    "section_of",
    "subscription_section",
    "subscriptions_from_lines",
]

#: The column that marks an order line as a subscription payment.
SUBSCRIPTION_ID: str = s.SUBSCRIPTION_ID


def subscriptions_from_lines(
    lines: pd.DataFrame, as_of: str | pd.Timestamp, *, id_col: str = SUBSCRIPTION_ID
) -> tuple[pd.DataFrame, pd.Period]:
    """One row per subscription from its payment lines, up to the last complete month.

    A subscription signs up in the month of its first payment; it has paid for every month
    from then to its last payment (a month without a payment in between is not a
    cancellation: the months are counted from first to last); it is active when it paid in
    the last complete month before ``as_of`` (``end``). Payments in the month of ``as_of``
    itself are not counted, nor subscriptions that started in it.

    Parameters
    ----------
    lines : pandas.DataFrame
        Clean order lines with ``invoice_date``, ``amount`` and ``id_col`` (missing on the
        lines that are not subscription payments).
    as_of : str or pandas.Timestamp
        The analysis date (exclusive).
    id_col : str
        The subscription id column.

    Returns
    -------
    subscriptions : pandas.DataFrame
        Indexed by subscription: ``signup_month``, ``months_active``, ``active``,
        ``monthly_payment`` (mean amount per month paid).
    end : pandas.Period
        The last complete month.
    """
    require_columns(lines, [id_col, s.INVOICE_DATE, s.AMOUNT], "lines")
    end = pd.Timestamp(as_of).to_period("M") - 1
    paid = lines[lines[id_col].notna() & (lines[s.INVOICE_DATE] < pd.Timestamp(as_of))]
    month = paid[s.INVOICE_DATE].dt.to_period("M")
    paid = paid.assign(_month=month)[month <= end]
    groups = paid.groupby(id_col)
    first, last = groups["_month"].min(), groups["_month"].max()
    months = (last - first).map(lambda offset: offset.n) + 1
    table = pd.DataFrame(
        {
            "signup_month": first.astype(str),
            "months_active": months.astype("int64"),
            "active": (last == end).to_numpy(),
            "monthly_payment": groups[s.AMOUNT].sum() / months,
        }
    )
    table.index.name = id_col
    return table, end


@dataclass
class SubscriptionSection:
    """What the report says about subscriptions (see :func:`subscription_section`)."""

    applicable: bool
    sentences: list[str]
    model: ShiftedBetaGeoModel | None = None
    subscriptions: pd.DataFrame | None = None
    value: float | None = None


def subscription_section(
    lines: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    margin_rate: float,
    discount_rate: float,
    currency: str = "£",
    id_col: str = SUBSCRIPTION_ID,
    min_subscriptions: int = 30,
) -> SubscriptionSection:
    """Fit the sBG model on the subscription payments of an order log and value the active ones.

    Parameters
    ----------
    lines : pandas.DataFrame
        Clean order lines (``id_col`` optional).
    as_of : str or pandas.Timestamp
        The analysis date (exclusive).
    margin_rate : float
        Margin as a share of the payments, in (0, 1].
    discount_rate : float
        Annual discount rate (>= 0), turned into a monthly one.
    currency : str, default "£"
    id_col : str, default :data:`SUBSCRIPTION_ID`
    min_subscriptions : int, default 30
        Fewer subscriptions than this are described, not modelled.

    Returns
    -------
    SubscriptionSection
        ``applicable`` False (with the reason) without the column or payments; otherwise the
        sentences with the numbers, the fitted ``model``, the ``subscriptions`` table (with
        ``residual_value`` for the active ones) and the total ``value``.
    """
    found = None
    if id_col in lines.columns and lines[id_col].notna().any():
        found = subscriptions_from_lines(lines, as_of, id_col=id_col)
    return section_of(
        found,
        margin_rate=margin_rate,
        discount_rate=discount_rate,
        currency=currency,
        id_col=id_col,
        min_subscriptions=min_subscriptions,
    )


def section_of(
    found: tuple[pd.DataFrame, pd.Period] | None,
    *,
    margin_rate: float,
    discount_rate: float,
    currency: str = "£",
    id_col: str = SUBSCRIPTION_ID,
    min_subscriptions: int = 30,
) -> SubscriptionSection:
    """Write the subscription section from the table of :func:`subscriptions_from_lines`.

    Parameters
    ----------
    found : tuple of (pandas.DataFrame, pandas.Period) or None
        :func:`subscriptions_from_lines` (from pandas or an SQL engine); None when the
        order log has no subscription payments.
    margin_rate, discount_rate, currency, id_col, min_subscriptions
        As :func:`subscription_section` (``id_col`` names the column in the sentence).

    Returns
    -------
    SubscriptionSection
    """
    check_share("margin_rate", margin_rate, "margin share of the payments")
    if found is None:
        return SubscriptionSection(
            False,
            [
                _(
                    "Subscriptions: not applicable. The order log has no subscription payments "
                    "(no {column} column, or it is empty). If some orders are subscription "
                    "payments, map their subscription column (--map YourColumn={id_col}) to see "
                    "how many subscribers will stay and what the active ones are worth."
                ).format(column=id_col.replace("_", " "), id_col=id_col)
            ],
        )
    subs, end = found[0].copy(), found[1]
    n, active = len(subs), int(subs["active"].sum())
    opening = _(
        "Subscriptions: {n:,} subscriptions paid monthly up to {month}, {active:,} of them "
        "still paying in that month."
    ).format(n=n, month=end.to_timestamp().strftime(_("%B %Y")), active=active)
    if n < min_subscriptions or active == n or active == 0:
        why = (
            _("Too little to model retention (fewer than {n}).").format(n=min_subscriptions)
            if n < min_subscriptions
            else _("Too little to model retention (none has cancelled).")
            if active == n
            else _("Too little to model retention (none is still active).")
        )
        return SubscriptionSection(True, [opening, why], subscriptions=subs)
    survivors = survivor_table(subs, end)
    model = ShiftedBetaGeoModel().fit(survivors)
    alpha, beta = model.summary_.loc["alpha"], model.summary_.loc["beta"]
    monthly = period_discount_rate(discount_rate, 1) if discount_rate > 0 else 1e-9
    current = subs[subs["active"]]
    renewals = current["months_active"].to_numpy() - 1
    value = model.residual_value(
        current["monthly_payment"].to_numpy() * margin_rate, monthly, renewals
    )
    subs["residual_value"] = pd.Series(value, index=current.index).reindex(subs.index)
    stay = float((model.survival(renewals + 12) / model.survival(renewals)).sum())
    retention = model.survival(np.array([1, 6, 12]))
    sentences = [
        opening,
        _(
            "Their retention follows the shifted-beta-geometric model (chapter 07): each "
            "subscriber has their own chance of cancelling each month, spread across subscribers "
            "as a beta distribution with alpha {alpha:.2f} ({alpha_low:.2f} to {alpha_high:.2f}) "
            "and beta {beta:.2f} ({beta_low:.2f} to {beta_high:.2f}). Of a new month's sign-ups, "
            "{after_1:.0%} should still pay after 1 month, {after_6:.0%} after 6 and "
            "{after_12:.0%} after 12."
        ).format(
            alpha=alpha["estimate"],
            alpha_low=alpha["lower_95"],
            alpha_high=alpha["upper_95"],
            beta=beta["estimate"],
            beta_low=beta["lower_95"],
            beta_high=beta["upper_95"],
            after_1=retention[0],
            after_6=retention[1],
            after_12=retention[2],
        ),
        _(
            "Of the {active:,} paying now, about {stay:,.0f} should still pay in 12 months. Their "
            "future payments are worth {currency}{value:,.0f} of margin ({margin:.0%} of the "
            "payments, discounted at {discount:.0%} a year): {currency}{median:,.0f} for the "
            "median subscriber."
        ).format(
            active=active,
            stay=stay,
            currency=currency,
            value=np.nansum(value),
            margin=margin_rate,
            discount=discount_rate,
            median=np.nanmedian(value),
        ),
    ]
    return SubscriptionSection(True, sentences, model, subs, float(np.nansum(value)))
