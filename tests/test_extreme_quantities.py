"""Tests of helpers.extreme_quantities: the robust z rule, computed by hand."""

from __future__ import annotations

import numpy as np

from helpers.extreme_quantities import extreme_quantities


def test_robust_z_of_log_quantities_against_a_hand_computation():
    # log2 q = 0, 1, 2, 3, 4, 12: median 2.5, MAD 1.5, so z(4096) = 9.5 / (1.4826 * 1.5) = 4.27
    quantity = np.array([1, 2, 4, 8, 16, 4096])
    assert extreme_quantities(quantity, 4.0, 1000).tolist() == [False] * 5 + [True]
    assert not extreme_quantities(quantity, 4.3, 1000).any()
    assert not extreme_quantities(quantity, 4.0, 5000).any()  # below the floor


def test_with_no_spread_only_the_floor_decides():
    quantity = np.array([5, 5, 5, 5, 2000])
    assert extreme_quantities(quantity, 7.0, 1000).tolist() == [False] * 4 + [True]
    assert not extreme_quantities(quantity, 7.0, 3000).any()
    assert extreme_quantities(np.array([], dtype=np.int64)).tolist() == []
