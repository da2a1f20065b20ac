"""Hydra / MultiRocket-Hydra: numpy sampling, torch engine vs numpy loops vs aeon (injected bank), classifiers."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from anyconv.timeseries import Hydra, HydraClassifier, MultiRocketHydra, MultiRocketHydraClassifier
from anyconv.timeseries.hydra import SparseScaler, bank_from_aeon, sample_hydra_bank
from anyconv.timeseries.hydra.engine import hydra_transform, make_plan
from anyconv.timeseries.hydra.kernels import hydra_dilations
from anyconv.timeseries.hydra.reference import reference_hydra


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    return np.random.RandomState(seed).randn(n_cases, n_channels, length).cumsum(-1).astype(np.float32)


def _aeon_hydra(X: np.ndarray, **kwargs):
    pytest.importorskip("aeon")
    from aeon.transformations.collection.convolution_based import HydraTransformer

    return HydraTransformer(output_type="numpy", **kwargs).fit(X)


def test_bank_sampling_follows_reference() -> None:
    for L, expected in [(9, [1]), (16, [1]), (17, [1, 2]), (33, [1, 2, 4]), (150, [1, 2, 4, 8, 16])]:
        assert hydra_dilations(L).tolist() == expected
    bank = sample_hydra_bank(150, 5, 8, 64, 8, np.random.RandomState(3))
    assert bank.weights.shape == (5, 2, 8 * 32, 9) and bank.weights.dtype == np.float32
    np.testing.assert_allclose(bank.weights.mean(-1), 0, atol=1e-7)
    np.testing.assert_allclose(np.abs(bank.weights).sum(-1), 1, rtol=1e-6)
    assert bank.channels.shape == (5, 2, 32, 2)  # clip(5 // 2, 2, 8) channels per group
    assert bank.channels.min() >= 0 and bank.channels.max() == 4
    assert bank.n_features == 5 * 2 * 2 * 32 * 8
    assert sample_hydra_bank(150, 20, 8, 64, 8, np.random.RandomState(0)).channels.shape[-1] == 8
    # numpy stream: weights first, then per dilation the indices
    rng = np.random.RandomState(7)
    W = rng.standard_normal((5, 2, 8 * 32, 9)).astype(np.float32)
    W = (W - W.mean(-1, keepdims=True)) / np.abs(W - W.mean(-1, keepdims=True)).sum(-1, keepdims=True)
    again = sample_hydra_bank(150, 5, 8, 64, 8, np.random.RandomState(7))
    np.testing.assert_allclose(again.weights, W, rtol=1e-6)
    assert np.array_equal(again.channels[0], rng.randint(0, 5, size=(2, 32, 2)))
    one = sample_hydra_bank(150, 1, 4, 1, 8, np.random.RandomState(0))  # g = 1: no difference
    assert (one.divisor, one.h) == (1, 1) and one.n_features == 5 * 2 * 4


@pytest.mark.parametrize("n_channels", [1, 4])
def test_reference_and_torch_engine_equal_aeon_on_its_bank(n_channels: int) -> None:
    X = _series(5, n_channels, 40, seed=n_channels)
    aeon = _aeon_hydra(X, n_groups=8, random_state=1)
    bank = bank_from_aeon(aeon)
    expected = aeon.transform(X)
    np.testing.assert_allclose(reference_hydra(X, bank), expected, rtol=1e-5, atol=1e-5)
    ours = Hydra(n_groups=8, bank=bank, engine="torch").fit(X).transform(X)
    np.testing.assert_allclose(ours, expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("g", [1, 2, 5])
def test_torch_engine_float64_equals_reference_loops(g: int) -> None:
    X = _series(4, 3, 37, seed=g)
    bank = sample_hydra_bank(37, 3, 3, g, 8, np.random.RandomState(g))
    got = hydra_transform(torch.as_tensor(X, dtype=torch.float64), make_plan(bank, 3, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), reference_hydra(X, bank), rtol=1e-10, atol=1e-10)
    uni = sample_hydra_bank(37, 1, 3, g, 8, np.random.RandomState(g))
    got = hydra_transform(torch.as_tensor(X[:, :1], dtype=torch.float64), make_plan(uni, 1, dtype=torch.float64))
    np.testing.assert_allclose(got.numpy(), reference_hydra(X[:, :1], uni), rtol=1e-10, atol=1e-10)


def test_competition_counts_by_hand() -> None:
    """Two kernels, one dilation: the larger response adds itself, the smaller adds 1."""
    X = np.zeros((1, 1, 9))
    X[0, 0, 4] = 1.0  # an impulse at the centre: response at t is w[4 - t + 4]
    bank = sample_hydra_bank(9, 1, 2, 1, 8, np.random.RandomState(0))
    w = bank.weights[0, 0].astype(np.float64)  # (2, 9)
    responses = np.stack([w[:, 8 - t] for t in range(9)])  # (t, kernel)
    want_max = np.zeros(2)
    want_min = np.zeros(2)
    for r in responses:
        want_max[r.argmax()] += r.max()
        want_min[r.argmin()] += 1
    np.testing.assert_allclose(reference_hydra(X, bank)[0], np.r_[want_max, want_min], atol=1e-12)
    got = Hydra(n_kernels=2, n_groups=1, engine="torch", bank=bank).fit(X).transform(X)[0]
    np.testing.assert_allclose(got, np.r_[want_max, want_min], atol=1e-6)


def test_sparse_scaler_equals_aeons() -> None:
    pytest.importorskip("aeon")
    from aeon.classification.convolution_based._hydra import _SparseScaler

    F = np.random.RandomState(0).poisson(0.7, size=(30, 12)).astype(np.float32) * 1.5
    F[:, 3] = 0  # an all-zero feature
    ours = SparseScaler().fit(F[:20]).transform(F[20:])
    theirs = _SparseScaler()
    theirs.fit(torch.as_tensor(F[:20]))
    np.testing.assert_allclose(ours, theirs.transform(torch.as_tensor(F[20:])).numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["GunPoint", "BasicMotions"])
def test_classifier_accuracy_equals_aeon_on_injected_bank(name: str) -> None:
    pytest.importorskip("aeon")
    from aeon.classification.convolution_based import HydraClassifier as AeonHydra
    from aeon.datasets import load_classification

    X, y = load_classification(name, split="train")
    Xt, yt = load_classification(name, split="test")
    aeon = AeonHydra(n_groups=16, random_state=0).fit(X, y)
    bank = bank_from_aeon(aeon.clf_.steps[0][1])
    ours = HydraClassifier(n_groups=16, bank=bank).fit(X, y)
    assert abs((ours.predict(Xt) == yt).mean() - (aeon.predict(Xt) == yt).mean()) <= 0.005
    own = HydraClassifier(n_groups=16, random_state=0).fit(X, y)  # our own numpy-drawn bank
    assert (own.predict(Xt) == yt).mean() >= 0.95


def test_multirocket_hydra_equals_aeon_on_injected_bank() -> None:
    pytest.importorskip("aeon")
    from aeon.classification.convolution_based import MultiRocketHydraClassifier as AeonMRH
    from aeon.datasets import load_classification

    X, y = load_classification("GunPoint", split="train")
    Xt, yt = load_classification("GunPoint", split="test")
    Xt, yt = Xt[::2], yt[::2]  # 75 test cases: enough to compare, half the time
    aeon = AeonMRH(n_groups=16, random_state=0).fit(X, y)
    bank = bank_from_aeon(aeon._transform_hydra)
    ours = MultiRocketHydraClassifier(n_groups=16, bank=bank, random_state=0).fit(X, y)
    F_ours = ours.transformer_.transform(Xt)
    F_aeon = np.concatenate([aeon._scale_hydra.transform(aeon._transform_hydra.transform(Xt)).numpy(),
                             aeon._scale_multirocket.transform(aeon._transform_multirocket.transform(Xt))], 1)
    nh = ours.transformer_.n_hydra_features_
    # Hydra block: raw counts equal within float32 rounding (the native loop sums in its own order) ...
    raw_aeon = np.asarray(aeon._transform_hydra.transform(Xt))
    np.testing.assert_allclose(ours.transformer_.transformer.hydra_.transform(Xt), raw_aeon, rtol=1e-5, atol=1e-4)
    # ... and the sparse scaler's sqrt amplifies a rounding-size difference only in counts near 0
    assert np.mean(np.isclose(F_ours[:, :nh], F_aeon[:, :nh], rtol=1e-4, atol=1e-4)) > 0.999
    # MultiRocket block: equal but where an output ties a bias (summation order, see multirocket.py)
    assert np.mean(np.isclose(F_ours[:, nh:], F_aeon[:, nh:], rtol=1e-3, atol=1e-3)) > 0.995
    assert abs((ours.predict(Xt) == yt).mean() - (aeon.predict(Xt) == yt).mean()) <= 0.005
    assert nh == 5 * 2 * 16 * 8  # dilations 1..16, (series, diff), 16 groups, 8 kernels


def test_determinism_pickle_and_batches() -> None:
    X = _series(11, 2, 30)
    a = Hydra(n_groups=4, random_state=5).fit(X)
    b = Hydra(n_groups=4, random_state=5, batch_size=3, n_jobs=2).fit(X)
    np.testing.assert_array_equal(a.bank_.weights, b.bank_.weights)
    np.testing.assert_allclose(a.transform(X), b.transform(X), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(a)).transform(X), a.transform(X))
    assert not np.array_equal(Hydra(n_groups=4, random_state=6).fit(X).bank_.weights, a.bank_.weights)
    clf = HydraClassifier(n_groups=4, random_state=0).fit(X, np.arange(11) % 2)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(clf)).decision_function(X), clf.decision_function(X))


def test_errors() -> None:
    X = _series(6, 2, 30)
    with pytest.raises(NotFittedError):
        Hydra().transform(X)
    with pytest.raises(NotFittedError):
        HydraClassifier().predict(X)
    fitted = Hydra(n_groups=4, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"channel|timepoint"):
        fitted.transform(_series(6, 3, 30))
    with pytest.raises(ValueError, match=r"channel|timepoint"):
        fitted.transform(_series(6, 2, 31))
    with pytest.raises(ValueError, match="n_timepoints"):
        Hydra().fit(_series(3, 1, 8))
    with pytest.raises(ValueError, match="engine"):
        Hydra(engine="fast").fit(X)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_groups"):
        Hydra(n_groups=0).fit(X)
    with pytest.raises(ValueError, match="bank does not fit"):
        Hydra(n_groups=4, bank=fitted.bank_).fit(_series(6, 2, 80))
    with pytest.raises(ValueError, match="bank must be"):
        Hydra(bank="weights").fit(X)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="classes"):
        HydraClassifier().fit(X, np.zeros(6))


def test_multirocket_hydra_layout() -> None:
    X = _series(6, 1, 40)
    m = MultiRocketHydra(n_groups=4, n_multirocket_kernels=84, random_state=0).fit(X)
    F = m.transform(X)
    assert F.shape == (6, m.n_features_out_) and F.dtype == np.float32
    np.testing.assert_array_equal(F[:, : m.n_hydra_features_], m.hydra_.transform(X))
    np.testing.assert_array_equal(F[:, m.n_hydra_features_ :], m.multirocket_.transform(X))


def test_regressor_equals_aeon_on_injected_bank() -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_regression
    from aeon.regression.convolution_based import HydraRegressor as AeonHydraRegressor

    from anyconv.timeseries import HydraRegressor

    X, y = load_regression("Covid3Month", split="train")
    Xt, yt = load_regression("Covid3Month", split="test")
    aeon = AeonHydraRegressor(n_groups=16, random_state=0).fit(X, y)
    bank = bank_from_aeon(aeon._clf.steps[0][1])  # aeon's pipeline: HydraTransformer, scaler, RidgeCV
    ours = HydraRegressor(n_groups=16, bank=bank).fit(X, y)
    np.testing.assert_allclose(ours.predict(Xt), aeon.predict(Xt), rtol=1e-5, atol=1e-6)
    assert np.sqrt(np.mean((ours.predict(Xt) - yt) ** 2)) < 0.06  # aeon: 0.0427 on this bank


def test_multirocket_hydra_regressor_runs_and_fits() -> None:
    from anyconv.timeseries import MultiRocketHydraRegressor

    X = _series(30, 1, 40)
    y = X[:, 0, -1] - X[:, 0, 0]  # a function of the series
    reg = MultiRocketHydraRegressor(n_groups=4, n_multirocket_kernels=84, random_state=0).fit(X[:20], y[:20])
    pred = reg.predict(X[20:])
    assert pred.shape == (10,) and np.all(np.isfinite(pred))
    assert np.mean((pred - y[20:]) ** 2) < np.var(y[20:])  # better than predicting the mean
