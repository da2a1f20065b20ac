"""A small ResNet-style image classifier whose k×k convolutions are any registered ``conv2d``-kind layer.

    x (B, C, H, W) ─> stem conv3×3 ─> BN ─> ReLU                                  (B, w, H, W)
                   ─> stage 1: depth × residual block (w channels)                 (B, w, H, W)
                   ─> AvgPool2d(2)                                                 (B, w, H/2, W/2)
                   ─> stage 2: depth × residual block (2w channels)                (B, 2w, H/2, W/2)
                   ─> global average pool ─> linear                                (B, n_outputs)

Residual block: conv3×3 ─> BN ─> ReLU ─> conv3×3 ─> BN, plus the input (a 1×1 ``nn.Conv2d`` + BN
projection when the channel count changes), then ReLU. No strides anywhere — downsampling is
the pooling between stages — so every conv2d-kind layer is built with ``mode="same"`` (passed
explicitly: ``anyconv.Conv2d`` defaults to torch's ``padding=0``). Sized for small images (8×8
digits, 28×28 MNIST).

Channel-preserving layers (constructor ``(channels, kernel_size, ...)``, e.g. ``replkconv2d``)
become :class:`DepthwisePointwise`: the layer plus a 1×1 ``nn.Conv2d`` mapping ``in → out``
channels (the depthwise/pointwise pair of RepLKNet/ConvNeXt blocks), the layer on the wider side
(after the 1×1 when it widens, as in the stem; before it otherwise).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.kernels._args import positive_int
from anyconv.layers.registry import create, get_spec
from anyconv.models.mixer import check_layer_options

# Constructor arguments the image models set on the conv layer; ``layer_options`` may not override them.
RESERVED_CONV2D_ARGS = ("in_channels", "out_channels", "channels", "kernel_size", "mode", "device", "dtype")


def is_channel_preserving(layer: str) -> bool:
    """True if the registered layer takes ``channels`` (C → C, e.g. depthwise) instead of ``in/out_channels``."""
    params = inspect.signature(get_spec(layer).cls.__init__).parameters
    return "channels" in params and "in_channels" not in params


class DepthwisePointwise(nn.Module):
    """A channel-preserving layer on ``max(in_channels, out_channels)`` channels and a 1×1
    ``nn.Conv2d`` from ``in_channels`` to ``out_channels``: 1×1 first when it widens, last otherwise.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H, W)`` (the channel-preserving layer keeps ``H, W``)
    """

    def __init__(self, depthwise: nn.Module, in_channels: int, out_channels: int, *,
                 device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.depthwise = depthwise
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, device=device, dtype=dtype)
        self.pointwise_first = out_channels > in_channels

    def forward(self, x: Tensor) -> Tensor:
        if self.pointwise_first:
            return self.depthwise(self.pointwise(x))  # (B, C_in, H, W) -> (B, C_out, H, W) -> same
        return self.pointwise(self.depthwise(x))  # (B, C_in, H, W) -> same -> (B, C_out, H, W)


def conv2d_layer(
    layer: str, in_channels: int, out_channels: int, kernel_size: int, layer_options: dict[str, Any],
    factory: dict[str, Any],
) -> nn.Module:
    """One registered ``conv2d``-kind layer, keyword arguments only, size-preserving (``mode="same"``).

    A channel-preserving layer is wrapped in :class:`DepthwisePointwise` (it pads to "same" itself).
    """
    if is_channel_preserving(layer):
        channels = max(in_channels, out_channels)
        depthwise = create(layer, channels=channels, kernel_size=kernel_size, **layer_options, **factory)
        return DepthwisePointwise(depthwise, in_channels, out_channels, **factory)
    return create(
        layer, in_channels=in_channels, out_channels=out_channels, kernel_size=kernel_size, mode="same",
        **layer_options, **factory,
    )


def check_conv2d_layer(layer: str, layer_options: object, model: str) -> dict[str, Any]:
    """Check that ``layer`` is a registered conv2d-kind layer; return the checked ``layer_options``."""
    spec = get_spec(layer)
    if spec.kind != "conv2d":
        raise ValueError(f"{model} needs a 'conv2d'-kind layer, got {layer!r} of kind {spec.kind!r}")
    return check_layer_options(layer, layer_options, RESERVED_CONV2D_ARGS)


@dataclass
class ImageClassifierConfig:
    """Everything that defines an :class:`ImageClassifier`.

    ``layer``, ``in_channels`` and ``n_outputs`` come from the task; the rest are model options.
    """

    layer: str  # a registered layer of kind "conv2d"
    in_channels: int
    n_outputs: int  # classes
    width: int = 16  # channels of stage 1 (stage 2 has 2 * width)
    depth: int = 1  # residual blocks per stage
    kernel_size: int = 3
    layer_options: dict[str, Any] = field(default_factory=dict)  # extra keyword arguments of the layer


class BasicBlock(nn.Module):
    """Residual block ``relu(bn(conv(relu(bn(conv(x))))) + shortcut(x))``.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H, W)``
    """

    def __init__(
        self, config: ImageClassifierConfig, in_channels: int, out_channels: int, *,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        k, layer, options = config.kernel_size, config.layer, config.layer_options
        self.conv1 = conv2d_layer(layer, in_channels, out_channels, k, options, factory)
        self.bn1 = nn.BatchNorm2d(out_channels, **factory)
        self.conv2 = conv2d_layer(layer, out_channels, out_channels, k, options, factory)
        self.bn2 = nn.BatchNorm2d(out_channels, **factory)
        self.relu = nn.ReLU()
        self.shortcut: nn.Module = nn.Identity()
        if in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, bias=False, **factory), nn.BatchNorm2d(out_channels, **factory)
            )

    def forward(self, x: Tensor) -> Tensor:
        y = self.relu(self.bn1(self.conv1(x)))  # (B, C_out, H, W)
        y = self.bn2(self.conv2(y))  # (B, C_out, H, W)
        return self.relu(y + self.shortcut(x))


class ImageClassifier(nn.Module):
    """Stem → 2 stages of ``depth`` residual blocks (``width``, ``2·width`` channels) → pool → linear.

    Shape:
        x: ``(B, in_channels, H, W)`` with ``H, W >= 2`` → ``(B, n_outputs)`` logits
    """

    def __init__(self, config: ImageClassifierConfig, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        options = check_conv2d_layer(config.layer, config.layer_options, "ImageClassifier")
        for name in ("in_channels", "n_outputs", "width", "depth", "kernel_size"):
            positive_int(name, getattr(config, name))
        self.config = config
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        w = config.width
        self.stem = nn.Sequential(
            conv2d_layer(config.layer, config.in_channels, w, config.kernel_size, options, factory),
            nn.BatchNorm2d(w, **factory),
            nn.ReLU(),
        )
        self.stage1 = nn.Sequential(*(BasicBlock(config, w, w, **factory) for _ in range(config.depth)))
        self.pool = nn.AvgPool2d(2)
        self.stage2 = nn.Sequential(
            *(BasicBlock(config, w if i == 0 else 2 * w, 2 * w, **factory) for i in range(config.depth))
        )
        self.head = nn.Linear(2 * w, config.n_outputs, **factory)

    def forward(self, x: Tensor) -> Tensor:
        c = self.config
        if x.ndim != 4 or x.shape[1] != c.in_channels or min(x.shape[-2:]) < 2:
            raise ValueError(
                f"ImageClassifier: expected x of shape (B, {c.in_channels}, H, W) with H, W >= 2, got {tuple(x.shape)}"
            )
        h = self.stage1(self.stem(x))  # (B, w, H, W)
        h = self.stage2(self.pool(h))  # (B, w, H/2, W/2) -> (B, 2w, H/2, W/2)
        return self.head(h.mean(dim=(-2, -1)))  # (B, 2w) -> (B, n_outputs)

    def extra_repr(self) -> str:
        c = self.config
        return f"layer={c.layer!r}, width={c.width}, depth={c.depth}"
