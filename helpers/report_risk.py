"""The report's two risk measures in plain words, and a check on the lowest tier's value.

The report shows two probabilities that sound alike and answer different questions:

- **P(churn)**, from the churn classifier (:func:`helpers.scoring.churn_risk`): the chance
  that a customer buys nothing in the next churn window (90 days by default). It learned
  from what customers actually did in the window after a past date.
- **P(alive)**, from the purchase model (BG/NBD, Modified BG/NBD or Pareto/NBD, chosen by a
  backtest: :func:`helpers.scoring.model_clv`): the chance that the customer still buys
  from the shop at all, however rarely.

A customer who orders twice a year will probably buy nothing in the next 90 days (high
P(churn)) and is still a customer (high P(alive)): both numbers are right.
:func:`risk_measures_text` says so with the report's numbers.

:func:`tier_values` sets each tier's expected value over the horizon beside what the tier
spent over as long a period at its pace so far, and :func:`lowest_tier_check` reads the
lowest tier. The purchase model learns a customer's buying
rate from repeat purchases; of a customer who bought once it knows little, so it leans on the
average customer, and BG/NBD even counts every one-purchase customer as alive (P(alive) = 1:
it lets customers drop out only right after a repeat purchase). In a low tier made of
one-purchase customers that can put the expected value above the tier's own revenue;
the report then says so, and why (:meth:`TierCheck.sentence`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers import dates
from helpers.checks import require_columns
from helpers.report_tables import join_sentences
from helpers.translation import gettext as _
from helpers.value_formulas import check_horizon_months

__all__ = ["TierCheck", "lowest_tier_check", "risk_measures_text", "tier_values"]


@dataclass(frozen=True)
class TierCheck:
    """The lowest tier's expected value against its revenue so far (per customer).

    Attributes
    ----------
    tier : int
        The lowest tier (the largest tier number).
    customers : int
        Its customers.
    mean_clv : float
        Expected value (margin, discounted) per customer over the horizon.
    revenue : float
        The tier's revenue over the observed period.
    years : float
        The observed period, in years (from the first order line to the analysis date).
    horizon_months : float
        The CLV horizon.
    revenue_pace : float
        Revenue per customer over a period as long as the horizon, at the pace so far:
        ``revenue / customers / years * horizon_months / 12``.
    one_purchase_share : float
        Share of the tier's customers with a single order.
    mean_p_alive, mean_p_churn : float
        The tier's mean P(alive) and P(churn) (NaN when not scored).
    model : str or None
        The purchase model's name.
    """

    tier: int
    customers: int
    mean_clv: float
    revenue: float
    years: float
    horizon_months: float
    revenue_pace: float
    one_purchase_share: float
    mean_p_alive: float
    mean_p_churn: float
    model: str | None

    @property
    def exceeds(self) -> bool:
        """Whether the expected value is above the revenue at the pace so far."""
        return bool(self.mean_clv > self.revenue_pace)

    def sentence(self, currency: str = "£") -> str:
        """Say why the expected value is above the revenue so far ("" when it is not).

        Parameters
        ----------
        currency : str, default "£"

        Returns
        -------
        str
        """
        if not self.exceeds:
            return ""
        months = f"{self.horizon_months:g}"
        sentences = [
            _(
                "Tier {tier}, the lowest, is expected to bring {currency}{clv:,.2f} of margin per "
                "customer in the next {months} months, more than the {currency}{pace:,.2f} of "
                "revenue per customer that {months} months brought at its pace so far "
                "({currency}{revenue:,.0f} from {customers:,} customers over {years:.1f} years)."
            ).format(
                tier=self.tier,
                currency=currency,
                clv=self.mean_clv,
                months=months,
                pace=self.revenue_pace,
                revenue=self.revenue,
                customers=self.customers,
                years=self.years,
            ),
            _("{share:.0%} of these customers ordered only once.").format(
                share=self.one_purchase_share
            ),
        ]
        alive, churn = pd.notna(self.mean_p_alive), pd.notna(self.mean_p_churn)
        sentences.append(
            self._little_known(bg_nbd=self.model == "BG/NBD", churn_too=churn and not alive).format(
                churn=self.mean_p_churn
            )
        )
        if alive and churn:
            sentences.append(
                _(
                    "Their mean P(alive) is {alive:.2f}, while the churn model gives them a mean "
                    "P(churn) of {churn:.2f}."
                ).format(alive=self.mean_p_alive, churn=self.mean_p_churn)
            )
        elif alive:
            sentences.append(
                _("Their mean P(alive) is {alive:.2f}.").format(alive=self.mean_p_alive)
            )
        sentences.append(
            _("Read this tier's expected value as an upper bound, not a forecast to spend against.")
        )
        return join_sentences(sentences)

    @staticmethod
    def _little_known(*, bg_nbd: bool, churn_too: bool) -> str:
        """Say why the model knows little of one-order customers (a message with {churn})."""
        if bg_nbd and churn_too:
            return _(
                "From one order the purchase model can tell little about how often someone buys, "
                "so it leans on the average customer; and BG/NBD counts every one-order customer "
                "as still active (P(alive) = 1), because it lets a customer drop out only right "
                "after a repeat order, while the churn model gives them a mean P(churn) of "
                "{churn:.2f}."
            )
        if bg_nbd:
            return _(
                "From one order the purchase model can tell little about how often someone buys, "
                "so it leans on the average customer; and BG/NBD counts every one-order customer "
                "as still active (P(alive) = 1), because it lets a customer drop out only right "
                "after a repeat order."
            )
        if churn_too:
            return _(
                "From one order the purchase model can tell little about how often someone buys, "
                "so it leans on the average customer, while the churn model gives them a mean "
                "P(churn) of {churn:.2f}."
            )
        return _(
            "From one order the purchase model can tell little about how often someone buys, so "
            "it leans on the average customer."
        )


def tier_values(
    view: pd.DataFrame,
    *,
    first_order: pd.Timestamp,
    as_of: pd.Timestamp,
    horizon_months: float,
) -> pd.DataFrame:
    """Per tier: revenue so far, its pace over the horizon, expected value, risk.

    Parameters
    ----------
    view : pandas.DataFrame
        One row per customer with ``tier`` (1 = top), ``revenue``, ``purchases`` (orders) and
        ``clv`` (over ``horizon_months``); ``p_churn`` and ``p_alive`` when present.
    first_order : pandas.Timestamp
        The first order line's date: the observed period starts there.
    as_of : pandas.Timestamp
        The analysis date (exclusive): the observed period ends there.
    horizon_months : float
        The CLV horizon, in months (> 0).

    Returns
    -------
    pandas.DataFrame
        Indexed by tier: ``customers``, ``revenue``, ``revenue_pace`` (revenue per customer
        over a period as long as the horizon, at the pace so far), ``clv`` (sum; a missing
        CLV counts 0), ``mean_clv``, ``one_order_share``, ``mean_p_churn``, ``mean_p_alive``
        (NaN without the column). ``attrs``: ``years`` (the observed period) and
        ``horizon_months``.

    Raises
    ------
    ValueError
        For a missing column, an empty view, a non-positive horizon, or an observed period
        that is not positive.
    """
    require_columns(view, ["tier", "revenue", "purchases", "clv"], "view")
    check_horizon_months(horizon_months)
    as_of = dates.to_timestamp(as_of, "as_of")
    first_order = dates.to_timestamp(first_order, "first_order")
    days = (as_of - first_order) / pd.Timedelta(days=1)
    if not days > 0:
        raise ValueError(
            f"as_of {as_of:%Y-%m-%d} must be after first_order "
            f"{first_order:%Y-%m-%d}: the observed period is empty"
        )
    years = days / dates.DAYS_PER_YEAR
    data = view.assign(
        clv=view["clv"].fillna(0.0),
        one_order=view["purchases"] == 1,
        p_churn=view["p_churn"] if "p_churn" in view else float("nan"),
        p_alive=view["p_alive"] if "p_alive" in view else float("nan"),
    )
    table = data.groupby("tier").agg(
        customers=("revenue", "size"),
        revenue=("revenue", "sum"),
        clv=("clv", "sum"),
        mean_clv=("clv", "mean"),
        one_order_share=("one_order", "mean"),
        mean_p_churn=("p_churn", "mean"),
        mean_p_alive=("p_alive", "mean"),
    )
    pace = table["revenue"] / table["customers"] / years * float(horizon_months) / 12
    table.insert(2, "revenue_pace", pace)
    table.attrs.update(years=years, horizon_months=float(horizon_months))
    return table


def lowest_tier_check(table: pd.DataFrame, *, model: str | None = None) -> TierCheck:
    """Compare the lowest tier's expected value with its revenue at the pace so far.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`tier_values`.
    model : str, optional
        The purchase model's name (``view.attrs["purchase_model"]``).

    Returns
    -------
    TierCheck
    """
    require_columns(table, ["customers", "revenue", "revenue_pace", "mean_clv"], "table")
    lowest = table.index.max()
    row = table.loc[lowest]
    return TierCheck(
        tier=int(lowest),
        customers=int(row["customers"]),
        mean_clv=float(row["mean_clv"]),
        revenue=float(row["revenue"]),
        years=float(table.attrs["years"]),
        horizon_months=float(table.attrs["horizon_months"]),
        revenue_pace=float(row["revenue_pace"]),
        one_purchase_share=float(row["one_order_share"]),
        mean_p_alive=float(row["mean_p_alive"]),
        mean_p_churn=float(row["mean_p_churn"]),
        model=model,
    )


def risk_measures_text(
    view: pd.DataFrame,
    *,
    window_days: int,
    model: str | None,
    risk_threshold: float = 0.5,
    alive_floor: float = 0.1,
) -> list[str]:
    """Say what P(churn) and P(alive) mean, why they differ, with the report's numbers.

    Parameters
    ----------
    view : pandas.DataFrame
        One row per customer with ``tier``, ``p_churn`` and ``p_alive``.
    window_days : int
        The churn window.
    model : str or None
        The purchase model's name (None: not fitted).
    risk_threshold : float, default 0.5
        The P(churn) from which the playbook counts a customer as likely to leave.
    alive_floor : float, default 0.1
        The P(alive) below which the playbook gives a customer up.

    Returns
    -------
    list of str
        Four or five sentences (the fifth when P(alive) is 0.99 or more for 90% of the
        customers: the purchase model then sees no dropout and P(alive) tells nobody apart).
    """
    require_columns(view, ["tier", "p_churn", "p_alive"], "view")
    lowest = int(view["tier"].max())
    tier = view[view["tier"] == lowest]
    at_risk = int((view["p_churn"] >= risk_threshold).sum())
    if model:
        first = _(
            "Two risk measures answer two questions. P(churn), from the churn model, is the "
            "chance that a customer buys nothing in the next {days} days; the model learned it "
            "from what customers did in the {days} days after an earlier date. P(alive), from "
            "the purchase model ({model}), is the chance that a customer still buys from the shop "
            "at all, however rarely."
        )
    else:
        first = _(
            "Two risk measures answer two questions. P(churn), from the churn model, is the "
            "chance that a customer buys nothing in the next {days} days; the model learned it "
            "from what customers did in the {days} days after an earlier date. P(alive), from "
            "the purchase model, is the chance that a customer still buys from the shop at all, "
            "however rarely."
        )
    sentences = [
        first.format(days=window_days, model=model),
        _(
            "They differ because a customer who orders a few times a year will probably buy "
            "nothing in the next {days} days (a high P(churn)) and is still a customer (a high "
            "P(alive)). Both are right; they are not two estimates of the same thing."
        ).format(days=window_days),
    ]
    if view["p_alive"].notna().any():
        sentences.append(
            _(
                "Over all customers the mean P(churn) is {churn:.2f} and the mean P(alive) "
                "{alive:.2f}; in tier {tier}, the lowest, they are {tier_churn:.2f} and "
                "{tier_alive:.2f}."
            ).format(
                churn=view["p_churn"].mean(),
                alive=view["p_alive"].mean(),
                tier=lowest,
                tier_churn=tier["p_churn"].mean(),
                tier_alive=tier["p_alive"].mean(),
            )
        )
        sure = float((view["p_alive"] >= 0.99).mean())
        if sure >= 0.9:
            sentences.append(
                _(
                    "Here the purchase model finds almost no dropout: it gives {share:.0%} of the "
                    "customers a P(alive) of 0.99 or more, so P(alive) cannot tell who has left; "
                    "P(churn) can."
                ).format(share=sure)
            )
    else:
        sentences.append(_("P(alive) is not available: the purchase model could not be fitted."))
    sentences.append(
        _(
            "This report uses one risk measure, P(churn): a customer with P(churn) of "
            "{threshold:.0%} or more counts as at risk ({at_risk:,} of {n:,}). P(alive) only "
            "sends customers the purchase model has given up for lost (P(alive) below "
            "{floor:.0%}) to a cheap win-back message rather than a retention offer."
        ).format(threshold=risk_threshold, at_risk=at_risk, n=len(view), floor=alive_floor)
    )
    return sentences
