"""Orchid's conditioning networks against slow oracles (explicit correlation loops, NumPy FFTs),
their shift invariance, the prefix mask and the kernel layouts."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import conv1d
from anyconv.kernels import OrchidConditioning
from anyconv.kernels.orchid import engine_layout
from tests.reference import two_sided_loop

D64 = torch.float64


def _net(conditioning: str, mode: str, channels: int = 3, seq_len: int = 12, **kw) -> OrchidConditioning:
    torch.manual_seed(0)
    net = OrchidConditioning(channels, seq_len, conditioning=conditioning, mode=mode, dtype=D64, **kw)
    with torch.no_grad():  # non-trivial LayerNorm affine parameters
        for p in net.parameters():
            p.add_(0.3 * torch.randn_like(p))
    return net


def _ref_features(conv, norm, u: torch.Tensor, mode: str) -> torch.Tensor:
    """``LayerNorm_C(short conv(u))`` written out: explicit padding, then the LayerNorm formula.

    u: (N, C, T) → (N, C', T)
    """
    k = conv.weight.shape[-1]
    pads = {"causal": (k - 1, 0), "same": ((k - 1) // 2, k - 1 - (k - 1) // 2)}
    if mode == "circular":
        left = (k - 1) // 2
        x = torch.cat([u[..., u.shape[-1] - left :], u, u[..., : k - 1 - left]], dim=-1)
    else:
        x = F.pad(u, pads[mode])
    groups = u.shape[1]
    a = F.conv1d(x, conv.weight, conv.bias, groups=groups)  # (N, C', T)
    mu = a.mean(1, keepdim=True)
    var = a.var(1, unbiased=False, keepdim=True)
    return (a - mu) / torch.sqrt(var + norm.eps) * norm.weight[:, None] + norm.bias[:, None]


def _ref_type2_causal(net: OrchidConditioning, u: torch.Tensor, length: int) -> torch.Tensor:
    """Type II on the prefix ``u`` (any length ≤ L): ``h[τ] = Σ_t k[t] q[t+τ] / n``, τ = 0..L-1."""
    k = _ref_features(net.key_conv, net.key_norm, u, "causal")
    q = _ref_features(net.query_conv, net.query_norm, u, "causal")
    n = 2 * max(length, net.seq_len)
    t_len = u.shape[-1]
    h = torch.zeros(u.shape[0], u.shape[1], length, dtype=u.dtype)
    for tau in range(min(length, t_len)):
        h[..., tau] = (k[..., : t_len - tau] * q[..., tau:]).sum(-1) / n
    return h


def test_type2_causal_is_the_cross_correlation_of_the_prefix():
    net = _net("type2", "causal")
    u = torch.randn(2, 3, 12, dtype=D64)
    with torch.no_grad():
        got = net(u)  # (N, C, 1, L)
        torch.testing.assert_close(got[:, :, 0], _ref_type2_causal(net, u, 12), rtol=1e-10, atol=1e-12)
        # prefixes: the features' prefix gives the kernel of the prefix alone (the oracle
        # recomputes everything on the truncated input)
        features = net.features(u)  # (N, 2C, L)
        for p in (1, 5, 9):
            got = net.kernel_from_features(features[..., :p], 12, grid=12)  # (N, C, 1, 12)
            torch.testing.assert_close(got[:, :, 0], _ref_type2_causal(net, u[..., :p], 12), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("conditioning", ["type1", "type2"])
def test_block_kernels_are_the_first_lags_of_each_prefix_kernel(conditioning):
    """The first b + 1 lags of each prefix's kernel. Type II's batched route (one transform of
    size 2b per block, a cumulative sum) against the oracle on each truncated prefix; Type I
    (prefix by prefix) against kernel_from_features."""
    net = _net(conditioning, "causal", seq_len=20)
    u = torch.randn(2, 3, 20, dtype=D64)
    with torch.no_grad():
        features = net.features(u)
        for b in (1, 3, 5, 6, 10):
            m = 19 // b  # the blocks 1 .. m of a 20-sample input (b = 10: one)
            got = net.block_kernels(features[..., : m * b], b, grid=20)  # (N, C, m, b+1)
            assert got.shape == (2, 3, m, b + 1)
            for c in range(1, m + 1):
                if conditioning == "type2":
                    want = _ref_type2_causal(net, u[..., : c * b], 20)[..., : b + 1]
                else:
                    want = net.kernel_from_features(features[..., : c * b], 20, grid=20)[:, :, 0, : b + 1]
                torch.testing.assert_close(got[:, :, c - 1], want, rtol=1e-10, atol=1e-12)


def test_type2_same_has_both_signs_of_lag():
    net = _net("type2", "same", seq_len=8)
    u = torch.randn(1, 3, 8, dtype=D64)
    with torch.no_grad():
        w = net(u)[0, :, 0]  # (C, 2L), index L is lag 0
        k = _ref_features(net.key_conv, net.key_norm, u, "same")[0]
        q = _ref_features(net.query_conv, net.query_norm, u, "same")[0]
    n = 16
    for lag in range(-8, 8):
        want = sum(k[:, t] * q[:, t + lag] for t in range(8) if 0 <= t + lag < 8) / n
        torch.testing.assert_close(w[:, 8 + lag], torch.as_tensor(want, dtype=D64) * torch.ones(3, dtype=D64), rtol=1e-10, atol=1e-12)


def test_type1_matches_numpy_pipeline():
    net = _net("type1", "causal", seq_len=10)
    u = torch.randn(2, 3, 10, dtype=D64)
    with torch.no_grad():
        got = net(u)[:, :, 0].numpy()
        a = _ref_features(net.time_conv, net.time_norm, u, "causal").numpy()
        n = 20
        power = torch.from_numpy(np.abs(np.fft.rfft(a, n=n)) ** 2 / n)  # (N, C, 11)
        s = _ref_features(net.freq_conv, net.freq_norm, power, "same").numpy()  # (N, 2C, 11)
    spectrum = s[:, 0::2] + 1j * s[:, 1::2]
    want = np.fft.irfft(spectrum, n=n)[..., :10]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("conditioning", ["type1", "type2"])
def test_circular_kernel_is_invariant_to_circular_shifts(conditioning):
    net = _net(conditioning, "circular")
    u = torch.randn(2, 3, 12, dtype=D64)
    with torch.no_grad():
        h = net(u)
        for shift in (1, 5, 11):
            torch.testing.assert_close(net(torch.roll(u, shift, -1)), h, rtol=1e-9, atol=1e-12)
        assert (net(u.flip(-1)) - h).abs().amax() > 1e-6  # a reversal is not a shift: the kernel moves


@pytest.mark.parametrize("conditioning", ["type1", "type2"])
def test_causal_features_make_prefix_kernels_blind_to_the_future(conditioning):
    net = _net(conditioning, "causal")
    u = torch.randn(2, 3, 12, dtype=D64)
    changed = u.clone()
    changed[..., 7:] = 50 * torch.randn(2, 3, 5, dtype=D64)
    with torch.no_grad():
        a, a2 = net.features(u), net.features(changed)
        torch.testing.assert_close(a2[..., :7], a[..., :7], rtol=0, atol=0)
        got = net.kernel_from_features(a2[..., :7], 12, grid=12)
        torch.testing.assert_close(got, net.kernel_from_features(a[..., :7], 12, grid=12), rtol=0, atol=0)
        assert (net(changed) - net(u)).abs().amax() > 1e-6  # the whole input's kernel reads it all


def test_prefix_kernel_does_not_depend_on_the_input_length():
    """Type I's transform grid is fixed by seq_len: the kernel of a prefix inside a 16-sample
    input equals that inside a 10-sample input (both <= seq_len)."""
    net = _net("type1", "causal", seq_len=16)
    u = torch.randn(1, 3, 16, dtype=D64)
    with torch.no_grad():
        a = net.features(u)[..., :6]
        long = net.kernel_from_features(a, 16, grid=16)[..., :10]
        short = net.kernel_from_features(a, 10, grid=10)
    torch.testing.assert_close(short, long, rtol=1e-10, atol=1e-12)


def test_same_layout_applied_by_the_engine_is_the_two_sided_convolution():
    h = torch.randn(2, 16, dtype=D64)  # an irfft output of size n = 16 for L = 8: lags 0..7, then -8..-1
    w = engine_layout(h, "same", 8)  # (2, 16)
    x = torch.randn(1, 2, 8, dtype=D64)
    got = conv1d(x, w[:, None], mode="same", groups=2, flip=True, method="direct")
    causal = h[:, :8]
    anticausal = h[:, 8:].flip(-1)  # lag -(j+1) at j
    torch.testing.assert_close(got, two_sided_loop(x, causal, anticausal), rtol=1e-12, atol=1e-12)


def test_circular_layout_applied_by_the_engine_is_the_circular_convolution():
    h = torch.randn(2, 7, dtype=D64)
    x = torch.randn(1, 2, 7, dtype=D64)
    got = conv1d(x, engine_layout(h, "circular", 7)[:, None], mode="circular", groups=2, flip=True, method="direct")
    want = torch.stack([sum(h[:, s] * x[0, :, (t - s) % 7] for s in range(7)) for t in range(7)], -1)[None]
    torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)


def test_gradcheck_type1_and_type2():
    for conditioning in ("type1", "type2"):
        net = _net(conditioning, "causal", channels=2, seq_len=5)
        u = torch.randn(1, 2, 5, dtype=D64, requires_grad=True)
        assert torch.autograd.gradcheck(lambda x, net=net: net(x), (u,), fast_mode=True)


def test_bf16_input_gives_a_float32_kernel():
    net = OrchidConditioning(3, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        h = net(torch.randn(2, 3, 8).bfloat16())
    assert h.dtype == torch.float32 and bool(torch.isfinite(h).all())


def test_errors_name_what_was_expected():
    net = OrchidConditioning(3, 8)
    with pytest.raises(ValueError, match=r"\(N, 3, L\)"):
        net(torch.randn(2, 4, 8))
    with pytest.raises(ValueError, match="needs mode='causal'"):
        OrchidConditioning(3, 8, mode="same").kernel_from_features(torch.randn(2, 6, 8), 10, grid=10)
    with pytest.raises(ValueError, match="features length <= grid"):
        net.kernel_from_features(torch.randn(2, 6, 8), 4, grid=6)
    with pytest.raises(ValueError, match="1 <= taps <= grid"):
        net.kernel_from_features(torch.randn(2, 6, 8), 0)
    with pytest.raises(ValueError, match="whole number of blocks of 3"):
        net.block_kernels(torch.randn(2, 6, 8), 3, grid=9)
    with pytest.raises(ValueError, match="shorter than grid 8"):
        net.block_kernels(torch.randn(2, 6, 8), 4, grid=8)
    with pytest.raises(ValueError, match="block_kernels needs mode='causal'"):
        OrchidConditioning(3, 8, mode="circular").block_kernels(torch.randn(2, 6, 8), 4, grid=8)
    with pytest.raises(ValueError, match="conditioning must be one of"):
        OrchidConditioning(3, 8, conditioning="type3")
    with pytest.raises(ValueError, match="mode must be one of"):
        OrchidConditioning(3, 8, mode="full")
    with pytest.raises(ValueError, match="activation"):
        OrchidConditioning(3, 8, activation="relu")
