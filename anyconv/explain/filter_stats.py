"""Filter statistics in the manner of *CNN Filter DB* (Gavrikov & Keuper, CVPR 2022).

For a set of ``n`` filters of ``k`` taps each (k×k 2-D filters flattened, one per output/input
channel pair of a convolution):

- **sparsity**: share of *taps* whose magnitude is below ``rel_tol`` × the set's largest tap;
- **degenerate share**: share of *filters* all of whose taps are below that threshold (an
  all-zero filter is degenerate) — the paper's "sparse filters";
- **variance entropy**: entropy of the singular-value spectrum of the ``(n, k)`` filter matrix,
  ``H = −Σ λ_i log λ_i / log k`` with ``λ_i = σ_i² / Σ σ_j²`` — 0 when every filter is a multiple
  of one pattern (no diversity), 1 when variance is spread evenly over all ``k`` directions;
- **orthogonality**: ``1 − mean_{i<j} |cos(f_i, f_j)|`` over non-degenerate filters — 1 for a
  mutually orthogonal set, 0 for identical (or opposite) filters;
- **distribution shift** between two models' filter sets: the paper compares the distributions of
  the coefficients in a shared principal basis; here the 1-D Wasserstein distance per principal
  axis of the union, weighted by that axis' share of variance (0 for identical sets).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import torch
from torch import Tensor, nn

__all__ = ["FilterStats", "as_filter_matrix", "collect_filters", "distribution_shift", "filter_stats"]


def as_filter_matrix(weight: Tensor | np.ndarray) -> np.ndarray:
    """Flatten a conv weight into one row per filter (float64).

    Shape:
        weight: ``(C_out, C_in/g, *K)`` (or ``(n, k)`` already) → ``(C_out · C_in/g, prod(K))``
    """
    w = weight.detach().cpu().double().numpy() if isinstance(weight, Tensor) else np.asarray(weight, dtype=np.float64)
    if w.ndim < 2:
        raise ValueError(f"expected a conv weight (C_out, C_in/g, *K) or a filter matrix (n, k), got shape {w.shape}")
    if w.ndim == 2:
        return w
    return w.reshape(-1, int(np.prod(w.shape[2:])))  # (C_out*C_in/g, prod(K))


@dataclass(frozen=True)
class FilterStats:
    """Statistics of one filter set (see the module docstring)."""

    n_filters: int
    taps: int
    sparsity: float
    degenerate_share: float
    variance_entropy: float
    orthogonality: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def filter_stats(weight: Tensor | np.ndarray, *, rel_tol: float = 0.01) -> FilterStats:
    """:class:`FilterStats` of a conv weight or filter matrix.

    Shape:
        weight: ``(C_out, C_in/g, *K)`` or ``(n, k)``
    """
    if not 0 <= rel_tol < 1:
        raise ValueError(f"rel_tol must be in [0, 1), got {rel_tol}")
    f = as_filter_matrix(weight)  # (n, k)
    n, k = f.shape
    if n == 0 or k == 0:
        raise ValueError(f"need at least one filter with at least one tap, got a ({n}, {k}) filter matrix")
    if not np.isfinite(f).all():
        raise ValueError("filters contain NaN or inf")
    scale = float(np.abs(f).max())
    small = np.abs(f) <= rel_tol * scale  # (n, k); all True when every filter is zero
    degenerate = small.all(axis=1)  # (n,)
    return FilterStats(
        n_filters=n, taps=k, sparsity=float(small.mean()), degenerate_share=float(degenerate.mean()),
        variance_entropy=_variance_entropy(f), orthogonality=_orthogonality(f[~degenerate]),
    )


def _variance_entropy(f: np.ndarray) -> float:
    k = f.shape[1]
    s2 = np.linalg.svd(f, compute_uv=False) ** 2
    total = s2.sum()
    if total == 0 or k == 1:
        return 0.0
    p = s2[s2 > 0] / total
    return float(-(p * np.log(p)).sum() / math.log(k))


def _orthogonality(f: np.ndarray) -> float:
    if len(f) < 2:
        return float("nan")  # no pair to compare
    unit = f / np.linalg.norm(f, axis=1, keepdims=True)  # (n, k)
    cos = np.abs(unit @ unit.T)  # (n, n)
    i, j = np.triu_indices(len(f), k=1)
    return float(1.0 - cos[i, j].mean())


def distribution_shift(a: Tensor | np.ndarray, b: Tensor | np.ndarray) -> float:
    """Variance-weighted mean over the union's principal axes of the 1-D Wasserstein distance
    between the two sets' coefficients (same taps needed; filters are not normalised).

    Shape:
        a: ``(n_a, k)`` or a conv weight; b: ``(n_b, k)`` or a conv weight with the same ``k``
    """
    from scipy.stats import wasserstein_distance

    fa, fb = as_filter_matrix(a), as_filter_matrix(b)
    if fa.shape[1] != fb.shape[1]:
        raise ValueError(f"filter sets must have the same number of taps, got {fa.shape[1]} and {fb.shape[1]}")
    union = np.concatenate([fa, fb])  # (n_a + n_b, k)
    _, s, vt = np.linalg.svd(union - union.mean(0), full_matrices=False)
    if s.sum() == 0:
        return 0.0
    share = s**2 / (s**2).sum()
    pa, pb = fa @ vt.T, fb @ vt.T  # coefficients in the shared basis
    return float(sum(w * wasserstein_distance(pa[:, i], pb[:, i]) for i, w in enumerate(share) if w > 0))


def collect_filters(model: nn.Module, *, kernel_size: tuple[int, ...] = (3, 3)) -> np.ndarray:
    """Every filter of ``kernel_size`` taps in ``model``: ``nn.Conv*d`` weights and the weights the
    kernel modules of anyconv layers return (evaluated without input; data-dependent kernels skipped).

    Shape:
        → ``(n, prod(kernel_size))``
    """
    from anyconv.kernels.base import Kernel

    rows = []
    for module in model.modules():
        weight: Tensor | None = None
        if isinstance(module, nn.modules.conv._ConvNd):
            weight = module.weight
        elif isinstance(module, Kernel):
            try:
                with torch.no_grad():
                    weight = module()
            except TypeError:  # needs arguments (a length or the input): not a fixed filter set
                weight = None
        if weight is not None and weight.ndim == 2 + len(kernel_size) and tuple(weight.shape[2:]) == tuple(kernel_size):
            rows.append(as_filter_matrix(weight))
    k = int(np.prod(kernel_size))
    return np.concatenate(rows) if rows else np.zeros((0, k))
