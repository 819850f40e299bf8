"""Exercises of chapter 01 (cleaning): 01.1, 01.2 and the judgement exercise 01.3.

Each function is the reference computation of one exercise, in plain pandas on the default
data; the notebook's solutions use ``helpers`` instead. 01.1 and 01.2 compare the raw lines
with the clean ones: they practise reading what cleaning removed, so the clean lines are the
course's (:func:`helpers.exercises.core.default_clean`), made by :mod:`helpers.cleaning`; a
bug in the cleaning itself is caught by ``tests/test_cleaning.py``, not by these checks.
01.3 uses the raw lines and the product table only.
"""

from __future__ import annotations

from helpers.exercises.core import default_clean, default_raw, default_shop, exercise


@exercise(
    "01.1",
    "How many customer ids of the raw log have no line left after cleaning?",
    "compare the distinct (stripped) customer ids of the raw lines with those of `clean`; "
    "the `spend` table of section 7 has both.",
)
def customers_lost_in_cleaning() -> int:
    """Count the raw log's customer ids (spaces stripped) that no clean line carries."""
    raw_ids = set(default_raw()["customer_id"].dropna().str.strip())
    return len(raw_ids - set(default_clean()["customer_id"]))


@exercise(
    "01.2",
    "What share of the raw revenue (quantity x unit price of every raw line) does the clean "
    "table keep?",
    "divide the clean lines' total amount by the raw lines' total of quantity x unit_price "
    "(the report's totals hold both); the extreme quantities count in the raw total.",
    abs=0.0005,
)
def revenue_kept() -> float:
    """Clean revenue over raw revenue."""
    raw = default_raw()
    return float(default_clean()["amount"].sum() / (raw["quantity"] * raw["unit_price"]).sum())


@exercise(
    "01.3",
    "Fix `raw['product_id'].nunique()`: how many distinct products do the raw lines really hold?",
    "the same product is written in several ways (spaces around it, lower case); some codes "
    "are not products at all (section 3.5). Normalise the text first, then leave those out.",
)
def distinct_products() -> int:
    """Distinct raw product ids, stripped and upper-cased, that are in the product table."""
    shop = default_shop()
    codes = set(default_raw()["product_id"].dropna().str.strip().str.upper())
    return len(codes & set(shop.products["product_id"].str.upper()))
