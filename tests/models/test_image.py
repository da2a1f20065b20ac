"""ImageClassifier and DnCNN: layout, the registered layer in every k×k conv, residual learning."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from anyconv.layers.registry import get_spec
from anyconv.models import (
    DnCNN,
    DnCNNConfig,
    ImageClassifier,
    ImageClassifierConfig,
    build_model,
    fitting_layers,
)
from anyconv.models.image import DepthwisePointwise, is_channel_preserving
from tests.models._helpers import denoise_spec, image_spec

CONV2D_LAYERS = fitting_layers("image-classification")


@pytest.mark.parametrize("layer", CONV2D_LAYERS)
def test_classifier_uses_the_layer_for_every_kxk_conv(layer: str) -> None:
    model = ImageClassifier(ImageClassifierConfig(layer=layer, in_channels=3, n_outputs=4, width=8, depth=2))
    cls = get_spec(layer).cls
    n_convs = 1 + 2 * 2 * 2  # stem + 2 convs × depth × 2 stages
    assert sum(isinstance(m, cls) for m in model.modules()) == n_convs
    plain = [m for m in model.modules() if isinstance(m, nn.Conv2d) and not isinstance(m, cls)]
    # the one channel-changing shortcut, plus a pointwise 1×1 after each channel-preserving layer
    n_pointwise = n_convs if is_channel_preserving(layer) else 0
    assert len(plain) == 1 + n_pointwise and all(m.kernel_size == (1, 1) for m in plain)
    assert sum(isinstance(m, DepthwisePointwise) for m in model.modules()) == n_pointwise
    assert all(not isinstance(m, nn.Conv2d) or m.stride == (1, 1) for m in model.modules())
    out = model(torch.randn(2, 3, 28, 28))
    assert out.shape == (2, 4) and torch.isfinite(out).all()


def test_classifier_pools_once_and_is_resolution_agnostic() -> None:
    model = build_model(image_spec(1, 8), "conv2d", width=4).eval()
    x = torch.randn(2, 1, 8, 8)
    assert model(x).shape == model(torch.randn(2, 1, 28, 28)).shape == (2, 10)
    with torch.no_grad():  # the stage-2 features are half the input size
        h = model.stage2(model.pool(model.stage1(model.stem(x))))
    assert h.shape == (2, 8, 4, 4)
    with pytest.raises(ValueError, match=r"expected x of shape \(B, 1, H, W\) with H, W >= 2, got \(2, 3, 8, 8\)"):
        model(torch.randn(2, 3, 8, 8))


@pytest.mark.parametrize("layer", CONV2D_LAYERS)
def test_dncnn_layout(layer: str) -> None:
    model = DnCNN(DnCNNConfig(layer=layer, channels=3, width=8, depth=5))
    kinds = [type(m).__name__ for m in model.net]
    conv = type(model.net[0]).__name__
    assert kinds == [conv, "ReLU"] + [conv, "BatchNorm2d", "ReLU"] * 3 + [conv]
    cls = get_spec(layer).cls
    convs = [m for m in model.net if isinstance(m.depthwise if isinstance(m, DepthwisePointwise) else m, cls)]
    assert len(convs) == 5 and model.last_conv is convs[-1]
    out = model(torch.rand(2, 3, 12, 12))
    assert out.shape == (2, 3, 12, 12) and torch.isfinite(out).all()


@pytest.mark.parametrize("layer", CONV2D_LAYERS)
def test_dncnn_subtracts_the_noise_estimate(layer: str) -> None:
    """output = x − net(x): a zero noise estimate returns x exactly; an estimate n returns x − n."""
    model = build_model(denoise_spec(3, 16), layer, width=8, depth=4).eval()
    x = torch.rand(2, 3, 16, 16)
    noise = torch.randn(2, 3, 16, 16)
    for estimate, expected in ((torch.zeros_like(x), x), (noise, x - noise)):
        handle = model.last_conv.register_forward_hook(lambda module, args, out, e=estimate: e)
        try:
            with torch.no_grad():
                out = model(x)
        finally:
            handle.remove()
        assert torch.equal(out, expected)


@pytest.mark.parametrize("kernel_size", [3, 5])
def test_models_build_convs_in_same_mode(kernel_size: int) -> None:
    """The models pass ``mode="same"`` themselves (``anyconv.Conv2d`` defaults to ``padding=0``)."""
    model = build_model(image_spec(1, 8), "conv2d", width=4, kernel_size=kernel_size)
    convs = [m for m in model.modules() if type(m) is get_spec("conv2d").cls]
    assert len(convs) == 1 + 2 * 2 and all(m.mode == "same" for m in convs)  # stem + 2 blocks of 2
    denoiser = build_model(denoise_spec(1, 8), "conv2d", width=4, depth=3, kernel_size=kernel_size)
    assert all(m.mode == "same" for m in denoiser.net if type(m) is get_spec("conv2d").cls)
    assert denoiser(torch.rand(2, 1, 8, 8)).shape == (2, 1, 8, 8)


@pytest.mark.parametrize("reserved", ["mode", "in_channels", "kernel_size"])
def test_layer_options_may_not_set_what_the_model_sets(reserved: str) -> None:
    with pytest.raises(ValueError, match=f"may not set \\['{reserved}'\\]"):
        build_model(image_spec(1, 8), "conv2d", width=4, layer_options={reserved: "same"})


def test_dncnn_with_zero_last_layer_is_the_identity() -> None:
    model = build_model(denoise_spec(1, 8), "conv2d", width=8, depth=3)
    with torch.no_grad():
        for p in model.last_conv.parameters():
            p.zero_()
    x = torch.rand(4, 1, 8, 8)
    assert torch.equal(model(x), x)


def test_dncnn_checks_its_input() -> None:
    model = build_model(denoise_spec(3, 8), "conv2d", width=4, depth=2)
    with pytest.raises(ValueError, match=r"expected x of shape \(B, 3, H, W\), got \(2, 1, 8, 8\)"):
        model(torch.randn(2, 1, 8, 8))
    with pytest.raises(ValueError, match="needs a 'conv2d'-kind layer, got 'conv1d' of kind 'conv1d'"):
        DnCNN(DnCNNConfig(layer="conv1d", channels=1))


@pytest.mark.parametrize("layer", [name for name in CONV2D_LAYERS if is_channel_preserving(name)])
def test_channel_preserving_layers_get_a_pointwise_on_the_narrow_side(layer: str) -> None:
    """Depthwise layer on max(C_in, C_out) channels; DnCNN's last 1×1 starts at zero (identity denoiser)."""
    model = DnCNN(DnCNNConfig(layer=layer, channels=1, width=8, depth=3))
    first, last = model.net[0], model.last_conv
    assert isinstance(first, DepthwisePointwise) and first.pointwise_first and first.depthwise.channels == 8
    assert isinstance(last, DepthwisePointwise) and not last.pointwise_first and last.depthwise.channels == 8
    x = torch.rand(2, 1, 8, 8)
    assert torch.equal(model(x), x)
    assert first.pointwise.weight.abs().sum() > 0


@pytest.mark.parametrize("layer", [name for name in CONV2D_LAYERS if is_channel_preserving(name)])
def test_baked_models_hold_only_plain_convs_and_give_the_live_outputs(layer: str) -> None:
    """``anyconv.bake`` after BN statistics moved: the classifier and DnCNN keep their outputs (float64)."""
    from anyconv.layers.baking import bake

    torch.manual_seed(0)
    for spec, options in ((image_spec(1, 8), {"width": 8}), (denoise_spec(1, 8), {"width": 8, "depth": 3})):
        model = build_model(spec, layer, kernel_size=5, dtype=torch.float64, **options).train()
        with torch.no_grad():
            for _ in range(3):
                model(2 * torch.randn(8, 1, 8, 8, dtype=torch.float64) + 1)
        model.eval()
        x = torch.randn(4, 1, 8, 8, dtype=torch.float64)
        baked = bake(model, x)
        assert not any(isinstance(m, get_spec(layer).cls) for m in baked.modules())
        depthwise = [m for m in baked.modules() if type(m) is nn.Conv2d and m.groups > 1]
        assert len(depthwise) == (5 if spec.kind == "image-classification" else 3)
        with torch.no_grad():
            torch.testing.assert_close(baked(x), model(x), rtol=1e-10, atol=1e-10)


def test_layer_options_reach_a_channel_preserving_layer() -> None:
    model = build_model(image_spec(1, 8), "replkconv2d", width=8, kernel_size=7, layer_options={"small_kernel": 3})
    layers = [m for m in model.modules() if isinstance(m, get_spec("replkconv2d").cls)]
    assert len(layers) == 5 and all(m.small_kernel == 3 and m.kernel_size == 7 for m in layers)
    with pytest.raises(ValueError, match=r"may not set \['channels'\]"):
        build_model(image_spec(1, 8), "replkconv2d", width=8, layer_options={"channels": 4})
