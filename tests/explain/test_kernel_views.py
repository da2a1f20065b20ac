"""Kernel views: every registered layer yields finite kernels and a figure; exact weights where known."""

from __future__ import annotations

import pytest
import torch
from PIL import Image
from torch import nn

import anyconv
from anyconv.explain.figures import plot_kernel_views
from anyconv.explain.kernel_views import find_kernel_layers, layer_kernels, spectrum
from anyconv.layers.registry import get_spec


def _example(name: str) -> tuple[nn.Module, torch.Tensor]:
    spec = get_spec(name)
    torch.manual_seed(0)
    return spec.cls(**spec.example_kwargs), torch.randn(*spec.example_input_shape)


@pytest.mark.parametrize("name", anyconv.list_layers())
def test_kernel_views_run_for_every_registered_layer(name, tmp_path):
    layer, x = _example(name)
    layer.train()
    views = layer_kernels(layer, x, name=name)
    assert views and all(torch.isfinite(v.weight).all() for v in views)
    assert all(v.weight.abs().sum() > 0 for v in views)
    assert layer.training  # mode restored
    path = plot_kernel_views(views, tmp_path / f"{name}.png", title=name)
    with Image.open(path) as image:
        image.verify()


def test_dense_and_torch_weights_are_returned_exactly():
    layer = anyconv.Conv2d(3, 4, 3)
    (view,) = layer_kernels(layer, torch.randn(1, 3, 6, 6))
    assert torch.equal(view.weight, layer.kernel.weight) and view.ndim == 2 and not view.per_example
    conv = nn.Conv1d(2, 3, 5)
    (view,) = layer_kernels(conv)
    assert torch.equal(view.weight, conv.weight) and view.source == "torch"


def test_long_kernels_are_what_the_layer_applies_at_that_length():
    layer = anyconv.LongConv1d(4, 32, kernel_dropout=0.5)
    (view,) = layer_kernels(layer, torch.randn(2, 4, 20))
    layer.eval()
    torch.testing.assert_close(view.weight, layer._weight(20))  # eval: no kernel dropout, 20 taps
    assert view.is_long and view.weight.shape == (8, 1, 20)
    hyena = anyconv.HyenaOperator1d(4, 24, filter_width=8)
    views = {v.name: v for v in layer_kernels(hyena, torch.randn(1, 4, 24))}
    torch.testing.assert_close(views["kernel"].weight, hyena.kernel(24))


def test_spectrum_is_the_rfft_magnitude():
    k = torch.zeros(1, 1, 16)
    k[..., 0] = 1  # an impulse: flat spectrum
    torch.testing.assert_close(spectrum(k), torch.ones(1, 1, 9))
    k = torch.cos(2 * torch.pi * 3 * torch.arange(16) / 16)
    assert int(spectrum(k).argmax()) == 3


def test_find_kernel_layers_and_errors():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Sequential(anyconv.Conv2d(2, 2, 3)), nn.Conv2d(2, 2, 1))
    assert find_kernel_layers(model) == ["0", "2.0"]
    with pytest.raises(ValueError, match="found no kernel in ReLU"):
        layer_kernels(nn.ReLU(), torch.randn(1, 1, 4))
