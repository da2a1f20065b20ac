"""WeightedConv1d/2d: torch's conv on a hand-built ``weight ⊙ Φ`` across torch's arguments."""

from __future__ import annotations

import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from anyconv.layers.weighted import WeightedConv1d, WeightedConv2d
from anyconv.optim import param_groups
from tests.reference import reference_conv

D64 = torch.float64


def hand_density(den: list[float]) -> list[float]:
    """α = [den, 1, reversed(den)] written out as a Python list."""
    return [*den, 1.0, *reversed(den)]


def hand_phi(dens: list[list[float]]) -> torch.Tensor:
    """Φ by explicit loops over the grid (1 or 2 axes)."""
    alphas = [hand_density(d) for d in dens]
    if len(alphas) == 1:
        return torch.tensor(alphas[0], dtype=D64)
    rows, cols = alphas
    return torch.tensor([[rows[i] * cols[j] for j in range(len(cols))] for i in range(len(rows))], dtype=D64)


def torch_reference(x, weight, bias, *, stride, padding, dilation, groups, padding_mode):
    """``torch.nn.Conv*d`` semantics, written with F.pad + F.conv*d."""
    ndim = x.ndim - 2
    conv = F.conv1d if ndim == 1 else F.conv2d
    pads = (padding,) * ndim if isinstance(padding, int) else padding
    if padding_mode != "zeros":
        x = F.pad(x, [p for p in reversed(pads) for _ in range(2)], mode=padding_mode)
        return conv(x, weight, bias, stride, 0, dilation, groups)
    return conv(x, weight, bias, stride, pads, dilation, groups)


# kernel size, density (outermost first), stride, padding, dilation, groups, padding_mode
CASES = [
    (3, [0.5], 1, 1, 1, 1, "zeros"),
    (5, [0.2, 0.8], 2, 2, 1, 2, "reflect"),
    (7, [0.25, 0.15, 0.55], 1, 3, 2, 1, "replicate"),
    (9, [0.1, 0.4, 0.7, 1.3], 3, 4, 1, 4, "circular"),
    (11, [0.05, 0.3, 0.6, 0.9, 1.2], 1, 0, 1, 2, "zeros"),
    (3, [1.5], 1, "same", 2, 1, "zeros"),
]


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize(("k", "den", "stride", "padding", "dilation", "groups", "padding_mode"), CASES)
def test_equals_torch_conv_on_hand_built_kernel(ndim, k, den, stride, padding, dilation, groups, padding_mode):
    torch.manual_seed(k)
    cls = WeightedConv1d if ndim == 1 else WeightedConv2d
    layer = cls(4, 8, k, stride, padding, dilation, groups, True, padding_mode, density=den, dtype=D64)
    x = torch.randn(2, 4, *([23, 19][:ndim]), dtype=D64)
    phi = hand_phi([den] * ndim)
    want = torch_reference(x, layer.kernel.weight * phi, layer.bias, stride=stride, padding=padding, dilation=dilation,
                           groups=groups, padding_mode=padding_mode)
    torch.testing.assert_close(layer(x), want, rtol=1e-10, atol=1e-10)


def test_rectangular_kernel_has_one_density_per_axis():
    torch.manual_seed(0)
    layer = WeightedConv2d(3, 5, (3, 7), padding=(1, 3), density=[[0.6], [0.1, 0.4, 0.9]], dtype=D64)
    x = torch.randn(2, 3, 9, 12, dtype=D64)
    phi = hand_phi([[0.6], [0.1, 0.4, 0.9]])  # (3, 7)
    torch.testing.assert_close(layer(x), F.conv2d(x, layer.kernel.weight * phi, layer.bias, padding=(1, 3)), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("ndim", "mode"), [(1, "causal"), (1, "full"), (2, "same"), (2, "circular"), (2, "valid")])
def test_boundary_modes(ndim, mode):
    torch.manual_seed(1)
    cls = WeightedConv1d if ndim == 1 else WeightedConv2d
    layer = cls(4, 6, 5, groups=2, mode=mode, density=[0.3, 0.7], dtype=D64)
    x = torch.randn(2, 4, *([11, 10][:ndim]), dtype=D64)
    want = reference_conv(x, layer.kernel.weight * hand_phi([[0.3, 0.7]] * ndim), layer.bias, mode=mode, groups=2, flip=False)
    torch.testing.assert_close(layer(x), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(("ndim", "torch_cls"), [(1, nn.Conv1d), (2, nn.Conv2d)])
def test_all_ones_density_is_torch_conv_with_the_same_seed(ndim, torch_cls):
    """Same seed → same initial weight and bias as torch; all-ones density → the same outputs."""
    cls = WeightedConv1d if ndim == 1 else WeightedConv2d
    torch.manual_seed(7)
    ours = cls(6, 4, 5, 2, 1, 1, 2, True, "reflect", density=[1.0, 1.0])
    torch.manual_seed(7)
    theirs = torch_cls(6, 4, 5, 2, 1, 1, 2, True, "reflect")
    assert torch.equal(ours.kernel.weight, theirs.weight) and torch.equal(ours.bias, theirs.bias)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    x = torch.randn(3, 6, *([17, 13][:ndim]))
    torch.testing.assert_close(ours(x), theirs(x), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(("args", "kwargs"), [((3, 8, 7), {}), ((8, 8, 3), {"groups": 8, "bias": False}), ((4, 2, (5, 3)), {})])
def test_parameter_count_equals_torch(args, kwargs):
    ours, theirs = WeightedConv2d(*args, **kwargs), nn.Conv2d(*args, **kwargs)
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in theirs.parameters())
    learnable = WeightedConv2d(*args, **kwargs, learnable_density=True)
    extra = sum(p.numel() for p in learnable.parameters()) - sum(p.numel() for p in theirs.parameters())
    assert extra == sum(learnable.kernel.split_sizes)  # (K-1)/2 per axis (one vector for square kernels)


def test_default_density_is_the_reference_suggestion_else_uniform():
    assert WeightedConv2d(1, 1, 3).kernel.den.tolist() == pytest.approx([0.7])
    assert WeightedConv2d(1, 1, 7).kernel.den.tolist() == pytest.approx([0.25, 0.15, 0.55])
    assert WeightedConv1d(1, 1, 9).kernel.den.tolist() == [1.0] * 4
    assert WeightedConv2d(1, 1, 1).kernel.den.numel() == 0


def test_errors_are_clear():
    with pytest.raises(ValueError, match=r"odd kernel size.*got kernel_size=\(4,\)"):
        WeightedConv1d(2, 2, 4)
    with pytest.raises(ValueError, match=r"odd kernel size.*\(3, 4\)"):
        WeightedConv2d(2, 2, (3, 4))
    with pytest.raises(ValueError, match=r"density must have 2 values .* got 1"):
        WeightedConv2d(2, 2, 5, density=[0.5])
    with pytest.raises(ValueError, match=r"density\[1\] must have 3 values"):
        WeightedConv2d(2, 2, (3, 7), density=[[0.5], [0.5]])
    with pytest.raises(ValueError, match="rectangular kernel"):
        WeightedConv2d(2, 2, (3, 5), density=[0.5])
    with pytest.raises(ValueError, match="finite"):
        WeightedConv2d(2, 2, 3, density=[float("nan")])
    with pytest.raises(ValueError, match="density_lr needs learnable_density=True"):
        WeightedConv2d(2, 2, 3, density_lr=1e-2)
    with pytest.raises(ValueError, match="mode"):
        WeightedConv2d(2, 2, 3, padding=1, mode="same")


def test_learnable_density_trains_with_its_own_hints():
    torch.manual_seed(2)
    layer = WeightedConv2d(2, 3, 5, padding=2, density=[0.3, 0.9], learnable_density=True, density_lr=0.5)
    layer(torch.randn(2, 2, 8, 8)).square().mean().backward()
    assert layer.kernel.den.grad is not None and bool(layer.kernel.den.grad.abs().sum() > 0)
    groups = {tuple(g["names"]): g for g in param_groups(layer, lr=1e-3, weight_decay=0.1)}
    assert groups[("kernel.den",)]["lr"] == 0.5 and groups[("kernel.den",)]["weight_decay"] == 0.0


def test_gradcheck_tiny():
    torch.manual_seed(3)
    layer = WeightedConv2d(2, 2, 3, stride=2, padding=1, padding_mode="reflect", density=[0.4], learnable_density=True,
                           dtype=D64)
    names = [n for n, _ in layer.named_parameters()]
    x = torch.randn(1, 2, 5, 5, dtype=D64, requires_grad=True)

    def f(x, *params):
        return torch.func.functional_call(layer, dict(zip(names, params)), (x,))

    assert torch.autograd.gradcheck(f, (x, *[p.detach().clone().requires_grad_() for p in layer.parameters()]), fast_mode=True)


def test_set_density_and_state_dict_carry_the_density():
    torch.manual_seed(4)
    layer = WeightedConv2d(2, 2, 5, padding=2, density=[0.2, 0.8], dtype=D64)
    x = torch.randn(1, 2, 7, 7, dtype=D64)
    layer.set_density([0.5, 1.5])
    torch.testing.assert_close(layer(x), F.conv2d(x, layer.kernel.weight * hand_phi([[0.5, 1.5]] * 2), layer.bias, padding=2))
    fresh = WeightedConv2d(2, 2, 5, padding=2, dtype=D64)
    fresh.load_state_dict(layer.state_dict())
    assert torch.equal(fresh(x), layer(x))
    with pytest.raises(ValueError, match="must have 2 values"):
        layer.set_density([0.5])


@pytest.mark.parametrize(("ndim", "kwargs"), [(2, {"padding": 1}), (2, {"mode": "same", "stride": 2}),
                                              (2, {"padding": 2, "padding_mode": "reflect", "dilation": 2}),
                                              (1, {"mode": "causal"}), (1, {"padding": 1, "groups": 2})])
def test_bake_gives_plain_torch_conv_with_equal_outputs(ndim, kwargs):
    pytest.importorskip("anyconv.layers.baking")
    torch.manual_seed(5)
    cls = WeightedConv1d if ndim == 1 else WeightedConv2d
    layer = cls(4, 6, 3, density=[0.6], dtype=D64, **kwargs)
    x = torch.randn(2, 4, *([12, 10][:ndim]), dtype=D64)
    baked = layer.bake(*x.shape[2:])
    plain = (nn.Conv1d, nn.Conv2d, nn.ConstantPad1d, nn.ConstantPad2d, nn.ReflectionPad2d, nn.Sequential)
    assert all(isinstance(m, plain) for m in baked.modules())
    with torch.no_grad():
        torch.testing.assert_close(baked(x), layer(x), rtol=1e-12, atol=1e-12)


def test_bake_a_whole_dncnn_to_torch_modules_and_trace_it():
    from anyconv.layers.baking import bake
    from anyconv.models import build_model
    from tests.models._helpers import denoise_spec

    torch.manual_seed(6)
    model = build_model(denoise_spec(1, 8), "weightedconv2d", width=4, depth=3, kernel_size=5, dtype=D64).eval()
    x = torch.rand(2, 1, 8, 8, dtype=D64)
    baked = bake(model, x).eval()
    assert not any(isinstance(m, WeightedConv2d) for m in baked.modules())
    assert all(type(m).__module__.startswith(("torch.", "anyconv.models")) for m in baked.modules())
    with warnings.catch_warnings():  # trace's deprecation notice and the model's shape check
        warnings.simplefilter("ignore")
        traced = torch.jit.trace(baked, x)
    with torch.no_grad():
        torch.testing.assert_close(baked(x), model(x), rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(traced(x), model(x), rtol=1e-12, atol=1e-12)
