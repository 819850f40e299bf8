"""The synthetic shop's products and what goes into a basket.

The catalogue (:data:`CATEGORIES`, descriptions in Online Retail's upper case, log-normal
prices around a median per category, a margin, stock on hand and a long-tailed popularity),
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

__all__ = ["CATEGORIES"]

CATEGORIES: tuple[str, ...] = (
    "Kitchen",
    "Home decor",
    "Lighting",
    "Textiles",
    "Garden",
    "Stationery",
    "Toys",
    "Gifts",
)

# Words for product descriptions, per category (upper-cased, as in Online Retail).
_NOUNS = {
    "Kitchen": ["MUG", "TEAPOT", "CAKE TIN", "APRON", "JAM JAR", "LUNCH BOX", "TEA TOWEL"],
    "Home decor": ["PHOTO FRAME", "WALL CLOCK", "MIRROR", "VASE", "DOORSTOP", "COAT HOOK"],
    "Lighting": ["LANTERN", "T-LIGHT HOLDER", "LAMP", "FAIRY LIGHTS", "CANDLE"],
    "Textiles": ["CUSHION COVER", "THROW", "TOTE BAG", "DOORMAT", "HOT WATER BOTTLE"],
    "Garden": ["WATERING CAN", "PLANT POT", "BIRD HOUSE", "GARDEN SIGN", "SEED TIN"],
    "Stationery": ["NOTEBOOK", "PENCIL SET", "GIFT WRAP", "CARD SET", "STICKER SHEET"],
    "Toys": ["SPINNING TOP", "JIGSAW", "SKITTLES", "DOLLY", "PLAYING CARDS"],
    "Gifts": ["GIFT BOX", "KEYRING", "TRINKET BOX", "PARTY BUNTING", "CHRISTMAS BAUBLE"],
}
_STYLES = ["RED", "BLUE", "PINK", "GREEN", "IVORY", "VINTAGE", "RETRO SPOT", "HEART", "STAR"]
# Median unit price per category (pounds); prices are log-normal around it.
_PRICE = {
    "Kitchen": 3.5,
    "Home decor": 6.0,
    "Lighting": 4.5,
    "Textiles": 5.5,
    "Garden": 4.0,
    "Stationery": 1.5,
    "Toys": 2.5,
    "Gifts": 2.0,
}


def make_products(rng: np.random.Generator, per_category: int = 40) -> pd.DataFrame:
    rows = []
    for category in CATEGORIES:
        names = [f"{style} {noun}" for noun in _NOUNS[category] for style in _STYLES]
        chosen = rng.choice(len(names), size=min(per_category, len(names)), replace=False)
        prices = _PRICE[category] * rng.lognormal(0.0, 0.45, size=len(chosen))
        for name_index, price in zip(chosen, prices, strict=True):
            rows.append((names[name_index], category, max(0.19, round(float(price), 2))))
    products = pd.DataFrame(rows, columns=[s.DESCRIPTION, s.CATEGORY, s.UNIT_PRICE])
    products.insert(0, s.PRODUCT_ID, [f"P{1001 + i}" for i in range(len(products))])
    margin = rng.uniform(0.35, 0.65, size=len(products))
    products[s.UNIT_COST] = (products[s.UNIT_PRICE] * (1 - margin)).round(2)
    products[s.STOCK_ON_HAND] = rng.negative_binomial(2, 0.01, size=len(products)).astype("int64")
    # Popularity within each category: a few best sellers and a long tail.
    products["_popularity"] = rng.pareto(1.2, size=len(products)) + 0.05
    return products


def _pick_products(
    rng: np.random.Generator, products: pd.DataFrame, categories: np.ndarray
) -> np.ndarray:
    """Draw one product (row position) per element of ``categories`` by popularity."""
    codes = products[s.CATEGORY].map({c: i for i, c in enumerate(CATEGORIES)}).to_numpy()
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
