"""SMPKernel: the formula at hand-computed points, positive radii, hints, errors, gradients."""

from __future__ import annotations

import math

import pytest
import torch

from anyconv.kernels.points import SMPKernel
from anyconv.optim import param_groups

D64 = torch.float64


def _set(kernel: SMPKernel, coords: list, radii: list, weights: list) -> None:
    """Give the kernel exact coordinates, radii (through the inverse softplus) and weights."""
    with torch.no_grad():
        kernel.coords.copy_(torch.tensor(coords, dtype=D64))
        r = torch.tensor(radii, dtype=D64) - kernel.min_radius
        kernel.radius_raw.copy_(r + torch.log(-torch.expm1(-r)))
        kernel.weights.copy_(torch.tensor(weights, dtype=D64))


def test_1d_kernel_equals_the_formula_at_hand_computed_points():
    # one output, one input, two points: p = (0.5, -0.25), r = (0.5, 0.25), w = (2, -4)
    kernel = SMPKernel(1, 1, n_points=2, dtype=D64)
    _set(kernel, [[[0.5], [-0.25]]], [[0.5, 0.25]], [[[2.0, -4.0]]])
    x = torch.tensor([[-1.0], [-0.25], [-0.125], [0.0], [0.25], [0.5], [0.75], [1.0]], dtype=D64)
    # by hand: point 1 (tent of half-width 0.5 at 0.5, height 2), point 2 (half-width 0.25 at -0.25, height -4)
    expected = [0.0, -4.0, -2.0, 0.0, 1.0, 2.0, 1.0, 0.0]
    torch.testing.assert_close(kernel(x)[0, 0], torch.tensor(expected, dtype=D64), rtol=0, atol=1e-12)


def test_2d_kernel_uses_the_l1_distance():
    # one point at (0.25, -0.5), radius 1, weight 3: K(x) = 3 relu(1 - |x0 - 0.25| - |x1 + 0.5|)
    kernel = SMPKernel(1, 1, n_points=1, ndim=2, dtype=D64)
    _set(kernel, [[[0.25, -0.5]]], [[1.0]], [[[3.0]]])
    x = torch.tensor([[0.25, -0.5], [0.75, 0.0], [0.5, -0.25], [-0.25, -0.5], [1.0, 0.5]], dtype=D64)
    expected = [3.0, 0.0, 1.5, 1.5, 0.0]  # L1 distances 0, 1, 0.5, 0.5, 1.75
    torch.testing.assert_close(kernel(x)[0, 0], torch.tensor(expected, dtype=D64), rtol=0, atol=1e-12)


def test_kernel_equals_a_python_loop_over_channels_points_and_positions():
    torch.manual_seed(0)
    kernel = SMPKernel(4, 6, n_points=5, ndim=2, groups=2, radius=0.4, dtype=D64)
    x = torch.rand(9, 2, dtype=D64) * 2 - 1
    out = kernel(x)
    assert out.shape == (6, 2, 9)
    p, r, w = kernel.coords.detach(), kernel.radius.detach(), kernel.weights.detach()
    out = out.detach()
    for o in range(6):
        for c in range(2):
            for n in range(9):
                value = sum(
                    float(w[o, c, i]) * max(0.0, 1 - float((x[n] - p[o, i]).abs().sum()) / float(r[o, i]))
                    for i in range(5)
                )
                assert math.isclose(float(out[o, c, n]), value, rel_tol=1e-10, abs_tol=1e-12)


def test_average_divides_by_the_number_of_covering_points():
    kernel = SMPKernel(1, 1, n_points=2, average=True, dtype=D64)
    _set(kernel, [[[0.0], [0.5]]], [[1.0, 0.25]], [[[1.0, 1.0]]])
    x = torch.tensor([[-0.5], [0.5], [2.0]], dtype=D64)
    # at -0.5 one point covers (0.5); at 0.5 both (0.5 and 1): (0.5 + 1) / 2; at 2 none: 0
    torch.testing.assert_close(kernel(x)[0, 0], torch.tensor([0.5, 0.75, 0.0], dtype=D64), rtol=0, atol=1e-12)


@pytest.mark.parametrize("raw", [-1e30, -1e4, -50.0, 0.0, 50.0, 1e4, 1e30])
def test_radii_stay_positive_for_any_parameter_value(raw):
    kernel = SMPKernel(2, 2, n_points=3)
    with torch.no_grad():
        kernel.radius_raw.fill_(raw)
    r = kernel.radius
    assert bool((r >= kernel.min_radius).all()) and bool((r > 0).all())
    assert bool(torch.isfinite(kernel(torch.linspace(-1, 1, 11)[:, None])).all())


def test_initial_values():
    torch.manual_seed(1)
    kernel = SMPKernel(3, 4, n_points=200, radius=0.3, origin=1.0, coord_std=0.2, weight_std=0.02)
    torch.testing.assert_close(kernel.radius, torch.full((4, 200), 0.3), rtol=1e-5, atol=1e-7)
    assert float(kernel.coords.min()) >= -1 and float(kernel.coords.max()) <= 1
    assert abs(float(kernel.coords.mean()) - 0.84) < 0.05  # half-normal of std 0.2 below 1: mean 1 - 0.2·√(2/π)
    assert float(kernel.weights.abs().max()) <= 0.04


def test_optimizer_hints_as_the_reference():
    kernel = SMPKernel(2, 2, radius_lr_scale=0.1)
    groups = {tuple(g["names"]): g for g in param_groups(kernel, lr=1e-2, weight_decay=0.1)}
    assert groups[("coords",)]["weight_decay"] == 0 and groups[("coords",)]["lr"] == 1e-2
    assert groups[("radius_raw",)]["weight_decay"] == 0 and math.isclose(groups[("radius_raw",)]["lr"], 1e-3)
    assert groups[("weights",)]["weight_decay"] == 0.1


def test_gradcheck_coordinates_radii_weights():
    torch.manual_seed(2)
    kernel = SMPKernel(2, 2, n_points=3, radius=0.7, dtype=D64)
    x = torch.tensor([[-0.9], [-0.3], [0.1], [0.45], [0.8]], dtype=D64)  # away from the tents' kinks

    def f(coords, raw, weights):
        params = {"coords": coords, "radius_raw": raw, "weights": weights}
        return torch.func.functional_call(kernel, params, (x,))

    inputs = [p.detach().clone().requires_grad_(True) for p in (kernel.coords, kernel.radius_raw, kernel.weights)]
    assert torch.autograd.gradcheck(f, inputs)


def test_points_move_under_gradient():
    torch.manual_seed(3)
    kernel = SMPKernel(1, 1, n_points=2, radius=0.5)
    (kernel(torch.linspace(-1, 1, 21)[:, None]) * torch.randn(21)).sum().backward()
    assert all(p.grad is not None and bool(p.grad.abs().sum() > 0) for p in kernel.parameters())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_points": 0}, "n_points"),
        ({"radius": 0.0}, "radius"),
        ({"radius": 1e-5}, "min_radius"),
        ({"origin": 2.0}, "origin"),
        ({"groups": 3}, "divisible"),
        ({"average": 1}, "average"),
        ({"radius_lr_scale": -1.0}, "radius_lr_scale"),
    ],
)
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        SMPKernel(4, 4, **kwargs)


def test_positions_of_the_wrong_dimension():
    with pytest.raises(ValueError, match=r"positions must have shape \(N, 2\)"):
        SMPKernel(1, 1, ndim=2)(torch.zeros(5, 1))
    with pytest.raises(ValueError, match=r"\(N, 1\)"):
        SMPKernel(1, 1)(torch.zeros(5))
