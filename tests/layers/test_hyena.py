"""HyenaFilter / HyenaOperator1d against the safari ``hyena.py`` formulas."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from anyconv import param_groups
from anyconv.kernels import HyenaFilter
from anyconv.kernels.implicit import positional_features
from anyconv.layers import HyenaOperator1d
from tests.layers._sequence_checks import assert_causal, assert_uses_future, engines_agree

D64 = torch.float64


def test_positional_features_by_hand():
    z, t = positional_features(4, 5, dtype=D64)
    torch.testing.assert_close(t[:, 0], torch.tensor([0, 1 / 3, 2 / 3, 1], dtype=D64))
    omega = torch.tensor([0, math.pi / 2, math.pi, 3 * math.pi / 2], dtype=D64)  # 2π·n/4
    f = torch.tensor([1e-4, 1.0], dtype=D64)  # linspace(1e-4, bands-1, bands), 2 bands
    expected = torch.stack([t[:, 0], *(torch.cos(fb * omega) for fb in f), *(-torch.sin(fb * omega) for fb in f)], 1)
    torch.testing.assert_close(z, expected)


def reference_filter(filt: HyenaFilter, length: int) -> torch.Tensor:
    """``HyenaFilter.filter`` of the reference: MLP with shared Sin, then exp(-t|δ|) modulation."""
    z, t = positional_features(filt.seq_len, filt.emb_dim, dtype=D64)
    h = z[:length]
    for layer in filt.hidden:
        h = torch.sin(filt.activation.freq * (h @ layer.weight.T + layer.bias))
    h = h @ filt.output.weight.T  # (length, channels)
    max_decay = math.log(filt.target) / filt.fast_decay_pct
    min_decay = math.log(filt.target) / filt.slow_decay_pct
    deltas = torch.linspace(min_decay, max_decay, h.shape[-1], dtype=D64)
    return h * torch.exp(-t[:length] * deltas.abs())


def test_filter_matches_reference():
    torch.manual_seed(0)
    filt = HyenaFilter(6, 20, emb_dim=5, width=8, w=10.0, dtype=D64)
    torch.testing.assert_close(filt.filter(13), reference_filter(filt, 13))
    torch.testing.assert_close(filt(13)[:, 0], reference_filter(filt, 13).T)
    # the window reaches `target` at t = fast_decay_pct for the fastest channel
    assert filt.deltas.abs().max().item() == pytest.approx(-math.log(1e-2) / 0.3)


def reference_hyena(layer: HyenaOperator1d, u: torch.Tensor) -> torch.Tensor:
    """safari ``HyenaOperator.forward`` (one head, one block) with ``fftconv_ref``."""
    L, C, order = u.shape[-1], layer.channels, layer.order
    u = layer.in_proj(u)
    short = layer.short_filter
    uc = F.conv1d(u, short.kernel.weight, short.bias, padding=2, groups=u.shape[1])[..., :L]
    *x, v = uc.split(C, dim=1)
    k = reference_filter(layer.kernel, L).T.reshape(C, order - 1, L).permute(1, 0, 2)  # 'l (v o) -> o v l'
    bias = layer.D.reshape(C, order - 1).T  # '(v o) -> o v'
    fft_size = 2 * L
    for o, x_i in enumerate(reversed(x[1:])):
        v = v * x_i
        k_f = torch.fft.rfft(k[o], n=fft_size) / fft_size
        y = torch.fft.irfft(torch.fft.rfft(v, n=fft_size) * k_f, n=fft_size, norm="forward")[..., :L]
        v = y + v * bias[o][:, None]
    return layer.out_proj(v * x[0])


@pytest.mark.parametrize("order", [2, 3])
def test_operator_matches_reference(order):
    torch.manual_seed(1)
    layer = HyenaOperator1d(4, 16, order=order, filter_width=8, dtype=D64).eval()
    u = torch.randn(2, 4, 16, dtype=D64)
    torch.testing.assert_close(layer(u), reference_hyena(layer, u))


@pytest.mark.parametrize("bidirectional", [False, True])
def test_direct_equals_fft(bidirectional):
    torch.manual_seed(2)
    layer = HyenaOperator1d(3, 20, filter_width=8, bidirectional=bidirectional, dtype=D64)
    engines_agree(layer, torch.randn(2, 3, 20, dtype=D64))


def test_causal_and_bidirectional():
    torch.manual_seed(3)
    x = torch.randn(2, 3, 24, dtype=D64)
    assert_causal(HyenaOperator1d(3, 24, filter_width=8, dtype=D64), x)
    assert_uses_future(HyenaOperator1d(3, 24, filter_width=8, bidirectional=True, dtype=D64), x)


def test_optimizer_hints():
    layer = HyenaOperator1d(4, 16, filter_width=8, filter_lr=2e-4)
    groups = param_groups(layer, lr=1e-2, weight_decay=0.1)
    filter_group = next(g for g in groups if "kernel.output.weight" in g["names"])
    assert filter_group["lr"] == 2e-4 and filter_group["weight_decay"] == 0.0
    assert "kernel.activation.freq" in filter_group["names"]
    assert {n for n in filter_group["names"]} == {n for n, _ in layer.kernel.named_parameters(prefix="kernel")}


def test_sine_frequencies_shared():
    filt = HyenaFilter(2, 8, width=4, num_inner_mlps=3)
    assert sum(1 for name, _ in filt.named_parameters() if name.endswith("freq")) == 1


@pytest.mark.parametrize(
    "kwargs, match",
    [({"order": 1}, "order"), ({"emb_dim": 4}, "emb_dim"), ({"filter_width": 0}, "width"), ({"dropout": 2.0}, "dropout")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HyenaOperator1d(4, 16, **kwargs)
