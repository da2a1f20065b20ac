"""DnCNN (Zhang et al. 2017, "Beyond a Gaussian Denoiser") with any registered ``conv2d``-kind layer.

    x noisy (B, C, H, W) ─> conv ─> ReLU ─> (depth − 2) × [conv ─> BN ─> ReLU] ─> conv ─> noise estimate (B, C, H, W)
    output = x − noise estimate                                                  (residual learning)

Every convolution is ``kernel_size``×``kernel_size``, built with ``mode="same"`` (see
:func:`anyconv.models.image.conv2d_layer`; a channel-preserving layer gets a 1×1 pointwise conv
after it), so the spatial size is kept. With a channel-preserving layer the final 1×1 starts at
zero (the denoiser starts as the identity): its depthwise layer ends in BatchNorm for the
re-parameterized layers, whose unit-variance output would otherwise start as a noise estimate
far larger than the noise (measured: 40 Adam steps on a fixed batch then reach 0.78–0.94 of the
noisy input's MSE instead of 0.18–0.40). Defaults (width 32, depth 8) are the paper's layout shrunk for CPU
(the paper uses width 64, depth 17).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels._args import positive_int
from anyconv.models.image import DepthwisePointwise, check_conv2d_layer, conv2d_layer


@dataclass
class DnCNNConfig:
    """Everything that defines a :class:`DnCNN`.

    ``layer`` and ``channels`` come from the task; the rest are model options.
    """

    layer: str  # a registered layer of kind "conv2d"
    channels: int  # image channels (in = out)
    width: int = 32  # channels of the hidden convolutions
    depth: int = 8  # convolutions in all (>= 2)
    kernel_size: int = 3
    layer_options: dict[str, Any] = field(default_factory=dict)  # extra keyword arguments of the layer


class DnCNN(nn.Module):
    """Residual-learning denoiser: ``self.net`` estimates the noise and the output is ``x − net(x)``.

    Shape:
        x: ``(B, channels, H, W)`` noisy → ``(B, channels, H, W)`` denoised
    """

    def __init__(self, config: DnCNNConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        options = check_conv2d_layer(config.layer, config.layer_options, "DnCNN")
        for name in ("channels", "width", "kernel_size"):
            positive_int(name, getattr(config, name))
        positive_int("depth", config.depth, minimum=2)
        self.config = config
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        c, w, k = config.channels, config.width, config.kernel_size
        layers: list[nn.Module] = [conv2d_layer(config.layer, c, w, k, options, factory), nn.ReLU()]
        for _ in range(config.depth - 2):
            layers += [conv2d_layer(config.layer, w, w, k, options, factory), nn.BatchNorm2d(w, **factory), nn.ReLU()]
        last = conv2d_layer(config.layer, w, c, k, options, factory)
        if isinstance(last, DepthwisePointwise):
            with torch.no_grad():
                last.pointwise.weight.zero_()
                if last.pointwise.bias is not None:
                    last.pointwise.bias.zero_()
        layers.append(last)
        self.net = nn.Sequential(*layers)

    @property
    def last_conv(self) -> nn.Module:
        """The final convolution, whose output is the noise estimate."""
        return self.net[-1]

    def forward(self, x: Tensor) -> Tensor:
        c = self.config
        if x.ndim != 4 or x.shape[1] != c.channels:
            raise ValueError(f"DnCNN: expected x of shape (B, {c.channels}, H, W), got {tuple(x.shape)}")
        return x - self.net(x)  # (B, C, H, W): the noisy input minus the estimated noise

    def extra_repr(self) -> str:
        c = self.config
        return f"layer={c.layer!r}, width={c.width}, depth={c.depth}"
