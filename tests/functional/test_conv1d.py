"""conv1d: both engines against torch's conv on hand-padded input, over every mode and shape."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import MODES, conv1d
from tests.reference import loop_conv1d, reference_conv

TOL = {torch.float32: dict(rtol=1e-4, atol=1e-4), torch.float64: dict(rtol=1e-10, atol=1e-10)}
LENGTH = 12
# (kernel size, label): odd and even shorter than L, equal to L, longer than L
KERNELS = [(5, "odd<L"), (4, "even<L"), (LENGTH, "K=L"), (LENGTH + 7, "K>L")]
# (C_in, C_out, groups): dense, depthwise, in-between, depthwise multiplier
CHANNELS = [(4, 6, 1), (4, 4, 4), (4, 6, 2), (3, 6, 3)]


def _case(batch, channels, k, dtype, per_sample, seed=0):
    c_in, c_out, groups = channels
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, c_in, LENGTH, generator=gen, dtype=dtype)
    shape = (c_out, c_in // groups, k)
    weight = torch.randn((batch, *shape) if per_sample else shape, generator=gen, dtype=dtype)
    bias = torch.randn((batch, c_out) if per_sample else (c_out,), generator=gen, dtype=dtype)
    return x, weight, bias, groups


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k,label", KERNELS, ids=[lbl for _, lbl in KERNELS])
@pytest.mark.parametrize("channels", CHANNELS, ids=["dense", "depthwise", "grouped", "multiplier"])
@pytest.mark.parametrize("batch,per_sample", [(1, False), (3, False), (1, True), (3, True)],
                         ids=["b1", "b3", "b1-per-sample", "b3-per-sample"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_matches_torch_on_hand_padded_input(method, mode, k, label, channels, batch, per_sample, dtype):
    if mode == "valid" and k > LENGTH:
        pytest.skip("valid needs K <= L (tested in test_errors)")
    x, weight, bias, groups = _case(batch, channels, k, dtype, per_sample)
    got = conv1d(x, weight, bias, mode=mode, groups=groups, method=method)
    want = reference_conv(x, weight, bias, mode=mode, groups=groups, flip=False)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, **TOL[dtype])


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [3, 4, 9, 15])
def test_matches_definition_loop(method, mode, k):
    if mode == "valid" and k > 9:
        pytest.skip("valid needs K <= L")
    gen = torch.Generator().manual_seed(k)
    x = torch.randn(2, 4, 9, generator=gen, dtype=torch.float64)
    weight = torch.randn(6, 2, k, generator=gen, dtype=torch.float64)
    got = conv1d(x, weight, mode=mode, groups=2, method=method)
    torch.testing.assert_close(got, loop_conv1d(x, weight, mode=mode, groups=2), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_valid_direct_is_exactly_torch(method):
    x, weight, bias, groups = _case(2, (4, 6, 2), 5, torch.float64, False)
    got = conv1d(x, weight, bias, mode="valid", groups=groups, method=method)
    torch.testing.assert_close(got, F.conv1d(x, weight, bias, groups=groups), rtol=1e-10, atol=1e-10)
    if method == "direct":
        assert torch.equal(got, F.conv1d(x, weight, bias, groups=groups))


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths")
@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("k", [3, 4, 7, 8])
def test_same_and_circular_follow_torch_padding_conventions(method, k):
    x, weight, bias, _ = _case(2, (3, 5, 1), k, torch.float64, False)
    same = conv1d(x, weight, bias, mode="same", method=method)
    torch.testing.assert_close(same, F.conv1d(x, weight, bias, padding="same"), rtol=1e-10, atol=1e-10)
    torch_circular = torch.nn.Conv1d(3, 5, k, padding="same", padding_mode="circular", dtype=torch.float64)
    with torch.no_grad():
        torch_circular.weight.copy_(weight)
        torch_circular.bias.copy_(bias)
        want = torch_circular(x)
    got = conv1d(x, weight, bias, mode="circular", method=method)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [4, 5, 12, 20])
def test_flip_is_correlation_with_reversed_kernel(method, mode, k):
    if mode == "valid" and k > LENGTH:
        pytest.skip("valid needs K <= L")
    x, weight, bias, groups = _case(2, (4, 4, 4), k, torch.float64, False)
    got = conv1d(x, weight, bias, mode=mode, groups=groups, method=method, flip=True)
    want = reference_conv(x, weight.flip(-1), bias, mode=mode, groups=groups, flip=False)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_flip_causal_is_textbook_convolution():
    """flip=True, mode='causal': y[t] = Σ_s k[s] x[t − s], k[0] is "now"."""
    x = torch.tensor([[[1.0, 2.0, 3.0, 4.0]]], dtype=torch.float64)
    k = torch.tensor([[[1.0, 10.0, 100.0]]], dtype=torch.float64)
    want = torch.tensor([[[1.0, 12.0, 123.0, 234.0]]], dtype=torch.float64)
    for method in ("direct", "fft"):
        torch.testing.assert_close(conv1d(x, k, mode="causal", flip=True, method=method), want)


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("k", [1, 4, 12, 30])
@pytest.mark.parametrize("flip", [False, True])
def test_causal_output_ignores_the_future(method, k, flip):
    x, weight, bias, groups = _case(2, (4, 6, 2), k, torch.float64, False)
    y = conv1d(x, weight, bias, mode="causal", groups=groups, method=method, flip=flip)
    for t in (0, 5, LENGTH - 1):
        x2 = x.clone()
        x2[..., t:] += torch.randn_like(x2[..., t:])
        y2 = conv1d(x2, weight, bias, mode="causal", groups=groups, method=method, flip=flip)
        torch.testing.assert_close(y2[..., :t], y[..., :t], rtol=1e-12, atol=1e-12)
        assert not torch.allclose(y2[..., t:], y[..., t:])  # the perturbation is seen from t on


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode,per_sample", list(itertools.product(MODES, [False, True])))
def test_gradcheck(method, mode, per_sample):
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 2, 6, generator=gen, dtype=torch.float64, requires_grad=True)
    shape = (2, 1, 4)
    weight = torch.randn((2, *shape) if per_sample else shape, generator=gen, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(2, generator=gen, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda a, w, b: conv1d(a, w, b, mode=mode, groups=2, method=method), (x, weight, bias))


def test_gradients_of_both_engines_agree_for_long_kernels():
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(2, 3, 50, generator=gen, dtype=torch.float64)
    w = torch.randn(3, 1, 50, generator=gen, dtype=torch.float64)
    grads = []
    for method in ("direct", "fft"):
        xi, wi = x.clone().requires_grad_(), w.clone().requires_grad_()
        conv1d(xi, wi, mode="causal", groups=3, method=method, flip=True).square().sum().backward()
        grads.append((xi.grad, wi.grad))
    torch.testing.assert_close(grads[0], grads[1], rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("length", [1, 7, 100, 257, 1000])
def test_lengths_that_are_not_powers_of_two(length):
    gen = torch.Generator().manual_seed(length)
    x = torch.randn(2, 3, length, generator=gen, dtype=torch.float64)
    w = torch.randn(3, 1, length, generator=gen, dtype=torch.float64)
    for mode in ("causal", "same", "full", "circular"):
        got = conv1d(x, w, mode=mode, groups=3, method="fft", flip=True)
        torch.testing.assert_close(got, conv1d(x, w, mode=mode, groups=3, method="direct", flip=True))
