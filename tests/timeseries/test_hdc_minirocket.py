"""HDC-MiniRocket: scale 0 equals MiniRocket, engine vs reference, time sensitivity."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from anyconv.timeseries import HDCMiniRocket, HDCMiniRocketClassifier, MiniRocket, native


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n_cases, n_channels, length), axis=-1)


ENGINES = [
    "torch",
    pytest.param("native", marks=pytest.mark.skipif(not native.available(), reason="compiled extension not built")),
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n_channels", [1, 2])
def test_scale_zero_equals_minirocket(n_channels: int, engine: str) -> None:
    X = _series(6, n_channels, 50)
    # the same engine: identical float32 outputs, so identical counts
    a = MiniRocket(n_kernels=500, random_state=5, engine=engine).fit_transform(X)
    b = HDCMiniRocket(scale=0, n_kernels=500, random_state=5, engine=engine).fit_transform(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("n_cases", "n_channels", "length", "scale"), [(4, 1, 40, 3.0), (11, 2, 37, 1.5), (9, 1, 120, 8.0)])
def test_engine_equals_reference(engine: str, n_cases: int, n_channels: int, length: int, scale: float) -> None:
    X = _series(n_cases, n_channels, length, seed=length)
    m = HDCMiniRocket(scale=scale, n_kernels=168, random_state=0, engine=engine).fit(X)
    fast = m.transform(X)
    slow = m.set_params(engine="reference").transform(X)  # float64 numpy loops
    np.testing.assert_allclose(fast, slow, atol=1e-5)


def test_time_encoding_sees_order_that_ppv_ignores() -> None:
    # two series made of the same two halves in swapped order: PPV of the
    # unpadded kernels is identical in the middle, the time code is not
    base = _series(1, 1, 80)[0, 0]
    X = np.stack([base, np.concatenate([base[40:], base[:40]])])[:, None, :]
    mini = MiniRocket(n_kernels=84, random_state=0).fit(X).transform(X)
    hdc = HDCMiniRocket(scale=4.0, n_kernels=84, random_state=0).fit(X).transform(X)
    assert np.abs(hdc[0] - hdc[1]).mean() > 2 * np.abs(mini[0] - mini[1]).mean()


def test_timestamp_code_similarity_is_sinc() -> None:
    phases = np.random.RandomState(0).uniform(-np.pi, np.pi, 200_000)
    s, a, b = 3.0, 0.2, 0.5
    code = lambda t: np.cos(phases * s * t) + np.sin(phases * s * t)  # noqa: E731
    sim = np.mean(code(a) * code(b))
    assert sim == pytest.approx(np.sinc(s * (a - b)), abs=0.01)


def test_pickle_params_and_learning() -> None:
    X = _series(5, 1, 40)
    m = HDCMiniRocket(scale=2.0, n_kernels=84, random_state=0).fit(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(m)).transform(X), m.transform(X))
    with pytest.raises(ValueError, match="scale must be a finite real number"):
        HDCMiniRocket(scale=float("nan")).fit(X)
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification

    X, y = load_classification("GunPoint", split="train")
    Xt, yt = load_classification("GunPoint", split="test")
    assert HDCMiniRocketClassifier(random_state=0).fit(X, y).score(Xt, yt) >= 0.97  # measured 0.993
