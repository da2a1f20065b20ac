"""``CCNN``: a CCNN-style network ("Modelling Long Range Dependencies in N-D", Knigge et al. 2023),
1-D (sequences) or 2-D (images), around any registered conv1d- / conv2d-kind layer.

    x (B, C_in, *S) [+ time channel] ─> 1×1 conv to width ─> n_blocks × block ─> norm ─> pool ─> linear

Pre-norm residual block, with a depthwise-separable convolution (the layer with ``groups=width``,
then a 1×1 mixer)::

    y = norm(x)
    y = conv1x1(depthwise(y))          depthwise: the registered layer, groups = width
    y = conv1x1(dropout(gelu(y)))
    x = x + dropout(y)

1-D: ``kernel_size=None`` lets a continuous layer's kernel span the whole input (any length);
``bidirectional=False`` builds the layers with ``mode="causal"``. 2-D: the layers run with
``mode="same"`` and need an odd ``kernel_size``; ``None`` picks the odd size just above the
image side (``max(H, W) // 2 * 2 + 1``: 29 for 28×28, the reference's 33 for 32×32), so every
kernel reaches across the image from its centre. ``times`` / ``mask`` (1-D) as in
:class:`~anyconv.models.ckcnn.CKCNN`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int, probability
from anyconv.layers.registry import create, get_spec
from anyconv.models.ckcnn import HEADS, NORMS, RESERVED_CKCNN_ARGS, make_norm, pool, spans_input
from anyconv.models.mixer import accepts_times, check_layer_options

RESERVED_CCNN_ARGS = (*RESERVED_CKCNN_ARGS, "groups")


@dataclass
class CCNNConfig:
    """Everything that defines a :class:`CCNN`.

    ``layer``, ``input_size`` (``(L,)`` or ``(H, W)``), ``in_channels``, ``n_outputs``, ``head`` and
    ``time_channel`` come from the task; the rest are model options (see ``build_model``).
    """

    layer: str  # a registered layer of kind "conv1d" (sequences) or "conv2d" (images)
    input_size: tuple[int, ...]  # the task's (L,) or (H, W)
    in_channels: int
    n_outputs: int
    head: str = "pooled"  # 1-D only: "per_position" gives (B, L, n_outputs)
    time_channel: bool = False  # 1-D: append times / L as one more input channel
    width: int = 32
    n_blocks: int = 4
    kernel_size: int | None = None  # None: spans the input (1-D) / the odd size above the image side (2-D)
    norm: str = "batch"  # "batch", "layer" (over channels) or "none"
    dropout: float = 0.0
    bidirectional: bool = False  # 1-D: False → mode="causal", True → "same"; 2-D: always "same"
    layer_options: dict[str, Any] = field(default_factory=dict)  # extra keyword arguments of the layer


class CCNNBlock(nn.Module):
    """``x + dropout(conv1x1(dropout(gelu(conv1x1(depthwise(norm(x)))))))``.

    Shape:
        x: ``(B, C, *S)`` → same; times, mask: ``(B, L)`` (1-D, for layers that take them) or None
    """

    def __init__(self, config: CCNNConfig, kernel_size: int | None, *,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        ndim, width = len(config.input_size), config.width
        pointwise = nn.Conv1d if ndim == 1 else nn.Conv2d
        self.norm = make_norm(config.norm, width, ndim, factory)
        self.depthwise = create(
            config.layer, in_channels=width, out_channels=width, kernel_size=kernel_size, groups=width,
            mode="causal" if ndim == 1 and not config.bidirectional else "same", **config.layer_options, **factory,
        )
        self.mix = pointwise(width, width, 1, **factory)
        self.out = pointwise(width, width, 1, **factory)
        self.dropout = nn.Dropout(config.dropout)
        self.takes_times = accepts_times(self.depthwise)

    def forward(self, x: Tensor, times: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        y = self.norm(x)
        if self.takes_times and (times is not None or mask is not None):
            y = self.depthwise(y, times=times, mask=mask)  # (B, C, L)
        else:
            y = self.depthwise(y)  # (B, C, *S)
        y = self.out(self.dropout(F.gelu(self.mix(y))))  # (B, C, *S)
        return x + self.dropout(y)


class CCNN(nn.Module):
    """1×1 encoder, ``n_blocks`` pre-norm separable blocks, norm, mean pool, linear head.

    Shape:
        1-D: x ``(B, in_channels, L)`` (any ``L`` with ``kernel_size=None``), times/mask ``(B, L)``
        → ``(B, n_outputs)`` (or ``(B, L, n_outputs)`` with head "per_position");
        2-D: x ``(B, in_channels, H, W)`` → ``(B, n_outputs)``
    """

    def __init__(self, config: CCNNConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        ndim = len(config.input_size)
        if ndim not in (1, 2):
            raise ValueError(f"CCNN: input_size must be (L,) or (H, W), got {config.input_size!r}")
        kind = f"conv{ndim}d"
        spec = get_spec(config.layer)
        if spec.kind != kind:
            raise ValueError(f"CCNN on {ndim}-D inputs needs a {kind!r}-kind layer, got {config.layer!r} of kind {spec.kind!r}")
        config.layer_options = check_layer_options(config.layer, config.layer_options, RESERVED_CCNN_ARGS)
        for name in ("in_channels", "n_outputs", "width", "n_blocks"):
            positive_int(name, getattr(config, name))
        for size in config.input_size:
            positive_int("input_size", size)
        choice("norm", config.norm, NORMS)
        choice("head", config.head, HEADS if ndim == 1 else ("pooled",))
        probability("dropout", config.dropout)
        if not isinstance(config.bidirectional, bool):
            raise ValueError(f"bidirectional must be a bool, got {config.bidirectional!r}")  # noqa: TRY004
        kernel_size = config.kernel_size
        if kernel_size is not None:
            positive_int("kernel_size", kernel_size)
        elif ndim == 2:
            kernel_size = max(config.input_size) // 2 * 2 + 1
        elif not spans_input(config.layer):
            raise ValueError(f"layer {config.layer!r} needs a kernel length: set the model option kernel_size")
        self.config, self.ndim, self.kernel_size = config, ndim, kernel_size
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        n_in = config.in_channels + int(config.time_channel and ndim == 1)
        self.encoder = (nn.Conv1d if ndim == 1 else nn.Conv2d)(n_in, config.width, 1, **factory)
        self.blocks = nn.ModuleList(CCNNBlock(config, kernel_size, **factory) for _ in range(config.n_blocks))
        self.norm = make_norm(config.norm, config.width, ndim, factory)
        self.head = nn.Linear(config.width, config.n_outputs, **factory)

    def forward(self, x: Tensor, *, times: Tensor | None = None, mask: Tensor | None = None) -> Tensor:
        c = self.config
        if x.ndim != self.ndim + 2 or x.shape[1] != c.in_channels:
            shape = "(B, {}, L)" if self.ndim == 1 else "(B, {}, H, W)"
            raise ValueError(f"CCNN: expected x of shape {shape.format(c.in_channels)}, got {tuple(x.shape)}")
        if self.ndim == 2 and (times is not None or mask is not None):
            raise ValueError("CCNN: times and mask are for 1-D inputs only")
        for name, t in (("times", times), ("mask", mask)):
            if t is not None and tuple(t.shape) != (x.shape[0], x.shape[-1]):
                raise ValueError(f"CCNN: expected {name} of shape (B, L) = {(x.shape[0], x.shape[-1])}, got {tuple(t.shape)}")
        if mask is not None and mask.dtype != torch.bool:
            raise ValueError(f"CCNN: mask must be a bool tensor (True = observed), got dtype {mask.dtype}")
        if self.ndim == 1 and c.time_channel:
            if times is None:
                raise ValueError("CCNN: this model reads the sample times as an input channel (time_channel=True); pass times=(B, L)")
            x = torch.cat([x, (times / c.input_size[0]).to(x.dtype)[:, None, :]], dim=1)  # (B, C_in + 1, L)
        if mask is not None:
            x = x * mask[:, None, :].to(x.dtype)  # zero the unobserved inputs
        h = self.encoder(x)  # (B, width, *S)
        for block in self.blocks:
            h = block(h, times=times, mask=mask)  # (B, width, *S)
        h = self.norm(h)
        if c.head == "per_position":
            return self.head(h.transpose(1, 2))  # (B, L, width) -> (B, L, n_outputs)
        if self.ndim == 2:
            return self.head(h.mean(dim=(-2, -1)))  # (B, width) -> (B, n_outputs)
        return self.head(pool(h, mask, "mean"))  # (B, width) -> (B, n_outputs)

    def extra_repr(self) -> str:
        c = self.config
        return f"layer={c.layer!r}, width={c.width}, n_blocks={c.n_blocks}, kernel_size={self.kernel_size}"
