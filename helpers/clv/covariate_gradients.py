"""Exact per-row log-likelihoods and gradients of BG/NBD and Gamma-Gamma, parameters per row.

With covariates every customer has parameters of their own (:mod:`helpers.clv.covariates`),
so the base models' summed gradients (their ``_objective``) do not apply: :func:`bg_rows`
and :func:`gg_rows` give each row's log-likelihood and its gradient in the row's log
parameters, in closed form. The special functions depend on a row only through x and the
parameters they take, so with a ``key`` (one representative row per distinct combination,
and each row's combination) they are evaluated once per key (:func:`_by_key`).
"""

from __future__ import annotations

import numpy as np
from scipy import special

__all__: list[str] = []


def _by_key(key: tuple[np.ndarray, np.ndarray] | None):
    """Return (at_key, expand): evaluate on one row per key, then give every row its key's."""
    if key is None:
        return (lambda v: v), (lambda v: v)
    rep, inverse = key

    def at_key(v):
        v = np.asarray(v, dtype=float)
        return v[rep] if v.ndim else v

    def expand(v):
        v = np.asarray(v, dtype=float)
        return v[inverse] if v.ndim else v

    return at_key, expand


def bg_rows(theta, x, tx, t_obs, key=None):
    """BG/NBD log-likelihood per row and its gradient in log (r, alpha, a, b), exactly.

    With L = C (A + D) (C the common factor, A alive at T, D dropped out after t_x):
    d log L = d log C + w_A d log A + w_D d log D, w_A = A / (A + D), and
    d betaln(u, v) / du = psi(u) - psi(u + v). The special functions depend on a row only
    through (x, r, a, b): with ``key`` = (one row per distinct (x, b), each row's key), they
    are evaluated once per key (r and a are shared by all rows).
    """
    r, alpha, a, b = (np.asarray(v, dtype=float) for v in theta)
    psi = special.digamma
    at_key, expand = _by_key(key)
    xk, rk, ak, bk = at_key(x), at_key(r), at_key(a), at_key(b)
    repeat_k = xk > 0
    b_dead = np.where(repeat_k, bk + xk - 1, bk)  # D is absent when x = 0
    beta_ab = special.betaln(ak, bk)
    psi_ab = psi(ak + bk) - psi(ak + bk + xk)
    log_alive, log_dead, gamma_r, d_r, d_a, d_b, d_b_alive, d_b_dead = (
        expand(v)
        for v in (
            special.betaln(ak, bk + xk) - beta_ab,
            np.where(repeat_k, special.betaln(ak + 1, b_dead) - beta_ab, -np.inf),
            special.gammaln(rk + xk) - special.gammaln(rk),
            psi(rk + xk) - psi(rk),
            psi_ab,
            psi_ab - psi(bk),
            psi(bk + xk),
            psi(b_dead),
        )
    )
    d_a_dead = psi(a + 1) - psi(a)
    log_t, log_tx = np.log(alpha + t_obs), np.log(alpha + tx)
    alive = log_alive - (r + x) * log_t
    dead = np.where(x > 0, log_dead - (r + x) * log_tx, -np.inf)
    mixed = np.logaddexp(alive, dead)
    value = gamma_r + r * np.log(alpha) + mixed
    w_alive = np.exp(alive - mixed)
    w_dead = 1.0 - w_alive
    d_r = d_r + np.log(alpha) - w_alive * log_t - w_dead * log_tx
    d_alpha = r / alpha - (r + x) * (w_alive / (alpha + t_obs) + w_dead / (alpha + tx))
    d_a = d_a + w_dead * d_a_dead
    d_b = d_b + w_alive * d_b_alive + w_dead * d_b_dead
    grad = np.column_stack(
        [
            np.broadcast_to(v * p, value.shape)
            for v, p in zip((d_r, d_alpha, d_a, d_b), (r, alpha, a, b), strict=True)
        ]
    )
    return value, grad


def gg_rows(theta, x, m, key=None):
    """Gamma-Gamma log-likelihood per row and its gradient in log (p, q, gamma), exactly.

    The special functions depend on a row only through (x, p, q): with ``key`` (one row per
    distinct x, each row's key) they are evaluated once per key.
    """
    p, q, g = (np.asarray(v, dtype=float) for v in theta)
    at_key, expand = _by_key(key)
    xk, pk, qk = at_key(x), at_key(p), at_key(q)
    pxk = pk * xk
    psi_pxq_k = special.digamma(pxk + qk)
    gammas, log_x, psi_pxq, d_p = (
        expand(v)
        for v in (
            special.gammaln(pxk + qk) - special.gammaln(pxk) - special.gammaln(qk),
            np.log(xk),
            psi_pxq_k,
            psi_pxq_k - special.digamma(pxk),
        )
    )
    px = p * x
    log_m = np.log(m)
    log_gxm = np.log(g + x * m)
    value = gammas + q * np.log(g) + (px - 1) * log_m + px * log_x - (px + q) * log_gxm
    d_p = x * (d_p + log_m + log_x - log_gxm)
    d_q = psi_pxq - special.digamma(q) + np.log(g) - log_gxm
    d_g = q / g - (px + q) / (g + x * m)
    grad = np.column_stack(
        [
            np.broadcast_to(v * t, value.shape)
            for v, t in zip((d_p, d_q, d_g), (p, q, g), strict=True)
        ]
    )
    return value, grad
