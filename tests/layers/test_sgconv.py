"""SGConv1d / SGConvKernel against hand-computed values and the reference formulas."""

from __future__ import annotations

import math

import pytest
import torch

from anyconv import param_groups
from anyconv.kernels import SGConvKernel
from anyconv.kernels.multiscale import default_n_scales
from anyconv.layers import SGConv1d
from tests.layers._sequence_checks import assert_causal, assert_uses_future, engines_agree

D64 = torch.float64


def _set_sub_kernels(kernel: SGConvKernel, values: list[list[float]]) -> None:
    with torch.no_grad():
        for param, v in zip(kernel.sub_kernels, values):
            param.copy_(torch.tensor(v, dtype=param.dtype).reshape(1, 1, -1))


@pytest.mark.parametrize("interpolation", ["nearest", "linear"])
def test_kernel_by_hand(interpolation):
    # kernel_dim=2, seq_len=8 → 3 scales at factors 1, 1, 2 → 2 + 2 + 4 = 8 taps, decay 1/2
    kernel = SGConvKernel(1, 8, kernel_dim=2, interpolation=interpolation, dtype=D64)
    assert kernel.n_scales == 3 and kernel.full_length == 8
    _set_sub_kernels(kernel, [[1.0, 2.0], [3.0, 4.0], [4.0, 8.0]])
    a, b = 0.25 * 4.0, 0.25 * 8.0  # third scale times decay^2
    if interpolation == "nearest":
        upsampled = [a, a, b, b]
    else:  # align_corners=False: sources -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
        upsampled = [a, 0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b, b]
    raw = torch.tensor([1.0, 2.0, 1.5, 2.0, *upsampled], dtype=D64)
    torch.testing.assert_close(kernel.raw_kernel()[0, 0], raw)
    # normalised by the norm of the *initial* kernel (a buffer), not the current one
    norm = kernel.kernel_norm[0, 0, 0]
    torch.testing.assert_close(kernel()[0, 0], raw / norm)
    with torch.no_grad():
        kernel.reset_parameters()
    torch.testing.assert_close(kernel.kernel_norm[0, 0, 0], kernel.raw_kernel()[0, 0].norm())
    torch.testing.assert_close(kernel()[0, 0].norm(), torch.tensor(1.0, dtype=D64))


def test_truncation_and_padding():
    kernel = SGConvKernel(2, 10, kernel_dim=4, dtype=D64)  # 1 + ceil(log2(2.5)) = 3 scales → 16 taps
    assert kernel.full_length == 16
    full = kernel.raw_kernel() / kernel.kernel_norm
    torch.testing.assert_close(kernel(7)[:, 0], full[0, :, :7])
    short = SGConvKernel(1, 10, kernel_dim=2, n_scales=2)  # 4 taps < seq_len: zero-padded
    assert short(10).shape == (1, 1, 10) and bool((short(10)[..., 4:] == 0).all())


def test_n_scales_default_and_parameter_count_sublinear():
    assert default_n_scales(1024, 64) == 5 and default_n_scales(4096, 64) == 7 and default_n_scales(32, 64) == 1
    counts = {}
    for seq_len in (1024, 4096, 16384):
        kernel = SGConvKernel(8, seq_len, kernel_dim=64)
        counts[seq_len] = sum(p.numel() for p in kernel.parameters())
        assert counts[seq_len] == kernel.n_scales * 64 * 8
        assert kernel.full_length >= seq_len
    # 16x longer sequences, (1 + log2(16384/64)) / (1 + log2(1024/64)) = 9/5 more parameters
    assert counts[16384] / counts[1024] == pytest.approx(9 / 5)
    dense = 8 * 16384
    assert counts[16384] < dense / 20


def test_decay_convention_matches_reference():
    """decay^i and the reference's 2^(n-1-i) give the same normalised kernel."""
    torch.manual_seed(0)
    kernel = SGConvKernel(2, 32, kernel_dim=4, dtype=D64)
    pieces = []
    n = kernel.n_scales
    for i, sub in enumerate(kernel.sub_kernels):
        factor = 2 ** max(0, i - 1)
        piece = torch.nn.functional.interpolate(sub * 2.0 ** (n - i - 1), scale_factor=factor, mode="linear")
        pieces.append(piece)
    ref = torch.cat(pieces, dim=-1)
    ref = ref / ref.norm(dim=-1, keepdim=True)
    torch.testing.assert_close(kernel()[:, 0], ref[0, :, :32])


@pytest.mark.parametrize("bidirectional", [False, True])
def test_direct_equals_fft(bidirectional):
    torch.manual_seed(1)
    layer = SGConv1d(3, 24, kernel_dim=4, heads=2, bidirectional=bidirectional, dtype=D64)
    engines_agree(layer, torch.randn(2, 3, 24, dtype=D64))


def test_causal_and_bidirectional():
    torch.manual_seed(2)
    x = torch.randn(2, 3, 32, dtype=D64)
    assert_causal(SGConv1d(3, 32, kernel_dim=4, dtype=D64), x)
    assert_uses_future(SGConv1d(3, 32, kernel_dim=4, bidirectional=True, dtype=D64), x)


def test_bidirectional_kernel_halves():
    kernel = SGConvKernel(2, 8, kernel_dim=2, bidirectional=True, dtype=D64)
    w = kernel()  # (2, 1, 16), lag 0 at index 8
    k = kernel.raw_kernel() / kernel.kernel_norm  # (2 sides, 2, 8)
    assert w.shape == (2, 1, 16)
    torch.testing.assert_close(w[:, 0, 8:], k[0])
    torch.testing.assert_close(w[:, 0, :8], k[1].flip(-1))


def test_optimizer_hints():
    layer = SGConv1d(4, 64, kernel_dim=8)
    groups = param_groups(layer, lr=5e-3, weight_decay=0.05)
    group = next(g for g in groups if "kernel.sub_kernels.0" in g["names"])
    assert group["lr"] == 1e-3
    assert all(name.startswith("kernel.sub_kernels") for name in group["names"])


@pytest.mark.parametrize(
    "kwargs, match",
    [({"kernel_dim": 0}, "kernel_dim"), ({"decay": 0.0}, "decay"), ({"interpolation": "cubic"}, "interpolation"),
     ({"n_scales": 0}, "n_scales")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        SGConv1d(4, 16, **kwargs)


def test_float64_buffers():
    layer = SGConv1d(2, 16, kernel_dim=4, dtype=D64)
    assert layer.kernel.kernel_norm.dtype == D64
    assert math.isfinite(float(layer(torch.randn(1, 2, 16, dtype=D64)).detach().sum()))
