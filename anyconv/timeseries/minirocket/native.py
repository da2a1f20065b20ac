"""Native (compiled) path of the MiniRocket family: ``minirocket.c`` and ``pooling.c``.

* ``minirocket.c`` computes MiniRocket's kernel outputs the way the reference
  does (``-sum`` of the nine taps plus three times the taps of weight 2) and
  their PPV while each output row is in L1 (:func:`minirocket_into`), or
  HDC-MiniRocket's time-coded PPV (each position weighted by the feature's
  timestamp code, :func:`hdc_rotations`);
* ``minirocket.c`` also writes MultiRocket's convolution outputs of one dilation in
  aeon's summation order (:func:`conv_into`), so the pooled features equal aeon's;
* ``pooling.c`` fuses "compare with each bias and accumulate" into one pass
  over MultiRocket's convolution outputs for its four pooling operators, where
  torch ops need a 0/1 tensor per bias written and read back (:func:`pool4_into`).

Every wrapper checks the layouts it passes; the loops check the ranges they are
given (a bad one is a ``ValueError`` from :func:`anyconv.timeseries.native.check_status`).
"""

from __future__ import annotations

import numpy as np
import torch

from anyconv.timeseries import native
from anyconv.timeseries.minirocket.engine import MiniRocketPlan, buffer
from anyconv.timeseries.minirocket.kernels import N_KERNELS, MiniRocketBank

__all__ = ["NATIVE_MAX_TIMEPOINTS", "pooled_ranges", "kernel_ranges", "pool4_into", "minirocket_into", "fused_bank",
           "ppv_transform_fused", "multirocket_transform_native", "hdc_rotations", "conv_bank", "conv_into"]

#: ``pool4`` sums positions in int32: ``n * (n - 1) / 2 < 2**31``.
NATIVE_MAX_TIMEPOINTS = 46_341
LANES = native.LANES


def pooled_ranges(n_kernels: int, dilation_index: int, dilation: int, n_timepoints: int) -> np.ndarray:
    """``(2, n_kernels)`` int64 ``[lo; hi]``: the positions each kernel pools.

    MiniRocket alternates: kernel ``k`` at dilation index ``j`` pools all ``L``
    positions when ``j + k`` is even, the unpadded centre ``[4d, L - 4d)`` when odd.
    """
    k = np.arange(n_kernels)
    odd = (dilation_index + k) % 2 == 1
    pad = 4 * dilation
    return np.stack([np.where(odd, pad, 0), np.where(odd, n_timepoints - pad, n_timepoints)]).astype(np.int64)


def _check(conv: torch.Tensor, bias: torch.Tensor, ranges: torch.Tensor, out: torch.Tensor) -> None:
    """Programming-error guards: the C loops trust these layouts."""
    if conv.device.type != "cpu" or conv.dtype != torch.float32 or conv.dim() != 3:
        raise ValueError(f"conv must be a 3-D float32 CPU tensor, got {conv.dtype} {tuple(conv.shape)} on {conv.device}")
    K = conv.shape[0]
    if bias.dtype != torch.float32 or not bias.is_contiguous() or bias.dim() != 2 or bias.shape[0] != K:
        raise ValueError(f"bias must be contiguous float32 ({K}, nf), got {bias.dtype} {tuple(bias.shape)}")
    if ranges.dtype != torch.int64 or not ranges.is_contiguous() or tuple(ranges.shape) != (2, K):
        raise ValueError(f"ranges must be contiguous int64 (2, {K}), got {ranges.dtype} {tuple(ranges.shape)}")
    if conv.stride(2) != 1 or conv.shape[2] % LANES:
        raise ValueError(
            f"conv must hold cases innermost (stride 1) in a multiple of {LANES}, "
            f"got shape {tuple(conv.shape)} strides {conv.stride()}; pad the batch"
        )
    if out.dtype != torch.float32 or out.dim() != 2 or out.stride(1) != 1 or out.shape[0] != conv.shape[2]:
        raise ValueError(
            f"out must be float32 ({conv.shape[2]}, F) with unit column stride, "
            f"got {out.dtype} {tuple(out.shape)} strides {out.stride()}"
        )


def pool4_into(
    conv: torch.Tensor, bias: torch.Tensor, ranges: torch.Tensor, out: torch.Tensor, col0: int, block: int
) -> None:
    """MultiRocket's PPV, LSPV, MPV, MIPV, written ``block`` columns apart into ``out``.

    The loop checks every pooled range (``0 <= lo < hi <= L``, ``L < NATIVE_MAX_TIMEPOINTS``)
    and that the four blocks fit in ``out``'s rows; a bad one is a ``ValueError``.

    Shape:
        conv: ``(K, L, n_cases)`` float32, cases contiguous, ``n_cases % LANES == 0``;
        bias: ``(K, nf)``; ranges: ``(2, K)`` from :func:`pooled_ranges`;
        out: ``(n_cases, F)``; PPV of ``(k, f)`` at ``col0 + k * nf + f``, LSPV at
        ``+ block``, MPV at ``+ 2 * block``, MIPV at ``+ 3 * block``.
    """
    _check(conv, bias, ranges, out)
    K, n_time, n_cases = conv.shape
    sk, st, sb = conv.stride()
    code = native.library().anyconv_pool4(
        conv.data_ptr(), K, n_cases, n_time, sk, st, sb, bias.data_ptr(), bias.shape[1],
        ranges[0].data_ptr(), ranges[1].data_ptr(), out.data_ptr(), out.stride(0), out.shape[1], col0, block,
    )
    native.check_status(code, "MultiRocket pooling")


def kernel_ranges(plan: MiniRocketPlan, n_timepoints: int) -> list[torch.Tensor]:
    """Per dilation, the ``[lo; hi]`` positions each kernel pools (:func:`pooled_ranges`).

    Shape:
        returns a list of ``(2, 84)`` int64 CPU tensors.
    """
    return [torch.from_numpy(pooled_ranges(N_KERNELS, j, d, n_timepoints)) for j, d in enumerate(plan.dilations)]


def minirocket_into(
    x: torch.Tensor, n_timepoints: int, pad: int, bank: dict[str, torch.Tensor], shift: int, out: torch.Tensor,
    rotations: torch.Tensor | None = None,
) -> None:
    """MiniRocket PPV features of every case, into ``out`` (convolutions included).

    With ``rotations``, HDC-MiniRocket features instead: each PPV's positions are
    weighted by the feature's timestamp code ``cos(w t) + sin(w t)``.

    Parameters
    ----------
    x : torch.Tensor
        Input with ``pad >= 4 * max(dilations) + shift`` zeros before and after each
        channel's ``n_timepoints`` values, cases innermost.
    bank : dict
        Contiguous CPU tensors: int64 ``dilations``, ``nf`` (features per kernel and
        dilation), ``per_comb``, ``channel_indices``; float32 ``biases`` (the
        :class:`~anyconv.timeseries.minirocket.kernels.MiniRocketBank` arrays).
    shift : int
        The bank's ``left_tap_shift``.
    out : torch.Tensor
        float32, features in the bank's order.
    rotations : torch.Tensor or None
        float64 per feature (bank order): ``[cos(w lo), sin(w lo), cos(w), sin(w)]``,
        ``lo`` the first pooled position (0, or ``4 d`` for the unpadded centre),
        ``w`` the code's frequency per position; ``None``: plain PPV.

    Shape:
        x: ``(C, n_timepoints + 2 * pad, B)`` contiguous, ``B % LANES == 0``;
        out: ``(B, 84 * sum(nf))``; rotations: ``(84 * sum(nf), 4)``.
    """
    C, Lp, B = x.shape
    if x.dtype != torch.float32 or x.device.type != "cpu" or not x.is_contiguous() or B % LANES:
        raise ValueError(f"x must be contiguous float32 CPU (C, L + 2 pad, B) with B % {LANES} == 0, got {x.dtype} {tuple(x.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"x has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t in bank.items():
        dtype = torch.float32 if name == "biases" else torch.int64
        if t.dtype != dtype or not t.is_contiguous() or t.device.type != "cpu":
            raise ValueError(f"bank[{name!r}] must be a contiguous {dtype} CPU tensor, got {t.dtype}")
    n_dil = bank["dilations"].shape[0]
    if bank["per_comb"].shape[0] != 84 * n_dil or int(bank["per_comb"].sum()) != bank["channel_indices"].shape[0]:
        raise ValueError("bank['per_comb'] must give the channel count of each of the 84 * n_dilations combinations")
    ch = bank["channel_indices"]
    if ch.numel() and (int(ch.min()) < 0 or int(ch.max()) >= C):
        raise ValueError(f"channel ids must lie in [0, {C}), got {int(ch.min())}..{int(ch.max())}")
    n_features = 84 * int(bank["nf"].sum())
    if bank["biases"].shape[0] != n_features:
        raise ValueError(f"bank['biases'] must hold 84 * sum(nf) = {n_features} values, got {bank['biases'].shape[0]}")
    if out.dtype != torch.float32 or tuple(out.shape) != (B, n_features) or out.stride(1) != 1:
        raise ValueError(f"out must be float32 ({B}, {n_features}) with unit column stride, got {out.dtype} {tuple(out.shape)}")
    if rotations is not None and (
        rotations.dtype != torch.float64 or tuple(rotations.shape) != (n_features, 4) or not rotations.is_contiguous()
    ):
        raise ValueError(f"rotations must be contiguous float64 ({n_features}, 4), got {rotations.dtype} {tuple(rotations.shape)}")
    status = native.library().anyconv_minirocket(
        x.data_ptr(), B, n_timepoints, pad, Lp * B, C, n_dil, bank["dilations"].data_ptr(), bank["nf"].data_ptr(),
        bank["biases"].data_ptr(), bank["per_comb"].data_ptr(), ch.data_ptr(), shift,
        None if rotations is None else rotations.data_ptr(), out.data_ptr(), out.stride(0),
    )
    if status == -2:
        raise ValueError(
            f"MiniRocket bank out of range for the native loop (dilation >= 1, 4 * dilation + shift <= pad, "
            f"8 * dilation < n_timepoints, nf >= 0, 1 <= channels per combination <= {C}); status {status}"
        )
    native.check_status(status, "MiniRocket")


def fused_bank(bank: MiniRocketBank) -> dict[str, torch.Tensor]:
    """A bank's arrays as :func:`minirocket_into` takes them."""
    i64 = lambda a: torch.as_tensor(np.ascontiguousarray(a, dtype=np.int64))  # noqa: E731
    return {
        "dilations": i64(bank.dilations), "nf": i64(bank.n_features_per_dilation),
        "biases": torch.as_tensor(np.ascontiguousarray(bank.biases, dtype=np.float32)),
        "per_comb": i64(bank.n_channels_per_combination), "channel_indices": i64(bank.channel_indices),
    }  # fmt: skip


def ppv_transform_fused(
    x: torch.Tensor, bank: dict[str, torch.Tensor], shift: int = 0, rotations: torch.Tensor | None = None
) -> torch.Tensor:
    """MiniRocket features with the compiled loop doing the convolutions too.

    The batch is laid out ``(C, L + 2 pad, B)`` once (cases innermost, zero
    padded in time for the largest dilation, zero cases up to whole vector
    blocks); one call computes every kernel's output row the way the reference
    does and its PPV while the row is in L1 (no GEMM, no output tensor).
    With ``rotations`` (:func:`hdc_rotations`)
    the features are HDC-MiniRocket's time-coded PPVs instead.

    Shape:
        x: ``(B, C, L)`` float32 on the CPU; returns ``(B, 84 * sum(nf))`` float32.
    """
    n_cases, _, L = x.shape
    pad = 4 * int(bank["dilations"].max()) + shift
    xp = native.cases_innermost(x, pad)  # (C, L + 2 pad, B padded to LANES blocks)
    out = torch.empty((xp.shape[2], N_KERNELS * int(bank["nf"].sum())), dtype=torch.float32)
    minirocket_into(xp, L, pad, bank, shift, out, rotations)
    return out[:n_cases]


def conv_bank(bank: MiniRocketBank) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Per dilation, the 84 combinations' channel counts and their channel ids (for :func:`conv_into`).

    Shape:
        returns two lists of contiguous int64 CPU tensors, ``(84,)`` and ``(sum of the counts,)``.
    """
    per_comb = np.ascontiguousarray(bank.n_channels_per_combination, dtype=np.int64).reshape(-1, N_KERNELS)
    ids = np.ascontiguousarray(bank.channel_indices, dtype=np.int64)
    ends = np.cumsum(per_comb.sum(1))
    starts = ends - per_comb.sum(1)
    return ([torch.from_numpy(p.copy()) for p in per_comb],
            [torch.from_numpy(ids[a:b].copy()) for a, b in zip(starts, ends)])  # fmt: skip


def conv_into(
    xp: torch.Tensor, n_timepoints: int, pad: int, dilation: int, per_comb: torch.Tensor, ids: torch.Tensor,
    shift: int, out: torch.Tensor,
) -> None:
    """The 84 kernel (combination) outputs of one dilation, summed in aeon's MultiRocket order.

    ``alpha + 3 x_a``, ``+ 3 x_b``, ``+ 3 x_c`` left to right per channel, channels
    summed in the combination's order: aeon's transform bit for bit (the GEMM of
    the torch engine rounds differently, which flips ties on flat series).

    Shape:
        xp: ``(C, n_timepoints + 2 * pad, B)`` contiguous (:func:`native.cases_innermost`),
        ``pad >= 4 * dilation + shift``; per_comb: ``(84,)``; out: ``(84, n_timepoints, B)`` contiguous.
    """
    C, Lp, B = xp.shape
    if xp.dtype != torch.float32 or xp.device.type != "cpu" or not xp.is_contiguous() or B % LANES:
        raise ValueError(f"xp must be contiguous float32 CPU (C, L + 2 pad, B) with B % {LANES} == 0, got {xp.dtype} {tuple(xp.shape)}")
    if Lp != n_timepoints + 2 * pad:
        raise ValueError(f"xp has {Lp} padded timepoints, expected {n_timepoints} + 2 * {pad}")
    for name, t in (("per_comb", per_comb), ("ids", ids)):
        if t.dtype != torch.int64 or not t.is_contiguous() or t.device.type != "cpu":
            raise ValueError(f"{name} must be a contiguous int64 CPU tensor, got {t.dtype}")
    if per_comb.shape != (N_KERNELS,) or int(per_comb.sum()) != ids.shape[0]:
        raise ValueError(f"per_comb must be ({N_KERNELS},) channel counts summing to len(ids) = {ids.shape[0]}")
    if out.dtype != torch.float32 or tuple(out.shape) != (N_KERNELS, n_timepoints, B) or not out.is_contiguous():
        raise ValueError(f"out must be contiguous float32 ({N_KERNELS}, {n_timepoints}, {B}), got {out.dtype} {tuple(out.shape)}")
    status = native.library().anyconv_minirocket_conv(
        xp.data_ptr(), B, n_timepoints, pad, Lp * B, C, dilation, per_comb.data_ptr(), ids.data_ptr(), shift,
        out.data_ptr(),
    )
    native.check_status(status, "MultiRocket convolution")


def multirocket_transform_native(
    x: torch.Tensor, plan: MiniRocketPlan, ranges: list[torch.Tensor], channels: tuple[list, list],
    ws: dict | None = None,
) -> torch.Tensor:
    """:func:`~anyconv.timeseries.minirocket.pooling.multirocket_transform` with compiled loops.

    ``ranges`` is :func:`kernel_ranges` of ``plan`` for this length and ``channels``
    :func:`conv_bank` of its bank (both built once by the estimator).

    Per dilation :func:`conv_into` writes the ``(84, L, B)`` outputs (cases innermost,
    batch padded to whole vectors) in aeon's summation order, so the features equal
    aeon's transform (ties with a bias included); one call of :func:`pool4_into` then
    computes all four operators for every kernel and bias in one pass per bias.

    Shape:
        x: ``(B, C, L)`` float32 on the CPU, ``L < NATIVE_MAX_TIMEPOINTS``;
        returns ``(B, 4 * plan.n_features)`` float32.
    """
    n_cases, _, L = x.shape
    if L >= NATIVE_MAX_TIMEPOINTS:
        raise ValueError(f"native MultiRocket pooling supports < {NATIVE_MAX_TIMEPOINTS} timepoints, got {L}; use engine='torch'")
    pad = 4 * max(plan.dilations) + plan.left_tap_shift
    xp = native.cases_innermost(x, pad)  # (C, L + 2 pad, B padded to LANES blocks)
    B = xp.shape[2]
    conv = buffer(ws, "conv", (N_KERNELS, L, B), xp)
    F = plan.n_features
    out = torch.empty((B, 4 * F), dtype=torch.float32)
    for j, r in enumerate(ranges):
        conv_into(xp, L, pad, plan.dilations[j], channels[0][j], channels[1][j], plan.left_tap_shift, conv)
        pool4_into(conv, plan.biases[j], r, out, plan.slices[j][0], F)
    return out[:n_cases]


def hdc_rotations(bank: MiniRocketBank, phases: np.ndarray, scale: float, n_timepoints: int) -> torch.Tensor:
    """Per feature, the rotation the native loop walks its timestamp code with.

    Feature ``i`` codes position ``t`` as ``cos(w_i t) + sin(w_i t)`` with
    ``w_i = phases[i] * scale / (L - 1)`` (i.e. ``phi_i * s * tau``, ``tau = t / (L - 1)``);
    its pooling starts at ``lo`` = 0, or ``4 d`` where the reference pools the
    unpadded centre (odd dilation index + kernel index).

    Shape:
        phases: ``(n_features,)`` in bank order; returns ``(n_features, 4)`` float64
        ``[cos(w lo), sin(w lo), cos(w), sin(w)]``.
    """
    lo = np.concatenate([  # first pooled position of each feature, bank order (dilation, kernel, bias)
        np.repeat(np.where((j + np.arange(N_KERNELS)) % 2 == 1, 4 * int(d), 0), int(nf))
        for j, (d, nf) in enumerate(zip(bank.dilations, bank.n_features_per_dilation))
    ])
    w = np.asarray(phases, dtype=np.float64) * float(scale) / max(n_timepoints - 1, 1)
    return torch.as_tensor(np.stack([np.cos(w * lo), np.sin(w * lo), np.cos(w), np.sin(w)], axis=1))
