"""Segment profiles: who the customers of each segment are, what they do and what they buy.

A *segment* is any label per customer: an RFM segment (:func:`helpers.rfm.rfm_analysis`), an
ABC tier (:func:`helpers.tiers.abc_tiers`), a cluster. :func:`segment_profile` describes every
segment by the same measures, side by side with the whole customer base (column ``"all"``):

- ``size``: customers, share of customers, share of revenue, share of profit;
- ``behaviour``: mean and median recency (days from the day of the last purchase to the day of
  ``as_of``, as in :func:`helpers.rfm.rfm_table`), frequency (invoices), monetary value (net
  revenue), the mean order value, tenure (days since the first purchase) and mean profit;
- shares of the segment's customers: ``age`` band (whole years at ``as_of``), ``gender``,
  ``income`` band, ``region``, ``channel`` (acquisition channel), ``country`` (the customer's
  most frequent country on their invoices) -- each only when the data has it;
- ``category``: share of the segment's revenue per product category (with a products table);
- ``product``: the share of the segment's customers who bought each product, for the products
  most widely bought in some segment.

Everything is computed from :func:`helpers.customers.customer_summary` (one definition of a
purchase and of revenue) and the customers and products tables.

:func:`profile_index` turns the profile into **indices against the base**: 100 is the
average of all customers, 200 twice as much, 50 half. For the shares of the ``size`` section
the index compares a share of value with the share of customers (a segment holding 10% of
customers and 30% of revenue has a revenue index of 300). :func:`distinctive_features` lists
what sets a segment apart, and :func:`describe_segment` says it in one line.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.checks import column_rule, require_columns
from helpers.customers import customer_summary
from helpers.dates import to_timestamp
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments

__all__ = [
    "AGE_BANDS",
    "BASE",
    "INCOME_BANDS",
    "SHARE_SECTIONS",
    "age_at",
    "describe_segment",
    "distinctive_features",
    "format_profile",
    "profile_index",
    "segment_profile",
]

#: Name of the column that describes the whole customer base.
BASE = "all"

#: Age bands: lower bounds in years and labels.
AGE_BANDS: tuple[tuple[int, ...], tuple[str, ...]] = (
    (25, 35, 45, 55, 65),
    ("under 25", "25-34", "35-44", "45-54", "55-64", "65+"),
)

#: Income bands: lower bounds in pounds a year and labels.
INCOME_BANDS: tuple[tuple[float, ...], tuple[str, ...]] = (
    (25_000, 40_000, 60_000, 90_000),
    ("under 25k", "25-40k", "40-60k", "60-90k", "90k+"),
)

#: The sections whose rows are shares of the segment (of its customers, or of its revenue).
SHARE_SECTIONS: tuple[str, ...] = (
    "age",
    "gender",
    "income",
    "region",
    "channel",
    "country",
    "category",
    "product",
)

UNKNOWN = "unknown"

_BEHAVIOUR = ("recency", "frequency", "monetary")


def age_at(birth_dates: pd.Series, as_of: str | pd.Timestamp) -> pd.Series:
    """Age in whole years at ``as_of`` (a birthday on the ``as_of`` day counts as reached).

    Parameters
    ----------
    birth_dates : pandas.Series
        Dates of birth (missing values stay missing).
    as_of : str or pandas.Timestamp
        The date at which ages are counted.

    Returns
    -------
    pandas.Series
        Float ages (NaN where the birth date is missing), indexed like ``birth_dates``.
    """
    day = to_timestamp(as_of, "as_of")
    born = pd.to_datetime(birth_dates)
    before_birthday = (born.dt.month > day.month) | (
        (born.dt.month == day.month) & (born.dt.day > day.day)
    )
    return (day.year - born.dt.year - before_birthday.astype(int)).astype(float)


def _bands(values: pd.Series, bounds: Sequence[float], labels: Sequence[str]) -> pd.Series:
    """Label each value with its band; missing values are ``unknown``."""
    position = np.searchsorted(np.asarray(bounds, dtype=float), values.to_numpy(), side="right")
    out = pd.Series(np.asarray(labels, dtype=object)[np.minimum(position, len(labels) - 1)])
    out.index = values.index
    return out.where(values.notna(), UNKNOWN)


def _shares(
    labels: pd.Series, attribute: pd.Series, order: Sequence[str] | None, segments: list
) -> pd.DataFrame:
    """Share of each segment's customers (and of all) in each value of ``attribute``."""
    attribute = attribute.reindex(labels.index).fillna(UNKNOWN).astype(str)
    counts = pd.crosstab(attribute, labels).reindex(columns=segments, fill_value=0)
    counts[BASE] = counts.sum(axis=1)
    shares = counts / counts.sum(axis=0).replace(0, np.nan)
    if order is None:
        order = [v for v in shares[BASE].sort_values(ascending=False, kind="stable").index]
        order = [v for v in order if v != UNKNOWN] + ([UNKNOWN] if UNKNOWN in order else [])
    else:
        order = [v for v in [*order, UNKNOWN] if v in shares.index]
    return shares.reindex(order).fillna(0.0)


def _main_country(
    transactions: pd.DataFrame, customer_col: str, invoice_col: str, country_col: str
) -> pd.Series:
    """Each customer's most frequent country over their invoices (ties: alphabetical first)."""
    pairs = transactions[[customer_col, invoice_col, country_col]].dropna().drop_duplicates()
    counts = pairs.groupby([customer_col, country_col]).size().rename("n").reset_index()
    counts = counts.sort_values(
        [customer_col, "n", country_col], ascending=[True, False, True], kind="stable"
    )
    return counts.drop_duplicates(customer_col).set_index(customer_col)[country_col]


def _check_labels(labels: pd.Series, customers: pd.Index) -> pd.Series:
    if not isinstance(labels, pd.Series):
        raise ValueError(f"labels must be a Series of segments per customer, got {type(labels)}")
    if labels.index.has_duplicates:
        dup = labels.index[labels.index.duplicated()][0]
        raise ValueError(f"labels: customer {dup!r} has more than one label; one per customer")
    missing = labels.isna()
    if missing.any():
        raise ValueError(
            f"labels: {int(missing.sum()):,} customer(s) have no segment label, e.g. customer "
            f"{labels.index[missing][0]!r}; give every customer a segment (or a label such "
            "as 'unassigned')"
        )
    unlabelled = customers.difference(labels.index)
    if len(unlabelled):
        raise ValueError(
            f"labels: {len(unlabelled):,} customer(s) with purchases before as_of have no "
            f"segment label, e.g. customer {unlabelled[0]!r}"
        )
    extra = labels.index.difference(customers)
    if len(extra):
        raise ValueError(
            f"labels: {len(extra):,} labelled customer(s) have no purchase before as_of, "
            f"e.g. customer {extra[0]!r}; profile the customers of the same data and date"
        )
    return labels.reindex(customers)


@renamed_arguments(
    **LINE_COLUMN_RENAMES,
    birth_date="birth_date_col",
    gender="gender_col",
    annual_income="annual_income_col",
    region="region_col",
    acquisition_channel="acquisition_channel_col",
    category="category_col",
    unit_cost="cost_col",
)
def segment_profile(
    labels: pd.Series,
    transactions: pd.DataFrame,
    *,
    customers: pd.DataFrame | None = None,
    products: pd.DataFrame | None = None,
    as_of: str | pd.Timestamp | None = None,
    n_products: int = 3,
    n_countries: int = 5,
    customer_col: str = s.CUSTOMER_ID,
    invoice_col: str = s.INVOICE_ID,
    date_col: str = s.INVOICE_DATE,
    amount_col: str = s.AMOUNT,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    description_col: str = s.DESCRIPTION,
    country_col: str = s.COUNTRY,
    birth_date_col: str = s.BIRTH_DATE,
    gender_col: str = s.GENDER,
    annual_income_col: str = s.ANNUAL_INCOME,
    region_col: str = s.REGION,
    acquisition_channel_col: str = s.ACQUISITION_CHANNEL,
    category_col: str = s.CATEGORY,
    cost_col: str = s.UNIT_COST,
) -> pd.DataFrame:
    """Profile every segment by size, behaviour, demographics, categories and products.

    Parameters
    ----------
    labels : pandas.Series
        Segment per customer, indexed by customer id: exactly the customers with a purchase
        before ``as_of``. A categorical keeps its category order (empty categories are left
        out); other labels are sorted.
    transactions : pandas.DataFrame
        Clean order lines (:func:`helpers.datasets.load_clean_transactions`).
    customers : pandas.DataFrame, optional
        The customers table; the demographic sections use whichever of ``birth_date``,
        ``gender``, ``annual_income``, ``region`` and ``acquisition_channel`` it has.
    products : pandas.DataFrame, optional
        The products table; ``category`` gives the category section, ``unit_cost`` the profit.
    as_of : str or pandas.Timestamp, optional
        The analysis moment, exclusive (lines before it count; ages are counted on its day).
        Default midnight after the last line's day, as in :func:`helpers.rfm.rfm_table`.
    n_products : int, default 3
        The ``product`` section lists the union of each segment's ``n_products`` most widely
        bought products (0 leaves it out).
    n_countries : int, default 5
        The most common countries listed; the rest are grouped as "other".
    customer_col, invoice_col, date_col, amount_col, product_col, quantity_col : str
        Column names of the order lines (and of the customers and products tables' keys);
        default the canonical names of :mod:`helpers.schema` (the old names ``customer_id``,
        ``invoice_id``, ``invoice_date``, ``amount``, ``product_id``, ``quantity`` still work,
        with a FutureWarning).
    description_col, country_col : str
        Column names of the order lines' description and country (old names ``description``,
        ``country``).
    birth_date_col, gender_col, annual_income_col, region_col, acquisition_channel_col : str
        Column names of the customers table (old names without ``_col``).
    category_col, cost_col : str
        Column names of the products table's category and unit cost (old names ``category``,
        ``unit_cost``).

    Returns
    -------
    pandas.DataFrame
        Rows: a (``section``, ``measure``) MultiIndex; columns: the segments, then ``"all"``.
        See the module docstring for the sections. ``attrs``: ``as_of``, ``n_customers``.

    Raises
    ------
    ValueError
        If a column is missing, a customer has no label (or a label but no purchase), a label
        repeats a customer, or a product sold has no category or cost in ``products``.
    """
    require_columns(
        transactions, [customer_col, invoice_col, date_col, amount_col, product_col], "transactions"
    )
    if as_of is None:
        as_of = pd.Timestamp(transactions[date_col].max()).normalize() + pd.Timedelta(days=1)
    as_of = to_timestamp(as_of, "as_of")
    lines = transactions[transactions[date_col] < as_of]
    costs = None
    if products is not None:
        require_columns(products, [product_col], "products")
        if cost_col in products.columns:
            costs = products.set_index(product_col)[cost_col]
    summary = customer_summary(
        lines,
        unit_cost=costs,
        customer_col=customer_col,
        invoice_col=invoice_col,
        date_col=date_col,
        amount_col=amount_col,
        product_col=product_col,
        quantity_col=quantity_col,
    )
    labels = _check_labels(labels, summary.index)
    if isinstance(labels.dtype, pd.CategoricalDtype):
        present = set(labels.astype(object))
        segments = [c for c in labels.cat.categories if c in present]
    else:
        segments = sorted(labels.unique(), key=str)
    if BASE in segments:
        raise ValueError(f"labels: {BASE!r} is reserved for the whole base; rename that segment")
    labels = pd.Series(labels.astype(object).to_numpy(), index=summary.index, name="segment")

    def per_segment(values: pd.Series, how: str) -> pd.Series:
        out = values.groupby(labels).agg(how).reindex(segments)
        out[BASE] = values.agg(how)
        return out

    rows: dict[tuple[str, str], pd.Series] = {}
    n = per_segment(summary["revenue"], "size").astype(float)
    rows["size", "customers"] = n
    rows["size", "share of customers"] = n / len(summary)
    rows["size", "share of revenue"] = per_segment(summary["revenue"], "sum") / float(
        summary["revenue"].sum()
    )
    if "profit" in summary:
        total = float(summary["profit"].sum())
        rows["size", "share of profit"] = per_segment(summary["profit"], "sum") / total
    recency = (as_of.normalize() - summary["last_purchase"].dt.normalize()).dt.days
    tenure = (as_of.normalize() - summary["first_purchase"].dt.normalize()).dt.days
    behaviour = {
        "recency": recency.astype(float),
        "frequency": summary["purchases"].astype(float),
        "monetary": summary["revenue"].astype(float),
    }
    for name, values in behaviour.items():
        rows["behaviour", f"{name} mean"] = per_segment(values, "mean")
        rows["behaviour", f"{name} median"] = per_segment(values, "median")
    rows["behaviour", "order value mean"] = per_segment(summary["average_amount"], "mean")
    rows["behaviour", "tenure mean"] = per_segment(tenure.astype(float), "mean")
    if "profit" in summary:
        rows["behaviour", "profit mean"] = per_segment(summary["profit"], "mean")
    table = pd.DataFrame(rows).T

    blocks = [table]
    if customers is not None:
        require_columns(customers, [customer_col], "customers")
        people = customers.drop_duplicates(customer_col).set_index(customer_col)
        people.index = people.index.astype(str)
        people = people.reindex(labels.index.astype(str))
        people.index = labels.index
        attributes = []
        if birth_date_col in people:
            ages = age_at(people[birth_date_col], as_of)
            attributes.append(("age", _bands(ages, *AGE_BANDS), list(AGE_BANDS[1])))
        if gender_col in people:
            attributes.append(("gender", people[gender_col], None))
        if annual_income_col in people:
            income = _bands(people[annual_income_col].astype(float), *INCOME_BANDS)
            attributes.append(("income", income, list(INCOME_BANDS[1])))
        if region_col in people:
            attributes.append(("region", people[region_col], None))
        if acquisition_channel_col in people:
            attributes.append(("channel", people[acquisition_channel_col], None))
        for section, values, order in attributes:
            blocks.append(_section(section, _shares(labels, values, order, segments)))
    if country_col in lines.columns:
        main = _main_country(lines, customer_col, invoice_col, country_col)
        top = main.value_counts().sort_index().sort_values(ascending=False, kind="stable")
        kept = list(top.index[:n_countries])
        grouped = main.where(main.isin(kept), "other")
        order = kept + (["other"] if len(top) > n_countries else [])
        blocks.append(_section("country", _shares(labels, grouped, order, segments)))
    if products is not None and category_col in products.columns:
        blocks.append(
            _section(
                "category",
                _category_shares(
                    lines,
                    labels,
                    products,
                    segments,
                    customer_col,
                    product_col,
                    amount_col,
                    category_col,
                ),
            )
        )
    if n_products > 0:
        blocks.append(
            _section(
                "product",
                _product_reach(
                    lines, labels, segments, n_products, customer_col, product_col, description_col
                ),
            )
        )
    profile = pd.concat(blocks)
    profile.index.names = ["section", "measure"]
    profile.columns = pd.Index([*segments, BASE], name="segment")
    profile.attrs.update({"as_of": as_of, "n_customers": len(summary)})
    return profile


def _section(name: str, shares: pd.DataFrame) -> pd.DataFrame:
    shares = shares.copy()
    shares.index = pd.MultiIndex.from_product([[name], shares.index.astype(str)])
    return shares


def _category_shares(
    lines: pd.DataFrame,
    labels: pd.Series,
    products: pd.DataFrame,
    segments: list,
    customer_col: str,
    product_col: str,
    amount_col: str,
    category_col: str,
) -> pd.DataFrame:
    """Share of each segment's revenue (and of all revenue) per product category."""
    categories = products.drop_duplicates(product_col).set_index(product_col)[category_col]
    found = lines[product_col].map(categories)
    column_rule(
        lines,
        found.isna(),
        "transactions",
        product_col,
        "a product of the products table (to know its category)",
    )
    segment = lines[customer_col].map(labels)
    sums = lines[amount_col].groupby([found, segment]).sum().unstack(fill_value=0.0)
    sums = sums.reindex(columns=segments, fill_value=0.0)
    sums[BASE] = sums.sum(axis=1)
    shares = sums / sums.sum(axis=0).replace(0, np.nan)
    return shares.sort_values(BASE, ascending=False, kind="stable").fillna(0.0)


def _product_reach(
    lines: pd.DataFrame,
    labels: pd.Series,
    segments: list,
    n_products: int,
    customer_col: str,
    product_col: str,
    description_col: str,
) -> pd.DataFrame:
    """Share of each segment's customers who bought each product, for each one's top products."""
    pairs = lines[[customer_col, product_col]].drop_duplicates()
    segment = pairs[customer_col].map(labels)
    buyers = pd.crosstab(pairs[product_col], segment).reindex(columns=segments, fill_value=0)
    buyers[BASE] = pairs[product_col].value_counts()
    sizes = labels.value_counts().reindex(segments).astype(float)
    sizes[BASE] = float(len(labels))
    reach = buyers / sizes
    chosen: list = []
    for column in segments:
        ranked = reach[column].sort_index().sort_values(ascending=False, kind="stable")
        chosen += [p for p in ranked.index[:n_products] if p not in chosen]
    reach = reach.loc[chosen]
    if description_col in lines.columns:
        names = (
            lines[[product_col, description_col]]
            .dropna()
            .value_counts()
            .rename("n")
            .reset_index()
            .sort_values([product_col, "n", description_col], ascending=[True, False, True])
            .drop_duplicates(product_col)
            .set_index(product_col)[description_col]
        )
        reach.index = [f"{names.get(p, p)} ({p})" for p in reach.index]
    return reach


# --- indices and words -------------------------------------------------------------------------


def _check_profile(profile: pd.DataFrame) -> None:
    if not isinstance(profile, pd.DataFrame) or profile.index.nlevels != 2:
        raise ValueError("profile must be the output of segment_profile (section, measure rows)")
    if BASE not in profile.columns:
        raise ValueError(f"profile: column {BASE!r} (the whole base) is required but missing")


def profile_index(profile: pd.DataFrame) -> pd.DataFrame:
    """Each figure of a profile as an index against the whole base: 100 = all customers.

    ``index = 100 * segment value / base value``. For the ``size`` section the shares of
    revenue and profit are compared with the share of customers instead (10% of customers
    with 30% of revenue: 300), and the customer counts have no index (NaN). Where the base
    value is 0 the index is NaN.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`segment_profile`.

    Returns
    -------
    pandas.DataFrame
        Same rows and columns as ``profile``.
    """
    _check_profile(profile)
    base = profile[BASE].replace(0, np.nan)
    index = profile.div(base, axis=0) * 100
    sections = profile.index.get_level_values(0)
    if "size" in sections:
        customers = profile.loc[("size", "share of customers")].replace(0, np.nan)
        for measure in profile.loc["size"].index:
            if measure.startswith("share of") and measure != "share of customers":
                index.loc[("size", measure)] = profile.loc[("size", measure)] / customers * 100
            else:
                index.loc[("size", measure)] = np.nan
    return index


def distinctive_features(
    profile: pd.DataFrame,
    segment: str,
    *,
    n: int = 5,
    min_share: float = 0.05,
    sections: Sequence[str] = tuple(x for x in SHARE_SECTIONS if x != "product"),
    over: bool = True,
) -> pd.DataFrame:
    """List the attributes a segment has most over (or under) the base, highest index first.

    Only the share sections count (demographics, country, category), only values
    held by at least ``min_share`` of the segment (with ``over=True``) or of the base (with
    ``over=False``), and never "unknown" or "other".

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`segment_profile`.
    segment : str
        A column of ``profile``.
    n : int, default 5
        How many attributes.
    min_share : float, default 0.05
        Ignore attributes rarer than this, where an index means little.
    sections : sequence of str
        The sections to look in; default every share section but ``product`` (frequent
        buyers buy more of every product, so product reach mostly repeats the frequency).
    over : bool, default True
        Over-represented (index > 100, highest first) or under-represented (< 100, lowest
        first).

    Returns
    -------
    pandas.DataFrame
        Columns ``section``, ``measure``, ``share`` (in the segment), ``base_share`` and
        ``index``.
    """
    _check_profile(profile)
    if segment not in profile.columns or segment == BASE:
        segments = [c for c in profile.columns if c != BASE]
        raise ValueError(f"segment {segment!r} is not in the profile; segments: {segments}")
    index = profile_index(profile)
    table = pd.DataFrame(
        {"share": profile[segment], "base_share": profile[BASE], "index": index[segment]}
    )
    table = table[table.index.get_level_values(0).isin(list(sections))]
    table = table[~table.index.get_level_values(1).isin([UNKNOWN, "other"])]
    reference = table["share"] if over else table["base_share"]
    table = table[(reference >= min_share) & table["index"].notna()]
    table = table[table["index"] > 100] if over else table[table["index"] < 100]
    table = table.sort_values("index", ascending=not over, kind="stable").head(n)
    return table.rename_axis(["section", "measure"]).reset_index()


_PHRASES = {
    "age": "aged {}",
    "gender": "gender {}",
    "income": "earning {}",
    "region": "in {}",
    "channel": "acquired via {}",
    "country": "from {}",
    "category": "buying {}",
    "product": "buying {}",
}


def _level(index: float, words: tuple[str, str, str, str, str]) -> str:
    """Pick a word for an index: <= 50, <= 80, between, >= 125, >= 200."""
    if index <= 50:
        return words[0]
    if index <= 80:
        return words[1]
    if index >= 200:
        return words[4]
    if index >= 125:
        return words[3]
    return words[2]


def describe_segment(
    profile: pd.DataFrame,
    segment: str,
    *,
    n_features: int = 3,
    sections: Sequence[str] = tuple(x for x in SHARE_SECTIONS if x != "product"),
    min_index: float = 115.0,
) -> str:
    """One line describing a segment from its index values against the base.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`segment_profile`.
    segment : str
        A column of ``profile``.
    n_features : int, default 3
        How many over-represented attributes to name (see :func:`distinctive_features`).
    sections : sequence of str
        Where to look for them; default every share section but ``product`` (frequent buyers
        buy more of every product, so product reach mostly repeats the frequency).
    min_index : float, default 115
        Name only attributes at least this far over the base (100).

    Returns
    -------
    str
        E.g. "12% of customers, 45% of revenue: very recent, very frequent, big spenders
        (last order 9 days ago vs 124 for all, 9.1 orders vs 2.3, spend 2,345 vs 560); more
        often aged 65+ (140); in London (131)."
    """
    features = distinctive_features(profile, segment, n=n_features, sections=sections)
    features = features[features["index"] >= min_index]
    value = profile[segment]
    base = profile[BASE]
    index = profile_index(profile)[segment]
    words = [
        _level(
            index["behaviour", "recency mean"],
            ("very recent", "recent", "average recency", "lapsing", "long lapsed"),
        ),
        _level(
            index["behaviour", "frequency mean"],
            ("rare buyers", "infrequent", "average frequency", "frequent", "very frequent"),
        ),
        _level(
            index["behaviour", "monetary mean"],
            ("very low spend", "low spend", "average spend", "high spend", "big spenders"),
        ),
    ]
    text = (
        f"{value['size', 'share of customers']:.0%} of customers, "
        f"{value['size', 'share of revenue']:.0%} of revenue: {', '.join(words)} "
        f"(last order {value['behaviour', 'recency mean']:,.0f} days ago vs "
        f"{base['behaviour', 'recency mean']:,.0f} for all, "
        f"{value['behaviour', 'frequency mean']:,.1f} orders vs "
        f"{base['behaviour', 'frequency mean']:,.1f}, spend "
        f"{value['behaviour', 'monetary mean']:,.0f} vs {base['behaviour', 'monetary mean']:,.0f})"
    )
    if len(features):
        parts = []
        for section in dict.fromkeys(features["section"]):  # sections in order of first index
            items = features[features["section"] == section]
            named = ", ".join(f"{f.measure} ({f.index:.0f})" for f in items.itertuples())
            parts.append(_PHRASES.get(section, "{}").format(named))
        text += "; more often " + "; ".join(parts)
    return text + "."


def format_profile(profile: pd.DataFrame, index: pd.DataFrame | None = None) -> pd.DataFrame:
    """Format the profile as text for reading: counts, percentages, numbers and indices.

    Parameters
    ----------
    profile : pandas.DataFrame
        The output of :func:`segment_profile`.
    index : pandas.DataFrame, optional
        The output of :func:`profile_index`; when given each segment's figure is followed by
        its index in brackets, e.g. "34% (142)".

    Returns
    -------
    pandas.DataFrame
        Strings, same rows and columns as ``profile``.
    """
    _check_profile(profile)
    out = pd.DataFrame(index=profile.index, columns=profile.columns, dtype=object)
    for (section, measure), row in profile.iterrows():
        if section == "size" and measure == "customers":
            texts = row.map("{:,.0f}".format)
        elif section == "size" or section in SHARE_SECTIONS:
            texts = row.map("{:.1%}".format if section == "size" else "{:.0%}".format)
        elif measure.startswith(("frequency", "recency", "tenure")):
            texts = row.map("{:,.1f}".format)
        else:
            texts = row.map("{:,.0f}".format)
        texts = texts.where(row.notna(), "-")
        if index is not None:
            idx = index.loc[(section, measure)]
            for column in profile.columns:
                if column != BASE and pd.notna(idx[column]):
                    texts[column] = f"{texts[column]} ({idx[column]:.0f})"
        out.loc[(section, measure)] = texts
    return out
