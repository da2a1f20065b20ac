"""Torch engine applying a :class:`MiniRocketBank` (CPU or CUDA).

Per dilation, all 84 kernels are one matrix product: the 9 dilated shifts of
every channel (``as_strided`` views of the batch, padded once) are copied into
``S: (C * 9, B * L)`` and multiplied by a ``(84, C * 9)`` matrix holding each
kernel's weights on the channels of its combination (convolution is linear,
so summing channel outputs equals using these block weights); one GEMM was
measured faster than ``conv1d`` and than the reference's add-only algebra
(which needs ~40 small torch ops per dilation). "Same" zero padding of
``4 * dilation`` as in the reference; kernels whose ``(dilation_index +
kernel_index)`` is odd pool only the unpadded centre ``[4d, L - 4d)``.

PPV (``mean(C > b)``): ``torch.gt(..., out=float_buffer)`` then ``sum`` over a
cache-sized chunk of biases (see :func:`ppv_transform`). Writing the comparison
into a float tensor takes torch's vectorised same-dtype kernel (~5x faster
than ``bool``/``uint8``); float sums of 0/1 are exact below ``2**24``.
Measured alternatives that lose on CPU: sorting rows + ``searchsorted``
(sort ~50 ns/element vs ~0.15 ns per comparison), bool/uint8/float16 outputs.

Numerics: compute in float32 (as the reference and aeon) or float64. Features
are ``count / n`` rounded to float32 (the same value as the reference's float64
mean cast to float32: division is correctly rounded and float64 has > 2 * 24 + 2 bits).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from anyconv.timeseries import native
from anyconv.timeseries.minirocket.kernels import KERNEL_WEIGHTS, N_KERNELS, MiniRocketBank

__all__ = [
    "MiniRocketPlan",
    "make_plan",
    "shifted_stack",
    "convolve_dilation",
    "TapInput",
    "n_valid",
    "ppv_transform",
    "pad_cases",
    "iter_parity_groups",
    "CASE_MULTIPLE",
]



#: Elements of the comparison scratch buffer (4 MB float32: L2/L3 resident).
HIT_ELEMENTS = 1 << 20
#: With cases innermost, batches are padded to a multiple of this many cases:
#: the sum over time is then a vertical reduction over whole SIMD vectors
#: (measured on (42, 2, 427, B): 6.7 G elements/s at B = 23, 14.6 at 24, 21 at 32).
CASE_MULTIPLE = native.LANES


@dataclass
class MiniRocketPlan:
    """Tensors derived once from a bank for one device/dtype."""

    block_weights: list[torch.Tensor]  # per dilation (84, C * 9)
    dilations: list[int]
    biases: list[torch.Tensor]  # per dilation (84, nf)
    slices: list[tuple[int, int, int]]
    left_tap_shift: int
    n_features: int
    max_nf: int


def block_weights(masks: np.ndarray) -> np.ndarray:
    """Kernel weights spread over each combination's channels.

    Shape:
        masks: ``(84, C)`` 0/1; returns ``(84, C * 9)`` with column ``c * 9 + i``.
    """
    return (masks[:, :, None] * KERNEL_WEIGHTS[:, None, :]).reshape(N_KERNELS, -1)


def make_plan(
    bank: MiniRocketBank, n_channels: int, *, dtype: torch.dtype, device: torch.device
) -> MiniRocketPlan:
    """Move a bank's arrays to ``device``/``dtype`` in the layout the engine uses."""
    masks = bank.channel_masks(n_channels)  # (n_dilations, 84, C)
    weights = [torch.as_tensor(block_weights(m), dtype=dtype, device=device) for m in masks]
    biases = []
    for start, stop, nf in bank.feature_slices():
        b = np.asarray(bank.biases[start:stop]).reshape(N_KERNELS, nf)
        biases.append(torch.as_tensor(b, dtype=dtype, device=device))
    return MiniRocketPlan(
        weights, [int(d) for d in bank.dilations], biases, bank.feature_slices(),
        int(bank.left_tap_shift), bank.n_features, int(bank.n_features_per_dilation.max()),
    )


def shifted_stack(x: torch.Tensor, dilation: int, shift: int = 0) -> torch.Tensor:
    """The 9 tap inputs of a dilated length-9 kernel, zero padded ("same").

    Tap ``i`` reads ``x[t + (i - 4) * dilation]`` (``+ shift`` for taps i < 4).

    Shape:
        x: ``(B, C, L)``; returns ``(B, C * 9, L)`` (row ``c * 9 + i``).
    """
    B, C, L = x.shape
    p = 4 * dilation
    xp = F.pad(x, (p, p))  # (B, C, L + 2p)
    taps = [xp[..., i * dilation + (shift if i < 4 else 0) :][..., :L] for i in range(9)]
    # a left tap shifted past the end reads zeros: pad if the slice came up short
    taps = [t if t.shape[-1] == L else F.pad(t, (0, L - t.shape[-1])) for t in taps]
    return torch.stack(taps, dim=2).reshape(B, C * 9, L)


def convolve_dilation(
    x: torch.Tensor, plan: MiniRocketPlan, j: int, out: torch.Tensor | None = None
) -> torch.Tensor:
    """All 84 kernel (combination) outputs at dilation index ``j``.

    Shape:
        x: ``(B, C, L)``; returns ``(B, 84, L)``.
    """
    S = shifted_stack(x, plan.dilations[j], plan.left_tap_shift)
    return torch.matmul(plan.block_weights[j], S, out=out)


def buffer(ws: dict | None, name: str, shape: tuple, like: torch.Tensor) -> torch.Tensor:
    """``torch.empty(shape)``, reused from the workspace dict ``ws`` when given.

    Reusing buffers across batches avoids page-faulting fresh multi-MB
    allocations in on every batch (measured ~25% of a short-series batch).
    """
    if ws is None:
        return torch.empty(shape, dtype=like.dtype, device=like.device)
    key = (name, like.dtype, like.device)
    n = math.prod(shape)
    buf = ws.get(key)
    if buf is None or buf.numel() < n:
        buf = ws[key] = torch.empty(n, dtype=like.dtype, device=like.device)
    return buf[:n].view(shape)


class TapInput:
    """A batch padded once for all dilations, and the 9 dilated taps of one.

    ``convolve(j)`` copies the taps of dilation ``j`` into a reused buffer laid
    out ``(C * 9, B * L)`` (or ``(C * 9, L * B)`` with ``cases_inner``) so that
    all 84 kernels for all cases are one plain 2-D GEMM, ``(84, B, L)`` (or
    ``(84, L, B)``): each kernel's outputs for the whole batch are one block,
    which the PPV comparisons read without reshuffling. Taps are
    ``as_strided`` views of the padded input (tap ``i`` starts ``i * dilation``
    later): no per-dilation padding or stacking.

    Shape:
        x: ``(B, C, L)``; ``convolve(j)`` returns ``(84, B, L)`` or ``(84, L, B)``
        (a reused buffer).
    """

    def __init__(
        self, x: torch.Tensor, plan: MiniRocketPlan, cases_inner: bool = False, ws: dict | None = None
    ) -> None:
        B, C, L = x.shape
        self.plan, self.shape, self.cases_inner = plan, (B, C, L), cases_inner
        self.pmax = 4 * max(plan.dilations)
        xp = F.pad(x, (self.pmax, self.pmax + plan.left_tap_shift))  # (B, C, Lx)
        # cases_inner: (C, Lx, B) so that the tap copies read contiguous rows of B
        self.xp = xp.permute(1, 2, 0).contiguous() if cases_inner else xp.contiguous()
        inner = (L, B) if cases_inner else (B, L)
        self.S = buffer(ws, "taps", (C, 9, *inner), x)
        self.out = buffer(ws, "conv", (N_KERNELS, B * L), x)

    def convolve(self, j: int) -> torch.Tensor:
        B, C, L = self.shape
        d, shift, xp = self.plan.dilations[j], self.plan.left_tap_shift, self.xp
        if self.cases_inner:  # xp (C, Lx, B): time stride B
            inner, (sC, sT, _) = (L, B), xp.stride()
            st, sd = (sT, 1), d * sT
        else:  # xp (B, C, Lx): time stride 1
            inner, (sB, sC, sT) = (B, L), xp.stride()
            st, sd = (sB, 1), d
        off = xp.storage_offset() + (self.pmax - 4 * d) * sT
        if shift == 0:
            self.S.copy_(xp.as_strided((C, 9, *inner), (sC, sd, *st), off))
        else:  # the 4 left taps read ``shift`` steps later (see MiniRocketBank)
            self.S[:, :4].copy_(xp.as_strided((C, 4, *inner), (sC, sd, *st), off + shift * sT))
            self.S[:, 4:].copy_(xp.as_strided((C, 5, *inner), (sC, sd, *st), off + 4 * sd))
        torch.mm(self.plan.block_weights[j], self.S.view(C * 9, B * L), out=self.out)
        return self.out.view(N_KERNELS, *inner)


def n_valid(plan: MiniRocketPlan, n_timepoints: int, device: torch.device) -> torch.Tensor:
    """Positions each feature's PPV averages over (``L`` or ``L - 8 d``).

    Shape:
        returns ``(plan.n_features,)`` float32 (exact integers).
    """
    parts = []
    for j, (d, (_, _, nf)) in enumerate(zip(plan.dilations, plan.slices)):
        k = np.arange(N_KERNELS)
        parts.append(np.repeat(np.where((j + k) % 2 == 1, n_timepoints - 8 * d, n_timepoints), nf))
    return torch.as_tensor(np.concatenate(parts), dtype=torch.float32, device=device)


def use_cases_inner(n_cases: int, n_timepoints: int) -> bool:
    """Layout rule of :func:`ppv_transform`: cases innermost unless the batch is tiny."""
    return n_cases >= 8 or n_cases > n_timepoints


def ppv_transform(x: torch.Tensor, plan: MiniRocketPlan, ws: dict | None = None) -> torch.Tensor:
    """MiniRocket PPV features of one batch.

    Per dilation and kernel parity ``p`` (kernels ``p, p + 2, ...``), the 42
    kernels' outputs over the positions they pool (all ``L``, or the unpadded
    centre ``[4d, L - 4d)`` when ``j + p`` is odd — so no masking and no
    comparisons wasted on excluded positions) are compared with their biases
    into a reused float buffer (``torch.gt`` writing float 0/1 is ~5x faster
    than writing ``bool``) and summed over time. Float sums of 0/1 are exact
    below ``2**24``; the final ``count / n`` in float32 is the correctly rounded
    quotient, i.e. the same float32 as the reference's float64 mean cast down.

    Layout (:func:`use_cases_inner`): cases go innermost, ``(84, L, B)``. Each
    comparison is then one long contiguous loop over ``n * B`` elements and the
    sum over time is a vertical (vectorised) reduction; with time innermost
    every row of ``n`` elements pays loop overhead and a horizontal reduction
    (measured 1.2x (ACSF1, L = 1460) to 4x (L = 24) slower). Tiny batches keep
    time innermost. With cases innermost the batch is padded with zero cases
    to a multiple of :data:`CASE_MULTIPLE`. Keep ``B * 84 * L`` near 5 * 10^5
    elements (``MiniRocket._batch_cases``) so buffers stay in L2/L3.

    ``ws``: optional workspace dict (one per thread) whose buffers are reused;
    the result then lives in it, valid until the next call with that ``ws``.

    Shape:
        x: ``(B, C, L)``; returns ``(B, plan.n_features)`` float32 (on ``x.device``;
        a transposed view with cases innermost).
    """
    n_cases, _, L = x.shape
    half, cases_inner = N_KERNELS // 2, use_cases_inner(n_cases, L)
    if cases_inner:  # zero cases, dropped from the result
        x = pad_cases(x)
    B = x.shape[0]
    taps = TapInput(x, plan, cases_inner, ws)
    hits = buffer(ws, "hits", (HIT_ELEMENTS + half * B * L,), x)
    # cases_inner: counts (F, B), contiguous rows of B for the vertical sums
    counts = buffer(ws, "counts", (plan.n_features, B) if cases_inner else (B, plan.n_features), x)
    for j, d in enumerate(plan.dilations):
        conv = taps.convolve(j).unflatten(0, (half, 2))  # (42, 2, B, L) / (42, 2, L, B)
        start, stop, nf = plan.slices[j]
        bias = plan.biases[j].view(half, 2, nf)
        if cases_inner:
            dst = counts[start:stop].view(half, 2, nf, B)  # [k, p, f, b]
        else:
            dst = counts[:, start:stop].view(B, half, 2, nf).permute(1, 2, 3, 0)  # [k, p, f, b]
        for p in (0, 1):
            lo, hi = (4 * d, L - 4 * d) if (j + p) % 2 else (0, L)
            n = hi - lo
            chunk = max(1, min(nf, HIT_ELEMENTS // max(1, half * B * n)))
            for f0 in range(0, nf, chunk):
                c = min(chunk, nf - f0)
                b = bias[:, p, f0 : f0 + c]
                h = hits[: half * B * c * n]
                if cases_inner:  # (42, c, n, B), sum over n
                    torch.gt(conv[:, p, lo:hi].unsqueeze(1), b[:, :, None, None], out=h.view(half, c, n, B))
                    torch.sum(h.view(half, c, n, B), dim=2, out=dst[:, p, f0 : f0 + c])
                else:  # (42, B, c, n), sum over n
                    torch.gt(conv[:, p, :, lo:hi].unsqueeze(2), b[:, None, :, None], out=h.view(half, B, c, n))
                    torch.sum(h.view(half, B, c, n), dim=-1, out=dst[:, p, f0 : f0 + c].transpose(1, 2))
    nv = n_valid(plan, L, x.device)
    # in place (no fresh multi-MB tensor to page-fault in); cases_inner returns a
    # transposed view, copied once by the caller into its output array
    return counts.div_(nv[:, None]).t()[:n_cases] if cases_inner else counts.div_(nv)


def pad_cases(x: torch.Tensor, multiple: int = CASE_MULTIPLE) -> torch.Tensor:
    """Append zero cases up to a multiple of ``multiple`` (callers drop their features).

    Shape:
        x: ``(B, C, L)``; returns ``(ceil(B / multiple) * multiple, C, L)``.
    """
    extra = -x.shape[0] % multiple
    return F.pad(x, (0, 0, 0, 0, 0, extra)) if extra else x


def iter_parity_groups(x: torch.Tensor, plan: MiniRocketPlan):
    """Yield ``(j, p, C, biases, t0)``: the two kernel groups of each dilation.

    Group ``p`` holds kernels ``k = p, p + 2, ...`` (42 of them). ``C`` is their
    output restricted to the positions the reference pools over (all ``L``, or
    the unpadded centre ``[4d, L - 4d)`` starting at ``t0``); used by pooling
    operators that need positions (MultiRocket, HDC-MiniRocket).

    Shape:
        x: ``(B, C, L)``; yields C ``(B, 42, n)`` (a view) and biases ``(42, nf)``.
    """
    B, _, L = x.shape
    for j, d in enumerate(plan.dilations):
        full = convolve_dilation(x, plan, j).view(B, N_KERNELS // 2, 2, L)
        b = plan.biases[j].view(N_KERNELS // 2, 2, -1)
        pad = 4 * d
        for p in (0, 1):
            if (j + p) % 2 == 1:  # unpadded centre
                yield j, p, full[:, :, p, pad : L - pad], b[:, p], pad
            else:
                yield j, p, full[:, :, p], b[:, p], 0
