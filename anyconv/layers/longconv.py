"""``LongConv1d``: a sequence layer with an explicit kernel as long as the sequence (safari LongConv)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from anyconv.kernels.long import LongConvKernel
from anyconv.layers._long_block import LongKernelBlock
from anyconv.layers.baking import with_fixed_kernel
from anyconv.layers.registry import register


@register(
    "longconv1d",
    kind="sequence",
    example_kwargs={"channels": 4, "seq_len": 16},
    example_input_shape=(2, 4, 16),
)
class LongConv1d(LongKernelBlock):
    """Long convolution: learned depthwise kernels of length ``seq_len`` with squash and kernel dropout.

    Follows HazyResearch/safari ``long_conv.py`` (defaults from its ``long-conv.yaml``: 2 heads,
    ``kernel_lam=0.003``, ``kernel_dropout=0.2``, GELU then a GLU output projection). The kernel
    runs through the engine (FFT for long kernels under ``method="auto"``) as a true, causal
    convolution; ``bidirectional=True`` adds an anti-causal kernel (``mode="same"``, two-sided).

    Args:
        channels: model width ``C``.
        seq_len: kernel length (longest sequence; longer inputs see only ``seq_len`` taps).
        bidirectional: non-causal two-sided kernel.
        heads: kernels per channel, mixed back to ``C`` by the output projection.
        kernel_lam: squash threshold λ.
        kernel_dropout: dropout on kernel taps.
        kernel_lr: learning-rate hint for the kernel (its weight decay is hinted 0).
        dropout: dropout after the activation.
        postact: ``"glu"`` or ``"none"`` after the output projection.
        method: engine (``"auto"``, ``"direct"``, ``"fft"``).
        check_finite: let the FFT engine raise on NaN/inf input (one host sync per call; see
            :class:`~anyconv.layers.base.KernelConv`).

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``; causal unless ``bidirectional``.
    """

    kernel: LongConvKernel

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        bidirectional: bool = False,
        heads: int = 2,
        kernel_lam: float = 0.003,
        kernel_dropout: float = 0.2,
        kernel_lr: float | None = None,
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
        self.kernel = LongConvKernel(
            channels, seq_len, heads=heads, lam=kernel_lam, dropout=kernel_dropout,
            bidirectional=bidirectional, lr=kernel_lr, device=device, dtype=dtype,
        )
        self.reset_parameters()

    def _weight(self, length: int) -> Tensor:
        return self.kernel(min(length, self.seq_len))  # (C*heads, 1, K)

    def bake(self, *sizes: int) -> nn.Module:
        """A copy with the kernel fixed at the input length ``sizes[0]`` (default ``seq_len``):
        identical outputs in eval mode (no kernel dropout) and no kernel parameters; inputs of
        another length raise (longer ones are fine when the kernel was baked at ``seq_len``)."""
        length = sizes[0] if sizes else self.seq_len
        return with_fixed_kernel(self, length, min(length, self.seq_len))

    def extra_repr(self) -> str:
        return f"{self._block_repr()}, kernel_lam={self.kernel.lam}, kernel_dropout={self.kernel.dropout.p}"
