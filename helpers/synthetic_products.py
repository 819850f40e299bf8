"""The synthetic shop's products and what goes into a basket.

The catalogue (the market's categories, :mod:`helpers.synthetic_markets`: in the UK shop
:data:`CATEGORIES` with descriptions in Online Retail's upper case, in the Chinese shop
categories and descriptions in Chinese; log-normal prices around a median per category, set
on the market's price points in China; a margin, stock on hand and a long-tailed popularity),
the product pairs planted to be bought together, the lines of each invoice (categories by the
persona's favourites, products by popularity, quantities by persona and spending capacity) and
the lines returned days later. Used by :func:`helpers.synthetic.make_synthetic` and by the
prospects of :mod:`helpers.synthetic_prospects`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.synthetic_customers import PERSONAS
from helpers.synthetic_markets import UK, Market

__all__ = ["CATEGORIES"]

#: The UK shop's product categories (a persona's favourites name them; another market's
#: categories are listed position by position, :mod:`helpers.synthetic_markets`).
CATEGORIES: tuple[str, ...] = UK.categories


def make_products(
    rng: np.random.Generator, per_category: int = 40, *, market: Market = UK
) -> pd.DataFrame:
    """Draw the catalogue of ``market`` (hidden columns ``_category`` and ``_popularity``).

    ``_category`` is the position of the product's category in ``market.categories`` (the
    baskets pick by it); ``_popularity`` the product's weight within its category.
    """
    rows = []
    for position, category in enumerate(market.categories):
        nouns, median = market.nouns[category], market.median_price[position]
        names = [f"{style}{market.joiner}{noun}" for noun in nouns for style in market.styles]
        chosen = rng.choice(len(names), size=min(per_category, len(names)), replace=False)
        prices = _price_points(median * rng.lognormal(0.0, 0.45, size=len(chosen)), market)
        for name_index, price in zip(chosen, prices, strict=True):
            rows.append((names[name_index], category, position, price))
    products = pd.DataFrame(rows, columns=[s.DESCRIPTION, s.CATEGORY, "_category", s.UNIT_PRICE])
    products.insert(0, s.PRODUCT_ID, [f"P{1001 + i}" for i in range(len(products))])
    margin = rng.uniform(0.35, 0.65, size=len(products))
    products[s.UNIT_COST] = (products[s.UNIT_PRICE] * (1 - margin)).round(2)
    products[s.STOCK_ON_HAND] = rng.negative_binomial(2, 0.01, size=len(products)).astype("int64")
    # Popularity within each category: a few best sellers and a long tail.
    products["_popularity"] = rng.pareto(1.2, size=len(products)) + 0.05
    return products


def _price_points(prices: np.ndarray, market: Market) -> list[float]:
    """Set drawn prices on the market's price points (nearest in log terms), or to the penny."""
    if not market.price_points:
        return [max(market.min_price, round(float(price), 2)) for price in prices]
    points = np.array(market.price_points)
    nearest = np.abs(np.log(prices)[:, None] - np.log(points)[None, :]).argmin(axis=1)
    return [float(points[i]) for i in nearest]


def _pick_products(
    rng: np.random.Generator, products: pd.DataFrame, categories: np.ndarray
) -> np.ndarray:
    """Draw one product (row position) per element of ``categories`` by popularity."""
    codes = products["_category"].to_numpy()
    order = np.argsort(codes, kind="stable")
    weight = products["_popularity"].to_numpy()[order]
    weight = weight / np.bincount(codes, weights=weight, minlength=len(CATEGORIES))[codes[order]]
    # Cumulative weights where category c spans [c, c + 1).
    cumulative = np.cumsum(weight)
    target = categories + rng.random(len(categories))
    position = np.searchsorted(cumulative, target, side="right")
    return order[np.minimum(position, len(order) - 1)]


def plant_pairs(rng: np.random.Generator, products: pd.DataFrame, n_pairs: int = 12) -> np.ndarray:
    """Choose product pairs (row positions) that are bought together, among popular products."""
    popular = np.argsort(-products["_popularity"].to_numpy(), kind="stable")[: 6 * n_pairs]
    chosen = rng.choice(popular, size=2 * n_pairs, replace=False)
    return chosen.reshape(n_pairs, 2)


def make_baskets(
    rng: np.random.Generator,
    invoice_persona: np.ndarray,
    invoice_capacity: np.ndarray,
    products: pd.DataFrame,
    pairs: np.ndarray,
    spend_factor: np.ndarray | None = None,
) -> pd.DataFrame:
    """Draw the lines of each invoice: (invoice, product position, quantity).

    ``spend_factor`` (one per invoice) multiplies the mean quantity of its lines.
    """
    lines_mean = np.array([p.lines_mean for p in PERSONAS])[invoice_persona]
    n_lines = 1 + rng.poisson(lines_mean - 1)
    invoice = np.repeat(np.arange(len(invoice_persona)), n_lines)
    persona = invoice_persona[invoice]
    # Categories: half the time a favourite of the persona, otherwise any category.
    width = max(len(p.favourites) for p in PERSONAS)
    favourites = np.array(
        [
            [CATEGORIES.index(p.favourites[j % len(p.favourites)]) for j in range(width)]
            for p in PERSONAS
        ]
    )
    n_favourites = np.array([len(p.favourites) for p in PERSONAS])
    any_category = rng.integers(0, len(CATEGORIES), len(invoice))
    which = (rng.random(len(invoice)) * n_favourites[persona]).astype("int64")
    favourite = favourites[persona, which]
    category = np.where(rng.random(len(invoice)) < 0.5, favourite, any_category)
    product = _pick_products(rng, products, category)
    # Planted pairs: a basket with one product of a pair gets the other too, most of the time.
    partner = np.full(len(products), -1)
    partner[pairs[:, 0]], partner[pairs[:, 1]] = pairs[:, 1], pairs[:, 0]
    extra = (partner[product] >= 0) & (rng.random(len(product)) < 0.7)
    invoice = np.concatenate([invoice, invoice[extra]])
    product = np.concatenate([product, partner[product[extra]]])
    lines = pd.DataFrame({"invoice": invoice, "product": product})
    lines = lines.drop_duplicates().sort_values(["invoice"], kind="stable")
    persona = invoice_persona[lines["invoice"].to_numpy()]
    quantity_mean = np.array([p.quantity_mean for p in PERSONAS])[persona]
    scale = 0.6 + 0.8 * invoice_capacity[lines["invoice"].to_numpy()]
    if spend_factor is not None:
        scale = scale * spend_factor[lines["invoice"].to_numpy()]
    quantity = 1 + rng.poisson(np.maximum(quantity_mean * scale - 1, 0.05))
    # Now and then a box of 12 or 24: wholesale-like lines, still ordinary.
    boxes = rng.random(len(lines)) < 0.02
    quantity = np.where(boxes, rng.choice([12, 24], len(lines)), quantity)
    lines["quantity"] = quantity.astype("int64")
    return lines.reset_index(drop=True)


def make_returns(
    rng: np.random.Generator, lines: pd.DataFrame, invoice_return_rate: np.ndarray
) -> pd.DataFrame:
    """Pick returned lines: (line position, returned quantity, days after the purchase)."""
    n_invoices = len(invoice_return_rate)
    returned_invoice = rng.random(n_invoices) < invoice_return_rate
    delay_days = rng.integers(1, 31, n_invoices)
    candidate = returned_invoice[lines["invoice"].to_numpy()]
    chosen = candidate & (rng.random(len(lines)) < 0.6)
    # Every returned invoice returns at least its first line.
    first_line = ~lines["invoice"].duplicated().to_numpy()
    chosen |= candidate & first_line
    position = np.flatnonzero(chosen)
    bought = lines["quantity"].to_numpy()[position]
    full = (rng.random(len(position)) < 0.7) | (bought == 1)
    partial = 1 + (rng.random(len(position)) * np.maximum(bought - 1, 1)).astype("int64")
    returned = np.where(full, bought, np.minimum(partial, bought - 1))
    return pd.DataFrame(
        {
            "line": position,
            "returned": returned.astype("int64"),
            "delay_days": delay_days[lines["invoice"].to_numpy()[position]],
        }
    )
