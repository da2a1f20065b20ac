"""DCLSConv1d/2d: the DCLS package on square kernels, a slow loop on any kernel, torch's arguments."""

from __future__ import annotations

import logging
import math

import pytest
import torch
from torch import nn

from anyconv.kernels.dcls import DCLSKernel, construct_kernel
from anyconv.layers.dcls import DCLSConv1d, DCLSConv2d, clamp_positions
from anyconv.optim import param_groups
from tests.layers.test_weighted import torch_reference

D64 = torch.float64
INTERPOLATIONS = ("gauss", "bilinear", "triangle")
PACKAGE_VERSION = {"gauss": "gauss", "bilinear": "v1", "triangle": "max"}


def slow_kernel(layer: DCLSConv1d | DCLSConv2d) -> torch.Tensor:
    """The dense kernel by explicit loops over pairs, taps and grid cells (Python floats)."""
    k = layer.kernel
    sizes, ndim = k.kernel_size, k.ndim
    weight, positions = k.weight.detach(), k.positions.detach()
    sigma = None if k.sigma is None else k.sigma.detach()
    out = torch.zeros(k.out_channels, k.in_channels // k.groups, *sizes, dtype=D64)
    for o in range(out.shape[0]):
        for i in range(out.shape[1]):
            for c in range(k.kernel_count):
                profiles = []
                for d in range(ndim):
                    low, high = -(sizes[d] // 2), sizes[d] - 1 - sizes[d] // 2
                    centre = min(max(float(positions[d, o, i, c]), low), high) + sizes[d] // 2
                    s = None if sigma is None else abs(float(sigma[d, o, i, c]))
                    row = []
                    for g in range(sizes[d]):
                        x = g - centre
                        if k.interpolation == "gauss":
                            row.append(math.exp(-0.5 * (x / (s + 0.27)) ** 2))
                        elif k.interpolation == "bilinear":
                            row.append(max(0.0, 1 - abs(x)))
                        else:
                            row.append(max(0.0, s + 1 - abs(x)))
                    profiles.append(row)
                norm = math.prod(sum(row) for row in profiles) + 1e-7
                w = float(weight[o, i, c]) / norm
                if ndim == 1:
                    for a in range(sizes[0]):
                        out[o, i, a] += w * profiles[0][a]
                else:
                    for a in range(sizes[0]):
                        for b in range(sizes[1]):
                            out[o, i, a, b] += w * profiles[0][a] * profiles[1][b]
    return out


def _spread(layer: DCLSConv1d | DCLSConv2d, seed: int) -> None:
    """Positions spread over the whole grid (some outside, to exercise the clamp) and varied σ."""
    g = torch.Generator().manual_seed(seed)
    k = layer.kernel
    with torch.no_grad():
        for d, size in enumerate(k.kernel_size):
            k.positions[d].copy_((torch.rand(k.positions[d].shape, generator=g, dtype=D64) - 0.5) * (size + 1))
        if k.sigma is not None:
            k.sigma.copy_(torch.rand(k.sigma.shape, generator=g, dtype=D64) - 0.5)


# kernel size, stride, padding, dilation, groups, padding_mode, interpolation
CASES = [
    (3, 1, 1, 1, 1, "zeros", "gauss"),
    (5, 2, 2, 1, 2, "reflect", "bilinear"),
    (7, 1, 3, 2, 1, "replicate", "triangle"),
    (9, 3, 4, 1, 2, "circular", "gauss"),
    (11, 1, 0, 1, 1, "zeros", "triangle"),
    (4, 1, "same", 2, 1, "zeros", "bilinear"),  # an even kernel: torch's "same" puts the extra pad on the right
]


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize(("k", "stride", "padding", "dilation", "groups", "padding_mode", "interpolation"), CASES)
def test_equals_torch_conv_on_slow_loop_kernel(ndim, k, stride, padding, dilation, groups, padding_mode, interpolation):
    torch.manual_seed(k)
    cls = DCLSConv1d if ndim == 1 else DCLSConv2d
    layer = cls(2, 4, k, stride, padding, dilation, groups, True, padding_mode, kernel_count=3,
                interpolation=interpolation, dtype=D64)
    _spread(layer, k)
    x = torch.randn(2, 2, *([23, 19][:ndim]), dtype=D64)
    want = torch_reference(x, slow_kernel(layer), layer.bias, stride=stride, padding=padding, dilation=dilation,
                           groups=groups, padding_mode=padding_mode)
    torch.testing.assert_close(layer(x), want, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_rectangular_kernel_matches_the_slow_loop(interpolation):
    torch.manual_seed(11)
    layer = DCLSConv2d(2, 3, (3, 7), padding=(1, 3), kernel_count=4, interpolation=interpolation, dtype=D64)
    _spread(layer, 5)
    torch.testing.assert_close(layer.kernel(), slow_kernel(layer), rtol=1e-12, atol=1e-12)


def test_rectangular_integer_position_lands_on_its_cell():
    """A bilinear tap at integer offsets (dh, dw) is exactly one cell: (Kh//2 + dh, Kw//2 + dw)."""
    layer = DCLSConv2d(1, 1, (3, 7), kernel_count=1, interpolation="bilinear", bias=False, dtype=D64)
    layer.kernel.set_positions(torch.tensor([1.0, -3.0], dtype=D64).view(2, 1, 1, 1))
    with torch.no_grad():
        layer.kernel.weight.fill_(2.0)
    want = torch.zeros(3, 7, dtype=D64)
    want[2, 0] = 2.0 / (1 + 1e-7)
    torch.testing.assert_close(layer.kernel()[0, 0], want, rtol=0, atol=1e-15)


def _package():
    logging.getLogger().setLevel(logging.ERROR)  # the package warns about a CUDA-only kernel at every build
    return pytest.importorskip("DCLS.construct.modules", reason="the DCLS package (pip install dcls) is not installed")


@pytest.mark.parametrize("ndim", [1, 2])
@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
@pytest.mark.parametrize(("k", "stride", "padding", "groups", "padding_mode"),
                         [(5, 1, 2, 2, "zeros"), (7, 2, 3, 1, "reflect")])
def test_equals_the_dcls_package_on_square_kernels(ndim, interpolation, k, stride, padding, groups, padding_mode):
    package = _package()
    torch.manual_seed(3)
    ref_cls = package.Dcls1d if ndim == 1 else package.Dcls2d
    ref = ref_cls(4, 6, 3, stride, padding, k, groups, True, padding_mode, version=PACKAGE_VERSION[interpolation]).double()
    ours = (DCLSConv1d if ndim == 1 else DCLSConv2d)(
        4, 6, k, stride, padding, 1, groups, True, padding_mode, kernel_count=3, interpolation=interpolation, dtype=D64
    )
    _spread(ours, 7)
    ours.kernel.clamp_parameters()  # the package reads outside its grid otherwise
    with torch.no_grad():  # its first position coordinate is the last spatial axis
        ref.weight.copy_(ours.kernel.weight)
        ref.bias.copy_(ours.bias)
        ref.P.copy_(ours.kernel.positions.flip(0))
        if ref.SIG is not None:
            ref.SIG.copy_(ours.kernel.sigma.flip(0))
    x = torch.randn(2, 4, *([21, 18][:ndim]), dtype=D64)
    y_ours, y_ref = ours(x), ref(x)
    torch.testing.assert_close(y_ours, y_ref, rtol=1e-10, atol=1e-10)
    upstream = torch.randn_like(y_ref)
    (y_ours * upstream).sum().backward()
    (y_ref * upstream).sum().backward()
    torch.testing.assert_close(ours.kernel.weight.grad, ref.weight.grad, rtol=1e-9, atol=1e-10)
    torch.testing.assert_close(ours.kernel.positions.grad, ref.P.grad.flip(0), rtol=1e-9, atol=1e-10)
    if ref.SIG is not None:
        torch.testing.assert_close(ours.kernel.sigma.grad, ref.SIG.grad.flip(0), rtol=1e-9, atol=1e-10)


def test_positions_are_clamped_in_forward_and_by_the_hook():
    torch.manual_seed(4)
    layer = DCLSConv2d(2, 2, 5, padding=2, kernel_count=3, dtype=D64)
    with torch.no_grad():
        layer.kernel.positions.mul_(0).add_(10.0)  # far outside (limit 2)
    inside = DCLSConv2d(2, 2, 5, padding=2, kernel_count=3, dtype=D64)
    inside.load_state_dict(layer.state_dict())
    with torch.no_grad():
        inside.kernel.positions.fill_(2.0)
    torch.testing.assert_close(layer.kernel(), inside.kernel(), rtol=0, atol=0)
    model = nn.Sequential(layer, nn.ReLU(), DCLSConv1d(1, 1, 4))
    assert clamp_positions(model) == 2
    assert float(layer.kernel.positions.detach().max()) == 2.0
    even = DCLSConv1d(1, 1, 4, kernel_count=2)  # grid 0..3 around centre index 2: offsets in [-2, 1]
    even.kernel.set_positions(torch.tensor([-9.0, 9.0]).view(1, 1, 1, 2))
    assert even.kernel.positions.flatten().tolist() == [-2.0, 1.0]


def test_errors_are_clear():
    layer = DCLSConv2d(2, 4, 5, kernel_count=3)
    with pytest.raises(ValueError, match=r"positions must have shape .* = \(2, 4, 2, 3\), got \(2, 4, 2, 4\)"):
        layer.kernel.set_positions(torch.zeros(2, 4, 2, 4))
    with pytest.raises(ValueError, match=r"positions must have shape .* got \(1, 4, 2, 3\)"):
        construct_kernel(layer.kernel.weight, torch.zeros(1, 4, 2, 3), layer.kernel.sigma, (5, 5), "gauss")
    with pytest.raises(ValueError, match="sigma must have the shape of positions"):
        layer.kernel.set_positions(torch.zeros(2, 4, 2, 3), torch.zeros(2, 4, 2))
    with pytest.raises(ValueError, match="interpolation must be one of"):
        DCLSConv2d(2, 2, 5, interpolation="cubic")
    with pytest.raises(ValueError, match="kernel_count must be an int >= 1, got 0"):
        DCLSConv2d(2, 2, 5, kernel_count=0)
    with pytest.raises(ValueError, match="position_lr_scale"):
        DCLSConv2d(2, 2, 5, position_lr_scale=-1.0)
    with pytest.raises(ValueError, match="mode"):
        DCLSConv2d(2, 2, 5, padding=2, mode="same")


def test_defaults_and_hints():
    layer = DCLSConv2d(4, 8, 17, groups=4, position_lr_scale=5.0)
    assert layer.kernel.kernel_count == 34  # the paper's ConvNeXt-dcls: 34 taps in 17x17
    assert DCLSKernel(1, 1, 3).kernel_count == 6
    groups = {tuple(g["names"]): g for g in param_groups(layer, lr=1e-3, weight_decay=0.05)}
    hinted = groups[("kernel.positions", "kernel.sigma")]
    assert hinted["lr"] == pytest.approx(5e-3) and hinted["weight_decay"] == 0.0


@pytest.mark.parametrize("interpolation", INTERPOLATIONS)
def test_gradcheck_tiny(interpolation):
    torch.manual_seed(6)
    layer = DCLSConv2d(2, 1, (3, 5), stride=(1, 2), padding=(1, 2), kernel_count=2, interpolation=interpolation, dtype=D64)
    _spread(layer, 9)
    layer.kernel.clamp_parameters()
    with torch.no_grad():  # away from the kinks of bilinear/triangle (integer offsets) and the clamp
        layer.kernel.positions.mul_(0.8).add_(0.13)
    names = [n for n, _ in layer.named_parameters()]
    x = torch.randn(1, 2, 3, 5, dtype=D64, requires_grad=True)

    def f(x, *params):
        return torch.func.functional_call(layer, dict(zip(names, params)), (x,))

    assert torch.autograd.gradcheck(f, (x, *[p.detach().clone().requires_grad_() for p in layer.parameters()]), fast_mode=True)


@pytest.mark.parametrize(("ndim", "kwargs"), [(2, {"padding": 3}), (2, {"mode": "same", "stride": 2}), (1, {"mode": "causal"})])
def test_bake_gives_plain_torch_conv_with_equal_outputs(ndim, kwargs):
    pytest.importorskip("anyconv.layers.baking")
    torch.manual_seed(8)
    layer = (DCLSConv1d if ndim == 1 else DCLSConv2d)(3, 4, 7, kernel_count=4, dtype=D64, **kwargs)
    x = torch.randn(2, 3, *([12, 10][:ndim]), dtype=D64)
    baked = layer.bake(*x.shape[2:])
    assert not any(isinstance(m, DCLSKernel) for m in baked.modules())
    assert any(isinstance(m, (nn.Conv1d, nn.Conv2d)) for m in baked.modules())
    with torch.no_grad():
        torch.testing.assert_close(baked(x), layer(x), rtol=1e-12, atol=1e-12)


def test_bake_a_whole_classifier_to_torch_modules():
    from anyconv.layers.baking import bake
    from anyconv.models import build_model
    from tests.models._helpers import image_spec

    torch.manual_seed(9)
    model = build_model(image_spec(1, 8), "dclsconv2d", width=4, depth=1, kernel_size=5, dtype=D64).eval()
    x = torch.randn(2, 1, 8, 8, dtype=D64)
    baked = bake(model, x).eval()
    assert not any(isinstance(m, (DCLSConv2d, DCLSKernel)) for m in baked.modules())
    assert all(type(m).__module__.startswith(("torch.", "anyconv.models")) for m in baked.modules())
    with torch.no_grad():
        torch.testing.assert_close(baked(x), model(x), rtol=1e-12, atol=1e-12)
