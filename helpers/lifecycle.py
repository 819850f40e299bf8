"""Customer lifecycle stages: prospect, new, growing, retained, lapsed.

CRM texts describe a customer's life in stages (潜在客户 prospect, 转化 conversion, 成长
growth, 保持 retention, 流失 churn) and ask for a different treatment in each. The order log
places every customer in one stage at the analysis date, by rules read in this order:

========== ==============================================================================
prospect   in the customers table, no purchase before ``as_of`` (signed up, never bought)
new        first purchase within the last ``new_days`` (just converted)
lapsed     last purchase more than ``lapse_days`` ago (lost, for now)
growing    spend in the last ``trend_days`` at least ``growth`` times the spend in the
           ``trend_days`` before (buying more)
retained   everybody else: buying, not growing
========== ==============================================================================

The stages describe behaviour, not value: a customer in any stage can be in any value tier
(:mod:`helpers.tiers`), and the two together say where attention pays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import check_days, check_numbers, require_columns

__all__ = ["STAGES", "lifecycle_stages"]

#: The stages, in the order of a customer's life.
STAGES: tuple[str, ...] = ("prospect", "new", "growing", "retained", "lapsed")


def lifecycle_stages(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    *,
    customers: pd.DataFrame | None = None,
    new_days: int = 90,
    lapse_days: int = 180,
    trend_days: int = 180,
    growth: float = 1.25,
) -> pd.DataFrame:
    """Place every customer in one lifecycle stage at ``as_of``, with the reason.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (``customer_id``, ``invoice_date``, ``amount``); lines at or after
        ``as_of`` are not used.
    as_of : str or pandas.Timestamp
        The analysis date (exclusive).
    customers : pandas.DataFrame, optional
        The customers table (``customer_id``): those without a purchase are prospects.
    new_days, lapse_days, trend_days : int
        The windows of the rules (see the module's table), in days.
    growth : float, default 1.25
        How much more the last ``trend_days`` must bring than the ones before (> 1).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer: ``stage`` (an ordered categorical of :data:`STAGES`),
        ``first_purchase``, ``last_purchase``, ``spend_recent``, ``spend_before`` and
        ``reason`` (in words).
    """
    require_columns(transactions, [s.CUSTOMER_ID, s.INVOICE_DATE, s.AMOUNT], "transactions")
    for name, days in {"new_days": new_days, "lapse_days": lapse_days}.items():
        check_days(name, days)
    check_days("trend_days", trend_days)
    check_numbers("growth", growth, "> 1", lambda g: g > 1)
    end = pd.Timestamp(as_of)
    lines = transactions[transactions[s.INVOICE_DATE] < end]
    by = lines.groupby(s.CUSTOMER_ID)
    recent_start = end - pd.Timedelta(days=trend_days)
    before_start = recent_start - pd.Timedelta(days=trend_days)
    dates = lines[s.INVOICE_DATE]
    recent = lines[dates >= recent_start].groupby(s.CUSTOMER_ID)[s.AMOUNT].sum()
    before = lines[(dates >= before_start) & (dates < recent_start)]
    before = before.groupby(s.CUSTOMER_ID)[s.AMOUNT].sum()
    table = pd.DataFrame(
        {
            "first_purchase": by[s.INVOICE_DATE].min(),
            "last_purchase": by[s.INVOICE_DATE].max(),
        }
    )
    table["spend_recent"] = recent.reindex(table.index).fillna(0.0)
    table["spend_before"] = before.reindex(table.index).fillna(0.0)
    if customers is not None:
        require_columns(customers, [s.CUSTOMER_ID], "customers")
        never = pd.Index(customers[s.CUSTOMER_ID].astype(str).unique()).difference(table.index)
        table = pd.concat([table, pd.DataFrame(index=never)]).rename_axis(s.CUSTOMER_ID)
    age = (end - table["first_purchase"]).dt.days
    idle = (end - table["last_purchase"]).dt.days
    rising = table["spend_recent"] >= growth * table["spend_before"]
    stage = np.select(
        [
            table["first_purchase"].isna(),
            age <= new_days,
            idle > lapse_days,
            rising & (table["spend_recent"] > 0),
        ],
        ["prospect", "new", "lapsed", "growing"],
        default="retained",
    )
    table["stage"] = pd.Categorical(stage, categories=list(STAGES), ordered=True)
    table["reason"] = [
        _reason(st, a, i, r, b, new_days, lapse_days, trend_days)
        for st, a, i, r, b in zip(
            stage, age, idle, table["spend_recent"], table["spend_before"], strict=True
        )
    ]
    columns = ["stage", "first_purchase", "last_purchase", "spend_recent", "spend_before"]
    return table[[*columns, "reason"]].sort_index()


def _reason(
    stage: str,
    age: float,
    idle: float,
    recent: float,
    before: float,
    new_days: int,
    lapse_days: int,
    trend_days: int,
) -> str:
    if stage == "prospect":
        return "signed up, no purchase yet"
    if stage == "new":
        return f"first purchase {age:.0f} days ago (within {new_days})"
    if stage == "lapsed":
        return f"no purchase for {idle:.0f} days (more than {lapse_days})"
    trend = f"{recent:,.2f} in the last {trend_days} days against {before:,.2f} before"
    return trend + ("" if stage == "retained" else ": growing")
