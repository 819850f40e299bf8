"""How :func:`helpers.clv.comparison.compare_models` chooses a model: the rule and its reason.

**The rule** (``tolerance``, default 1%): the chosen model has the lowest holdout MAE
averaged over the origins, except that models whose mean MAE is within ``tolerance`` of the
lowest count as tied on MAE, and of the tied models the one with the smallest mean absolute
bias (averaged over the origins) wins; a further tie goes to the lower mean BIC. MAE is
read per customer, so the rule first asks whose individual forecasts are closest; but a
difference of a fraction of a percent in MAE is within the noise of one cohort, while a
bias of several percent misstates the total a manager plans with. ``tolerance=0`` is the
plain lowest-MAE rule. The benchmark is scored and listed but never chosen or ranked.

Read MAE with the bias and the tracking: MAE is smallest for a forecast of each customer's
*median*, and the models forecast the *mean*. For a customer who most likely buys nothing, 0
scores better than the model's small positive mean, so a forecast that predicts 0 for every
one-time buyer (as the calibration rate does) can win on MAE while missing the total;
RMSE, smallest for the mean, is in the tables too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from helpers.translation import N_
from helpers.translation import gettext as _

__all__ = ["BENCHMARK"]

#: Name of the naive benchmark in the tables: frequency / T times the holdout length.
BENCHMARK = N_("calibration rate")


def _rank(summary: pd.DataFrame, tolerance: float) -> list[str]:
    """Order predictors by the rule: MAE, with MAEs within ``tolerance`` tied; then |bias|, BIC.

    The first is the predictor with the smallest mean absolute bias among those whose mean
    MAE is within ``tolerance`` (relative) of the lowest, then the lower BIC, then the order
    of ``summary``; then the same among the rest. MAE and bias are compared to 1e-4
    purchases per customer and BIC to 0.1, so that a difference left by the optimiser's
    last digits decides nothing.
    """
    remaining, order = list(summary.index), []
    while remaining:
        part = summary.loc[remaining]
        mae = part["mae"].round(4)
        near = part[mae <= mae.min() * (1 + tolerance)]
        keys = (
            np.arange(len(near)),
            near["bic"].round(1).fillna(np.inf).to_numpy(),
            near["mae"].round(4).to_numpy(),
            near["abs_bias"].round(4).to_numpy(),
        )
        pick = near.index[np.lexsort(keys)[0]]
        order.append(pick)
        remaining.remove(pick)
    return order


def _same_predictions(predictions: pd.DataFrame, chosen: str, names: list[str]) -> list[str]:
    """Return the models whose predictions are the chosen's to within 0.001 per customer."""
    gap = predictions[names].sub(predictions[chosen], axis=0).abs()
    worst = gap.groupby(level="origin").mean().max()
    return [name for name in names if name != chosen and worst[name] < 1e-3]


def choice_reason(
    summary: pd.DataFrame,
    predictions: pd.DataFrame,
    chosen: str,
    holdout: str,
    tolerance: float,
) -> str:
    """Say in one sentence, with the numbers, why ``chosen`` was chosen."""
    row = summary.loc[chosen]
    models = [name for name in summary.index if name != BENCHMARK]
    same = _same_predictions(predictions, chosen, models)
    rivals = [name for name in models if name != chosen and name not in same]
    n_origins = predictions.index.get_level_values("origin").nunique()
    origins = (_("{n} origins") if n_origins != 1 else _("{n} origin")).format(n=n_origins)
    total = _("{share:+.1%} of the actual holdout purchases").format(share=row["total_error"])
    lowest = min([row["mae"]] + [summary.loc[name, "mae"] for name in rivals])
    if row["mae"] <= lowest:
        others = _(", ").join(f"{name} {summary.loc[name, 'mae']:.3f}" for name in rivals)
        text = (
            _(
                "{chosen} is chosen for the lowest mean holdout MAE of the models over "
                "{origins}: {mae:.3f} purchases per customer in the {holdout} holdout (vs "
                "{others}), with a mean bias of {bias:+.3f} per customer ({total})"
            )
            if others
            else _(
                "{chosen} is chosen for the lowest mean holdout MAE of the models over "
                "{origins}: {mae:.3f} purchases per customer in the {holdout} holdout, with a "
                "mean bias of {bias:+.3f} per customer ({total})"
            )
        ).format(
            chosen=chosen,
            origins=origins,
            mae=row["mae"],
            holdout=holdout,
            others=others,
            bias=row["bias"],
            total=total,
        )
    else:
        best = summary.loc[rivals, "mae"].idxmin()
        text = _(
            "{chosen} is chosen: its mean holdout MAE over {origins}, {mae:.3f} purchases per "
            "customer in the {holdout} holdout, is within {tolerance:.0%} of the lowest ({best} "
            "{best_mae:.3f}), and its mean absolute bias is the smaller ({abs_bias:.3f} per "
            "customer vs {best_abs_bias:.3f}; in total {total})"
        ).format(
            chosen=chosen,
            origins=origins,
            mae=row["mae"],
            holdout=holdout,
            tolerance=tolerance,
            best=best,
            best_mae=summary.loc[best, "mae"],
            abs_bias=row["abs_bias"],
            best_abs_bias=summary.loc[best, "abs_bias"],
            total=total,
        )
    parts = [text]
    if same:
        names = (
            _("{models} and {last}").format(models=_(", ").join(same[:-1]), last=same[-1])
            if len(same) > 1
            else same[0]
        )
        parts.append(
            (
                _(
                    "{names} predicts the same as {chosen} to within 0.001 purchases per "
                    "customer at every origin, so on these data the choice among them does not "
                    "matter"
                )
                if len(same) == 1
                else _(
                    "{names} predict the same as {chosen} to within 0.001 purchases per customer "
                    "at every origin, so on these data the choice among them does not matter"
                )
            ).format(names=names, chosen=chosen)
        )
    if BENCHMARK in summary.index:
        naive = summary.loc[BENCHMARK, "mae"]
        parts.append(
            (
                _("the naive {benchmark} scores a lower MAE still ({naive:.3f})")
                if naive < row["mae"]
                else _("the naive {benchmark} scores {naive:.3f}")
            ).format(benchmark=_(BENCHMARK), naive=naive)
        )
    return _("{reason}.").format(reason=_("; ").join(parts))


def rule_summary(
    fit_table: pd.DataFrame, score_table: pd.DataFrame, tolerance: float
) -> tuple[pd.DataFrame, str]:
    """Average the scores over the origins, rank the models by the rule, name the chosen."""
    columns = ["total_error", "mae", "bias", "abs_bias", "rmse", "top_capture", "gini", "spearman"]
    scores = score_table.assign(abs_bias=score_table["bias"].abs())
    table = scores.groupby("model", sort=False)[columns].mean()
    table = table.join(fit_table.groupby("model", sort=False)[["aic", "bic"]].mean())
    best = scores.loc[scores.groupby("origin")["mae"].idxmin(), "model"]
    table["best_mae_origins"] = best.value_counts().reindex(table.index, fill_value=0)
    order = _rank(table.drop(index=BENCHMARK, errors="ignore"), tolerance)
    rest = [name for name in table.index if name not in order]
    table = table.loc[order + rest]
    table["rank"] = pd.array(list(range(1, len(order) + 1)) + [None] * len(rest), dtype="Int64")
    table.index.name = "model"
    return table, order[0]
