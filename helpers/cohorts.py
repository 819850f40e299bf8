"""Acquisition cohorts: what the customers won in one month (or quarter) did in each later one.

A customer's **acquisition cohort** is the calendar period (month ``"M"`` or quarter ``"Q"``) of
their first clean purchase; **period** ``k`` is the ``k``-th calendar period after it (0: the
acquisition period itself, so a customer who first buys on 31 January and again on 1 February
is active in periods 0 and 1). :func:`cohort_table` gives, per cohort and period, the cohort's
size, the customers active (at least one purchase: two purchases in a period count once), the
retention rate (active / cohort size), the revenue (or any per-line value, e.g.
:func:`helpers.value.line_margin`), the revenue per acquired customer and its running total;
:func:`cohort_matrix` turns one measure into the cohort x period grid of a heatmap.

Per acquisition channel, :func:`channel_ltv_curves` gives the cumulative margin per acquired
customer by age, and :func:`channel_ltv` reads off the LTV at a fixed age, LTV/CAC and the
payback period: channels compared at the same age, not over the very different tenures of
their customers (which is what :func:`helpers.value.channel_economics` adds up).

Conventions (the same in every function here):

- ``as_of`` is exclusive: lines at or after it are never used. The default is midnight after
  the last line's day (:func:`helpers.rfm.default_as_of`).
- Only **complete** periods are observed: a period is observed when it ends on or before
  ``as_of``. A cell in a period not (wholly) observed is NaN, never 0; a period only partly
  observed (``as_of`` inside it) is treated as not observed, its lines left out and counted in
  ``attrs["lines_in_incomplete_period"]``; customers acquired in it belong to no complete cohort
  and are counted in ``attrs["customers_in_incomplete_period"]``.
- **Left censoring**: an order log that starts while the shop is already running shows its
  existing customers' first *logged* purchase in the first periods, so the first cohort mixes
  new customers with old ones (it is usually much larger, and retains better). It is flagged
  (``left_censored`` column, ``attrs["notes"]``) or dropped with ``drop_first=True``. Later
  early cohorts can still hold a few returning old customers; the note says so.

Bad input raises a ``ValueError`` that names the argument or column, the rule and an example.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns, unique_ids
from helpers.dates import to_timestamp
from helpers.rfm import default_as_of

__all__ = ["FREQS", "channel_ltv", "channel_ltv_curves", "cohort_matrix", "cohort_table"]

#: The period lengths a cohort can have, and their names in words.
FREQS: dict[str, str] = {"M": "month", "Q": "quarter"}


def _check_freq(freq: str) -> str:
    """Return the unit's name in words, or raise naming the allowed values."""
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)} (month, quarter); got {freq!r}")
    return FREQS[freq]


def _line_values(
    transactions: pd.DataFrame, values: pd.Series | None, amount_col: str
) -> tuple[pd.Series, str]:
    """Return the per-line value (default the amount, i.e. revenue) and its name."""
    if values is None:
        require_columns(transactions, [amount_col], "transactions")
        return transactions[amount_col].astype(float), "revenue"
    if not isinstance(values, pd.Series) or not values.index.equals(transactions.index):
        raise ValueError("values must be a Series aligned with transactions (the same index)")
    if values.isna().any():
        raise ValueError(
            f"values: {int(values.isna().sum())} line value(s) are missing, "
            f"e.g. at index {values.index[values.isna()][0]!r}"
        )
    return values.astype(float), str(values.name or "value")


def _observed_lines(
    transactions: pd.DataFrame,
    as_of: str | pd.Timestamp | None,
    freq: str,
    customer_col: str,
    date_col: str,
) -> tuple[pd.Series, pd.Timestamp, pd.Period, dict[str, int]]:
    """Lines before ``as_of`` (a mask), ``as_of``, the last complete period and line counts."""
    require_columns(transactions, [customer_col, date_col], "transactions")
    dates = pd.to_datetime(transactions[date_col])
    if as_of is None:
        as_of = default_as_of(transactions, date_col=date_col)
    as_of = to_timestamp(as_of, "as_of")
    before = dates < as_of
    if not before.any():
        raise ValueError(f"as_of ({as_of}) is on or before the first line ({dates.min()})")
    last_complete = pd.Period(as_of, freq) - 1
    if dates[before].min().to_period(freq) > last_complete:
        raise ValueError(
            f"as_of ({as_of:%Y-%m-%d}): the lines before it hold no complete {FREQS[freq]}; "
            "use a later as_of or freq='M'"
        )
    partial = before & (dates.dt.to_period(freq) > last_complete)
    counts = {
        "lines_after_as_of": int((~before).sum()),
        "lines_in_incomplete_period": int(partial.sum()),
    }
    return before, as_of, last_complete, counts


def _cells(
    cohorts: pd.DataFrame,
    customer: pd.Series,
    periods: pd.PeriodIndex,
    values: pd.Series,
    last_complete: pd.Period,
    keys: list[str],
) -> pd.DataFrame:
    """Cohort size, active customers and value per (keys..., period), NaN where not observed.

    ``cohorts`` has one row per customer (index) with a ``cohort`` Period column and the other
    ``keys`` (e.g. a channel) and optional per-customer sums (``cost``). ``customer``,
    ``periods`` and ``values`` describe the lines before ``as_of``; those in periods after
    ``last_complete`` or of customers not in ``cohorts`` are left out here.
    """
    keep = (periods <= last_complete) & customer.isin(cohorts.index).to_numpy()
    line_customer, line_period, line_value = customer[keep], periods[keep], values[keep]
    cohort_of_line = cohorts["cohort"].reindex(line_customer.to_numpy())
    k = line_period.asi8 - pd.PeriodIndex(cohort_of_line.to_numpy()).asi8
    lines = pd.DataFrame(
        {
            **{key: cohorts[key].reindex(line_customer.to_numpy()).to_numpy() for key in keys},
            "period": k,
            "customer": line_customer.to_numpy(),
            "value": line_value.to_numpy(dtype=float),
        }
    )
    grouped = lines.groupby([*keys, "period"], sort=True)
    activity = pd.DataFrame(
        {"active": grouped["customer"].nunique(), "value": grouped["value"].sum()}
    )
    by_key = cohorts.groupby(keys, sort=True)
    sizes = by_key.size().rename("cohort_size").to_frame()
    if "cost" in cohorts.columns:
        sizes["cost"] = by_key["cost"].sum()
    n_periods = last_complete.ordinal - sizes.index.get_level_values("cohort").min().ordinal + 1
    grid = sizes.loc[sizes.index.repeat(n_periods)].copy()
    grid["period"] = np.tile(np.arange(n_periods), len(sizes))
    grid = grid.reset_index().set_index([*keys, "period"])
    grid = grid.join(activity)
    cohort_ordinal = pd.PeriodIndex(grid.index.get_level_values("cohort")).asi8
    observed = cohort_ordinal + grid.index.get_level_values("period") <= last_complete.ordinal
    for column in ("active", "value"):
        grid[column] = grid[column].fillna(0.0).where(observed)
    return grid.reset_index()


def _first_cohort_note(sizes: pd.Series, unit: str, start: pd.Timestamp) -> str:
    """Say that the first cohort is left-censored, with its size beside the median's."""
    first, size = sizes.index[0], int(sizes.iloc[0])
    median = float(sizes.iloc[1:].median()) if len(sizes) > 1 else float("nan")
    ratio = f", {size / median:.1f} times the median of the later cohorts" if median > 0 else ""
    late = start.normalize() > first.start_time
    part = f" (only from {start:%Y-%m-%d} on)" if late else ""
    return (
        f"the first cohort ({first}) has {size:,} customers{ratio}: the log starts in that "
        f"{unit}{part}, so it may mix customers acquired then with older customers whose "
        "first logged purchase falls in it (left censoring); the next cohorts may also hold "
        "a few old customers coming back"
    )


def cohort_table(
    transactions: pd.DataFrame,
    values: pd.Series | None = None,
    *,
    freq: str = "M",
    as_of: str | pd.Timestamp | None = None,
    drop_first: bool = False,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
) -> pd.DataFrame:
    """Acquisition cohort x periods since acquisition, in long form: one row per cell.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    values : pandas.Series, optional
        A value per line, aligned with ``transactions`` (e.g. :func:`helpers.value.line_margin`,
        named ``margin``); default the ``amount`` column, named ``revenue``.
    freq : {"M", "Q"}, default "M"
        Cohorts and periods by calendar month or quarter.
    as_of : str or Timestamp, optional
        Exclusive end of the data used; default midnight after the last line's day.
    drop_first : bool, default False
        Leave out the first cohort (left-censored, see the module's notes); its customers are
        counted in ``attrs["customers_in_dropped_first_cohort"]``.
    customer_col, date_col, amount_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per cohort (those with at least one customer) and period ``0, 1, ...`` up to the
        last complete period after the first cohort. Columns: ``cohort`` (a pandas Period),
        ``period``, ``cohort_size``, ``active`` (customers who bought in that period),
        ``retention`` (active / cohort size), ``<name>`` (the value summed; ``revenue`` by
        default), ``<name>_per_customer`` (per acquired customer, i.e. divided by the cohort
        size, not by the active customers), ``cumulative_<name>_per_customer`` (periods 0 to
        ``period``), ``left_censored`` (True for the first cohort). Cells in periods not wholly
        observed before ``as_of`` are NaN. ``attrs``: ``freq``, ``as_of``, ``value_name``,
        ``last_complete_period``, ``lines_after_as_of``, ``lines_in_incomplete_period``,
        ``customers_in_incomplete_period``, ``notes``.

    Raises
    ------
    ValueError
        If a column is missing, ``freq`` is not "M" or "Q", ``values`` is not aligned, or the
        lines before ``as_of`` hold no complete period.
    """
    unit = _check_freq(freq)
    line_value, name = _line_values(transactions, values, amount_col)
    before, as_of, last_complete, counts = _observed_lines(
        transactions, as_of, freq, customer_col, date_col
    )
    lines = transactions.loc[before]
    periods = pd.PeriodIndex(pd.to_datetime(lines[date_col]).dt.to_period(freq))
    first = periods.to_series(index=lines.index).groupby(lines[customer_col].to_numpy()).min()
    complete = first <= last_complete
    cohorts = pd.DataFrame({"cohort": first[complete]})
    late = int((~complete).sum())
    table = _cells(
        cohorts, lines[customer_col], periods, line_value[before], last_complete, ["cohort"]
    )
    sizes = table.groupby("cohort", sort=True)["cohort_size"].first()
    start = pd.to_datetime(lines[date_col]).min()
    notes = [_first_cohort_note(sizes, unit, start)]
    dropped = 0
    if drop_first:
        dropped = int(sizes.iloc[0])
        table = table[table["cohort"] != sizes.index[0]].reset_index(drop=True)
        notes = [f"the first cohort ({sizes.index[0]}, {dropped:,} customers) is left out"]
    if late:
        notes.append(
            f"{late:,} customer(s) first bought in the incomplete {unit} {last_complete + 1} "
            f"(as_of {as_of:%Y-%m-%d} falls inside it): in no cohort"
        )
    table = table.rename(columns={"value": name})
    table["retention"] = table["active"] / table["cohort_size"]
    table[f"{name}_per_customer"] = table[name] / table["cohort_size"]
    cumulative = table.groupby("cohort", sort=False)[name].cumsum() / table["cohort_size"]
    table[f"cumulative_{name}_per_customer"] = cumulative.where(table[name].notna())
    table["left_censored"] = (table["cohort"] == sizes.index[0]).to_numpy()
    order = ["cohort", "period", "cohort_size", "active", "retention", name]
    order += [f"{name}_per_customer", f"cumulative_{name}_per_customer", "left_censored"]
    table = table[order]
    table.attrs.update(
        {
            "freq": freq,
            "as_of": as_of,
            "value_name": name,
            "last_complete_period": last_complete,
            **counts,
            "customers_in_incomplete_period": late,
            "customers_in_dropped_first_cohort": dropped,
            "notes": notes,
        }
    )
    return table


def cohort_matrix(table: pd.DataFrame, measure: str = "retention") -> pd.DataFrame:
    """One measure of :func:`cohort_table` as a grid: cohorts as rows, periods as columns.

    Parameters
    ----------
    table : pandas.DataFrame
        The long table of :func:`cohort_table`.
    measure : str, default "retention"
        A column of it: ``active``, ``retention``, ``revenue``, ``revenue_per_customer``,
        ``cumulative_revenue_per_customer`` (or the names of another value), ``cohort_size``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``cohort``, columns ``period`` 0, 1, ...; NaN where not observed. ``attrs``
        as the table's, with ``measure``.
    """
    require_columns(table, ["cohort", "period"], "table")
    measures = [c for c in table.columns if c not in ("cohort", "period", "left_censored")]
    if measure not in measures:
        raise ValueError(f"measure must be one of the table's measures {measures}; got {measure!r}")
    grid = table.pivot(index="cohort", columns="period", values=measure)
    grid.attrs.update({**table.attrs, "measure": measure})
    return grid


def channel_ltv_curves(
    transactions: pd.DataFrame,
    customers: pd.DataFrame,
    values: pd.Series | None = None,
    *,
    freq: str = "M",
    as_of: str | pd.Timestamp | None = None,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    channel_col: str = s.ACQUISITION_CHANNEL,
    cac_col: str = s.ACQUISITION_COST,
    signup_col: str = s.SIGNUP_DATE,
) -> pd.DataFrame:
    """Cumulative value per acquired customer by age, per acquisition channel.

    A customer is acquired at the earlier of their signup date and first purchase; their
    cohort is that period. A customer who signed up but never bought counts with value 0 (they
    cost their acquisition and brought nothing). A customer acquired before the log's first
    day is left out (counted in ``attrs``): their first months are not in the data. At
    period ``k`` a channel's curve pools the cohorts observed through period ``k`` (acquired
    at least ``k + 1`` complete periods before ``as_of``): their total value in periods 0 to
    ``k`` over their number of customers, beside the mean acquisition cost of the same
    customers. Older ages rest on fewer, earlier cohorts.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    customers : pandas.DataFrame
        One row per customer with acquisition channel, cost and signup date.
    values : pandas.Series, optional
        A value per line aligned with ``transactions``, normally the margin
        (:func:`helpers.value.line_margin`); default the amount (revenue).
    freq : {"M", "Q"}, default "M"
    as_of : str or Timestamp, optional
        Exclusive end of the data used; default midnight after the last line's day.
    customer_col, date_col, amount_col, channel_col, cac_col, signup_col : str
        Column names.

    Returns
    -------
    pandas.DataFrame
        One row per channel and period ``k`` observed for at least one cohort: ``channel``,
        ``period``, ``months`` (or ``quarters``: ``k + 1``, the periods counted, the
        acquisition period included), ``customers``, ``cac`` (their mean acquisition cost),
        ``cumulative_<name>_per_customer`` and ``ltv_cac`` (the two divided). ``attrs``:
        ``freq``, ``as_of``, ``value_name``, ``last_complete_period``, ``lines_after_as_of``,
        ``lines_in_incomplete_period``, ``customers_acquired_before_the_log`` (before the day
        of the first line: their first months are not in the data, so they are in no curve),
        ``customers_acquired_in_no_complete_period`` (acquired in the incomplete period or on
        or after ``as_of``: in no curve).

    Raises
    ------
    ValueError
        If a column is missing, an id repeats, a cost is missing or negative, a signup date is
        missing, or a customer of the lines is not in ``customers``.
    """
    unit = _check_freq(freq)
    line_value, name = _line_values(transactions, values, amount_col)
    before, as_of, last_complete, counts = _observed_lines(
        transactions, as_of, freq, customer_col, date_col
    )
    require_columns(customers, [customer_col, channel_col, cac_col, signup_col], "customers")
    unique_ids(customers, customer_col, "customers")
    cac = pd.to_numeric(customers[cac_col], errors="coerce")
    column_rule(customers, ~(cac >= 0), "customers", cac_col, ">= 0 and present")
    signup = pd.to_datetime(customers[signup_col])
    column_rule(customers, signup.isna(), "customers", signup_col, "present")
    lines = transactions.loc[before]
    unknown = ~lines[customer_col].isin(customers[customer_col])
    column_rule(lines, unknown, "transactions", customer_col, "a customer in customers")
    dates = pd.to_datetime(lines[date_col])
    first = dates.groupby(lines[customer_col].to_numpy()).min()
    table = pd.DataFrame(
        {
            "channel": customers[channel_col].to_numpy(),
            "cost": cac.to_numpy(dtype=float),
            "acquired": signup.to_numpy(),
        },
        index=pd.Index(customers[customer_col]),
    )
    first = first.reindex(table.index)
    table["acquired"] = table["acquired"].where(first.isna() | (table["acquired"] <= first), first)
    early = table["acquired"] < dates.min().normalize()  # before the log: months unseen
    table = table[~early & (table["acquired"] < as_of)]
    table["cohort"] = pd.PeriodIndex(pd.DatetimeIndex(table["acquired"]).to_period(freq))
    table = table[table["cohort"] <= last_complete]
    periods = pd.PeriodIndex(dates.dt.to_period(freq))
    keys = ["channel", "cohort"]
    cells = _cells(table, lines[customer_col], periods, line_value[before], last_complete, keys)
    cells = cells[cells["value"].notna()].copy()
    cells["cumulative"] = cells.groupby(["channel", "cohort"])["value"].cumsum()
    pooled = cells.groupby(["channel", "period"], sort=True).agg(
        customers=("cohort_size", "sum"), cost=("cost", "sum"), total=("cumulative", "sum")
    )
    out = pd.DataFrame(
        {
            f"{unit}s": pooled.index.get_level_values("period") + 1,
            "customers": pooled["customers"].astype(int),
            "cac": pooled["cost"] / pooled["customers"],
            f"cumulative_{name}_per_customer": pooled["total"] / pooled["customers"],
        },
        index=pooled.index,
    )
    out["ltv_cac"] = out[f"cumulative_{name}_per_customer"] / out["cac"].where(out["cac"] > 0)
    out = out.reset_index()
    out.attrs.update(
        {
            "freq": freq,
            "as_of": as_of,
            "value_name": name,
            "last_complete_period": last_complete,
            **counts,
            "customers_acquired_before_the_log": int(early.sum()),
            "customers_acquired_in_no_complete_period": int(
                len(customers) - early.sum() - len(table)
            ),
        }
    )
    return out


def channel_ltv(curves: pd.DataFrame, age: int = 12) -> pd.DataFrame:
    """LTV at a fixed age, LTV/CAC and payback per channel, from :func:`channel_ltv_curves`.

    Parameters
    ----------
    curves : pandas.DataFrame
        The long table of :func:`channel_ltv_curves`.
    age : int, default 12
        The age in periods, the acquisition period included (12 months: periods 0 to 11).
        Only cohorts observed that long count.

    Returns
    -------
    pandas.DataFrame
        Indexed by channel: ``customers`` (acquired early enough to be ``age`` periods old),
        ``cac``, ``ltv`` (their cumulative value per customer at ``age``), ``ltv_cac``, and
        ``payback_<unit>s``: the first age (periods counted, acquisition period included) at
        which the channel's curve reaches its CAC; NaN if it has not by the oldest age observed.

    Raises
    ------
    ValueError
        If ``age`` is not a whole number >= 1 or no channel has cohorts that old.
    """
    if not isinstance(age, int | np.integer) or age < 1:
        raise ValueError(f"age must be a whole number of periods >= 1; got {age!r}")
    unit = FREQS[curves.attrs.get("freq", "M")]
    name = curves.attrs.get("value_name", "value")
    ages = f"{unit}s"
    require_columns(curves, ["channel", ages, "cac", f"cumulative_{name}_per_customer"], "curves")
    value = f"cumulative_{name}_per_customer"
    at = curves[curves[ages] == age].set_index("channel")
    if at.empty:
        raise ValueError(
            f"age={age}: no cohort is {age} {ages} old (the oldest is {int(curves[ages].max())})"
        )
    out = at[["customers", "cac"]].copy()
    out["ltv"] = at[value]
    out["ltv_cac"] = at["ltv_cac"]
    paid = curves[curves[value] >= curves["cac"]]
    out[f"payback_{ages}"] = paid.groupby("channel")[ages].min().reindex(out.index).astype(float)
    out.index.name = s.ACQUISITION_CHANNEL
    out.attrs.update({**curves.attrs, "age": int(age)})
    return out
