"""Native (compiled) path of LightWaveS: ``lightwaves.c`` through ctypes.

``lightwaves.c`` computes a selected bank's two layers and eight features in one
pass per layer, eight cases per vector (:func:`lightwaves_into`);
:func:`plan_lightwaves_native` lays a selected
:class:`~anyconv.timeseries.lightwaves.kernels.LightWaveSKernels` out for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from anyconv.timeseries import native
from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels

__all__ = ["NativeLightWaveSPlan", "plan_lightwaves_native", "apply_lightwaves_native", "lightwaves_into"]


@dataclass(frozen=True, eq=False)
class NativeLightWaveSPlan:
    """A selected bank as the arrays of :func:`lightwaves_into`."""

    channel: torch.Tensor  # (K,) int64
    dilation: torch.Tensor  # (K,) int64
    weight: torch.Tensor  # (K, 9) float32, divided by dilation ** 1.5
    second: torch.Tensor  # (K,) int64: layer 2 wanted
    columns: torch.Tensor  # (n_features,) int64: output feature -> column of the (n, 8 K) work array
    pad: int  # zeros around each channel: 4 * max dilation


def plan_lightwaves_native(bank: LightWaveSKernels) -> NativeLightWaveSPlan:
    """Per-kernel arrays of a bank for the compiled loop (CPU, float32)."""
    d = bank.dilations()
    w = bank.weights() / (d * np.sqrt(d))[:, None]  # as engine._scaled_weights: float64, then float32
    k, f = np.nonzero(bank.feature_mask)
    return NativeLightWaveSPlan(
        torch.as_tensor(bank.channels, dtype=torch.int64),
        torch.as_tensor(d, dtype=torch.int64),
        torch.as_tensor(np.ascontiguousarray(w), dtype=torch.float32),
        torch.as_tensor(bank.feature_mask[:, 4:].any(axis=1), dtype=torch.int64),
        torch.as_tensor(k * 8 + f, dtype=torch.int64),
        4 * int(d.max(initial=1)),
    )


def apply_lightwaves_native(X: np.ndarray, plan: NativeLightWaveSPlan) -> np.ndarray:
    """:func:`~anyconv.timeseries.lightwaves.engine.apply_lightwaves` with the compiled loop: one call per batch.

    The batch is laid out ``(C, L + 2 pad, B)`` (cases innermost, zero padded
    in time once for every dilation, padded with zero cases to whole vector
    blocks); the loop then runs both layers of every selected kernel, eight
    cases at a time, and writes all eight features of each kernel.

    (Small batches stay on one thread: handing half the kernels to a second
    thread measured 1.5-3x slower below ~1e6 kernel positions on a 2-core VM,
    where waking a thread costs ~0.1 ms.)

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` float32, already scaled
        -> ``(n_cases, len(plan.columns))`` float32.
    """
    n_cases, _, L = X.shape
    x = torch.as_tensor(X, dtype=torch.float32)
    xp = native.cases_innermost(x, plan.pad)  # (C, L + 2 pad, B padded to LANES blocks)
    B = xp.shape[2]
    out = torch.empty((B, 8 * plan.channel.shape[0]), dtype=torch.float32)
    lightwaves_into(xp, L, plan.pad, plan.channel, plan.dilation, plan.weight, plan.second, out)
    return out[:n_cases].index_select(1, plan.columns).numpy()  # (faster than numpy's fancy indexing)


def lightwaves_into(
    x: torch.Tensor,
    n_timepoints: int,
    pad: int,
    channel: torch.Tensor,
    dilation: torch.Tensor,
    weight: torch.Tensor,
    second: torch.Tensor,
    out: torch.Tensor,
) -> None:
    """The eight LightWaveS features of every (case, selected kernel), into ``out``.

    Parameters
    ----------
    x : torch.Tensor
        Scaled input, each channel with ``pad >= 4 * max(dilation)`` zeros before
        and after its ``n_timepoints`` values, cases innermost.
    channel, dilation : torch.Tensor
        int64 per kernel: the channel of ``x`` it reads, its dilation.
    weight : torch.Tensor
        float32 per kernel: its 9 taps already divided by ``dilation ** 1.5``.
    second : torch.Tensor
        int64 per kernel: 1 if its layer-2 features are wanted (else they are left as they are).
    out : torch.Tensor
        float32; kernel ``k``'s features ``[ppv1, max1, lsp1, min1, ppv2, max2, lsp2, min2]``
        go to columns ``8k .. 8k + 7``.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        channel, dilation, second: ``(K,)``; weight: ``(K, 9)``; out: ``(B, 8 * K)``.
    """
    C, Lp, B = x.shape
    K = channel.shape[0]
    if x.dtype != torch.float32 or x.device.type != "cpu" or not x.is_contiguous() or B % native.LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {native.LANES} == 0, got {x.dtype} {tuple(x.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t, dtype, shape in (("channel", channel, torch.int64, (K,)), ("dilation", dilation, torch.int64, (K,)),
                                  ("second", second, torch.int64, (K,)), ("weight", weight, torch.float32, (K, 9))):
        if t.dtype != dtype or tuple(t.shape) != shape or not t.is_contiguous():
            raise ValueError(f"{name} must be contiguous {dtype} {shape}, got {t.dtype} {tuple(t.shape)}")
    if out.dtype != torch.float32 or tuple(out.shape) != (B, 8 * K) or not out.is_contiguous():
        raise ValueError(f"out must be contiguous float32 ({B}, {8 * K}), got {out.dtype} {tuple(out.shape)}")
    # the loop checks every channel id and dilation itself (cheaper than torch reductions here)
    status = native.library().anyconv_lightwaves(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, K, channel.data_ptr(), dilation.data_ptr(),
        weight.data_ptr(), second.data_ptr(), out.data_ptr(), out.stride(0),
    )
    if status == -3:
        raise ValueError(f"channel ids must lie in [0, {C}), got {int(channel.min())}..{int(channel.max())}")
    if status == -2:
        raise ValueError(f"dilations must lie in [1, pad / 4 = {pad // 4}], got {int(dilation.min())}..{int(dilation.max())}")
    native.check_status(status, "LightWaveS")
