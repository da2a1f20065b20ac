"""``SGConv1d``: a sequence layer with a structured multi-scale global kernel (SGConv)."""

from __future__ import annotations

import torch
from torch import Tensor, nn

from anyconv.kernels.multiscale import SGConvKernel
from anyconv.layers._long_block import LongKernelBlock
from anyconv.layers.baking import with_fixed_kernel
from anyconv.layers.registry import register


@register(
    "sgconv1d",
    kind="sequence",
    example_kwargs={"channels": 4, "seq_len": 16, "kernel_dim": 4},
    example_input_shape=(2, 4, 16),
)
class SGConv1d(LongKernelBlock):
    """Structured global convolution: a multi-scale kernel with ``O(kernel_dim · log L)`` parameters.

    Follows ``GConv`` of the SGConv reference (``gconv_standalone.py``, mode ``cat_randn``):
    the kernel of :class:`~anyconv.kernels.multiscale.SGConvKernel`, the D skip term, GELU, and a
    pointwise output projection (``postact="glu"`` as the reference's LRA configs). Causal by
    default (``mode="causal"``, ``flip=True``); ``bidirectional=True`` adds an anti-causal kernel.

    Args:
        channels: model width ``C``.
        seq_len: sets the number of scales. Longer inputs keep the whole kernel (all
            ``kernel.full_length = kernel_dim · 2^(n_scales-1) >= seq_len`` taps, zero beyond) as
            the reference does, which builds its kernel at the input length; every output is returned.
        bidirectional: non-causal two-sided kernel.
        heads: kernels per channel.
        kernel_dim: taps per scale (reference default 64).
        n_scales: number of scales (default: enough to cover ``seq_len``).
        decay: weight ratio between consecutive scales (paper 1/2).
        interpolation: ``"linear"`` or ``"nearest"`` upsampling.
        kernel_lr: learning-rate hint for the sub-kernels (reference 1e-3).
        dropout: dropout after the activation.
        postact: ``"glu"`` or ``"none"``.
        method: engine (``"auto"``, ``"direct"``, ``"fft"``).
        check_finite: let the FFT engine raise on NaN/inf input (one host sync per call; see
            :class:`~anyconv.layers.base.KernelConv`).

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``; causal unless ``bidirectional``.
    """

    kernel: SGConvKernel

    def __init__(
        self,
        channels: int,
        seq_len: int,
        *,
        bidirectional: bool = False,
        heads: int = 1,
        kernel_dim: int = 64,
        n_scales: int | None = None,
        decay: float = 0.5,
        interpolation: str = "linear",
        kernel_lr: float | None = 1e-3,
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
        self.kernel = SGConvKernel(
            channels, seq_len, heads=heads, kernel_dim=kernel_dim, n_scales=n_scales, decay=decay,
            interpolation=interpolation, bidirectional=bidirectional, lr=kernel_lr, device=device, dtype=dtype,
        )
        self.reset_parameters()

    def _weight(self, length: int) -> Tensor:
        return self.kernel(min(length, self.kernel.max_length))  # (C*heads, 1, K)

    def bake(self, *sizes: int) -> nn.Module:
        """A copy with the multi-scale kernel fixed at the input length ``sizes[0]`` (default
        ``seq_len``): identical outputs, no kernel parameters; inputs of another length raise
        (unless both reach the kernel's full length)."""
        length = sizes[0] if sizes else self.seq_len
        return with_fixed_kernel(self, length, min(length, self.kernel.max_length))

    def extra_repr(self) -> str:
        k = self.kernel
        return f"{self._block_repr()}, kernel_dim={k.kernel_dim}, n_scales={k.n_scales}, decay={k.decay}"
