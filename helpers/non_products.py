"""Order lines that are not products: postage, fees, manual adjustments, samples, vouchers.

:func:`non_product_lines` says which order lines carry a code of :data:`NON_PRODUCT_CODES` (with
the description it must carry) or one matching :data:`NON_PRODUCT_PATTERN`. Cleaning removes
them as "non-product code" (:func:`helpers.cleaning.clean_transactions`), the manual credits
among them are found with the same function (:mod:`helpers.adjustments`), and basket analyses
leave them out (:mod:`helpers.baskets`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from helpers import schema as s
from helpers.deprecation import renamed_arguments
from helpers.identifiers import per_value as _per_value

__all__ = ["NON_PRODUCT_CODES", "NON_PRODUCT_PATTERN", "non_product_lines"]

#: Stock codes that are not products, each with the description it must carry (``None``: any).
#: From Online Retail: POST (postage), DOT (dotcom postage), BANK CHARGES, C2 (carriage), CRUK
#: (CRUK commission), AMAZONFEE, PADS (pads to match all cushions, a £0.001 filler), and the
#: one-letter codes M (manual adjustment), D (discount), S (samples) and B (adjust bad debt).
#: A one-letter code could well be a real product in another shop's file, so those count only
#: with their own description. Codes and descriptions are compared stripped and upper-cased;
#: without a description column, codes that need one never match.
NON_PRODUCT_CODES: dict[str, str | None] = {
    "POST": None,
    "DOT": None,
    "BANK CHARGES": None,
    "C2": None,
    "CRUK": None,
    "AMAZONFEE": None,
    "PADS": None,
    "M": "MANUAL",
    "D": "DISCOUNT",
    "S": "SAMPLES",
    "B": "ADJUST BAD DEBT",
}

#: Codes matching this regular expression (on the upper-cased code) are not products either:
#: Online Retail's gift vouchers ``gift_0001_10`` ... ``gift_0001_50``.
NON_PRODUCT_PATTERN: str = r"^GIFT_"


@renamed_arguments(product_id="product_col", description="description_col")
def non_product_lines(
    df: pd.DataFrame,
    *,
    non_product_codes: Mapping[str, str | None] | Iterable[str] = NON_PRODUCT_CODES,
    non_product_pattern: str | None = NON_PRODUCT_PATTERN,
    product_col: str = s.PRODUCT_ID,
    description_col: str = s.DESCRIPTION,
) -> np.ndarray:
    """Say which order lines are postage, fees, adjustments and other non-products.

    Parameters
    ----------
    df : pandas.DataFrame
        Order lines, raw or clean.
    non_product_codes : mapping or iterable of str, default :data:`NON_PRODUCT_CODES`
        Codes that are not products; a mapping gives the description a code must also carry
        (``None``: any). Codes and descriptions are compared stripped and upper-cased.
    non_product_pattern : str or None, default :data:`NON_PRODUCT_PATTERN`
        A regular expression; upper-cased codes it matches are not products either.
    product_col, description_col : str
        Column names of the product id and description (old names ``product_id``,
        ``description``); without a description column, codes that need one never match.

    Returns
    -------
    numpy.ndarray of bool
        True for the non-product lines.
    """
    if not isinstance(non_product_codes, Mapping):
        non_product_codes = dict.fromkeys(non_product_codes)
    product = pd.Series(
        _per_value(df[product_col], lambda v: v.str.strip().str.upper(), ""), index=df.index
    )
    if description_col in df.columns:
        text = _per_value(df[description_col], lambda v: v.str.strip().str.upper(), "")
    else:
        text = np.full(len(df), "", dtype=object)
    match = np.zeros(len(df), dtype=bool)
    for code, wanted in non_product_codes.items():
        is_code = (product == str(code).strip().upper()).to_numpy(dtype=bool)
        if wanted is not None:
            is_code = is_code & (text == str(wanted).strip().upper())
        match |= is_code
    if non_product_pattern:
        pattern = non_product_pattern
        match |= _per_value(product, lambda v: v.str.contains(pattern, regex=True), False).astype(
            bool
        )
    return match
