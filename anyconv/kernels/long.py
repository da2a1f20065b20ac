"""``LongConvKernel``: an explicit learned kernel as long as the sequence (Fu et al. 2023, "Simple
Hardware-Efficient Long Convolutions"; HazyResearch/safari ``long_conv_kernel.py``).

The kernel is a free parameter per head and channel, initialised ``N(0, 0.002²)``. Before use it
is *squashed* (soft-thresholded) — ``sign(k) · relu(|k| − λ)`` with ``λ = lam`` — which zeroes
small taps and makes the kernel sparse/smooth, and then passed through kernel dropout.
The parameter gets the reference's optimizer hints: no weight decay, and an optional own
learning rate ``lr``.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from anyconv.kernels._args import check_length, non_negative, optional_rate, positive_int, probability
from anyconv.kernels.base import Kernel
from anyconv.kernels.two_sided import two_sided
from anyconv.optim import set_optim_hints


def squash(kernel: Tensor, lam: float) -> Tensor:
    """Soft-threshold: ``sign(k) · relu(|k| − lam)`` (shape unchanged)."""
    return torch.relu(kernel.abs() - lam) * torch.sign(kernel)


def heads_to_weight(kernel: Tensor) -> Tensor:
    """Lay out per-head depthwise kernels as one engine weight for ``groups=channels``.

    Output channel ``c * heads + h`` carries head ``h`` of input channel ``c``.

    Shape:
        kernel: ``(heads, C, K)`` → ``(C * heads, 1, K)``
    """
    heads, channels, size = kernel.shape
    return kernel.permute(1, 0, 2).reshape(channels * heads, 1, size)  # (C*heads, 1, K)


class LongConvKernel(Kernel):
    """A learned depthwise kernel of length ``seq_len`` with squash and kernel dropout.

    Args:
        channels: number of input channels ``C`` (one kernel per channel and head).
        seq_len: kernel length ``L`` (the longest sequence it serves).
        heads: kernels per channel (the reference's ``channels`` argument).
        lam: squash threshold λ (reference config default 0.003; 0 disables).
        dropout: kernel dropout probability (reference config default 0.2).
        bidirectional: also learn an anti-causal kernel and return the two-sided weight.
        lr: optional learning rate hint for the kernel (weight decay is always hinted 0).

    Shape:
        ``forward(length=None)`` → ``(C * heads, 1, K)`` with ``K = length`` (causal) or
        ``2 * length`` (bidirectional, lag 0 at index ``length``; see
        :mod:`~anyconv.kernels.two_sided`); ``length`` defaults to ``seq_len``; a shorter length returns the first ``length`` taps of each side.
    """

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        heads: int = 1,
        lam: float = 0.003,
        dropout: float = 0.2,
        bidirectional: bool = False,
        lr: float | None = None,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.channels = positive_int("channels", channels)
        self.seq_len = positive_int("seq_len", seq_len)
        self.heads = positive_int("heads", heads)
        self.lam = non_negative("lam", lam)
        self.bidirectional = bool(bidirectional)
        self.lr = optional_rate("lr", lr)
        self.dropout = nn.Dropout(probability("dropout", dropout))
        sides = 2 if self.bidirectional else 1
        self.kernel = nn.Parameter(torch.empty(sides * heads, channels, seq_len, device=device, dtype=dtype))
        set_optim_hints(self, "kernel", lr=self.lr, weight_decay=0.0)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        with torch.no_grad():
            self.kernel.normal_(0.0, 0.002)  # the reference's "random" init

    def forward(self, length: int | None = None) -> Tensor:
        n = check_length(type(self).__name__, length, self.seq_len)
        k = self.dropout(squash(self.kernel[..., :n], self.lam))  # (sides*heads, C, n)
        if self.bidirectional:
            k = two_sided(k[: self.heads], k[self.heads :])  # (heads, C, 2n)
        return heads_to_weight(k)

    def extra_repr(self) -> str:
        parts = [f"{self.channels}, seq_len={self.seq_len}"]
        if self.heads != 1:
            parts.append(f"heads={self.heads}")
        parts.append(f"lam={self.lam}, dropout={self.dropout.p}")
        if self.bidirectional:
            parts.append("bidirectional=True")
        if self.lr is not None:
            parts.append(f"lr={self.lr}")
        return ", ".join(parts)
