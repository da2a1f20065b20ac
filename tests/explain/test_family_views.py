"""Family kernel views: the continuous profile passes through the sampled taps; every family draws."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import anyconv
from anyconv.explain.family_views import continuous_profile, family_figure
from anyconv.layers.registry import get_spec

FAMILIES = {"ckconv", "flexconv", "smpconv", "condconv", "dynamicconv", "dclsconv", "weightedconv", "orchid"}


def test_the_continuous_profile_passes_through_the_sampled_taps():
    from anyconv.layers.ckconv import CKConv1d, CKConv2d

    torch.manual_seed(0)
    layer = CKConv1d(2, 3, kernel_size=5)  # causal: 5 taps at positions -1, -0.5, 0, 0.5, 1 (last = now)
    positions, values = continuous_profile(layer, n_points=5)
    torch.testing.assert_close(positions, torch.linspace(-1, 1, 5))
    torch.testing.assert_close(values, layer.weight_1d(20)[0].detach())
    layer2 = CKConv2d(2, 3, kernel_size=5)
    grid, values2 = continuous_profile(layer2, n_points=5)
    assert grid.shape == (5, 5, 2) and values2.shape == (3, 2, 5, 5)
    torch.testing.assert_close(values2, layer2.weight_2d().detach())


@pytest.mark.parametrize("name", [n for n in anyconv.list_layers() if any(n.startswith(f) for f in FAMILIES)])
def test_family_views_draw_for_every_generated_kernel_family(name, tmp_path):
    spec = get_spec(name)
    torch.manual_seed(0)
    layer = spec.cls(**spec.example_kwargs)
    path = family_figure(layer, torch.randn(*spec.example_input_shape), tmp_path / f"{name}.png", title=name)
    assert path is not None and layer.training  # mode restored
    with Image.open(path) as image:
        assert image.size[0] >= 300


def test_layers_without_a_family_view_return_none(tmp_path):
    assert family_figure(anyconv.Conv2d(2, 2, 3), torch.randn(1, 2, 5, 5), tmp_path / "x.png") is None
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("num_blocks", [2, 3])
def test_orchid_block_kernels_are_what_each_output_block_applies(num_blocks):
    """Each block's kernel, applied by a slow causal loop to the layer's gated stream, gives that
    block's global-convolution output (so the plotted curves are the kernels the layer uses)."""
    from anyconv.explain.family_views import orchid_block_kernels
    from anyconv.layers.orchid import Orchid

    torch.manual_seed(0)
    layer = Orchid(3, 12, num_blocks=num_blocks, dtype=torch.float64)
    x = torch.randn(2, 3, 12, dtype=torch.float64)
    kernels = orchid_block_kernels(layer, x)
    assert len(kernels) == num_blocks
    with torch.no_grad():
        u = layer.in_proj(x)
        _, x1, v = layer.short_filter(u).split(3, dim=1)
        z = x1 * v  # (B, C, L): what the global convolution convolves
        got = layer._global_conv(z, *layer.kernel_parts(u[:, 6:])) - layer.D[:, None] * z
    b = layer.block_size
    for t in range(12):
        w = kernels[t // b][:, :, 0]  # (B, C, K_c): block t // b's kernel, lag k at index k
        want = sum(w[..., k] * z[..., t - k] for k in range(min(t + 1, w.shape[-1])))
        torch.testing.assert_close(got[..., t], want, rtol=1e-9, atol=1e-9)
