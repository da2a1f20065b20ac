"""LightWaveS feature selection: ANOVA pre-selection, top-k merging and mRMR.

As in the LightWaveS code (``anova_feature_selection``, ``mrmr_feature_selection``):

* ANOVA: drop zero-variance features, round to 7 decimals, F statistic
  (``sklearn.feature_selection.f_classif``), NaN/inf scores become 0; keep the top k.
* mRMR: greedy; the first pick has the largest F score; then each step picks the
  largest ``F / mean |Pearson correlation| with the features already picked``.

:func:`select_features` runs the whole selection on a (scaled, sampled) training set;
the channels can be split over workers (``distributed.py``) with the same result.
Every score is computed column by column, so scoring channel blocks separately
(workers, batches) and merging gives the same result as scoring all at once. Ties are
broken by the smaller global feature id (the reference leaves them to ``argsort``).
"""

from __future__ import annotations

import warnings
from typing import Protocol

import numpy as np
import torch
from sklearn.feature_selection import f_classif

from anyconv.timeseries.lightwaves.engine import lightwaves_channel_features
from anyconv.timeseries.lightwaves.kernels import N_CANDIDATES, N_DILATIONS, N_FEATURES_PER_KERNEL

__all__ = ["anova_scores", "merge_top_k", "mrmr_select", "select_features"]

_PER_CHANNEL = N_CANDIDATES * N_DILATIONS * N_FEATURES_PER_KERNEL  # 4032 features per channel


def anova_scores(F: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ANOVA F score of each feature column; ``-inf`` for zero-variance columns.

    Shape:
        F ``(n_cases, n_features)``, y ``(n_cases,)`` -> ``(n_features,)`` float64.
    """
    F = np.asarray(F, dtype=np.float64)
    scores = np.full(F.shape[1], -np.inf)
    keep = F.var(axis=0) > 0
    if keep.any():
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)  # "Features ... are constant"
            f = f_classif(np.round(F[:, keep], 7), y)[0]
        scores[keep] = np.nan_to_num(f, nan=0.0, posinf=0.0, neginf=0.0)
    return scores


def merge_top_k(
    ids: np.ndarray, scores: np.ndarray, k: int, columns: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Keep the ``k`` best-scoring features (ties: smaller id first), sorted by id.

    Zero-variance features (score ``-inf``) are never kept.

    Shape:
        ids, scores ``(m,)``; columns ``(n_cases, m)`` or None ->
        ``(k',)``, ``(k',)``, ``(n_cases, k')`` with ``k' <= k``.
    """
    ok = np.isfinite(scores)
    ids, scores = ids[ok], scores[ok]
    columns = None if columns is None else columns[:, ok]
    best = np.lexsort((ids, -scores))[:k]  # primary: score desc, then id asc
    best = best[np.argsort(ids[best], kind="stable")]
    return ids[best], scores[best], None if columns is None else columns[:, best]


def _abs_corr(Z: np.ndarray, j: int) -> np.ndarray:
    """|Pearson correlation| of every standardised column of ``Z`` with column ``j``."""
    return np.abs(Z.T @ Z[:, j]) / Z.shape[0]


def mrmr_select(F: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Minimum-redundancy maximum-relevance selection of ``k`` columns.

    Parameters
    ----------
    F : np.ndarray
        Candidate features.
    y : np.ndarray
        Class labels.
    k : int
        Number of columns to select (fewer if fewer have non-zero variance).

    Returns
    -------
    np.ndarray
        Sorted column indices into ``F``.

    Shape:
        F ``(n_cases, m)``, y ``(n_cases,)`` -> ``(min(k, m_nonconstant),)``.
    """
    F = np.asarray(F, dtype=np.float64)
    var_ok = np.flatnonzero(F.var(axis=0) > 0)
    if var_ok.size == 0:
        return np.zeros(0, dtype=np.int64)
    Fv = F[:, var_ok]
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)
        scores = np.nan_to_num(f_classif(Fv, y)[0], nan=0.0, posinf=0.0, neginf=0.0)
    Z = (Fv - Fv.mean(axis=0)) / Fv.std(axis=0)  # standardised: corr = Z.T Z / n
    n_sel = min(k, var_ok.size)
    selected = np.zeros(var_ok.size, dtype=bool)
    pick = int(np.argmax(scores))
    selected[pick] = True
    corr_sum = _abs_corr(Z, pick)
    with np.errstate(divide="ignore", invalid="ignore"):
        for i in range(1, n_sel):
            adj = scores / (corr_sum / i)
            adj = np.where(selected | np.isnan(adj), -np.inf, adj)
            pick = int(np.argmax(adj))
            selected[pick] = True
            corr_sum += _abs_corr(Z, pick)
    return var_ok[selected]


class _Comm(Protocol):
    rank: int
    world: int

    def all_gather(self, obj: object) -> list: ...


class _Local:
    rank, world = 0, 1

    def all_gather(self, obj: object) -> list:
        return [obj]


def _worker_candidates(
    X: np.ndarray, y: np.ndarray, channels: np.ndarray, n_candidates: int, batch_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best ``n_candidates`` (ids, ANOVA scores, columns) among the given channels' features.

    Shape:
        X ``(n_cases, n_channels, L)`` -> ids ``(k,)``, scores ``(k,)``, columns ``(n_cases, k)``.
    """
    ids = np.zeros(0, dtype=np.int64)
    scores = np.zeros(0)
    cols = np.zeros((X.shape[0], 0), dtype=np.float32)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    with torch.inference_mode():
        for c in channels:
            block = np.concatenate(
                [
                    lightwaves_channel_features(Xt[b0 : b0 + batch_size, int(c)]).numpy()
                    for b0 in range(0, X.shape[0], batch_size)
                ]
            )  # (n_cases, 4032)
            new_ids = int(c) * _PER_CHANNEL + np.arange(_PER_CHANNEL)
            ids, scores, cols = merge_top_k(
                np.concatenate([ids, new_ids]),
                np.concatenate([scores, anova_scores(block, y)]),
                n_candidates,
                np.concatenate([cols, block], axis=1),
            )
    return ids, scores, cols


def _select(
    comm: _Comm, X: np.ndarray, y: np.ndarray, n_features: int, n_candidates: int, batch_size: int
) -> np.ndarray | None:
    channels = np.array_split(np.arange(X.shape[1]), comm.world)[comm.rank]
    mine = _worker_candidates(X, y, channels, n_candidates, batch_size)
    parts = comm.all_gather(mine)
    if comm.rank != 0:
        return None
    ids, scores, cols = (np.concatenate([p[i] for p in parts], axis=-1) for i in range(3))
    ids, _, cols = merge_top_k(ids, scores, n_candidates, cols)
    return ids[mrmr_select(cols, y, n_features)]


def select_features(
    X: np.ndarray, y: np.ndarray, n_features: int, n_candidates: int, batch_size: int = 64
) -> np.ndarray:
    """Select LightWaveS features in this process.

    Parameters
    ----------
    X : np.ndarray
        Scaled (and sampled) training collection.
    y : np.ndarray
        Labels.
    n_features : int
        Final number of features (mRMR).
    n_candidates : int
        ANOVA pre-selection pool size.
    batch_size : int
        Cases per batch when computing candidate features.

    Returns
    -------
    np.ndarray
        Sorted global feature ids (see :func:`~anyconv.timeseries.lightwaves.kernels.unravel_features`).

    Shape:
        X ``(n_cases, n_channels, n_timepoints)``, y ``(n_cases,)`` -> ``(<= n_features,)``.
    """
    return np.sort(_select(_Local(), X, y, n_features, n_candidates, batch_size))
