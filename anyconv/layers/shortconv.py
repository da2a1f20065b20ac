"""``ShortConv1d``: the baseline sequence layer — the LongConv block with a 3-tap dense kernel."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from anyconv.kernels._args import positive_int
from anyconv.kernels.dense import DenseKernel
from anyconv.layers._long_block import LongKernelBlock
from anyconv.layers.baking import with_fixed_kernel
from anyconv.layers.registry import register


@register(
    "shortconv1d",
    kind="sequence",
    example_kwargs={"channels": 4, "seq_len": 16},
    example_input_shape=(2, 4, 16),
)
class ShortConv1d(LongKernelBlock):
    """Short depthwise convolution (``kernel_size`` taps, default 3) in the same block as LongConv.

    The baseline that shows what long kernels buy: identical D skip, GELU and GLU projection,
    but each layer sees only ``kernel_size - 1`` past samples (or ``(kernel_size-1)//2`` on each
    side when ``bidirectional``, ``mode="same"``). ``seq_len`` is accepted for the common
    sequence-layer signature and otherwise unused. ``method`` and ``check_finite`` as
    :class:`~anyconv.layers.base.KernelConv`.

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``; causal unless ``bidirectional``.
    """

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        bidirectional: bool = False,
        kernel_size: int = 3,
        heads: int = 1,
        dropout: float = 0.0,
        postact: str = "glu",
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            channels, seq_len, bidirectional=bidirectional, heads=heads, dropout=dropout,
            postact=postact, method=method, check_finite=check_finite, device=device, dtype=dtype,
        )
        self.kernel_size = positive_int("kernel_size", kernel_size)
        self.kernel = DenseKernel(channels, channels * heads, kernel_size, groups=channels, device=device, dtype=dtype)
        self.reset_parameters()

    def _weight(self, length: int) -> Tensor:
        return self.kernel()  # (C*heads, 1, kernel_size)

    def bake(self, *sizes: int) -> nn.Module:
        """A copy whose short kernel is a fixed buffer (identical outputs at any length;
        ``sizes`` are accepted for the baking protocol and unused)."""
        return with_fixed_kernel(self, None, None)

    def extra_repr(self) -> str:
        return f"{self._block_repr()}, kernel_size={self.kernel_size}"
