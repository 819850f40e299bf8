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

from helpers import schema as s
from helpers.checks import require_columns
from helpers.report_risk import TierCheck
from helpers.report_tables import Table, report_table

__all__ = ["CAMPAIGN_NAMES", "campaign_overview", "executive_summary", "report_title"]

#: The campaign lists in words.
CAMPAIGN_NAMES: dict[str, str] = {
    "retention": "retention offer",
    "cross_sell": "cross-sell",
    "expansion": "look-alike development",
    "birthday": "birthday greeting",
    "promotion": "limited-time promotion",
}

#: What each strategy asks for, in the summary's words.
_ACTIONS: dict[str, str] = {
    "retain": "keep {n} top customers likely to leave with a retention offer",
    "care": "look after {n} top customers who are staying (no discount needed)",
    "win back": "send {n} lapsing or lapsed customers a low-cost win-back message",
    "expansion": "develop {n} new customers",
    "upgrade": "grow the baskets of {n} others with cross-sell",
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
    return f"Customer value report: {Path(source).name}, {_day(first)} to {_day(last)}"


def _day(moment: pd.Timestamp) -> str:
    """Write a date in words: 1 Jan 2023."""
    moment = pd.Timestamp(moment)
    return f"{moment.day} {moment:%b %Y}"


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
    lines: pd.DataFrame,
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
    lines : pandas.DataFrame
        The clean order lines analysed (``customer_id``, ``invoice_id``, ``invoice_date``,
        ``amount``).
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
    require_columns(lines, [s.CUSTOMER_ID, s.INVOICE_ID, s.INVOICE_DATE, s.AMOUNT], "lines")
    require_columns(assigned, ["tier", "clv", "p_churn", "high_risk", "strategy"], "assigned")
    revenue = float(lines[s.AMOUNT].sum())
    customers = len(assigned)
    first, last = lines[s.INVOICE_DATE].min(), lines[s.INVOICE_DATE].max()
    top = assigned["tier"] == assigned["tier"].min()
    top_share = float(assigned.loc[top, "revenue"].sum()) / revenue if revenue else float("nan")
    clv = float(assigned["clv"].fillna(0.0).sum())
    at_risk = assigned["high_risk"]
    threshold = assigned.attrs.get("risk_threshold", 0.5)
    model = assigned.attrs.get("purchase_model")
    months = f"{horizon_months:g}"
    points = [
        f"{customers:,} customers placed {lines[s.INVOICE_ID].nunique():,} orders worth "
        f"{currency}{revenue:,.0f} between {_day(first)} and {_day(last)}.",
        f"Value is concentrated: the top tier ({int(top.sum()):,} customers, "
        f"{top.mean():.0%} of them) brought {top_share:.0%} of the revenue.",
        f"Expected value of today's customers over the next {months} months: "
        f"{currency}{clv:,.0f} of margin"
        + (f" at {margin[0]:.1%} of spend, {margin[1]}" if margin else "")
        + (f" (purchase model {model}, chosen by a backtest on this data)." if model else "."),
        f"{int(at_risk.sum()):,} customers ({at_risk.mean():.0%}) are at risk: their chance of "
        f"buying nothing in the next {window_days} days is {threshold:.0%} or more. Among them "
        f"{int((at_risk & top).sum()):,} are top-tier customers, holding "
        f"{currency}{assigned.loc[at_risk & top, 'clv'].fillna(0.0).sum():,.0f} of expected "
        "value.",
    ]
    counts = assigned["strategy"].value_counts()
    actions = [
        template.format(n=f"{int(counts[name]):,}")
        for name, template in _ACTIONS.items()
        if counts.get(name, 0)
    ]
    if actions:
        points.append("What to do: " + "; ".join(actions) + ".")
    if lists:
        ready = [
            f"{CAMPAIGN_NAMES.get(name, name)} "
            + (f"on {len(table):,} products" if name == "promotion" else f"{len(table):,}")
            + (
                f" ({int(table['group'].eq('control').sum()):,} held out)"
                if "group" in table
                else ""
            )
            for name, table in lists.items()
        ]
        sentence = (
            f"{len(lists)} campaign {'lists are' if len(lists) > 1 else 'list is'} ready: "
            f"{'; '.join(ready)}. The customers held out are not contacted: comparing them with "
            "the contacted ones shows what a campaign earned."
        )
        if enough and not any(enough.values()):
            sentence += " No list is large enough to prove its expected uplift: run them as pilots."
        points.append(sentence)
    if check is not None and check.exceeds:
        points.append(
            f"Caution: tier {check.tier}'s expected value ({currency}{check.mean_clv:,.2f} per "
            f"customer) is above what it spent at its pace so far "
            f"({currency}{check.revenue_pace:,.2f} per {months} months); "
            f"{check.one_purchase_share:.0%} of its customers ordered once, and the model "
            "knows little about them (see section 4.3)."
        )
    return points
