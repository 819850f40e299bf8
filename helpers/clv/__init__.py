"""Probabilistic CLV: BG/NBD, Modified BG/NBD, BG/BB, Pareto/NBD (purchases), Gamma-Gamma.

The story of the purchase models ("buy till you die"): while a customer is **alive** they buy
at their own steady rate, a Poisson process with rate lambda; lambda varies across customers
as a gamma distribution (shape ``r``, rate ``alpha``). At some point the customer leaves for
good, unseen by the shop:

- **BG/NBD** (Fader, Hardie & Lee 2005): after each purchase the customer drops out with
  their own probability p, beta-distributed across customers (``a``, ``b``). A customer
  with no repeat purchase (x = 0) cannot have dropped out yet, so for them P(alive) = 1.
- **Modified BG/NBD** (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but the customer
  may also drop out right after the first purchase, so a one-purchase customer observed
  for long without a repeat is less and less likely to be alive (BG/NBD says 1).
- **BG/BB** (Fader, Hardie & Shang 2010): the discrete-time BG/NBD, for businesses that count
  transaction opportunities (a yearly appeal, a weekly class) rather than time.
- **Pareto/NBD** (Schmittlein, Morrison & Colombo 1987): the customer's lifetime is
  exponential with rate mu, gamma-distributed across customers (``s``, ``beta``); a customer
  can leave at any moment, also before a repeat purchase.

The **Gamma-Gamma** spend model (Fader, Hardie & Lee 2005b; Fader & Hardie 2013) says how
much each purchase is worth: spends vary around a customer's own mean, and the means vary
across customers. It assumes spend is independent of purchase frequency; check that with
:meth:`GammaGamma.independence`.

All models take the summary data of :mod:`helpers.clv_data` (``frequency``, ``recency``,
``T`` in one period unit, ``monetary_value``) and follow scikit-learn's shape: settings in
``__init__``, ``fit`` returns ``self``, fitted values end in ``_`` (``params_``,
``log_likelihood_``, ``standard_errors_`` from the inverse Hessian, and ``summary_`` with
95% confidence intervals, Wald intervals on the log scale, exp(log theta +- 1.96 se / theta),
which stay positive like the parameters). Fitting groups identical (frequency, recency, T) rows and
weighs each by its count, so a large customer base costs little more than its distinct rows.

As lifelines' and scikit-learn's: a fit whose search fails or whose parameters run away
warns with :class:`ConvergenceWarning`; ``model.print_summary()`` (and a notebook's display
of a fitted model) shows the customers, period unit, log-likelihood, AIC, BIC, convergence
and the parameters; a method that needs a fitted model raises :class:`NotFittedError`
(:func:`check_is_fitted`); ``predict`` reads the column names given to ``fit`` and refuses
a summary in another period unit than the model's ``period_``.

Every model is fitted with the exact gradient of its log-likelihood (BFGS on log-parameters,
value and gradient in one vectorized pass); Pareto/NBD's, whose closed form has a
hypergeometric function of its parameters, through the integral form of its likelihood by
Gauss-Legendre quadrature.

The CLV over a horizon and the tables built from fitted models (expected repeat counts,
calibration vs holdout, P(alive)) are in :mod:`helpers.clv_tables`.

One module per model family: :mod:`helpers.clv.bg_nbd`, :mod:`helpers.clv.mbg_nbd`,
:mod:`helpers.clv.bg_bb`, :mod:`helpers.clv.pareto_nbd`, :mod:`helpers.clv.gamma_gamma`; the
shared fitter is in :mod:`helpers.clv.fitting`. Around them:

- model choice: :mod:`helpers.clv.comparison` (:func:`compare_models`, a rolling-origin
  backtest; its scores in :mod:`helpers.clv.backtest_metrics`, one origin's work in
  :mod:`helpers.clv.backtest_origin`, the rule in :mod:`helpers.clv.backtest_rule`) and
  :mod:`helpers.clv.choice` (:func:`choose_purchase_model`, what the report calls);
- intervals per customer: :mod:`helpers.clv.laplace` (:func:`parameter_draws`),
  :mod:`helpers.clv.intervals` (:func:`customer_intervals`, :func:`predictive_intervals`;
  with :mod:`helpers.clv.draw_values` and :mod:`helpers.clv.row_chunks`) and
  :mod:`helpers.clv.bootstrap` (:func:`parametric_bootstrap`, the check);
- covariates: :mod:`helpers.clv.covariates` (:class:`CovariateModel`; with
  :mod:`helpers.clv.covariate_design`, :mod:`helpers.clv.covariate_likelihood`,
  :mod:`helpers.clv.covariate_gradients`, :mod:`helpers.clv.covariate_predictions`,
  :mod:`helpers.clv.covariate_persistence`);
- simulation from each model's story: :mod:`helpers.clv.simulation`.

The public names are re-exported here. A fitted model, with or without covariates, is saved
as JSON and read back, never pickled: ``model.save("bgnbd.json")``,
``BetaGeoModel.load("bgnbd.json")``, ``CovariateModel.load("channels.json")``.
"""

from __future__ import annotations

from helpers.clv.backtest_metrics import error_difference
from helpers.clv.bg_bb import BetaGeoBetaBinomModel
from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.bootstrap import parametric_bootstrap
from helpers.clv.choice import PURCHASE_MODELS, ModelChoice, choose_purchase_model
from helpers.clv.comparison import ModelComparison, compare_models
from helpers.clv.covariates import CovariateModel, dummies
from helpers.clv.fitting import ConvergenceWarning, NotFittedError, check_is_fitted
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv.intervals import customer_intervals, predictive_intervals
from helpers.clv.laplace import parameter_draws
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel
from helpers.clv.simulation import (
    simulate_bg_bb,
    simulate_bg_nbd,
    simulate_gamma_gamma,
    simulate_mbg_nbd,
    simulate_pareto_nbd,
)

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "ConvergenceWarning",
    "CovariateModel",
    "GammaGamma",
    "ModelChoice",
    "ModelComparison",
    "ModifiedBetaGeoModel",
    "NotFittedError",
    "PURCHASE_MODELS",
    "ParetoNBDModel",
    "check_is_fitted",
    "choose_purchase_model",
    "compare_models",
    "customer_intervals",
    "dummies",
    "error_difference",
    "parameter_draws",
    "parametric_bootstrap",
    "predictive_intervals",
    "simulate_bg_bb",
    "simulate_bg_nbd",
    "simulate_gamma_gamma",
    "simulate_mbg_nbd",
    "simulate_pareto_nbd",
]
