"""LongConv1d / LongConvKernel against the safari reference formulas."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv import param_groups
from anyconv.kernels import LongConvKernel, two_sided
from anyconv.kernels.long import squash
from anyconv.layers import LongConv1d
from tests.layers._sequence_checks import assert_causal, assert_uses_future, engines_agree

D64 = torch.float64


def reference_long_conv(layer: LongConv1d, u: torch.Tensor) -> torch.Tensor:
    """safari ``LongConv.forward`` (eval mode, postact GLU) with the layer's parameters.

    Kernel ``(2·heads or heads, H, L_kernel)`` with ``L_kernel = min(L, seq_len)``;
    ``bidirectional``: ``pad(k0, (0, L)) + pad(k1.flip, (L, 0))``; FFT convolution at size
    ``L_kernel + L``; ``+ D·u``; flatten ``(c h)``.
    """
    L = u.shape[-1]
    l_kernel = min(L, layer.seq_len)
    k = squash(layer.kernel.kernel[..., :l_kernel], layer.kernel.lam)  # (sides*heads, H, L_kernel)
    if layer.bidirectional:
        k0, k1 = k[: layer.heads], k[layer.heads :]
        k = F.pad(k0, (0, L)) + F.pad(k1.flip(-1), (L, 0))
    n = l_kernel + L
    y = torch.fft.irfft(torch.fft.rfft(u, n=n)[:, None] * torch.fft.rfft(k, n=n)[None], n=n)[..., :L]  # (B, c, H, L)
    y = y + u[:, None] * layer.D[None, :, :, None]
    y = y.permute(0, 2, 1, 3).reshape(u.shape[0], -1, L)  # our channel order: (H c)
    y = F.gelu(y)
    return F.glu(layer.output_linear(y), dim=1)


def test_squash_by_hand():
    k = torch.tensor([0.5, -0.002, 0.004, -0.01], dtype=D64)
    torch.testing.assert_close(squash(k, 0.003), torch.tensor([0.497, 0.0, 0.001, -0.007], dtype=D64))


def test_kernel_layout_heads_and_length():
    kernel = LongConvKernel(3, 10, heads=2, lam=0.0, dropout=0.0, dtype=D64)
    w = kernel(6)
    assert w.shape == (6, 1, 6)
    # output channel c*heads + h is head h of channel c
    torch.testing.assert_close(w[2 * 1 + 1, 0], kernel.kernel[1, 1, :6])
    torch.testing.assert_close(w[2 * 2 + 0, 0], kernel.kernel[0, 2, :6])


def test_two_sided_layout_by_hand():
    causal = torch.tensor([1.0, 2.0, 3.0])
    anti = torch.tensor([10.0, 20.0, 30.0])
    # lag -3, -2, -1 read x[t+3], x[t+2], x[t+1] through anti[2], anti[1], anti[0]; lag 0.. through causal
    torch.testing.assert_close(two_sided(causal, anti), torch.tensor([30.0, 20.0, 10.0, 1.0, 2.0, 3.0]))


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("heads", [1, 2])
def test_matches_reference(bidirectional, heads):
    torch.manual_seed(0)
    layer = LongConv1d(3, 12, heads=heads, bidirectional=bidirectional, kernel_lam=0.001, dtype=D64).eval()
    with torch.no_grad():
        layer.kernel.kernel.normal_(0, 0.3)
    u = torch.randn(2, 3, 12, dtype=D64)
    torch.testing.assert_close(layer(u), reference_long_conv(layer, u))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_direct_equals_fft(bidirectional):
    torch.manual_seed(1)
    layer = LongConv1d(4, 20, bidirectional=bidirectional, kernel_lam=0.0, dtype=D64)
    with torch.no_grad():
        layer.kernel.kernel.normal_()
    engines_agree(layer, torch.randn(2, 4, 20, dtype=D64))


def test_causal_and_bidirectional():
    torch.manual_seed(2)
    x = torch.randn(2, 4, 16, dtype=D64)
    causal = LongConv1d(4, 16, kernel_lam=0.0, dtype=D64)
    with torch.no_grad():
        causal.kernel.kernel.normal_()
    assert_causal(causal, x)
    both = LongConv1d(4, 16, bidirectional=True, kernel_lam=0.0, dtype=D64)
    with torch.no_grad():
        both.kernel.kernel.normal_()
    assert_uses_future(both, x)


def test_shorter_input_uses_kernel_prefix():
    torch.manual_seed(3)
    layer = LongConv1d(2, 16, kernel_lam=0.0, dtype=D64).eval()
    x = torch.randn(1, 2, 16, dtype=D64)
    torch.testing.assert_close(layer(x[..., :9]), layer(x)[..., :9])


def test_kernel_dropout_only_in_training():
    kernel = LongConvKernel(2, 64, lam=0.0, dropout=0.5)
    kernel.eval()
    torch.testing.assert_close(kernel(), kernel())
    kernel.train()
    zeros = (kernel() == 0).float().mean()
    assert 0.3 < zeros < 0.7


def test_optimizer_hints():
    layer = LongConv1d(4, 8, kernel_lr=5e-4)
    groups = param_groups(layer, lr=1e-2, weight_decay=0.1)
    kernel_group = next(g for g in groups if "kernel.kernel" in g["names"])
    assert kernel_group["lr"] == 5e-4 and kernel_group["weight_decay"] == 0.0
    other = next(g for g in groups if "output_linear.weight" in g["names"])
    assert other["lr"] == 1e-2 and other["weight_decay"] == 0.1


@pytest.mark.parametrize(
    "kwargs, match",
    [({"heads": 0}, "heads"), ({"kernel_lam": -1.0}, "lam"), ({"kernel_dropout": 1.0}, "dropout"),
     ({"postact": "relu"}, "postact"), ({"method": "fast"}, "method")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LongConv1d(4, 8, **kwargs)


def test_wrong_input_shape():
    with pytest.raises(ValueError, match=r"\(B, 4, L\)"):
        LongConv1d(4, 8)(torch.randn(2, 3, 8))
