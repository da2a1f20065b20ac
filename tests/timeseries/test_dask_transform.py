"""Transforms over a Dask array of cases equal the in-process result (on a LocalCluster)."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pytest

da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")

from anyconv.timeseries import MiniRocket, MiniRocketClassifier, Rocket  # noqa: E402
from anyconv.timeseries.dask_transform import predict_dask, transform_dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:  # fmt: skip
        yield c


def _series(n: int, channels: int = 2, length: int = 30, seed: int = 0) -> np.ndarray:
    return np.cumsum(np.random.RandomState(seed).randn(n, channels, length), axis=-1)


def test_transform_on_cluster_equals_in_process(client) -> None:
    X = _series(23)
    for transformer in (MiniRocket(n_kernels=84, random_state=0), Rocket(n_kernels=20, random_state=0)):
        transformer.fit(X)
        # cases in uneven blocks, time axis split too (rechunked to whole cases)
        lazy = transform_dask(transformer, da.from_array(X, chunks=(5, 1, 10)))
        assert lazy.shape == (23, transformer.n_features_out_) and lazy.numblocks == (5, 1)
        got = client.compute(lazy).result()
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, transformer.transform(X))
        # worker processes receive a pickled copy (processes=False skips that): same features
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(transformer)).transform(X), got)


def test_predict_and_univariate(client) -> None:
    X, y = _series(30, channels=1, seed=1)[:, 0], np.arange(30) % 2  # (30, 30) univariate
    X[y == 1] += np.linspace(0, 3, 30)
    clf = MiniRocketClassifier(n_kernels=84, random_state=0).fit(X, y)
    got = client.compute(predict_dask(clf, da.from_array(X, chunks=7))).result()
    np.testing.assert_array_equal(got, clf.predict(X))


def test_bad_input() -> None:
    transformer = MiniRocket(n_kernels=84, random_state=0).fit(_series(10))
    with pytest.raises(ValueError, match=r"dask\.array\.Array"):
        transform_dask(transformer, _series(10))
    with pytest.raises(ValueError, match="n_channels, n_timepoints"):
        transform_dask(transformer, da.zeros((2, 2, 2, 2)))
    with pytest.raises(Exception, match="not fitted"):
        transform_dask(MiniRocket(), da.zeros((2, 2, 30)))


def test_worker_processes_equal_in_process() -> None:
    """Real worker processes: the fitted transformer travels pickled, the blocks are computed there."""
    X = _series(17, seed=2)
    transformer = MiniRocket(n_kernels=84, random_state=0).fit(X)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:  # fmt: skip
        pids = set(c.run(os.getpid).values())
        assert pids and os.getpid() not in pids  # the work runs in another process
        got = c.compute(transform_dask(transformer, da.from_array(X, chunks=(6, 2, 30)))).result()
    np.testing.assert_array_equal(got, transformer.transform(X))
