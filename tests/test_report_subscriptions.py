"""helpers.report_subscriptions: subscriptions from payment lines, the section, not applicable."""

from __future__ import annotations

import pandas as pd
import pytest

from helpers import datasets
from helpers.report_subscriptions import subscription_section, subscriptions_from_lines
from helpers.retention import ShiftedBetaGeoModel, survivor_table


def _lines() -> pd.DataFrame:
    rows = [(f"S1-{m}", f"2024-0{m}-10", "S1", 20.0) for m in range(1, 7)]
    rows += [("S2-1", "2024-01-03", "S2", 10.0), ("S2-2", "2024-02-03", "S2", 14.0)]
    rows += [("S3-1", "2024-03-09", "S3", 30.0)]
    rows += [("S4-5", "2024-05-01", "S4", 5.0), ("S4-6", "2024-06-01", "S4", 5.0)]
    rows += [("S4-7", "2024-07-03", "S4", 5.0), ("S5-7", "2024-07-02", "S5", 9.0)]
    rows += [("X", "2024-02-01", None, 99.0)]  # an order that is not a subscription payment
    return pd.DataFrame(
        {
            "invoice_id": [r[0] for r in rows],
            "invoice_date": pd.to_datetime([r[1] for r in rows]),
            "subscription_id": [r[2] for r in rows],
            "amount": [r[3] for r in rows],
        }
    )


def test_subscriptions_from_payment_lines_by_hand():
    subs, end = subscriptions_from_lines(_lines(), "2024-07-15")
    # the last complete month is June 2024: July's payments (S4's third, S5's first) wait
    assert end == pd.Period("2024-06", "M")
    assert list(subs.index) == ["S1", "S2", "S3", "S4"]
    assert subs["signup_month"].tolist() == ["2024-01", "2024-01", "2024-03", "2024-05"]
    assert subs["months_active"].tolist() == [6, 2, 1, 2]
    assert subs["active"].tolist() == [True, False, False, True]
    assert subs["monthly_payment"].tolist() == pytest.approx([20.0, 12.0, 30.0, 5.0])


def test_not_applicable_without_subscription_payments():
    lines = _lines().drop(columns="subscription_id")
    section = subscription_section(lines, "2024-07-15", margin_rate=0.3, discount_rate=0.1)
    assert not section.applicable and "not applicable" in section.sentences[0]
    assert "--map YourColumn=subscription_id" in section.sentences[0]
    section = subscription_section(_lines(), "2024-07-15", margin_rate=0.3, discount_rate=0.1)
    assert section.applicable and section.model is None
    assert (
        "4 subscriptions paid monthly up to June 2024, 2 of them still paying"
        in (section.sentences[0])
    )
    assert "Too little to model retention (fewer than 30)" in section.sentences[1]


def test_the_section_recovers_the_gift_box_club_from_its_payments():
    shop = datasets.load_synthetic()
    club = shop.subscriptions
    # every subscription pays on its signup day each month it was active
    payments = [
        (row.subscription_id, pd.Timestamp(row.signup_date) + pd.DateOffset(months=k))
        for row in club.itertuples()
        for k in range(int(row.months_active))
    ]
    lines = pd.DataFrame(payments, columns=["subscription_id", "invoice_date"]).assign(amount=25.0)
    section = subscription_section(lines, "2025-01-01", margin_rate=0.4, discount_rate=0.1)
    # the same fit as from the club's own table (helpers.retention.survivor_table)
    direct = ShiftedBetaGeoModel().fit(survivor_table(club, "2024-12"))
    assert section.model.params_.to_numpy() == pytest.approx(direct.params_.to_numpy(), rel=1e-6)
    assert section.subscriptions["active"].sum() == club["active"].sum()
    # the truth (beta(0.8, 4)) inside the intervals
    summary = section.model.summary_
    for name, true in (("alpha", 0.8), ("beta", 4.0)):
        assert summary.loc[name, "lower_95"] < true < summary.loc[name, "upper_95"]
    # the value: margin x DERL per active subscriber, summed
    active = section.subscriptions[section.subscriptions["active"]]
    derl = direct.expected_residual_lifetime(
        (1.1 ** (1 / 12)) - 1, active["months_active"].to_numpy() - 1
    )
    assert section.value == pytest.approx(float((10.0 * derl).sum()), rel=1e-6)
    text = " ".join(section.sentences)
    assert f"{len(club):,} subscriptions" in text and "{" not in text and "nan" not in text


@pytest.mark.notebook
def test_the_report_values_the_subscribers_of_an_order_log_that_has_them(tmp_path):
    """A shop of 400 customers whose order log also holds its club's monthly payments, under
    another column name: the report maps it, fits the model and values the active ones."""
    import subprocess
    import sys

    from conftest import ROOT

    from helpers.notebook import read_results
    from helpers.synthetic import make_synthetic

    shop = make_synthetic(seed=3, n_customers=400)
    club = shop.subscriptions
    payments = pd.DataFrame(
        [
            (
                f"SUB{row.subscription_id}-{k}",
                pd.Timestamp(row.signup_date) + pd.DateOffset(months=k),
                row.customer_id if isinstance(row.customer_id, str) else row.subscription_id,
                "GIFTBOX",
                1,
                25.0,
                row.subscription_id,
            )
            for row in club.itertuples()
            for k in range(int(row.months_active))
        ],
        columns=[
            "invoice_id",
            "invoice_date",
            "customer_id",
            "product_id",
            "quantity",
            "unit_price",
            "Membership",
        ],
    )
    payments["invoice_date"] = payments["invoice_date"].dt.strftime("%Y-%m-%d %H:%M:%S")
    log = pd.concat([shop.order_lines, payments], ignore_index=True)
    path = tmp_path / "orders_with_club.csv"
    log.to_csv(path, index=False)
    out = tmp_path / "report"
    done = subprocess.run(
        [sys.executable, "-m", "helpers.report", "--no-progress", "--transactions", str(path)]
        + ["--map", "Membership=subscription_id", "--as-of", "2025-01-01", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    results = read_results(out / "report.ipynb")
    assert results["subscriptions_applicable"] is True
    html = (out / "report.html").read_text(encoding="utf-8")
    active = int(club["active"].sum())
    assert f"{len(club):,} subscriptions paid monthly up to December 2024, {active:,}" in html
    assert "shifted-beta-geometric model" in html and "should still pay in 12 months" in html
