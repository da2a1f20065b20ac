"""Sequence layers on inputs longer than ``seq_len``, against slow loops of the references'
two-sided convolution; Hyena's documented length behaviour and its ``normalized`` option."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.kernels import HyenaFilter
from anyconv.kernels.long import squash
from anyconv.layers import HyenaOperator1d, LongConv1d, SGConv1d
from tests.layers.test_hyena import reference_filter
from tests.layers.test_longconv import reference_long_conv
from tests.reference import two_sided_loop

D64 = torch.float64


def _block(layer, u: torch.Tensor, conv: torch.Tensor) -> torch.Tensor:
    """The references' block after the convolution: ``+ D·u``, GELU, pointwise projection, GLU.

    ``conv`` is ``(B, C, heads, L)`` (channel, then head); the projection reads ``(c h)``.
    """
    y = conv + u[:, :, None] * layer.D.t()[None, :, :, None]  # (B, C, heads, L)
    y = F.gelu(y.reshape(u.shape[0], -1, u.shape[-1]))  # (B, C*heads, L)
    return F.glu(layer.output_linear(y), dim=1)


def _loop_conv(u: torch.Tensor, sides: torch.Tensor, heads: int, bidirectional: bool) -> torch.Tensor:
    """``sides``: ``(sides*heads, C, N)`` one-sided kernels → loop convolution ``(B, C, heads, L)``."""
    causal = sides[:heads].permute(1, 0, 2).reshape(-1, sides.shape[-1])  # (C*heads, N), row c*heads + h
    anti = sides[heads:].permute(1, 0, 2).reshape(-1, sides.shape[-1]) if bidirectional else torch.zeros_like(causal)
    y = two_sided_loop(u, causal, anti)  # (B, C*heads, L)
    return y.reshape(u.shape[0], u.shape[1], heads, u.shape[-1])


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_longconv_longer_than_seq_len_matches_loop(bidirectional, method):
    torch.manual_seed(0)
    seq_len = 12
    layer = LongConv1d(3, seq_len, heads=2, bidirectional=bidirectional, kernel_lam=0.0, method=method, dtype=D64)
    layer.eval()
    with torch.no_grad():
        layer.kernel.kernel.normal_(0, 0.5)
    u = torch.randn(2, 3, seq_len + 8, dtype=D64)
    with torch.no_grad():
        got = layer(u)
        want = _block(layer, u, _loop_conv(u, squash(layer.kernel.kernel, 0.0), 2, bidirectional))
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
        torch.testing.assert_close(got, reference_long_conv(layer, u), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("method", ["direct", "fft"])
def test_sgconv_longer_than_seq_len_uses_the_full_kernel(bidirectional, method):
    torch.manual_seed(1)
    # kernel_dim=4, seq_len=24: 4 scales → full_length = 4 · 2^3 = 32 taps > seq_len
    layer = SGConv1d(2, 24, kernel_dim=4, bidirectional=bidirectional, method=method, dtype=D64).eval()
    assert layer.kernel.full_length == 32
    u = torch.randn(2, 2, 40, dtype=D64)
    with torch.no_grad():
        full = layer.kernel.raw_kernel() / layer.kernel.kernel_norm  # (sides, C, 32): the reference's kernel
        got = layer(u)
        torch.testing.assert_close(got, _block(layer, u, _loop_conv(u, full, 1, bidirectional)), rtol=1e-10, atol=1e-10)
        # an input between seq_len and full_length sees the kernel truncated to its length
        short = u[..., :28]
        torch.testing.assert_close(
            layer(short), _block(layer, short, _loop_conv(short, full[..., :28], 1, bidirectional)), rtol=1e-10, atol=1e-10
        )


def _hyena_extended(layer: HyenaOperator1d, u: torch.Tensor) -> torch.Tensor:
    """safari ``HyenaOperator.forward`` with ``l_filter = min(L, seq_len)`` taps, *without* its
    truncation of the output to ``l_filter`` (our documented extension); FFT size ``2L``."""
    L, C, order = u.shape[-1], layer.channels, layer.order
    n = min(L, layer.seq_len)
    u = layer.in_proj(u)
    short = layer.short_filter
    uc = F.conv1d(u, short.kernel.weight, short.bias, padding=2, groups=u.shape[1])[..., :L]
    *x, v = uc.split(C, dim=1)
    k = reference_filter(layer.kernel, n).T.reshape(C, order - 1, n).permute(1, 0, 2)  # 'l (v o) -> o v l'
    bias = layer.D.reshape(C, order - 1).T
    for o, x_i in enumerate(reversed(x[1:])):
        v = v * x_i
        y = torch.fft.irfft(torch.fft.rfft(v, n=2 * L) * torch.fft.rfft(k[o], n=2 * L), n=2 * L)[..., :L]
        v = y + v * bias[o][:, None]
    return layer.out_proj(v * x[0])


def test_hyena_longer_than_seq_len_returns_every_output():
    torch.manual_seed(2)
    seq_len = 16
    layer = HyenaOperator1d(4, seq_len, filter_width=8, dtype=D64).eval()
    u = torch.randn(2, 4, seq_len + 8, dtype=D64)
    with torch.no_grad():
        y = layer(u)
        assert y.shape == u.shape
        torch.testing.assert_close(y, _hyena_extended(layer, u))
        # the first seq_len outputs are what the reference (which truncates) returns
        torch.testing.assert_close(y[..., :seq_len], layer(u[..., :seq_len]))


def test_hyena_kernel_is_self_kernel():
    layer = HyenaOperator1d(4, 16, filter_width=8)
    assert isinstance(layer.kernel, HyenaFilter) and not hasattr(layer, "filter")


def test_hyena_filter_normalized_after_the_window():
    torch.manual_seed(3)
    filt = HyenaFilter(6, 40, normalized=True, dtype=D64)
    k = filt.filter()  # (t, channels)
    torch.testing.assert_close(k.abs().sum(-1), torch.ones(40, dtype=D64))
    plain = HyenaFilter(6, 40, dtype=D64)
    plain.load_state_dict(filt.state_dict())
    windowed = reference_filter(plain, 40)  # MLP then exp(-t|δ|) window
    torch.testing.assert_close(k, windowed / windowed.abs().sum(-1, keepdim=True))


def test_hyena_operator_exposes_normalized():
    torch.manual_seed(4)
    layer = HyenaOperator1d(3, 16, filter_width=8, normalized=True, dtype=D64)
    assert layer.kernel.normalized and "normalized=True" in repr(layer)
    k = layer.kernel.filter()
    torch.testing.assert_close(k.abs().sum(-1), torch.ones(16, dtype=D64))


def test_hyena_filter_stays_in_float32_under_autocast():
    torch.manual_seed(5)
    filt = HyenaFilter(4, 64, emb_dim=5, w=10.0)
    want = filt.filter()
    with torch.autocast("cpu", dtype=torch.bfloat16):
        got = filt.filter()
    assert got.dtype == torch.float32
    torch.testing.assert_close(got, want, rtol=0, atol=0)
