"""SequenceModel: causality by perturbation, pooled head and observed mask, times, old config."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

import pytest
import torch
from torch import Tensor, nn

from anyconv.layers import dense
from anyconv.layers.registry import _REGISTRY, register
from anyconv.models import (
    ConvMixer,
    SequenceModel,
    SequenceModelConfig,
    build_model,
    fitting_layers,
)
from tests.models._helpers import features_spec, sequence_marks, tokens_spec

# every registered sequence-kind and conv1d-kind layer
SEQUENCE_LAYERS = [pytest.param(name, marks=sequence_marks(name)) for name in fitting_layers("sequence")]
SMALL = {"d_model": 8, "n_layers": 2}


def _model(spec, layer: str, **options) -> nn.Module:
    torch.manual_seed(0)
    return build_model(spec, layer, dtype=torch.float64, **{**SMALL, **options}).eval()


@pytest.mark.parametrize("input_kind", ["tokens", "features"])
@pytest.mark.parametrize("layer", SEQUENCE_LAYERS)
def test_causal_model_is_causal(layer: str, input_kind: str) -> None:
    spec = tokens_spec() if input_kind == "tokens" else features_spec()
    model = _model(spec, layer)
    g = torch.Generator().manual_seed(0)
    for t in (1, 7, 15):
        if input_kind == "tokens":
            x = torch.randint(spec.vocab_size, (2, 16), generator=g)
            x2 = x.clone()
            x2[:, t:] = (x[:, t:] + 1) % spec.vocab_size  # every future token changes
        else:
            x = torch.randn(2, 3, 16, generator=g, dtype=torch.float64)
            x2 = x.clone()
            x2[..., t:] += torch.randn(2, 3, 16 - t, generator=g, dtype=torch.float64)
        with torch.no_grad():
            y, y2 = model(x), model(x2)  # (B, L, n_outputs)
        torch.testing.assert_close(y2[:, :t], y[:, :t], rtol=0, atol=1e-10)
        assert (y2[:, t] - y[:, t]).abs().max() > 1e-6, "output at the perturbed position did not change"


@pytest.mark.parametrize("layer", SEQUENCE_LAYERS)
def test_bidirectional_model_reads_the_future(layer: str) -> None:
    model = _model(features_spec(), layer, bidirectional=True)
    x = torch.randn(2, 3, 16, dtype=torch.float64)
    x2 = x.clone()
    x2[..., 12:] += 1.0
    with torch.no_grad():
        assert (model(x2)[:, :12] - model(x)[:, :12]).abs().max() > 1e-6


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("layer", SEQUENCE_LAYERS)
def test_pooled_head_ignores_unobserved_positions(layer: str, bidirectional: bool) -> None:
    spec = features_spec("sequence-classification", n_outputs=3)
    model = _model(spec, layer, bidirectional=bidirectional)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(3, 3, 16, generator=g, dtype=torch.float64)
    mask = torch.rand(3, 16, generator=g) < 0.6
    mask[:, 0] = True  # at least one observed sample per series
    x2 = x + 10.0 * (~mask)[:, None, :] * torch.randn(x.shape, generator=g, dtype=torch.float64)  # unobserved only
    with torch.no_grad():
        y, y2 = model(x, mask=mask), model(x2, mask=mask)
        assert y.shape == (3, 3)
        torch.testing.assert_close(y2, y, rtol=0, atol=1e-10)
        x3 = x.clone()
        x3[:, :, 0] += 1.0  # an observed sample
        assert (model(x3, mask=mask) - y).abs().max() > 1e-6


@pytest.mark.parametrize("layer", SEQUENCE_LAYERS)
def test_pooled_head_matches_reference(layer: str) -> None:
    """All-observed mask == no mask; for a causal model, observing only a prefix == the prefix alone."""
    spec = tokens_spec("sequence-classification", n_outputs=3)
    model = _model(spec, layer)
    x = torch.randint(spec.vocab_size, (2, 16), generator=torch.Generator().manual_seed(2))
    mask = torch.zeros(2, 16, dtype=torch.bool)
    mask[:, :10] = True
    with torch.no_grad():
        torch.testing.assert_close(model(x, mask=torch.ones(2, 16, dtype=torch.bool)), model(x), rtol=0, atol=1e-12)
        torch.testing.assert_close(model(x, mask=mask), model(x[:, :10]), rtol=1e-9, atol=1e-9)


def test_mask_and_times_shapes_are_checked() -> None:
    model = _model(features_spec("sequence-classification"), "conv1d")
    x = torch.randn(2, 3, 16, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"expected mask of shape \(B, L\) = \(2, 16\), got \(2, 15\)"):
        model(x, mask=torch.ones(2, 15, dtype=torch.bool))
    with pytest.raises(ValueError, match="mask must be a bool tensor"):
        model(x, mask=torch.ones(2, 16))
    with pytest.raises(ValueError, match=r"expected times of shape"):
        model(x, times=torch.zeros(16))
    with pytest.raises(ValueError, match=r"expected x of shape \(B, 3, L\) with L <= 16, got \(2, 4, 16\)"):
        model(torch.randn(2, 4, 16))


class _TimesProbe1d(dense.Conv1d):
    """A dense conv1d-kind layer whose forward takes ``times`` and records them."""

    seen: ClassVar[list[Tensor | None]] = []

    def forward(self, x: Tensor, times: Tensor | None = None) -> Tensor:
        _TimesProbe1d.seen.append(times)
        return super().forward(x)


class _NoTimesProbe(nn.Module):
    """A sequence-kind layer without ``times``: forward(x) only."""

    def __init__(self, channels: int, seq_len: int, *, bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__()
        self.proj = nn.Linear(channels, channels, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self.proj(x.transpose(1, 2)).transpose(1, 2)  # (B, D, L) -> (B, L, D) -> (B, D, L)


@pytest.fixture
def probes() -> Iterator[None]:
    """Register the probe layers for one test only (other tests iterate over the registry)."""
    register("_timesprobe1d", kind="conv1d", example_kwargs={}, example_input_shape=())(_TimesProbe1d)
    register("_notimesprobe", kind="sequence", example_kwargs={}, example_input_shape=())(_NoTimesProbe)
    try:
        yield
    finally:
        _REGISTRY.pop("_timesprobe1d", None)
        _REGISTRY.pop("_notimesprobe", None)


def test_times_reach_mixers_that_take_them(probes: None) -> None:
    spec = features_spec("sequence-classification", has_times=True)
    times = torch.cumsum(torch.rand(2, 16), dim=1)
    x = torch.randn(2, 3, 16)
    _TimesProbe1d.seen.clear()
    model = build_model(spec, "_timesprobe1d", n_layers=2)
    assert all(block.mixer_takes_times for block in model.blocks)
    model(x, times=times)
    assert len(_TimesProbe1d.seen) == 2 and all(t is times for t in _TimesProbe1d.seen)
    other = build_model(spec, "_notimesprobe")
    assert not other.blocks[0].mixer_takes_times
    assert other(x, times=times).shape == (2, 4)  # accepted, ignored
    assert build_model(spec, "conv1d")(x, times=times).shape == (2, 4)  # conv1d has no times: ignored


def test_conv1d_layer_runs_through_conv_mixer() -> None:
    model = build_model(features_spec(), "conv1d", d_model=8, n_layers=1)
    mixer = model.blocks[0].mixer
    assert isinstance(mixer, ConvMixer)
    conv = mixer.conv
    assert (conv.kernel.kernel_size, conv.groups, conv.mode) == ((16,), 8, "causal")
    assert build_model(features_spec(), "conv1d", bidirectional=True).blocks[0].mixer.conv.mode == "same"


def test_old_config_constructor_still_works() -> None:
    """anyconv/bench/train.py builds SequenceModel(SequenceModelConfig(..., layer_kwargs=...))."""
    config = SequenceModelConfig(
        layer="longconv1d", seq_len=16, n_outputs=5, input_kind="tokens", vocab_size=7, d_model=8,
        n_layers=1, bidirectional=False, layer_kwargs={"heads": 1},
    )
    model = SequenceModel(config)
    assert config.layer_options == {"heads": 1} and model.blocks[0].mixer.heads == 1
    assert model(torch.randint(7, (2, 16))).shape == (2, 16, 5)
    with pytest.raises(ValueError, match="not both"):
        SequenceModelConfig(layer="longconv1d", seq_len=4, n_outputs=2, layer_options={"heads": 1}, layer_kwargs={"heads": 2})
    with pytest.raises(ValueError, match="needs a layer of kind 'sequence' or 'conv1d'"):
        SequenceModel(SequenceModelConfig(layer="conv2d", seq_len=4, n_outputs=2, vocab_size=3))
