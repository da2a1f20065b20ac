"""``CondConv1d`` / ``CondConv2d``: conditionally parameterized convolutions (Yang et al. 2019).

Each example gets its own kernel ``W(x) = Σ_e r_e(x) W_e`` (and bias), a mixture of
``num_experts`` expert kernels weighted by the routing ``r(x) = sigmoid(Linear(GAP(x)))``. The
mixing is one matrix product ``routing (B, K) @ experts (K, C_out·C_in/g·k…)``; the kernels are
applied by the engine's per-sample path (batch folded into groups), so the cost of ``K`` experts
is one convolution plus a small matrix product. See :mod:`anyconv.layers._conditional` for the
causal 1-D mode (routing from the running mean, exactly causal).
"""

from __future__ import annotations

import torch

from anyconv.kernels.conditional import SigmoidRouting
from anyconv.layers._conditional import ConditionalConvNd
from anyconv.layers.registry import register


class _CondConvNd(ConditionalConvNd):
    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | str | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        ndim: int,
        num_experts: int = 4,
        mode: str | None = None,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            ndim=ndim, num_experts=num_experts, mode=mode, method=method, check_finite=check_finite,
            device=device, dtype=dtype,
        )
        self.router = SigmoidRouting(in_channels, num_experts, causal=self.causal, device=device, dtype=dtype)


@register(
    "condconv1d", kind="conv1d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5, padding=2, num_experts=3),
    example_input_shape=(2, 4, 16),
)
class CondConv1d(_CondConvNd):
    """CondConv over sequences: ``num_experts`` kernels mixed per example by ``sigmoid(Linear(GAP(x)))``.

    Arguments as :class:`torch.nn.Conv1d` (same order), plus keyword-only ``num_experts``,
    ``mode`` (``"same"``, ``"valid"``, ``"full"``, ``"circular"``, or ``"causal"``: routing from the
    running mean, see :mod:`anyconv.layers._conditional`; not together with a non-zero ``padding``),
    ``method`` (engine) and ``check_finite``. ``forward(x, routing=None)`` accepts an external
    ``(B, num_experts)`` routing instead of the built-in one. With one expert and a routing of
    ones it is exactly ``torch.nn.Conv1d`` with that expert's weight.

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_out, L_out)`` (``L_out`` as ``torch.nn.Conv1d``, or by ``mode``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        num_experts: int = 4,
        mode: str | None = None,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            ndim=1, num_experts=num_experts, mode=mode, method=method, check_finite=check_finite,
            device=device, dtype=dtype,
        )


@register(
    "condconv2d", kind="conv2d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, num_experts=3),
    example_input_shape=(2, 4, 8, 9),
)
class CondConv2d(_CondConvNd):
    """CondConv over images: ``num_experts`` kernels mixed per example by ``sigmoid(Linear(GAP(x)))``.

    Arguments as :class:`torch.nn.Conv2d` (same order), plus keyword-only ``num_experts``,
    ``mode`` (``"same"``, ``"valid"``, ``"full"``, ``"circular"``; not together with a non-zero
    ``padding``), ``method`` and ``check_finite``. ``forward(x, routing=None)`` accepts an external
    ``(B, num_experts)`` routing (timm's ``CondConv2d`` receives it from its block). With one
    expert and a routing of ones it is exactly ``torch.nn.Conv2d`` with that expert's weight.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H_out, W_out)`` (as ``torch.nn.Conv2d``, or by ``mode``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | str | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        num_experts: int = 4,
        mode: str | None = None,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            ndim=2, num_experts=num_experts, mode=mode, method=method, check_finite=check_finite,
            device=device, dtype=dtype,
        )
