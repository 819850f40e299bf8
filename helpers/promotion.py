"""Limited-time promotions: which products, how deep, how long, and is it worth it.

Break-even sales lift
---------------------
A product sells at price ``p`` with unit cost ``c``; its margin as a share of price is
``m = (p - c) / p``. A discount of depth ``d`` (a share of price) leaves a unit margin of
``p (1 - d) - c = p (m - d)``. Selling ``q`` units at full price earns ``q p m``; to earn the
same at the discount, sales must rise to ``q'`` with ``q' p (m - d) = q p m``, so

    q' / q = m / (m - d),   break-even lift = q' / q - 1 = d / (m - d).

With ``d = 10%`` and ``m = 40%`` the promotion must sell 0.10 / 0.30 = 33.3% more units just to
earn what it would have earned anyway; with ``d >= m`` every unit sold loses money and no lift
breaks even.

Price elasticity
----------------
Under a constant price elasticity ``e`` (a 1% lower price sells about e% more units),
sales at the discounted price are ``q (1 - d) ** (-e)``: the expected lift is
``(1 - d) ** (-e) - 1``. The promotion pays when this lift exceeds the break-even lift. Units
sold can never exceed the stock on hand, which caps both the baseline and the promotion.

Product choice
--------------
Candidates are products that still sell (velocity > 0), have stock for more than
``min_cover_days`` at their current pace (overstock: the money is tied up on shelves), and a
margin of at least ``min_margin`` (room for a discount). They are ranked by the value of the
stock beyond ``min_cover_days`` of sales, at cost.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import check_days, check_numbers, check_share, require_columns

__all__ = [
    "break_even_lift",
    "elasticity_lift",
    "plan_promotion",
    "promotion_candidates",
    "promotion_effect",
    "promotion_list",
    "sales_velocity",
]


def break_even_lift(depth: float | np.ndarray, margin: float | np.ndarray) -> float | np.ndarray:
    """Sales lift a discount needs to earn the same margin as no discount: ``d / (m - d)``.

    Parameters
    ----------
    depth : float or array
        Discount as a share of price, in (0, 1).
    margin : float or array
        Margin as a share of price, ``(price - cost) / price``, in (0, 1].

    Returns
    -------
    float or numpy.ndarray
        The break-even lift (0.333 for a 10% discount on a 40% margin); ``inf`` where the
        discount is as deep as the margin or deeper (no lift can break even).
    """
    check_share("depth", depth, "discount share of price", include_one=False)
    check_share("margin", margin, "margin share of price")
    d, m = np.asarray(depth, dtype=float), np.asarray(margin, dtype=float)
    with np.errstate(divide="ignore"):
        lift = np.where(m > d, d / np.where(m > d, m - d, 1.0), np.inf)
    return float(lift) if lift.ndim == 0 else lift


def elasticity_lift(depth: float | np.ndarray, elasticity: float) -> float | np.ndarray:
    """Return the expected lift of a discount at a constant price elasticity: ``(1-d)^-e - 1``.

    Parameters
    ----------
    depth : float or array
        Discount as a share of price, in (0, 1).
    elasticity : float
        Price elasticity as a positive number (2 means: 1% cheaper, about 2% more units).

    Returns
    -------
    float or numpy.ndarray
    """
    check_share("depth", depth, "discount share of price", include_one=False)
    check_numbers("elasticity", elasticity, ">= 0", lambda e: e >= 0)
    lift = (1 - np.asarray(depth, dtype=float)) ** (-float(elasticity)) - 1
    return float(lift) if lift.ndim == 0 else lift


def sales_velocity(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    window_days: int = 90,
    *,
    product_id: str = s.PRODUCT_ID,
    quantity: str = s.QUANTITY,
    invoice_date: str = s.INVOICE_DATE,
) -> pd.Series:
    """Units sold per day of each product over the ``window_days`` before ``as_of``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    as_of : str or pandas.Timestamp
        End of the window (exclusive).
    window_days : int, default 90
        Length of the window.
    product_id, quantity, invoice_date : str
        Column names.

    Returns
    -------
    pandas.Series
        ``velocity`` per product with a sale in the window.
    """
    require_columns(transactions, [product_id, quantity, invoice_date], "transactions")
    check_days("window_days", window_days)
    end = pd.Timestamp(as_of)
    dates = transactions[invoice_date]
    window = transactions[(dates >= end - pd.Timedelta(days=int(window_days))) & (dates < end)]
    units = window.groupby(product_id)[quantity].sum().astype(float)
    return (units / window_days).rename("velocity")


def promotion_candidates(
    products: pd.DataFrame,
    velocity: pd.Series,
    *,
    min_cover_days: int = 120,
    min_margin: float = 0.35,
    n: int = 10,
) -> pd.DataFrame:
    """Choose products for a promotion by stock on hand, sales velocity and margin.

    Parameters
    ----------
    products : pandas.DataFrame
        ``product_id``, ``unit_price``, ``unit_cost``, ``stock_on_hand`` (``description``
        and ``category`` are kept when present).
    velocity : pandas.Series
        Units sold per day per product (:func:`sales_velocity`); a product missing from it
        has not sold.
    min_cover_days : int, default 120
        A product is overstocked when its stock lasts longer than this at its current pace.
    min_margin : float, default 0.35
        Smallest margin (share of price) that leaves room for a discount.
    n : int, default 10
        How many products to choose.

    Returns
    -------
    pandas.DataFrame
        Every product with ``margin``, ``velocity``, ``days_of_cover``, ``excess_stock_value``
        (stock beyond ``min_cover_days`` of sales, at cost), ``selected`` and ``why`` (the
        first rule a product fails, or "selected"); selected products first, by excess value.
    """
    needed = [s.PRODUCT_ID, s.UNIT_PRICE, s.UNIT_COST, s.STOCK_ON_HAND]
    require_columns(products, needed, "products")
    check_days("min_cover_days", min_cover_days)
    check_share("min_margin", min_margin)
    table = products.set_index(s.PRODUCT_ID)
    price = table[s.UNIT_PRICE].astype(float)
    check_numbers("products['unit_price']", price, "> 0", lambda p: p > 0)
    table = table.assign(
        margin=(price - table[s.UNIT_COST]) / price,
        velocity=velocity.reindex(table.index).fillna(0.0).astype(float),
    )
    with np.errstate(divide="ignore"):
        table["days_of_cover"] = table[s.STOCK_ON_HAND] / table["velocity"]
    excess = table[s.STOCK_ON_HAND] - table["velocity"] * min_cover_days
    table["excess_stock_value"] = excess.clip(lower=0) * table[s.UNIT_COST]
    why = np.select(
        [
            table["velocity"] <= 0,
            table["days_of_cover"] <= min_cover_days,
            table["margin"] < min_margin,
        ],
        [
            "no sales in the window",
            f"stock lasts {min_cover_days} days or less",
            f"margin below {min_margin:.0%}",
        ],
        default="candidate",
    )
    table["why"] = why
    ranked = table[why == "candidate"].sort_values("excess_stock_value", ascending=False)
    chosen = ranked.index[:n]
    table["selected"] = table.index.isin(chosen)
    table.loc[table["why"] == "candidate", "why"] = "candidate, not in the top n"
    table.loc[table["selected"], "why"] = "selected"
    order = table["selected"].map({True: 0, False: 1})
    table = table.assign(_order=order).sort_values(
        ["_order", "excess_stock_value"], ascending=[True, False], kind="mergesort"
    )
    return table.drop(columns="_order").rename_axis(s.PRODUCT_ID)


def promotion_effect(
    candidates: pd.DataFrame, depth: float, duration_days: int, elasticity: float
) -> pd.DataFrame:
    """Compute the profit effect of a discount on each product, against no promotion.

    Over ``duration_days``, the baseline sells ``velocity x days`` units at full price and the
    promotion ``velocity x days x (1 + lift)`` at the discount, both capped by the stock.
    ``profit_effect`` is the promotion's margin minus the baseline's.

    Parameters
    ----------
    candidates : pandas.DataFrame
        ``unit_price``, ``unit_cost``, ``stock_on_hand``, ``velocity`` per product.
    depth : float
        Discount as a share of price, in (0, 1).
    duration_days : int
        Length of the promotion.
    elasticity : float
        Price elasticity (positive).

    Returns
    -------
    pandas.DataFrame
        Per product: ``margin``, ``break_even_lift``, ``expected_lift``, ``baseline_units``,
        ``promo_units``, ``baseline_profit``, ``promo_profit``, ``profit_effect``.
    """
    check_days("duration_days", duration_days)
    require_columns(
        candidates, [s.UNIT_PRICE, s.UNIT_COST, s.STOCK_ON_HAND, "velocity"], "candidates"
    )
    price, cost = candidates[s.UNIT_PRICE].astype(float), candidates[s.UNIT_COST].astype(float)
    stock = candidates[s.STOCK_ON_HAND].astype(float)
    margin = (price - cost) / price
    lift = elasticity_lift(depth, elasticity)
    base_units = np.minimum(candidates["velocity"] * duration_days, stock)
    promo_units = np.minimum(candidates["velocity"] * duration_days * (1 + lift), stock)
    out = pd.DataFrame(
        {
            "margin": margin,
            "break_even_lift": break_even_lift(depth, margin.clip(lower=1e-9)),
            "expected_lift": lift,
            "baseline_units": base_units,
            "promo_units": promo_units,
            "baseline_profit": base_units * (price - cost),
            "promo_profit": promo_units * (price * (1 - depth) - cost),
        },
        index=candidates.index,
    )
    out["profit_effect"] = out["promo_profit"] - out["baseline_profit"]
    return out


def plan_promotion(
    candidates: pd.DataFrame,
    *,
    depths: Sequence[float] = (0.1, 0.2, 0.3),
    durations: Sequence[int] = (7, 14, 28),
    elasticity: float = 2.5,
) -> pd.DataFrame:
    """Try every depth x duration on the selected products; the best pays most in total.

    Parameters
    ----------
    candidates : pandas.DataFrame
        :func:`promotion_candidates` (only ``selected`` rows are used when the column exists).
    depths : sequence of float, default (0.1, 0.2, 0.3)
        Discounts to try.
    durations : sequence of int, default (7, 14, 28)
        Lengths in days to try.
    elasticity : float, default 2.5
        Price elasticity assumed.

    Returns
    -------
    pandas.DataFrame
        One row per (depth, duration): ``profit_effect`` (summed over products),
        ``products_paying`` (products with a positive effect), ``extra_units``; sorted best
        first. ``attrs["best"]``: the best (depth, duration) when its effect is positive,
        else ``None`` (no promotion pays: do not run one).
    """
    chosen = candidates[candidates["selected"]] if "selected" in candidates else candidates
    rows = []
    for depth in depths:
        for days in durations:
            effect = promotion_effect(chosen, depth, days, elasticity)
            rows.append(
                {
                    "depth": depth,
                    "duration_days": days,
                    "profit_effect": float(effect["profit_effect"].sum()),
                    "products_paying": int((effect["profit_effect"] > 0).sum()),
                    "extra_units": float((effect["promo_units"] - effect["baseline_units"]).sum()),
                }
            )
    grid = pd.DataFrame(rows).sort_values("profit_effect", ascending=False, kind="mergesort")
    grid = grid.reset_index(drop=True)
    best = grid.iloc[0]
    positive = len(grid) and best["profit_effect"] > 0
    grid.attrs["best"] = (float(best["depth"]), int(best["duration_days"])) if positive else None
    grid.attrs["elasticity"] = elasticity
    return grid


def promotion_list(
    candidates: pd.DataFrame, depth: float, duration_days: int, elasticity: float
) -> pd.DataFrame:
    """Turn the promotion into a campaign list: a row per product whose profit effect is > 0.

    Parameters
    ----------
    candidates : pandas.DataFrame
        :func:`promotion_candidates` (selected rows are used).
    depth, duration_days, elasticity
        The chosen promotion (see :func:`plan_promotion`).

    Returns
    -------
    pandas.DataFrame
        ``product_id``, ``action``, ``offer``, ``expected_value`` (profit effect),
        ``reason``, ``break_even_lift``, ``expected_lift``.
    """
    chosen = candidates[candidates["selected"]] if "selected" in candidates else candidates
    effect = promotion_effect(chosen, depth, duration_days, elasticity)
    effect = effect[effect["profit_effect"] > 0]
    out = pd.DataFrame(
        {
            s.PRODUCT_ID: effect.index,
            "action": "limited-time promotion",
            "offer": f"{depth:.0%} off for {duration_days} days",
            "expected_value": effect["profit_effect"].to_numpy(),
            "reason": [
                f"{c:,.0f} days of stock, margin {m:.0%}: break-even lift {b:.0%}, expected "
                f"{e:.0%} at elasticity {elasticity:g}"
                for c, m, b, e in zip(
                    chosen.loc[effect.index, "days_of_cover"]
                    if "days_of_cover" in chosen
                    else np.full(len(effect), np.nan),
                    effect["margin"],
                    effect["break_even_lift"],
                    effect["expected_lift"],
                    strict=True,
                )
            ],
            "break_even_lift": effect["break_even_lift"].to_numpy(),
            "expected_lift": effect["expected_lift"].to_numpy(),
        }
    )
    return out.sort_values("expected_value", ascending=False, kind="mergesort").reset_index(
        drop=True
    )
