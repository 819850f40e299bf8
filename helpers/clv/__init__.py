"""Probabilistic CLV models: BG/NBD, Modified BG/NBD, Pareto/NBD (purchases), Gamma-Gamma.

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

BG/NBD and Gamma-Gamma are fitted with the exact gradient of their log-likelihood (BFGS on
log-parameters, value and gradient in one vectorized pass); Pareto/NBD, whose likelihood has a
hypergeometric function of its parameters, with finite differences.

The CLV over a horizon and the tables built from fitted models (expected repeat counts,
calibration vs holdout, P(alive)) are in :mod:`helpers.clv_tables`.

One module per model family: :mod:`helpers.clv.bg_nbd`, :mod:`helpers.clv.mbg_nbd`,
:mod:`helpers.clv.bg_bb`,
:mod:`helpers.clv.pareto_nbd`, :mod:`helpers.clv.gamma_gamma`; the shared fitter is in
:mod:`helpers.clv.fitting`. The public names are re-exported here. A fitted model is saved as JSON
and read back, never pickled: ``model.save("bgnbd.json")``, ``BetaGeoModel.load("bgnbd.json")``.
"""

from __future__ import annotations

from helpers.clv.bg_bb import BetaGeoBetaBinomModel
from helpers.clv.bg_nbd import BetaGeoModel
from helpers.clv.gamma_gamma import GammaGamma
from helpers.clv.mbg_nbd import ModifiedBetaGeoModel
from helpers.clv.pareto_nbd import ParetoNBDModel

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "GammaGamma",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
]
