"""Kernel networks (SIREN init, MLP, random Fourier features, MAGNet formula), positions, Gaussian mask."""

from __future__ import annotations

import math

import pytest
import torch

from anyconv.kernels.continuous import SIREN, KernelMLP, MAGNet, RandomFourierFeatures, make_kernel_net
from anyconv.kernels.gaussian_mask import GaussianMask
from anyconv.kernels.positions import lag_positions, layout, linspace_grid

D64 = torch.float64


@pytest.mark.parametrize("in_dim", [1, 2])
@pytest.mark.parametrize("omega_0", [1.0, 30.0])
def test_siren_init_bounds(in_dim, omega_0):
    torch.manual_seed(0)
    net = SIREN(in_dim, 5, hidden=64, num_layers=4, omega_0=omega_0)
    first, *rest = net.sines
    bound = 1.0 / in_dim
    assert float(first.weight.detach().abs().max()) <= bound and float(first.weight.detach().abs().max()) > 0.8 * bound
    for lin in rest:
        bound = math.sqrt(6.0 / lin.weight.shape[1]) / omega_0
        assert float(lin.weight.detach().abs().max()) <= bound and float(lin.weight.detach().abs().max()) > 0.8 * bound
    bound = math.sqrt(3.0 / 64)  # the output layer: no sine follows, Kaiming-uniform (linear)
    assert float(net.output.weight.detach().abs().max()) <= bound and float(net.output.weight.detach().abs().max()) > 0.8 * bound
    assert (net.output.bias == 0).all()


def test_siren_forward_is_sine_layers_then_linear():
    torch.manual_seed(1)
    net = SIREN(1, 3, hidden=8, num_layers=3, omega_0=7.0).double()
    x = torch.linspace(-1, 1, 11, dtype=D64)[:, None]
    h = x
    for lin in net.sines:
        h = torch.sin(7.0 * (h @ lin.weight.t() + lin.bias))
    torch.testing.assert_close(net(x), h @ net.output.weight.t() + net.output.bias)


def test_magnet_matches_its_formula():
    torch.manual_seed(2)
    net = MAGNet(2, 3, hidden=6, num_layers=2).double()
    x = torch.rand(9, 2, dtype=D64) * 2 - 1

    def g(i):
        window = torch.exp(-0.5 * ((net.gamma[i][None] * (x[:, None, :] - net.mu[i][None])) ** 2).sum(-1))
        return window * torch.sin(x @ net.filters[i].weight.t() + net.filters[i].bias)

    h = g(0)
    for i, lin in enumerate(net.linear, start=1):
        h = g(i) * (h @ lin.weight.t() + lin.bias)
    torch.testing.assert_close(net(x), h @ net.output.weight.t() + net.output.bias)
    assert (net.gamma > 0).all() and net.mu.abs().max() <= 1.0
    assert net.filters[0].bias.abs().max() <= math.pi


def test_mlp_and_rff_shapes_norm_and_errors():
    x = torch.rand(7, 1)
    for act in ("relu", "leaky_relu", "gelu"):
        assert KernelMLP(1, 4, activation=act, norm="layer")(x).shape == (7, 4)
    rff = RandomFourierFeatures(1, 4, hidden=16, scale=3.0)
    assert rff(x).shape == (7, 4) and "frequencies" in rff.state_dict()
    with pytest.raises(ValueError, match="activation must be one of"):
        KernelMLP(1, 4, activation="tanh")
    with pytest.raises(ValueError, match="even"):
        RandomFourierFeatures(1, 4, hidden=15)
    with pytest.raises(ValueError, match="kernel_net must be one of"):
        make_kernel_net("siren2", 1, 4)
    for name in ("siren", "mlp", "rff", "magnet"):
        net = make_kernel_net(name, 2, 3, hidden=8)
        assert net(torch.rand(5, 2)).shape == (5, 3)
        with pytest.raises(ValueError, match=r"positions of shape \(N, 2\)"):
            net(torch.rand(5, 1))


def test_positions_layout_and_grid():
    assert layout(5, "causal") == (4, 1.0, 0.5)
    assert layout(5, "same") == (2, 0.0, 0.5)
    left, center, step = layout(4, "same")  # even: torch's 'same' puts lag 0 at tap 1
    lags = torch.arange(left, left - 4, -1, dtype=D64)
    torch.testing.assert_close(lag_positions(lags, center=center, step=step)[:, 0], torch.linspace(-1, 1, 4, dtype=D64))
    grid = linspace_grid((2, 3), dtype=D64)
    assert grid.shape == (6, 2) and grid[1].tolist() == [-1.0, 0.0] and grid[-1].tolist() == [1.0, 1.0]
    assert linspace_grid((2, 3), dtype=D64) is grid  # cached
    assert linspace_grid((1,), dtype=D64).tolist() == [[0.0]]
    with pytest.raises(ValueError, match="mode must be"):
        layout(3, "full")


def test_gaussian_mask_bounds_are_the_threshold_roots():
    mask = GaussianMask(1, init_sigma=0.2, init_mean=0.3, threshold=0.25).double()
    lo, hi = mask.bounds()[0]
    at = mask(torch.tensor([[lo], [hi]], dtype=D64))
    torch.testing.assert_close(at, torch.full((2,), 0.25, dtype=D64))
    inside = mask(torch.tensor([[lo + 1e-6], [hi - 1e-6]], dtype=D64))
    outside = mask(torch.tensor([[lo - 1e-6], [hi + 1e-6]], dtype=D64))
    assert (inside > 0.25).all() and (outside < 0.25).all()
    with pytest.raises(ValueError, match=r"positions of shape \(N, 1\)"):
        mask(torch.zeros(3, 2))
