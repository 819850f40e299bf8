"""The Chinese synthetic shop (``make_synthetic(market="cn")``): its calendar, yuan and consents.

Expected values come from the market's specification (the notes of
:mod:`helpers.synthetic_markets`) and from published dates, checked with pandas code written
here: the Spring Festival's dates are the published ones (2023-01-22, 2024-02-10), not the
generator's own lookup.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from helpers import schema
from helpers.cleaning import clean_transactions
from helpers.datasets import load_synthetic
from helpers.synthetic import main, make_synthetic, read_synthetic, write_synthetic
from helpers.synthetic_markets import cn_season, spring_festival
from helpers.synthetic_subscriptions import subscription_tables

N = 1500
SEED = 11
#: The Spring Festival (农历正月初一) in the observed years, as published.
SPRING_FESTIVAL = {2023: "2023-01-22", 2024: "2024-02-10"}
#: The customers' columns only the Chinese shop has.
NEW_COLUMNS = (schema.SMS_OPT_IN, schema.WECHAT_OPT_IN, schema.BIRTHDAY_CALENDAR)


@pytest.fixture(scope="module")
def cn():
    return make_synthetic(seed=SEED, n_customers=N, market="cn")


@pytest.fixture(scope="module")
def orders_per_day(cn):
    """Clean purchase invoices per calendar day of the observed window (missing days: 0)."""
    lines = cn.order_lines
    dirty = np.zeros(len(lines), dtype=bool)
    dirty[cn.dirt["row"].to_numpy()] = True
    clean = lines[~dirty]
    invoices = clean.drop_duplicates(schema.INVOICE_ID)
    day = pd.to_datetime(invoices[schema.INVOICE_DATE], format="ISO8601").dt.normalize()
    window = pd.date_range("2023-01-01", cn.observation_end)
    return day.value_counts().reindex(window, fill_value=0)


def mean_per_day(counts: pd.Series, first: str, last: str) -> float:
    return float(counts.loc[pd.Timestamp(first) : pd.Timestamp(last)].mean())


# --- the calendar -------------------------------------------------------------------------------


def test_spring_festival_dates_are_the_published_ones():
    published = ["2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17"]
    assert [spring_festival(y) for y in (2023, 2024, 2025, 2026)] == [
        pd.Timestamp(d) for d in published
    ]


@pytest.mark.parametrize(
    ("day", "factor"),
    [
        ("2024-10-05 13:20", 1.0),  # an ordinary day
        ("2024-11-11 09:00", 6.0),  # 双11
        ("2024-10-20 00:00", 1.5),  # its presale
        ("2024-06-18 23:59", 3.5),  # 618
        ("2024-06-01 10:00", 1.2),  # the start of its build-up
        ("2024-12-12 12:00", 2.5),  # 双12
        ("2024-02-13 08:00", 0.25),  # the holiday week of 2024-02-10
        ("2024-02-07 08:00", 0.8),  # three days before: couriers stopping
        ("2023-01-01 08:00", 1.4),  # 21 days before 2023-01-22: the 年货节 starts
        ("2026-01-27 08:00", 1.4),  # 21 days before 2026-02-17
        ("2025-12-31 08:00", 1.0),  # 48 days before 2026-02-17: ordinary
    ],
)
def test_daily_factors_are_the_specified_ones(day, factor):
    assert cn_season(pd.DatetimeIndex([day]))[0] == pytest.approx(factor)


@pytest.mark.parametrize("year", sorted(SPRING_FESTIVAL))
def test_spring_festival_week_is_far_below_the_three_weeks_before(orders_per_day, year):
    festival = pd.Timestamp(SPRING_FESTIVAL[year])
    before = mean_per_day(
        orders_per_day, festival - pd.Timedelta(days=21), festival - pd.Timedelta(days=1)
    )
    holiday = mean_per_day(orders_per_day, festival, festival + pd.Timedelta(days=6))
    # specified: ~0.25 in the holiday week against ~1.4 on average in the weeks before
    assert holiday < 0.4 * before, (holiday, before)
    # and the build-up is above an ordinary spring fortnight (1 by the specification)
    spring = mean_per_day(orders_per_day, f"{year}-04-01", f"{year}-04-14")
    assert before > 1.15 * spring, (before, spring)


@pytest.mark.parametrize("year", [2023, 2024])
def test_double_eleven_is_many_times_an_ordinary_october_day(orders_per_day, year):
    ordinary = mean_per_day(orders_per_day, f"{year}-10-08", f"{year}-10-17")
    peak = orders_per_day.loc[pd.Timestamp(f"{year}-11-11")]
    presale = mean_per_day(orders_per_day, f"{year}-10-25", f"{year}-11-08")
    assert peak > 5 * ordinary, (peak, ordinary)  # specified: 6 times (36 for bargain hunters)
    assert presale > 1.2 * ordinary, (presale, ordinary)  # specified: 1.5
    # 11 November is the busiest day of the year
    in_year = orders_per_day.loc[f"{year}-01-01" : f"{year}-12-31"]
    assert in_year.idxmax() == pd.Timestamp(f"{year}-11-11")


@pytest.mark.parametrize("year", [2023, 2024])
def test_618_and_double_twelve_stand_out(orders_per_day, year):
    early_may = mean_per_day(orders_per_day, f"{year}-05-01", f"{year}-05-14")
    assert orders_per_day.loc[pd.Timestamp(f"{year}-06-18")] > 2.5 * early_may  # 3.5
    build_up = mean_per_day(orders_per_day, f"{year}-06-10", f"{year}-06-17")
    assert build_up > 1.2 * early_may  # 1.5-1.8
    december = mean_per_day(orders_per_day, f"{year}-12-01", f"{year}-12-08")
    assert orders_per_day.loc[pd.Timestamp(f"{year}-12-12")] > 1.6 * december  # 2.5


# --- yuan, Chinese text and regions -------------------------------------------------------------


def is_price_point(price: float) -> bool:
    cents = round(price * 100)
    if price < 20:
        return cents % 100 == 90  # 9.9, 19.9, ...
    return cents % 100 == 0 and (cents // 100) % 10 == 9  # 29, 59, 129, 299, ...


def test_prices_are_yuan_price_points_of_home_goods(cn):
    products = cn.products
    assert cn.currency == "¥" and cn.market == "cn"
    assert products[schema.UNIT_PRICE].map(is_price_point).all(), products[schema.UNIT_PRICE]
    median = products[schema.UNIT_PRICE].median()
    assert 15 <= median <= 100  # home goods: tens of yuan, not pence or thousands
    assert products[schema.UNIT_PRICE].max() <= 999
    assert (products[schema.UNIT_COST] < products[schema.UNIT_PRICE]).all()
    # the clean order lines carry the catalogue's prices
    lines = cn.order_lines.merge(products, on=schema.PRODUCT_ID, suffixes=("", "_catalogue"))
    assert (lines[schema.UNIT_PRICE] == lines["unit_price_catalogue"]).mean() > 0.99


def has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_text_is_chinese_end_to_end(cn):
    assert cn.products[schema.DESCRIPTION].map(has_cjk).all()
    assert cn.products[schema.CATEGORY].map(has_cjk).all()
    assert {"厨房用品", "家纺"} <= set(cn.products[schema.CATEGORY])
    assert cn.customers[schema.REGION].map(has_cjk).all()
    assert {"北京", "上海", "广东", "浙江"} <= set(cn.customers[schema.REGION])
    assert set(cn.customers[schema.ACQUISITION_CHANNEL]) == {
        "search",
        "wechat",
        "douyin",
        "referral",
        "store",
    }
    assert set(cn.contacts[schema.CHANNEL]) == {"sms", "wechat", "phone", "app_chat"}
    assert cn.contacts[schema.COST].gt(0).all()
    # every order line of a product has its Chinese description (postage and fees aside)
    code = cn.order_lines[schema.PRODUCT_ID].str.strip().str.upper()
    product = ~code.isin(["POST", "BANK CHARGES", "M"])
    assert cn.order_lines.loc[product, schema.DESCRIPTION].map(has_cjk).all()


def test_messy_chinese_text_is_dirty_and_cleans(cn):
    messy = cn.dirt.loc[cn.dirt["kind"] == "messy_text", "row"].to_numpy()
    text = cn.order_lines.iloc[messy][[schema.PRODUCT_ID, schema.DESCRIPTION]]
    tidy = text.apply(lambda c: c.str.strip().str.upper())
    assert (tidy != text).any(axis=1).all()  # every messy row shows its dirt
    assert text[schema.DESCRIPTION].str.startswith("\u3000").any()  # a full-width space


# --- customers: consents and birthday calendars ------------------------------------------------


def test_consent_columns_are_bool_with_plausible_shares(cn):
    customers = cn.customers
    for column in (schema.SMS_OPT_IN, schema.WECHAT_OPT_IN, schema.MARKETING_OPT_IN):
        assert customers[column].dtype == bool, column
    sms, wechat = customers[schema.SMS_OPT_IN], customers[schema.WECHAT_OPT_IN]
    assert 0.15 < sms.mean() < 0.45
    assert 0.4 < wechat.mean() < 0.75
    # marketing_opt_in: any marketing consent
    assert (customers[schema.MARKETING_OPT_IN] == (sms | wechat)).all()
    # loyal regulars consent more often
    persona = cn.truth.set_index(schema.CUSTOMER_ID)["persona"]
    by = customers.set_index(schema.CUSTOMER_ID)[schema.WECHAT_OPT_IN].groupby(persona).mean()
    assert by["loyal regular"] > by.drop("loyal regular").max()


def test_birthday_calendar_is_lunar_for_about_a_third_and_more_among_the_old(cn):
    customers = cn.customers
    calendar = customers[schema.BIRTHDAY_CALENDAR]
    assert set(calendar) == {"gregorian", "lunar"}
    lunar = calendar == "lunar"
    assert 0.25 < lunar.mean() < 0.45
    age = (customers[schema.SIGNUP_DATE] - customers[schema.BIRTH_DATE]).dt.days / 365.25
    assert lunar[age >= 50].mean() > lunar[age < 30].mean() + 0.2
    assert 17.9 <= age.min() and age.max() <= 86  # birth_date stays a Gregorian date


def test_tables_pass_the_schemas_and_the_email_stays_valid(cn):
    for table in ("customers", "products", "contacts"):
        schema.validate(getattr(cn, table), table)
    assert cn.customers[schema.EMAIL].str.contains("@").all()


def test_the_uk_shop_has_none_of_the_new_columns():
    uk = make_synthetic(n_customers=60)
    assert uk.market == "uk" and uk.currency == "£"
    assert not set(NEW_COLUMNS) & set(uk.customers.columns)
    assert not uk.customers[schema.REGION].map(has_cjk).any()


# --- files, loading, cleaning, reproducibility --------------------------------------------------


def test_written_cn_shop_loads_and_cleans(cn, tmp_path):
    write_synthetic(cn, tmp_path)
    meta = json.loads((tmp_path / "meta.json").read_text(encoding="utf-8"))
    assert (meta["market"], meta["currency"]) == ("cn", "¥")
    back = read_synthetic(tmp_path)
    assert (back.market, back.currency) == ("cn", "¥")
    pd.testing.assert_frame_equal(back.customers, cn.customers, check_dtype=False)
    pd.testing.assert_frame_equal(back.products, cn.products)
    loaded = load_synthetic(tmp_path)
    assert loaded.customers[schema.SMS_OPT_IN].dtype == bool
    clean, report = clean_transactions(loaded.order_lines)
    assert len(clean) > 0.8 * len(loaded.order_lines.dropna(subset=[schema.CUSTOMER_ID]))
    assert clean[schema.DESCRIPTION].map(has_cjk).all()
    assert not clean[schema.DESCRIPTION].str.startswith("\u3000").any()


def test_the_same_seed_gives_the_same_shop(cn):
    again = make_synthetic(seed=SEED, n_customers=N, market="cn")
    for name in ("order_lines", "customers", "products", "contacts", "truth", "dirt"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(cn, name), obj=name)


def test_command_line_writes_the_market(tmp_path):
    main(["--out", str(tmp_path / "cn"), "--customers", "50", "--market", "cn", "--seed", "3"])
    meta = json.loads((tmp_path / "cn" / "meta.json").read_text(encoding="utf-8"))
    assert meta["settings"] == {"seed": 3, "n_customers": 50, "market": "cn"}
    assert read_synthetic(tmp_path / "cn").currency == "¥"
    main(["--out", str(tmp_path / "uk"), "--customers", "50"])
    meta = json.loads((tmp_path / "uk" / "meta.json").read_text(encoding="utf-8"))
    assert "market" not in meta and "market" not in meta["settings"]
    assert read_synthetic(tmp_path / "uk").currency == "£"


def test_an_unknown_market_is_refused():
    with pytest.raises(ValueError, match=r"market must be one of \['cn', 'uk'\]; got 'fr'"):
        make_synthetic(n_customers=10, market="fr")
    with pytest.raises(ValueError, match="unknown channel 'email'"):
        make_synthetic(n_customers=10, market="cn", channel_effects={"email": (1, 1, 1)})


# --- the prospects and the gift box club are the Chinese shop's --------------------------------

#: The twelve provinces and municipalities of the specification (the module notes).
CN_REGIONS = {"广东", "浙江", "江苏", "上海", "北京", "山东", "四川", "福建", "河南", "湖北"}
CN_REGIONS |= {"湖南", "陕西"}
#: The Chinese shop's daily factors summed over 2025 (the prospects' first year, 1 January to
#: 31 December), by hand from the specification, with the Spring Festival on 2025-01-29:
#: 年货节 8-23 Jan, 16 days of 1.4 + 0.4 j / 15 (j = 0..15): 22.4 + 3.2 = 25.6; 24-28 Jan
#: 5 x 0.8 = 4; the holiday week 7 x 0.25 = 1.75; 5-12 Feb, 0.5 + 0.5 j / 7 (j = 0..7): 4 + 2
#: = 6 (36 days, 37.35); 618: 25-31 May 7 x 1.2 = 8.4, 1-17 June 17 x 1.2 + 0.6 x 136 / 16 =
#: 25.5, 18 June 3.5 (25 days, 37.4); 双11: 20 Oct-10 Nov 22 x 1.5 = 33, 11 Nov 6, 12-13 Nov
#: 2.6 (25 days, 41.6); 双12: 2 x 1.3 + 2.5 = 5.1 (3 days); 276 ordinary days of 1.
CN_2025_SEASON = 276 + 37.35 + 37.4 + 41.6 + 5.1
#: The same sum by the UK shop's months (31 x 0.7 + 28 x 0.75 + ... + 31 x 1.8).
UK_2025_SEASON = 377.75


def test_cn_prospects_have_chinese_regions_channels_and_incomes(cn):
    prospects = cn.prospects
    assert set(prospects[schema.REGION]) == CN_REGIONS
    assert set(prospects[schema.ACQUISITION_CHANNEL]) == {
        "search",
        "douyin",
        "referral",
        "wechat",
        "store",
    }
    # incomes in yuan: the personas' medians (31,000-88,000 pounds) times 3, as the customers'
    uk = make_synthetic(seed=SEED, n_customers=N).prospects[schema.ANNUAL_INCOME].median()
    median = prospects[schema.ANNUAL_INCOME].median()
    assert 2.5 * uk < median < 3.5 * uk, (median, uk)
    assert 90_000 < median < 270_000


def test_cn_prospects_expect_their_first_year_by_the_chinese_calendar(cn):
    truth = cn.prospects_truth
    # personas with season power 1 (all but the bargain hunters), and rates large enough for
    # the rounding to four decimals not to matter
    one = truth[(truth["persona"] != "bargain hunter") & (truth["purchase_rate_per_week"] >= 0.01)]
    assert len(one) > 300
    rate, p = one["purchase_rate_per_week"], one["dropout_probability"]

    def expected(season_sum: float) -> pd.Series:
        # 1 + (1 - p) / p x (1 - exp(-L p)), L = the rate summed over the year's weeks
        return 1 + (1 - p) / p * (1 - np.exp(-rate * season_sum / 7 * p))

    ratio = (one["expected_orders"] - 1) / (expected(CN_2025_SEASON) - 1)
    assert ratio.median() == pytest.approx(1, abs=0.003)
    assert ratio.between(0.98, 1.02).all(), ratio.describe()
    # the UK calendar would give about 5% fewer
    uk_ratio = (one["expected_orders"] - 1) / (expected(UK_2025_SEASON) - 1)
    assert uk_ratio.median() > 1.03


def test_cn_gift_box_club_costs_199_yuan_a_month(cn):
    subscriptions = cn.subscriptions
    assert (subscriptions["monthly_price"] == 199.0).all()
    assert (subscriptions["monthly_margin"] == 80.0).all()
    assert is_price_point(199.0)
    # the same subscribers as the UK shop's draws would give: only the price differs
    uk = subscription_tables(
        SEED, cn.customers, pd.Timestamp("2023-01-01"), cn.observation_end, market="uk"
    )[0]
    assert (uk["monthly_price"] == 25.0).all() and (uk["monthly_margin"] == 10.0).all()
    same = [c for c in subscriptions.columns if c not in ("monthly_price", "monthly_margin")]
    pd.testing.assert_frame_equal(subscriptions[same], uk[same])
    with pytest.raises(ValueError, match="market must be one of"):
        subscription_tables(
            SEED, cn.customers, pd.Timestamp("2023-01-01"), cn.observation_end, market="fr"
        )
