"""Compiled loops (MiniRocket-family pooling, Rocket, LightWaveS) vs the numpy references; engine choice."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anyconv.timeseries import LightWaveS, MiniRocket, MultiRocket, Rocket, native
from anyconv.timeseries.lightwaves import native as lw_native
from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels
from anyconv.timeseries.lightwaves.native import apply_lightwaves_native, plan_lightwaves_native
from anyconv.timeseries.lightwaves.reference import apply_lightwaves_reference
from anyconv.timeseries.minirocket import native as mr_native
from anyconv.timeseries.minirocket.native import fused_bank, ppv_transform_fused
from anyconv.timeseries.minirocket.reference import reference_pooling
from anyconv.timeseries.rocket import native as rk_native
from anyconv.timeseries.rocket.kernels import sample_rocket_kernels
from anyconv.timeseries.rocket.native import apply_rocket_native, plan_rocket_native
from anyconv.timeseries.rocket.reference import apply_rocket_reference

from ._ties import (
    assert_counts_within,
    count_bounds,
    lightwaves_layers,
    longest_ending_stretch,
    minirocket_outputs,
    rocket_outputs,
)

needs_native = pytest.mark.skipif(not native.available(), reason="compiled extension not built")


def _conv_with_ties(K: int, L: int, B: int, nf: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs ``(K, L, B)`` on a coarse grid and biases drawn from them: many exact ties."""
    rng = np.random.RandomState(seed)
    conv = np.round(rng.randn(K, L, B) * 2) / 2
    bias = np.stack([rng.choice(conv[k].ravel(), nf) for k in range(K)])
    return torch.tensor(conv, dtype=torch.float32), torch.tensor(bias, dtype=torch.float32)


def _ranges(K: int, L: int, d: int, j: int) -> torch.Tensor:
    return torch.from_numpy(mr_native.pooled_ranges(K, j, d, L))


@needs_native
@pytest.mark.parametrize(("L", "B", "d", "dilation_index"), [(40, 8, 2, 0), (23, 16, 2, 1), (9, 24, 1, 0)])
def test_pool4_equals_reference_pooling(L: int, B: int, d: int, dilation_index: int) -> None:
    K, nf = 6, 3  # L = 9, d = 1: the centre of odd kernels is a single position
    conv, bias = _conv_with_ties(K, L, B, nf, seed=L)
    ranges = _ranges(K, L, d, dilation_index)
    F = K * nf
    four = torch.full((B, 2 + 4 * F), np.nan)  # 2 spare columns: col0 offset is honoured
    mr_native.pool4_into(conv, bias, ranges, four, 2, F)
    for i in range(B):
        for k in range(K):
            lo, hi = ranges[:, k].tolist()
            assert (lo, hi) == ((4 * d, L - 4 * d) if (dilation_index + k) % 2 else (0, L))
            for f in range(nf):
                expected = reference_pooling(conv[k, lo:hi, i].double().numpy(), float(bias[k, f]))
                col = 2 + k * nf + f
                assert four[i, col] == np.float32(expected[0])
                got = [four[i, col + m * F].item() for m in range(4)]
                np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-6)


@needs_native
def test_layout_errors_are_clear() -> None:
    conv, bias = _conv_with_ties(3, 20, 8, 2, seed=0)
    ranges = _ranges(3, 20, 1, 0)
    out = torch.empty(8, 24)
    with pytest.raises(ValueError, match=r"cases innermost .* multiple of 8"):
        mr_native.pool4_into(conv[..., :5], bias, ranges, out[:5], 0, 6)
    with pytest.raises(ValueError, match="cases innermost"):
        mr_native.pool4_into(conv.transpose(1, 2).contiguous().transpose(1, 2), bias, ranges, out, 0, 6)
    with pytest.raises(ValueError, match="float32 CPU tensor"):
        mr_native.pool4_into(conv.double(), bias, ranges, out, 0, 6)
    with pytest.raises(ValueError, match=r"ranges must be contiguous int64 \(2, 3\)"):
        mr_native.pool4_into(conv, bias, ranges[:, :2], out, 0, 6)


def _series(n_cases: int, n_channels: int, length: int, seed: int = 0) -> np.ndarray:
    rng = np.random.RandomState(seed)
    return np.cumsum(rng.randn(n_cases, n_channels, length), axis=-1)


@needs_native
@pytest.mark.parametrize(("n_cases", "n_channels"), [(3, 1), (13, 2)])
def test_native_engines_agree_with_torch_engines(n_cases: int, n_channels: int) -> None:
    X = _series(n_cases, n_channels, 57, seed=n_cases)
    # MultiRocket: outputs summed in aeon's order (native) vs a GEMM (torch), and MPV summing
    # C + b rounded per position (aeon) vs C in double: without ties (these random walks)
    # PPV, LSPV, MIPV are equal, MPV within float32 rounding of its terms
    est = MultiRocket(n_kernels=252, random_state=0, engine="native").fit(X)
    native_out = est.transform(X)
    torch_out = est.set_params(engine="torch").transform(X)
    F = 4 * 252  # per representation: [PPV | LSPV | MPV | MIPV], 252 each
    for rep in (0, F):
        np.testing.assert_array_equal(native_out[:, rep : rep + 504], torch_out[:, rep : rep + 504])
        np.testing.assert_array_equal(native_out[:, rep + 756 : rep + F], torch_out[:, rep + 756 : rep + F])
    np.testing.assert_allclose(native_out, torch_out, rtol=1e-5, atol=1e-5)
    # MiniRocket: outputs summed in another order (aeon's vs a GEMM): a count can
    # differ only where an output ties its bias within rounding
    est = MiniRocket(n_kernels=252, random_state=0, engine="native").fit(X)
    native_out = est.transform(X)
    torch_out = est.set_params(engine="torch").transform(X)
    assert np.mean(native_out != torch_out) < 1e-3
    assert np.abs(native_out - torch_out).max() <= 1 / (57 - 8 * 6) + 1e-6


@needs_native
@pytest.mark.parametrize(("n_cases", "n_channels", "shift"), [(5, 1, 0), (13, 3, 0), (9, 2, 1)])
def test_fused_minirocket_equals_numpy_reference(n_cases: int, n_channels: int, shift: int) -> None:
    X = _series(n_cases, n_channels, 45, seed=n_channels).astype(np.float32)
    bank = MiniRocket(n_kernels=300, random_state=2).fit(X).bank_
    bank.left_tap_shift = shift  # MultiRocket's difference quirk: left taps one step later
    got = ppv_transform_fused(torch.as_tensor(X), fused_bank(bank), shift).numpy()
    assert got.shape == (n_cases, bank.n_features)
    # the reference's outputs (reference_combination_output, as reference_minirocket uses them):
    # exact: every count inside its tie bounds (see _ties); ties are rare, so the bounds are tight
    n_ties = 0
    for i in range(n_cases):
        f0 = 0
        for out, tol, biases in minirocket_outputs(X[i], bank):
            lo, hi = count_bounds(out[None, :], biases[:, None], tol[None, :])
            assert_counts_within(got[i, f0 : f0 + biases.size], out.size, lo, hi, f"case {i} features {f0}..")
            n_ties += int((hi - lo).sum())
            f0 += biases.size
    assert n_ties <= 1e-3 * got.size * 45  # a tie mask hiding a broken kernel would be far larger


@needs_native
def test_fused_minirocket_argument_errors() -> None:
    X = _series(8, 2, 30).astype(np.float32)
    bank = fused_bank(MiniRocket(n_kernels=84, random_state=0).fit(X).bank_)
    pad = 4 * int(bank["dilations"].max())
    xp = torch.zeros((2, 30 + 2 * pad, 8))
    out = torch.empty((8, 84))
    mr_native.minirocket_into(xp, 30, pad, bank, 0, out)
    with pytest.raises(ValueError, match="B % 8 == 0"):
        mr_native.minirocket_into(xp[..., :3].contiguous(), 30, pad, bank, 0, out[:3])
    with pytest.raises(ValueError, match="channel ids must lie in \\[0, 1\\)"):
        mr_native.minirocket_into(xp[:1].contiguous(), 30, pad, bank, 0, out)
    with pytest.raises(ValueError, match="84 \\* sum\\(nf\\) = 84 values"):
        mr_native.minirocket_into(xp, 30, pad, {**bank, "biases": bank["biases"][:10]}, 0, out)
    with pytest.raises(ValueError, match="out of range for the native loop"):
        mr_native.minirocket_into(xp, 30, pad, bank, pad, out)  # shift pushes taps past the padding
    xp[:, pad : pad + 30] = torch.randn(2, 30, 8)
    mr_native.minirocket_into(xp, 30, pad, bank, 0, out)
    ppv = out.clone()
    rotations = torch.tensor([[1.0, 0.0, 1.0, 0.0]] * 84, dtype=torch.float64)  # w = 0: every code is 1
    mr_native.minirocket_into(xp, 30, pad, bank, 0, out, rotations)
    torch.testing.assert_close(out, ppv, rtol=0, atol=0)  # HDC at w = 0 is the PPV
    with pytest.raises(ValueError, match=r"rotations must be contiguous float64 \(84, 4\)"):
        mr_native.minirocket_into(xp, 30, pad, bank, 0, out, rotations.float())
    with pytest.raises(ValueError, match=r"rotations must be contiguous float64 \(84, 4\)"):
        mr_native.minirocket_into(xp, 30, pad, bank, 0, out, rotations[:10])


def test_engine_choice_and_errors(without_library: None) -> None:
    cpu = torch.device("cpu")
    assert native.choose_engine("torch", cpu) == "torch"
    assert native.choose_engine("auto", torch.device("cuda")) == "torch"
    assert native.choose_engine("auto", cpu, native_ok=False) == "torch"
    with pytest.raises(ValueError, match=r"engine must be one of \('auto', 'native', 'torch', 'reference'\), got 'fast'"):
        MiniRocket(engine="fast").fit(_series(3, 1, 20))
    with pytest.raises(ValueError, match="engine='native' runs on the CPU"):
        native.choose_engine("native", torch.device("cuda"))
    with pytest.raises(ValueError, match="not implemented for this estimator"):
        native.choose_engine("native", cpu, native_ok=False)
    # without the compiled library: "auto" falls back to torch, "native" says why it cannot run
    with pytest.warns(UserWarning, match="was not built"):
        assert native.choose_engine("auto", cpu) == "torch"
    with pytest.raises(ValueError, match="was not built"):
        MultiRocket(engine="native").fit(_series(3, 1, 20))
    X = _series(4, 1, 30)
    np.testing.assert_array_equal(
        MiniRocket(n_kernels=84, random_state=0).fit_transform(X),
        MiniRocket(n_kernels=84, random_state=0, engine="torch").fit_transform(X),
    )


@needs_native
# odd L; one case block + tail; shortest; UnitTest-sized. Short series: the taps of large
# dilations reach only padding (the loop skips them)
@pytest.mark.parametrize(("n_cases", "length"), [(3, 37), (11, 40), (8, 9), (22, 24)])
def test_native_lightwaves_equals_numpy_reference(n_cases: int, length: int) -> None:
    rng = np.random.RandomState(length)
    X = rng.randn(n_cases, 2, length)
    ids = rng.choice(2 * 4032, 120, replace=False)  # kernels on both channels, all six dilations
    bank = LightWaveSKernels.from_feature_ids(ids)
    got = apply_lightwaves_native(X.astype(np.float32), plan_lightwaves_native(bank))
    assert got.shape == (n_cases, bank.n_features)
    # the reference's layer outputs (lightwaves_layer_reference, as apply_lightwaves_reference uses it)
    # exact up to ties (see _ties): counts inside their tie bounds, max/min |s| within the
    # rounding bound; the stretch feature is compared exactly wherever its layer has no tie
    weights, dilations = bank.weights(), bank.dilations()
    full = np.full((n_cases, bank.n_kernels * 8), np.nan)
    full[:, np.flatnonzero(bank.feature_mask.ravel())] = got
    full = full.reshape(n_cases, bank.n_kernels, 8)
    tied = 0
    for i in range(n_cases):
        for k in range(bank.n_kernels):
            layers = lightwaves_layers(X[i, bank.channels[k]], weights[k], int(dilations[k]))
            for layer, (out, tol) in enumerate(layers):
                f = full[i, k, 4 * layer : 4 * layer + 4]
                lo, hi = count_bounds(out, 0.0, tol)
                if not np.isnan(f[0]):
                    assert_counts_within(f[0], out.size, lo, hi, f"case {i} kernel {k} layer {layer + 1} ppv")
                for col, value in ((1, np.abs(out).max()), (3, np.abs(out).min())):
                    if not np.isnan(f[col]):
                        assert abs(f[col] - value) <= tol.max() + 1e-7 * value, (i, k, layer, col)
                if not np.isnan(f[2]) and lo == hi:
                    assert np.rint(f[2] * out.size) == longest_ending_stretch(out > 0), (i, k, layer)
                tied += int(hi - lo)
    assert tied <= 1e-3 * n_cases * bank.n_kernels * length


@needs_native
def test_native_lightwaves_stretch_quirk_and_constant_input() -> None:
    ramp = np.arange(12.0, dtype=np.float32)[None, None].repeat(8, axis=0)  # (8, 1, 12)
    bank = LightWaveSKernels.from_feature_ids(np.arange(8))  # kernel 0, dilation 1, all 8 features
    native_out = apply_lightwaves_native(ramp, plan_lightwaves_native(bank))
    np.testing.assert_allclose(native_out, apply_lightwaves_reference(ramp.astype(np.float64), bank), atol=1e-5)
    zeros = apply_lightwaves_native(np.zeros((8, 1, 12), np.float32), plan_lightwaves_native(bank))
    np.testing.assert_array_equal(zeros, 0.0)  # no positive value, |s| = 0 everywhere


@needs_native
def test_native_lightwaves_argument_errors() -> None:
    plan = plan_lightwaves_native(LightWaveSKernels.from_feature_ids(np.arange(8 * 6)))  # dilations 1 .. 32
    x = torch.zeros((1, 20 + 2 * plan.pad, 8))
    out = torch.empty((8, 8 * 6))
    args = (plan.channel, plan.dilation, plan.weight, plan.second)
    lw_native.lightwaves_into(x, 20, plan.pad, *args, out)
    with pytest.raises(ValueError, match="B % 8 == 0"):
        lw_native.lightwaves_into(x[..., :5].contiguous(), 20, plan.pad, *args, out[:5])
    with pytest.raises(ValueError, match="expected 21 \\+ 2 \\* 128"):
        lw_native.lightwaves_into(x, 21, plan.pad, *args, out)
    with pytest.raises(ValueError, match=r"dilations must lie in \[1, pad / 4 = 2\], got 1..32"):
        lw_native.lightwaves_into(x[:, :36].contiguous(), 20, 8, *args, out)
    with pytest.raises(ValueError, match="channel ids must lie in \\[0, 1\\)"):
        lw_native.lightwaves_into(x, 20, plan.pad, plan.channel + 1, *args[1:], out)
    with pytest.raises(ValueError, match=r"weight must be contiguous torch.float32"):
        lw_native.lightwaves_into(x, 20, plan.pad, *args[:2], plan.weight.double(), args[3], out)


@needs_native
def test_lightwaves_estimator_engines_agree() -> None:
    rng = np.random.RandomState(0)
    X, y = rng.randn(20, 2, 50), np.arange(20) % 2
    X[y == 1, 1] += np.sin(np.linspace(0, 6, 50))
    est = LightWaveS(n_features=40, random_state=0, engine="native").fit(X, y)
    native_out = est.transform(X)
    torch_out = est.set_params(engine="torch").transform(X)
    assert np.isclose(native_out, torch_out, rtol=1e-5, atol=1e-5).mean() >= 0.995
    with pytest.raises(ValueError, match="got 'reference'"):
        LightWaveS(engine="reference").fit(X, y)


@needs_native
@pytest.mark.parametrize(("n_cases", "n_channels", "length"), [(3, 1, 30), (11, 3, 17), (8, 2, 5)])  # 5: shorter than kernels
def test_native_rocket_equals_numpy_reference(n_cases: int, n_channels: int, length: int) -> None:
    rng = np.random.RandomState(length)
    X = rng.randn(n_cases, n_channels, length).astype(np.float32)
    bank = sample_rocket_kernels(length, n_channels, 200, rng)
    ref = apply_rocket_reference(X.astype(np.float64), bank)
    got = apply_rocket_native(X, plan_rocket_native(bank))
    assert got.shape == ref.shape == (n_cases, 400)
    # exact up to ties (see _ties): each PPV count inside its tie bounds, each max within
    # the rounding bound of the float64 max
    tied = 0
    for k, (out, tol) in enumerate(rocket_outputs(X, bank)):
        lo, hi = count_bounds(out, 0.0, tol)
        assert_counts_within(got[:, 2 * k], out.shape[1], lo, hi, f"kernel {k} PPV")
        np.testing.assert_array_less(np.abs(got[:, 2 * k + 1] - out.max(1)), tol.max(1) + 1e-7)
        np.testing.assert_allclose(ref[:, 2 * k + 1], out.max(1), rtol=1e-6, atol=1e-6)  # oracle and helper agree
        tied += int((hi - lo).sum())
    assert tied <= 1e-3 * got.size * length


@needs_native
def test_native_rocket_argument_errors() -> None:
    bank = sample_rocket_kernels(20, 2, 5, np.random.RandomState(0))
    plan = plan_rocket_native(bank)
    x = torch.zeros((2, 20 + 2 * plan.pad, 8))
    out = torch.empty((8, 10))
    rk_native.rocket_into(x, 20, plan.pad, plan.kernels, out)
    with pytest.raises(ValueError, match="channel ids must lie in \\[0, 1\\)"):
        rk_native.rocket_into(x[:1].contiguous(), 20, plan.pad, plan.kernels, out)
    with pytest.raises(ValueError, match=r"kernels\['weights'\] must be a contiguous torch.float32"):
        rk_native.rocket_into(x, 20, plan.pad, {**plan.kernels, "weights": plan.kernels["weights"].double()}, out)
    with pytest.raises(ValueError, match="out must be contiguous float32 \\(8, 10\\)"):
        rk_native.rocket_into(x, 20, plan.pad, plan.kernels, out[:, :4])
    if plan.pad > 0:
        with pytest.raises(ValueError, match="out of range for the native loop"):
            rk_native.rocket_into(x[:, : 20 + 2 * (plan.pad - 1)].contiguous(), 20, plan.pad - 1, plan.kernels, out)


@needs_native
def test_rocket_estimator_engines_agree() -> None:
    X = _series(13, 2, 40)
    est = Rocket(n_kernels=300, random_state=0, engine="native").fit(X)
    native_out = est.transform(X)
    torch_out = est.set_params(engine="torch").transform(X)
    assert np.isclose(native_out, torch_out, rtol=1e-5, atol=1e-5).mean() >= 0.995
    with pytest.raises(ValueError, match="got 'reference'"):
        Rocket(engine="reference").fit(X)
