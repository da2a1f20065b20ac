"""Torch engines of the MiniRocket family's other pooling: MultiRocket's four
operators (PPV, LSPV, MPV, MIPV) and HDC-MiniRocket's time-coded PPV (:func:`hdc_transform`).

Reproduces the reference code (ChangWeiTan/MultiRocket ``multirocket.py``,
identical in aeon), quirks included — see
:func:`anyconv.timeseries.minirocket.reference.reference_pooling`:

* PPV  = mean(C > b)
* LSPV = largest gap between consecutive positions with ``C < b``, where
  position 0 and ``n - 1`` always count as such positions;
* MPV  = mean of ``C + b`` over positions with ``C > b`` (0 if none);
* MIPV = mean index (within the pooled region) of those positions (-1 if none).

LSPV without a loop: with ``M(t) = cummax(where(C < b, t, 0))`` (latest
marker at or before t), the gaps are ``t - M(t - 1)``; the largest one is
reached at a marker and ``n - 1`` is a marker, so ``LSPV = max_t>=1 (t - M(t-1))``.
"""

from __future__ import annotations

import torch

from anyconv.timeseries.minirocket.engine import N_KERNELS, MiniRocketPlan, iter_parity_groups

__all__ = ["pool4", "multirocket_transform", "hdc_transform"]

#: Elements per temporary (B, K, nf_chunk, n) tensor (1 MB float32: cache-resident).
_CHUNK_ELEMENTS = 1 << 18


def running_max(a: torch.Tensor, tmp: torch.Tensor) -> torch.Tensor:
    """Inclusive running maximum along the last dim (like ``cummax(..).values``).

    Hillis-Steele doubling: ``ceil(log2 n)`` vectorised ``maximum`` passes,
    ~3x faster than ``torch.cummax`` (sequential, also tracks indices). Exact.
    ``a`` and ``tmp`` (same shape) are overwritten; returns the one holding the result.
    """
    n, s = a.shape[-1], 1
    while s < n:
        tmp[..., :s] = a[..., :s]
        torch.maximum(a[..., s:], a[..., :-s], out=tmp[..., s:])
        a, tmp, s = tmp, a, 2 * s
    return a


def pool4(C: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The four pooled features of every (case, kernel, bias).

    Counts and index sums are float32 sums of small integers (exact below
    ``2**24``, checked); only the MPV value sum accumulates in float64.

    Shape:
        C: ``(B, K, n)``; b: ``(K, nf)``; returns ``(4, B, K, nf)`` float64 in the
        order PPV, LSPV, MPV, MIPV.
    """
    B, K, n = C.shape
    nf = b.shape[1]
    out = torch.empty((4, B, K, nf), dtype=torch.float64, device=C.device)
    idx = torch.arange(n, device=C.device, dtype=C.dtype)
    chunk = max(1, min(nf, _CHUNK_ELEMENTS // max(1, B * K * n)))
    Cu = C.unsqueeze(2)  # (B, K, 1, n)
    for f0 in range(0, nf, chunk):
        bb = b[:, f0 : f0 + chunk].reshape(1, K, -1, 1)  # (1, K, c, 1)
        shape = (B, K, bb.shape[2], n)
        pos = torch.gt(Cu, bb, out=C.new_empty(shape))  # float 0/1: fast same-dtype path
        count = pos.sum(-1).double()  # exact: integers < 2**24
        safe = count.clamp_min(1)
        mpv_sum = (pos * Cu).sum(-1, dtype=torch.float64) + count * bb[..., 0].double()
        if n * n < 2**24:  # float32 sums of indices stay exact
            mipv_sum = (pos @ idx).double()
        else:
            mipv_sum = pos.double() @ idx.double()
        if n > 1:
            marks = torch.lt(Cu, bb, out=C.new_empty(shape)).mul_(idx)  # t at markers, else 0
            latest = running_max(marks, torch.empty_like(marks))  # (B, K, c, n)
            lspv = (idx[1:] - latest[..., :-1]).amax(-1).double()
        else:
            lspv = torch.zeros_like(count)
        sl = slice(f0, f0 + chunk)
        out[0, :, :, sl] = count / n
        out[1, :, :, sl] = lspv
        out[2, :, :, sl] = torch.where(count > 0, mpv_sum / safe, torch.zeros_like(count))
        out[3, :, :, sl] = torch.where(count > 0, mipv_sum / safe, torch.full_like(count, -1.0))
    return out


def multirocket_transform(x: torch.Tensor, plan: MiniRocketPlan) -> torch.Tensor:
    """Pooled features of one representation: blocks ``[PPV | LSPV | MPV | MIPV]``.

    Shape:
        x: ``(B, C, L)``; returns ``(B, 4 * plan.n_features)`` float32.
    """
    B = x.shape[0]
    F = plan.n_features
    out = torch.empty((4, B, F), dtype=torch.float32, device=x.device)
    for j, p, C, b, _ in iter_parity_groups(x, plan):
        start, stop, nf = plan.slices[j]
        pooled = pool4(C, b)  # (4, B, 42, nf)
        block = out[:, :, start:stop].view(4, B, N_KERNELS // 2, 2, nf)
        block[:, :, :, p] = pooled.to(torch.float32)
    return out.permute(1, 0, 2).reshape(B, 4 * F)
def hdc_transform(x: torch.Tensor, plan: MiniRocketPlan, phases: torch.Tensor, scale: float) -> torch.Tensor:
    """HDC-MiniRocket features of one batch.

    Shape:
        x: ``(B, C, L)``; phases: ``(plan.n_features,)``; returns ``(B, n_features)`` float32.
    """
    B, _, L = x.shape
    tau = torch.arange(L, dtype=torch.float64, device=x.device) / max(L - 1, 1)
    out = torch.empty((B, plan.n_features), dtype=torch.float32, device=x.device)
    for j, p, C, b, t0 in iter_parity_groups(x, plan):
        start, stop, nf = plan.slices[j]
        n = C.shape[-1]
        phi = phases[start:stop].view(N_KERNELS // 2, 2, nf)[:, p]  # (42, nf)
        angle = phi.unsqueeze(-1) * (scale * tau[t0 : t0 + n])  # (42, nf, n) float64
        code = (torch.cos(angle) + torch.sin(angle)).to(x.dtype)
        pos = (C.unsqueeze(2) > b.unsqueeze(0).unsqueeze(-1)).to(x.dtype)  # (B, 42, nf, n)
        total = (pos * code).sum(-1, dtype=torch.float64) / n  # (B, 42, nf)
        block = out[:, start:stop].view(B, N_KERNELS // 2, 2, nf)
        block[:, :, p] = total.to(torch.float32)
    return out


