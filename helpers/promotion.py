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
``(1 - d) ** (-e) - 1``. That curve bends upwards: every extra point of discount sells more
than the one before, which no shop sees. :func:`elasticity_lift` keeps it for comparison.

The response curve
------------------
The promotion's demand is modelled with diminishing returns in both directions:

- **depth**: on its first day a discount ``d`` lifts sales by
  ``L (1 - exp(-e d / L))`` (:func:`promotion_lift`), a concave "modified exponential"
  response: for small discounts it is the elasticity ``e`` (1% off, about e% more units), and
  however deep the cut the lift never passes ``L`` (``max_lift``: the customers a product can
  reach are finite);
- **duration**: the extra demand wears off as the customers who wanted the product have
  bought it; the lift halves every ``h`` days (``half_life_days``), so a promotion of ``D``
  days adds the first day's lift times ``h / ln 2 * (1 - 2 ** (-D / h))`` days
  (:func:`lift_days`), which tends to ``h / ln 2`` however long it runs.

The discount, meanwhile, is paid on every unit sold, also on the units that would have sold
at full price: that cost grows with every day. The day's extra margin beats the day's
discount while the day's lift is above the break-even lift, so the best duration is

    D* = h * log2(lift / break-even lift)    (none when the lift is below break-even),

found by :func:`best_duration`, not "the longer the better". Stock on hand caps the units
both with and without the promotion. The curve's three numbers are assumptions until a
test measures them: run the promotion in some stores or for a random half of the
customers and compare (:mod:`helpers.experiments`).

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
from helpers.dates import to_timestamp
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments
from helpers.threshold_offers import threshold_offer
from helpers.translation import gettext as _

__all__ = [
    "ELASTICITY",
    "MAX_LIFT",
    "HALF_LIFE_DAYS",
    "best_duration",
    "break_even_lift",
    "elasticity_lift",
    "lift_days",
    "plan_promotion",
    "promotion_candidates",
    "promotion_effect",
    "promotion_lift",
    "promotion_list",
    "sales_velocity",
    "threshold_offer",
]

#: Default lift per unit of discount for small discounts (1% off: 4% more units). Short
#: promotions draw more than permanent price changes (shoppers stock up); an assumption.
ELASTICITY: float = 4.0
#: Default ceiling of the first day's lift: a discount at most multiplies sales by 1 + 1.5.
MAX_LIFT: float = 1.5
#: Default half-life of the extra demand, in days.
HALF_LIFE_DAYS: float = 14.0


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


def promotion_lift(
    depth: float | np.ndarray, elasticity: float, max_lift: float = MAX_LIFT
) -> float | np.ndarray:
    """First-day sales lift of a discount, with diminishing returns: ``L (1 - exp(-e d / L))``.

    Parameters
    ----------
    depth : float or array
        Discount as a share of price, in (0, 1).
    elasticity : float
        The lift per unit of discount for small discounts (>= 0): 2.5 means 1% off sells
        about 2.5% more units.
    max_lift : float, default :data:`MAX_LIFT`
        The lift no discount passes (> 0).

    Returns
    -------
    float or numpy.ndarray
        0.3935 for 20% off at elasticity 2.5 with a ceiling of 1 (``1 - exp(-0.5)``).
    """
    check_share("depth", depth, "discount share of price", include_one=False)
    check_numbers("elasticity", elasticity, ">= 0", lambda e: e >= 0)
    check_numbers("max_lift", max_lift, "> 0", lambda m: m > 0)
    d = np.asarray(depth, dtype=float)
    lift = float(max_lift) * -np.expm1(-float(elasticity) * d / float(max_lift))
    return float(lift) if lift.ndim == 0 else lift


def lift_days(
    duration_days: float | np.ndarray, half_life_days: float = HALF_LIFE_DAYS
) -> float | np.ndarray:
    """Days of first-day lift a promotion of ``D`` days adds: ``h / ln 2 * (1 - 2^(-D/h))``.

    Parameters
    ----------
    duration_days : float or array
        Length of the promotion (>= 0).
    half_life_days : float, default :data:`HALF_LIFE_DAYS`
        Days after which the extra demand has halved (> 0).

    Returns
    -------
    float or numpy.ndarray
        Smaller than ``D`` and than ``h / ln 2`` (7 days of a 7-day half-life: 5.05).
    """
    check_numbers("duration_days", duration_days, ">= 0", lambda v: v >= 0)
    check_numbers("half_life_days", half_life_days, "> 0", lambda v: v > 0)
    h = float(half_life_days)
    days = h / np.log(2) * -np.expm1(-np.log(2) * np.asarray(duration_days, dtype=float) / h)
    return float(days) if days.ndim == 0 else days


def best_duration(
    depth: float | np.ndarray,
    margin: float | np.ndarray,
    elasticity: float,
    *,
    max_lift: float = MAX_LIFT,
    half_life_days: float = HALF_LIFE_DAYS,
) -> float | np.ndarray:
    """Return the duration that earns most: ``h log2(lift / break-even)``, 0 if none pays.

    The day's lift ``lift x 2^(-t/h)`` earns ``(m - d)`` per extra unit while the discount
    costs ``d`` on every unit; the promotion gains while ``lift x 2^(-t/h) (m - d) > d``, that
    is while the day's lift beats the break-even lift. Stock is not counted here.

    Parameters
    ----------
    depth : float or array
        Discount as a share of price, in (0, 1).
    margin : float or array
        Margin as a share of price, in (0, 1].
    elasticity, max_lift, half_life_days
        The response curve (:func:`promotion_lift`, :func:`lift_days`).

    Returns
    -------
    float or numpy.ndarray
        Days (not rounded); 0 where the first day's lift does not reach break-even.
    """
    lift = np.asarray(promotion_lift(depth, elasticity, max_lift), dtype=float)
    need = np.asarray(break_even_lift(depth, margin), dtype=float)
    with np.errstate(divide="ignore"):
        days = np.where(lift > need, float(half_life_days) * np.log2(lift / need), 0.0)
    return float(days) if days.ndim == 0 else days


@renamed_arguments(**LINE_COLUMN_RENAMES)
def sales_velocity(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp,
    window_days: int = 90,
    *,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    date_col: str = s.INVOICE_DATE,
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
    product_col, quantity_col, date_col : str
        Column names; default the canonical names of :mod:`helpers.schema` (the old names
        ``product_id``, ``quantity``, ``invoice_date`` still work, with a FutureWarning).

    Returns
    -------
    pandas.Series
        ``velocity`` per product with a sale in the window (the index named
        ``product_col``).
    """
    require_columns(transactions, [product_col, quantity_col, date_col], "transactions")
    check_days("window_days", window_days)
    end = to_timestamp(as_of, "as_of")
    dates = transactions[date_col]
    window = transactions[(dates >= end - pd.Timedelta(days=int(window_days))) & (dates < end)]
    units = window.groupby(product_col)[quantity_col].sum().astype(float)
    return (units / window_days).rename("velocity")


def promotion_candidates(
    products: pd.DataFrame,
    velocity: pd.Series,
    *,
    min_cover_days: int = 120,
    min_margin: float = 0.35,
    n: int = 10,
    product_col: str = s.PRODUCT_ID,
    price_col: str = s.UNIT_PRICE,
    cost_col: str = s.UNIT_COST,
    stock_col: str = s.STOCK_ON_HAND,
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
    product_col, price_col, cost_col, stock_col : str
        Column names of ``products`` (default the canonical names of :mod:`helpers.schema`).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``product_col``: every product with ``margin``, ``velocity``,
        ``days_of_cover``, ``excess_stock_value`` (stock beyond ``min_cover_days`` of sales,
        at cost), ``selected`` and ``why`` (the first rule a product fails, or "selected");
        selected products first, by excess value.
    """
    needed = [product_col, price_col, cost_col, stock_col]
    require_columns(products, needed, "products")
    check_days("min_cover_days", min_cover_days)
    check_share("min_margin", min_margin)
    table = products.set_index(product_col)
    price = table[price_col].astype(float)
    check_numbers(f"products[{price_col!r}]", price, "> 0", lambda p: p > 0)
    table = table.assign(
        margin=(price - table[cost_col]) / price,
        velocity=velocity.reindex(table.index).fillna(0.0).astype(float),
    )
    with np.errstate(divide="ignore"):
        table["days_of_cover"] = table[stock_col] / table["velocity"]
    excess = table[stock_col] - table["velocity"] * min_cover_days
    table["excess_stock_value"] = excess.clip(lower=0) * table[cost_col]
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
    return table.drop(columns="_order").rename_axis(product_col)


def promotion_effect(
    candidates: pd.DataFrame,
    depth: float,
    duration_days: int,
    elasticity: float,
    *,
    max_lift: float = MAX_LIFT,
    half_life_days: float = HALF_LIFE_DAYS,
    price_col: str = s.UNIT_PRICE,
    cost_col: str = s.UNIT_COST,
    stock_col: str = s.STOCK_ON_HAND,
) -> pd.DataFrame:
    """Compute the profit effect of a discount on each product, against no promotion.

    Over ``duration_days``, the baseline sells ``velocity x days`` units at full price and the
    promotion ``velocity x (days + lift x lift_days)`` at the discount (the response curve of
    the module's docstring), both capped by the stock. ``profit_effect`` is the promotion's
    margin minus the baseline's: the discount on the units that would have sold anyway is
    part of the promotion's cost.

    Parameters
    ----------
    candidates : pandas.DataFrame
        ``unit_price``, ``unit_cost``, ``stock_on_hand``, ``velocity`` per product.
    depth : float
        Discount as a share of price, in (0, 1).
    duration_days : int
        Length of the promotion.
    elasticity : float
        Lift per unit of discount for small discounts (:func:`promotion_lift`).
    max_lift, half_life_days : float
        The rest of the response curve (:func:`promotion_lift`, :func:`lift_days`).
    price_col, cost_col, stock_col : str
        Column names of ``candidates`` (default the canonical names of :mod:`helpers.schema`).

    Returns
    -------
    pandas.DataFrame
        Per product: ``margin``, ``break_even_lift``, ``expected_lift`` (the first day's),
        ``average_lift`` (over the promotion), ``baseline_units``, ``promo_units``,
        ``baseline_profit``, ``promo_profit``, ``profit_effect``.
    """
    check_days("duration_days", duration_days)
    require_columns(candidates, [price_col, cost_col, stock_col, "velocity"], "candidates")
    price, cost = candidates[price_col].astype(float), candidates[cost_col].astype(float)
    stock = candidates[stock_col].astype(float)
    margin = (price - cost) / price
    lift = promotion_lift(depth, elasticity, max_lift)
    extra_days = lift * lift_days(duration_days, half_life_days)
    velocity = candidates["velocity"].astype(float)
    base_units = np.minimum(velocity * duration_days, stock)
    promo_units = np.minimum(velocity * (duration_days + extra_days), stock)
    out = pd.DataFrame(
        {
            "margin": margin,
            "break_even_lift": break_even_lift(depth, margin.clip(lower=1e-9)),
            "expected_lift": lift,
            "average_lift": extra_days / duration_days,
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
    durations: Sequence[int] = (7, 14, 21, 28, 42),
    elasticity: float = ELASTICITY,
    max_lift: float = MAX_LIFT,
    half_life_days: float = HALF_LIFE_DAYS,
    price_col: str = s.UNIT_PRICE,
    cost_col: str = s.UNIT_COST,
    stock_col: str = s.STOCK_ON_HAND,
) -> pd.DataFrame:
    """Try every depth x duration on the selected products; the best pays most in total.

    Parameters
    ----------
    candidates : pandas.DataFrame
        :func:`promotion_candidates` (only ``selected`` rows are used when the column exists).
    depths : sequence of float, default (0.1, 0.2, 0.3)
        Discounts to try.
    durations : sequence of int, default (7, 14, 21, 28, 42)
        Lengths in days to try.
    elasticity : float, default :data:`ELASTICITY`
        Lift per unit of discount for small discounts (:func:`promotion_lift`).
    max_lift, half_life_days : float
        The rest of the response curve (:func:`promotion_lift`, :func:`lift_days`).
    price_col, cost_col, stock_col : str
        Column names of ``candidates`` (see :func:`promotion_effect`).

    Returns
    -------
    pandas.DataFrame
        One row per (depth, duration): ``profit_effect`` (summed over the products that
        pay, as :func:`promotion_list` would run it), ``products_paying`` (products with a
        positive effect), ``extra_units``; sorted best first. ``attrs["best"]``: the best
        (depth, duration) when its effect is positive, else ``None`` (no promotion pays: do
        not run one); ``attrs["curve"]``: the response curve's settings.
    """
    chosen = candidates[candidates["selected"]] if "selected" in candidates else candidates
    curve = {"elasticity": elasticity, "max_lift": max_lift, "half_life_days": half_life_days}
    columns = {"price_col": price_col, "cost_col": cost_col, "stock_col": stock_col}
    rows = []
    for depth in depths:
        for days in durations:
            effect = promotion_effect(chosen, depth, days, **curve, **columns)
            paying = effect[effect["profit_effect"] > 0]
            rows.append(
                {
                    "depth": depth,
                    "duration_days": days,
                    "profit_effect": float(paying["profit_effect"].sum()),
                    "products_paying": len(paying),
                    "extra_units": float((paying["promo_units"] - paying["baseline_units"]).sum()),
                }
            )
    grid = pd.DataFrame(rows).sort_values("profit_effect", ascending=False, kind="mergesort")
    grid = grid.reset_index(drop=True)
    best = grid.iloc[0]
    positive = len(grid) and best["profit_effect"] > 0
    grid.attrs["best"] = (float(best["depth"]), int(best["duration_days"])) if positive else None
    grid.attrs["elasticity"] = elasticity
    grid.attrs["curve"] = curve
    return grid


def promotion_list(
    candidates: pd.DataFrame,
    depth: float,
    duration_days: int,
    elasticity: float,
    *,
    max_lift: float = MAX_LIFT,
    half_life_days: float = HALF_LIFE_DAYS,
    price_col: str = s.UNIT_PRICE,
    cost_col: str = s.UNIT_COST,
    stock_col: str = s.STOCK_ON_HAND,
) -> pd.DataFrame:
    """Turn the promotion into a campaign list: a row per product whose profit effect is > 0.

    Parameters
    ----------
    candidates : pandas.DataFrame
        :func:`promotion_candidates` (selected rows are used).
    depth, duration_days, elasticity, max_lift, half_life_days
        The chosen promotion and the response curve (see :func:`plan_promotion`).
    price_col, cost_col, stock_col : str
        Column names of ``candidates`` (see :func:`promotion_effect`).

    Returns
    -------
    pandas.DataFrame
        The product (named as ``candidates``' index, default ``product_id``), ``action``,
        ``offer``, ``expected_value`` (profit effect), ``reason``, ``break_even_lift``,
        ``expected_lift``.
    """
    chosen = candidates[candidates["selected"]] if "selected" in candidates else candidates
    effect = promotion_effect(
        chosen,
        depth,
        duration_days,
        elasticity,
        max_lift=max_lift,
        half_life_days=half_life_days,
        price_col=price_col,
        cost_col=cost_col,
        stock_col=stock_col,
    )
    effect = effect[effect["profit_effect"] > 0]
    with_stock = _(
        "{cover:,.0f} days of stock, margin {margin:.0%}: break-even lift {even:.0%}; expected "
        "lift {first:.0%} on the first day, {mean:.0%} on average over {days} days"
    )
    without_stock = _(
        "margin {margin:.0%}: break-even lift {even:.0%}; expected lift {first:.0%} on the "
        "first day, {mean:.0%} on average over {days} days"
    )
    out = pd.DataFrame(
        {
            candidates.index.name or s.PRODUCT_ID: effect.index,
            "action": "limited-time promotion",
            "offer": _("{depth:.0%} off for {days} days").format(depth=depth, days=duration_days),
            "expected_value": effect["profit_effect"].to_numpy(),
            "reason": [
                (with_stock if np.isfinite(c) else without_stock).format(
                    cover=c, margin=m, even=b, first=e, mean=a, days=duration_days
                )
                for c, m, b, e, a in zip(
                    chosen.loc[effect.index, "days_of_cover"].astype(float)
                    if "days_of_cover" in chosen
                    else np.full(len(effect), np.nan),
                    effect["margin"],
                    effect["break_even_lift"],
                    effect["expected_lift"],
                    effect["average_lift"],
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
