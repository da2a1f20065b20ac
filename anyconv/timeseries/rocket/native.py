"""Native (compiled) path of ROCKET: ``rocket.c`` through ctypes.

``rocket.c`` convolves each ROCKET kernel and keeps only its PPV and max, eight
cases per vector (:func:`rocket_into`); :func:`plan_rocket_native` lays a
:class:`~anyconv.timeseries.rocket.kernels.RocketKernels` bank out for it and
:func:`apply_rocket_native` applies it to a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from anyconv.timeseries import native
from anyconv.timeseries.rocket.kernels import RocketKernels

__all__ = ["NativeRocketPlan", "plan_rocket_native", "apply_rocket_native", "rocket_into"]


@dataclass(frozen=True, eq=False)
class NativeRocketPlan:
    """A bank as the contiguous CPU tensors of :func:`rocket_into`."""

    kernels: dict[str, torch.Tensor]
    n_kernels: int
    pad: int  # zeros around each channel: max padding


def plan_rocket_native(bank: RocketKernels) -> NativeRocketPlan:
    """Per-kernel arrays (int64 / float32) and offsets of a bank for the compiled loop."""
    w_off, c_off = bank.offsets()
    i64 = lambda a: torch.as_tensor(np.ascontiguousarray(a, dtype=np.int64))  # noqa: E731
    f32 = lambda a: torch.as_tensor(np.ascontiguousarray(a, dtype=np.float32))  # noqa: E731
    kernels = {
        "lengths": i64(bank.lengths), "dilations": i64(bank.dilations), "paddings": i64(bank.paddings),
        "biases": f32(bank.biases), "weights": f32(bank.weights), "w_off": i64(w_off),
        "n_ch": i64(bank.n_channel_indices), "channel_indices": i64(bank.channel_indices), "c_off": i64(c_off),
    }
    return NativeRocketPlan(kernels, bank.n_kernels, int(bank.paddings.max(initial=0)))


def apply_rocket_native(X: np.ndarray, plan: NativeRocketPlan) -> np.ndarray:
    """:func:`apply_rocket` with the compiled loop: one call per batch.

    The batch is laid out ``(C, L + 2 pad, B)`` (cases innermost, zero padded in
    time once for every kernel, padded with zero cases to whole vector blocks).

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` float32 -> ``(n_cases, 2 * n_kernels)``
        ``[ppv_0, max_0, ppv_1, max_1, ...]``.
    """
    n_cases, _, L = X.shape
    x = torch.as_tensor(X, dtype=torch.float32)
    xp = native.cases_innermost(x, plan.pad)  # (C, L + 2 pad, B padded to LANES blocks)
    B = xp.shape[2]
    out = torch.empty((B, 2 * plan.n_kernels), dtype=torch.float32)
    rocket_into(xp, L, plan.pad, plan.kernels, out)
    return out[:n_cases].numpy()


def rocket_into(x: torch.Tensor, n_timepoints: int, pad: int, kernels: dict[str, torch.Tensor], out: torch.Tensor) -> None:
    """PPV and max of every (case, ROCKET kernel), into ``out``.

    Parameters
    ----------
    x : torch.Tensor
        Input with ``pad >= max(paddings)`` zeros before and after each channel's
        ``n_timepoints`` values, cases innermost.
    kernels : dict
        The bank as contiguous CPU tensors: int64 ``lengths``, ``dilations``,
        ``paddings``, ``w_off``, ``n_ch``, ``channel_indices``, ``c_off``; float32
        ``biases``, ``weights`` (the flat reference layout, see
        :class:`~anyconv.timeseries.rocket.kernels.RocketKernels`).
    out : torch.Tensor
        float32; kernel ``k``'s PPV goes to column ``2k``, its max to ``2k + 1``.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        out: ``(B, 2 * n_kernels)``.
    """
    C, Lp, B = x.shape
    K = kernels["lengths"].shape[0]
    if x.dtype != torch.float32 or x.device.type != "cpu" or not x.is_contiguous() or B % native.LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {native.LANES} == 0, got {x.dtype} {tuple(x.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t in kernels.items():
        dtype = torch.float32 if name in ("biases", "weights") else torch.int64
        if t.dtype != dtype or not t.is_contiguous() or t.device.type != "cpu":
            raise ValueError(f"kernels[{name!r}] must be a contiguous {dtype} CPU tensor, got {t.dtype}")
    if out.dtype != torch.float32 or tuple(out.shape) != (B, 2 * K) or not out.is_contiguous():
        raise ValueError(f"out must be contiguous float32 ({B}, {2 * K}), got {out.dtype} {tuple(out.shape)}")
    for name in ("dilations", "paddings", "biases", "w_off", "n_ch", "c_off"):
        if tuple(kernels[name].shape) != (K,):
            raise ValueError(f"kernels[{name!r}] must hold one value per kernel ({K}), got shape {tuple(kernels[name].shape)}")
    if K and (int((kernels["w_off"] + kernels["n_ch"] * kernels["lengths"]).max()) > kernels["weights"].numel()
              or int((kernels["c_off"] + kernels["n_ch"]).max()) > kernels["channel_indices"].numel()
              or int(kernels["w_off"].min()) < 0 or int(kernels["c_off"].min()) < 0):
        raise ValueError("kernels['w_off'] / kernels['c_off'] point outside kernels['weights'] / kernels['channel_indices']")
    names = ("lengths", "dilations", "paddings", "biases", "weights", "w_off", "n_ch", "channel_indices", "c_off")
    # the loop checks every kernel and channel id itself (cheaper than torch reductions here)
    status = native.library().anyconv_rocket(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, K, *(kernels[n].data_ptr() for n in names),
        out.data_ptr(), out.stride(0),
    )
    if status == -3:
        ch = kernels["channel_indices"]
        raise ValueError(f"channel ids must lie in [0, {C}), got {int(ch.min())}..{int(ch.max())}")
    if status != 0:
        raise ValueError(
            "ROCKET kernels out of range for the native loop (length 1..11, padding <= pad, "
            f"dilation >= 1, at least one output per kernel); status {status}"
        )
