"""helpers.rfm: hand-computed small cases, bad input, and an independent DuckDB implementation.

The DuckDB tests write the RFM table, the mid-rank quantile scores and the standard segment
grid as SQL from their documented definitions, and compare them with helpers.rfm on the
synthetic dataset and on Online Retail.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import real_file

from helpers import rfm
from helpers.plots import (
    plot_migration_heatmap,
    plot_rf_heatmap,
    plot_segment_summary,
)

AS_OF = pd.Timestamp("2024-01-11")


def lines(rows):
    return pd.DataFrame(
        rows, columns=["customer_id", "invoice_id", "invoice_date", "amount"]
    ).assign(invoice_date=lambda d: pd.to_datetime(d["invoice_date"]))


@pytest.fixture
def small():
    # A: two invoices (15 on 1 Jan over two lines, 20 at 23:59 on 10 Jan)
    # B: one invoice of 100 on 5 Jan
    # C: three invoices 7, 3, 10, the last on 8 Jan
    # D: 50 on 1 Nov 2023, and a purchase on the as_of day itself (not counted at midnight)
    # E: only after as_of
    return lines(
        [
            ("A", "I1", "2024-01-01 10:00", 10.0),
            ("A", "I1", "2024-01-01 10:00", 5.0),
            ("A", "I2", "2024-01-10 23:59", 20.0),
            ("B", "I3", "2024-01-05 09:00", 100.0),
            ("C", "I4", "2023-12-01 12:00", 7.0),
            ("C", "I5", "2023-12-15 12:00", 3.0),
            ("C", "I6", "2024-01-08 08:00", 10.0),
            ("D", "I7", "2024-01-11 08:00", 40.0),
            ("D", "I8", "2023-11-01 12:00", 50.0),
            ("E", "I9", "2024-01-12 09:00", 5.0),
        ]
    )


# --- the RFM table by hand ---------------------------------------------------------------------


def test_rfm_table_by_hand(small):
    table = rfm.rfm_table(small, AS_OF)
    assert list(table.index) == ["A", "B", "C", "D"]  # E bought only after as_of
    assert table.index.name == "customer_id"
    # recency: calendar days from the last purchase day to 11 Jan
    assert table["recency"].tolist() == [1, 6, 3, 71]
    assert table["frequency"].tolist() == [2, 1, 3, 1]  # distinct invoices, not lines
    assert table["monetary"].tolist() == [35.0, 100.0, 20.0, 50.0]
    assert table["monetary_avg"].tolist() == pytest.approx([17.5, 100.0, 20 / 3, 50.0])
    assert table.loc["D", "last_purchase"] == pd.Timestamp("2023-11-01 12:00")
    assert table.loc["C", "first_purchase"] == pd.Timestamp("2023-12-01 12:00")
    assert table.attrs["as_of"] == AS_OF


def test_as_of_is_exclusive_and_time_of_day_only_moves_the_cut_off(small):
    # at 12:00 on 11 Jan, D's purchase at 08:00 that day counts, with recency 0
    table = rfm.rfm_table(small, "2024-01-11 12:00")
    assert table.loc["D"][["recency", "frequency", "monetary"]].tolist() == [0, 2, 90.0]
    # A's purchase at 23:59 the day before still has recency 1
    assert table.loc["A", "recency"] == 1
    # a purchase exactly at as_of is not counted
    at = rfm.rfm_table(small, "2024-01-11 08:00")
    assert at.loc["D", "frequency"] == 1


def test_default_as_of_is_midnight_after_the_last_day(small):
    assert rfm.default_as_of(small) == pd.Timestamp("2024-01-13")
    table = rfm.rfm_table(small)
    assert table.attrs["as_of"] == pd.Timestamp("2024-01-13")
    assert table.loc["E", "recency"] == 1
    assert len(table) == 5


def test_single_purchase_customers(small):
    table = rfm.rfm_table(small, AS_OF)
    single = table[table["frequency"] == 1]
    assert list(single.index) == ["B", "D"]
    assert (single["monetary_avg"] == single["monetary"]).all()
    # one customer alone: nobody is worse, every score is 1; the weighted score 0.5
    one = rfm.rfm_analysis(small[small["customer_id"] == "B"], AS_OF)
    assert one[["r_score", "f_score", "m_score"]].iloc[0].tolist() == [1, 1, 1]
    assert one["rfm_code"].iloc[0] == "111"
    assert one["rfm_score"].iloc[0] == 0.5
    assert one["segment"].iloc[0] == "Lost"


# --- scores by hand ------------------------------------------------------------------------------


def test_quantile_scores_by_hand(small):
    scored = rfm.rfm_scores(rfm.rfm_table(small, AS_OF))
    # score = floor(5 * n_worse / 4) + 1 with n_worse = 0, 1, 2, 3 -> 1, 2, 3, 4
    # recency 1, 6, 3, 71 (smaller is better): worst D, then B, C, A
    assert scored["r_score"].tolist() == [4, 2, 3, 1]
    # frequency 2, 1, 3, 1: B and D tie at the worst value -> 1 for both;
    # A has 2 worse -> floor(2.5) + 1 = 3; C has 3 worse -> 4
    assert scored["f_score"].tolist() == [3, 1, 4, 1]
    # monetary 35, 100, 20, 50 -> C 1, A 2, D 3, B 4
    assert scored["m_score"].tolist() == [2, 4, 1, 3]
    assert scored["rfm_code"].tolist() == ["432", "214", "341", "113"]
    assert scored["r_score"].dtype == "int64"


def test_sums_of_the_same_money_in_another_order_tie():
    # 14.23 summed in two orders: 0.1 + 14.13 and 14.13 + 0.1 are not always the same float
    a, b = 14.23, 14.229999999999999
    assert a != b
    values = pd.Series([a, b, 1.0, 100.0])
    # both have one worse value (1.0): floor(5 * 1 / 4) + 1 = 2 each, not 2 and 3
    assert rfm.quantile_scores(values).tolist() == [2, 2, 1, 4]
    # lower is better: one value (100) is worse than both -> 2 each; 1.0 has 3 worse -> 4
    assert rfm.quantile_scores(values, higher_is_better=False).tolist() == [2, 2, 4, 1]


def test_quantile_scores_are_equal_groups_without_ties():
    values = pd.Series(np.arange(10.0))
    assert rfm.quantile_scores(values).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert rfm.quantile_scores(values, higher_is_better=False).tolist() == [
        5, 5, 4, 4, 3, 3, 2, 2, 1, 1,
    ]  # fmt: skip
    # 7 values, 5 scores: floor(5k/7) + 1
    assert rfm.quantile_scores(pd.Series(range(7))).tolist() == [1, 1, 2, 3, 3, 4, 5]
    # a big tie at the bottom keeps score 1 and pushes the next value up: 5 of 10 are worse
    # than the 2s -> floor(2.5) + 1 = 3, and no one scores 2
    tied = pd.Series([1] * 5 + [2] * 2 + [3, 4, 5])
    assert rfm.quantile_scores(tied).tolist() == [1] * 5 + [3, 3, 4, 5, 5]
    assert rfm.quantile_scores(pd.Series(range(4)), n_scores=2).tolist() == [1, 1, 2, 2]


def test_ties_everywhere_all_score_1():
    # six identical customers: no one is worse than another, so all score 1 (documented)
    same = lines([(c, f"I{c}", "2024-01-02 10:00", 25.0) for c in "abcdef"])
    out = rfm.rfm_analysis(same, AS_OF)
    assert (out[["recency", "frequency", "monetary"]].drop_duplicates().shape[0]) == 1
    assert set(out["rfm_code"]) == {"111"}
    assert (out["rfm_score"] == 0.5).all()  # min-max of a constant: 0.5
    assert set(out["segment"]) == {"Lost"}
    assert rfm.quantile_scores(pd.Series([7.0] * 4), n_scores=4).tolist() == [1, 1, 1, 1]


def test_equal_values_get_equal_scores_whatever_the_row_order():
    rng = np.random.default_rng(0)
    values = pd.Series(rng.integers(1, 6, size=500), index=[f"c{i}" for i in range(500)])
    scores = rfm.quantile_scores(values)
    assert scores.groupby(values).nunique().max() == 1
    shuffled = values.sample(frac=1, random_state=1)
    assert rfm.quantile_scores(shuffled).reindex(values.index).equals(scores)
    # and higher values never get lower scores
    order = values.sort_values(kind="stable").index
    assert scores[order].is_monotonic_increasing


def test_cut_scores_right_closed_and_recency_reversed(small):
    table = rfm.rfm_table(small, AS_OF)  # recency 1, 6, 3, 71
    r = rfm.cut_scores(table["recency"], [2, 5, 10, 50], higher_is_better=False)
    assert r.tolist() == [5, 3, 4, 1]
    edges = rfm.cut_scores(pd.Series([1, 2, 3, 5, 6, 10, 11]), [2, 5, 10])
    assert edges.tolist() == [1, 1, 2, 2, 3, 3, 4]  # a value on a cut is in the lower bin
    scored = rfm.rfm_scores(table, cuts={"recency": [2, 5, 10, 50], "frequency": [1, 2, 3, 4]})
    assert scored["r_score"].tolist() == [5, 3, 4, 1]
    assert scored["f_score"].tolist() == [2, 1, 3, 1]
    assert scored["m_score"].tolist() == [2, 4, 1, 3]  # quantiles as before


def test_weighted_score_by_hand(small):
    table = rfm.rfm_table(small, AS_OF)
    score = rfm.weighted_rfm_score(table)
    # recency inverted on 1..71, frequency on 1..3, monetary on 20..100
    a = (1 + 0.5 + 15 / 80) / 3
    b = (65 / 70 + 0 + 1) / 3
    c = (68 / 70 + 1 + 0) / 3
    d = (0 + 0 + 30 / 80) / 3
    assert score.tolist() == pytest.approx([a, b, c, d])
    assert score.name == "rfm_score"
    # weights need not sum to 1; a mapping may leave one out (weight 0)
    only_recency = rfm.weighted_rfm_score(table, {"recency": 2.0})
    assert only_recency.tolist() == pytest.approx([1, 65 / 70, 68 / 70, 0])
    assert rfm.weighted_rfm_score(table, (0, 3, 0)).tolist() == pytest.approx([0.5, 0, 1, 0])
    # on scores: min-max of r = 4, 2, 3, 1 -> (r - 1) / 3
    scored = rfm.rfm_scores(table)
    on_scores = rfm.weighted_rfm_score(scored, (1, 0, 0), on="scores")
    assert on_scores.tolist() == pytest.approx([1, 1 / 3, 2 / 3, 0])


def test_raw_recency_with_a_positive_weight_is_the_pitfall(small):
    # article_5's formula: 0.3 R + 0.4 F + 0.3 M on raw values rewards a purchase long ago
    table = rfm.rfm_table(small, AS_OF)
    naive = 0.3 * table["recency"] + 0.4 * table["frequency"] + 0.3 * table["monetary"]
    right = rfm.weighted_rfm_score(table, (0.3, 0.4, 0.3))
    # D bought longest ago and least often; the naive score still puts D above A and C
    assert naive["D"] > naive["A"] and naive["D"] > naive["C"]
    assert right["D"] < right["A"] and right["D"] < right["C"]


# --- segments ------------------------------------------------------------------------------------


def test_standard_segments_cover_the_grid_once():
    grid = pd.DataFrame(
        [(r, f) for r in range(1, 6) for f in range(1, 6)], columns=["r_score", "f_score"]
    )
    masks = np.array([rfm._rule_mask(grid, n, rule) for n, rule in rfm.STANDARD_SEGMENTS])
    assert (masks.sum(axis=0) == 1).all()
    named = rfm.assign_segments(grid).set_axis(pd.MultiIndex.from_frame(grid))
    expected = {
        (5, 5): "Champions",
        (5, 4): "Champions",
        (4, 5): "Loyal",
        (3, 4): "Loyal",
        (5, 2): "Potential Loyalist",
        (4, 3): "Potential Loyalist",
        (5, 1): "New",
        (4, 1): "Promising",
        (3, 3): "Need Attention",
        (3, 1): "About to Sleep",
        (3, 2): "About to Sleep",
        (2, 3): "At Risk",
        (1, 4): "At Risk",
        (1, 5): "Can't Lose",
        (2, 5): "Can't Lose",
        (2, 1): "Hibernating",
        (2, 2): "Hibernating",
        (1, 1): "Lost",
        (1, 2): "Lost",
    }
    for cell, name in expected.items():
        assert named[cell] == name, cell
    assert list(named.cat.categories) == list(rfm.SEGMENTS)
    assert len(rfm.SEGMENTS) == 11


def test_segments_by_hand(small):
    out = rfm.rfm_analysis(small, AS_OF)
    # A R4 F3, B R2 F1, C R3 F4, D R1 F1
    assert out["segment"].tolist() == ["Potential Loyalist", "Hibernating", "Loyal", "Lost"]


def test_own_segment_rules_in_every_form(small):
    scored = rfm.rfm_scores(rfm.rfm_table(small, AS_OF))  # codes 432, 214, 341, 113
    rules = [
        ("Big", "m_score == 4"),  # B
        ("Recent", {"r_score": (3, 5)}),  # A, C
        ("Rest", lambda d: d["r_score"] >= 1),  # D
    ]
    named = rfm.assign_segments(scored, rules)
    assert named.tolist() == ["Recent", "Big", "Recent", "Rest"]
    assert list(named.cat.categories) == ["Big", "Recent", "Rest"]
    # a mapping works too; a single number means that score
    as_map = rfm.assign_segments(scored, {"R4": {"r_score": 4}}, default="Other")
    assert as_map.tolist() == ["R4", "Other", "Other", "Other"]
    with pytest.raises(ValueError, match="no segment rule matches 3 row"):
        rfm.assign_segments(scored, {"R4": {"r_score": 4}})
    with pytest.raises(ValueError, match="'x_score' is required but missing"):
        rfm.assign_segments(scored, {"X": {"x_score": 1}})
    with pytest.raises(ValueError, match="cannot evaluate"):
        rfm.assign_segments(scored, {"X": "nonsense >> >>"})
    with pytest.raises(ValueError, match="one boolean per customer"):
        rfm.assign_segments(scored, {"X": lambda d: d["r_score"]})


def test_standard_segments_need_scores_1_to_5(small):
    scored = rfm.rfm_scores(rfm.rfm_table(small, AS_OF), n_scores=7)
    with pytest.raises(ValueError, match="standard map is for scores 1-5"):
        rfm.assign_segments(scored)


def test_segment_summary_by_hand(small):
    out = rfm.rfm_analysis(small, AS_OF)
    summary = rfm.segment_summary(out)
    assert list(summary.index) == list(rfm.SEGMENTS)  # empty segments kept
    assert summary["customers"].sum() == 4
    assert summary.loc["Loyal", "customers"] == 1
    assert summary.loc["Loyal", "share"] == 0.25
    assert summary.loc["Champions", "customers"] == 0
    assert summary.loc["Hibernating", "revenue"] == 100.0
    assert summary.loc["Hibernating", "revenue_share"] == pytest.approx(100 / 205)
    assert summary.loc["Lost", "mean_recency"] == 71
    assert summary.loc["New", "customers"] == 0
    assert summary["share"].sum() == pytest.approx(1)
    assert summary["revenue_share"].sum() == pytest.approx(1)


def test_segment_migration_by_hand():
    cats = ["X", "Y", "Z"]
    before = pd.Series(pd.Categorical(["X", "Y", "Y"], categories=cats), index=["a", "b", "c"])
    after = pd.Series(
        pd.Categorical(["Y", "Y", "X", "Z"], categories=cats), index=["a", "b", "c", "d"]
    )
    counts = rfm.segment_migration(before, after, new_label="new")
    assert list(counts.index) == ["X", "Y", "Z", "new"]
    assert list(counts.columns) == cats  # nobody disappeared: no "gone" column
    assert counts.to_numpy().tolist() == [[0, 1, 0], [1, 1, 0], [0, 0, 0], [0, 0, 1]]
    shares = rfm.segment_migration(before, after, normalize=True, new_label="new")
    assert shares.loc["Y"].tolist() == [0.5, 0.5, 0.0]
    assert shares.loc["Z"].tolist() == [0.0, 0.0, 0.0]
    gone = rfm.segment_migration(after, before, gone_label="gone")
    assert gone.loc["Z", "gone"] == 1


def test_migration_between_two_dates(small):
    first = rfm.rfm_analysis(small, "2023-12-10")  # C (1 invoice) and D
    second = rfm.rfm_analysis(small, AS_OF)
    counts = rfm.segment_migration(first["segment"], second["segment"])
    assert counts.to_numpy().sum() == len(second)
    assert counts.loc["(not yet a customer)"].sum() == 2  # A and B
    assert "(no longer present)" not in counts.columns


# --- bad input -----------------------------------------------------------------------------------


def test_as_of_before_the_first_transaction(small):
    with pytest.raises(ValueError, match="at or before the first transaction"):
        rfm.rfm_table(small, "2020-01-01")
    with pytest.raises(ValueError, match="at or before the first transaction"):
        rfm.rfm_table(small, "2023-11-01 12:00")  # exactly the first line: exclusive


def test_missing_columns(small):
    with pytest.raises(ValueError, match=r"column 'amount' is required but missing"):
        rfm.rfm_table(small.drop(columns="amount"), AS_OF)
    renamed = small.rename(columns={"customer_id": "client"})
    assert len(rfm.rfm_table(renamed, AS_OF, customer_col="client")) == 4
    with pytest.raises(ValueError, match="'frequency' is required but missing"):
        rfm.rfm_scores(pd.DataFrame({"recency": [1]}))
    with pytest.raises(ValueError, match="'recency' is required but missing"):
        rfm.segment_summary(pd.DataFrame({"segment": ["a"]}))


def test_non_positive_amounts_are_refused(small):
    returns = small.copy()
    returns.loc[3, "amount"] = -100.0
    with pytest.raises(ValueError, match="'amount' must be positive.*row 3"):
        rfm.rfm_table(returns, AS_OF)
    zero = small.copy()
    zero.loc[0, "amount"] = 0.0
    with pytest.raises(ValueError, match=r"must be positive.*; 1 row\(s\) are not"):
        rfm.rfm_table(zero, AS_OF)


def test_missing_values_and_unparsed_dates(small):
    nan_customer = small.copy()
    nan_customer.loc[2, "customer_id"] = None
    with pytest.raises(ValueError, match="'customer_id' must be present"):
        rfm.rfm_table(nan_customer, AS_OF)
    text_dates = small.assign(invoice_date=small["invoice_date"].astype(str))
    with pytest.raises(ValueError, match="must hold timestamps"):
        rfm.rfm_table(text_dates, AS_OF)
    with pytest.raises(ValueError, match="missing value"):
        rfm.quantile_scores(pd.Series([1.0, np.nan], name="monetary"))


def test_bad_settings(small):
    table = rfm.rfm_table(small, AS_OF)
    with pytest.raises(ValueError, match="n_scores"):
        rfm.rfm_scores(table, n_scores=10)
    with pytest.raises(ValueError, match="need 4 cut points for 'recency'"):
        rfm.rfm_scores(table, cuts={"recency": [30, 90]})
    with pytest.raises(ValueError, match="strictly increasing"):
        rfm.cut_scores(table["recency"], [5, 5, 10])
    with pytest.raises(ValueError, match="not scored"):
        rfm.rfm_scores(table, cuts={"amount": [1, 2, 3, 4]})
    with pytest.raises(ValueError, match="non-negative"):
        rfm.weighted_rfm_score(table, (1, -1, 1))
    with pytest.raises(ValueError, match="three numbers"):
        rfm.weighted_rfm_score(table, (1, 1))
    with pytest.raises(ValueError, match="keys must be"):
        rfm.weighted_rfm_score(table, {"R": 1})
    with pytest.raises(ValueError, match="on must be"):
        rfm.weighted_rfm_score(table, on="ranks")


# --- an independent implementation in SQL ---------------------------------------------------------

RFM_SQL = """
WITH counted AS (
    SELECT * FROM lines WHERE invoice_date < $as_of
), per_customer AS (
    SELECT
        customer_id,
        date_diff('day', CAST(max(invoice_date) AS DATE), CAST($as_of AS DATE)) AS recency,
        count(DISTINCT invoice_id) AS frequency,
        sum(amount) AS monetary,
        sum(amount) / count(DISTINCT invoice_id) AS monetary_avg
    FROM counted
    GROUP BY customer_id
), ranked AS (
    -- how many customers have a strictly worse value (longer ago, fewer orders, less spend)
    SELECT
        p.*,
        (SELECT count(*) FROM per_customer) AS n,
        (SELECT count(*) FROM per_customer q WHERE q.recency > p.recency) AS r_worse,
        (SELECT count(*) FROM per_customer q WHERE q.frequency < p.frequency) AS f_worse,
        (SELECT count(*) FROM per_customer q WHERE round(q.monetary, 2) < round(p.monetary, 2))
            AS m_worse
    FROM per_customer p
), scored AS (
    SELECT
        *,
        (5 * r_worse // n + 1)::INTEGER AS r_score,
        (5 * f_worse // n + 1)::INTEGER AS f_score,
        (5 * m_worse // n + 1)::INTEGER AS m_score
    FROM ranked
)
SELECT
    customer_id, recency, frequency, monetary, monetary_avg, r_score, f_score, m_score,
    CASE
        WHEN r_score = 5 AND f_score >= 4 THEN 'Champions'
        WHEN r_score IN (3, 4) AND f_score >= 4 THEN 'Loyal'
        WHEN r_score >= 4 AND f_score IN (2, 3) THEN 'Potential Loyalist'
        WHEN r_score = 5 AND f_score = 1 THEN 'New'
        WHEN r_score = 4 AND f_score = 1 THEN 'Promising'
        WHEN r_score = 3 AND f_score = 3 THEN 'Need Attention'
        WHEN r_score = 3 AND f_score <= 2 THEN 'About to Sleep'
        WHEN r_score <= 2 AND f_score IN (3, 4) THEN 'At Risk'
        WHEN r_score <= 2 AND f_score = 5 THEN 'Can''t Lose'
        WHEN r_score = 2 AND f_score <= 2 THEN 'Hibernating'
        WHEN r_score = 1 AND f_score <= 2 THEN 'Lost'
    END AS segment
FROM scored
ORDER BY customer_id
"""


def sql_rfm(transactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    duckdb = pytest.importorskip("duckdb")  # a dev dependency; only the SQL tests need it
    con = duckdb.connect()
    frame = transactions[["customer_id", "invoice_id", "invoice_date", "amount"]].astype(
        {"customer_id": object, "invoice_id": object}
    )
    con.register("lines", frame)
    out = con.execute(RFM_SQL, {"as_of": as_of.to_pydatetime()}).df()
    con.close()
    return out.set_index("customer_id")


def compare_with_sql(transactions: pd.DataFrame, as_of: pd.Timestamp | None) -> pd.DataFrame:
    ours = rfm.rfm_table(transactions, as_of)
    expected = sql_rfm(transactions, ours.attrs["as_of"])
    assert list(ours.index) == list(expected.index)
    for column in ("recency", "frequency"):
        np.testing.assert_array_equal(ours[column].to_numpy(), expected[column].to_numpy())
    for column in ("monetary", "monetary_avg"):
        np.testing.assert_allclose(ours[column], expected[column], rtol=1e-9)
    # scores on monetary rounded to pence, so that float sums in another order tie alike
    scored = rfm.rfm_scores(ours.round({"monetary": 2}))
    for column in ("r_score", "f_score", "m_score"):
        np.testing.assert_array_equal(scored[column].to_numpy(), expected[column].to_numpy())
    named = rfm.assign_segments(scored)
    assert named.astype(str).tolist() == expected["segment"].tolist()
    return scored.assign(segment=named)


@pytest.fixture(scope="module")
def synthetic_clean():
    from helpers.datasets import load_clean_transactions

    clean, _ = load_clean_transactions("synthetic")
    return clean


def test_synthetic_matches_sql_at_the_default_as_of(synthetic_clean):
    out = compare_with_sql(synthetic_clean, None)
    assert out.attrs["as_of"] == pd.Timestamp("2025-01-01")
    assert len(out) == synthetic_clean["customer_id"].nunique()
    assert out["recency"].min() == 1


def test_synthetic_matches_sql_mid_day(synthetic_clean):
    # an as_of with a time of day, mid-period: some invoices of that day count, some do not
    out = compare_with_sql(synthetic_clean, pd.Timestamp("2024-06-15 12:00"))
    assert out["recency"].min() == 0
    assert out["last_purchase"].max() < pd.Timestamp("2024-06-15 12:00")


def test_synthetic_scores_do_not_depend_on_row_order(synthetic_clean):
    ours = rfm.rfm_analysis(synthetic_clean)
    shuffled = rfm.rfm_analysis(synthetic_clean.sample(frac=1, random_state=7))
    pd.testing.assert_frame_equal(
        ours.drop(columns=["monetary", "monetary_avg", "rfm_score"]),
        shuffled.drop(columns=["monetary", "monetary_avg", "rfm_score"]),
    )


@pytest.mark.realdata
def test_online_retail_matches_sql():
    from helpers.datasets import load_clean_transactions

    clean, _ = load_clean_transactions("online_retail", real_file("online_retail_2010_2011.csv.gz"))
    out = compare_with_sql(clean, None)
    assert out.attrs["as_of"] == pd.Timestamp("2011-12-10")
    assert 4_300 <= len(out) <= 4_372
    compare_with_sql(clean, pd.Timestamp("2011-06-10"))


# --- plots ---------------------------------------------------------------------------------------


def test_rf_heatmap_colours_cells_by_mean_monetary(small):
    out = rfm.rfm_analysis(small, AS_OF)  # (R, F): A (4, 3), B (2, 1), C (3, 4), D (1, 1)
    ax = plot_rf_heatmap(out, n_scores=5)
    grid = ax.images[0].get_array()
    # rows R = 5..1 from the top, columns F = 1..5
    assert grid[1, 2] == 35.0  # A: R 4, F 3
    assert grid[3, 0] == 100.0  # B: R 2, F 1
    assert grid[4, 0] == 50.0  # D: R 1, F 1
    assert np.ma.getmaskarray(grid).sum() == 25 - 4
    assert "n=1" in " ".join(t.get_text() for t in ax.texts)
    assert ax.get_xlabel().startswith("F score") and ax.get_ylabel().startswith("R score")
    assert ax.get_title() == "Mean monetary by R and F score"
    plt.close(ax.figure)


def test_segment_bars_and_migration_heatmap(small):
    out = rfm.rfm_analysis(small, AS_OF)
    summary = rfm.segment_summary(out)
    fig, ax = plt.subplots()
    assert plot_segment_summary(summary, ax=ax) is ax
    assert len(ax.patches) == 2 * len(summary)
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "Champions"
    assert ax.get_title() and ax.get_xlabel()
    plt.close(fig)
    first = rfm.rfm_analysis(small, "2023-12-10")
    counts = rfm.segment_migration(first["segment"], out["segment"])
    ax = plot_migration_heatmap(counts)
    shares = ax.images[0].get_array()
    assert shares.shape == counts.shape
    new_row = list(counts.index).index("(not yet a customer)")
    assert shares[new_row].sum() == pytest.approx(1.0)
    assert ax.get_xlabel() == "segment after" and ax.get_ylabel() == "segment before"
    plt.close(ax.figure)
