"""A small sequence model built from any registered sequence layer (read it top to bottom).

    tokens (B, L) ──Embedding──┐
                               ├─> h (B, L, D) ─> N × [h += layer(norm(h)); h += mlp(norm(h))] ─> norm ─> head ─> (B, L, n_outputs)
    features (B, C_in, L) ─Linear┘

The sequence layer works channels-first (``(B, D, L)``), the norms and MLPs channels-last
(``(B, L, D)``); the two transposes in :class:`ResidualBlock` are the only reshapes.
Causal layers make the whole model causal (output ``t`` reads inputs ``<= t``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int, probability
from anyconv.layers.registry import create, get_spec


@dataclass
class SequenceModelConfig:
    """Everything that defines a :class:`SequenceModel`."""

    layer: str  # a registered layer of kind "sequence"
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
    layer_kwargs: dict[str, Any] = field(default_factory=dict)  # extra keyword arguments of the layer


class ResidualBlock(nn.Module):
    """Pre-norm residual block: sequence mixing, then a position-wise MLP.

    Shape:
        h: ``(B, L, D)`` → ``(B, L, D)``
    """

    def __init__(self, config: SequenceModelConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        d = config.d_model
        self.norm1 = nn.LayerNorm(d, **factory)
        self.mixer = create(
            config.layer, d, config.seq_len, bidirectional=config.bidirectional, **config.layer_kwargs, **factory
        )
        self.norm2 = nn.LayerNorm(d, **factory)
        self.mlp = nn.Sequential(
            nn.Linear(d, config.mlp_ratio * d, **factory),
            nn.GELU(),
            nn.Linear(config.mlp_ratio * d, d, **factory),
        )
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, h: Tensor) -> Tensor:
        mixed = self.mixer(self.norm1(h).transpose(1, 2)).transpose(1, 2)  # (B, L, D) -> (B, D, L) -> (B, L, D)
        h = h + self.dropout(mixed)
        return h + self.dropout(self.mlp(self.norm2(h)))


class SequenceModel(nn.Module):
    """Embedding (or linear input) → ``n_layers`` residual blocks → norm → linear head.

    Shape:
        x: ``(B, L)`` int64 tokens or ``(B, C_in, L)`` features → ``(B, L, n_outputs)``
    """

    def __init__(self, config: SequenceModelConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        spec = get_spec(config.layer)
        if spec.kind != "sequence":
            raise ValueError(f"layer {config.layer!r} is of kind {spec.kind!r}; SequenceModel needs a 'sequence' layer")
        choice("input_kind", config.input_kind, ("tokens", "features"))
        for name in ("seq_len", "n_outputs", "d_model", "n_layers", "mlp_ratio"):
            positive_int(name, getattr(config, name))
        probability("dropout", config.dropout)
        factory = {"device": device, "dtype": dtype}
        self.config = config
        if config.input_kind == "tokens":
            self.embed: nn.Module = nn.Embedding(positive_int("vocab_size", config.vocab_size), config.d_model, **factory)
        else:
            self.embed = nn.Linear(positive_int("in_channels", config.in_channels), config.d_model, **factory)
        self.blocks = nn.ModuleList([ResidualBlock(config, **factory) for _ in range(config.n_layers)])
        self.norm = nn.LayerNorm(config.d_model, **factory)
        self.head = nn.Linear(config.d_model, config.n_outputs, **factory)

    def forward(self, x: Tensor) -> Tensor:
        if self.config.input_kind == "tokens":
            h = self.embed(x)  # (B, L) -> (B, L, D)
        else:
            h = self.embed(x.transpose(1, 2))  # (B, C_in, L) -> (B, L, C_in) -> (B, L, D)
        for block in self.blocks:
            h = block(h)
        return self.head(self.norm(h))  # (B, L, n_outputs)

    def extra_repr(self) -> str:
        c = self.config
        return f"layer={c.layer!r}, d_model={c.d_model}, n_layers={c.n_layers}, seq_len={c.seq_len}"
