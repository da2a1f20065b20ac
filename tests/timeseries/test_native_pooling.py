"""Compiled pooling loops vs the numpy reference, and the estimators' engine choice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.timeseries import MiniRocket, MultiRocket, native_pooling
from anyconv.timeseries.minirocket_reference import reference_pooling

needs_native = pytest.mark.skipif(not native_pooling.available(), reason="compiled extension not built")


def _conv_with_ties(K: int, L: int, B: int, nf: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs ``(K, L, B)`` on a coarse grid and biases drawn from them: many exact ties."""
    rng = np.random.RandomState(seed)
    conv = np.round(rng.randn(K, L, B) * 2) / 2
    bias = np.stack([rng.choice(conv[k].ravel(), nf) for k in range(K)])
    return torch.tensor(conv, dtype=torch.float32), torch.tensor(bias, dtype=torch.float32)


def _ranges(K: int, L: int, d: int, j: int) -> torch.Tensor:
    return torch.from_numpy(native_pooling.pooled_ranges(K, j, d, L))


@needs_native
@pytest.mark.parametrize(("L", "B", "d", "dilation_index"), [(40, 8, 2, 0), (23, 16, 2, 1), (9, 24, 1, 0)])
def test_ppv_and_pool4_equal_reference_pooling(L: int, B: int, d: int, dilation_index: int) -> None:
    K, nf = 6, 3  # L = 9, d = 1: the centre of odd kernels is a single position
    conv, bias = _conv_with_ties(K, L, B, nf, seed=L)
    ranges = _ranges(K, L, d, dilation_index)
    F = K * nf
    ppv = torch.full((B, 2 + F), np.nan)  # 2 spare columns: col0 offset is honoured
    native_pooling.ppv_into(conv, bias, ranges, ppv, 2)
    four = torch.full((B, 4 * F), np.nan)
    native_pooling.pool4_into(conv, bias, ranges, four, 0, F)
    for i in range(B):
        for k in range(K):
            lo, hi = ranges[:, k].tolist()
            assert (lo, hi) == ((4 * d, L - 4 * d) if (dilation_index + k) % 2 else (0, L))
            for f in range(nf):
                expected = reference_pooling(conv[k, lo:hi, i].double().numpy(), float(bias[k, f]))
                col = k * nf + f
                assert ppv[i, 2 + col] == np.float32(expected[0])
                got = [four[i, col + m * F].item() for m in range(4)]
                np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@needs_native
def test_layout_errors_are_clear() -> None:
    conv, bias = _conv_with_ties(3, 20, 8, 2, seed=0)
    ranges = _ranges(3, 20, 1, 0)
    out = torch.empty(8, 6)
    with pytest.raises(ValueError, match="cases innermost .* multiple of 8"):
        native_pooling.ppv_into(conv[..., :5], bias, ranges, out[:5], 0)
    with pytest.raises(ValueError, match="cases innermost"):
        native_pooling.ppv_into(conv.transpose(1, 2).contiguous().transpose(1, 2), bias, ranges, out, 0)
    with pytest.raises(ValueError, match="float32 CPU tensor"):
        native_pooling.ppv_into(conv.double(), bias, ranges, out, 0)
    with pytest.raises(ValueError, match=r"ranges must be contiguous int64 \(2, 3\)"):
        native_pooling.ppv_into(conv, bias, ranges[:, :2], out, 0)


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n_cases, n_channels, length), axis=-1)


@needs_native
@pytest.mark.parametrize("cls", [MiniRocket, MultiRocket])
@pytest.mark.parametrize(("n_cases", "n_channels"), [(3, 1), (13, 2)])
def test_native_engine_equals_torch_engine_bitwise(cls, n_cases: int, n_channels: int) -> None:
    X = _series(n_cases, n_channels, 57, seed=n_cases)
    est = cls(n_kernels=252, random_state=0, engine="native").fit(X)
    native = est.transform(X)
    torch_ops = est.set_params(engine="torch").transform(X)
    # same float32 convolution outputs; PPV counts and divisions are exact operations
    np.testing.assert_array_equal(native[:, :252], torch_ops[:, :252])
    np.testing.assert_allclose(native, torch_ops, rtol=1e-6, atol=1e-6)


def test_engine_choice_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu = torch.device("cpu")
    assert native_pooling.choose_engine("torch", cpu) == "torch"
    assert native_pooling.choose_engine("auto", torch.device("cuda")) == "torch"
    assert native_pooling.choose_engine("auto", cpu, native_ok=False) == "torch"
    with pytest.raises(ValueError, match=r"engine must be one of \('auto', 'native', 'torch', 'reference'\), got 'fast'"):
        MiniRocket(engine="fast").fit(_series(3, 1, 20))
    with pytest.raises(ValueError, match="engine='native' runs on the CPU"):
        native_pooling.choose_engine("native", torch.device("cuda"))
    with pytest.raises(ValueError, match="not implemented for this estimator"):
        native_pooling.choose_engine("native", cpu, native_ok=False)
    # without the compiled library: "auto" falls back to torch, "native" says why it cannot run
    monkeypatch.setattr(native_pooling, "available", lambda: False)
    assert native_pooling.choose_engine("auto", cpu) == "torch"
    with pytest.raises(ValueError, match="was not built"):
        MultiRocket(engine="native").fit(_series(3, 1, 20))
    X = _series(4, 1, 30)
    np.testing.assert_array_equal(
        MiniRocket(n_kernels=84, random_state=0).fit_transform(X),
        MiniRocket(n_kernels=84, random_state=0, engine="torch").fit_transform(X),
    )
