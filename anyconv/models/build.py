"""``build_model``: the one entry point from a task and a layer name to a model.

=========================  =====================================  ======================  ===================
task kind                  model (model option ``backbone``)      layer kinds that fit    model options
=========================  =====================================  ======================  ===================
sequence                   "mixer": SequenceModel (default)       sequence, conv1d        d_model, n_layers,
sequence-classification    "ckcnn": CKCNN, "ccnn": CCNN (1-D)     conv1d                  ... (see below)
image-classification       "resnet": ImageClassifier (default)    conv2d                  width, depth, ...
                           "ccnn": CCNN (2-D)                     conv2d
image-denoising            "dncnn": DnCNN (default)               conv2d                  width, depth, ...
=========================  =====================================  ======================  ===================

The model option ``backbone`` picks the network (an unknown name raises with close matches);
the other options are the fields of that network's config, listed with their defaults by
``model_options_for(kind, backbone)``. Everything else a model needs (sequence length,
vocabulary, channels, outputs, head, whether it reads times as a channel) comes from the
:class:`~anyconv.data.tasks.TaskSpec`.
"""

from __future__ import annotations

import dataclasses
import difflib
from typing import Any

import torch
from torch import nn

from anyconv.data.tasks.spec import KINDS, TaskSpec
from anyconv.layers.registry import get_spec, list_layers
from anyconv.models.ccnn import CCNN, CCNNConfig
from anyconv.models.ckcnn import CKCNN, CKCNNConfig
from anyconv.models.dncnn import DnCNN, DnCNNConfig
from anyconv.models.image import ImageClassifier, ImageClassifierConfig
from anyconv.models.mixer import layer_takes_times
from anyconv.models.sequence import SequenceModel, SequenceModelConfig

_Model = tuple[type[nn.Module], type, tuple[str, ...]]  # (model class, its config dataclass, layer kinds that fit)
_SEQUENCE_BACKBONES: dict[str, _Model] = {
    "mixer": (SequenceModel, SequenceModelConfig, ("sequence", "conv1d")),
    "ckcnn": (CKCNN, CKCNNConfig, ("conv1d",)),
    "ccnn": (CCNN, CCNNConfig, ("conv1d",)),
}
# task kind -> backbone name -> model; the first backbone of each kind is its default
BACKBONES: dict[str, dict[str, _Model]] = {
    "sequence": _SEQUENCE_BACKBONES,
    "sequence-classification": _SEQUENCE_BACKBONES,
    "image-classification": {
        "resnet": (ImageClassifier, ImageClassifierConfig, ("conv2d",)),
        "ccnn": (CCNN, CCNNConfig, ("conv2d",)),
    },
    "image-denoising": {"dncnn": (DnCNN, DnCNNConfig, ("conv2d",))},
}
_MODELS: dict[str, _Model] = {kind: next(iter(models.values())) for kind, models in BACKBONES.items()}  # defaults
# Config fields that come from the task (or are deprecated), never from model options.
_FROM_TASK = frozenset(
    {"layer", "seq_len", "n_outputs", "input_kind", "vocab_size", "in_channels", "head", "layer_kwargs", "channels",
     "time_channel", "input_size"}
)


def _check_kind(kind: str) -> None:
    if kind not in _MODELS:
        close = difflib.get_close_matches(kind, list(_MODELS), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown task kind {kind!r}{hint} (expected one of {KINDS})")


def _backbone(kind: str, backbone: object) -> _Model:
    """The model that ``backbone`` (None: the kind's default) names for tasks of ``kind``."""
    _check_kind(kind)
    models = BACKBONES[kind]
    if backbone is None:
        return next(iter(models.values()))
    if not isinstance(backbone, str) or backbone not in models:
        close = difflib.get_close_matches(str(backbone), list(models), n=2, cutoff=0.4)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown backbone {backbone!r} for task kind {kind!r}{hint} (expected one of {list(models)})")
    return models[backbone]


def model_options_for(kind: str, backbone: str | None = None) -> dict[str, Any]:
    """The model options ``build_model`` accepts for tasks of ``kind``, with their defaults.

    These are the fields of the ``backbone``'s config (None: the kind's default backbone);
    the option ``backbone`` itself is always accepted too. Lets a harness validate a suite's
    ``[model]`` table before training.
    """
    config_cls = _backbone(kind, backbone)[1]
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
    """Raise a ValueError naming any option that ``build_model`` would not accept for ``kind``
    (an unknown ``backbone``, or an option its config does not have)."""
    backbone = model_options.get("backbone")
    valid = model_options_for(kind, backbone)
    for name in model_options:
        if name == "backbone":
            continue
        if name not in valid:
            close = difflib.get_close_matches(name, list(valid), n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
            model = _backbone(kind, backbone)[0].__name__
            raise ValueError(
                f"unknown model option {name!r} for {model} (task kind {kind!r}){hint}; "
                f"valid options: {sorted(valid)}"
            )


def fitting_layers(kind: str, backbone: str | None = None) -> list[str]:
    """The registered layers that ``build_model`` accepts for tasks of ``kind`` (and ``backbone``)."""
    layer_kinds = _backbone(kind, backbone)[2]
    return sorted(name for layer_kind in layer_kinds for name in list_layers(kind=layer_kind))


def check_layer_fits(kind: str, layer: str, *, task: str, backbone: str | None = None) -> None:
    """Raise a ValueError if ``layer`` (unknown: close matches) cannot serve tasks of ``kind``
    with ``backbone`` (None: the kind's default)."""
    layer_kinds = _backbone(kind, backbone)[2]
    layer_kind = get_spec(layer).kind
    if layer_kind not in layer_kinds:
        raise ValueError(
            f"layer {layer!r} is of kind {layer_kind!r}, which does not fit task {task!r} of kind "
            f"{kind!r}{'' if backbone is None else f' with backbone {backbone!r}'} (needs a layer of kind {' or '.join(repr(k) for k in layer_kinds)}); "
            f"registered layers that fit: {fitting_layers(kind, backbone)}"
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
    check_model_options(spec.kind, model_options)
    options = dict(model_options)
    backbone = options.pop("backbone", None)
    check_layer_fits(spec.kind, layer, task=spec.name, backbone=backbone)
    model_cls = _backbone(spec.kind, backbone)[0]
    factory: dict[str, Any] = {"device": device, "dtype": dtype}
    head = "pooled" if spec.kind == "sequence-classification" else "per_position"
    time_channel = spec.has_times and not layer_takes_times(layer)
    if model_cls is CKCNN:
        ckcnn = CKCNNConfig(
            layer=layer, seq_len=spec.input_shape[-1], in_channels=_feature_channels(spec), n_outputs=spec.n_outputs,
            head=head, time_channel=time_channel, **options,
        )
        return CKCNN(ckcnn, **factory)
    if model_cls is CCNN:
        one_d = spec.kind.startswith("sequence")
        ccnn = CCNNConfig(
            layer=layer, input_size=tuple(spec.input_shape[1:]), in_channels=_feature_channels(spec) if one_d else spec.input_shape[0],
            n_outputs=spec.n_outputs, head=head if one_d else "pooled", time_channel=time_channel, **options,
        )
        return CCNN(ccnn, **factory)
    if model_cls is SequenceModel:
        config = SequenceModelConfig(
            layer=layer, seq_len=spec.input_shape[-1], n_outputs=spec.n_outputs, input_kind=spec.input_kind,
            vocab_size=spec.vocab_size, in_channels=spec.in_channels,
            head=head, time_channel=time_channel, **options,
        )
        return SequenceModel(config, **factory)
    if model_cls is ImageClassifier:
        return ImageClassifier(
            ImageClassifierConfig(layer=layer, in_channels=spec.input_shape[0], n_outputs=spec.n_outputs, **options),
            **factory,
        )
    return DnCNN(DnCNNConfig(layer=layer, channels=spec.input_shape[0], **options), **factory)


def _feature_channels(spec: TaskSpec) -> int:
    """Input channels of a features task; CKCNN / CCNN read features, not tokens."""
    if spec.input_kind != "features" or spec.in_channels is None:
        raise ValueError(
            f"backbones 'ckcnn' and 'ccnn' read feature sequences (B, C, L); task {spec.name!r} gives "
            f"{spec.input_kind!r} input (use backbone 'mixer')"
        )
    return spec.in_channels
