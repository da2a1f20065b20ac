"""The irregular engine against a slow loop of its definition, and its error messages."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from anyconv.functional.irregular import irregular_conv

D64 = torch.float64


def _kernel(c_out: int, c_in_g: int, seed: int = 0):
    """A smooth kernel function with its own parameters: a[o,c] · exp(−b[o,c] · lag²) · cos(w[o,c] · lag)."""
    g = torch.Generator().manual_seed(seed)
    a, b, w = (torch.rand(c_out, c_in_g, 1, generator=g, dtype=D64) + 0.1 for _ in range(3))

    def fn(lags):
        return a * torch.exp(-b * 0.1 * lags**2) * torch.cos(w * lags)  # (C_out, C_in/g, M)

    return fn


def loop_reference(x, times, fn, bias, mask, causal, window, groups):
    """y[b,o,i] = Σ_j Σ_c K_{o,c}(t_i − t_j) x[b,c,j] over valid j in the window, one term at a time."""
    batch, c_in, n = x.shape
    c_out = fn(torch.zeros(1, dtype=D64)).shape[0]
    c_in_g, c_out_g = c_in // groups, c_out // groups
    lo, hi = window if window is not None else (-math.inf, math.inf)
    if causal:
        lo = max(lo, 0.0)
    y = torch.zeros(batch, c_out, n, dtype=D64)
    for b in range(batch):
        for i in range(n):
            if mask is not None and not mask[b, i]:
                continue
            for j in range(n):
                lag = float(times[b, i] - times[b, j])
                if (mask is not None and not mask[b, j]) or not lo <= lag <= hi:
                    continue
                k = fn(torch.tensor([lag], dtype=D64))[..., 0]  # (C_out, C_in/g)
                for o in range(c_out):
                    g = o // c_out_g
                    y[b, o, i] += (k[o] * x[b, g * c_in_g : (g + 1) * c_in_g, j]).sum()
            if bias is not None:
                y[b, :, i] += bias
    return y


def _irregular_times(batch: int, n: int, seed: int, integer: bool) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    steps = torch.randint(1, 4, (batch, n), generator=g).to(D64) if integer else torch.rand(batch, n, generator=g, dtype=D64) * 2 + 0.05
    return steps.cumsum(-1) - 1.0  # (B, N) strictly increasing


@pytest.mark.parametrize("method", ["pairwise", "grid"])
@pytest.mark.parametrize("causal", [True, False])
@pytest.mark.parametrize("groups", [1, 2])
def test_matches_loop_reference(method, causal, groups):
    torch.manual_seed(0)
    batch, c_in, c_out, n = 2, 4, 6, 9
    x = torch.randn(batch, c_in, n, dtype=D64)
    times = _irregular_times(batch, n, 1, integer=method == "grid")
    mask = torch.ones(batch, n, dtype=torch.bool)
    mask[1, -3:] = False  # padding at the end of the second sequence
    x[1, :, -3:] = float("nan")  # padding values must never be read
    fn, bias = _kernel(c_out, c_in // groups), torch.randn(c_out, dtype=D64)
    window = (-3.0, 5.5)
    got = irregular_conv(x, times, fn, bias, out_channels=c_out, mask=mask, causal=causal, window=window, groups=groups, method=method, chunk_size=4)
    want = loop_reference(torch.nan_to_num(x), times, fn, bias, mask, causal, window, groups)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


def test_grid_and_pairwise_agree_on_integer_times_with_gaps():
    torch.manual_seed(1)
    x = torch.randn(3, 2, 20, dtype=D64)
    times = _irregular_times(3, 20, 2, integer=True) + 5.0  # starts away from 0
    fn = _kernel(2, 1)
    for method in ("direct", "fft"):
        grid = irregular_conv(x, times, fn, out_channels=2, groups=2, method="grid", causal=False, conv_method=method)
        pair = irregular_conv(x, times, fn, out_channels=2, groups=2, method="pairwise", causal=False)
        torch.testing.assert_close(grid, pair, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("q", [2, 8])
def test_grid_path_on_a_finer_grid_equals_pairwise(q):
    torch.manual_seed(6)
    x = torch.randn(2, 2, 15, dtype=D64)
    times = _irregular_times(2, 15, 7, integer=True) / q + 0.5  # multiples of 1/q
    fn = _kernel(2, 1)
    for causal, window in ((True, (0.0, 3.3)), (False, None)):
        grid = irregular_conv(x, times, fn, out_channels=2, groups=2, method="grid", causal=causal, window=window)
        pair = irregular_conv(x, times, fn, out_channels=2, groups=2, method="pairwise", causal=causal, window=window)
        torch.testing.assert_close(grid, pair, rtol=1e-10, atol=1e-10)


def test_regular_grid_equals_a_plain_causal_convolution():
    torch.manual_seed(2)
    n, k = 12, 5
    x = torch.randn(2, 3, n, dtype=D64)
    fn = _kernel(4, 3)
    times = torch.arange(n, dtype=D64).expand(2, n)
    weight = fn(torch.arange(k - 1, -1, -1, dtype=D64))  # taps oldest → now
    want = F.conv1d(F.pad(x, (k - 1, 0)), weight)
    for method in ("pairwise", "grid"):
        got = irregular_conv(x, times, fn, out_channels=4, causal=True, window=(0, k - 1), method=method)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("method", ["pairwise", "grid"])
def test_causal_outputs_ignore_later_samples(method):
    torch.manual_seed(3)
    x = torch.randn(2, 2, 15, dtype=D64)
    times = _irregular_times(2, 15, 4, integer=True)
    fn = _kernel(2, 2)
    y = irregular_conv(x, times, fn, out_channels=2, method=method)
    changed = x.clone()
    changed[..., 7:] += torch.randn_like(changed[..., 7:])
    y2 = irregular_conv(changed, times, fn, out_channels=2, method=method)
    torch.testing.assert_close(y2[..., :7], y[..., :7], rtol=0, atol=1e-12)
    assert (y2[..., 7:] - y[..., 7:]).abs().amax() > 1e-3


def test_gradcheck_pairwise_through_x_times_and_kernel_parameters():
    torch.manual_seed(4)
    x = torch.randn(1, 2, 5, dtype=D64, requires_grad=True)
    times = _irregular_times(1, 5, 5, integer=False).requires_grad_()
    a = torch.rand(2, 1, 1, dtype=D64, requires_grad=True)

    def f(x, times, a):
        def fn(lags):
            return a * torch.exp(-0.3 * lags**2)  # (2, 1, M)

        return irregular_conv(x, times, fn, out_channels=2, groups=2, method="pairwise", chunk_size=2)

    assert torch.autograd.gradcheck(f, (x, times, a))


def test_chunking_changes_nothing():
    torch.manual_seed(5)
    x = torch.randn(2, 2, 11, dtype=D64)
    times = _irregular_times(2, 11, 6, integer=False)
    fn = _kernel(3, 2)
    whole = irregular_conv(x, times, fn, out_channels=3, method="pairwise", chunk_size=11)
    for rows in (1, 3, 7):
        torch.testing.assert_close(irregular_conv(x, times, fn, out_channels=3, method="pairwise", chunk_size=rows), whole, rtol=0, atol=1e-13)


@pytest.mark.parametrize(
    ("times", "mask", "message"),
    [
        (torch.tensor([[0.0, 2.0, 1.0]]), None, "unsorted"),
        (torch.tensor([[0.0, 1.0, 1.0]]), None, "duplicate"),
        (torch.tensor([[0.0, float("nan"), 2.0]]), None, "finite"),
        (torch.tensor([[0.0, float("inf"), 2.0]]), None, "finite"),
        (torch.tensor([[0.0, 1.0]]), None, r"shape \(B, N\)"),
        (torch.tensor([[0, 1, 2]]), None, "floating-point"),
        (torch.tensor([[0.0, 1.0, 2.0]]), torch.ones(1, 3), "bool tensor"),
        (torch.tensor([[0.0, 1.0, 2.0]]), torch.ones(1, 2, dtype=torch.bool), "bool tensor"),
    ],
)
def test_clear_errors(times, mask, message):
    x = torch.randn(1, 2, 3)
    with pytest.raises(ValueError, match=message):
        irregular_conv(x, times, _kernel(2, 2), out_channels=2, mask=mask)


def test_padding_may_hold_any_times_and_grid_needs_integers():
    x = torch.randn(1, 1, 4, dtype=D64)
    times = torch.tensor([[0.0, 1.3, float("nan"), -7.0]], dtype=D64)  # last two are padding
    mask = torch.tensor([[True, True, False, False]])
    y = irregular_conv(x, times, _kernel(1, 1), out_channels=1, mask=mask)
    assert torch.isfinite(y).all() and (y[..., 2:] == 0).all()
    with pytest.raises(ValueError, match="integer times"):
        irregular_conv(x, times, _kernel(1, 1), out_channels=1, mask=mask, method="grid")


def test_kernel_function_of_the_wrong_shape_is_named():
    x = torch.randn(1, 2, 4, dtype=D64)
    times = torch.arange(4, dtype=D64)[None]
    with pytest.raises(ValueError, match="kernel_fn must return"):
        irregular_conv(x, times, lambda lags: torch.ones(2, 2, lags.shape[0] + 1, dtype=D64), out_channels=2)
