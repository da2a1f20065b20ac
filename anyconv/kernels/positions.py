"""Relative positions in ``[-1, 1]^d`` at which continuous kernels are sampled.

Two descriptions of the same thing:

* :func:`lag_positions` maps *lags* (``t_i − t_j`` in grid steps: how far in the past a sample is,
  negative for the future) to kernel positions, ``p = center − lag · step``. The 1-D regular
  path and the irregular path both go through it, so a regular grid gives bit-identical
  positions either way.
* :func:`linspace_grid` is the N-D tensor-product grid ``linspace(-1, 1, K)`` per axis (cached
  per size, device and dtype), used by the 2-D layers.

For a kernel of ``K`` taps laid out as the engines' cross-correlation (tap ``i`` reads
``x[t + i − left]``, see :mod:`anyconv.functional.padding`), tap ``i`` has lag ``left − i`` and
position ``−1 + 2i / (K − 1)``: the taps span ``[-1, 1]`` exactly. With ``mode="causal"``
(``left = K − 1``) "now" is at ``+1`` and the oldest tap at ``−1`` (the CKConv reference's
``linspace(-1, 1, L)`` with its causal correlation); with ``mode="same"`` an odd kernel has lag 0
at position 0.
"""

from __future__ import annotations

import torch
from torch import Tensor

_CACHE: dict[tuple[object, ...], Tensor] = {}
_CACHE_LIMIT = 64


def _cached(key: tuple[object, ...], build: object) -> Tensor:
    found = _CACHE.get(key)
    if found is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.pop(next(iter(_CACHE)))
        found = build()  # type: ignore[operator]
        _CACHE[key] = found
    return found


def layout(kernel_size: int, mode: str) -> tuple[int, float, float]:
    """``(left, center, step)`` of a ``kernel_size``-tap 1-D kernel in ``mode`` ("causal"/"same").

    ``left`` is the largest lag (``K − 1`` causal, ``(K − 1) // 2`` same); a lag ``s`` sits at
    position ``center − s · step`` with ``step = 2 / (K − 1)`` (``K = 1``: one tap at ``center``).
    """
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) or kernel_size < 1:
        raise ValueError(f"kernel_size must be an int >= 1, got {kernel_size!r}")
    if mode not in ("causal", "same"):
        raise ValueError(f"mode must be 'causal' or 'same', got {mode!r}")
    left = kernel_size - 1 if mode == "causal" else (kernel_size - 1) // 2
    if kernel_size == 1:
        return left, (1.0 if mode == "causal" else 0.0), 0.0
    step = 2.0 / (kernel_size - 1)
    center = (2 * left - kernel_size + 1) / (kernel_size - 1)  # 1 causal; 0 same (odd K)
    return left, center, step


def lag_positions(lags: Tensor, *, center: float, step: float) -> Tensor:
    """Kernel positions of ``lags`` (grid steps, past > 0): ``center − lags · step``.

    Shape:
        lags: ``(*)`` → ``(*, 1)``
    """
    return (center - lags * step).unsqueeze(-1)  # (*, 1)


def tap_lags(lag_hi: int, lag_lo: int, *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Tensor:
    """The lags of consecutive taps, from ``lag_hi`` (tap 0, oldest) down to ``lag_lo`` (last tap).

    Shape:
        ``(lag_hi − lag_lo + 1,)``
    """
    dtype = dtype or torch.get_default_dtype()
    key = ("lags", lag_hi, lag_lo, str(device), dtype)
    return _cached(key, lambda: torch.arange(lag_hi, lag_lo - 1, -1, device=device, dtype=dtype))


def linspace_grid(sizes: tuple[int, ...], *, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> Tensor:
    """Tensor-product grid of ``linspace(-1, 1, K)`` per axis (``K = 1``: the single point 0).

    Rows are in C order (the last axis varies fastest), matching ``weight.view(*, *sizes)``.

    Shape:
        ``(prod(sizes), len(sizes))``
    """
    if not sizes or any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in sizes):
        raise ValueError(f"sizes must be a non-empty tuple of ints >= 1, got {sizes!r}")
    dtype = dtype or torch.get_default_dtype()

    def build() -> Tensor:
        axes = [torch.linspace(-1.0, 1.0, k, device=device, dtype=dtype) if k > 1 else torch.zeros(1, device=device, dtype=dtype) for k in sizes]
        mesh = torch.meshgrid(*axes, indexing="ij")  # d tensors of shape sizes
        return torch.stack([m.reshape(-1) for m in mesh], dim=-1)  # (prod(sizes), d)

    return _cached(("grid", tuple(sizes), str(device), dtype), build)
