"""Customer Value Lab helpers: the code the course's chapters import, one module per topic.

Which modules each chapter teaches (the course's notebooks are ``notebooks/NN_name.ipynb``;
every chapter may also use :mod:`helpers.datasets`, :mod:`helpers.dates`,
:mod:`helpers.exercises`, :mod:`helpers.notebook`, :mod:`helpers.plots` and
:mod:`helpers.translation`):

=====================  ==========================================================================
Chapter                Modules
=====================  ==========================================================================
00 Welcome             synthetic, schema
01 Data cleaning       cleaning (with raw_lines, returns, adjustments, non_products,
                       extreme_quantities), order_log (with reading, parsing, identifiers)
02 Value formulas      value_formulas, value, customers, periods, cohorts, compare
03 Customer tiers      tiers, lifecycle, customers
04 RFM                 rfm
05 Clustering          features, clustering
06 Churn               churn, churn_models, churn_metrics, churn_campaign, features
07 Subscriptions       survival, survival_cox, retention, retention_counts, cohorts
08 CLV models          clv_data, clv (the models), clv_tables, value_formulas
09 Profiling           profiling, baskets, features, customers
10 Recommendation      interactions, recommend, recommend_eval, baskets, factorisation,
                       recommend_sar, recommend_metrics, recommend_tuning
11 Strategy            snapshot, scoring, strategy, campaigns, lookalike, uplift, experiments,
                       experiment_readout, promotion, threshold_offers, birthdays, export, value
12 The report          report (the command), report_inputs, report_data, report_engine,
                       report_risk, report_subscriptions, report_summary, report_tables,
                       report_folder, report_html
13 At scale            scale, scale_sql, scale_load, scale_clean, scale_features, scale_clv,
                       scale_products, scale_report, id_runs, customer_aggregates,
                       synthetic_scale
=====================  ==========================================================================

The same map, as data: :data:`CHAPTER_MODULES`. Shared conventions live in :mod:`helpers.schema`
(column names), :mod:`helpers.dates` (the analysis date ``as_of``, exclusive),
:mod:`helpers.checks` (errors that name the column, the rule and an example) and
:mod:`helpers.deprecation` (renamed arguments).
"""

from __future__ import annotations

__all__ = ["CHAPTER_MODULES", "package_version"]

#: Chapter (as numbered in ``notebooks/``) -> the :mod:`helpers` modules it teaches, as in the
#: table of the package docstring.
CHAPTER_MODULES: dict[str, tuple[str, ...]] = {
    "00 Welcome": ("synthetic", "schema"),
    "01 Data cleaning": (
        "cleaning",
        "raw_lines",
        "returns",
        "adjustments",
        "non_products",
        "extreme_quantities",
        "order_log",
        "reading",
        "parsing",
        "identifiers",
    ),
    "02 Value formulas": ("value_formulas", "value", "customers", "periods", "cohorts", "compare"),
    "03 Customer tiers": ("tiers", "lifecycle", "customers"),
    "04 RFM": ("rfm",),
    "05 Clustering": ("features", "clustering"),
    "06 Churn": ("churn", "churn_models", "churn_metrics", "churn_campaign", "features"),
    "07 Subscriptions": ("survival", "survival_cox", "retention", "retention_counts", "cohorts"),
    "08 CLV models": ("clv_data", "clv", "clv_tables", "value_formulas"),
    "09 Profiling": ("profiling", "baskets", "features", "customers"),
    "10 Recommendation": (
        "interactions",
        "recommend",
        "recommend_eval",
        "baskets",
        "factorisation",
        "recommend_sar",
        "recommend_metrics",
        "recommend_tuning",
    ),
    "11 Strategy": (
        "snapshot",
        "scoring",
        "strategy",
        "campaigns",
        "lookalike",
        "uplift",
        "experiments",
        "experiment_readout",
        "promotion",
        "threshold_offers",
        "birthdays",
        "export",
        "value",
    ),
    "12 The report": (
        "report",
        "report_inputs",
        "report_data",
        "report_engine",
        "report_risk",
        "report_subscriptions",
        "report_summary",
        "report_tables",
        "report_folder",
        "report_html",
    ),
    "13 At scale": (
        "scale",
        "scale_sql",
        "scale_load",
        "scale_clean",
        "scale_features",
        "scale_clv",
        "scale_products",
        "scale_report",
        "id_runs",
        "customer_aggregates",
        "synthetic_scale",
    ),
}


def package_version() -> str:
    """Return the installed version of the customer-value-lab package ("unknown" if none).

    Returns
    -------
    str
    """
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("customer-value-lab")
    except PackageNotFoundError:
        return "unknown"
