"""SMPConv1d / SMPConv2d: geometry against the formula, engines, causality, irregular path,
length change, baking, positive radii under training, gradients, errors."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from anyconv.kernels.points import SMPKernel
from anyconv.layers import SMPConv1d, SMPConv2d

D64 = torch.float64


def _smp1d(**kwargs) -> SMPConv1d:
    torch.manual_seed(0)
    kwargs.setdefault("radius", 0.3)
    kwargs.setdefault("weight_std", 0.5)
    return SMPConv1d(3, 4, dtype=D64, **kwargs)


def _formula(layer, positions: torch.Tensor) -> torch.Tensor:
    """K[o, c](x) = Σ_i w[o, c, i] relu(1 − ‖x − p[o, i]‖₁ / r[o, i]), by broadcasting in float64."""
    k = layer.kernel
    p, r, w = k.coords.detach(), k.radius.detach(), k.weights.detach()
    tents = (1 - (positions[None, None] - p[:, :, None]).abs().sum(-1) / r[..., None]).clamp_min(0)  # (O, P, N)
    return torch.einsum("ocp,opn->ocn", w, tents)


def test_causal_weight_is_the_formula_on_linspace_with_now_last():
    layer = _smp1d()
    weight, mode = layer.weight_1d(11)
    assert mode == "causal" and weight.shape == (4, 3, 11)
    expected = _formula(layer, torch.linspace(-1, 1, 11, dtype=D64)[:, None])  # tap 10 = position +1 = "now"
    torch.testing.assert_close(weight.detach(), expected, rtol=0, atol=1e-12)
    y = layer(x := torch.randn(2, 3, 11, dtype=D64))
    reference = F.conv1d(F.pad(x, (10, 0)), expected, layer.bias)  # causal cross-correlation
    torch.testing.assert_close(y, reference, rtol=1e-10, atol=1e-12)


def test_same_and_2d_weights_are_the_formula():
    layer = _smp1d(mode="same", kernel_size=7)
    torch.testing.assert_close(layer.weight_1d(20)[0].detach(), _formula(layer, torch.linspace(-1, 1, 7, dtype=D64)[:, None]))
    torch.manual_seed(1)
    conv = SMPConv2d(2, 3, (5, 3), radius=0.6, weight_std=0.5, dtype=D64)
    grid = torch.stack(torch.meshgrid(torch.linspace(-1, 1, 5, dtype=D64), torch.linspace(-1, 1, 3, dtype=D64), indexing="ij"), -1)
    expected = _formula(conv, grid.reshape(-1, 2)).reshape(3, 2, 5, 3)
    torch.testing.assert_close(conv.weight_2d().detach(), expected)
    x = torch.randn(2, 2, 6, 7, dtype=D64)
    torch.testing.assert_close(conv(x), F.conv2d(x, expected, conv.bias, padding="same"))


@pytest.mark.parametrize("kwargs", [{}, {"mode": "same"}, {"kernel_size": 9}, {"groups": 1, "mode": "same", "kernel_size": 6}])
def test_direct_and_fft_engines_agree_1d(kwargs):
    x = torch.randn(2, 3, 37, dtype=D64)
    direct, fft = _smp1d(method="direct", **kwargs), _smp1d(method="fft", **kwargs)
    torch.testing.assert_close(direct(x), fft(x), rtol=1e-9, atol=1e-10)
    assert (direct.engine, fft.engine) == ("direct", "fft")


def test_direct_and_fft_engines_agree_2d_depthwise():
    torch.manual_seed(2)
    direct = SMPConv2d(4, 4, 7, groups=4, method="direct", weight_std=0.5, dtype=D64)
    fft = SMPConv2d(4, 4, 7, groups=4, method="fft", weight_std=0.5, dtype=D64)
    fft.load_state_dict(direct.state_dict())
    x = torch.randn(2, 4, 9, 10, dtype=D64)
    torch.testing.assert_close(direct(x), fft(x), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("irregular", [False, True])
def test_causal_perturbing_the_future_leaves_the_past(irregular):
    layer = _smp1d().eval()
    x = torch.randn(2, 3, 24, dtype=D64)
    times = torch.sort(torch.randperm(60)[:24]).values.to(D64).expand(2, -1) if irregular else None
    changed = x.clone()
    changed[..., 13:] += torch.randn_like(changed[..., 13:])
    with torch.no_grad():
        before, after = layer(x, times=times), layer(changed, times=times)
    torch.testing.assert_close(after[..., :13], before[..., :13], rtol=0, atol=1e-12)
    assert float((after[..., 13:] - before[..., 13:]).abs().max()) > 1e-6


@pytest.mark.parametrize("mode", ["causal", "same"])
def test_irregular_path_on_a_regular_grid_equals_the_regular_path(mode):
    layer = _smp1d(mode=mode)
    x = torch.randn(2, 3, 19, dtype=D64)
    times = torch.arange(19, dtype=D64).expand(2, -1)
    torch.testing.assert_close(layer(x, times=times), layer(x), rtol=1e-10, atol=1e-12)


def test_length_change_resamples_the_kernel_with_the_sampling_rate_normalisation():
    # trained at L = 21; at 2L - 1 = 41 samples the old taps are every other new tap, scaled by (21-1)/(41-1)
    layer = _smp1d(reference_length=21)
    short, long = layer.weight_1d(21)[0].detach(), layer.weight_1d(41)[0].detach()
    torch.testing.assert_close(long[..., ::2], short * 0.5, rtol=1e-12, atol=1e-14)
    assert layer(torch.randn(2, 3, 42, dtype=D64)).shape == (2, 4, 42)  # and 2L runs


def test_length_change_approximates_the_same_integral():
    # a smooth signal at 2L samples gives (almost) the output at L at the shared times
    layer = _smp1d(reference_length=101, radius=0.4)
    t_short, t_long = torch.linspace(0, 1, 101, dtype=D64), torch.linspace(0, 1, 201, dtype=D64)
    signal = lambda t: torch.stack([torch.sin(2 * torch.pi * t), torch.cos(3 * t), t**2])[None]  # noqa: E731
    with torch.no_grad():
        y_short, y_long = layer(signal(t_short)), layer(signal(t_long))[..., ::2]
    assert float((y_long - y_short).abs().max()) < 0.03 * float(y_short.abs().max())


def test_bake_equals_live():
    for layer, x, sizes in (
        (_smp1d(), torch.randn(2, 3, 15, dtype=D64), (15,)),
        (_smp1d(mode="same", kernel_size=5), torch.randn(2, 3, 15, dtype=D64), ()),
        (SMPConv2d(2, 2, 5, weight_std=0.5, dtype=D64), torch.randn(1, 2, 7, 8, dtype=D64), ()),
    ):
        baked = layer.bake(*sizes)
        assert not any(isinstance(m, (SMPKernel, SMPConv1d, SMPConv2d)) for m in baked.modules())  # a plain conv
        with torch.no_grad():
            torch.testing.assert_close(baked(x), layer(x), rtol=1e-10, atol=1e-12)


def test_radii_stay_positive_after_a_wild_optimizer_step():
    layer = SMPConv1d(2, 2)
    optimizer = torch.optim.SGD(layer.parameters(), lr=1e6)
    for _ in range(3):
        optimizer.zero_grad()
        (layer(torch.randn(4, 2, 30)) ** 2).sum().backward()
        optimizer.step()
    assert bool((layer.kernel.radius > 0).all())
    assert bool(torch.isfinite(layer.weight_1d(30)[0]).all())


def test_default_radius_is_two_grid_steps():
    radius = lambda layer: float(layer.kernel.radius.detach()[0, 0])  # noqa: E731
    assert abs(radius(SMPConv1d(1, 1, kernel_size=41)) - 0.1) < 1e-5
    assert abs(radius(SMPConv1d(1, 1, reference_length=41)) - 0.1) < 1e-5
    assert abs(radius(SMPConv1d(1, 1, reference_length=41, mode="same")) - 0.05) < 1e-5
    assert abs(radius(SMPConv2d(1, 1, 9)) - 0.5) < 1e-5
    assert SMPConv2d(1, 1, 9).kernel.n_points == 20


def test_small_kernels_start_as_dense_kernels_with_a_point_on_every_tap():
    torch.manual_seed(4)
    conv = SMPConv2d(2, 3, 3, weight_std=1.0, dtype=D64)
    assert conv.kernel.n_points == 9 and abs(float(conv.kernel.radius.detach()[0, 0]) - 1.0) < 1e-9
    expected = conv.kernel.weights.detach().reshape(3, 2, 3, 3)  # point i sits on tap i (C order)
    torch.testing.assert_close(conv.weight_2d().detach(), expected, rtol=0, atol=1e-9)
    assert SMPConv1d(1, 1, kernel_size=5).kernel.n_points == 5
    assert SMPConv1d(1, 1, kernel_size=5, n_points=2).kernel.n_points == 2  # an explicit count wins


def test_gradcheck_tiny():
    torch.manual_seed(3)
    layer = SMPConv1d(2, 2, kernel_size=4, mode="same", n_points=3, radius=0.9, weight_std=0.5, dtype=D64)
    x = torch.randn(1, 2, 6, dtype=D64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: layer(x), (x,))
    names = ("kernel.coords", "kernel.radius_raw", "kernel.weights", "bias")
    params = dict(layer.named_parameters())

    def f(*values):
        return torch.func.functional_call(layer, dict(zip(names, values)), (x.detach(),))

    assert torch.autograd.gradcheck(f, tuple(params[n].detach().clone().requires_grad_(True) for n in names))


def test_errors():
    with pytest.raises(ValueError, match="mode"):
        SMPConv1d(2, 2, mode="full")
    with pytest.raises(ValueError, match="kernel_size is required"):
        SMPConv2d(2, 2, None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="n_points"):
        SMPConv1d(2, 2, n_points=0)
    with pytest.raises(ValueError, match="radius"):
        SMPConv1d(2, 2, radius=-1.0)
    layer = SMPConv1d(2, 2)
    with pytest.raises(ValueError, match="strictly increasing"):
        layer(torch.randn(1, 2, 3), times=torch.tensor([[0.0, 2.0, 1.0]]))
    with pytest.raises(ValueError, match="times must be a tensor of shape"):
        layer(torch.randn(1, 2, 3), times=torch.tensor([[0.0, 1.0]]))
