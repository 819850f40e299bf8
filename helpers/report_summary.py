"""The report's title and executive summary: the few numbers a manager needs, in words.

:func:`report_title` names the report after the data (file and period).
:func:`executive_summary` says, in six or seven sentences, how many customers bought how
much, how concentrated the value is, what the customers are expected to bring, how many are
at risk, what to do about it, and which campaign lists are ready with how many customers held
out as a control group; :func:`campaign_overview` is the table of those lists. The report
computes them at its end and shows them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from helpers.checks import require_columns
from helpers.report_data import KeyFigures
from helpers.report_risk import TierCheck
from helpers.report_tables import Table, report_table
from helpers.translation import N_
from helpers.translation import gettext as _

__all__ = ["CAMPAIGN_NAMES", "campaign_overview", "executive_summary", "report_title"]

#: The campaign lists in words.
CAMPAIGN_NAMES: dict[str, str] = {
    "retention": N_("retention offer"),
    "cross_sell": N_("cross-sell"),
    "expansion": N_("look-alike development"),
    "birthday": N_("birthday greeting"),
    "promotion": N_("limited-time promotion"),
}

#: What each strategy asks for, in the summary's words.
_ACTIONS: dict[str, str] = {
    "retain": N_("keep {n} top customers likely to leave with a retention offer"),
    "care": N_("look after {n} top customers who are staying (no discount needed)"),
    "win back": N_("send {n} lapsing or lapsed customers a low-cost win-back message"),
    "expansion": N_("develop {n} new customers"),
    "upgrade": N_("grow the baskets of {n} others with cross-sell"),
}


def report_title(source: str | Path, first: pd.Timestamp, last: pd.Timestamp) -> str:
    """Name the report after its data: the file and the period it covers.

    Parameters
    ----------
    source : str or path-like
        The order-lines file (only its name is used).
    first, last : pandas.Timestamp
        The first and last order dates.

    Returns
    -------
    str

    Examples
    --------
    >>> report_title("/data/orders.csv", pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31"))
    'Customer value report: orders.csv, 1 Jan 2023 to 31 Dec 2024'
    """
    return _("Customer value report: {file}, {first} to {last}").format(
        file=Path(source).name, first=_day(first), last=_day(last)
    )


def _day(moment: pd.Timestamp) -> str:
    """Write a date in words: 1 Jan 2023 (in Chinese 2023年1月1日)."""
    return pd.Timestamp(moment).strftime(_("%-d %b %Y"))


def campaign_overview(
    lists: Mapping[str, pd.DataFrame], *, currency: str = "£", group_col: str = "group"
) -> Table:
    """Tabulate the campaign lists: how many contacted, how many held out, the expected value.

    Parameters
    ----------
    lists : mapping
        Campaign name -> list (``expected_value``; ``group`` "treatment"/"control" when a
        control group is held out, as :func:`helpers.experiments.hold_out_lists` writes).
    currency : str, default "£"
    group_col : str, default "group"

    Returns
    -------
    Table
        One row per list: campaign, rows, contacted, held out, expected value of the
        contacted rows (all rows when nothing is held out).
    """
    rows = []
    for name, table in lists.items():
        held = (
            table[group_col].eq("control")
            if group_col in table
            else pd.Series(False, index=table.index)
        )
        rows.append(
            {
                "campaign": CAMPAIGN_NAMES.get(name, name.replace("_", " ")),
                "listed": len(table),
                "contacted": int((~held).sum()),
                "held out (control)": int(held.sum()) if group_col in table else None,
                "expected value": float(table.loc[~held, "expected_value"].sum()),
            }
        )
    frame = pd.DataFrame(
        rows, columns=["campaign", "listed", "contacted", "held out (control)", "expected value"]
    )
    return report_table(
        frame,
        {"held out (control)": "count", "expected value": "money"},
        currency=currency,
    )


def executive_summary(
    figures: KeyFigures,
    assigned: pd.DataFrame,
    lists: Mapping[str, pd.DataFrame],
    *,
    check: TierCheck | None,
    currency: str = "£",
    horizon_months: float = 12,
    window_days: int = 90,
    enough: Mapping[str, bool] | None = None,
    margin: tuple[float, str] | None = None,
) -> list[str]:
    """Write the executive summary: five to seven sentences with the numbers that matter.

    Parameters
    ----------
    figures : helpers.report_data.KeyFigures
        The key figures of the clean order lines analysed
        (:meth:`~helpers.report_data.KeyFigures.from_lines`).
    assigned : pandas.DataFrame
        :func:`helpers.strategy.assign_strategies`: ``tier``, ``clv``, ``p_churn``,
        ``high_risk``, ``strategy``; ``attrs`` ``risk_threshold``, ``purchase_model``.
    lists : mapping
        The campaign lists (with their control groups).
    check : TierCheck, optional
        :func:`helpers.report_risk.lowest_tier_check`; its caveat is added when it triggers.
    currency : str, default "£"
    horizon_months : float, default 12
    window_days : int, default 90
    enough : mapping, optional
        Campaign -> whether its control group can detect the expected uplift.
    margin : tuple of (float, str), optional
        The margin rate and its source (:func:`helpers.value.gross_margin_rate`), said with
        the expected value.

    Returns
    -------
    list of str
    """
    require_columns(assigned, ["tier", "clv", "p_churn", "high_risk", "strategy"], "assigned")
    revenue = figures.revenue
    customers = len(assigned)
    first, last = figures.first_order, figures.last_order
    top = assigned["tier"] == assigned["tier"].min()
    top_share = float(assigned.loc[top, "revenue"].sum()) / revenue if revenue else float("nan")
    clv = float(assigned["clv"].fillna(0.0).sum())
    at_risk = assigned["high_risk"]
    threshold = assigned.attrs.get("risk_threshold", 0.5)
    model = assigned.attrs.get("purchase_model")
    months = f"{horizon_months:g}"
    points = [
        _(
            "{customers:,} customers placed {orders:,} orders worth {currency}{revenue:,.0f} "
            "between {first} and {last}."
        ).format(
            customers=customers,
            orders=figures.orders,
            currency=currency,
            revenue=revenue,
            first=_day(first),
            last=_day(last),
        ),
        _(
            "Value is concentrated: the top tier ({n:,} customers, {share:.0%} of them) "
            "brought {revenue_share:.0%} of the revenue."
        ).format(n=int(top.sum()), share=top.mean(), revenue_share=top_share),
        _expected_value_sentence(months, currency, clv, margin, model),
        _(
            "{n:,} customers ({share:.0%}) are at risk: their chance of buying nothing in the "
            "next {days} days is {threshold:.0%} or more. Among them {top:,} are top-tier "
            "customers, holding {currency}{value:,.0f} of expected value."
        ).format(
            n=int(at_risk.sum()),
            share=at_risk.mean(),
            days=window_days,
            threshold=threshold,
            top=int((at_risk & top).sum()),
            currency=currency,
            value=assigned.loc[at_risk & top, "clv"].fillna(0.0).sum(),
        ),
    ]
    counts = assigned["strategy"].value_counts()
    actions = [
        _(template).format(n=f"{int(counts[name]):,}")
        for name, template in _ACTIONS.items()
        if counts.get(name, 0)
    ]
    if actions:
        points.append(_("What to do: {actions}.").format(actions=_("; ").join(actions)))
    if lists:
        points.append(_lists_sentence(lists, enough))
    if check is not None and check.exceeds:
        points.append(
            _(
                "Caution: tier {tier}'s expected value ({currency}{clv:,.2f} per customer) is "
                "above what it spent at its pace so far ({currency}{pace:,.2f} per {months} "
                "months); {once:.0%} of its customers ordered once, and the model knows little "
                "about them (see section 4.3)."
            ).format(
                tier=check.tier,
                currency=currency,
                clv=check.mean_clv,
                pace=check.revenue_pace,
                months=months,
                once=check.one_purchase_share,
            )
        )
    return points


def _expected_value_sentence(
    months: str, currency: str, clv: float, margin: tuple[float, str] | None, model: str | None
) -> str:
    """Say the expected value, with the margin and the purchase model when known."""
    if margin and model:
        text = _(
            "Expected value of today's customers over the next {months} months: "
            "{currency}{clv:,.0f} of margin at {rate:.1%} of spend, {source} (purchase model "
            "{model}, chosen by a backtest on this data)."
        )
    elif margin:
        text = _(
            "Expected value of today's customers over the next {months} months: "
            "{currency}{clv:,.0f} of margin at {rate:.1%} of spend, {source}."
        )
    elif model:
        text = _(
            "Expected value of today's customers over the next {months} months: "
            "{currency}{clv:,.0f} of margin (purchase model {model}, chosen by a backtest on "
            "this data)."
        )
    else:
        text = _(
            "Expected value of today's customers over the next {months} months: "
            "{currency}{clv:,.0f} of margin."
        )
    rate, source = margin if margin else (0.0, "")
    return text.format(
        months=months,
        currency=currency,
        clv=clv,
        rate=rate,
        source=source,
        model=model,
    )


def _lists_sentence(lists: Mapping[str, pd.DataFrame], enough: Mapping[str, bool] | None) -> str:
    """Say which campaign lists are ready, with their control groups."""
    ready = []
    for name, table in lists.items():
        campaign, n = _(CAMPAIGN_NAMES.get(name, name)), len(table)
        held = int(table["group"].eq("control").sum()) if "group" in table else None
        if name == "promotion":
            text = (
                _("{campaign} on {n:,} products")
                if held is None
                else _("{campaign} on {n:,} products ({held:,} held out)")
            )
        else:
            text = (
                _("{campaign} {n:,}") if held is None else _("{campaign} {n:,} ({held:,} held out)")
            )
        ready.append(text.format(campaign=campaign, n=n, held=held))
    sentence = (
        _(
            "{n} campaign lists are ready: {lists}. The customers held out are not contacted: "
            "comparing them with the contacted ones shows what a campaign earned."
        )
        if len(lists) > 1
        else _(
            "{n} campaign list is ready: {lists}. The customers held out are not contacted: "
            "comparing them with the contacted ones shows what a campaign earned."
        )
    ).format(n=len(lists), lists=_("; ").join(ready))
    if enough and not any(enough.values()):
        sentence = _(
            "{sentence} No list is large enough to prove its expected uplift: run them as pilots."
        ).format(sentence=sentence)
    return sentence
