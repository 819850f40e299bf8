"""Control groups for campaigns: how many to hold out, who, and what the test can detect.

A campaign's value is what it *causes*: the orders of the contacted customers minus the
orders they would have placed anyway. Only a randomised control group, held out of the
campaign, measures the second part. This module designs that group; the readout after the
campaign is :mod:`helpers.experiment_readout`.

- :func:`sample_size`: customers per group for a two-sided two-proportion z-test to detect a
  given uplift in response rate (Fleiss, Levin & Paik 2003, section 4.2, without continuity
  correction; unequal groups by the ratio of their sizes);
- :func:`minimum_detectable_effect`: the smallest uplift groups of given sizes detect;
- :func:`assign_groups`: a seeded random control group in every stratum (strategy, tier,
  ...), sized by the power calculation, as a ``group`` column (``treatment``/``control``),
  with the design and its assumptions in ``attrs["experiment"]``;
- :func:`hold_out_lists`: the same for every customer list of a set of campaigns, each
  with its base rate measured on the order lines.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from helpers import schema as s
from helpers.checks import check_share, require_columns

__all__ = [
    "CONTROL",
    "GROUP",
    "TREATMENT",
    "ExperimentDesign",
    "assign_groups",
    "hold_out_lists",
    "minimum_detectable_effect",
    "sample_size",
]

#: The column that says who is contacted (``treatment``) and who is held out (``control``).
GROUP = "group"
TREATMENT = "treatment"
CONTROL = "control"

#: Control shares tried by :func:`assign_groups`: from 5% to half the list.
_SMALLEST_SHARE, _LARGEST_SHARE = 0.05, 0.5


def _check_rate(name: str, value: float) -> float:
    check_share(name, value, include_one=False)
    return float(value)


def _check_uplift(name: str, uplift: float, base_rate: float) -> float:
    """Return ``uplift`` as a float if it is > 0 and ``base_rate + uplift < 1``."""
    uplift = float(uplift)
    if not (uplift > 0 and base_rate + uplift < 1):
        raise ValueError(
            f"{name} must be > 0 with base_rate + {name} < 1, got {uplift} on {base_rate}"
        )
    return uplift


def _z(alpha: float, power: float) -> tuple[float, float]:
    _check_rate("alpha", alpha)
    _check_rate("power", power)
    return float(stats.norm.ppf(1 - alpha / 2)), float(stats.norm.ppf(power))


def _control_size(base_rate: float, uplift: float, ratio: float, alpha: float, power: float):
    """Control-group size (real) for treatment/control size ``ratio``; see :func:`sample_size`."""
    z_alpha, z_power = _z(alpha, power)
    treated = base_rate + uplift
    pooled = (base_rate + ratio * treated) / (1 + ratio)
    null = z_alpha * math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio))
    alternative = z_power * math.sqrt(treated * (1 - treated) / ratio + base_rate * (1 - base_rate))
    return ((null + alternative) / uplift) ** 2


def sample_size(
    base_rate: float,
    uplift: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
) -> tuple[int, int]:
    """Return the (treatment, control) sizes that detect ``uplift`` in response rate.

    Parameters
    ----------
    base_rate : float
        Response rate without the campaign (the control group's), in (0, 1).
    uplift : float
        The absolute uplift to detect (treated rate minus ``base_rate``), > 0, with
        ``base_rate + uplift < 1``.
    alpha : float, default 0.05
        Two-sided significance level.
    power : float, default 0.8
        Probability of detecting ``uplift`` when it is real.
    ratio : float, default 1
        Treatment size over control size (9 for a 10% control group).

    Returns
    -------
    tuple of int
        Treatment and control sizes, rounded up.

    Notes
    -----
    With p0 the base rate, p1 = p0 + d, k the ratio and p the pooled rate
    (p0 + k p1) / (1 + k), the control group needs

    n0 = [z(1-alpha/2) sqrt(p (1-p) (1 + 1/k)) + z(power) sqrt(p1 (1-p1) / k + p0 (1-p0))]^2 / d^2

    customers, and the treatment group k n0 (Fleiss, Levin & Paik 2003, eq. 4.14, without
    the continuity correction). For 10% against 15% at the defaults: 686 in each group.
    """
    base_rate = _check_rate("base_rate", base_rate)
    uplift = _check_uplift("uplift", uplift, base_rate)
    if not ratio > 0:
        raise ValueError(f"ratio must be > 0, got {ratio}")
    control = _control_size(base_rate, uplift, float(ratio), alpha, power)
    return math.ceil(control * ratio - 1e-9), math.ceil(control - 1e-9)


def minimum_detectable_effect(
    n_treatment: int,
    n_control: int,
    base_rate: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
) -> float:
    """Return the smallest absolute uplift in response rate that groups of these sizes detect.

    The inverse of :func:`sample_size` in the uplift: the ``d`` at which the control group
    it asks for equals ``n_control`` (at the same ratio). ``nan`` if no uplift with
    ``base_rate + d < 1`` is detectable (groups too small).
    """
    base_rate = _check_rate("base_rate", base_rate)
    if n_treatment < 1 or n_control < 1:
        raise ValueError(f"need groups of at least 1, got {n_treatment} and {n_control}")
    ratio = n_treatment / n_control
    largest = (1 - base_rate) * (1 - 1e-9)

    def gap(d: float) -> float:
        return _control_size(base_rate, d, ratio, alpha, power) - n_control

    if gap(largest) > 0:
        return float("nan")
    return float(optimize.brentq(gap, 1e-9 * largest, largest, xtol=1e-10))


@dataclass(frozen=True)
class ExperimentDesign:
    """The design of a campaign's control group, as :func:`assign_groups` made it.

    Attributes
    ----------
    base_rate, expected_uplift, alpha, power : float
        The assumptions of the power calculation.
    control_share : float
        Share of the list held out.
    n_treatment, n_control : int
        Group sizes.
    minimum_detectable_effect : float
        The smallest uplift in response rate these groups detect (``nan``: none).
    detectable : bool
        Whether ``expected_uplift`` is at least the minimum detectable effect.
    strata : tuple of str
        The columns within whose values the groups were drawn.
    seed : int
        Seed of the draw.
    """

    base_rate: float
    expected_uplift: float
    alpha: float
    power: float
    control_share: float
    n_treatment: int
    n_control: int
    minimum_detectable_effect: float
    detectable: bool
    strata: tuple[str, ...]
    seed: int

    def describe(self) -> str:
        """Return the design and its assumptions in words."""
        mde = self.minimum_detectable_effect
        detect = (
            f"the groups detect an uplift of {mde * 100:.1f} percentage points or more"
            if math.isfinite(mde)
            else "the list is too small to detect any uplift"
        )
        verdict = (
            "enough for the expected uplift"
            if self.detectable
            else "MORE than the expected uplift: the test will probably miss it; "
            "run the campaign longer or on more customers, or read the result as a pilot"
        )
        strata = ", ".join(self.strata) if self.strata else "the whole list"
        return (
            f"Control group: {self.n_control:,} of {self.n_control + self.n_treatment:,} "
            f"customers ({self.control_share:.0%}), drawn at random within {strata} "
            f"(seed {self.seed}). Assumptions: response without the campaign "
            f"{self.base_rate:.1%}, expected uplift {self.expected_uplift * 100:.1f} percentage "
            "points, "
            f"two-sided test at {self.alpha:.0%}, power {self.power:.0%}. "
            f"At these sizes {detect}: {verdict}."
        )

    def as_dict(self) -> dict:
        """Return the design as a plain dict (for ``attrs`` and JSON)."""
        return asdict(self)


def _share_for(n: int, base_rate: float, uplift: float, alpha: float, power: float) -> float:
    """Return the smallest control share in [5%, 50%] that detects ``uplift`` (else 50%)."""
    for share in np.arange(_SMALLEST_SHARE, _LARGEST_SHARE + 1e-9, 0.01):
        control = round(n * share)
        if control < 1 or control >= n:
            continue
        mde = minimum_detectable_effect(n - control, control, base_rate, alpha=alpha, power=power)
        if math.isfinite(mde) and mde <= uplift:
            return float(round(share, 2))
    return _LARGEST_SHARE


def assign_groups(
    campaign: pd.DataFrame,
    *,
    base_rate: float,
    expected_uplift: float,
    control_share: float | None = None,
    strata: Sequence[str] | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    seed: int = 0,
    customer_col: str = s.CUSTOMER_ID,
) -> pd.DataFrame:
    """Hold a random control group out of a campaign list, stratum by stratum.

    Parameters
    ----------
    campaign : pandas.DataFrame
        One row per customer (a list of :mod:`helpers.campaigns`, for instance).
    base_rate : float
        Share of the listed customers expected to buy in the campaign's window without it.
    expected_uplift : float
        The uplift in that share the campaign is expected to cause (absolute, > 0).
    control_share : float, optional
        Share of each stratum to hold out, in (0, 1). Default: the smallest share from 5%
        to 50% (in steps of 1%) at which the groups detect ``expected_uplift`` with
        ``power``; 50% if none does (then :attr:`ExperimentDesign.detectable` is False).
    strata : sequence of str, optional
        Columns within whose values the control group is drawn, so that every strategy or
        tier keeps the same share of controls. Default: those of ``action``, ``strategy``,
        ``tier`` that the list has.
    alpha, power : float, default 0.05, 0.8
        The test's significance level (two-sided) and power.
    seed : int, default 0
        Seed of the draw: the same list and seed, the same groups.
    customer_col : str, default "customer_id"
        The customer column (each customer at most once).

    Returns
    -------
    pandas.DataFrame
        A copy of ``campaign`` with a ``group`` column (``treatment`` or ``control``) and
        the :class:`ExperimentDesign` as a dict in ``attrs["experiment"]``. In each stratum
        ``round(share x size)`` customers are controls, picked by a seeded shuffle.

    Raises
    ------
    ValueError
        If a column is missing, a customer is listed twice, the list already has a
        ``group`` column, or a rate or share is outside (0, 1).
    """
    require_columns(campaign, [customer_col], "campaign")
    if GROUP in campaign.columns:
        raise ValueError(f"campaign: the list already has a {GROUP!r} column")
    twice = campaign[customer_col].duplicated()
    if twice.any():
        example = campaign.loc[twice, customer_col].tolist()[0]
        raise ValueError(
            f"campaign: column {customer_col!r} must list each customer once; "
            f"{example!r} appears more than once"
        )
    base_rate = _check_rate("base_rate", base_rate)
    expected_uplift = _check_uplift("expected_uplift", expected_uplift, base_rate)
    if strata is None:
        strata = [c for c in ("action", "strategy", "tier") if c in campaign.columns]
    strata = list(strata)
    require_columns(campaign, strata, "campaign", allow_empty=True)
    n = len(campaign)
    if control_share is None:
        share = _share_for(n, base_rate, expected_uplift, alpha, power) if n > 1 else 0.5
    else:
        share = _check_rate("control_share", control_share)

    out = campaign.copy()
    rng = np.random.default_rng(seed)
    group = np.full(n, TREATMENT, dtype=object)
    # strata in sorted order, each a shuffle of its rows: the same list and seed, the same draw
    blocks = (
        out.reset_index(drop=True).groupby(strata, sort=True, dropna=False).indices.values()
        if strata
        else [np.arange(n)]
    )
    for rows in blocks:
        chosen = rng.permutation(rows)[: round(share * len(rows))]
        group[chosen] = CONTROL
    out[GROUP] = group
    n_control = int((group == CONTROL).sum())
    n_treatment = n - n_control
    mde = (
        minimum_detectable_effect(n_treatment, n_control, base_rate, alpha=alpha, power=power)
        if n_control and n_treatment
        else float("nan")
    )
    design = ExperimentDesign(
        base_rate=base_rate,
        expected_uplift=expected_uplift,
        alpha=float(alpha),
        power=float(power),
        control_share=float(share),
        n_treatment=n_treatment,
        n_control=n_control,
        minimum_detectable_effect=mde,
        detectable=bool(math.isfinite(mde) and mde <= expected_uplift),
        strata=tuple(strata),
        seed=int(seed),
    )
    out.attrs["experiment"] = design.as_dict()
    return out


def hold_out_lists(
    lists: Mapping[str, pd.DataFrame],
    lines: pd.DataFrame | pd.Series,
    as_of: str | pd.Timestamp,
    *,
    window_days: int,
    expected_uplift: float = 0.05,
    uplifts: Mapping[str, float] | None = None,
    seed: int = 0,
    customer_col: str = s.CUSTOMER_ID,
    date_col: str = s.INVOICE_DATE,
) -> dict[str, pd.DataFrame]:
    """Give every customer list of a set of campaigns its control group.

    Each list's base rate (the chance a listed customer buys in the campaign's window
    without it) is measured as the share of its customers who bought in the
    ``window_days`` before ``as_of``, kept within [1%, 95%]; its expected uplift is
    ``uplifts[name]`` or ``expected_uplift``. :func:`assign_groups` then draws the group.
    Lists without a customer column (a promotion of products) are returned unchanged: a
    price test holds out shops or weeks, not customers.

    Parameters
    ----------
    lists : mapping of str to pandas.DataFrame
        Campaign name -> list (one row per customer).
    lines : pandas.DataFrame or pandas.Series
        Clean order lines (customer and date); or each customer's last purchase date before
        ``as_of``, indexed by customer (it says the same: whether one is in the window).
    as_of : str or pandas.Timestamp
        The analysis date (exclusive).
    window_days : int
        Length of the campaign's window, in days.
    expected_uplift : float, default 0.05
        Uplift in the response rate expected of a list not in ``uplifts``.
    uplifts : mapping of str to float, optional
        Expected uplift per list name.
    seed : int, default 0
        Seed of the draws (list i uses ``seed + i``).
    customer_col, date_col : str
        Column names.

    Returns
    -------
    dict of str to pandas.DataFrame
        The lists, those with customers carrying ``group`` and ``attrs["experiment"]``.
    """
    as_of = pd.Timestamp(as_of)
    start = as_of - pd.Timedelta(days=window_days)
    if isinstance(lines, pd.Series):
        recent = set(lines.index[(lines >= start) & (lines < as_of)])
    else:
        require_columns(lines, [customer_col, date_col], "lines", allow_empty=True)
        recent = lines[lines[date_col] >= start]
        recent = set(recent.loc[recent[date_col] < as_of, customer_col])
    uplifts = dict(uplifts or {})
    out = {}
    for i, (name, table) in enumerate(lists.items()):
        if customer_col not in table.columns or table.empty:
            out[name] = table
            continue
        base = float(np.clip(table[customer_col].isin(recent).mean(), 0.01, 0.95))
        uplift = min(float(uplifts.get(name, expected_uplift)), (1 - base) * 0.99)
        out[name] = assign_groups(
            table, base_rate=base, expected_uplift=uplift, seed=seed + i, customer_col=customer_col
        )
    return out
