"""``InceptionDWConv2d`` (InceptionNeXt, Yu et al. 2024): a depthwise conv split over channels into
identity / small square / ``1 × k`` band / ``k × 1`` band groups."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.layers._bn_fold import check_odd, check_padding_mode
from anyconv.layers.registry import register


def _band_conv(x: Tensor, weight: Tensor, bias: Tensor | None, padding_mode: str) -> Tensor:
    """Depthwise conv with an odd ``(k_h, k_w)`` kernel padded by ``(k_h // 2, k_w // 2)`` (size kept)."""
    ph, pw = weight.shape[-2] // 2, weight.shape[-1] // 2
    if padding_mode == "zeros":
        return F.conv2d(x, weight, bias, padding=(ph, pw), groups=weight.shape[0])
    return F.conv2d(F.pad(x, [pw, pw, ph, ph], mode=padding_mode), weight, bias, groups=weight.shape[0])


@register(
    "inceptiondwconv2d", kind="conv2d", example_kwargs=dict(channels=8, kernel_size=7), example_input_shape=(2, 8, 9, 9)
)
class InceptionDWConv2d(nn.Module):
    """InceptionNeXt's Inception depthwise convolution: identity, square and two band branches over a channel split.

    With ``g = int(channels · branch_ratio)`` (InceptionNeXt's rounding; must be ``>= 1``), the
    channels split in order into ``channels − 3g`` passed through unchanged, ``g`` through a
    depthwise ``square_kernel_size²`` conv, ``g`` through a depthwise ``1 × kernel_size`` conv
    (along W) and ``g`` through a depthwise ``kernel_size × 1`` conv (along H); outputs are
    concatenated in the same order. Defaults are InceptionNeXt's (band 11, square 3, ratio 1/8).
    Every conv keeps the size (padding ``k // 2``, ``padding_mode``) and has a bias if ``bias``.

    :meth:`fused_kernel` / :meth:`bake` give the same map as one depthwise
    ``S × S`` conv, ``S = max(kernel_size, square_kernel_size)`` (identity channels a centred 1,
    bands a centred row/column) — exact, but it costs more than the split (kept for deployment
    to plain ``nn.Conv2d``, not for speed).

    Shape:
        x: ``(B, channels, H, W)`` → ``(B, channels, H, W)``
    """

    def __init__(self, channels: int, kernel_size: int = 11, *, square_kernel_size: int = 3,
                 branch_ratio: float = 0.125, bias: bool = True, padding_mode: str = "zeros",
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"InceptionDWConv2d: channels must be an int >= 1, got {channels!r}")
        check_odd("InceptionDWConv2d: kernel_size", kernel_size)
        check_odd("InceptionDWConv2d: square_kernel_size", square_kernel_size)
        if isinstance(branch_ratio, bool) or not isinstance(branch_ratio, (int, float)) or not 0 < branch_ratio <= 1 / 3:
            raise ValueError(f"InceptionDWConv2d: branch_ratio must be a float in (0, 1/3], got {branch_ratio!r}")
        if not isinstance(bias, bool):
            raise ValueError(f"InceptionDWConv2d: bias must be True or False, got {bias!r}")
        g = int(channels * branch_ratio)
        if g < 1:
            raise ValueError(
                f"InceptionDWConv2d: channels={channels} with branch_ratio={branch_ratio} leaves "
                f"int({channels} * {branch_ratio}) = 0 channels per conv branch; need channels >= "
                f"{math.ceil(1 / branch_ratio)} or a larger branch_ratio"
            )
        self.channels, self.kernel_size, self.square_kernel_size = channels, kernel_size, square_kernel_size
        self.branch_ratio, self.padding_mode = branch_ratio, check_padding_mode(padding_mode)
        self.split_sizes = [channels - 3 * g, g, g, g]  # identity, square, band along W, band along H
        shapes = ((square_kernel_size, square_kernel_size), (1, kernel_size), (kernel_size, 1))
        self.weights = nn.ParameterList(
            [nn.Parameter(torch.empty(g, 1, *s, device=device, dtype=dtype)) for s in shapes]
        )
        self.biases = (
            nn.ParameterList([nn.Parameter(torch.empty(g, device=device, dtype=dtype)) for _ in shapes]) if bias else None
        )
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """As ``nn.Conv2d``: Kaiming-uniform weights (``a = √5``), biases uniform in ``±1/√fan_in``."""
        for i, weight in enumerate(self.weights):
            nn.init.kaiming_uniform_(weight, a=math.sqrt(5))
            if self.biases is not None:
                bound = 1 / math.sqrt(weight[0].numel())
                nn.init.uniform_(self.biases[i], -bound, bound)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim != 4 or x.shape[1] != self.channels:
            raise ValueError(f"InceptionDWConv2d: expected x of shape (B, {self.channels}, H, W), got {tuple(x.shape)}")
        identity, *groups = torch.split(x, self.split_sizes, dim=1)  # (B, C − 3g, H, W), 3 × (B, g, H, W)
        outs = [identity]
        for i, (part, weight) in enumerate(zip(groups, self.weights, strict=True)):
            outs.append(_band_conv(part, weight, None if self.biases is None else self.biases[i], self.padding_mode))
        return torch.cat(outs, dim=1)  # (B, C, H, W)

    def fused_kernel(self) -> tuple[Tensor, Tensor]:
        """The layer as one depthwise ``(C, 1, S, S)`` kernel and ``(C,)`` bias, ``S = max(kernel_size, square_kernel_size)``."""
        size = max(self.kernel_size, self.square_kernel_size)
        n_id, g = self.split_sizes[0], self.split_sizes[1]
        ref = self.weights[0]
        weight = ref.new_zeros(self.channels, 1, size, size)
        weight[:n_id, 0, size // 2, size // 2] = 1.0
        for i, w in enumerate(self.weights):
            kh, kw = w.shape[-2:]
            top, left = (size - kh) // 2, (size - kw) // 2
            start = n_id + i * g
            weight[start:start + g, :, top:top + kh, left:left + kw] = w
        bias = ref.new_zeros(self.channels)
        if self.biases is not None:
            bias[n_id:] = torch.cat(list(self.biases))  # (3g,)
        return weight, bias

    @torch.no_grad()
    def bake(self, *sizes: int) -> nn.Module:
        """A plain module with outputs equal to this layer's, via :func:`anyconv.layers.baking.plain_conv`
        (a depthwise ``nn.Conv2d``, or a fixed-kernel ``anyconv.Conv2d`` where FFT is faster at ``sizes``)."""
        from anyconv.layers.baking import plain_conv

        weight, bias = self.fused_kernel()
        return plain_conv(weight.detach().clone(), bias.detach().clone(), ndim=2, padding=weight.shape[-1] // 2,
                          groups=self.channels, padding_mode=self.padding_mode, sizes=tuple(sizes) if sizes else None)

    def extra_repr(self) -> str:
        parts = [f"{self.channels}", f"kernel_size={self.kernel_size}", f"square_kernel_size={self.square_kernel_size}",
                 f"split={tuple(self.split_sizes)}"]
        if self.biases is None:
            parts.append("bias=False")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode!r}")
        return ", ".join(parts)
