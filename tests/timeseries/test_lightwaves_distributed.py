"""LightWaveS distributed fit: 2 gloo worker processes select exactly what 1 process selects."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.timeseries import LightWaveS


@pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without distributed")
def test_two_workers_select_the_same_features_as_one():
    rng = np.random.RandomState(0)
    y = np.arange(30) % 3
    X = rng.randn(30, 5, 40)  # 5 channels: split 3 + 2 over the workers
    X[:, 0] += y[:, None] * np.linspace(0, 1, 40)
    X[:, 4] += np.sin(np.outer(y + 1, np.linspace(0, 3, 40)))
    one = LightWaveS(n_features=40, n_candidates=120, random_state=0).fit(X, y)
    two = LightWaveS(n_features=40, n_candidates=120, n_workers=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(two.kernels_.feature_ids(), one.kernels_.feature_ids())
    np.testing.assert_array_equal(two.kernels_.channels, one.kernels_.channels)
    np.testing.assert_array_equal(two.kernels_.feature_mask, one.kernels_.feature_mask)
    np.testing.assert_array_equal(two.channels_, one.channels_)
    assert {0, 4} <= set(one.channels_.tolist())  # both workers contributed
    np.testing.assert_array_equal(two.transform(X), one.transform(X))
