"""Conditional kernels: K expert kernels mixed per example by a routing network (CondConv,
DynamicConv). The kernel modules *return* weights; the layers apply them through the engines'
per-sample path (:mod:`anyconv.layers.condconv`, :mod:`anyconv.layers.dynamicconv`).

* :class:`ExpertKernels` holds ``K`` kernels ``(K, C_out, C_in/g, *k)`` and biases ``(K, C_out)``
  and mixes them: ``routing (B, K) @ experts (K, C_out·C_in/g·k…)`` gives one kernel per example
  (a single matrix product, never a loop over experts or examples).
* :class:`SigmoidRouting` is CondConv's router, ``r = sigmoid(Linear(GAP(x)))`` (Yang et al. 2019;
  timm's ``CondConv2d`` receives the same routing from its block).
* :class:`SoftmaxAttention` is DynamicConv's attention branch, ``π = softmax(FC(ReLU(FC(GAP(x)))) / τ)``
  (Chen et al. 2020), with the temperature ``τ`` set from outside (:meth:`SoftmaxAttention.set_temperature`).

``causal=True`` replaces the global average pool by the running (prefix) mean over a sequence:
the routing at time ``t`` reads ``x[..., :t+1]`` only, so it is a ``(B, K, L)`` tensor (one
routing per time step) instead of ``(B, K)``.
"""

from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.kernels.base import Kernel
from anyconv.kernels.dense import _as_sizes


def _positive(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def _temperature(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"temperature must be a float > 0, got {value!r}")
    return float(value)


def pooled(x: Tensor, *, causal: bool) -> Tensor:
    """Global average over the spatial axes, or (``causal``) the running mean over a sequence.

    Shape:
        x: ``(B, C, *S)`` → ``(B, C)``; causal: ``(B, C, L)`` → ``(B, L, C)``
        (entry ``t`` is the mean of ``x[..., :t+1]``).
    """
    if not causal:
        return x.mean(dim=tuple(range(2, x.ndim)))  # (B, C)
    if x.ndim != 3:
        raise ValueError(f"causal routing needs a sequence x of shape (B, C, L), got {tuple(x.shape)}")
    counts = torch.arange(1, x.shape[-1] + 1, device=x.device, dtype=x.dtype)  # (L,)
    return (x.cumsum(dim=-1) / counts).transpose(1, 2)  # (B, C, L) -> (B, L, C)


def _to_routing(z: Tensor, causal: bool) -> Tensor:
    """Put the expert axis second: ``(B, K)`` stays, ``(B, L, K)`` → ``(B, K, L)``."""
    return z.transpose(1, 2) if causal else z


class ExpertKernels(Kernel):
    """``num_experts`` dense kernels (and biases) mixed by a routing tensor.

    Each expert is initialised like ``torch.nn.ConvNd`` (uniform in ``±1/sqrt(fan_in)``, the same
    law as Kaiming-uniform with ``a=sqrt(5)``), its bias too; this is timm's CondConv initialiser.

    Shape:
        routing ``(B, K)`` → weight ``(B, C_out, C_in/groups, *k)``;
        :meth:`mix_bias`: routing ``(B, K)`` → ``(B, C_out)`` (or ``None`` without bias);
        :meth:`bank`: all experts stacked as ``(C_out·K, C_in/groups, *k)``, channel ``o·K + e``
        being expert ``e`` of output channel ``o`` (so each group keeps its channels together).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        *,
        num_experts: int = 4,
        groups: int = 1,
        bias: bool = True,
        ndim: int = 2,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if ndim not in (1, 2):
            raise ValueError(f"ndim must be 1 or 2, got {ndim!r}")
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels), ("groups", groups)):
            _positive(name, value)
        self.num_experts = _positive("num_experts", num_experts)
        if in_channels % groups or out_channels % groups:
            raise ValueError(
                f"in_channels={in_channels} and out_channels={out_channels} must both be divisible by groups={groups}"
            )
        self.ndim = ndim
        self.kernel_size = _as_sizes(kernel_size, ndim)
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.expert_shape = (out_channels, in_channels // groups, *self.kernel_size)
        factory: dict[str, Any] = {"device": device, "dtype": dtype}
        self.weight = nn.Parameter(torch.empty(num_experts, *self.expert_shape, **factory))  # (K, C_out, C_in/g, *k)
        self.bias = nn.Parameter(torch.empty(num_experts, out_channels, **factory)) if bias else None  # (K, C_out)
        self.reset_parameters()

    @property
    def fan_in(self) -> int:
        return math.prod(self.expert_shape[1:])

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.fan_in)
        nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            nn.init.uniform_(self.bias, -bound, bound)

    def check_routing(self, routing: Tensor, batch: int, *, length: int | None = None) -> None:
        """Raise a ValueError unless ``routing`` is ``(batch, K)`` (or ``(batch, K, length)``)."""
        k = self.num_experts
        allowed = [(batch, k)] + ([(batch, k, length)] if length is not None else [])
        if not isinstance(routing, Tensor):
            raise ValueError(f"routing must be a tensor of shape {' or '.join(map(str, allowed))}, got {type(routing).__name__}")
        if tuple(routing.shape) not in allowed:
            raise ValueError(
                f"routing must have shape {' or '.join(map(str, allowed))} (batch, num_experts"
                f"{', time' if length is not None else ''}), got {tuple(routing.shape)}"
            )
        if not routing.is_floating_point():
            raise ValueError(f"routing must be a floating-point tensor, got dtype {routing.dtype}")
        weight = self.weight
        if routing.device != weight.device:
            raise ValueError(f"routing is on {routing.device} but the experts are on {weight.device}")
        if routing.dtype != weight.dtype and not torch.is_autocast_enabled(weight.device.type):
            raise ValueError(f"routing has dtype {routing.dtype} but the experts have {weight.dtype}; cast it explicitly")

    def forward(self, routing: Tensor) -> Tensor:
        """One kernel per example: ``Σ_e routing[b, e] · weight[e]`` as one matrix product."""
        experts = self.weight.reshape(self.num_experts, -1)  # (K, C_out·C_in/g·k…)
        mixed = torch.mm(routing, experts)  # (B, K) @ (K, N) -> (B, N)
        return mixed.reshape(routing.shape[0], *self.expert_shape)  # (B, C_out, C_in/g, *k)

    def mix_bias(self, routing: Tensor) -> Tensor | None:
        """``Σ_e routing[b, e] · bias[e]``: ``(B, K)`` → ``(B, C_out)``; ``(B, K, L)`` → ``(B, C_out, L)``."""
        if self.bias is None:
            return None
        if routing.ndim == 2:
            return torch.mm(routing, self.bias)  # (B, K) @ (K, C_out) -> (B, C_out)
        return torch.einsum("bkl,ko->bol", routing, self.bias)  # (B, K, L) -> (B, C_out, L)

    def bank(self) -> Tensor:
        """All experts as one shared kernel bank (for time-varying routing: mix the outputs)."""
        w = self.weight.transpose(0, 1)  # (C_out, K, C_in/g, *k)
        return w.reshape(self.out_channels * self.num_experts, *self.expert_shape[1:])  # (C_out·K, C_in/g, *k)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"num_experts={self.num_experts}, groups={self.groups}, bias={self.bias is not None}"
        )


class SigmoidRouting(nn.Module):
    """CondConv's router: ``sigmoid(Linear(GAP(x)))``, one weight in ``(0, 1)`` per expert.

    Shape:
        x: ``(B, C_in, *S)`` → ``(B, K)``; ``causal=True``: ``(B, C_in, L)`` → ``(B, K, L)``.
    """

    def __init__(
        self, in_channels: int, num_experts: int, *, causal: bool = False,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.causal = causal
        self.fc = nn.Linear(_positive("in_channels", in_channels), _positive("num_experts", num_experts), device=device, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        return _to_routing(torch.sigmoid(self.fc(pooled(x, causal=self.causal))), self.causal)

    def extra_repr(self) -> str:
        return "causal=True" if self.causal else ""


class SoftmaxAttention(nn.Module):
    """DynamicConv's attention: ``softmax(FC₂(ReLU(FC₁(GAP(x)))) / τ)`` over the experts.

    As in the paper's reference code, ``FC₁`` has no bias and ``hidden_channels`` defaults to
    ``in_channels // 4 + 1`` (squeeze ratio 1/4; ``num_experts`` for a 3-channel input). The temperature ``τ`` (default 30, the
    paper's start value; the buffer ``tau``) is state set by :meth:`set_temperature` — the training loop
    anneals it (see :func:`anyconv.layers.dynamicconv.anneal_temperature`); ``forward`` never
    changes it. Large ``τ`` → near-uniform attention; ``τ = 1`` → the plain softmax.

    Shape:
        x: ``(B, C_in, *S)`` → ``(B, K)``; ``causal=True``: ``(B, C_in, L)`` → ``(B, K, L)``.
    """

    def __init__(
        self, in_channels: int, num_experts: int, *, hidden_channels: int | None = None,
        temperature: float = 30.0, causal: bool = False,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        in_channels = _positive("in_channels", in_channels)
        num_experts = _positive("num_experts", num_experts)
        if hidden_channels is None:  # the reference code's rule (an RGB input gets K hidden units)
            hidden = num_experts if in_channels == 3 else in_channels // 4 + 1
        else:
            hidden = _positive("hidden_channels", hidden_channels)
        self.causal = causal
        self.fc1 = nn.Linear(in_channels, hidden, bias=False, device=device, dtype=dtype)
        self.fc2 = nn.Linear(hidden, num_experts, device=device, dtype=dtype)
        self.tau: Tensor
        self.register_buffer("tau", torch.full((), _temperature(temperature), device=device, dtype=dtype))

    @property
    def temperature(self) -> float:
        """The current ``τ`` (a host sync when the buffer lives on a GPU)."""
        return float(self.tau)

    def set_temperature(self, temperature: float) -> None:
        """Set the softmax temperature ``τ > 0`` used by the following forwards.

        ``τ`` is the 0-d buffer ``tau`` (saved in the state dict, so a checkpoint resumes it). It is
        replaced, not written in place, so a graph built before the call can still run backward.
        """
        self.tau = torch.full_like(self.tau, _temperature(temperature))

    def logits(self, x: Tensor) -> Tensor:
        """The attention logits ``z`` before the temperature: ``(B, K)`` (causal: ``(B, K, L)``)."""
        return _to_routing(self.fc2(F.relu(self.fc1(pooled(x, causal=self.causal)))), self.causal)

    def forward(self, x: Tensor) -> Tensor:
        return torch.softmax(self.logits(x) / self.tau, dim=1)

    def extra_repr(self) -> str:
        return f"temperature={self.temperature:g}" + (", causal=True" if self.causal else "")
