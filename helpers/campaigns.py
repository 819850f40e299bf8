"""Campaign lists: who to contact, with what, what it is expected to earn, and why.

Every list is a DataFrame with one row per customer and at least the columns of
:data:`CAMPAIGN_COLUMNS`: ``customer_id``, ``action``, ``offer``, ``expected_value`` (in the
currency of the data, per customer, after the cost of the contact) and ``reason`` (in words,
with the numbers behind the decision). Lists are sorted by expected value, best first, and
keep only customers worth contacting. :func:`helpers.export.export_campaign` writes them.

- :func:`retention_list`: high churn risk x high value, sized by chapter 06's expected profit
  ``P(churn) x value at risk x save rate - offer cost``;
- :func:`cross_sell_list`: the next-best products of a recommender (chapter 10), taken as a
  long table ``customer_id, rank, product_id, score``, so any recommender will do;
- :func:`expansion_list`: new or barely active customers who look most like the top tier
  (a look-alike model, :class:`helpers.lookalike.LookalikeModel`: logistic regression of
  "top tier" on features that do not depend on how long someone has been a customer);
- :func:`birthday_list` (customer care, :mod:`helpers.birthdays`): birthdays in the next N
  days, by e-mail or SMS, without customers who opted out or left, with a voucher only when
  its assumed lift beats the break-even lift.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from helpers import schema as s
from helpers.birthdays import birthday_list, next_birthday
from helpers.checks import check_numbers, check_share, require_columns, warn_notes
from helpers.churn_campaign import retention_campaign
from helpers.lookalike import LOOKALIKE_FEATURES, LookalikeModel
from helpers.translation import gettext as _

__all__ = [
    "CAMPAIGN_COLUMNS",
    "LOOKALIKE_FEATURES",
    "birthday_list",
    "cross_sell_list",
    "expansion_list",
    "next_birthday",
    "retention_list",
]

#: The columns every campaign list has, in this order.
CAMPAIGN_COLUMNS: tuple[str, ...] = s.CAMPAIGN_COLUMNS


def _finish(table: pd.DataFrame, extra: Sequence[str] = ()) -> pd.DataFrame:
    """Order the columns, sort best first, number the rows from 0."""
    table = table.sort_values(
        ["expected_value", s.CUSTOMER_ID], ascending=[False, True], kind="mergesort"
    )
    return table[[*CAMPAIGN_COLUMNS, *extra]].reset_index(drop=True)


def retention_list(
    p_churn: pd.Series,
    value: pd.Series,
    *,
    save_rate: float,
    offer_cost: float | pd.Series,
    offer: str = "retention offer",
    currency: str = "£",
) -> pd.DataFrame:
    """List the customers worth a retention offer: positive expected profit (chapter 06).

    Parameters
    ----------
    p_churn : pandas.Series
        P(churn) per customer.
    value : pandas.Series
        Value at risk per customer (what they would bring if they stayed), e.g. model CLV or
        :func:`helpers.churn_campaign.value_at_risk`.
    save_rate : float
        Share of would-be churners the offer keeps, in (0, 1].
    offer_cost : float or pandas.Series
        Cost of one offer, the same for everyone or per customer (a discount on the next
        order: :func:`helpers.churn_campaign.discount_offer_cost`).
    offer : str, default "retention offer"
        What the customer is offered, as written in the list.
    currency : str, default "£"
        Prefix of amounts in the reasons.

    Returns
    -------
    pandas.DataFrame
        :data:`CAMPAIGN_COLUMNS`, ``p_churn``, ``value_at_risk``, ``offer_cost``; only those with a
        positive expected value. ``attrs``: ``candidates``, ``size``, ``value``.
    """
    table = retention_campaign(p_churn, value, save_rate=save_rate, offer_cost=offer_cost)
    chosen = table[table["contact"]].copy()
    chosen.index.name = s.CUSTOMER_ID
    chosen = chosen.reset_index()
    chosen["action"] = "retention offer"
    chosen["offer"] = offer
    why = _(
        "P(churn) {p:.2f} x value at risk {currency}{v:,.0f} x save rate {save:.0%} - offer "
        "{currency}{c:,.2f} = {currency}{ev:,.2f}"
    )
    chosen["reason"] = [
        why.format(p=p, currency=currency, v=v, save=save_rate, c=c, ev=ev)
        for p, v, c, ev in zip(
            chosen["p_churn"],
            chosen["value_at_risk"],
            chosen["offer_cost"],
            chosen["expected_value"],
            strict=True,
        )
    ]
    out = _finish(chosen, ["p_churn", "value_at_risk", "offer_cost"])
    out.attrs.update(candidates=len(table), size=len(out), value=float(out["expected_value"].sum()))
    return out


def cross_sell_list(
    recommendations: pd.DataFrame,
    products: pd.DataFrame,
    *,
    customers: Sequence[str] | pd.Index | None = None,
    n_products: int = 3,
    take_rate: float = 0.05,
    contact_cost: float = 0.0,
    margin_rate: float | None = None,
    currency: str = "£",
) -> pd.DataFrame:
    """One cross-sell offer per customer from a recommender's top products (chapter 10).

    Each of the customer's top ``n_products`` recommendations is bought with probability
    ``take_rate``, earning its unit margin, so
    ``expected_value = take_rate x sum of unit margins - contact_cost``.

    Parameters
    ----------
    recommendations : pandas.DataFrame
        Long table ``customer_id, rank, product_id, score`` (rank 1 = best), as returned by a
        recommender's ``recommend(customers, k)``.
    products : pandas.DataFrame
        ``product_id``, ``unit_price`` and either ``unit_cost`` or (with ``margin_rate``) none;
        ``description`` is used in the offer when present.
    customers : sequence of str, optional
        Keep only these customers (e.g. those whose strategy is "upgrade").
    n_products : int, default 3
        Products offered per customer.
    take_rate : float, default 0.05
        Probability that a customer buys one recommended product, in (0, 1].
    contact_cost : float, default 0.0
        Cost of contacting one customer (an e-mail costs next to nothing).
    margin_rate : float, optional
        Margin as a share of price, used when ``products`` has no ``unit_cost``.
    currency : str, default "£"
        Prefix of amounts in the reasons.

    Returns
    -------
    pandas.DataFrame
        :data:`CAMPAIGN_COLUMNS`, ``product_ids`` (";"-separated, best first), ``best_score``;
        customers with a positive expected value only.

    Raises
    ------
    ValueError
        For missing columns, ranks below 1, or a recommended product missing from
        ``products``.
    """
    columns = [s.CUSTOMER_ID, "rank", s.PRODUCT_ID, "score"]
    require_columns(recommendations, columns, "recommendations", allow_empty=True)
    require_columns(products, [s.PRODUCT_ID, s.UNIT_PRICE], "products")
    check_numbers("recommendations['rank']", recommendations["rank"], ">= 1", lambda r: r >= 1)
    check_share("take_rate", take_rate, "of customers who buy a recommended product")
    check_numbers("contact_cost", contact_cost, ">= 0", lambda c: c >= 0)
    info = products.drop_duplicates(s.PRODUCT_ID).set_index(s.PRODUCT_ID)
    if s.UNIT_COST in info.columns:
        unit_margin = info[s.UNIT_PRICE] - info[s.UNIT_COST]
    elif margin_rate is not None:
        check_share("margin_rate", margin_rate, "margin share of price")
        unit_margin = info[s.UNIT_PRICE] * margin_rate
    else:
        raise ValueError("products has no 'unit_cost' column; pass margin_rate= instead")
    recs = recommendations[recommendations["rank"] <= n_products].copy()
    if customers is not None:
        recs = recs[recs[s.CUSTOMER_ID].isin(list(customers))]
    unknown = ~recs[s.PRODUCT_ID].isin(info.index)
    if unknown.any():
        raise ValueError(
            f"recommendations: product {recs.loc[unknown, s.PRODUCT_ID].iloc[0]!r} is not in "
            f"products ({int(unknown.sum())} row(s)); give a price for every product"
        )
    recs = recs.sort_values([s.CUSTOMER_ID, "rank"], kind="mergesort")
    recs["margin"] = recs[s.PRODUCT_ID].map(unit_margin).astype(float)
    names = info[s.DESCRIPTION] if s.DESCRIPTION in info.columns else info.index.to_series()
    recs["name"] = recs[s.PRODUCT_ID].map(names).fillna(recs[s.PRODUCT_ID]).astype(str)
    groups = recs.groupby(s.CUSTOMER_ID, sort=True)
    out = pd.DataFrame(
        {
            "offer": groups["name"].agg(" / ".join),
            "product_ids": groups[s.PRODUCT_ID].agg(";".join),
            "best_score": groups["score"].max().astype(float),
            "margin": groups["margin"].sum(),
            "n": groups.size(),
        }
    )
    out["expected_value"] = take_rate * out["margin"] - contact_cost
    out["action"] = "cross-sell"
    why = _(
        "top {n} recommendation(s), best score {b:.3f}; {take:.0%} take rate x unit margins "
        "{currency}{m:,.2f} - contact {currency}{contact:,.2f}"
    )
    out["reason"] = [
        why.format(n=n, b=b, take=take_rate, currency=currency, m=m, contact=contact_cost)
        for n, b, m in zip(out["n"], out["best_score"], out["margin"], strict=True)
    ]
    out = out[out["expected_value"] > 0].rename_axis(s.CUSTOMER_ID).reset_index()
    return _finish(out, ["product_ids", "best_score"])


def expansion_list(
    features: pd.DataFrame,
    top: pd.Series,
    candidates: Sequence[str] | pd.Index,
    *,
    target_value: float,
    develop_rate: float = 0.1,
    contact_cost: float = 1.0,
    columns: Sequence[str] | None = None,
    seed: int = 0,
    currency: str = "£",
) -> pd.DataFrame:
    """List the new or barely active customers who look most like the top tier.

    A logistic regression (:class:`helpers.lookalike.LookalikeModel`) learns "top tier or
    not" on the established customers (everybody not in ``candidates``), from features that
    do not grow with tenure (:data:`LOOKALIKE_FEATURES`), with chapter 05's preprocessing
    (:func:`helpers.features.feature_pipeline`). Its probability for a candidate is the
    look-alike score: how much they resemble the top tier. A development campaign turns a
    share ``develop_rate`` of look-alikes into customers worth ``target_value``, so
    ``expected_value = score x develop_rate x target_value - contact_cost``.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer (:func:`helpers.features.customer_features` or
        :func:`helpers.churn.churn_features`).
    top : pandas.Series of bool
        True for top-tier customers (aligned with ``features``).
    candidates : sequence of str
        The new or low-activity customers to score.
    target_value : float
        What a developed customer is worth, e.g. the top tier's mean CLV.
    develop_rate : float, default 0.1
        Share of look-alikes the campaign develops, in (0, 1].
    contact_cost : float, default 1.0
        Cost of one contact.
    columns : sequence of str, optional
        Features used; default those of :data:`LOOKALIKE_FEATURES` present.
    seed : int, default 0
        Random state (the solver is deterministic; kept for symmetry with other models).
    currency : str, default "£"
        Prefix of amounts in the reasons.

    Returns
    -------
    pandas.DataFrame
        :data:`CAMPAIGN_COLUMNS` and ``lookalike_score``; candidates with a positive
        expected value, best first; empty, with a note, when there is no candidate.
        ``attrs["features"]``: the features used; ``attrs["notes"]``: features left out and
        why, categorical values of candidates that no established customer has (scored as
        none of the known values), or why the list is empty (list of str).
        :func:`helpers.lookalike.validate_lookalike` measures how well such a model ranks
        held-out customers.

    Warns
    -----
    helpers.checks.DataWarning
        For each look-alike feature that every established customer shares or nobody has
        (:func:`helpers.features.usable_features`): it is left out of the model.

    Raises
    ------
    ValueError
        If no feature is present or usable (the message names each and why), there are
        candidates but the established customers are all top tier or none is, or
        ``target_value`` is missing.
    """
    check_share("develop_rate", develop_rate, "of look-alikes developed")
    if pd.isna(target_value):
        raise ValueError(
            "target_value is missing (NaN): give what a developed customer is worth, e.g. the "
            "top tier's mean CLV; when the CLV could not be modelled (see the view's "
            'attrs["notes"]) there is no such value to aim at'
        )
    check_numbers("target_value", target_value, ">= 0", lambda v: v >= 0)
    check_numbers("contact_cost", contact_cost, ">= 0", lambda c: c >= 0)
    present = [c for c in (columns or LOOKALIKE_FEATURES) if c in features.columns]
    if not present:
        raise ValueError(
            f"features: none of the look-alike columns {list(columns or LOOKALIKE_FEATURES)} "
            f"is present (columns: {list(features.columns)})"
        )
    is_candidate = features.index.isin(list(candidates))
    if not is_candidate.any():
        used, notes = [], [_("expansion list empty: no new or barely active customer to score")]
        warn_notes(notes)
        score = pd.Series(index=features.index[:0], dtype=float)
    else:
        train = ~is_candidate
        model = LookalikeModel(present, seed=seed).fit(features[train], top)
        used, notes = model.features_, list(model.notes_)
        scored = features[is_candidate]
        for column, values in model.unseen_values(scored).items():
            note = _(
                "{column}: {values} of some candidates not seen among the established customers "
                "(scored as none of the known values)"
            ).format(column=column, values=", ".join(map(repr, values)))
            notes.append(note)
            warn_notes([note])
        score = model.score(scored, unseen="ignore")
    out = pd.DataFrame({s.CUSTOMER_ID: score.index, "lookalike_score": score.to_numpy()})
    out["expected_value"] = out["lookalike_score"] * develop_rate * target_value - contact_cost
    out["action"] = "develop look-alike"
    out["offer"] = _("welcome series with a second-purchase incentive")
    why = _(
        "look-alike score {p:.2f} x develop rate {develop:.0%} x top-tier value "
        "{currency}{target:,.0f} - contact {currency}{contact:,.2f}"
    )
    out["reason"] = [
        why.format(
            p=p, develop=develop_rate, currency=currency, target=target_value, contact=contact_cost
        )
        for p in out["lookalike_score"]
    ]
    out = _finish(out[out["expected_value"] > 0], ["lookalike_score"])
    out.attrs.update(features=used, notes=notes)
    return out
