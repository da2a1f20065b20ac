"""Boundary modes: how much each side of a spatial axis is extended before a correlation.

Every mode is described by ``(left, right)`` amounts for a kernel of size ``K`` on an axis
of length ``L``. All modes except ``circular`` extend with zeros; ``circular`` reads the
same positions modulo ``L`` (so a kernel longer than ``L`` wraps several times).

=========  ===================  ==================  =======================================
mode       left                 right               output length
=========  ===================  ==================  =======================================
valid      0                    0                   L - K + 1 (requires K <= L)
same       (K - 1) // 2         K - 1 - left        L  (torch's 'same': extra pad on right)
causal     K - 1                0                   L  (y[t] reads x[<= t] only)
full       K - 1                K - 1               L + K - 1
circular   (K - 1) // 2         K - 1 - left        L  (like 'same', indices wrap mod L)
=========  ===================  ==================  =======================================

The amounts are those of the correlation torch computes. With ``flip=True`` (true convolution:
the kernel is reversed first) ``same`` therefore reads ``y[t] = Σ_s w[s] x[t - s + ⌈(K-1)/2⌉]``
on every axis, exactly ``F.conv*d(x, w.flip(...), padding="same")``. SciPy's
``convolve``/``convolve2d(mode="same")`` centres with ``⌊(K-1)/2⌋`` instead: for an even ``K``
its output is one sample earlier than ours (odd ``K`` agree).
"""

from __future__ import annotations

import difflib

import torch
import torch.nn.functional as F
from torch import Tensor

MODES: tuple[str, ...] = ("valid", "same", "causal", "full", "circular")
PADDING_MODES: tuple[str, ...] = ("zeros", "reflect", "replicate", "circular")


def check_mode(mode: str) -> str:
    """Return ``mode`` unchanged, or raise a ValueError that suggests the closest names."""
    if not isinstance(mode, str) or mode not in MODES:
        close = difflib.get_close_matches(str(mode), MODES, n=2)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}{hint}")
    return mode


def pad_amounts(mode: str, kernel_size: int) -> tuple[int, int]:
    """``(left, right)`` extension of one axis for ``mode`` and a kernel of ``kernel_size`` taps."""
    k = kernel_size
    if mode == "valid":
        return 0, 0
    if mode in ("same", "circular"):
        left = (k - 1) // 2
        return left, k - 1 - left
    if mode == "causal":
        return k - 1, 0
    if mode == "full":
        return k - 1, k - 1
    raise ValueError(f"mode must be one of {MODES}, got {mode!r}")


def output_length(mode: str, length: int, kernel_size: int) -> int:
    """Length of the output axis for an input axis of ``length`` and a kernel of ``kernel_size``."""
    left, right = pad_amounts(mode, kernel_size)
    return length + left + right - kernel_size + 1


def extend(x: Tensor, mode: str, kernel_sizes: tuple[int, ...]) -> Tensor:
    """Extend the last ``len(kernel_sizes)`` axes of ``x`` as ``mode`` prescribes.

    Shape:
        x: ``(*, L_1, ..., L_d)`` → ``(*, L_1 + left_1 + right_1, ..., L_d + left_d + right_d)``
    """
    fill = "circular" if mode == "circular" else "zeros"
    return extend_by(x, tuple(pad_amounts(mode, k) for k in kernel_sizes), fill)


def extend_by(x: Tensor, amounts: tuple[tuple[int, int], ...], padding_mode: str) -> Tensor:
    """Extend the last ``len(amounts)`` axes of ``x`` by ``(left, right)`` samples each.

    ``padding_mode`` is one of :data:`PADDING_MODES` (torch's names): ``zeros``; ``reflect``
    (mirror without repeating the edge, needs ``left, right < L``); ``replicate`` (repeat the
    edge sample); ``circular`` (read positions modulo ``L``: any amount, even several periods).

    Shape:
        x: ``(*, L_1, ..., L_d)`` → ``(*, L_1 + left_1 + right_1, ..., L_d + left_d + right_d)``
    """
    if not any(left or right for left, right in amounts):
        return x
    if padding_mode != "circular":
        flat: list[int] = []  # F.pad wants the last axis first
        for left, right in reversed(amounts):
            flat += [left, right]
        if padding_mode == "zeros":
            return F.pad(x, flat)
        return F.pad(x, flat, mode=padding_mode)
    ndim = len(amounts)
    for axis, (left, right) in enumerate(amounts):
        dim = x.ndim - ndim + axis
        length = x.shape[dim]
        # wrap-around gather: works for any kernel length, even one longer than the axis
        index = torch.arange(-left, length + right, device=x.device) % length
        x = x.index_select(dim, index)
    return x
