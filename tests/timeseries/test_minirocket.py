"""MiniRocket: sampling, engines (torch vs numpy reference vs aeon), estimator API, learning."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from anyconv.timeseries import MiniRocket, MiniRocketClassifier, native
from anyconv.timeseries.minirocket.engine import convolve_dilation, make_plan
from anyconv.timeseries.minirocket.kernels import (
    KERNEL_WEIGHTS,
    MiniRocketBank,
    fit_dilations,
    reference_order_outputs,
    reference_quantiles,
)
from anyconv.timeseries.minirocket.reference import reference_convolve


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n_cases, n_channels, length), axis=-1)


def test_kernels_and_dilations_follow_reference() -> None:
    assert KERNEL_WEIGHTS.shape == (84, 9)
    assert (np.sort(KERNEL_WEIGHTS, axis=1)[:, -3:] == 2).all() and (KERNEL_WEIGHTS.sum(1) == 0).all()
    d, nf = fit_dilations(427, 10_000, 32)
    assert d[0] == 1 and d[-1] == 53 and nf.sum() == 119  # 10_000 // 84 features per kernel
    assert MiniRocket(random_state=0).fit(_series(3, 1, 60)).n_features_out_ == 9_996


@pytest.mark.parametrize("shift", [0, 1])
def test_engine_convolution_equals_reference(shift: int) -> None:
    X = _series(2, 1, 40)
    bank = MiniRocketBank(np.array([1, 3]), np.array([1, 1]), np.zeros(168, np.float32),
                          np.ones(168, np.int64), np.zeros(168, np.int64), shift)
    plan = make_plan(bank, 1, dtype=torch.float64, device=torch.device("cpu"))
    for j, d in enumerate(bank.dilations):
        C = convolve_dilation(torch.as_tensor(X), plan, j).numpy()  # (2, 84, 40)
        for k in (0, 17, 83):
            np.testing.assert_allclose(C[1, k], reference_convolve(X[1, 0], k, int(d), shift), atol=1e-9)


@pytest.mark.parametrize(
    ("n_cases", "n_channels", "batch_size"),
    [(5, 1, None), (5, 3, None), (13, 1, None), (13, 2, 11)],  # 13, 11: padded to 8k cases
)
@pytest.mark.parametrize("engine", ["torch", "auto"])  # "auto": the native loop where built
def test_torch_engine_equals_numpy_reference(
    n_cases: int, n_channels: int, batch_size: int | None, engine: str
) -> None:
    X = _series(n_cases, n_channels, 35, seed=n_channels)
    m = MiniRocket(n_kernels=200, random_state=1, batch_size=batch_size, engine=engine).fit(X)
    fast = m.transform(X)
    slow = m.set_params(engine="reference").transform(X)
    # float32 engine vs float64 loops: a count can only differ where C is within rounding of b
    assert np.mean(fast != slow) < 1e-3
    assert np.abs(fast - slow).max() <= 1 / (35 - 8) + 1e-6


@pytest.mark.parametrize("engine", ["torch", "auto"])
def test_features_equal_aeon_on_same_parameters(engine: str) -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification
    from aeon.transformations.collection.convolution_based import MiniRocket as AeonMiniRocket

    for name in ("GunPoint", "BasicMotions"):
        X, _ = load_classification(name, split="train")
        X = X[:20]
        aeon = AeonMiniRocket(n_kernels=2_000, random_state=0).fit(X)
        per_comb, channels, dilations, nf, biases = aeon.parameters
        ours = MiniRocket(n_kernels=2_000, random_state=0, engine=engine).fit(X)
        ours.bank_ = MiniRocketBank(dilations.astype(np.int64), nf.astype(np.int64), biases,
                                    per_comb.astype(np.int64), channels.astype(np.int64))
        a, b = aeon.transform(X), ours.transform(X)
        assert a.shape == b.shape
        # identical up to float32 rounding ties at the bias (one count, rare)
        assert np.mean(a != b) < 1e-3, name
        assert np.abs(a - b).max() <= 1 / (X.shape[-1] - 8 * dilations.max()) + 1e-6, name


def test_determinism_seeds_batches_threads_and_pickle() -> None:
    X = _series(9, 2, 50)
    a = MiniRocket(n_kernels=300, random_state=3).fit(X)
    b = MiniRocket(n_kernels=300, random_state=3, batch_size=2, n_jobs=2).fit(X)
    c = MiniRocket(n_kernels=300, random_state=4).fit(X)
    np.testing.assert_array_equal(a.transform(X), b.transform(X))
    assert not np.array_equal(a.bank_.biases, c.bank_.biases)
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.transform(X), a.transform(X))


def test_fit_keeps_params_and_restores_threads() -> None:
    est = MiniRocket(n_kernels=100, random_state=0, n_jobs=2)
    before = est.get_params()
    threads = torch.get_num_threads()
    est.fit_transform(_series(4, 1, 30))
    assert est.get_params() == before and torch.get_num_threads() == threads


def test_errors_not_fitted_wrong_shape_bad_params() -> None:
    X = _series(4, 2, 30)
    with pytest.raises(NotFittedError, match="not fitted"):
        MiniRocket().transform(X)
    m = MiniRocket(n_kernels=84, random_state=0).fit(X)
    with pytest.raises(ValueError, match="X has 1 channel\\(s\\), but the estimator was fitted with 2"):
        m.transform(X[:, :1])
    with pytest.raises(ValueError, match="X has 25 timepoints, but the estimator was fitted with 30"):
        m.transform(X[..., :25])
    with pytest.raises(ValueError, match="n_timepoints must be >= 9, got 5"):
        MiniRocket().fit(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="n_kernels must be an int >= 1"):
        MiniRocket(n_kernels=0).fit(X)
    with pytest.raises(ValueError, match="device"):
        MiniRocket(device="tpu").fit(X)


def test_learns_gunpoint() -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification

    X, y = load_classification("GunPoint", split="train")
    Xt, yt = load_classification("GunPoint", split="test")
    clf = MiniRocketClassifier(random_state=0).fit(X, y)
    # measured 0.993 (published mean 0.992); chance is 0.5, a broken transform ~0.7-0.9
    assert clf.score(Xt, yt) >= 0.97
    assert set(clf.classes_) == set(np.unique(y)) and clf.estimator_ == "ridge"


def test_int_seed_draws_aeons_kernels_and_features() -> None:
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification
    from aeon.transformations.collection.convolution_based import MiniRocket as AeonMiniRocket

    for name in ("GunPoint", "BasicMotions"):
        X, _ = load_classification(name, split="train")
        X = X[:25].astype(np.float32)
        per_comb, channels, dilations, nf, biases = AeonMiniRocket(n_kernels=1_000, random_state=11).fit(X).parameters
        bank = MiniRocket(n_kernels=1_000, random_state=11).fit(X).bank_
        np.testing.assert_array_equal(bank.dilations, dilations)
        np.testing.assert_array_equal(bank.n_features_per_dilation, nf)
        if X.shape[1] > 1:  # aeon draws channel subsets; univariate ones are all channel 0
            np.testing.assert_array_equal(bank.n_channels_per_combination, per_comb)
            np.testing.assert_array_equal(bank.channel_indices, channels)
        # same case behind every bias, outputs and quantiles computed in aeon's order
        np.testing.assert_array_equal(bank.biases, biases)
        a = AeonMiniRocket(n_kernels=1_000, random_state=11).fit(X).transform(X)
        for engine, equal in (("torch", 0.999), ("auto", 1.0 if native.available() else 0.999)):
            b = MiniRocket(n_kernels=1_000, random_state=11, engine=engine).fit(X).transform(X)
            assert np.mean(a == b) >= equal, (name, engine)  # "native": bit for bit


def test_reference_order_outputs_and_quantiles() -> None:
    X = _series(84, 2, 40, seed=5).astype(np.float32)
    out = reference_order_outputs(X, 3)  # (84, 2, 40): kernel k on case k
    for k in (0, 41, 83):
        for c in range(2):
            np.testing.assert_allclose(out[k, c], reference_convolve(X[k, c].astype(np.float64), k, 3), atol=1e-4)
    q = np.random.RandomState(0).rand(3, 7).astype(np.float32)
    q[0, :2] = [0.0, 1.0]
    values = X[:3, 0]
    np.testing.assert_allclose(
        reference_quantiles(values, q), np.stack([np.quantile(values[r].astype(np.float64), q[r].astype(np.float64)) for r in range(3)]),
        rtol=1e-9, atol=1e-9,
    )
