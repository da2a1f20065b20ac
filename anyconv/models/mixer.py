"""``ConvMixer``: the one block that lets any ``conv1d``-kind layer mix a sequence.

    x (B, D, L) ─> depthwise conv, kernel as long as the sequence ─> + D ⊙ x ─> GELU ─> 1×1 conv to 2D ─> GLU ─> (B, D, L)

It has the signature of a ``sequence``-kind layer (``(channels, seq_len, *, bidirectional)``),
so :class:`~anyconv.models.sequence.SequenceModel` uses it where it would use one, and a
``conv1d``-kind layer needs no second registration to run on sequence tasks. The convolution
is built with keyword arguments only: ``create(layer, in_channels=D, out_channels=D,
kernel_size=seq_len, groups=D, mode="causal" | "same", **layer_options)``.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.kernels._args import positive_int
from anyconv.layers.registry import create, get_spec

# Constructor arguments ConvMixer sets itself; ``layer_options`` may not override them.
RESERVED_CONV_ARGS = ("in_channels", "out_channels", "kernel_size", "groups", "mode", "device", "dtype")


def accepts_times(module: nn.Module) -> bool:
    """Whether ``module.forward`` takes a ``times`` argument (irregularly sampled inputs)."""
    return "times" in inspect.signature(module.forward).parameters


def layer_takes_times(layer: str) -> bool:
    """Whether the registered layer ``layer`` reads sample times (its ``forward`` takes ``times``)."""
    return "times" in inspect.signature(get_spec(layer).cls.forward).parameters


def check_layer_options(layer: str, layer_options: object, reserved: tuple[str, ...]) -> dict[str, Any]:
    """``layer_options`` as a dict, after checking it sets none of the ``reserved`` arguments and
    only names arguments of the layer's constructor (a misspelling raises with close matches)."""
    if not isinstance(layer_options, dict):
        raise ValueError(  # noqa: TRY004 (a config value, reported like every other)
            f"layer_options must be a dict of keyword arguments for layer {layer!r}, got {layer_options!r}"
        )
    clash = sorted(set(layer_options) & set(reserved))
    if clash:
        raise ValueError(
            f"layer_options for layer {layer!r} may not set {clash}: the model sets {list(reserved)} itself"
        )
    params = inspect.signature(get_spec(layer).cls.__init__).parameters
    if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        valid = [n for n, p in params.items() if n != "self" and n not in reserved
                 and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)]
        for name in layer_options:
            if name not in valid:
                close = difflib.get_close_matches(name, valid, n=3, cutoff=0.5)
                hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
                raise ValueError(f"unknown layer option {name!r} for layer {layer!r}{hint}; valid options: {valid}")
    return dict(layer_options)


class ConvMixer(nn.Module):
    """Sequence mixing with any registered ``conv1d``-kind layer (depthwise, kernel length ``seq_len``).

    ``bidirectional=False`` builds the convolution with ``mode="causal"`` (output ``t`` reads
    inputs ``<= t``), ``True`` with ``mode="same"``. A convolution whose ``forward`` takes
    ``times`` receives them; otherwise ``times`` is ignored.

    Shape:
        x: ``(B, D, L)`` with ``L <= seq_len`` → ``(B, D, L)``; times: ``(B, L)`` or None
    """

    def __init__(
        self,
        layer: str,
        channels: int,
        seq_len: int,
        *,
        bidirectional: bool = False,
        layer_options: dict[str, Any] | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        spec = get_spec(layer)
        if spec.kind != "conv1d":
            raise ValueError(f"ConvMixer needs a 'conv1d'-kind layer, got {layer!r} of kind {spec.kind!r}")
        self.channels = positive_int("channels", channels)
        self.seq_len = positive_int("seq_len", seq_len)
        self.bidirectional = bool(bidirectional)
        options = check_layer_options(layer, {} if layer_options is None else layer_options, RESERVED_CONV_ARGS)
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.conv = create(
            layer, in_channels=channels, out_channels=channels, kernel_size=seq_len, groups=channels,
            mode="same" if bidirectional else "causal", **options, **factory,
        )
        self._conv_takes_times = accepts_times(self.conv)
        self.D = nn.Parameter(torch.empty(channels, **factory))  # per-channel skip
        self.output_linear = nn.Conv1d(channels, 2 * channels, 1, **factory)  # pointwise, then GLU halves it
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialize the skip and the pointwise projection (the convolution keeps its own init)."""
        with torch.no_grad():
            self.D.normal_()
        self.output_linear.reset_parameters()

    def forward(self, x: Tensor, times: Tensor | None = None) -> Tensor:
        if x.ndim != 3 or x.shape[1] != self.channels or x.shape[-1] > self.seq_len:
            raise ValueError(
                f"ConvMixer: expected x of shape (B, {self.channels}, L) with L <= {self.seq_len}, got {tuple(x.shape)}"
            )
        y = self.conv(x, times=times) if self._conv_takes_times else self.conv(x)  # (B, D, L)
        y = F.gelu(y + x * self.D[:, None])  # (B, D, L)
        return F.glu(self.output_linear(y), dim=1)  # (B, 2D, L) -> (B, D, L)

    def extra_repr(self) -> str:
        return f"channels={self.channels}, seq_len={self.seq_len}, bidirectional={self.bidirectional}"
