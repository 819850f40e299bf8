"""Netting returns against the purchases they return.

A *return line* is a line whose quantity is not positive or whose invoice id starts with
``cancellation_prefix`` ("C", Online Retail's convention for cancellations; case-insensitive;
pass ``None`` for a file whose invoice ids start with "C" for other reasons). Its returned
quantity is ``abs(quantity)``. It is matched to *purchases* (positive quantity, not a "C"
invoice) of the same customer, product and unit price dated at or before it, latest purchase
first, greedily across quantity. Return lines are processed in date order (at equal times
purchases first), so each return takes from what earlier returns left: a last-in-first-out
stack per customer, product and price.

- A purchase whose whole quantity is taken is removed as ``fully returned purchase``.
- A purchase partly taken is kept with the smaller quantity and counted under the fix
  ``partially returned purchase``.
- A return line of which any quantity matched is removed as ``cancellation netted``. If it
  returns more than was bought (e.g. -10 against a purchase of 6), the excess (4) has nothing to
  net against and is dropped with the line; the total excess quantity is recorded in the
  cleaning report's ``attrs["unmatched_return_quantity"]``.
- A return line of which nothing matched (no earlier purchase of that product at that price by
  that customer, e.g. the purchase is before the data starts, or the return is dated before
  the purchase) is removed as ``unmatched cancellation``. Lines with quantity 0 (returns of
  nothing) can never match and are counted here too.

:func:`net_returns` applies the rule for :func:`helpers.cleaning.clean_transactions`, which
removes the lines under these reasons and counts the partly returned purchases as a fix.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["net_returns"]


def net_returns(
    keys: pd.DataFrame, date: pd.Series, quantity: np.ndarray, is_return: np.ndarray
) -> tuple[np.ndarray, np.ndarray, int]:
    """Net return lines against earlier purchases of the same customer, product and price.

    See the module docstring for the rule.

    Parameters
    ----------
    keys : pandas.DataFrame
        One row per order line: the columns that must match (customer, product, unit price).
    date : pandas.Series
        Per line: the invoice date (datetime64).
    quantity : numpy.ndarray
        Per line: the signed quantity (int64).
    is_return : numpy.ndarray of bool
        The return lines.

    Returns
    -------
    netted : numpy.ndarray
        Per line: for a purchase the quantity left after netting; for a return line its own
        quantity.
    reason : numpy.ndarray
        Per line (object): "cancellation netted", "fully returned purchase", "unmatched
        cancellation", or ``None`` for a purchase kept (whole or in part).
    unmatched_return_quantity : int
        The quantity returned beyond what was bought, summed over the netted return lines.
    """
    group = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    dates = date.to_numpy(dtype="datetime64[ns]")
    remaining, matched = _match_returns(group, dates.view(np.int64), quantity, is_return)
    netted = np.where(is_return, quantity, remaining)
    reason = np.full(len(keys), None, dtype=object)
    reason[is_return & (matched > 0)] = "cancellation netted"
    reason[~is_return & (remaining == 0)] = "fully returned purchase"
    reason[is_return & (matched == 0)] = "unmatched cancellation"
    unmatched_excess = int((np.abs(quantity) - matched)[is_return & (matched > 0)].sum())
    return netted, reason, unmatched_excess


def _match_returns(
    group: np.ndarray,
    date: np.ndarray,
    quantity: np.ndarray,
    is_return: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Match returns to earlier purchases of the same group, latest purchase first.

    Parameters
    ----------
    group, date, quantity, is_return : numpy.ndarray
        One entry per candidate line: the (customer, product, price) group number, the date as
        int64 nanoseconds, the signed quantity, and whether the line is a return.

    Returns
    -------
    remaining : numpy.ndarray
        Quantity left on each purchase after netting (returns: 0).
    matched : numpy.ndarray
        Quantity of each return line that found a purchase (purchases: 0).
    """
    n = len(group)
    remaining = np.where(is_return, 0, quantity).astype(np.int64)
    matched = np.zeros(n, dtype=np.int64)
    returning_groups = np.unique(group[is_return])
    involved = np.flatnonzero(np.isin(group, returning_groups))
    if len(involved) == 0:
        return remaining, matched
    # Date order within a group; at equal dates purchases come first ("at or before").
    order = involved[np.lexsort((involved, is_return[involved], date[involved], group[involved]))]
    groups = group[order].tolist()
    returns = is_return[order].tolist()
    wanted = np.abs(quantity[order]).tolist()
    left = remaining[order].tolist()
    got = [0] * len(order)
    stack: list[int] = []
    current = None
    # A loop over the lines of groups that have a return only (a few percent of a real log);
    # the last-in-first-out allocation has no closed vectorised form.
    for i, g in enumerate(groups):
        if g != current:
            stack, current = [], g
        if not returns[i]:
            stack.append(i)
            continue
        need = wanted[i]
        while need and stack:
            j = stack[-1]
            take = min(need, left[j])
            left[j] -= take
            need -= take
            if left[j] == 0:
                stack.pop()
        got[i] = wanted[i] - need
    remaining[order] = left
    matched[order] = got
    return remaining, matched
