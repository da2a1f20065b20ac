"""Native (compiled) path of Hydra: ``_native/hydra.c``.

One compiled call computes, per block of :data:`~anyconv.timeseries.native.LANES`
cases, every group's ``k`` responses at each time step in vector registers and
their competition (the largest adds itself to its "max" count, the smallest adds 1
to its "min" count; ties to the lowest index), in one pass per kernel group: no
``(k, L)`` convolution output is written. The first difference and (multivariate)
each group's channel sum are formed inside the loop from the padded series.

:func:`hydra_into` checks every layout it passes; the loop checks the ranges it is
given (a bad one is a ``ValueError`` from :func:`anyconv.timeseries.native.check_status`).
"""

from __future__ import annotations

import numpy as np
import torch

from anyconv.timeseries import native
from anyconv.timeseries.hydra.kernels import KERNEL_LENGTH, HydraBank

__all__ = ["native_bank", "hydra_into", "hydra_transform_native", "sums_like_torch"]

LANES = native.LANES


def sums_like_torch() -> bool:
    """Whether the loop dispatched on this CPU rounds as torch's ``conv1d`` (so as aeon's Hydra).

    True for a GCC >= 12 build on an x86-64-v3 CPU or newer: each response is summed
    with fused multiply-adds in tap order from zero, and multivariate groups sum their
    channels in the order of torch's reduction kernel, so the features equal aeon's bit
    for bit (also on flat stretches, where the winning kernel is decided by rounding).
    Elsewhere they equal them within float32 rounding.
    """
    return bool(native.library().anyconv_hydra_fma())


def native_bank(bank: HydraBank) -> dict[str, torch.Tensor]:
    """A bank's arrays as :func:`hydra_into` takes them (contiguous CPU tensors).

    Shape:
        returns ``dilations (n_dil,)`` int64, ``weights (n_dil, divisor, h * k, 9)`` float32,
        ``channels (n_dil, divisor, h, n_per)`` int64.
    """
    return {
        "dilations": torch.as_tensor(np.ascontiguousarray(bank.dilations, dtype=np.int64)),
        "weights": torch.as_tensor(np.ascontiguousarray(bank.weights, dtype=np.float32)),
        "channels": torch.as_tensor(np.ascontiguousarray(bank.channels, dtype=np.int64)),
    }


def _check_bank(bank: dict[str, torch.Tensor], n_channels: int) -> tuple[int, int, int, int]:
    """``(n_dilations, divisor, h * k, n_per)`` of a :func:`native_bank` dict, or ``ValueError``."""
    for name, dtype, ndim in (("dilations", torch.int64, 1), ("weights", torch.float32, 4), ("channels", torch.int64, 4)):
        t = bank.get(name)
        if not isinstance(t, torch.Tensor) or t.dtype != dtype or t.dim() != ndim or not t.is_contiguous() \
                or t.device.type != "cpu":
            got = f"{t.dtype} {tuple(t.shape)} on {t.device}" if isinstance(t, torch.Tensor) else type(t).__name__
            raise ValueError(f"bank[{name!r}] must be a contiguous {ndim}-D {dtype} CPU tensor, got {got}")
    n_dil, divisor, hk, taps = bank["weights"].shape
    if taps != KERNEL_LENGTH or divisor not in (1, 2) or bank["dilations"].shape[0] != n_dil:
        raise ValueError(
            f"bank['weights'] must have shape (n_dilations={bank['dilations'].shape[0]}, divisor in (1, 2), h * k, "
            f"{KERNEL_LENGTH}), got {tuple(bank['weights'].shape)}"
        )
    ch = bank["channels"]
    if n_channels > 1:
        if tuple(ch.shape[:2]) != (n_dil, divisor) or ch.shape[3] < 1:
            raise ValueError(f"bank['channels'] must have shape ({n_dil}, {divisor}, h, n_per >= 1), got {tuple(ch.shape)}")
        if int(ch.min()) < 0 or int(ch.max()) >= n_channels:
            raise ValueError(f"channel ids must lie in [0, {n_channels}), got {int(ch.min())}..{int(ch.max())}")
    return n_dil, divisor, hk, int(ch.shape[3]) if ch.dim() == 4 else 0


def hydra_into(x: torch.Tensor, n_timepoints: int, pad: int, bank: dict[str, torch.Tensor], k: int,
               out: torch.Tensor) -> None:
    """Hydra features of every case of ``x``, into ``out`` (convolutions included).

    Parameters
    ----------
    x : torch.Tensor
        The series with ``pad >= 4 * max(dilations)`` zeros before and after each
        channel's ``n_timepoints`` values, cases innermost
        (:func:`anyconv.timeseries.native.cases_innermost`).
    bank : dict
        :func:`native_bank` of the bank.
    k : int
        Kernels per group (``h * k`` rows of weights per dilation and representation).
    out : torch.Tensor
        float32, features in the reference's layout
        ``[dilation][representation][max | min][group][kernel]``.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        out: ``(B, n_dilations * divisor * 2 * h * k)`` with unit column stride.
    """
    if x.dtype != torch.float32 or x.device.type != "cpu" or x.dim() != 3 or not x.is_contiguous() or x.shape[2] % LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {LANES} == 0, "
                         f"got {x.dtype} {tuple(x.shape)} on {x.device}")
    C, Lp, B = x.shape
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    n_dil, divisor, hk, n_per = _check_bank(bank, C)
    if k < 1 or hk % k:
        raise ValueError(f"k must divide the {hk} kernels per dilation and representation, got k={k}")
    if n_timepoints < divisor:
        raise ValueError(f"n_timepoints must be at least {divisor} (the first difference), got {n_timepoints}")
    if n_dil and 4 * int(bank["dilations"].max()) > pad:
        raise ValueError(f"pad must be at least 4 * max(dilations) = {4 * int(bank['dilations'].max())}, got {pad}")
    if n_dil and int(bank["dilations"].min()) < 1:
        raise ValueError(f"dilations must be >= 1, got {bank['dilations'].tolist()}")
    n_features = n_dil * divisor * 2 * hk
    if out.dtype != torch.float32 or tuple(out.shape) != (B, n_features) or out.stride(1) != 1 \
            or out.device.type != "cpu":
        raise ValueError(f"out must be float32 CPU ({B}, {n_features}) with unit column stride, "
                         f"got {out.dtype} {tuple(out.shape)} strides {out.stride()}")
    if B == 0 or n_features == 0:
        return
    status = native.library().anyconv_hydra(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, n_dil, bank["dilations"].data_ptr(), divisor, hk // k, k,
        bank["weights"].data_ptr(), n_per, bank["channels"].data_ptr(), out.data_ptr(), out.stride(0),
    )
    native.check_status(status, "Hydra")


def hydra_transform_native(x: torch.Tensor, bank: dict[str, torch.Tensor], k: int) -> torch.Tensor:
    """Hydra features with the compiled loop (the torch engine's output, reference layout).

    The batch is laid out ``(C, L + 2 pad, B)`` once (cases innermost, zero padded
    in time for the largest dilation, zero cases up to whole vector blocks).

    Shape:
        x: ``(B, C, L)`` float32 on the CPU; returns ``(B, n_features)`` float32.
    """
    n_cases, _, L = x.shape
    n_dil, divisor, hk = bank["weights"].shape[:3]
    pad = 4 * int(bank["dilations"].max()) if n_dil else 0
    xp = native.cases_innermost(x, pad)  # (C, L + 2 pad, B padded to LANES blocks)
    out = torch.empty((xp.shape[2], n_dil * divisor * 2 * hk), dtype=torch.float32)
    hydra_into(xp, L, pad, bank, k, out)
    return out[:n_cases]
