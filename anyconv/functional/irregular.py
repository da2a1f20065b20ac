"""The irregular engine: a kernel *function* of relative time applied at the actual sample times.

``y[b, o, i] = Σ_j Σ_c K_{o,c}(t_i − t_j) · x[b, c, j]`` over the valid samples ``j`` (``mask``)
whose lag ``t_i − t_j`` lies in ``window`` (and is ``>= 0`` when ``causal``), plus ``bias``.
Times are in units of the regular grid step: a regular input of length ``L`` has times
``0 … L − 1``, where this engine equals a regular cross-correlation with the kernel sampled at
integer lags. Outputs at padding positions (``mask`` False) are zero (no bias).

Two exact paths (``method``):

* ``"pairwise"`` evaluates the kernel at every pairwise lag inside the window (and ``>= 0`` when
  causal), ``chunk`` output rows at a time, so memory stays ``O(C_out · C_in/g · B · chunk · N)``;
  under autograd each chunk is checkpointed (recomputed in backward), so training memory stays
  bounded too. The kernel function must then be deterministic (no dropout).
* ``"grid"`` — when every valid time is a multiple of ``1/q`` for ``q`` in 1, 2, 4, 8 (samples
  of a regular grid, or of one ``q`` times finer, with some steps dropped: the usual "irregular"
  benchmark): scatter the samples onto that grid (zeros where dropped), evaluate the kernel once
  at the grid's lags, convolve with :func:`conv1d` (direct or FFT by the measured crossover) and
  read the outputs back at the sample times.
* ``"auto"`` takes ``"grid"`` when the times lie on such a grid at most 16× longer than ``N``,
  else ``"pairwise"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.utils.checkpoint import checkpoint

from anyconv.functional.conv import conv1d

KernelFn = Callable[[Tensor], Tensor]  # lags (M,) → kernel values (C_out, C_in/groups, M)
IRREGULAR_METHODS: tuple[str, ...] = ("auto", "grid", "pairwise")
_CHUNK_ELEMENTS = 1 << 23  # kernel values per pairwise chunk (32 MiB in float32)
_GRID_FACTOR = 16


def check_times(x: Tensor, times: Tensor, mask: Tensor | None) -> Tensor:
    """Validate ``times`` and ``mask`` against ``x`` (B, C, N); return the mask (all True if None).

    Errors: wrong shape or dtype, non-finite or not strictly increasing valid times.
    """
    if x.ndim != 3:
        raise ValueError(f"x must have shape (B, C_in, N), got {tuple(x.shape)}")
    batch, _, n = x.shape
    if not isinstance(times, Tensor) or times.shape != (batch, n):
        shape = tuple(times.shape) if isinstance(times, Tensor) else type(times).__name__
        raise ValueError(f"times must be a tensor of shape (B, N) = {(batch, n)}, got {shape}")
    if not times.is_floating_point():
        raise ValueError(f"times must be a floating-point tensor, got dtype {times.dtype}")
    if mask is None:
        mask = torch.ones(batch, n, dtype=torch.bool, device=times.device)
    elif not isinstance(mask, Tensor) or mask.shape != (batch, n) or mask.dtype != torch.bool:
        got = f"{tuple(mask.shape)} {mask.dtype}" if isinstance(mask, Tensor) else type(mask).__name__
        raise ValueError(f"mask must be a bool tensor of shape (B, N) = {(batch, n)} (True = a real sample), got {got}")
    if batch == 0 or n == 0:
        return mask
    bad = mask & ~torch.isfinite(times)
    if bool(bad.any()):
        b, i = (int(v) for v in bad.nonzero()[0])
        raise ValueError(f"times must be finite, got {float(times[b, i])} at batch {b}, index {i}")
    masked = torch.where(mask, times, torch.full_like(times, -math.inf))  # (B, N)
    previous = torch.cat([masked.new_full((batch, 1), -math.inf), masked.cummax(dim=-1).values[:, :-1]], dim=-1)
    bad = mask & (times <= previous)
    if bool(bad.any()):
        b, i = (int(v) for v in bad.nonzero()[0])
        kind = "duplicate" if float(times[b, i]) == float(previous[b, i]) else "unsorted"
        raise ValueError(
            f"times must be strictly increasing over the valid samples; {kind} time {float(times[b, i])} "
            f"at batch {b}, index {i} after {float(previous[b, i])}"
        )
    return mask


def _check_window(window: tuple[float, float] | None, causal: bool) -> tuple[float, float]:
    lo, hi = (-math.inf, math.inf) if window is None else window
    if not (isinstance(lo, (int, float)) and isinstance(hi, (int, float))) or lo > hi:
        raise ValueError(f"window must be (lowest lag, highest lag) with lowest <= highest, got {window!r}")
    return (max(float(lo), 0.0) if causal else float(lo)), float(hi)


def _kernel_values(kernel_fn: KernelFn, lags: Tensor, c_out: int, c_in_g: int) -> Tensor:
    values = kernel_fn(lags)
    if values.shape != (c_out, c_in_g, lags.shape[0]):
        raise ValueError(
            f"kernel_fn must return (C_out, C_in/groups, M) = {(c_out, c_in_g, lags.shape[0])} for M lags, "
            f"got {tuple(values.shape)}"
        )
    return values


def _grid_factor(times: Tensor, mask: Tensor) -> int | None:
    """The smallest ``q`` in 1, 2, 4, 8 with every valid ``q · t`` an integer (exact in floating point), else None."""
    for q in (1, 2, 4, 8):
        scaled = times * q
        if bool(((scaled == scaled.round()) | ~mask).all()):
            return q
    return None


def _grid_path(
    x: Tensor, times: Tensor, mask: Tensor, kernel_fn: KernelFn, c_out: int, groups: int,
    lo: float, hi: float, conv_method: str,
) -> Tensor:
    batch, c_in, n = x.shape
    big = torch.finfo(times.dtype).max
    start = torch.where(mask, times, torch.full_like(times, big)).amin(dim=-1, keepdim=True)  # (B, 1)
    index = torch.where(mask, times - start, torch.zeros_like(times)).round().long()  # (B, N)
    length = int(index.amax()) + 1
    grid = x.new_zeros(batch, c_in, length + 1)  # last slot collects the padding samples
    slot = torch.where(mask, index, torch.full_like(index, length))  # (B, N)
    grid.scatter_(2, slot.unsqueeze(1).expand(batch, c_in, n), x)  # (B, C_in, length + 1)
    grid = grid[..., :length]  # (B, C_in, length)
    past = length - 1 if hi == math.inf else min(math.floor(hi), length - 1)  # oldest lag that can meet a sample
    newest = -(length - 1) if lo == -math.inf else max(math.ceil(lo), -(length - 1))  # newest lag (< 0: the future)
    if past < newest:  # no integer lag inside the window
        return x.new_zeros(batch, c_out, n)
    lags = torch.arange(past, newest - 1, -1, device=x.device, dtype=times.dtype)  # (K,) tap order: oldest first
    weight = _kernel_values(kernel_fn, lags, c_out, c_in // groups).to(x.dtype)  # (C_out, C_in/g, K)
    if newest == 0:  # exactly the causal layout
        y = conv1d(grid, weight, mode="causal", groups=groups, method=conv_method)
    else:  # tap k reads grid[u + k - past]; a negative right pad (newest > 0) crops samples never read
        y = conv1d(F.pad(grid, (past, -newest)), weight, mode="valid", groups=groups, method=conv_method)
    return y.gather(2, index.unsqueeze(1).expand(batch, c_out, n))  # (B, C_out, N)


def _pairwise_chunk(x: Tensor, t_rows: Tensor, times: Tensor, valid: Tensor, kernel_fn: KernelFn,
                    c_out: int, groups: int, lo: float, hi: float) -> Tensor:
    batch, c_in, _ = x.shape
    rows = t_rows.shape[1]
    c_in_g, c_out_g = c_in // groups, c_out // groups
    lags = t_rows.unsqueeze(-1) - times.unsqueeze(1)  # (B, rows, N)
    keep = valid.unsqueeze(1) & (lags >= lo) & (lags <= hi)  # (B, rows, N)
    b_idx, i_idx, j_idx = keep.nonzero(as_tuple=True)  # (M,) each: only the pairs that contribute
    values = _kernel_values(kernel_fn, lags[b_idx, i_idx, j_idx], c_out, c_in_g)  # (C_out, C_in/g, M)
    m = values.shape[-1]
    xs = x[b_idx, :, j_idx].to(values.dtype).reshape(m, groups, c_in_g)  # (M, G, C_in/g)
    terms = torch.einsum("gocm,mgc->mgo", values.reshape(groups, c_out_g, c_in_g, m), xs)  # (M, G, C_out/g)
    y = terms.new_zeros(batch * rows, c_out).index_add(0, b_idx * rows + i_idx, terms.reshape(m, c_out))  # (B·rows, C_out)
    return y.reshape(batch, rows, c_out).transpose(1, 2)  # (B, C_out, rows)


def irregular_conv(
    x: Tensor, times: Tensor, kernel_fn: KernelFn, bias: Tensor | None = None, *, out_channels: int,
    mask: Tensor | None = None, causal: bool = True, window: tuple[float, float] | None = None, groups: int = 1,
    method: str = "auto", chunk_size: int | None = None, conv_method: str = "auto",
) -> Tensor:
    """Continuous-kernel convolution at irregular sample times (see the module docstring).

    Args:
        x: samples; values at padding positions are ignored.
        times: sample times in grid steps, strictly increasing and finite over the valid samples.
        kernel_fn: ``lags (M,) → (C_out, C_in/groups, M)``; lag ``t_i − t_j`` (> 0: the past).
        bias: ``(C_out,)`` added at valid outputs.
        out_channels: ``C_out`` (what ``kernel_fn`` returns).
        mask: ``(B, N)`` bool, True for real samples (None: all real).
        causal: only lags ``>= 0`` (samples at or before ``t_i``) contribute.
        window: ``(lowest, highest)`` lag with a nonzero kernel (None: unbounded).
        groups: as in ``torch.nn.functional.conv1d``.
        method: ``"auto"``, ``"grid"`` (integer times only) or ``"pairwise"``.
        chunk_size: output rows per pairwise chunk (default: about 2^23 kernel values per chunk).
        conv_method: engine of the ``"grid"`` path's convolution (``"auto"``, ``"direct"``, ``"fft"``).

    Shape:
        x: ``(B, C_in, N)``, times and mask: ``(B, N)`` → ``(B, C_out, N)``
    """
    mask = check_times(x, times, mask)
    if method not in IRREGULAR_METHODS:
        raise ValueError(f"method must be one of {IRREGULAR_METHODS}, got {method!r}")
    batch, c_in, n = x.shape
    if groups < 1 or c_in % groups or out_channels % groups:
        raise ValueError(f"groups={groups} must divide C_in={c_in} and out_channels={out_channels}")
    lo, hi = _check_window(window, causal)
    if batch == 0 or n == 0 or c_in == 0:
        y = x.new_zeros(batch, out_channels, n)
    else:
        q = _grid_factor(times, mask) if method != "pairwise" else None
        if method == "grid" and q is None:
            raise ValueError("method='grid' needs integer times (or multiples of 1/2, 1/4, 1/8); use 'pairwise'")
        use_grid = q is not None
        if q is not None and method == "auto":
            first = torch.where(mask, times, torch.full_like(times, math.inf)).amin(dim=-1)  # (B,)
            last = torch.where(mask, times, torch.full_like(times, -math.inf)).amax(dim=-1)  # (B,)
            span = float(torch.where(mask.any(dim=-1), last - first, torch.zeros_like(last)).amax())
            use_grid = span * q + 1 <= _GRID_FACTOR * n
        x = torch.where(mask.unsqueeze(1), x, x.new_zeros(()))  # (B, C_in, N): padding never meets a kernel
        if use_grid and q is not None:
            fine_fn = kernel_fn if q == 1 else (lambda lags: kernel_fn(lags / q))  # grid lags → time lags
            y = _grid_path(x, times * q, mask, fine_fn, out_channels, groups, lo * q, hi * q, conv_method)
        else:
            per_row = max(1, out_channels * (c_in // groups) * batch * n)
            rows = chunk_size if chunk_size is not None else max(1, _CHUNK_ELEMENTS // per_row)
            if isinstance(rows, bool) or not isinstance(rows, int) or rows < 1:
                raise ValueError(f"chunk_size must be None or an int >= 1, got {chunk_size!r}")
            parts = []
            for start in range(0, n, rows):
                t_rows = times[:, start : start + rows]  # (B, rows)
                args = (x, t_rows, times, mask, kernel_fn, out_channels, groups, lo, hi)
                if torch.is_grad_enabled() and n > rows:
                    parts.append(checkpoint(_pairwise_chunk, *args, use_reentrant=False))
                else:
                    parts.append(_pairwise_chunk(*args))
            y = torch.cat(parts, dim=-1)  # (B, C_out, N)
    if bias is not None:
        y = y + bias.reshape(1, -1, 1).to(y.dtype)
    return torch.where(mask.unsqueeze(1), y, y.new_zeros(()))
