"""The FFT engine's cheaper pieces: the one-sided ``rfft`` backward and the overlap-save
transform size for paddings below ``K - 1`` (both must equal the plain computation)."""

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional import conv1d
from anyconv.functional.fft import rfft

D64 = torch.float64


@pytest.mark.parametrize(("m", "n"), [(5, 8), (5, 9), (7, 7), (1, 2), (3, 16)])
def test_rfft_gradients_equal_torch(m, n):
    torch.manual_seed(0)
    t = torch.randn(2, 3, m, dtype=D64, requires_grad=True)
    g = torch.randn(2, 3, n // 2 + 1, dtype=torch.complex128)
    ours = torch.autograd.grad(rfft(t, n), t, g)[0]
    ref = torch.autograd.grad(torch.fft.rfft(t, n=n), t, g)[0]
    torch.testing.assert_close(ours, ref, rtol=0, atol=1e-12)
    assert torch.autograd.gradcheck(lambda a: torch.view_as_real(rfft(a, n)), (t,))
    assert torch.autograd.gradgradcheck(lambda a: torch.view_as_real(rfft(a, n)), (t,))


@pytest.mark.parametrize(("length", "taps", "padding"), [(40, 40, 0), (40, 40, 13), (40, 40, 39), (9, 30, 4), (30, 9, 8)])
@pytest.mark.parametrize("flip", [False, True])
def test_fft_with_partial_padding_equals_torch(length, taps, padding, flip):
    torch.manual_seed(1)
    x = torch.randn(2, 3, length, dtype=D64, requires_grad=True)
    w = torch.randn(2, 3, 1, taps, dtype=D64, requires_grad=True)  # per-sample, depthwise
    if length + 2 * padding < taps:
        pytest.skip("no output")
    y = conv1d(x, w, None, padding=padding, groups=3, method="fft", flip=flip)
    ref = torch.stack([
        F.conv1d(x[i : i + 1], (w[i].flip(-1) if flip else w[i]), padding=padding, groups=3)[0] for i in range(2)
    ])
    torch.testing.assert_close(y, ref, rtol=1e-10, atol=1e-10)
    gy = torch.randn_like(ref)
    torch.testing.assert_close(
        torch.autograd.grad(y, (x, w), gy), torch.autograd.grad(ref, (x, w), gy), rtol=1e-10, atol=1e-10
    )


def test_depthwise_fft_path_is_once_differentiable_and_direct_is_not():
    """The fused depthwise FFT path has written-out adjoints (no double backward: it raises, never
    returns a wrong second derivative); ``method="direct"`` is the way to second derivatives."""
    torch.manual_seed(2)
    x = torch.randn(1, 2, 16, dtype=D64, requires_grad=True)
    w = torch.randn(2, 1, 16, dtype=D64, requires_grad=True)
    (gx,) = torch.autograd.grad(conv1d(x, w, mode="causal", groups=2, method="fft").square().sum(), x, create_graph=True)
    with pytest.raises(RuntimeError, match="differentiate twice"):
        gx.sum().backward()
    assert torch.autograd.gradgradcheck(lambda a, b: conv1d(a, b, mode="causal", groups=2, method="direct"), (x, w))
