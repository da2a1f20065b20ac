"""Oracles and checks shared by the CondConv and DynamicConv tests.

The oracles use torch only: the routing is recomputed by hand from the router's parameters, the
kernels mixed by a Python loop over the experts, and each example convolved alone by a
``torch.nn.Conv*d`` holding its kernel (so stride, padding, dilation, groups and padding modes are
torch's own).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

D64 = torch.float64


@pytest.fixture
def one_thread() -> Iterator[None]:
    """Tiny convolutions run much faster single-threaded on a shared, loaded machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

# (kernel_size, torch conv arguments) covering stride, padding (int/tuple/"same"/"valid"),
# dilation, groups, padding modes and an even kernel
TORCH_CONFIGS_2D: list[tuple[Any, dict[str, Any]]] = [
    (3, {}),
    (3, dict(stride=2, padding=1, dilation=2)),
    (3, dict(padding="same", dilation=2, groups=2)),
    ((2, 3), dict(stride=(2, 1), padding=(1, 2), padding_mode="reflect")),
    (3, dict(padding=1, padding_mode="circular", groups=2)),
    ((2, 3), dict(padding="same", padding_mode="replicate", bias=False)),
]
TORCH_CONFIGS_1D: list[tuple[Any, dict[str, Any]]] = [
    (3, {}),
    (3, dict(stride=2, padding=2, dilation=2)),
    (4, dict(padding="same", groups=2)),
    (3, dict(stride=3, padding=1, padding_mode="reflect", bias=False)),
    (5, dict(padding=2, padding_mode="circular", groups=2)),
]


def configs(ndim: int) -> list[tuple[Any, dict[str, Any]]]:
    return TORCH_CONFIGS_1D if ndim == 1 else TORCH_CONFIGS_2D


def shape(ndim: int, batch: int = 3, channels: int = 4) -> tuple[int, ...]:
    return (batch, channels, 11) if ndim == 1 else (batch, channels, 7, 6)


def torch_conv(weight: Tensor, bias: Tensor | None, ndim: int, kernel_size: Any, /, **kwargs: Any) -> nn.Module:
    """A ``torch.nn.Conv*d`` with the torch arguments in ``kwargs`` holding ``weight`` and ``bias``."""
    cls = nn.Conv1d if ndim == 1 else nn.Conv2d
    kwargs = {k: v for k, v in kwargs.items() if k != "bias"}
    conv = cls(weight.shape[1] * kwargs.get("groups", 1), weight.shape[0], kernel_size, bias=bias is not None,
               dtype=weight.dtype, **kwargs)
    with torch.no_grad():
        conv.weight.copy_(weight)
        if bias is not None:
            conv.bias.copy_(bias)
    return conv


def mix_by_loop(routing: Tensor, experts: Tensor) -> Tensor:
    """``Σ_e routing[b, e] · experts[e]`` for each ``b`` by Python loops. Shape: ``(B, *experts[0])``."""
    out = []
    for b in range(routing.shape[0]):
        total = torch.zeros_like(experts[0])
        for e in range(experts.shape[0]):
            total = total + routing[b, e] * experts[e]
        out.append(total)
    return torch.stack(out)


def per_example_oracle(layer: nn.Module, x: Tensor, routing: Tensor, kernel_size: Any, /, **kwargs: Any) -> Tensor:
    """Each example alone through ``torch.nn.Conv*d`` with its loop-mixed kernel and bias."""
    ndim = x.ndim - 2
    weights = mix_by_loop(routing, layer.kernel.weight.detach())
    biases = None if layer.kernel.bias is None else mix_by_loop(routing, layer.kernel.bias.detach())
    outs = []
    for b in range(x.shape[0]):
        conv = torch_conv(weights[b], None if biases is None else biases[b], ndim, kernel_size, **kwargs)
        outs.append(conv(x[b : b + 1]))
    return torch.cat(outs)


def gap(x: Tensor) -> Tensor:
    """Global average pool by hand. Shape: ``(B, C, *S)`` → ``(B, C)``."""
    return x.flatten(2).sum(-1) / x[0, 0].numel()


def running_mean(x: Tensor) -> Tensor:
    """``mean(x[..., :t+1])`` for every ``t`` by a Python loop. Shape: ``(B, C, L)`` → ``(B, L, C)``."""
    return torch.stack([x[..., : t + 1].mean(-1) for t in range(x.shape[-1])], dim=1)


def loop_time_varying(layer: nn.Module, x: Tensor, routing: Tensor) -> Tensor:
    """Causal oracle: for every ``t`` mix the kernel of ``routing[:, :, t]``, convolve, keep ``y[..., t]``."""
    length, pad = x.shape[-1], (layer.kernel.kernel_size[0] - 1) * layer.dilation[0]
    padded = F.pad(x, (pad, 0))
    out = torch.zeros(x.shape[0], layer.out_channels, length, dtype=x.dtype)
    for t in range(length):
        r = routing[:, :, t]  # (B, K)
        weights = mix_by_loop(r, layer.kernel.weight.detach())
        biases = None if layer.kernel.bias is None else mix_by_loop(r, layer.kernel.bias.detach())
        for b in range(x.shape[0]):
            window = padded[b : b + 1, :, t : t + pad + 1]  # the inputs y[t] reads: x[t - pad .. t]
            y = F.conv1d(window, weights[b], None if biases is None else biases[b], dilation=layer.dilation,
                         groups=layer.groups)
            out[b, :, t] = y[0, :, 0]
    return out


def assert_batch_independent(layer: nn.Module, x: Tensor) -> None:
    """The batched output equals each example run alone (float64, tight)."""
    with torch.no_grad():
        y = layer(x)
        alone = torch.cat([layer(x[b : b + 1]) for b in range(x.shape[0])])
    torch.testing.assert_close(y, alone, rtol=1e-12, atol=1e-12)
