"""The report's steps on small, plain shops: what is dropped or skipped is noted, nothing crashes.

Each case builds order lines (and customers and products tables) that an ordinary shop could
have: no returns, one product, one line per invoice, no customers table, very few customers,
nobody buying twice, and runs what notebooks/12_customer_value_report.ipynb runs after loading:
scores, strategies, the retention, cross-sell, look-alike, birthday and promotion lists. The
expected notes are written out by hand from how each dataset was built.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from helpers import campaigns, churn_campaign, promotion, rfm, scoring, strategy, tiers
from helpers.checks import DataWarning
from helpers.cleaning import clean_transactions
from helpers.clv import BetaGeoModel
from helpers.recommend import ItemCF, interaction_matrix
from helpers.snapshot import take_snapshot

DAY0 = pd.Timestamp("2024-01-01")
COLUMNS = ["invoice_id", "invoice_date", "customer_id", "product_id", "quantity", "unit_price"]
WINDOW = 90  # the report's CHURN_WINDOW_DAYS
HORIZON = 12  # HORIZON_MONTHS
MARGIN = 0.3
PRICES = {"P0": 2.5, "P1": 4.0, "P2": 7.5, "P3": 12.0, "P4": 20.0, "P5": 9.0}


# --- datasets ------------------------------------------------------------------------------------


@dataclass
class Shop:
    """Raw order lines, the optional customers and products tables, and what was built in."""

    raw: pd.DataFrame
    customers: pd.DataFrame | None
    products: pd.DataFrame | None
    facts: dict = field(default_factory=dict)
    has_products: bool = True  # False: the file had no product column (the loader's flag)


def _lines(rows: list[tuple]) -> pd.DataFrame:
    """Order lines from (invoice, day, customer, product, quantity, price); day 0 = DAY0."""
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["invoice_date"] = (
        DAY0 + pd.to_timedelta(df["invoice_date"], unit="D") + pd.Timedelta(hours=10)
    )
    return df


def _customers(ids: list[str]) -> pd.DataFrame:
    """Demographics, a birth date every 97 days from 1960, an e-mail, all opted in."""
    rng = np.random.default_rng(1)
    return pd.DataFrame(
        {
            "customer_id": ids,
            "birth_date": pd.Timestamp("1960-01-01")
            + pd.to_timedelta(np.arange(len(ids)) * 97, "D"),
            "gender": rng.choice(["F", "M"], len(ids)),
            "region": rng.choice(["North", "South", "East"], len(ids)),
            "annual_income": rng.integers(20, 90, len(ids)) * 1000.0,
            "email": [f"{c.lower()}@example.com" for c in ids],
            "marketing_opt_in": True,
        }
    )


def _products(ids: list[str]) -> pd.DataFrame:
    prices = [PRICES.get(p, 10.0) for p in ids]
    return pd.DataFrame(
        {
            "product_id": ids,
            "description": [f"PRODUCT {p}" for p in ids],
            "unit_price": prices,
            "unit_cost": [p / 2 for p in prices],  # 50% margin
            "stock_on_hand": 500,
        }
    )


def _shop_of(raw: pd.DataFrame, facts: dict | None = None) -> Shop:
    ids = sorted(raw["customer_id"].unique())
    return Shop(raw, _customers(ids), _products(sorted(raw["product_id"].unique())), facts or {})


def random_shop(
    n_customers: int = 60,
    *,
    n_products: int = 6,
    max_lines: int = 3,
    returns: bool = True,
    equal_amounts: bool = False,
    seed: int = 0,
) -> Shop:
    """A shop of "buy till you die" customers over 400 days.

    Each customer starts on a random day of the first 300, buys at their own rate (gamma
    across customers, one purchase every 27 days on average) and leaves after a purchase with
    their own probability (beta, 20% on average). An invoice has 1 to ``max_lines`` different
    products, each in once or twice the customer's usual quantity (1, 2, 4 or 8 units); about
    one invoice in six has a return of one unit three days later (an invoice "C..." with
    quantity -1), unless ``returns`` is False.
    """
    rng = np.random.default_rng(seed)
    products = list(PRICES)[:n_products]
    rows, invoice = [], 0
    for i in range(n_customers):
        customer = f"K{i:03d}"
        rate, dropout = rng.gamma(1.5, 1 / 40), rng.beta(1, 4)
        size = rng.choice([1, 2, 4, 8])  # the customer's usual quantity
        day = float(rng.integers(0, 300))
        while day < 400:
            invoice += 1
            k = int(rng.integers(1, min(max_lines, n_products) + 1))
            for product in rng.choice(products, k, replace=False):
                quantity = 1 if equal_amounts else int(size * rng.integers(1, 3))
                price = 10.0 if equal_amounts else PRICES[product]
                rows.append((f"{invoice}", int(day), customer, product, quantity, price))
            if returns and rng.random() < 1 / 6:
                rows.append((f"C{invoice}", int(day) + 3, customer, rows[-1][3], -1, rows[-1][5]))
            if rng.random() < dropout:
                break
            day += rng.exponential(1 / rate)
    return _shop_of(_lines(rows))


def two_customers() -> Shop:
    """K1 buys on days 0, 120, 250 and 350, K2 on days 30 and 200.

    The data end on day 350, so as_of is day 351 and the churn cutoff day 261: both were
    active before it, K1 bought again in the window (day 350), K2 did not.
    """
    rows = [
        ("1", 0, "K1", "P0", 2, 2.5),
        ("2", 30, "K2", "P1", 1, 4.0),
        ("3", 120, "K1", "P2", 1, 7.5),
        ("4", 200, "K2", "P0", 3, 2.5),
        ("5", 250, "K1", "P1", 2, 4.0),
        ("6", 350, "K1", "P0", 1, 2.5),
    ]
    return _shop_of(_lines(rows))


def one_customer() -> Shop:
    return _shop_of(_lines([("1", 0, "K1", "P0", 1, 2.5), ("2", 200, "K1", "P1", 1, 4.0)]))


def all_bought_once(n: int = 30) -> Shop:
    """Customer i buys once, on day 10 i: nobody buys twice. Days 0 to 290, as_of day 291.

    The churn cutoff is day 201: customers 0-20 (days 0-200) are active before it, and none
    buys again, so all 21 churned.
    """
    rows = [(f"{i}", 10 * i, f"K{i:03d}", list(PRICES)[i % 6], 1 + i % 3, 5.0) for i in range(n)]
    return _shop_of(_lines(rows), {"n_train": 21, "churners": 21})


def only_stayers(n: int = 12) -> Shop:
    """Customer i buys on days 5 i and 300 + 5 i (i < 12): the data end on day 355.

    as_of is day 356 and the cutoff day 266: every customer bought before it (days 0-55) and
    again in the window (days 300-355), so none churned.
    """
    rows = []
    for i in range(n):
        rows.append((f"a{i}", 5 * i, f"K{i:03d}", "P1", 1 + i % 3, 4.0))
        rows.append((f"b{i}", 300 + 5 * i, f"K{i:03d}", "P2", 1, 7.5))
    return _shop_of(_lines(rows), {"n_train": n, "churners": 0})


def only_churners(n_old: int = 15, n_new: int = 10) -> Shop:
    """Old customers buy three times in days 0-136; new ones buy twice in days 230-310.

    The data end on day 310 (as_of day 311, cutoff day 221): the old customers are the ones
    active before the cutoff and none buys after day 136: all 15 churned.
    """
    rows = []
    for i in range(n_old):
        for j, day in enumerate((i, 40 + i, 80 + 4 * i)):
            rows.append((f"o{i}-{j}", day, f"K{i:03d}", list(PRICES)[(i + j) % 6], 1 + j, 4.0))
    for i in range(n_new):
        for j, day in enumerate((230 + 8 * i, 238 + 8 * i)):
            rows.append((f"n{i}-{j}", day, f"N{i:03d}", list(PRICES)[(i + j) % 6], 2, 7.5))
    return _shop_of(_lines(rows), {"n_train": n_old, "churners": n_old})


def same_revenue(n: int = 30) -> Shop:
    """Every customer buys one unit of P0 at 10.00 twice (days 3 i and 200 + 3 i): revenue 20."""
    rows = []
    for i in range(n):
        rows.append((f"a{i}", 3 * i, f"K{i:03d}", "P0", 1, 10.0))
        rows.append((f"b{i}", 200 + 3 * i, f"K{i:03d}", "P0", 1, 10.0))
    return _shop_of(_lines(rows))


def order_level_file() -> Shop:
    """A file with one row per order and no products, as the loader turns it into lines.

    Each invoice of :func:`random_shop` (no returns) becomes one line: quantity 1 at the
    invoice's amount, product "(NO PRODUCT)" (what ``helpers.datasets`` puts in when the file
    has no product column). No products table, no customers table.
    """
    lines = random_shop(returns=False).raw
    lines = lines.assign(amount=lines["quantity"] * lines["unit_price"])
    orders = lines.groupby("invoice_id", as_index=False).agg(
        invoice_date=("invoice_date", "first"),
        customer_id=("customer_id", "first"),
        unit_price=("amount", "sum"),
    )
    orders = orders.assign(product_id="(NO PRODUCT)", quantity=1)[COLUMNS]
    return Shop(orders, None, None, has_products=False)


def without_customers(shop: Shop) -> Shop:
    return Shop(shop.raw, None, shop.products, shop.facts)


def without_birth_dates(shop: Shop) -> Shop:
    return Shop(shop.raw, shop.customers.drop(columns="birth_date"), shop.products, shop.facts)


def unknown_birth_dates(shop: Shop) -> Shop:
    return Shop(shop.raw, shop.customers.assign(birth_date=pd.NaT), shop.products, shop.facts)


# --- the report's steps --------------------------------------------------------------------------


def report_steps(shop: Shop) -> SimpleNamespace:
    """Run what the report notebook runs after loading (cells 11-29), without the plots.

    As in the notebook: cross-sell only when the file has products (with the median price of
    each product when there is no products table), promotion only with a products table,
    birthdays only with a customers table that has birth dates, e-mails and opt-ins, and a
    look-alike list that may be skipped with a ValueError (recorded in ``skipped``).
    """
    raw = shop.raw
    clean, _ = clean_transactions(raw)
    as_of = clean["invoice_date"].max().normalize() + pd.Timedelta(days=1)
    lines = clean[clean["invoice_date"] < as_of]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        view, features, rfm_table = scoring.score_customers(
            take_snapshot(raw, as_of),
            window_days=WINDOW,
            horizon_months=HORIZON,
            discount_rate=0.1,
            margin_rate=MARGIN,
            n_tiers=5,
            customers=shop.customers,
        )
        tiers.tier_summary(view["revenue"], view["tier"])
        rfm.segment_summary(rfm_table)
        assigned = strategy.assign_strategies(view)
        playbook = strategy.playbook_table(assigned)
        profit_at_risk = churn_campaign.value_at_risk(features, HORIZON * 30) * MARGIN
        at_risk = assigned.index[assigned["high_risk"]]
        lists = {
            "retention": campaigns.retention_list(
                assigned.loc[at_risk, "p_churn"],
                profit_at_risk.reindex(at_risk).fillna(0.0),
                save_rate=0.3,
                offer_cost=5.0,
            )
        }
        upgrade = assigned.index[assigned["strategy"] == "upgrade"]
        if shop.has_products:
            recommendations = ItemCF().fit(interaction_matrix(lines)).recommend(upgrade, k=3)
            price_list = shop.products
            if price_list is None:  # the notebook's median price per product
                price_list = (
                    lines.groupby("product_id")
                    .agg(unit_price=("unit_price", "median"))
                    .reset_index()
                )
            lists["cross_sell"] = campaigns.cross_sell_list(
                recommendations, price_list, customers=upgrade, take_rate=0.05, margin_rate=MARGIN
            )
        new = assigned.index[assigned["strategy"] == "expansion"]
        skipped = {}
        try:
            lists["expansion"] = campaigns.expansion_list(
                features,
                assigned["high_value"],
                new,
                target_value=float(assigned.loc[assigned["high_value"], "clv"].mean()),
            )
        except ValueError as reason:
            skipped["expansion"] = str(reason)
        birthday_columns = {"customer_id", "birth_date", "email", "marketing_opt_in"}
        if shop.customers is not None and birthday_columns <= set(shop.customers.columns):
            recent = lines["invoice_date"] >= as_of - pd.Timedelta(days=WINDOW)
            left = view.index.difference(lines.loc[recent, "customer_id"].unique())
            lists["birthday"] = campaigns.birthday_list(
                shop.customers, as_of, 14, left=left, basket=view["average_amount"]
            )
        if shop.products is not None and shop.has_products:
            velocity = promotion.sales_velocity(lines, as_of, WINDOW)
            candidates = promotion.promotion_candidates(shop.products, velocity)
            plan = promotion.plan_promotion(candidates, elasticity=2.5)
            if plan.attrs["best"] is not None:
                lists["promotion"] = promotion.promotion_list(
                    candidates, *plan.attrs["best"], elasticity=2.5
                )
    warned = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    return SimpleNamespace(
        view=view,
        rfm=rfm_table,
        assigned=assigned,
        playbook=playbook,
        lists=lists,
        skipped=skipped,
        warned=warned,
        as_of=as_of,
        lines=lines,
    )


# --- the cases -----------------------------------------------------------------------------------


@dataclass
class Case:
    """A dataset, the notes the run must make (exactly, or as ``...`` prefixes) and checks."""

    build: Callable[[], Shop]
    notes: list[str] = field(default_factory=list)
    check: Callable[[Shop, SimpleNamespace], None] | None = None
    error: str | None = None


def _fallback_rate(shop: Shop, out: SimpleNamespace) -> None:
    n, churners = shop.facts["n_train"], shop.facts["churners"]
    assert out.view.attrs["n_train"] == n and out.view.attrs["modelled"] is False
    np.testing.assert_allclose(out.view["p_churn"], (churners + 1) / (n + 2))


def _no_clv(shop: Shop, out: SimpleNamespace) -> None:
    _fallback_rate(shop, out)
    assert out.view["clv"].isna().all() and out.view["p_alive"].isna().all()
    assert out.playbook["clv"].sum() == 0  # a missing CLV counts as 0
    assert out.skipped["expansion"].startswith("target_value is missing (NaN)")


def _all_top(shop: Shop, out: SimpleNamespace) -> None:
    assert (out.view["tier"] == 1).all()
    # everybody is high value: "care" (or "retain", "win back") catches them all before the
    # rules for "expansion" and "upgrade"
    assert set(out.assigned["strategy"]) <= {"retain", "win back", "care"}
    expansion = out.lists["expansion"]  # nobody to develop, nobody else to learn from
    assert expansion.empty
    assert expansion.attrs["notes"] == [
        "expansion list empty: no new or barely active customer to score"
    ]


def _one_product(shop: Shop, out: SimpleNamespace) -> None:
    assert out.lists["cross_sell"].empty  # nothing else to recommend


def _two(shop: Shop, out: SimpleNamespace) -> None:
    # K1 stayed and K2 churned at the cutoff: a model was fitted on the two of them
    assert out.view.attrs["n_train"] == 2 and out.view.attrs["churn_rate"] == 0.5
    assert out.view.attrs["modelled"] is True
    assert list(out.view.index) == ["K1", "K2"]


CASES = {
    "ordinary shop": Case(random_shop, notes=[]),
    "no returns": Case(
        lambda: random_shop(returns=False),
        notes=["return_rate dropped: every customer has 0 (no returns in the data)"],
    ),
    "one product": Case(
        lambda: random_shop(n_products=1, returns=False),
        notes=[
            "lines_per_invoice dropped: every customer has 1 (every invoice has one line)",
            "distinct_products dropped: every customer has 1 (no customer bought more than one "
            "product)",
            "return_rate dropped: every customer has 0 (no returns in the data)",
            "...",  # one price: little variety in spend for the CLV models to fit
        ],
        check=_one_product,
    ),
    "one line per invoice": Case(
        lambda: random_shop(max_lines=1),
        notes=["lines_per_invoice dropped: every customer has 1 (every invoice has one line)"],
    ),
    "no customers table": Case(lambda: without_customers(random_shop()), notes=[]),
    "order-level file without products": Case(
        order_level_file,
        notes=[
            "lines_per_invoice dropped: every customer has 1 (every invoice has one line)",
            "units_per_invoice dropped: every customer has 1 (every invoice holds one unit)",
            "distinct_products dropped: every customer has 1 (no customer bought more than one "
            "product)",
            "return_rate dropped: every customer has 0 (no returns in the data)",
        ],
    ),
    "customers without birth dates": Case(lambda: without_birth_dates(random_shop()), notes=[]),
    "birth dates all unknown": Case(
        lambda: unknown_birth_dates(random_shop()),
        notes=["age dropped: missing for every customer"],
    ),
    "one customer": Case(
        one_customer,
        error=r"needs at least 2 customers .* found one, 'K1'.* more customers",
    ),
    "two customers": Case(two_customers, check=_two, notes=["..."]),
    "everybody bought once": Case(
        all_bought_once,
        notes=[
            "churn risk not modelled: all 21 customers active before the training cutoff "
            "2024-07-20 made no purchase in the 90 days after it, so there are no stayers to "
            "learn from; every customer gets P(churn) = (21 + 1) / (21 + 2) = 0.96, the churn "
            "rate then, smoothed (Laplace's rule of succession)",
            "CLV not modelled: none of the 30 customers bought twice before 2024-10-18; the "
            "purchase models and Gamma-Gamma learn purchase rates, dropout and spend from repeat "
            "purchases, so p_alive, expected_purchases and clv are left missing",
        ],
        check=_no_clv,
    ),
    "only stayers at the cutoff": Case(
        only_stayers,
        notes=[
            "churn risk not modelled: all 12 customers active before the training cutoff "
            "2024-09-23 bought again in the 90 days after it, so there are no churners to "
            "learn from; every customer gets P(churn) = (0 + 1) / (12 + 2) = 0.07, the churn "
            "rate then, smoothed (Laplace's rule of succession)",
            "...",
        ],
        check=_fallback_rate,
    ),
    "only churners at the cutoff": Case(
        only_churners,
        notes=[
            "churn risk not modelled: all 15 customers active before the training cutoff "
            "2024-08-09 made no purchase in the 90 days after it, so there are no stayers to "
            "learn from; every customer gets P(churn) = (15 + 1) / (15 + 2) = 0.94, the churn "
            "rate then, smoothed (Laplace's rule of succession)",
            "...",
        ],
        check=_fallback_rate,
    ),
    "everybody in the top tier": Case(
        same_revenue,
        notes=[
            "...",
            "every customer is in tier 1: all 30 have the same revenue, so the tiers cannot "
            "tell them apart",
        ],
        check=_all_top,
    ),
    "5 customers": Case(lambda: random_shop(5, seed=5), notes=["..."]),
    "10 customers": Case(lambda: random_shop(10, seed=10), notes=["..."]),
    "20 customers": Case(lambda: random_shop(20, seed=20), notes=["..."]),
    "all amounts equal": Case(lambda: random_shop(equal_amounts=True), notes=["..."]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_report_steps_on_plain_data(name):
    case = CASES[name]
    shop = case.build()
    if case.error:
        with pytest.raises(ValueError, match=case.error):
            report_steps(shop)
        return
    out = report_steps(shop)
    notes = out.view.attrs["notes"]
    assert isinstance(notes, list) and all(isinstance(n, str) for n in notes)
    if "..." in case.notes:  # the listed notes must be there; others may be too
        for note in case.notes:
            if note != "...":
                assert note in notes
    else:
        assert sorted(notes) == sorted(case.notes)
    # every note was also issued as a DataWarning
    assert set(notes) <= set(out.warned)
    # every customer is scored and given a strategy
    customers = out.lines["customer_id"].unique()
    assert set(out.view.index) == set(customers)
    assert out.assigned["strategy"].isin(strategy.STRATEGIES).all()
    assert out.view["p_churn"].between(0, 1).all()
    clv = out.view["clv"]
    assert (clv.dropna() >= 0).all()
    if clv.isna().any():  # a missing CLV is explained
        assert any("clv" in note.lower() for note in notes)
    for name, table in out.lists.items():
        key = "product_id" if name == "promotion" else "customer_id"  # promotions: products
        assert list(table.columns[:5]) == [key, *campaigns.CAMPAIGN_COLUMNS[1:]]
    if case.check:
        case.check(shop, out)


# --- the CLV model at the edges of its parameters ------------------------------------------------


def _bgnbd(r: float, alpha: float, a: float, b: float) -> BetaGeoModel:
    model = BetaGeoModel()
    model.params_ = pd.Series([r, alpha, a, b], index=list(model.PARAMS))
    return model


def test_bgnbd_without_spread_or_dropout_predicts_a_poisson_rate():
    # r and alpha in the millions at a fixed ratio: every customer buys at rate
    # (r + x) / (alpha + T) given their history; a -> 0: nobody drops out. Over t periods a
    # customer is then expected to buy (r + x) / (alpha + T) * t times (SciPy's hyp2f1 gives
    # NaN at these parameters; the series does not).
    model = _bgnbd(2e6, 4e7, 1e-6, 1e6)
    x, tx, big_t, t = np.array([0.0, 2.0, 6.0]), np.array([0.0, 20.0, 38.0]), 40.0, 52.0
    expected = (2e6 + x) / (4e7 + big_t) * t  # about 2.6 purchases
    got = model.conditional_expected_purchases(t, x, tx, np.full(3, big_t))
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    np.testing.assert_allclose(model.expected_purchases(t), 2e6 / 4e7 * t, rtol=1e-4)


def test_bgnbd_at_a_equal_to_one_is_finite_and_matches_the_integral():
    # a = 1 makes (a + b + x - 1) / (a - 1) infinite while the bracket is 0. Check against
    # the expectation written as an integral over the dropout probability p ~ Beta(a, b + x):
    # E[Y(t)] = P(alive) * int (1 - ((alpha + T) / (alpha + T + p t)) ** (r + x)) / p dBeta
    r, alpha, a, b = 0.5, 3.0, 1.0, 2.0
    model = _bgnbd(r, alpha, a, b)
    x, tx, big_t, t = 3.0, 20.0, 30.0, 52.0

    def integrand(p: float) -> float:
        future = (1 - ((alpha + big_t) / (alpha + big_t + p * t)) ** (r + x)) / p
        return future * stats.beta.pdf(p, a, b + x)

    alive = 1 / (1 + a / (b + x - 1) * ((alpha + big_t) / (alpha + tx)) ** (r + x))
    expected = alive * integrate.quad(integrand, 0, 1)[0]
    got = model.conditional_expected_purchases(t, [x], [tx], [big_t])
    np.testing.assert_allclose(got, [expected], rtol=1e-6)
    # and E[X(t)] at a = 1: int (1 - (alpha / (alpha + p t)) ** r) / p dBeta(1, b)
    unconditional = integrate.quad(
        lambda p: (1 - (alpha / (alpha + p * t)) ** r) / p * stats.beta.pdf(p, a, b), 0, 1
    )[0]
    np.testing.assert_allclose(model.expected_purchases(t), unconditional, rtol=1e-6)
