"""``SGConvKernel``: the multi-scale kernel of SGConv (Li et al. 2023, "What Makes Convolutional
Models Great on Long Sequence Modeling?"; reference ``gconv_standalone.py``, mode ``cat_randn``).

The kernel is the concatenation of ``n_scales`` sub-kernels, each a free parameter of only
``kernel_dim`` taps (initialised ``N(0, 1)``):

    k = cat_i( upsample(decay^i · w_i, factor 2^max(0, i-1)) )      i = 0 .. n_scales-1

so the scales cover ``kernel_dim · (1, 1, 2, 4, …)`` taps and the total length is
``kernel_dim · 2^(n_scales-1) >= seq_len`` with the default
``n_scales = 1 + ceil(log2(seq_len / kernel_dim))``. Upsampling is ``F.interpolate``
(``"linear"``, ``align_corners=False``, the reference default, or ``"nearest"``).
Far scales are smoother (interpolated) and smaller (decayed); the parameter count,
``n_scales · kernel_dim`` per channel, grows like ``log(seq_len)``.

Normalisation as the reference: the full kernel is divided by its L2 norm *at initialisation*
(per head and channel, kept as the buffer ``kernel_norm``), then truncated to the sequence length.
The reference writes the decay as ``2^(n_scales-1-i)``; ``decay^i`` with ``decay = 1/2`` differs
by a constant factor per channel that the normalisation cancels exactly.
Optimizer hint as the reference: the sub-kernels get their own learning rate (``lr=1e-3``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.kernels._args import check_length, choice, optional_rate, positive_int
from anyconv.kernels.base import Kernel
from anyconv.kernels.long import heads_to_weight
from anyconv.kernels.two_sided import two_sided
from anyconv.optim import set_optim_hints

INTERPOLATIONS = ("linear", "nearest")


def default_n_scales(seq_len: int, kernel_dim: int) -> int:
    """Fewest scales whose total length ``kernel_dim · 2^(n-1)`` reaches ``seq_len``."""
    return 1 + max(0, math.ceil(math.log2(seq_len / kernel_dim)))


def scale_factor(index: int) -> int:
    """Upsampling factor of sub-kernel ``index``: 1, 1, 2, 4, 8, …"""
    return 2 ** max(0, index - 1)


class SGConvKernel(Kernel):
    """Multi-scale depthwise kernel with ``O(kernel_dim · log L)`` parameters per channel.

    Args:
        channels: number of input channels ``C``.
        seq_len: longest sequence the kernel serves.
        heads: kernels per channel (the reference's ``channels``).
        kernel_dim: taps per sub-kernel (reference default 64).
        n_scales: number of sub-kernels (default: just enough to cover ``seq_len``).
        decay: weight ratio between consecutive scales (paper: 1/2).
        interpolation: ``"linear"`` (reference default) or ``"nearest"``.
        bidirectional: also learn an anti-causal kernel and return the two-sided weight.
        lr: learning rate hint for the sub-kernels (reference: 1e-3; None for no hint).

    ``forward(length)`` accepts any ``length`` up to :attr:`max_length`: the reference builds
    its kernel at the input length, truncating the concatenated scales or zero-padding them,
    so a sequence longer than ``seq_len`` still sees all ``full_length`` taps.

    Shape:
        ``forward(length=None)`` → ``(C * heads, 1, K)`` with ``K = length`` (default ``seq_len``; causal) or
        ``2 * length`` (bidirectional, lag 0 at index ``length``; see :mod:`~anyconv.kernels.two_sided`).
    """

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        heads: int = 1,
        kernel_dim: int = 64,
        n_scales: int | None = None,
        decay: float = 0.5,
        interpolation: str = "linear",
        bidirectional: bool = False,
        lr: float | None = 1e-3,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.channels = positive_int("channels", channels)
        self.seq_len = positive_int("seq_len", seq_len)
        self.heads = positive_int("heads", heads)
        self.kernel_dim = positive_int("kernel_dim", kernel_dim)
        default = default_n_scales(seq_len, kernel_dim)
        self.n_scales = default if n_scales is None else positive_int("n_scales", n_scales)
        if isinstance(decay, bool) or not isinstance(decay, (int, float)) or not 0 < decay <= 1:
            raise ValueError(f"decay must be a float in (0, 1], got {decay!r}")
        self.decay = float(decay)
        self.interpolation = choice("interpolation", interpolation, INTERPOLATIONS)
        self.bidirectional = bool(bidirectional)
        self.lr = optional_rate("lr", lr)
        sides = 2 if self.bidirectional else 1
        shape = (sides * heads, channels, kernel_dim)
        self.sub_kernels = nn.ParameterList(
            [nn.Parameter(torch.empty(shape, device=device, dtype=dtype)) for _ in range(self.n_scales)]
        )
        for index in range(self.n_scales):
            set_optim_hints(self, f"sub_kernels.{index}", lr=self.lr)
        self.register_buffer("kernel_norm", torch.ones(sides * heads, channels, 1, device=device, dtype=dtype))
        self.reset_parameters()

    @property
    def full_length(self) -> int:
        """Length of the concatenated kernel before truncation: ``kernel_dim · 2^(n_scales-1)``."""
        return sum(self.kernel_dim * scale_factor(i) for i in range(self.n_scales))

    @property
    def max_length(self) -> int:
        """Longest kernel :meth:`forward` returns: ``max(seq_len, full_length)`` (zero taps past ``full_length``)."""
        return max(self.seq_len, self.full_length)

    def reset_parameters(self) -> None:
        with torch.no_grad():
            for param in self.sub_kernels:
                param.normal_()
            self.kernel_norm.copy_(self.raw_kernel().norm(dim=-1, keepdim=True))

    def raw_kernel(self) -> Tensor:
        """The concatenated multi-scale kernel before normalisation.

        Shape:
            ``(sides * heads, C, full_length)``
        """
        pieces = []
        for i, sub in enumerate(self.sub_kernels):
            piece = sub * self.decay**i  # (sides*heads, C, kernel_dim)
            factor = scale_factor(i)
            if factor > 1:
                piece = F.interpolate(piece, scale_factor=factor, mode=self.interpolation)  # (.., kernel_dim*factor)
            pieces.append(piece)
        return torch.cat(pieces, dim=-1)

    def forward(self, length: int | None = None) -> Tensor:
        n = self.seq_len if length is None else check_length(type(self).__name__, length, self.max_length)
        k = self.raw_kernel() / self.kernel_norm  # (sides*heads, C, full_length)
        k = k[..., :n] if k.shape[-1] >= n else F.pad(k, (0, n - k.shape[-1]))  # (sides*heads, C, n)
        if self.bidirectional:
            k = two_sided(k[: self.heads], k[self.heads :])  # (heads, C, 2n)
        return heads_to_weight(k)

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}"]
        if self.heads != 1:
            parts.append(f"heads={self.heads}")
        parts.append(f"kernel_dim={self.kernel_dim}, n_scales={self.n_scales}, decay={self.decay}")
        if self.interpolation != "linear":
            parts.append(f"interpolation={self.interpolation!r}")
        if self.bidirectional:
            parts.append("bidirectional=True")
        return ", ".join(parts)
