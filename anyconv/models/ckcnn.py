"""``CKCNN``: residual blocks of (continuous) convolutions, as the CKConv paper's network.

    x (B, C_in, L) [+ time channel] ─> n_blocks × TCN block ─> pool over L ─> linear   (B, n_outputs)
                                                                  (or per position:)   (B, L, n_outputs)

TCN block (Bai et al. 2018, as in the CKConv / SMPConv references' ``TCNBlock``)::

    h = dropout(relu(norm(conv(x))))            conv: the registered conv1d-kind layer
    h = dropout(relu(norm(conv(h))))
    y = relu(h + shortcut(x))                   shortcut: a 1×1 conv where the width changes

With a continuous layer and ``kernel_size=None`` every kernel spans the whole input, so a model
trained at length ``L`` runs at any length (``2L``: the kernels are re-sampled there). With a
dense ``conv1d`` and ``kernel_size=k``, ``dilation_growth=2`` gives the classic TCN (block ``i``
dilated by ``2**i``; needs a layer that takes ``dilation``). Irregularly sampled inputs: ``times``
(and ``mask``) go to layers whose ``forward`` takes them; for the others the model reads ``times / seq_len`` as
one more input channel. ``mask`` zeroes unobserved inputs and leaves them out of the mean pool.
BatchNorm statistics include masked positions (the tasks here pad nothing).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int, probability
from anyconv.layers.registry import create, get_spec
from anyconv.models.mixer import accepts_times, check_layer_options

NORMS = ("batch", "layer", "none")
POOLS = ("mean", "last")
HEADS = ("pooled", "per_position")
# Constructor arguments the model sets on its convolutions; ``layer_options`` may not override them.
RESERVED_CKCNN_ARGS = ("in_channels", "out_channels", "kernel_size", "mode", "dilation", "device", "dtype")


@dataclass
class CKCNNConfig:
    """Everything that defines a :class:`CKCNN`.

    ``layer``, ``seq_len``, ``in_channels``, ``n_outputs``, ``head`` and ``time_channel`` come from
    the task; the rest are model options (see ``build_model``).
    """

    layer: str  # a registered layer of kind "conv1d"
    seq_len: int  # the task's length (scales the time channel; inputs of any length are accepted)
    in_channels: int
    n_outputs: int
    head: str = "pooled"  # "pooled": (B, n_outputs); "per_position": (B, L, n_outputs)
    time_channel: bool = False  # append times / seq_len as one more input channel
    width: int = 30  # channels of every block (reference: no_hidden=30)
    n_blocks: int = 2
    kernel_size: int | None = None  # None: the layer's kernel spans the whole input (continuous layers)
    dilation_growth: int = 1  # block i uses dilation dilation_growth**i (TCN: 2)
    norm: str = "batch"  # "batch" (reference), "layer" (over channels) or "none"
    dropout: float = 0.0
    bidirectional: bool = False  # False: mode="causal" (output t reads inputs <= t); True: "same"
    pool: str = "mean"  # pooled head: "mean" over observed positions, or the "last" observed one
    layer_options: dict[str, Any] = field(default_factory=dict)  # extra keyword arguments of the layer


def spans_input(layer: str) -> bool:
    """Whether ``layer`` takes ``kernel_size=None`` (a kernel spanning the whole input)."""
    parameter = inspect.signature(get_spec(layer).cls.__init__).parameters.get("kernel_size")
    return parameter is not None and parameter.default is None


class ChannelNorm(nn.Module):
    """LayerNorm over the channels of a channels-first tensor.

    Shape:
        x: ``(B, C, *S)`` → same
    """

    def __init__(self, channels: int, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels, device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return self.norm(x.movedim(1, -1)).movedim(-1, 1)  # (B, C, *S) -> (B, *S, C) -> (B, C, *S)


def make_norm(norm: str, channels: int, ndim: int, factory: dict[str, Any]) -> nn.Module:
    """``norm`` ("batch", "layer" or "none") for ``channels`` channels of a ``ndim``-D signal."""
    if norm == "batch":
        return (nn.BatchNorm1d if ndim == 1 else nn.BatchNorm2d)(channels, **factory)
    if norm == "layer":
        return ChannelNorm(channels, **factory)
    return nn.Identity()


def conv_layer(config: CKCNNConfig, in_channels: int, out_channels: int, dilation: int, factory: dict[str, Any]) -> nn.Module:
    """One registered conv1d-kind layer, built with keyword arguments only."""
    extra: dict[str, Any] = {} if dilation == 1 else {"dilation": dilation}
    return create(
        config.layer, in_channels=in_channels, out_channels=out_channels, kernel_size=config.kernel_size,
        mode="same" if config.bidirectional else "causal", **extra, **config.layer_options, **factory,
    )


class TCNBlock(nn.Module):
    """Two convolutions with norm, ReLU and dropout, plus a (1×1-projected) shortcut, then ReLU.

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_out, L)``; times, mask: ``(B, L)`` or None (for layers that take them)
    """

    def __init__(self, config: CKCNNConfig, in_channels: int, out_channels: int, dilation: int, *,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.conv1 = conv_layer(config, in_channels, out_channels, dilation, factory)
        self.norm1 = make_norm(config.norm, out_channels, 1, factory)
        self.conv2 = conv_layer(config, out_channels, out_channels, dilation, factory)
        self.norm2 = make_norm(config.norm, out_channels, 1, factory)
        self.dropout = nn.Dropout(config.dropout)
        self.shortcut: nn.Module = nn.Identity()
        if in_channels != out_channels:
            self.shortcut = nn.Conv1d(in_channels, out_channels, 1, **factory)
        self.takes_times = accepts_times(self.conv1)

    def _conv(self, conv: nn.Module, x: Tensor, times: Tensor | None, mask: Tensor | None) -> Tensor:
        if self.takes_times and (times is not None or mask is not None):
            return conv(x, times=times, mask=mask)
        return conv(x)

    def forward(self, x: Tensor, times: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        h = self.dropout(torch.relu(self.norm1(self._conv(self.conv1, x, times, mask))))  # (B, C_out, L)
        h = self.dropout(torch.relu(self.norm2(self._conv(self.conv2, h, times, mask))))  # (B, C_out, L)
        return torch.relu(h + self.shortcut(x))


def pool(h: Tensor, mask: Tensor | None, how: str) -> Tensor:
    """Mean over the observed positions, or the last observed position (all, without a mask).

    Shape:
        h: ``(B, C, L)``; mask: ``(B, L)`` bool or None → ``(B, C)``
    """
    if mask is None:
        return h.mean(dim=-1) if how == "mean" else h[..., -1]  # (B, C)
    if how == "mean":
        weight = mask[:, None, :].to(h.dtype)  # (B, 1, L)
        return (h * weight).sum(dim=-1) / weight.sum(dim=-1).clamp_min(1.0)  # (B, C)
    positions = torch.arange(h.shape[-1], device=h.device)
    last = torch.where(mask, positions, 0).amax(dim=-1)  # (B,) index of the last observed sample
    return h.gather(-1, last[:, None, None].expand(-1, h.shape[1], 1))[..., 0]  # (B, C, 1) -> (B, C)


class CKCNN(nn.Module):
    """``n_blocks`` TCN blocks of a conv1d-kind layer, then a pooled or per-position linear head.

    Shape:
        x: ``(B, in_channels, L)`` (any ``L`` with ``kernel_size=None``); times, mask: ``(B, L)``
        → ``(B, n_outputs)`` (head "pooled") or ``(B, L, n_outputs)`` (head "per_position")
    """

    def __init__(self, config: CKCNNConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        spec = get_spec(config.layer)
        if spec.kind != "conv1d":
            raise ValueError(f"CKCNN needs a 'conv1d'-kind layer, got {config.layer!r} of kind {spec.kind!r}")
        config.layer_options = check_layer_options(config.layer, config.layer_options, RESERVED_CKCNN_ARGS)
        for name in ("seq_len", "in_channels", "n_outputs", "width", "n_blocks", "dilation_growth"):
            positive_int(name, getattr(config, name))
        if config.kernel_size is not None:
            positive_int("kernel_size", config.kernel_size)
        elif not spans_input(config.layer):
            raise ValueError(
                f"layer {config.layer!r} needs a kernel length: set the model option kernel_size "
                "(kernel_size=None, the default, is for continuous layers whose kernel spans the input)"
            )
        choice("norm", config.norm, NORMS)
        choice("pool", config.pool, POOLS)
        choice("head", config.head, HEADS)
        probability("dropout", config.dropout)
        if not isinstance(config.bidirectional, bool):
            raise ValueError(f"bidirectional must be a bool, got {config.bidirectional!r}")  # noqa: TRY004
        self.config = config
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        n_in = config.in_channels + int(config.time_channel)
        self.blocks = nn.ModuleList(
            TCNBlock(config, n_in if i == 0 else config.width, config.width, config.dilation_growth**i, **factory)
            for i in range(config.n_blocks)
        )
        self.head = nn.Linear(config.width, config.n_outputs, **factory)

    def forward(self, x: Tensor, *, times: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        c = self.config
        if x.ndim != 3 or x.shape[1] != c.in_channels:
            raise ValueError(f"CKCNN: expected x of shape (B, {c.in_channels}, L), got {tuple(x.shape)}")
        for name, t in (("times", times), ("mask", mask)):
            if t is not None and tuple(t.shape) != (x.shape[0], x.shape[-1]):
                raise ValueError(f"CKCNN: expected {name} of shape (B, L) = {(x.shape[0], x.shape[-1])}, got {tuple(t.shape)}")
        if mask is not None and mask.dtype != torch.bool:
            raise ValueError(f"CKCNN: mask must be a bool tensor (True = observed), got dtype {mask.dtype}")
        if c.time_channel:
            if times is None:
                raise ValueError("CKCNN: this model reads the sample times as an input channel (time_channel=True); pass times=(B, L)")
            x = torch.cat([x, (times / c.seq_len).to(x.dtype)[:, None, :]], dim=1)  # (B, C_in + 1, L)
        if mask is not None:
            x = x * mask[:, None, :].to(x.dtype)  # zero the unobserved inputs
        h = x
        for block in self.blocks:
            h = block(h, times=times, mask=mask)  # (B, width, L)
        if c.head == "per_position":
            return self.head(h.transpose(1, 2))  # (B, L, width) -> (B, L, n_outputs)
        return self.head(pool(h, mask, c.pool))  # (B, width) -> (B, n_outputs)

    def extra_repr(self) -> str:
        c = self.config
        return f"layer={c.layer!r}, width={c.width}, n_blocks={c.n_blocks}, kernel_size={c.kernel_size}"
