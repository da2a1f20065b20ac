"""conv2d: both engines against torch's conv2d on hand-padded input."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import conv2d
from tests.reference import reference_conv

MODES_2D = ["valid", "same", "full", "circular"]
TOL = {torch.float32: dict(rtol=1e-4, atol=1e-4), torch.float64: dict(rtol=1e-10, atol=1e-10)}
H, W = 7, 9
KERNELS = [(3, 3), (4, 2), (7, 9), (9, 12), (2, 11)]  # odd, even, K = size, K > size, mixed


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", MODES_2D)
@pytest.mark.parametrize("ks", KERNELS, ids=[f"{a}x{b}" for a, b in KERNELS])
@pytest.mark.parametrize("channels", [(4, 6, 1), (4, 4, 4), (4, 6, 2)], ids=["dense", "depthwise", "grouped"])
@pytest.mark.parametrize("batch,per_sample", [(1, False), (2, False), (2, True)], ids=["b1", "b2", "b2-per-sample"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["f32", "f64"])
def test_matches_torch_on_hand_padded_input(method, mode, ks, channels, batch, per_sample, dtype):
    if mode == "valid" and (ks[0] > H or ks[1] > W):
        pytest.skip("valid needs K <= size")
    c_in, c_out, groups = channels
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, c_in, H, W, generator=gen, dtype=dtype)
    shape = (c_out, c_in // groups, *ks)
    weight = torch.randn((batch, *shape) if per_sample else shape, generator=gen, dtype=dtype)
    bias = torch.randn(c_out, generator=gen, dtype=dtype)
    got = conv2d(x, weight, bias, mode=mode, groups=groups, method=method)
    want = reference_conv(x, weight, bias, mode=mode, groups=groups, flip=False)
    assert got.shape == want.shape
    torch.testing.assert_close(got, want, **TOL[dtype])


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_same_matches_torch_same_padding(method):
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(2, 3, 10, 11, generator=gen, dtype=torch.float64)
    w = torch.randn(5, 3, 4, 5, generator=gen, dtype=torch.float64)
    torch.testing.assert_close(conv2d(x, w, mode="same", method=method), F.conv2d(x, w, padding="same"))


@pytest.mark.parametrize("method", ["direct", "fft"])
def test_flip_reverses_both_axes(method):
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(1, 2, 6, 6, generator=gen, dtype=torch.float64)
    w = torch.randn(2, 1, 3, 4, generator=gen, dtype=torch.float64)
    got = conv2d(x, w, mode="full", groups=2, method=method, flip=True)
    want = reference_conv(x, w.flip(-1, -2), None, mode="full", groups=2, flip=False)
    torch.testing.assert_close(got, want)


@pytest.mark.parametrize("method", ["direct", "fft"])
@pytest.mark.parametrize("mode", MODES_2D)
def test_gradcheck(method, mode):
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(1, 2, 4, 5, generator=gen, dtype=torch.float64, requires_grad=True)
    w = torch.randn(2, 1, 3, 2, generator=gen, dtype=torch.float64, requires_grad=True)
    torch.autograd.gradcheck(lambda a, b: conv2d(a, b, mode=mode, groups=2, method=method), (x, w))
