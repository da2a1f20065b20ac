"""LightWaveS fitted inside an existing torch.distributed group (2 gloo ranks) == one process."""

from __future__ import annotations

import multiprocessing
import os

import numpy as np
import pytest
import torch

from anyconv.timeseries import LightWaveS, LightWaveSClassifier
from anyconv.timeseries.lightwaves.distributed import fit_in_process_group

START = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
pytestmark = pytest.mark.skipif(not torch.distributed.is_available(), reason="torch built without distributed")


def _data():
    rng = np.random.RandomState(0)
    y = np.arange(30) % 3
    X = rng.randn(30, 5, 40)  # 5 channels: 3 on rank 0, 2 on rank 1
    X[:, 0] += y[:, None] * np.linspace(0, 1, 40)
    X[:, 4] += np.sin(np.outer(y + 1, np.linspace(0, 3, 40)))
    return X, y


def _rank(rank: int, world: int, folder: str) -> None:
    """One rank, as a process under torchrun would run it: its own group, then fit."""
    torch.set_num_threads(1)
    init = f"file://{os.path.join(folder, 'rendezvous')}"
    torch.distributed.init_process_group("gloo", init_method=init, rank=rank, world_size=world)
    try:
        X, y = _data()
        clf = fit_in_process_group(LightWaveSClassifier(n_features=40, n_candidates=120, random_state=0), X, y)
        est = clf.transformer_
        np.savez(
            os.path.join(folder, f"rank{rank}.npz"),
            ids=est.kernels_.feature_ids(), features=est.transform(X), weight=clf.head_.weight, pred=clf.predict(X),
        )  # fmt: skip
    finally:
        torch.distributed.destroy_process_group()


def test_two_ranks_fit_what_one_process_fits(tmp_path) -> None:
    # fork: the ranks start without re-importing torch and anyconv (spawn costs seconds each);
    # they run torch single-threaded, so no OpenMP pool is used across the fork
    torch.multiprocessing.start_processes(_rank, args=(2, str(tmp_path)), nprocs=2, join=True, start_method=START)
    X, y = _data()
    one = LightWaveS(n_features=40, n_candidates=120, random_state=0).fit(X, y)
    clf = LightWaveSClassifier(n_features=40, n_candidates=120, random_state=0).fit(X, y)
    assert {0, 4} <= set(one.channels_.tolist())  # both ranks' channels are selected from
    for rank in (0, 1):  # every rank holds the same fitted estimator
        got = np.load(tmp_path / f"rank{rank}.npz")
        np.testing.assert_array_equal(got["ids"], one.kernels_.feature_ids())
        np.testing.assert_array_equal(got["features"], one.transform(X))
        np.testing.assert_allclose(got["weight"], clf.head_.weight, rtol=1e-10)
        np.testing.assert_array_equal(got["pred"], clf.predict(X))


def test_needs_an_initialised_group() -> None:
    X, y = _data()
    with pytest.raises(ValueError, match=r"no torch\.distributed process group"):
        fit_in_process_group(LightWaveS(n_features=10), X, y)
