"""``RepLKConv2d`` (RepLKNet, Ding et al. 2022, "Scaling Up Your Kernels to 31x31"): a large
depthwise kernel plus a parallel small one, each followed by BatchNorm, re-parameterized after
training into one depthwise kernel. :class:`ReparamDepthwise2d` is the shared machinery (also
used by :class:`~anyconv.layers.dilated_reparam.DilatedReparamConv2d`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import torch
from torch import Tensor, nn

from anyconv.layers._bn_fold import ConvBN, check_odd, check_padding_mode, same_depthwise
from anyconv.layers.registry import register


class ReparamDepthwise2d(nn.Module):
    """Sum of parallel centred depthwise ``conv → BN`` branches that folds into one ``K × K`` kernel.

    Branch 0 is the large ``kernel_size × kernel_size`` kernel; the others are given as
    ``(k, dilation)`` pairs whose footprint ``dilation·(k − 1) + 1`` is at most ``kernel_size``.
    Training form: ``Σ_i BN_i(dwconv(x, w_i, dilation_i))``, each branch padded by half its
    footprint (``padding_mode``), so the output keeps ``H × W`` at ``stride=1``.

    :meth:`fused_kernel` gives the eval-mode layer as one ``(C, 1, K, K)`` kernel and bias;
    :meth:`reparameterize` switches this layer to that form in place (branches dropped; the
    state dict then holds ``weight`` and ``bias``); :meth:`bake` returns an equal plain module
    (a depthwise ``nn.Conv2d``) and leaves this layer unchanged.

    Shape:
        x: ``(B, C, H, W)`` → ``(B, C, ⌊(H − 1)/stride⌋ + 1, ⌊(W − 1)/stride⌋ + 1)``
    """

    weight: nn.Parameter | None
    bias: nn.Parameter | None

    def __init__(self, channels: int, kernel_size: int, branches: Sequence[tuple[int, int]], *, stride: int = 1,
                 padding_mode: str = "zeros", device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        name = type(self).__name__
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"{name}: channels must be an int >= 1, got {channels!r}")
        check_odd(f"{name}: kernel_size", kernel_size)
        if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
            raise ValueError(f"{name}: stride must be an int >= 1, got {stride!r}")
        self.channels, self.kernel_size, self.stride = channels, kernel_size, stride
        self.padding_mode = check_padding_mode(padding_mode)
        self.branches = nn.ModuleList([ConvBN(channels, kernel_size, 1, device=device, dtype=dtype)])
        for k, r in branches:
            self.branches.append(ConvBN(channels, k, r, device=device, dtype=dtype))
        self.weight, self.bias = None, None

    @property
    def reparameterized(self) -> bool:
        """True once :meth:`reparameterize` has replaced the branches by one kernel."""
        return self.weight is not None

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"{type(self).__name__}: expected x of shape (B, {self.channels}, H, W), got {tuple(x.shape)}")
        if self.weight is not None:
            return same_depthwise(x, self.weight, self.bias, stride=self.stride, padding_mode=self.padding_mode)
        # Channels-last: torch's CPU depthwise backward is 2-4x faster on it (measured, 1 thread)
        x = x.contiguous(memory_format=torch.channels_last)
        out = self.branches[0](x, stride=self.stride, padding_mode=self.padding_mode)  # (B, C, H_out, W_out)
        for branch in self.branches[1:]:
            out = out + branch(x, stride=self.stride, padding_mode=self.padding_mode)
        return out

    def fused_kernel(self) -> tuple[Tensor, Tensor]:
        """The layer in eval mode (BN running statistics) as one depthwise ``(C, 1, K, K)`` kernel
        and ``(C,)`` bias: ``layer.eval()(x) == conv2d(pad(x), weight, bias, groups=C)``."""
        if self.weight is not None and self.bias is not None:
            return self.weight, self.bias
        branches = cast(list[ConvBN], list(self.branches))
        weight, bias = branches[0].folded(self.kernel_size)
        for branch in branches[1:]:
            w, b = branch.folded(self.kernel_size)
            weight, bias = weight + w, bias + b
        return weight, bias

    @torch.no_grad()
    def reparameterize(self) -> None:
        """Fold BN and branches into one kernel in place (the deployed form; eval-mode outputs equal)."""
        if self.reparameterized:
            return
        weight, bias = self.fused_kernel()
        self.branches = nn.ModuleList()
        self.weight, self.bias = nn.Parameter(weight.clone()), nn.Parameter(bias.clone())

    @torch.no_grad()
    def bake(self, *sizes: int) -> nn.Module:
        """A plain module equal to this layer in eval mode, via :func:`anyconv.layers.baking.plain_conv`:
        a depthwise ``nn.Conv2d`` (padding ``K // 2``, this ``padding_mode`` and ``stride``), or a
        fixed-kernel ``anyconv.Conv2d`` where the FFT engine is the faster one at ``sizes``."""
        from anyconv.layers.baking import plain_conv

        weight, bias = self.fused_kernel()
        return plain_conv(weight.detach().clone(), bias.detach().clone(), ndim=2, padding=self.kernel_size // 2,
                          stride=self.stride, groups=self.channels, padding_mode=self.padding_mode,
                          sizes=tuple(sizes) if sizes else None)

    def extra_repr(self) -> str:
        parts = [f"{self.channels}", f"kernel_size={self.kernel_size}"]
        if self.stride != 1:
            parts.append(f"stride={self.stride}")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode!r}")
        if self.reparameterized:
            parts.append("reparameterized=True")
        return ", ".join(parts)


@register("replkconv2d", kind="conv2d", example_kwargs=dict(channels=4, kernel_size=7), example_input_shape=(2, 4, 9, 9))
class RepLKConv2d(ReparamDepthwise2d):
    """RepLKNet's large depthwise kernel with a parallel small kernel, each with BN, re-parameterizable.

    ``y = BN_large(dwconv(x, W_K)) + BN_small(dwconv(x, W_k))`` with ``K = kernel_size`` and
    ``k = small_kernel`` (default: 5, or ``kernel_size − 2`` when ``kernel_size <= 5``; it must be
    odd and smaller than ``kernel_size``). Both convolutions are bias-free (the BNs carry the
    shift), padded to keep the size. After training, :meth:`reparameterize` (or :meth:`bake`)
    turns the layer into one ``K × K`` depthwise conv with bias and equal eval-mode outputs.

    Shape:
        x: ``(B, channels, H, W)`` → ``(B, channels, ⌊(H − 1)/stride⌋ + 1, ⌊(W − 1)/stride⌋ + 1)``
    """

    def __init__(self, channels: int, kernel_size: int, *, small_kernel: int | None = None, stride: int = 1,
                 padding_mode: str = "zeros", device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        check_odd("RepLKConv2d: kernel_size", kernel_size, minimum=3)
        if small_kernel is None:
            small_kernel = min(5, kernel_size - 2)
        check_odd("RepLKConv2d: small_kernel", small_kernel)
        if small_kernel >= kernel_size:
            raise ValueError(
                f"RepLKConv2d: small_kernel must be smaller than kernel_size, got small_kernel={small_kernel} "
                f">= kernel_size={kernel_size}"
            )
        super().__init__(channels, kernel_size, [(small_kernel, 1)], stride=stride, padding_mode=padding_mode,
                         device=device, dtype=dtype)
        self.small_kernel = small_kernel

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reparameterized else f", small_kernel={self.small_kernel}")
