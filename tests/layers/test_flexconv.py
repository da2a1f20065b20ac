"""FlexConv: the Gaussian mask, the dynamic crop (everything above the threshold kept, nothing below),
compute following σ, the crop on irregular inputs, the optimizer hint."""

from __future__ import annotations

import math

import pytest
import torch

from anyconv.kernels.positions import layout
from anyconv.layers import FlexConv1d, FlexConv2d
from anyconv.optim import param_groups

D64 = torch.float64


def _pair(**kwargs):
    """The same FlexConv with and without the crop."""
    torch.manual_seed(0)
    cropped = FlexConv1d(dtype=D64, **kwargs)
    full = FlexConv1d(dtype=D64, crop=False, **kwargs)
    full.load_state_dict(cropped.state_dict())
    return cropped, full


def _mask_at_taps(layer, k, mode):
    """Mask value of each tap of a K-tap kernel laid out for ``mode`` (tap 0 = oldest / leftmost)."""
    left, center, step = layout(k, mode)
    lags = torch.arange(left, left - k, -1, dtype=D64)
    return layer.mask(center - lags[:, None] * step)  # (K,)


@pytest.mark.parametrize("mode", ["causal", "same"])
@pytest.mark.parametrize("sigma", [0.05, 0.2, 0.45])
def test_crop_keeps_everything_above_the_threshold_and_nothing_below(mode, sigma):
    k = 61
    cropped, full = _pair(in_channels=2, out_channels=2, kernel_size=k, mode=mode, init_sigma=sigma)
    with torch.no_grad():
        w_crop, _ = cropped.weight_1d(200)
        w_full, _ = full.weight_1d(200)
    mask = _mask_at_taps(full, k, mode)
    above = mask >= cropped.mask.threshold
    assert 0 < int(above.sum()) < k  # the crop has something to do
    # the cropped kernel is laid out like the full one once aligned on lag 0 ("now" / centre)
    if mode == "causal":
        aligned = torch.nn.functional.pad(w_crop, (k - w_crop.shape[-1], 0))
    else:
        pad = (k - w_crop.shape[-1]) // 2
        aligned = torch.nn.functional.pad(w_crop, (pad, pad))
    torch.testing.assert_close(aligned[..., above], w_full[..., above], rtol=0, atol=0)  # everything above kept
    assert (aligned[..., ~above] == 0).all()  # nothing below
    assert w_crop.shape[-1] == int(above.sum())  # and no zero taps computed


def test_compute_follows_sigma():
    lengths = []
    for sigma in (0.02, 0.1, 0.4):
        layer = FlexConv1d(4, 4, kernel_size=None, groups=4, init_sigma=sigma)
        with torch.no_grad():
            lengths.append(layer.weight_1d(1000)[0].shape[-1])
    radius = math.sqrt(-2 * math.log(0.1))
    assert lengths[0] < lengths[1] < lengths[2] < 1000
    for sigma, k in zip((0.02, 0.1, 0.4), lengths):
        assert k == math.floor(sigma * radius / (2 / 999) + 1e-9) + 1  # taps inside μ − r … 1


@pytest.mark.parametrize("mode", ["causal", "same"])
@pytest.mark.parametrize("kernel_size", [None, 25])
def test_cropped_output_equals_the_full_kernel_with_subthreshold_taps_zeroed(mode, kernel_size):
    cropped, full = _pair(in_channels=3, out_channels=3, kernel_size=kernel_size, mode=mode, groups=3, init_sigma=0.15,
                          reference_length=40 if kernel_size is None else None)
    x = torch.randn(2, 3, 40, dtype=D64)
    with torch.no_grad():
        w_full, engine_mode = full.weight_1d(40)
        k = w_full.shape[-1]
        keep = _mask_at_taps(full, k, mode) >= full.mask.threshold
        w_zeroed = torch.where(keep, w_full, torch.zeros_like(w_full))
        want = full._run_engine(x, w_zeroed, engine_mode)
        torch.testing.assert_close(cropped(x), want, rtol=1e-10, atol=1e-10)
        times = torch.arange(40, dtype=D64).expand(2, 40)
        for method in ("grid", "pairwise"):  # the irregular path crops the same window
            cropped.irregular_method = method
            torch.testing.assert_close(cropped(x, times=times), want, rtol=1e-10, atol=1e-10)


def test_2d_crop_per_axis():
    torch.manual_seed(0)
    layer = FlexConv2d(2, 2, (15, 9), init_sigma=0.3, dtype=D64)
    full = FlexConv2d(2, 2, (15, 9), init_sigma=0.3, crop=False, dtype=D64)
    full.load_state_dict(layer.state_dict())
    with torch.no_grad():
        w = layer.weight_2d()
        w_full = full.weight_2d()
    r = 0.3 * math.sqrt(-2 * math.log(0.1))
    for axis, k in ((0, 15), (1, 9)):
        coords = torch.linspace(-1, 1, k, dtype=D64)
        assert w.shape[2 + axis] == int((coords.abs() <= r).sum())
    hh, ww = w.shape[-2:]
    top, left = (15 - hh) // 2, (9 - ww) // 2
    torch.testing.assert_close(w, w_full[..., top : top + hh, left : left + ww], rtol=0, atol=0)
    x = torch.randn(1, 2, 12, 12, dtype=D64)
    layer.method = "direct"
    direct = layer(x)
    layer.method = "fft"
    torch.testing.assert_close(layer(x), direct, rtol=1e-9, atol=1e-9)


def test_mask_formula_and_gradient_to_sigma():
    layer = FlexConv1d(1, 1, kernel_size=9, init_sigma=0.3, learn_mean=True, dtype=D64)
    p = torch.linspace(-1, 1, 7, dtype=D64)[:, None]
    torch.testing.assert_close(layer.mask(p), torch.exp(-0.5 * ((p[:, 0] - 1.0) / 0.3) ** 2))
    layer(torch.randn(1, 1, 9, dtype=D64)).sum().backward()
    assert layer.mask.sigma.grad is not None and layer.mask.sigma.grad.abs().sum() > 0
    assert layer.mask.mean.grad is not None


def test_mask_parameters_carry_the_reference_learning_rate_factor():
    layer = FlexConv1d(2, 2, kernel_size=8, learn_mean=True)
    groups = param_groups(layer, lr=1e-2)
    hinted = [g for g in groups if abs(g["lr"] - 1e-3) < 1e-12]
    assert len(hinted) == 1
    assert {id(p) for p in hinted[0]["params"]} == {id(layer.mask.sigma), id(layer.mask.mean)}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(dict(threshold=1.5), "threshold"), (dict(init_sigma=0.0), "init_sigma"), (dict(init_sigma=float("nan")), "init_sigma")],
)
def test_mask_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FlexConv1d(2, 2, **kwargs)


def test_gradcheck_through_sigma_and_x():
    torch.manual_seed(0)
    layer = FlexConv1d(1, 1, kernel_size=None, hidden=4, num_layers=1, init_sigma=0.4, dtype=D64)
    x = torch.randn(1, 1, 6, dtype=D64, requires_grad=True)
    sigma = layer.mask.sigma.detach().clone().requires_grad_()
    times = torch.tensor([[0.0, 0.5, 1.7, 2.0, 4.1, 5.0]], dtype=D64)

    def f(x, sigma):
        params = {"mask.sigma": sigma}
        regular = torch.func.functional_call(layer, params, (x,))
        irregular = torch.func.functional_call(layer, params, (x,), {"times": times})
        return regular, irregular

    assert torch.autograd.gradcheck(f, (x, sigma))


@pytest.mark.parametrize("mode", ["causal", "same"])
def test_a_mask_narrower_than_one_step_keeps_the_nearest_tap(mode):
    layer = FlexConv1d(2, 2, kernel_size=None, init_sigma=1e-5, mode=mode, dtype=D64)
    x = torch.randn(1, 2, 50, dtype=D64)
    assert layer.weight_1d(50)[0].shape[-1] == 1
    times = torch.arange(50, dtype=D64)[None]
    torch.testing.assert_close(layer(x, times=times), layer(x), rtol=1e-12, atol=1e-12)


def test_2d_default_sigma_keeps_a_3x3_neighbourhood_that_can_grow():
    layer = FlexConv2d(2, 2, 3)
    assert tuple(layer.weight_2d().shape[-2:]) == (3, 3)
    layer(torch.randn(1, 2, 6, 6)).square().sum().backward()
    assert float(layer.mask.sigma.grad.abs().sum()) > 0
    assert FlexConv2d(2, 2, 33).mask.init_sigma == 0.075  # large kernels keep the reference's σ₀
