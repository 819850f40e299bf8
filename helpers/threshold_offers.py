"""Threshold offers: "spend T, get R off" (满减) and gifts with an order (赠品).

They aim at the basket, not the product: some orders a little below the threshold stretch up
to it, and every order that already reaches it gets the reward for nothing.
:func:`threshold_offer` counts both against the orders as they are (chapter 11, section 6.4);
:mod:`helpers.promotion` re-exports it with the product promotions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers.checks import check_numbers, check_share

__all__ = ["threshold_offer"]


def threshold_offer(
    order_values: pd.Series | np.ndarray,
    thresholds: Sequence[float],
    reward: float | Sequence[float],
    *,
    margin_rate: float,
    stretch: float = 0.3,
    band: float = 0.25,
    reward_cost: float | None = None,
) -> pd.DataFrame:
    """Value a threshold offer ("spend T, get R off", or a gift) against the orders as they are.

    Orders already worth ``T`` or more get the reward for nothing: that is its cost without
    any gain (cannibalisation). Orders a little below (within ``band`` x T) are the ones it
    can move: a share ``stretch`` of them adds items up to ``T``, earning the margin on the
    added spend, and gets the reward too. Orders further below do not change. Per threshold,
    against the same orders without the offer:

        gain = stretch x sum over the band (margin x (T - v) - cost)  -  n(v >= T) x cost,

    with ``cost`` the reward's cost to the shop: R for money off, or a gift's unit cost
    (``reward_cost``), which is why a gift worth R to the customer can pay where R off does
    not. The stretch and the band are assumptions until a test measures them.

    Parameters
    ----------
    order_values : pandas.Series or numpy.ndarray
        The value of each order (at full price), over a period like the offer's.
    thresholds : sequence of float
        Thresholds T to try (> 0).
    reward : float or sequence of float
        Money off per qualifying order (one for all thresholds, or one per threshold).
    margin_rate : float
        Margin as a share of spend, in (0, 1].
    stretch : float, default 0.3
        Share of the orders within the band that rise to the threshold, in [0, 1].
    band : float, default 0.25
        How far below the threshold an order can still stretch, as a share of T, in (0, 1).
    reward_cost : float, optional
        What one reward costs the shop, when it is not money off (a gift); default the reward.

    Returns
    -------
    pandas.DataFrame
        One row per threshold: ``threshold``, ``reward``, ``orders_above`` (qualify already),
        ``orders_in_band``, ``orders_stretched`` (expected), ``added_margin``,
        ``reward_cost`` (total), ``gain`` (the formula above) and ``break_even_stretch``
        (the stretch at which the gain is 0; above 1 or ``inf``: no stretch pays), sorted by
        threshold.
    """
    values = np.asarray(order_values, dtype=float)
    check_numbers("order_values", values, ">= 0", lambda v: v >= 0)
    check_share("margin_rate", margin_rate, "margin share of spend")
    check_numbers("stretch", stretch, "in [0, 1]", lambda v: (v >= 0) & (v <= 1))
    check_share("band", band, "share of the threshold", include_one=False)
    levels = np.asarray(thresholds, dtype=float)
    check_numbers("thresholds", levels, "> 0", lambda v: v > 0)
    rewards = np.broadcast_to(np.asarray(reward, dtype=float), levels.shape)
    check_numbers("reward", rewards, ">= 0", lambda v: v >= 0)
    rows = []
    for level, money_off in zip(levels, rewards, strict=True):
        cost = money_off if reward_cost is None else float(reward_cost)
        above = values >= level
        near = (values < level) & (values >= level * (1 - band))
        reach = margin_rate * float((level - values[near]).sum())  # if every one stretched
        added = stretch * reach
        paid = cost * (above.sum() + stretch * near.sum())
        per_unit = reach - cost * near.sum()  # what each unit of stretch brings
        needed = cost * above.sum() / per_unit if per_unit > 0 else np.inf
        rows.append(
            {
                "threshold": float(level),
                "reward": float(money_off),
                "orders_above": int(above.sum()),
                "orders_in_band": int(near.sum()),
                "orders_stretched": stretch * int(near.sum()),
                "added_margin": added,
                "reward_cost": paid,
                "gain": added - paid,
                "break_even_stretch": needed,
            }
        )
    return pd.DataFrame(rows).sort_values("threshold", kind="mergesort").reset_index(drop=True)
