"""Filter statistics against values computed by hand on constructed filter sets."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch import nn

from anyconv.explain.filter_stats import collect_filters, distribution_shift, filter_stats


def test_an_all_zero_filter_is_degenerate_and_sparse():
    w = torch.zeros(4, 1, 3, 3)
    w[0, 0] = torch.arange(9.0).view(3, 3) - 4  # taps -4..4: one zero tap, max |w| = 4
    w[1, 0, 1, 1] = 2.0
    w[2, 0, 0, 0] = 0.03  # below 1 % of 4: counted as zero
    stats = filter_stats(w)
    assert stats.n_filters == 4 and stats.taps == 9
    assert stats.degenerate_share == 0.5  # filters 2 (0.03 <= 0.04) and 3 (all zero)
    assert stats.sparsity == pytest.approx((1 + 8 + 9 + 9) / 36)


def test_an_orthogonal_set_has_orthogonality_one_and_full_entropy():
    q, _ = np.linalg.qr(np.random.default_rng(0).normal(size=(9, 9)))
    stats = filter_stats(torch.tensor(q * 3.0).reshape(9, 1, 3, 3))
    assert stats.orthogonality == pytest.approx(1.0, abs=1e-12)
    assert stats.variance_entropy == pytest.approx(1.0, abs=1e-12)  # equal singular values over all 9 taps
    assert stats.degenerate_share == 0.0


def test_identical_filters_have_no_diversity():
    f = np.tile(np.arange(1.0, 10.0), (5, 1))
    f[1] *= -2  # a multiple: |cos| = 1
    stats = filter_stats(f)
    assert stats.orthogonality == pytest.approx(0.0, abs=1e-12)
    assert stats.variance_entropy == pytest.approx(0.0, abs=1e-12)


def test_entropy_and_orthogonality_equal_hand_computed_values():
    f = np.array([[1.0, 0, 0, 0], [1, 1, 0, 0], [0, 0, 2, 0]])
    # cosines: (1,2) 1/sqrt2, (1,3) 0, (2,3) 0 -> orthogonality = 1 - (1/sqrt2)/3
    s2 = np.linalg.svd(f, compute_uv=False) ** 2
    p = s2[s2 > 0] / s2.sum()
    stats = filter_stats(f)
    assert stats.orthogonality == pytest.approx(1 - (1 / math.sqrt(2)) / 3)
    assert stats.variance_entropy == pytest.approx(-(p * np.log(p)).sum() / math.log(4))
    # by hand: f^T f = [[2,1,0,0],[1,1,0,0],[0,0,4,0],[0,0,0,0]] -> eigenvalues (3±sqrt5)/2, 4
    lam = np.array([(3 + math.sqrt(5)) / 2, (3 - math.sqrt(5)) / 2, 4.0]) / 7
    assert stats.variance_entropy == pytest.approx(-(lam * np.log(lam)).sum() / math.log(4))


def test_distribution_shift_is_zero_for_the_same_set_and_grows_with_a_shift():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(200, 9))
    assert distribution_shift(a, a.copy()) == pytest.approx(0.0, abs=1e-12)
    assert distribution_shift(a, a[::-1].copy()) == pytest.approx(0.0, abs=1e-12)  # order does not matter
    small, large = distribution_shift(a, a + 0.2), distribution_shift(a, a + 1.0)
    assert 0 < small < large
    # a pure translation along one axis: the union's main axis is that direction, distance = the shift
    b = np.zeros((100, 9))
    b[:, 0] = np.linspace(-0.01, 0.01, 100)
    assert distribution_shift(b, b + np.eye(9)[0] * 5.0) == pytest.approx(5.0, rel=1e-3)


def test_collect_filters_reads_torch_and_anyconv_layers():
    import anyconv

    model = nn.Sequential(nn.Conv2d(2, 3, 3), anyconv.Conv2d(3, 4, 3), nn.Conv2d(4, 5, 5))
    rows = collect_filters(model)
    assert rows.shape == (2 * 3 + 3 * 4, 9)
    np.testing.assert_array_equal(rows[:6], model[0].weight.detach().double().reshape(6, 9).numpy())
    np.testing.assert_array_equal(rows[6:], model[1].kernel.weight.detach().double().reshape(12, 9).numpy())


def test_bad_input_raises():
    with pytest.raises(ValueError, match="same number of taps"):
        distribution_shift(np.zeros((3, 9)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        filter_stats(np.full((2, 9), np.nan))
    with pytest.raises(ValueError, match="rel_tol"):
        filter_stats(np.ones((2, 9)), rel_tol=1.5)
