"""``build_model``: the one entry point from a task and a layer name to a model.

=========================  ======================  =====================  =================================
task kind                  model                   layer kinds that fit   model options (see model_options_for)
=========================  ======================  =====================  =================================
sequence                   SequenceModel           sequence, conv1d       d_model, n_layers, mlp_ratio, dropout,
sequence-classification    SequenceModel (pooled)  sequence, conv1d       bidirectional, layer_options
image-classification       ImageClassifier         conv2d                 width, depth, kernel_size, layer_options
image-denoising            DnCNN                   conv2d                 width, depth, kernel_size, layer_options
=========================  ======================  =====================  =================================

Everything else a model needs (sequence length, vocabulary, channels, outputs, head) comes
from the :class:`~anyconv.data.tasks.TaskSpec`.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

import torch
from torch import nn

from anyconv.data.tasks.spec import KINDS, TaskSpec
from anyconv.layers.registry import get_spec, list_layers
from anyconv.models.dncnn import DnCNN, DnCNNConfig
from anyconv.models.image import ImageClassifier, ImageClassifierConfig
from anyconv.models.mixer import layer_takes_times
from anyconv.models.sequence import SequenceModel, SequenceModelConfig

# task kind -> (model class, its config dataclass, the layer kinds that fit)
_MODELS: dict[str, tuple[type[nn.Module], type, tuple[str, ...]]] = {
    "sequence": (SequenceModel, SequenceModelConfig, ("sequence", "conv1d")),
    "sequence-classification": (SequenceModel, SequenceModelConfig, ("sequence", "conv1d")),
    "image-classification": (ImageClassifier, ImageClassifierConfig, ("conv2d",)),
    "image-denoising": (DnCNN, DnCNNConfig, ("conv2d",)),
}
# Config fields that come from the task (or are deprecated), never from model options.
_FROM_TASK = frozenset(
    {"layer", "seq_len", "n_outputs", "input_kind", "vocab_size", "in_channels", "head", "layer_kwargs", "channels",
     "time_channel"}
)


def _check_kind(kind: str) -> None:
    if kind not in _MODELS:
        close = difflib.get_close_matches(kind, list(_MODELS), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown task kind {kind!r}{hint} (expected one of {KINDS})")


def model_options_for(kind: str) -> dict[str, Any]:
    """The model options ``build_model`` accepts for tasks of ``kind``, with their defaults.

    Lets a harness validate a suite's ``[model]`` table before training.
    """
    _check_kind(kind)
    config_cls = _MODELS[kind][1]
    options: dict[str, Any] = {}
    for f in dataclasses.fields(config_cls):
        if f.name in _FROM_TASK:
            continue
        if f.default is not dataclasses.MISSING:
            options[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            options[f.name] = f.default_factory()
    return options


def check_model_options(kind: str, model_options: dict[str, Any]) -> None:
    """Raise a ValueError naming any option that ``build_model`` would not accept for ``kind``."""
    valid = model_options_for(kind)
    for name in model_options:
        if name not in valid:
            close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            model = _MODELS[kind][0].__name__
            raise ValueError(
                f"unknown model option {name!r} for {model} (task kind {kind!r}){hint}; "
                f"valid options: {sorted(valid)}"
            )


def fitting_layers(kind: str) -> list[str]:
    """The registered layers that ``build_model`` accepts for tasks of ``kind``."""
    _check_kind(kind)
    return sorted(name for layer_kind in _MODELS[kind][2] for name in list_layers(kind=layer_kind))


def check_layer_fits(kind: str, layer: str, *, task: str) -> None:
    """Raise a ValueError if ``layer`` (unknown: close matches) cannot serve tasks of ``kind``."""
    _check_kind(kind)
    layer_kinds = _MODELS[kind][2]
    layer_kind = get_spec(layer).kind
    if layer_kind not in layer_kinds:
        raise ValueError(
            f"layer {layer!r} is of kind {layer_kind!r}, which does not fit task {task!r} of kind "
            f"{kind!r} (needs a layer of kind {' or '.join(repr(k) for k in layer_kinds)}); "
            f"registered layers that fit: {fitting_layers(kind)}"
        )


def build_model(
    spec: TaskSpec,
    layer: str,
    *,
    device: torch.device | str | None = None,
    dtype: torch.dtype | None = None,
    **model_options: Any,
) -> nn.Module:
    """The model for a task of ``spec.kind`` built around the registered layer ``layer``.

    ``model_options`` set fields of the chosen model's config (see :func:`model_options_for`);
    an unknown option, or a layer whose kind does not fit the task, raises a ValueError.

    Shape:
        sequence: x ``(B, L)`` tokens or ``(B, C, L)`` features → ``(B, L, n_outputs)``;
        sequence-classification: the same x (plus ``times=``, ``mask=`` ``(B, L)``) → ``(B, n_outputs)``;
        image-classification: ``(B, C, H, W)`` → ``(B, n_outputs)``;
        image-denoising: ``(B, C, H, W)`` → ``(B, C, H, W)``
    """
    check_layer_fits(spec.kind, layer, task=spec.name)
    model_cls = _MODELS[spec.kind][0]
    check_model_options(spec.kind, model_options)
    factory: dict[str, Any] = {"device": device, "dtype": dtype}
    if model_cls is SequenceModel:
        config = SequenceModelConfig(
            layer=layer, seq_len=spec.input_shape[-1], n_outputs=spec.n_outputs, input_kind=spec.input_kind,
            vocab_size=spec.vocab_size, in_channels=spec.in_channels,
            head="pooled" if spec.kind == "sequence-classification" else "per_position",
            time_channel=spec.has_times and not layer_takes_times(layer), **model_options,
        )
        return SequenceModel(config, **factory)
    if model_cls is ImageClassifier:
        return ImageClassifier(
            ImageClassifierConfig(layer=layer, in_channels=spec.input_shape[0], n_outputs=spec.n_outputs, **model_options),
            **factory,
        )
    return DnCNN(DnCNNConfig(layer=layer, channels=spec.input_shape[0], **model_options), **factory)
