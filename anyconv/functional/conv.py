"""Public engines ``conv1d`` and ``conv2d``: validate once, pick an engine, apply."""

from __future__ import annotations

import torch
from torch import Tensor

from anyconv.functional._checks import ConvProblem, check_conv_args, check_finite
from anyconv.functional.direct import direct_conv
from anyconv.functional.dispatch import choose_method
from anyconv.functional.fft import fft_conv


def resolve_method(x: Tensor, weight: Tensor, problem: ConvProblem, method: str) -> str:
    """The engine that ``method`` means for this call (``"auto"`` → direct or fft)."""
    if method != "auto":
        return method
    needs_grad = torch.is_grad_enabled() and (x.requires_grad or weight.requires_grad)
    return choose_method(problem, needs_grad=needs_grad, dtype=x.dtype)


def apply(
    x: Tensor, weight: Tensor, bias: Tensor | None, *, ndim: int, mode: str, groups: int, method: str, flip: bool
) -> tuple[Tensor, str]:
    """Validate, dispatch and apply; returns the output and the engine that ran."""
    problem = check_conv_args(x, weight, bias, ndim=ndim, mode=mode, groups=groups, method=method)
    chosen = resolve_method(x, weight, problem, method)
    if chosen == "fft":
        name = f"conv{ndim}d"
        if x.dtype not in (torch.float32, torch.float64):
            raise TypeError(f"{name}: method='fft' needs float32 or float64, got {x.dtype}; use method='direct'")
        check_finite(name, x, "x")
        check_finite(name, weight, "weight")
        return fft_conv(x, weight, bias, mode=mode, groups=groups, flip=flip), chosen
    return direct_conv(x, weight, bias, mode=mode, groups=groups, flip=flip), chosen


def conv1d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    *,
    mode: str = "same",
    groups: int = 1,
    method: str = "auto",
    flip: bool = False,
) -> Tensor:
    """1-D convolution with an explicit boundary mode, orientation and engine.

    Args:
        x: input sequences.
        weight: one kernel bank shared over the batch, or one per batch element.
        bias: ``(C_out,)``, or ``(B, C_out)`` with per-sample weights.
        mode: ``"valid"``, ``"same"``, ``"causal"``, ``"full"`` or ``"circular"``
            (see :mod:`anyconv.functional.padding` for the exact alignment).
        groups: as in :func:`torch.nn.functional.conv1d`.
        method: ``"direct"``, ``"fft"`` or ``"auto"`` (measured crossover, see
            :mod:`anyconv.functional.dispatch`).
        flip: ``False`` — cross-correlation exactly like ``torch.nn.functional.conv1d``
            (``y[t] = Σ_k w[k] x[t + k - left]``); ``True`` — true convolution
            ``y[t] = Σ_s w[s] x[t - s + ...]`` (with ``mode="causal"``: ``y[t] = Σ_s w[s] x[t - s]``,
            ``w[0]`` is "now"; the Hyena/LongConv/SGConv convention).

    Shape:
        x: ``(B, C_in, L)``; weight: ``(C_out, C_in/groups, K)`` or ``(B, C_out, C_in/groups, K)``;
        output: ``(B, C_out, L_out)`` with ``L_out = L`` for same/causal/circular,
        ``L + K - 1`` for full and ``L - K + 1`` for valid. ``K`` may exceed ``L``.
    """
    return apply(x, weight, bias, ndim=1, mode=mode, groups=groups, method=method, flip=flip)[0]


def conv2d(
    x: Tensor,
    weight: Tensor,
    bias: Tensor | None = None,
    *,
    mode: str = "same",
    groups: int = 1,
    method: str = "auto",
    flip: bool = False,
) -> Tensor:
    """2-D convolution; the boundary ``mode`` applies to both axes (``"causal"`` is rejected).

    See :func:`conv1d` for the arguments.

    Shape:
        x: ``(B, C_in, H, W)``; weight: ``(C_out, C_in/groups, Kh, Kw)`` or
        ``(B, C_out, C_in/groups, Kh, Kw)``; output: ``(B, C_out, H_out, W_out)``.
    """
    return apply(x, weight, bias, ndim=2, mode=mode, groups=groups, method=method, flip=flip)[0]
