"""Plots for the course, one module a chapter.

Each function draws on the Axes it is given (or a new one) and returns it.
No function here calls ``plt.show()`` or changes global styles.
"""

from helpers.plots.churn import plot_calibration, plot_campaign, plot_roc_curves
from helpers.plots.cleaning import plot_cleaning_steps, plot_cleaning_waterfall
from helpers.plots.clustering import plot_cluster_map, plot_cluster_profiles, plot_k_selection
from helpers.plots.clv import (
    plot_alive_history,
    plot_alive_matrix,
    plot_calibration_holdout,
    plot_repeat_counts,
)
from helpers.plots.clv_comparison import (
    plot_capture_curve,
    plot_decile_calibration,
    plot_tracking,
)
from helpers.plots.cohorts import plot_cohort_heatmap, plot_cumulative_value
from helpers.plots.lookalike import plot_gains
from helpers.plots.profiling import plot_persona_cards, plot_profile_heatmap, plot_rules
from helpers.plots.recommend import plot_metrics_by_k, plot_recommender_metrics
from helpers.plots.rfm import plot_migration_heatmap, plot_rf_heatmap, plot_segment_summary
from helpers.plots.strategy import (
    plot_break_even,
    plot_campaign_sizes,
    plot_promotion_plan,
    plot_risk_value,
    plot_strategy_mix,
)
from helpers.plots.survival import plot_remaining_clv, plot_survival_curves
from helpers.plots.tiers import plot_lorenz_curve, plot_pareto_curve, plot_tier_bars
from helpers.plots.uplift import plot_qini, plot_targeting_value
from helpers.plots.value import plot_channel_economics, plot_rank_correlation

__all__ = [
    "plot_alive_history",
    "plot_alive_matrix",
    "plot_break_even",
    "plot_promotion_plan",
    "plot_calibration",
    "plot_calibration_holdout",
    "plot_campaign",
    "plot_campaign_sizes",
    "plot_capture_curve",
    "plot_channel_economics",
    "plot_cleaning_steps",
    "plot_cleaning_waterfall",
    "plot_cluster_map",
    "plot_cluster_profiles",
    "plot_cohort_heatmap",
    "plot_cumulative_value",
    "plot_decile_calibration",
    "plot_gains",
    "plot_k_selection",
    "plot_lorenz_curve",
    "plot_metrics_by_k",
    "plot_migration_heatmap",
    "plot_pareto_curve",
    "plot_persona_cards",
    "plot_profile_heatmap",
    "plot_qini",
    "plot_rank_correlation",
    "plot_recommender_metrics",
    "plot_remaining_clv",
    "plot_repeat_counts",
    "plot_rf_heatmap",
    "plot_risk_value",
    "plot_roc_curves",
    "plot_rules",
    "plot_segment_summary",
    "plot_strategy_mix",
    "plot_survival_curves",
    "plot_targeting_value",
    "plot_tier_bars",
    "plot_tracking",
]
