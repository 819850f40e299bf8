"""Market-basket analysis: which products are bought together, as association rules.

A **basket** is one invoice: the set of distinct products on it (how many units does not
matter here). :func:`basket_matrix` turns order lines into a boolean basket x product matrix
(one row per invoice, one column per product, ``True`` where the invoice holds the product),
sparse by default: an Online Retail basket holds about 20 of 3,600 products.

For an itemset ``X`` (one or more products) and a rule ``A -> C`` (antecedent ``A``,
consequent ``C``, no product in both), over ``N`` baskets:

- ``support(X) = n(X) / N``, the share of baskets holding every product of ``X``;
- ``support(A -> C) = support(A u C)``, the share of baskets holding both sides;
- ``confidence(A -> C) = support(A u C) / support(A)``: of the baskets with ``A``, the
  share that also hold ``C`` (an estimate of P(C | A));
- ``lift(A -> C) = confidence(A -> C) / support(C) = support(A u C) / (support(A) support(C))``:
  how many times more often ``C`` is in a basket with ``A`` than in a basket in general. A lift
  of 1 is what independence gives; a lift of 10 means "ten times as often". Lift is symmetric
  (``A -> C`` and ``C -> A`` have the same lift); confidence is not.

:func:`frequent_itemsets` finds the itemsets with ``support >= min_support`` with the FP-growth
algorithm of :mod:`mlxtend`; :func:`association_rules` turns them into rules and filters them
by confidence and lift. Products whose own support is below ``min_support`` cannot be in a
frequent itemset, so they are dropped before FP-growth (the number of baskets, the
denominator of every support, stays the same). :func:`explain_rules` says each rule in plain
words with the products' descriptions; :func:`rules_by_group` runs the analysis per segment or
per country; :func:`planted_pairs_found` checks which known pairs (the synthetic data's
``bought_together`` table) the rules recover.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from helpers import schema as s
from helpers.checks import check_numbers, column_rule, require_columns
from helpers.cleaning import NON_PRODUCT_CODES, NON_PRODUCT_PATTERN, non_product_lines
from helpers.deprecation import LINE_COLUMN_RENAMES, renamed_arguments

__all__ = [
    "RULE_COLUMNS",
    "association_rules",
    "basket_matrix",
    "basket_stats",
    "explain_rules",
    "frequent_itemsets",
    "planted_pairs_found",
    "product_descriptions",
    "rules_by_group",
]

#: The columns of :func:`association_rules`.
RULE_COLUMNS: tuple[str, ...] = (
    "antecedent",
    "consequent",
    "length",
    "antecedent_support",
    "consequent_support",
    "support",
    "confidence",
    "lift",
    "n_baskets",
)


# --- baskets -----------------------------------------------------------------------------------


@renamed_arguments(**LINE_COLUMN_RENAMES)
def basket_matrix(
    transactions: pd.DataFrame,
    *,
    sparse: bool = True,
    non_product_codes: Mapping[str, str | None] | Iterable[str] = NON_PRODUCT_CODES,
    non_product_pattern: str | None = NON_PRODUCT_PATTERN,
    invoice_col: str = s.INVOICE_ID,
    product_col: str = s.PRODUCT_ID,
    quantity_col: str = s.QUANTITY,
    description_col: str = s.DESCRIPTION,
) -> pd.DataFrame:
    """One-hot basket matrix: one row per invoice, one boolean column per product.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines (:func:`helpers.datasets.load_clean_transactions`): returns netted,
        so every quantity is positive. A product on several lines of an invoice counts once.
    sparse : bool, default True
        Return columns of ``pandas.SparseDtype(bool, False)`` (memory grows with the number of
        lines, not invoices x products); False gives a dense ``bool`` frame.
    non_product_codes : mapping or iterable of str, default ``cleaning.NON_PRODUCT_CODES``
        Codes that are not products (postage, fees), as in
        :func:`helpers.cleaning.non_product_lines`; their lines are left out, and an invoice
        holding nothing else is not a basket.
    non_product_pattern : str, optional
        A regular expression for more such codes (matched on the upper-cased code).
    invoice_col, product_col, quantity_col, description_col : str
        Column names (the quantity is checked only when present; the description is used
        only for codes that need one); default the canonical names of :mod:`helpers.schema`
        (the old names ``invoice_id``, ``product_id``, ``quantity``, ``description`` still
        work, with a FutureWarning).

    Returns
    -------
    pandas.DataFrame
        Index: invoice ids (sorted, named ``invoice_col``); columns: product ids (sorted,
        named ``product_col``).

    Raises
    ------
    ValueError
        If a column is missing, an id is missing, a quantity is zero or negative (returns not
        netted: clean the lines first), or no product line is left.
    """
    require_columns(transactions, [invoice_col, product_col], "transactions")
    for column in (invoice_col, product_col):
        column_rule(transactions, transactions[column].isna(), "transactions", column, "present")
    if quantity_col in transactions.columns:
        bad = ~(pd.to_numeric(transactions[quantity_col], errors="coerce") > 0)
        column_rule(
            transactions,
            bad,
            "transactions",
            quantity_col,
            "> 0 (returns netted against their purchases: clean the order lines first)",
        )
    keep = ~non_product_lines(
        transactions,
        non_product_codes=non_product_codes,
        non_product_pattern=non_product_pattern,
        product_col=product_col,
        description_col=description_col,
    )
    lines = transactions.loc[keep, [invoice_col, product_col]].astype(str)
    if lines.empty:
        raise ValueError(
            f"transactions: no product lines ({len(transactions):,} line(s), all of them "
            "non-product codes); there are no baskets"
        )
    invoices = np.sort(lines[invoice_col].unique())
    products = np.sort(lines[product_col].unique())
    rows = np.searchsorted(invoices, lines[invoice_col].to_numpy())
    cols = np.searchsorted(products, lines[product_col].to_numpy())
    matrix = sp.csc_matrix(
        (np.ones(len(lines), dtype=bool), (rows, cols)), shape=(len(invoices), len(products))
    )
    matrix.sum_duplicates()
    matrix.data[:] = True
    index = pd.Index(invoices, name=invoice_col)
    columns = pd.Index(products, name=product_col)
    if sparse:
        return pd.DataFrame.sparse.from_spmatrix(matrix, index=index, columns=columns)
    return pd.DataFrame(matrix.toarray(), index=index, columns=columns)


def _check_baskets(baskets: pd.DataFrame) -> sp.csc_matrix:
    """Check a basket matrix and return it as a boolean scipy CSC matrix."""
    if not isinstance(baskets, pd.DataFrame):
        raise ValueError(f"baskets must be a pandas DataFrame; got {type(baskets).__name__}")
    if baskets.shape[0] == 0 or baskets.shape[1] == 0:
        raise ValueError(
            f"baskets: the matrix is empty ({baskets.shape[0]} basket(s) x {baskets.shape[1]} "
            "product(s)); build it with basket_matrix from order lines"
        )
    subtypes = [t.subtype if isinstance(t, pd.SparseDtype) else t for t in baskets.dtypes]
    not_bool = [i for i, t in enumerate(subtypes) if not pd.api.types.is_bool_dtype(t)]
    if not_bool:
        bad = baskets.columns[not_bool[0]]
        raise ValueError(
            f"baskets: column {bad!r} must be boolean (True where the basket holds the product), "
            f"got {baskets.dtypes.iloc[not_bool[0]]}; {len(not_bool)} column(s) are not. "
            "Use basket_matrix"
        )
    if all(isinstance(t, pd.SparseDtype) for t in baskets.dtypes):
        matrix = baskets.sparse.to_coo().tocsc().astype(bool)
    else:
        matrix = sp.csc_matrix(baskets.to_numpy(dtype=bool))
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    if (sizes == 0).any():
        where = int(np.flatnonzero(sizes == 0)[0])
        raise ValueError(
            f"baskets: every basket must hold at least one product; {int((sizes == 0).sum())} "
            f"are empty, e.g. basket {baskets.index[where]!r}"
        )
    return matrix


def basket_stats(baskets: pd.DataFrame) -> pd.Series:
    """Size of the basket data: baskets, products, products per basket.

    Parameters
    ----------
    baskets : pandas.DataFrame
        A basket matrix (:func:`basket_matrix`).

    Returns
    -------
    pandas.Series
        ``baskets``, ``products``, ``mean_size`` and ``median_size`` (products per basket),
        ``single_item_share`` (baskets of one product: no rule can come from them),
        ``max_size``, ``density`` (share of True cells) and ``top_product_support`` (support of
        the most frequent product).
    """
    matrix = _check_baskets(baskets)
    sizes = np.asarray(matrix.sum(axis=1)).ravel()
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    n, m = matrix.shape
    return pd.Series(
        {
            "baskets": n,
            "products": m,
            "mean_size": float(sizes.mean()),
            "median_size": float(np.median(sizes)),
            "single_item_share": float((sizes == 1).mean()),
            "max_size": int(sizes.max()),
            "density": float(matrix.nnz / (n * m)),
            "top_product_support": float(counts.max() / n),
        },
        name="baskets",
        dtype=object,
    )


# --- itemsets and rules ------------------------------------------------------------------------


def _check_max_len(max_len: int | None) -> None:
    if max_len is not None and (not isinstance(max_len, int | np.integer) or max_len < 2):
        raise ValueError(f"max_len must be an integer >= 2 (a rule has two sides), got {max_len!r}")


def frequent_itemsets(
    baskets: pd.DataFrame, min_support: float = 0.01, *, max_len: int | None = None
) -> pd.DataFrame:
    """Itemsets held by at least ``min_support`` of the baskets (FP-growth, :mod:`mlxtend`).

    Parameters
    ----------
    baskets : pandas.DataFrame
        A boolean basket matrix (:func:`basket_matrix`), dense or sparse.
    min_support : float, default 0.01
        The smallest support kept, in (0, 1]. Lower values find rarer combinations but take
        longer and return many more itemsets.
    max_len : int, optional
        The largest itemset (>= 2); default no limit.

    Returns
    -------
    pandas.DataFrame
        One row per itemset: ``itemset`` (a frozenset of product ids), ``length``, ``support``
        and ``n_baskets``, by support (highest first), then length and items.
        ``attrs["n_baskets"]`` is the number of baskets.
    """
    from mlxtend.frequent_patterns import fpgrowth

    check_numbers("min_support", min_support, "in (0, 1]", lambda x: (x > 0) & (x <= 1))
    _check_max_len(max_len)
    matrix = _check_baskets(baskets)
    n = matrix.shape[0]
    counts = np.asarray(matrix.sum(axis=0)).ravel()
    keep = np.flatnonzero(counts >= min_support * n - 1e-9)
    columns = baskets.columns[keep]
    result = pd.DataFrame(columns=["itemset", "length", "support", "n_baskets"])
    if len(keep):
        # infrequent products cannot be in a frequent itemset; every basket stays (same N)
        frame = pd.DataFrame(matrix[:, keep].toarray(), columns=columns)
        found = fpgrowth(frame, min_support=min_support, use_colnames=True, max_len=max_len)
        if len(found):
            result = pd.DataFrame(
                {
                    "itemset": found["itemsets"].to_list(),
                    "length": found["itemsets"].map(len).astype("int64").to_numpy(),
                    "support": found["support"].to_numpy(dtype=float),
                }
            )
            result["n_baskets"] = np.rint(result["support"] * n).astype("int64")
            result["_key"] = result["itemset"].map(lambda x: tuple(sorted(map(str, x))))
            result = result.sort_values(
                ["support", "length", "_key"], ascending=[False, True, True], kind="stable"
            )
            result = result.drop(columns="_key").reset_index(drop=True)
    result.attrs["n_baskets"] = n
    return result


def association_rules(
    baskets: pd.DataFrame,
    *,
    min_support: float = 0.01,
    min_confidence: float = 0.0,
    min_lift: float = 1.0,
    max_len: int | None = None,
) -> pd.DataFrame:
    """Association rules ``A -> C`` with support, confidence and lift, filtered and sorted.

    Frequent itemsets are found with :func:`frequent_itemsets`; every split of an itemset into
    a non-empty antecedent and consequent is a candidate rule (:mod:`mlxtend`'s
    ``association_rules``), kept when its confidence and lift reach the thresholds.

    Parameters
    ----------
    baskets : pandas.DataFrame
        A boolean basket matrix (:func:`basket_matrix`).
    min_support : float, default 0.01
        Smallest support of the rule (of ``A u C``), in (0, 1].
    min_confidence : float, default 0.0
        Smallest confidence, in [0, 1].
    min_lift : float, default 1.0
        Smallest lift (>= 0); 1 keeps only products bought together more often than chance.
    max_len : int, optional
        Most products in a rule, both sides together (>= 2); default no limit.

    Returns
    -------
    pandas.DataFrame
        One row per rule, columns :data:`RULE_COLUMNS`: ``antecedent`` and ``consequent``
        (sorted tuples of product ids), ``length`` (products in the rule),
        ``antecedent_support``, ``consequent_support``, ``support``, ``confidence``, ``lift``
        and ``n_baskets`` (baskets holding the whole rule). Sorted by lift, then confidence
        (highest first), then the product ids. ``attrs["n_baskets"]``: the number of baskets;
        ``attrs["n_itemsets"]``: the frequent itemsets found.
    """
    from mlxtend.frequent_patterns import association_rules as mlxtend_rules

    check_numbers("min_confidence", min_confidence, "in [0, 1]", lambda x: (x >= 0) & (x <= 1))
    check_numbers("min_lift", min_lift, ">= 0", lambda x: x >= 0)
    itemsets = frequent_itemsets(baskets, min_support, max_len=max_len)
    n = itemsets.attrs["n_baskets"]
    rules = pd.DataFrame({c: pd.Series(dtype=object) for c in RULE_COLUMNS})
    if (itemsets["length"] >= 2).any():
        found = mlxtend_rules(
            itemsets.rename(columns={"itemset": "itemsets"})[["support", "itemsets"]],
            num_itemsets=n,
            metric="confidence",
            min_threshold=min_confidence,
            return_metrics=[
                "antecedent support",
                "consequent support",
                "support",
                "confidence",
                "lift",
            ],
        )
        found = found[found["lift"] >= min_lift - 1e-12]
        if len(found):
            rules = pd.DataFrame(
                {
                    "antecedent": found["antecedents"].map(lambda x: tuple(sorted(x))).to_list(),
                    "consequent": found["consequents"].map(lambda x: tuple(sorted(x))).to_list(),
                    "antecedent_support": found["antecedent support"].to_numpy(dtype=float),
                    "consequent_support": found["consequent support"].to_numpy(dtype=float),
                    "support": found["support"].to_numpy(dtype=float),
                    "confidence": found["confidence"].to_numpy(dtype=float),
                    "lift": found["lift"].to_numpy(dtype=float),
                }
            )
            rules.insert(2, "length", (rules["antecedent"].map(len) + rules["consequent"].map(len)))
            rules["n_baskets"] = np.rint(rules["support"] * n).astype("int64")
            rules = rules.sort_values(
                ["lift", "confidence", "antecedent", "consequent"],
                ascending=[False, False, True, True],
                kind="stable",
            ).reset_index(drop=True)
    rules.attrs["n_baskets"] = n
    rules.attrs["n_itemsets"] = len(itemsets)
    return rules


# --- rules in words ----------------------------------------------------------------------------


@renamed_arguments(product_id="product_col", description="description_col")
def product_descriptions(
    transactions: pd.DataFrame,
    *,
    product_col: str = s.PRODUCT_ID,
    description_col: str = s.DESCRIPTION,
) -> pd.Series:
    """Give each product its most frequent description (ties: alphabetical first).

    A product code can carry several descriptions (Online Retail has about 200 such codes,
    e.g. a spelling fixed in the middle of the year).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Order lines (or a products table) with product ids and descriptions.
    product_col, description_col : str
        Column names (old names ``product_id``, ``description``, with a FutureWarning).

    Returns
    -------
    pandas.Series
        Description indexed by product id (sorted); the index is named ``product_col`` and
        the Series ``description_col``.
    """
    require_columns(transactions, [product_col, description_col], "transactions")
    pairs = transactions[[product_col, description_col]].dropna().astype(str)
    counts = pairs.value_counts().rename("n").reset_index()
    counts = counts.sort_values(
        [product_col, "n", description_col], ascending=[True, False, True], kind="stable"
    )
    first = counts.drop_duplicates(product_col)
    return pd.Series(
        first[description_col].to_numpy(), index=pd.Index(first[product_col], name=product_col)
    ).rename(description_col)


def _names(items: tuple, descriptions: pd.Series | None) -> str:
    if descriptions is None:
        return " + ".join(map(str, items))
    return " + ".join(str(descriptions.get(item, item)) for item in items)


def explain_rules(
    rules: pd.DataFrame, descriptions: pd.Series | None = None, n: int | None = None
) -> pd.Series:
    """Say each rule in plain words: how often the consequent comes with the antecedent.

    Parameters
    ----------
    rules : pandas.DataFrame
        The output of :func:`association_rules`.
    descriptions : pandas.Series, optional
        Description per product id (:func:`product_descriptions`); default the ids.
    n : int, optional
        Explain the first ``n`` rules only.

    Returns
    -------
    pandas.Series
        One sentence per rule, indexed like ``rules``, e.g. "Of the baskets with PINK TEACUP
        (2.1% of all baskets), 73% also hold GREEN TEACUP: 18.2 times as often as baskets in
        general (4.0%). Both are in 1.5% of baskets (274)."
    """
    require_columns(rules, ["antecedent", "consequent", "support", "confidence", "lift"], "rules")
    head = rules if n is None else rules.head(n)
    sentences = [
        f"Of the baskets with {_names(r.antecedent, descriptions)} "
        f"({r.antecedent_support:.1%} of all baskets), {r.confidence:.0%} also hold "
        f"{_names(r.consequent, descriptions)}: {r.lift:.1f} times as often as baskets in "
        f"general ({r.consequent_support:.1%}). Together in {r.support:.1%} of baskets "
        f"({r.n_baskets:,})."
        for r in head.itertuples(index=False)
    ]
    return pd.Series(sentences, index=head.index, name="rule", dtype=object)


# --- per group, and a check against known pairs ------------------------------------------------


@renamed_arguments(**LINE_COLUMN_RENAMES)
def rules_by_group(
    transactions: pd.DataFrame,
    by: str | pd.Series,
    *,
    min_support: float = 0.01,
    min_confidence: float = 0.0,
    min_lift: float = 1.0,
    max_len: int | None = None,
    min_baskets: int = 1,
    invoice_col: str = s.INVOICE_ID,
    product_col: str = s.PRODUCT_ID,
    customer_col: str = s.CUSTOMER_ID,
    quantity_col: str = s.QUANTITY,
    description_col: str = s.DESCRIPTION,
) -> pd.DataFrame:
    """Association rules found separately within each group of invoices (segment, country).

    Supports are shares of the *group's* baskets, so a rule can be frequent in a small
    segment and rare overall.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean order lines.
    by : str or pandas.Series
        A column of ``transactions`` that is constant within an invoice (e.g. ``"country"``),
        or a label per customer (a Series indexed by customer id, e.g. the RFM segments); every
        customer of ``transactions`` needs a label.
    min_support, min_confidence, min_lift, max_len
        As for :func:`association_rules`, applied within each group.
    min_baskets : int, default 1
        Groups with fewer baskets are not analysed (they are still listed, with no rules, in
        ``attrs["groups"]``).
    invoice_col, product_col, customer_col : str
        Column names (old names ``invoice_id``, ``product_id``, ``customer_id``, with a
        FutureWarning).
    quantity_col, description_col : str
        Column names passed to :func:`basket_matrix` (quantity checked, description for the
        non-product codes that need one).

    Returns
    -------
    pandas.DataFrame
        The rules of every group, with a first column ``group``; groups from the most baskets to
        the fewest. ``attrs["groups"]``: a DataFrame with ``baskets`` and ``rules`` per group.

    Raises
    ------
    ValueError
        If the column is missing, a line or customer has no group, or an invoice is in two
        groups.
    """
    if isinstance(by, str):
        require_columns(transactions, [invoice_col, product_col, by], "transactions")
        groups = transactions[by]
        column_rule(transactions, groups.isna(), "transactions", by, "present (a group per line)")
        name = by
    elif isinstance(by, pd.Series):
        require_columns(transactions, [invoice_col, product_col, customer_col], "transactions")
        missing = pd.Index(transactions[customer_col].unique()).difference(by.dropna().index)
        if len(missing):
            raise ValueError(
                f"by: {len(missing):,} customer(s) of the transactions have no group label, "
                f"e.g. customer {missing[0]!r}; give every customer a label"
            )
        groups = transactions[customer_col].map(by)
        name = by.name or "group"
    else:
        raise ValueError(f"by must be a column name or a Series per customer, got {type(by)}")
    groups = groups.astype(str)
    per_invoice = groups.groupby(transactions[invoice_col]).nunique()
    if (per_invoice > 1).any():
        bad = per_invoice.index[per_invoice > 1][0]
        seen = sorted(groups[transactions[invoice_col] == bad].unique())
        raise ValueError(f"by: invoice {bad!r} is in {len(seen)} groups {seen}; one per invoice")
    sizes = transactions.groupby(groups, sort=True)[invoice_col].nunique()
    sizes = sizes.sort_values(ascending=False, kind="stable")
    found, summary = [], []
    for group, n in sizes.items():
        rules = pd.DataFrame(columns=list(RULE_COLUMNS))
        if n >= min_baskets:
            baskets = basket_matrix(
                transactions[groups == group],
                invoice_col=invoice_col,
                product_col=product_col,
                quantity_col=quantity_col,
                description_col=description_col,
            )
            rules = association_rules(
                baskets,
                min_support=min_support,
                min_confidence=min_confidence,
                min_lift=min_lift,
                max_len=max_len,
            )
            found.append(rules.assign(group=group))
        summary.append({"group": group, "baskets": int(n), "rules": len(rules)})
    columns = ["group", *RULE_COLUMNS]
    out = pd.concat(found, ignore_index=True)[columns] if found else pd.DataFrame(columns=columns)
    out = out.rename(columns={"group": name}) if name != "group" else out
    out.attrs["groups"] = pd.DataFrame(summary).set_index("group").rename_axis(name)
    return out


def planted_pairs_found(
    rules: pd.DataFrame,
    pairs: pd.DataFrame,
    *,
    a: str = "product_a",
    b: str = "product_b",
) -> pd.DataFrame:
    """Which known product pairs the rules recover (as a one-to-one rule, either direction).

    Parameters
    ----------
    rules : pandas.DataFrame
        The output of :func:`association_rules` (after any filtering).
    pairs : pandas.DataFrame
        One row per known pair, e.g. the synthetic data's ``bought_together`` table.
    a, b : str
        The columns of ``pairs`` holding the two product ids.

    Returns
    -------
    pandas.DataFrame
        ``pairs`` with ``found`` (a rule ``a -> b`` or ``b -> a`` is among ``rules``),
        ``support`` and ``lift`` of the pair, ``confidence_ab`` (a -> b) and ``confidence_ba``
        (NaN where that direction is not among the rules).
    """
    require_columns(pairs, [a, b], "pairs")
    require_columns(rules, ["antecedent", "consequent", "support", "confidence", "lift"], "rules")
    single = rules[(rules["antecedent"].map(len) == 1) & (rules["consequent"].map(len) == 1)]
    lookup = {
        (str(r.antecedent[0]), str(r.consequent[0])): r for r in single.itertuples(index=False)
    }
    out = pairs.copy()
    rows = []
    for x, y in zip(pairs[a].astype(str), pairs[b].astype(str), strict=True):
        ab, ba = lookup.get((x, y)), lookup.get((y, x))
        either = ab if ab is not None else ba
        rows.append(
            {
                "found": either is not None,
                "support": either.support if either is not None else np.nan,
                "lift": either.lift if either is not None else np.nan,
                "confidence_ab": ab.confidence if ab is not None else np.nan,
                "confidence_ba": ba.confidence if ba is not None else np.nan,
            }
        )
    extra = pd.DataFrame(rows, index=pairs.index)
    for column in extra.columns:
        out[column] = extra[column]
    return out
