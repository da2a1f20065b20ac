"""MultiRocket: pooling operators, torch engine vs reference vs aeon, estimator API."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest
import torch

from anyconv.timeseries import MultiRocket, MultiRocketClassifier
from anyconv.timeseries.minirocket.kernels import MiniRocketBank
from anyconv.timeseries.minirocket.multirocket import with_base_channels
from anyconv.timeseries.minirocket.pooling import pool4
from anyconv.timeseries.minirocket.reference import reference_pooling


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n_cases, n_channels, length), axis=-1)


def test_pooling_operators_by_hand() -> None:
    C = np.array([3.0, -1.0, 2.0, 2.0, 0.5, -2.0, 4.0])
    ppv, lspv, mpv, mipv = reference_pooling(C, 1.0)
    assert ppv == pytest.approx(4 / 7)
    assert mpv == pytest.approx(((3 + 2 + 2 + 4) + 4 * 1.0) / 4)  # reference: mean of C + b
    assert mipv == pytest.approx((0 + 2 + 3 + 6) / 4)
    assert lspv == 3  # markers 0, 1, 4, 5, 6 -> largest gap 4 - 1
    torch_out = pool4(torch.tensor(C, dtype=torch.float32).view(1, 1, -1), torch.tensor([[1.0, 10.0]]))
    np.testing.assert_allclose(torch_out[:, 0, 0, 0].numpy(), [ppv, lspv, mpv, mipv], rtol=1e-6)
    # no positive value: every position is a "negative" marker, so LSPV is 1
    assert torch_out[:, 0, 0, 1].tolist() == [0.0, 1.0, 0.0, -1.0]
    assert list(reference_pooling(C, 10.0)) == [0.0, 1.0, 0.0, -1.0]


@pytest.mark.parametrize("engine", ["torch", "auto"])  # "auto": the native loop where built
def test_torch_engine_equals_reference(engine: str) -> None:
    X = _series(4, 2, 40)
    m = MultiRocket(n_kernels=168, random_state=0, engine=engine).fit(X)
    fast = m.transform(X)
    slow = m.set_params(engine="reference").transform(X)
    assert fast.shape == (4, 8 * 168)
    np.testing.assert_allclose(fast, slow, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("engine", ["torch", "auto"])
def test_features_equal_aeon_on_same_parameters(engine: str) -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification
    from aeon.transformations.collection.convolution_based import MultiRocket as AeonMultiRocket

    X, _ = load_classification("GunPoint", split="train")
    X = X[:8]
    aeon = AeonMultiRocket(n_kernels=500, random_state=0).fit(X)
    ours = MultiRocket(n_kernels=500, random_state=0, engine=engine).fit(X)

    def bank(p, shift):
        n = 84 * len(p[0])
        return MiniRocketBank(p[0].astype(np.int64), p[1].astype(np.int64), p[2],
                              np.ones(n, np.int64), np.zeros(n, np.int64), shift)

    ours.bank_ = bank(aeon.parameter, 0)
    ours.bank_diff_ = bank(aeon.parameter1, 1)  # the reference's diff-transform tap shift
    np.testing.assert_allclose(ours.transform(X), aeon.transform(X), rtol=1e-5, atol=1e-5)


def test_defaults_determinism_pickle_errors() -> None:
    X = _series(3, 1, 60)
    m = MultiRocket(random_state=0).fit(X)
    assert m.n_features_out_ == 49_728  # 8 * 84 * (6_250 // 84), as the reference
    small = MultiRocket(n_kernels=84, random_state=2).fit(X)
    again = MultiRocket(n_kernels=84, random_state=2, batch_size=1, n_jobs=2).fit(X)
    np.testing.assert_array_equal(small.transform(X), again.transform(X))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(small)).transform(X), small.transform(X))
    with pytest.raises(ValueError, match="n_timepoints must be >= 10, got 9"):
        MultiRocket().fit(np.zeros((2, 9)))
    with pytest.raises(ValueError, match="X has 50 timepoints"):
        small.transform(X[..., :50])


def test_learns_gunpoint() -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification

    X, y = load_classification("GunPoint", split="train")
    Xt, yt = load_classification("GunPoint", split="test")
    clf = MultiRocketClassifier(n_kernels=1_000, random_state=0).fit(X, y)
    assert clf.score(Xt, yt) >= 0.95  # measured 0.993 (default n_kernels: 1.0)


def test_int_seed_gives_aeons_features_multivariate_quirk_included() -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification
    from aeon.transformations.collection.convolution_based import MultiRocket as AeonMultiRocket

    X, _ = load_classification("BasicMotions", split="train")
    X = X[:10].astype(np.float32)
    aeon = AeonMultiRocket(n_kernels=300, random_state=5).fit(X)
    a = aeon.transform(X)
    ours = MultiRocket(n_kernels=300, random_state=5).fit(X)
    assert np.isclose(ours.transform(X), a, rtol=1e-5, atol=1e-5).mean() > 0.999
    # the quirk matters: with the difference's own channel draws (aeon's parameter1) the
    # difference half of the features is another one
    per_comb, channels = aeon.parameter1[0], aeon.parameter1[1]
    ours.bank_diff_ = dataclasses.replace(
        ours.bank_diff_, n_channels_per_combination=per_comb.astype(np.int64), channel_indices=channels.astype(np.int64)
    )
    half = a.shape[1] // 2
    assert np.isclose(ours.transform(X)[:, half:], a[:, half:], rtol=1e-5, atol=1e-5).mean() < 0.9


def test_with_base_channels_by_hand() -> None:
    def bank(per_comb, channels, n_dil):
        n = 84 * n_dil
        return MiniRocketBank(np.arange(1, n_dil + 1), np.ones(n_dil, np.int64), np.zeros(n, np.float32),
                              np.asarray(per_comb, np.int64), np.asarray(channels, np.int64), 1)

    base = bank([1] * 83 + [2], [*range(83), 5, 6], 1)  # 84 combinations
    diff = bank([2] * 84 + [1] * 84, [9, 8] * 84 + [7] * 84, 2)  # 168: more dilations than the base
    out = with_base_channels(diff, base)
    np.testing.assert_array_equal(out.n_channels_per_combination, [1] * 83 + [2] + [1] * 84)
    np.testing.assert_array_equal(out.channel_indices, list(range(83)) + [5, 6] + [7] * 84)
    assert out.left_tap_shift == 1 and out.biases is diff.biases
