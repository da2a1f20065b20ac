"""InceptionDWConv2d against InceptionNeXt's forward (nn.Conv2d branches on the same weights) and a hand-built kernel."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from anyconv.layers import InceptionDWConv2d

D64 = torch.float64


def _inceptionnext_forward(layer: InceptionDWConv2d, x: torch.Tensor) -> torch.Tensor:
    """InceptionNeXt's reference forward: split, three depthwise nn.Conv2d, concatenate."""
    n_id, g = layer.split_sizes[0], layer.split_sizes[1]
    s, k = layer.square_kernel_size, layer.kernel_size
    convs = [
        nn.Conv2d(g, g, s, padding=s // 2, groups=g, padding_mode=layer.padding_mode, dtype=D64),
        nn.Conv2d(g, g, (1, k), padding=(0, k // 2), groups=g, padding_mode=layer.padding_mode, dtype=D64),
        nn.Conv2d(g, g, (k, 1), padding=(k // 2, 0), groups=g, padding_mode=layer.padding_mode, dtype=D64),
    ]
    with torch.no_grad():
        for i, conv in enumerate(convs):
            conv.weight.copy_(layer.weights[i])
            conv.bias.copy_(layer.biases[i] if layer.biases is not None else torch.zeros(g, dtype=D64))
    x_id, x_hw, x_w, x_h = torch.split(x, [n_id, g, g, g], dim=1)
    return torch.cat((x_id, convs[0](x_hw), convs[1](x_w), convs[2](x_h)), dim=1)


def _hand_built_kernel(layer: InceptionDWConv2d) -> tuple[torch.Tensor, torch.Tensor]:
    size = max(layer.kernel_size, layer.square_kernel_size)
    c, centre = layer.channels, size // 2
    n_id, g = layer.split_sizes[0], layer.split_sizes[1]
    weight, bias = torch.zeros(c, 1, size, size, dtype=D64), torch.zeros(c, dtype=D64)
    for ch in range(n_id):
        weight[ch, 0, centre, centre] = 1.0
    for b, w in enumerate(layer.weights):
        kh, kw = w.shape[-2:]
        for ch in range(g):
            out = n_id + b * g + ch
            if layer.biases is not None:
                bias[out] = float(layer.biases[b][ch])
            for i in range(kh):
                for j in range(kw):
                    weight[out, 0, centre + i - kh // 2, centre + j - kw // 2] = float(w[ch, 0, i, j])
    return weight, bias


CASES = [  # channels, kernel_size (band), square, ratio, bias, padding_mode
    (8, 3, 3, 0.125, True, "zeros"),
    (16, 5, 3, 0.125, True, "reflect"),
    (12, 7, 5, 0.25, False, "replicate"),
    (10, 9, 3, 0.2, True, "circular"),
    (9, 11, 3, 1 / 3, True, "zeros"),  # 9 - 3·3 = 0 identity channels
    (8, 3, 5, 0.125, True, "reflect"),  # square larger than the band
]


@pytest.mark.parametrize(("channels", "kernel_size", "square", "ratio", "bias", "padding_mode"), CASES)
def test_equals_inceptionnext_and_the_hand_built_kernel(channels, kernel_size, square, ratio, bias, padding_mode):
    torch.manual_seed(kernel_size)
    layer = InceptionDWConv2d(channels, kernel_size, square_kernel_size=square, branch_ratio=ratio, bias=bias,
                              padding_mode=padding_mode, dtype=D64)
    g = int(channels * ratio)
    assert layer.split_sizes == [channels - 3 * g, g, g, g]
    x = torch.randn(2, channels, 13, 12, dtype=D64)
    with torch.no_grad():
        got = layer(x)
        torch.testing.assert_close(got, _inceptionnext_forward(layer, x), rtol=1e-12, atol=1e-12)
        weight, b = _hand_built_kernel(layer)
        size = weight.shape[-1]
        mode = "constant" if padding_mode == "zeros" else padding_mode
        want = F.conv2d(F.pad(x, [size // 2] * 4, mode=mode), weight, b, groups=channels)
        torch.testing.assert_close(got, want, rtol=1e-12, atol=1e-12)
        baked = layer.bake(13, 12)
        assert type(baked) is nn.Conv2d and baked.kernel_size == (size, size) and baked.groups == channels
        torch.testing.assert_close(baked(x), got, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(got[:, : channels - 3 * g], x[:, : channels - 3 * g], rtol=0, atol=0)


def test_defaults_and_parameter_count_are_inceptionnexts():
    layer = InceptionDWConv2d(64)
    assert (layer.kernel_size, layer.square_kernel_size, layer.branch_ratio) == (11, 3, 0.125)
    assert layer.split_sizes == [40, 8, 8, 8]
    assert sum(p.numel() for p in layer.parameters()) == 8 * (9 + 11 + 11) + 3 * 8


def test_gradcheck():
    torch.manual_seed(0)
    layer = InceptionDWConv2d(4, 3, branch_ratio=0.25, padding_mode="reflect", dtype=D64)
    x = torch.randn(2, 4, 4, 5, dtype=D64, requires_grad=True)
    names, params = zip(*layer.named_parameters())

    def run(x, *p):
        return torch.func.functional_call(layer, dict(zip(names, p)), (x,))

    assert torch.autograd.gradcheck(run, (x, *params))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(channels=4), r"channels=4 with branch_ratio=0.125 leaves int\(4 \* 0.125\) = 0 channels per conv branch; need channels >= 8"),
        (dict(channels=8, kernel_size=4), r"kernel_size must be an odd int >= 1, got 4"),
        (dict(channels=8, square_kernel_size=2), r"square_kernel_size must be an odd int >= 1, got 2"),
        (dict(channels=8, branch_ratio=0.5), r"branch_ratio must be a float in \(0, 1/3\], got 0.5"),
        (dict(channels=8, branch_ratio=0), r"branch_ratio must be a float in \(0, 1/3\], got 0"),
        (dict(channels=8, bias=1), r"bias must be True or False, got 1"),
        (dict(channels=8, padding_mode="valid"), r"padding_mode must be one of"),
    ],
)
def test_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        InceptionDWConv2d(**kwargs)


def test_wrong_input_is_named():
    with pytest.raises(ValueError, match=r"expected x of shape \(B, 8, H, W\), got \(2, 4, 5, 5\)"):
        InceptionDWConv2d(8)(torch.randn(2, 4, 5, 5))
