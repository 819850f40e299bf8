"""Chapter 10 (strategy) run with papermill; recorded results checked against hand values."""

from __future__ import annotations

import pytest
from test_notebooks import run

pytestmark = pytest.mark.notebook


def test_strategy_chapter_on_the_synthetic_shop(tmp_path):
    results = run("10_strategy.ipynb", tmp_path, RISK_THRESHOLD=0.6, BIRTHDAY_DAYS=10)
    assert results["break_even_10_40"] == pytest.approx(0.3333, abs=1e-4)
    strategies = results["strategies"]
    assert set(strategies) == {"retain", "win back", "care", "expansion", "upgrade"}
    assert sum(strategies.values()) == results["n_customers"] == 2985
    # tier 1 is the top fifth: retain + care = 597 customers (the top fifth, ties aside)
    assert strategies["retain"] + strategies["care"] == 597
    sizes = results["campaign_sizes"]
    assert set(sizes) == {"retention", "cross_sell", "expansion", "promotion", "birthday"}
    assert all(size > 0 for size in sizes.values())
    assert sizes["cross_sell"] <= strategies["upgrade"]
    assert sizes["expansion"] <= strategies["expansion"]
    assert results["retention_min_value"] > 0
    assert all(
        value > 0 for name, value in results["campaign_values"].items() if name != "birthday"
    )
    # birthdays within the 10 days from 2025-01-01
    assert all(0 <= d < 10 for d in results["birthday_days_ahead"])
    depth, days = results["promotion_best"]
    assert depth in (0.1, 0.2, 0.3) and days in (7, 14, 28)
