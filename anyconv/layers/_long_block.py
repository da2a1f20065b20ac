"""The block shared by the LongConv, SGConv and short-conv sequence layers (the S4-style layer
of the safari / SGConv references)::

    y = act(conv(u, k) + D ⊙ u)  →  dropout  →  pointwise Linear(C·heads → C) [+ GLU]

``conv`` is a depthwise convolution through the engine with ``flip=True`` (true convolution,
``k[0]`` is "now"): ``mode="causal"`` with a one-sided kernel, or — ``bidirectional=True`` —
``mode="same"`` with a two-sided kernel of odd length whose centre tap is lag 0 (see
:mod:`anyconv.kernels.two_sided`). Each head ``h`` of channel ``c`` is output channel
``c · heads + h`` with its own skip weight ``D[h, c]``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int, probability
from anyconv.layers.base import KernelConv

POSTACTS = ("glu", "none")


class LongKernelBlock(KernelConv):
    """Base class: subclasses set ``self.kernel`` and implement :meth:`_weight`.

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``
    """

    kernel: nn.Module  # set by the subclass: a module whose forward returns the weight

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        bidirectional: bool,
        heads: int,
        dropout: float,
        postact: str,
        method: str,
        check_finite: bool,
        device: torch.device | str | None,
        dtype: torch.dtype | None,
    ) -> None:
        channels = positive_int("channels", channels)
        mode = "same" if bidirectional else "causal"
        super().__init__(ndim=1, mode=mode, groups=channels, method=method, flip=True, check_finite=check_finite)
        self.channels = channels
        self.seq_len = positive_int("seq_len", seq_len)
        self.heads = positive_int("heads", heads)
        self.bidirectional = bool(bidirectional)
        self.postact = choice("postact", postact, POSTACTS)
        self.dropout = nn.Dropout(probability("dropout", dropout))
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.D = nn.Parameter(torch.empty(heads, channels, **factory))  # skip term, as the reference
        out = 2 * channels if self.postact == "glu" else channels
        self.output_linear = nn.Conv1d(channels * heads, out, 1, **factory)  # pointwise mixing

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.D.normal_()
        self.output_linear.reset_parameters()
        self.kernel.reset_parameters()  # type: ignore[operator]  # every kernel module defines it

    def _weight(self, length: int) -> Tensor:  # pragma: no cover - abstract
        """The engine weight for an input of ``length`` samples (the subclass decides how many
        taps that is): ``(C · heads, 1, K)``."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 3 or x.shape[1] != self.channels:
            raise ValueError(f"{type(self).__name__}: expected x of shape (B, {self.channels}, L), got {tuple(x.shape)}")
        weight = self._weight(x.shape[-1])  # (C*heads, 1, K)
        y = self._conv_forward(x, weight, None)  # (B, C*heads, L)
        skip = self.D.t().reshape(-1)  # (C*heads,) in the weight's channel order
        y = y + x.repeat_interleave(self.heads, dim=1) * skip[:, None]  # (B, C*heads, L)
        y = self.dropout(F.gelu(y))
        y = self.output_linear(y)  # (B, 2C or C, L)
        return F.glu(y, dim=1) if self.postact == "glu" else y

    def _block_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}"]
        if self.heads != 1:
            parts.append(f"heads={self.heads}")
        if self.bidirectional:
            parts.append("bidirectional=True")
        if self.dropout.p:
            parts.append(f"dropout={self.dropout.p}")
        if self.postact != "glu":
            parts.append(f"postact={self.postact!r}")
        if self.method != "auto":
            parts.append(f"method={self.method!r}")
        if not self.check_finite:
            parts.append("check_finite=False")
        return ", ".join(parts)
