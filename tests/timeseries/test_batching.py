"""Transform batching: the shared worker pool, splitting rules, results independent of both."""

from __future__ import annotations

import numpy as np

from anyconv.timeseries import LightWaveS, MiniRocket
from anyconv.timeseries._base import batch_pool


def _series(n_cases: int, length: int, seed: int = 0) -> np.ndarray:
    return np.cumsum(np.random.RandomState(seed).randn(n_cases, 1, length), axis=-1)


def test_pool_is_reused_and_inline_inside_its_threads() -> None:
    pool = batch_pool(2)
    assert batch_pool(2) is pool and batch_pool(3) is not pool
    # a transform running in a pool thread must not wait on the same pool
    assert pool.submit(batch_pool, 2).result(timeout=10) is None
    X = _series(20, 40)
    est = MiniRocket(n_kernels=168, random_state=0, n_jobs=2, batch_size=8).fit(X)
    inside = pool.submit(est.transform, X).result(timeout=60)
    np.testing.assert_array_equal(inside, est.transform(X))


def test_results_do_not_depend_on_splitting() -> None:
    X, y = _series(30, 50, seed=1), np.arange(30) % 2
    X[y == 1] += 1.0
    one = LightWaveS(n_features=30, random_state=0, n_jobs=1).fit(X, y)
    two = LightWaveS(n_features=30, random_state=0, n_jobs=2).fit(X, y)
    assert not two._worth_splitting(30, 50)  # 30 cases x <= 30 kernels x 50: inline
    assert two._worth_splitting(10_000, 50_000)
    np.testing.assert_array_equal(one.transform(X), two.transform(X))
