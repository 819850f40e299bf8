import matplotlib.pyplot as plt
import pandas as pd
import pytest

from helpers.plots import plot_cleaning_waterfall


@pytest.fixture
def report():
    # 10 rows in: 3 removed for "a", none for "b", 2 for "c", and one row fixed ("d", which
    # lowered revenue by 4). Revenue: 100 in, -30 (a), -20 (c), -4 (d) -> 46 out.
    df = pd.DataFrame(
        {
            "reason": ["a", "b", "c", "d"],
            "action": ["removed", "removed", "removed", "fixed"],
            "rows": [3, 0, 2, 1],
            "revenue": [30.0, 0.0, 20.0, -4.0],
        }
    )
    df.attrs.update(rows_in=10, rows_out=5, revenue_in=100.0, revenue_out=46.0)
    return df


def bars(ax):
    return [(round(p.get_y(), 6), round(p.get_height(), 6)) for p in ax.patches]


def test_rows_waterfall_steps_down_by_removed_reasons(report):
    ax = plot_cleaning_waterfall(report, "rows")
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == ["raw", "a", "c", "clean"]  # zero steps and fixes are not bars
    assert bars(ax) == [(0, 10), (10, -3), (7, -2), (0, 5)]
    assert ax.get_title() and ax.get_ylabel() == "order lines"
    plt.close(ax.figure)


def test_revenue_waterfall_includes_fixes(report):
    fig, ax = plt.subplots()
    assert plot_cleaning_waterfall(report, "revenue", ax=ax) is ax
    assert [t.get_text() for t in ax.get_xticklabels()] == ["raw", "a", "c", "d", "clean"]
    assert bars(ax) == [(0, 100), (100, -30), (70, -20), (50, -4), (0, 46)]
    plt.close(fig)


def test_unknown_measure(report):
    with pytest.raises(ValueError, match="measure"):
        plot_cleaning_waterfall(report, "customers")
