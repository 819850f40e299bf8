"""Manual credits that reverse a purchase: find the purchase each one reverses.

A shop's till is not the only way money goes back to a customer. In UCI Online Retail a clerk
can book a *manual adjustment*: stock code ``M``, description ``MANUAL``, on a cancellation
("C") invoice with quantity -1 and the refunded sum as the unit price. Customer 15098 bought
60 wicker picnic baskets at £649.50 (£38,970) and was credited £38,970 three minutes later by
such a line. The credit names no product, so it can never be netted like an ordinary return
(same customer, product and price); dropped as a non-product line, it would leave the
customer with £38,970 of revenue they handed back.

:func:`match_manual_credits` pairs each manual credit with the purchase it reverses:

- a *manual credit* is a manual-adjustment line (:data:`MANUAL_ADJUSTMENT_CODES`) that is a
  return line (quantity <= 0 or a cancellation invoice); its amount is
  ``abs(quantity * unit_price)``;
- it reverses an earlier *purchase* of the same customer (any line still kept that is not a
  return and has a positive price: products, and the postage or carriage billed with them)
  whose amount is the same to the penny (both rounded to whole pence: float noise in a sum of
  lines does not matter, but £14.95 against £14.94 is no match). The purchase is either one
  line, or one whole invoice (the sum of its purchase lines: a credit of the whole order
  including its postage is a reversal too);
- "earlier" is "dated at or before the credit", as for returns; of several matches the most
  recent wins (at equal dates a single line before a whole invoice, then the later row);
- each purchase line is reversed at most once: credits are taken in date order, and a credit
  cannot take an invoice one of whose lines an earlier credit took.

Only ``M``/``MANUAL`` is a manual credit by default. Online Retail's other negative non-product
lines are not reversals of a purchase: ``D``/``DISCOUNT`` is a price reduction, ``B``/``ADJUST
BAD DEBT`` a write-off booked without a customer (removed as "missing customer id" before this
rule), and the fee and postage credits (``AMAZONFEE``, ``POST``, ...) give back a charge, not
goods. A credit that matches nothing (a goodwill payment, a partial refund, a purchase before
the data start) cannot be given to a purchase and is left for the caller to count.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

__all__ = ["MANUAL_ADJUSTMENT_CODES", "match_manual_credits"]

#: Stock codes of manual adjustments, with the description each must carry (as in
#: :data:`helpers.non_products.NON_PRODUCT_CODES`): Online Retail's ``M`` / ``MANUAL``.
MANUAL_ADJUSTMENT_CODES: dict[str, str | None] = {"M": "MANUAL"}


def _pence(amount: np.ndarray) -> np.ndarray:
    """Amounts in whole pence (int64); missing or infinite amounts as -1 (never a match)."""
    finite = np.isfinite(amount)
    return np.where(finite, np.rint(np.where(finite, amount, 0.0) * 100.0), -1).astype(np.int64)


def match_manual_credits(
    customer: np.ndarray | pd.Series,
    invoice: np.ndarray | pd.Series,
    date: np.ndarray,
    amount: np.ndarray,
    is_credit: np.ndarray,
    is_purchase: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Pair each manual credit with the earlier purchase (line or invoice) it reverses.

    See the module docstring for the rule.

    Parameters
    ----------
    customer, invoice : numpy.ndarray or pandas.Series
        Per order line: the customer id and the invoice id (normalised text).
    date : numpy.ndarray
        Per line: the invoice date as int64 nanoseconds.
    amount : numpy.ndarray
        Per line: ``quantity * unit_price`` (signed; a credit's sign is ignored).
    is_credit : numpy.ndarray of bool
        The manual credits.
    is_purchase : numpy.ndarray of bool
        The lines a credit may reverse (kept, not returns, positive price); disjoint from
        ``is_credit``.

    Returns
    -------
    netted : numpy.ndarray of bool
        The credits that found a purchase.
    reversed_ : numpy.ndarray of bool
        The purchase lines they reverse.

    Examples
    --------
    >>> import numpy as np
    >>> netted, reversed_ = match_manual_credits(
    ...     customer=np.array(["15098", "15098"]),
    ...     invoice=np.array(["556444", "C556445"]),
    ...     date=np.array([1, 2]),
    ...     amount=np.array([60 * 649.5, -38970.0]),
    ...     is_credit=np.array([False, True]),
    ...     is_purchase=np.array([True, False]),
    ... )
    >>> netted.tolist(), reversed_.tolist()
    ([False, True], [True, False])
    """
    customer = np.asarray(customer, dtype=object)
    invoice = np.asarray(invoice, dtype=object)
    date = np.asarray(date, dtype=np.int64)
    is_credit = np.asarray(is_credit, dtype=bool)
    is_purchase = np.asarray(is_purchase, dtype=bool)
    n = len(customer)
    netted = np.zeros(n, dtype=bool)
    credits = np.flatnonzero(is_credit)
    if len(credits) == 0:
        return netted, np.zeros(n, dtype=bool)
    both = np.flatnonzero(is_credit & is_purchase)
    if len(both):
        raise ValueError(
            "is_credit and is_purchase must be disjoint: a line cannot be both a manual credit "
            f"and a purchase it reverses, e.g. line {int(both[0])}"
        )

    # Candidate purchases: lines and whole invoices of the customers who have a credit, kept
    # when some credit of the customer has their amount in pence.
    amounts = np.asarray(amount, dtype=float)
    credit_pence = _pence(np.abs(amounts[credits]))
    wanted = pd.DataFrame({"customer": customer[credits], "pence": credit_pence})
    wanted = wanted.drop_duplicates()
    rows = np.flatnonzero(is_purchase & pd.Series(customer).isin(wanted["customer"]).to_numpy())
    lines = pd.DataFrame(
        {
            "customer": customer[rows],
            "invoice": invoice[rows],
            "date": date[rows],
            "amount": amounts[rows],
            "row": rows,
        }
    )
    lines["pence"] = _pence(lines["amount"].to_numpy())
    lines["rows"] = [(int(row),) for row in rows]
    invoices = lines.groupby(["customer", "invoice"], sort=False)
    whole = invoices.agg(
        amount=("amount", "sum"),
        date=("date", "max"),
        row=("row", "max"),
        size=("row", "size"),
        rows=("row", tuple),
    ).reset_index()
    whole = whole[whole["size"] > 1]  # a one-line invoice is already a line
    whole["pence"] = _pence(whole["amount"].to_numpy())
    # kind 0 = whole invoice, 1 = line: at equal dates a line wins, then the later row.
    found = pd.concat([whole.assign(kind=0), lines.assign(kind=1)], ignore_index=True)
    found = found.merge(wanted, on=["customer", "pence"])
    found = found.sort_values(["date", "kind", "row"])
    candidates: dict[tuple[object, int], list[tuple[int, tuple[int, ...]]]] = defaultdict(list)
    for who, pence, when, rows_of in zip(
        found["customer"], found["pence"], found["date"], found["rows"], strict=True
    ):
        candidates[(who, int(pence))].append((int(when), rows_of))

    used = np.zeros(n, dtype=bool)
    order = np.lexsort((credits, date[credits]))
    for k in order:
        row, pence = int(credits[k]), int(credit_pence[k])
        if pence <= 0:
            continue
        # Latest candidate at or before the credit whose lines are all still unused.
        for when, rows_of in reversed(candidates.get((customer[row], pence), [])):
            if when > date[row] or used[list(rows_of)].any():
                continue
            used[list(rows_of)] = True
            netted[row] = True
            break
    return netted, used
