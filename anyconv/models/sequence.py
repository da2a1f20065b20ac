"""A small sequence model built from any registered sequence or conv1d layer (read it top to bottom).

    tokens (B, L) ──Embedding──┐
                               ├─> h (B, L, D) ─> N × [h += mixer(norm(h)); h += mlp(norm(h))] ─> head
    features (B, C_in, L) ─Linear┘

    head "per_position": norm ─> linear ─> (B, L, n_outputs)
    head "pooled":       (masked) mean over L ─> norm ─> linear ─> (B, n_outputs)

The mixer is the ``sequence``-kind layer itself, or a :class:`~anyconv.models.mixer.ConvMixer`
around a ``conv1d``-kind layer. Mixers work channels-first (``(B, D, L)``), the norms and MLPs
channels-last (``(B, L, D)``); the transposes in :class:`ResidualBlock` are the only reshapes.
Causal mixers (``bidirectional=False``) make the per-position model causal (output ``t`` reads
inputs ``<= t``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int, probability
from anyconv.layers.registry import create, get_spec
from anyconv.models.mixer import ConvMixer, accepts_times, check_layer_options

SEQUENCE_LAYER_KINDS = ("sequence", "conv1d")
HEADS = ("per_position", "pooled")
INPUT_KINDS = ("tokens", "features")
# Constructor arguments the model sets on a sequence-kind layer; ``layer_options`` may not override them.
RESERVED_SEQUENCE_ARGS = ("channels", "seq_len", "bidirectional", "device", "dtype")


@dataclass
class SequenceModelConfig:
    """Everything that defines a :class:`SequenceModel`.

    ``layer``, ``seq_len``, ``n_outputs``, ``input_kind``, ``vocab_size``, ``in_channels``,
    ``head`` and ``time_channel`` come from the task; the rest are model options (see
    ``build_model``). ``time_channel`` is how layers that take no ``times`` see an irregularly
    sampled input: its sample times, divided by ``seq_len``, as an extra input channel.
    """

    layer: str  # a registered layer of kind "sequence" or "conv1d"
    seq_len: int
    n_outputs: int  # classes, or 1 for regression
    input_kind: str = "tokens"  # "tokens" or "features"
    vocab_size: int | None = None  # tokens
    in_channels: int | None = None  # features
    d_model: int = 32
    n_layers: int = 2
    mlp_ratio: int = 2
    dropout: float = 0.0
    bidirectional: bool = False
    head: str = "per_position"  # "per_position": (B, L, n_outputs); "pooled": (B, n_outputs)
    time_channel: bool = False  # append times / seq_len to the features as one more input channel
    layer_options: dict[str, Any] = field(default_factory=dict)  # extra keyword arguments of the layer
    layer_kwargs: dict[str, Any] | None = None  # deprecated alias of layer_options (old bench/train.py)

    def __post_init__(self) -> None:
        if self.layer_kwargs is not None:
            if self.layer_options:
                raise ValueError("give layer_options or its deprecated alias layer_kwargs, not both")
            self.layer_options, self.layer_kwargs = dict(self.layer_kwargs), None


def _make_mixer(config: SequenceModelConfig, factory: dict[str, Any]) -> nn.Module:
    """The sequence-mixing module of one block: ``(B, D, L) → (B, D, L)``."""
    d = config.d_model
    if get_spec(config.layer).kind == "conv1d":
        return ConvMixer(
            config.layer, d, config.seq_len, bidirectional=config.bidirectional,
            layer_options=config.layer_options, **factory,
        )
    options = check_layer_options(config.layer, config.layer_options, RESERVED_SEQUENCE_ARGS)
    return create(config.layer, d, config.seq_len, bidirectional=config.bidirectional, **options, **factory)


class ResidualBlock(nn.Module):
    """Pre-norm residual block: sequence mixing, then a position-wise MLP.

    Shape:
        h: ``(B, L, D)`` → ``(B, L, D)``; times: ``(B, L)`` or None (passed to mixers that take it)
    """

    def __init__(self, config: SequenceModelConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        d = config.d_model
        self.norm1 = nn.LayerNorm(d, **factory)
        self.mixer = _make_mixer(config, factory)
        self.mixer_takes_times = accepts_times(self.mixer)  # decided once, here
        self.norm2 = nn.LayerNorm(d, **factory)
        self.mlp = nn.Sequential(
            nn.Linear(d, config.mlp_ratio * d, **factory),
            nn.GELU(),
            nn.Linear(config.mlp_ratio * d, d, **factory),
        )
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, h: Tensor, times: Tensor | None = None) -> Tensor:
        u = self.norm1(h).transpose(1, 2)  # (B, L, D) -> (B, D, L)
        mixed = self.mixer(u, times=times) if self.mixer_takes_times else self.mixer(u)  # (B, D, L)
        h = h + self.dropout(mixed.transpose(1, 2))  # (B, D, L) -> (B, L, D)
        return h + self.dropout(self.mlp(self.norm2(h)))


class SequenceModel(nn.Module):
    """Embedding (or linear input) → ``n_layers`` residual blocks → per-position or pooled head.

    ``mask`` marks the observed positions (irregularly sampled inputs): unobserved inputs are
    zeroed before the model reads them and left out of the pooled mean. ``times`` are passed to
    mixers whose ``forward`` takes ``times`` and ignored by the others.

    Shape:
        x: ``(B, L)`` int64 tokens or ``(B, C_in, L)`` features; times: ``(B, L)`` float;
        mask: ``(B, L)`` bool → ``(B, L, n_outputs)`` (head "per_position") or ``(B, n_outputs)``
        (head "pooled")
    """

    def __init__(self, config: SequenceModelConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        spec = get_spec(config.layer)
        if spec.kind not in SEQUENCE_LAYER_KINDS:
            raise ValueError(
                f"layer {config.layer!r} is of kind {spec.kind!r}; SequenceModel needs a layer of kind "
                f"{' or '.join(repr(k) for k in SEQUENCE_LAYER_KINDS)}"
            )
        choice("input_kind", config.input_kind, INPUT_KINDS)
        choice("head", config.head, HEADS)
        for name in ("seq_len", "n_outputs", "d_model", "n_layers", "mlp_ratio"):
            positive_int(name, getattr(config, name))
        probability("dropout", config.dropout)
        if not isinstance(config.bidirectional, bool):
            raise ValueError(f"bidirectional must be a bool, got {config.bidirectional!r}")  # noqa: TRY004
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.config = config
        if config.input_kind == "tokens":
            self.embed: nn.Module = nn.Embedding(positive_int("vocab_size", config.vocab_size), config.d_model, **factory)
        else:
            n_in = positive_int("in_channels", config.in_channels) + int(config.time_channel)
            self.embed = nn.Linear(n_in, config.d_model, **factory)
        self.blocks = nn.ModuleList([ResidualBlock(config, **factory) for _ in range(config.n_layers)])
        self.norm = nn.LayerNorm(config.d_model, **factory)
        self.head = nn.Linear(config.d_model, config.n_outputs, **factory)

    def _check_inputs(self, x: Tensor, times: Tensor | None, mask: Tensor | None) -> None:
        c = self.config
        expected = "(B, L)" if c.input_kind == "tokens" else f"(B, {c.in_channels}, L)"
        ndim = 2 if c.input_kind == "tokens" else 3
        if x.ndim != ndim or (ndim == 3 and x.shape[1] != c.in_channels) or x.shape[-1] > c.seq_len:
            raise ValueError(f"SequenceModel: expected x of shape {expected} with L <= {c.seq_len}, got {tuple(x.shape)}")
        batch_len = (x.shape[0], x.shape[-1])
        for name, t in (("times", times), ("mask", mask)):
            if t is not None and tuple(t.shape) != batch_len:
                raise ValueError(f"SequenceModel: expected {name} of shape (B, L) = {batch_len}, got {tuple(t.shape)}")
        if mask is not None and mask.dtype != torch.bool:
            raise ValueError(f"SequenceModel: mask must be a bool tensor (True = observed), got dtype {mask.dtype}")
        if c.time_channel and times is None:
            raise ValueError("SequenceModel: this model reads the sample times as an input channel (time_channel=True); "
                             "pass times=(B, L)")

    def forward(self, x: Tensor, *, times: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        self._check_inputs(x, times, mask)
        if self.config.input_kind == "tokens":
            h = self.embed(x)  # (B, L) -> (B, L, D)
        else:
            if self.config.time_channel and times is not None:
                scaled = (times / self.config.seq_len).to(x.dtype)[:, None, :]  # (B, L) -> (B, 1, L)
                x = torch.cat([x, scaled], dim=1)  # (B, C_in + 1, L)
            h = self.embed(x.transpose(1, 2))  # (B, C_in, L) -> (B, L, C_in) -> (B, L, D)
        if mask is not None:
            h = h * mask[..., None].to(h.dtype)  # zero the unobserved inputs: (B, L, D) * (B, L, 1)
        for block in self.blocks:
            h = block(h, times=times)  # (B, L, D)
        if self.config.head == "per_position":
            return self.head(self.norm(h))  # (B, L, n_outputs)
        if mask is None:
            pooled = h.mean(dim=1)  # (B, L, D) -> (B, D)
        else:
            weight = mask[..., None].to(h.dtype)  # (B, L, 1)
            pooled = (h * weight).sum(dim=1) / weight.sum(dim=1).clamp_min(1.0)  # (B, D)
        return self.head(self.norm(pooled))  # (B, n_outputs)

    def extra_repr(self) -> str:
        c = self.config
        return f"layer={c.layer!r}, d_model={c.d_model}, n_layers={c.n_layers}, seq_len={c.seq_len}, head={c.head!r}"
