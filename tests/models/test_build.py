"""build_model for every task kind with every registered layer that fits; option and kind errors."""

from __future__ import annotations

import pytest
import torch

from anyconv.layers.registry import list_layers
from anyconv.models import (
    DnCNN,
    ImageClassifier,
    SequenceModel,
    build_model,
    fitting_layers,
    model_options_for,
)
from tests.models._helpers import (
    batch_for,
    check_every_parameter_gets_gradient,
    denoise_spec,
    features_spec,
    image_spec,
    input_ignoring_loss,
    loss_of,
    overfit,
    sequence_marks,
    tokens_spec,
)

SEQUENCE_LAYERS = fitting_layers("sequence")
IMAGE_LAYERS = fitting_layers("image-classification")
SMALL_SEQUENCE = {"d_model": 16, "n_layers": 2}
SMALL_IMAGE = {"width": 8, "depth": 1}
SMALL_DNCNN = {"width": 8, "depth": 4}

SEQUENCE_SPECS = {
    "tokens": tokens_spec("sequence"),
    "features": features_spec("sequence"),
    "tokens-pooled": tokens_spec("sequence-classification", n_outputs=3),
    "features-pooled": features_spec("sequence-classification", n_outputs=3),
}
IMAGE_SPECS = {"1x8x8": image_spec(1, 8), "3x16x16": image_spec(3, 16, n_outputs=4)}
DENOISE_SPECS = {"1x8x8": denoise_spec(1, 8), "3x16x16": denoise_spec(3, 16)}


def _expected_shape(spec, batch: int) -> tuple[int, ...]:
    if spec.kind == "sequence":
        return (batch, spec.input_shape[-1], spec.n_outputs)
    if spec.kind == "image-denoising":
        return (batch, *spec.input_shape)
    return (batch, spec.n_outputs)


def _cases():
    for layer in SEQUENCE_LAYERS:
        for name, spec in SEQUENCE_SPECS.items():
            yield pytest.param(spec, layer, SMALL_SEQUENCE, id=f"{name}-{layer}", marks=sequence_marks(layer))
    for layer in IMAGE_LAYERS:
        for name, spec in IMAGE_SPECS.items():
            yield pytest.param(spec, layer, SMALL_IMAGE, id=f"image-{name}-{layer}")
        for name, spec in DENOISE_SPECS.items():
            yield pytest.param(spec, layer, SMALL_DNCNN, id=f"denoise-{name}-{layer}")


@pytest.mark.parametrize(("spec", "layer", "options"), list(_cases()))
def test_shape_finite_gradients_and_overfit(spec, layer, options) -> None:
    torch.manual_seed(0)
    g = torch.Generator().manual_seed(1)
    model = build_model(spec, layer, **options)
    x, y = batch_for(spec, 8, g)
    out = model(x)
    assert out.shape == _expected_shape(spec, 8)
    assert torch.isfinite(out).all()
    check_every_parameter_gets_gradient(model, loss_of(spec, out, y))
    before, after = overfit(model, spec, x, y)
    # Labels are random, so a model that ignores its input can at best learn their frequencies;
    # a denoiser must beat its noisy input. Margin from measured runs (worst ratio ~0.67).
    floor = input_ignoring_loss(spec, x, y)
    assert after < before and after < 0.8 * floor, f"loss {before:.4f} -> {after:.4f}; input-ignoring best {floor:.4f}"


def test_models_chosen_by_task_kind() -> None:
    assert isinstance(build_model(tokens_spec(), "longconv1d"), SequenceModel)
    pooled = build_model(features_spec("sequence-classification"), "conv1d")
    assert isinstance(pooled, SequenceModel) and pooled.config.head == "pooled"
    assert isinstance(build_model(image_spec(), "conv2d"), ImageClassifier)
    assert isinstance(build_model(denoise_spec(), "conv2d"), DnCNN)


def test_defaults_build_and_model_options_are_applied() -> None:
    for spec, layer in ((tokens_spec(), "conv1d"), (image_spec(1, 28), "conv2d"), (denoise_spec(1, 28), "conv2d")):
        model = build_model(spec, layer)
        for name, default in model_options_for(spec.kind).items():
            assert getattr(model.config, name) == default
    model = build_model(tokens_spec(), "longconv1d", d_model=8, n_layers=3, bidirectional=True, layer_options={"heads": 1})
    assert (model.config.d_model, len(model.blocks), model.blocks[0].mixer.bidirectional) == (8, 3, True)
    assert model.blocks[0].mixer.heads == 1
    assert build_model(denoise_spec(), "conv2d", width=4, depth=3).config.depth == 3


def test_model_options_for_lists_only_model_options() -> None:
    assert set(model_options_for("sequence")) == {"d_model", "n_layers", "mlp_ratio", "dropout", "bidirectional", "layer_options"}
    assert model_options_for("sequence-classification") == model_options_for("sequence")
    assert set(model_options_for("image-classification")) == {"width", "depth", "kernel_size", "layer_options"}
    assert model_options_for("image-denoising")["width"] == 32 and model_options_for("image-denoising")["depth"] == 8
    with pytest.raises(ValueError, match=r"unknown task kind 'sequense'.*did you mean 'sequence'"):
        model_options_for("sequense")


@pytest.mark.parametrize(
    ("spec", "layer", "fits"),
    [
        (tokens_spec(), "conv2d", "conv1d"),
        (features_spec("sequence-classification"), "conv2d", "longconv1d"),
        (image_spec(), "conv1d", "conv2d"),
        (image_spec(), "longconv1d", "conv2d"),
        (denoise_spec(), "hyena1d", "conv2d"),
    ],
)
def test_wrong_layer_kind_names_layer_kind_and_fitting_layers(spec, layer, fits) -> None:
    with pytest.raises(ValueError) as info:
        build_model(spec, layer)
    message = str(info.value)
    assert repr(layer) in message and spec.kind in message and repr(fits) in message
    assert "'sequence'" in message or "'conv2d'" in message


def test_fitting_layers_cover_the_registry() -> None:
    assert set(fitting_layers("sequence")) == set(list_layers(kind="sequence")) | set(list_layers(kind="conv1d"))
    assert fitting_layers("image-denoising") == list_layers(kind="conv2d")


def test_unknown_names_give_close_matches() -> None:
    with pytest.raises(ValueError, match=r"unknown model option 'd_modle'.*did you mean 'd_model'.*valid options"):
        build_model(tokens_spec(), "conv1d", d_modle=8)
    with pytest.raises(ValueError, match=r"unknown model option 'd_model' for ImageClassifier.*valid options.*'width'"):
        build_model(image_spec(), "conv2d", d_model=8)
    with pytest.raises(ValueError, match=r"unknown model option 'head'"):  # set by the task kind, not an option
        build_model(tokens_spec(), "conv1d", head="pooled")
    with pytest.raises(ValueError, match=r"unknown layer 'longconv'.*did you mean 'longconv1d'"):
        build_model(tokens_spec(), "longconv")
    with pytest.raises(ValueError, match=r"unknown layer option 'head' for layer 'longconv1d'.*did you mean 'heads'"):
        build_model(tokens_spec(), "longconv1d", layer_options={"head": 2})
    with pytest.raises(ValueError, match=r"unknown layer option 'methd' for layer 'conv2d'.*did you mean 'method'"):
        build_model(image_spec(), "conv2d", layer_options={"methd": "fft"})


def test_bad_option_values_and_reserved_layer_options() -> None:
    with pytest.raises(ValueError, match="d_model must be an int >= 1, got 0"):
        build_model(tokens_spec(), "conv1d", d_model=0)
    with pytest.raises(ValueError, match="dropout"):
        build_model(tokens_spec(), "conv1d", dropout=1.5)
    with pytest.raises(ValueError, match="bidirectional must be a bool"):
        build_model(tokens_spec(), "conv1d", bidirectional="yes")
    with pytest.raises(ValueError, match="depth must be an int >= 2"):
        build_model(denoise_spec(), "conv2d", depth=1)
    with pytest.raises(ValueError, match=r"may not set \['kernel_size'\]"):
        build_model(tokens_spec(), "conv1d", layer_options={"kernel_size": 3})
    with pytest.raises(ValueError, match=r"may not set \['seq_len'\]"):
        build_model(tokens_spec(), "hyena1d", layer_options={"seq_len": 3})
    with pytest.raises(ValueError, match="layer_options must be a dict"):
        build_model(image_spec(), "conv2d", layer_options=["fft"])


def test_device_and_dtype_are_honoured() -> None:
    model = build_model(image_spec(), "conv2d", width=4, dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in model.parameters())
    assert model(torch.randn(2, 1, 8, 8, dtype=torch.float64)).dtype == torch.float64
