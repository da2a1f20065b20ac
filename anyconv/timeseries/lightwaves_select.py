"""LightWaveS feature selection: ANOVA pre-selection, top-k merging and mRMR.

As in the LightWaveS code (``anova_feature_selection``, ``mrmr_feature_selection``):

* ANOVA: drop zero-variance features, round to 7 decimals, F statistic
  (``sklearn.feature_selection.f_classif``), NaN/inf scores become 0; keep the top k.
* mRMR: greedy; the first pick has the largest F score; then each step picks the
  largest ``F / mean |Pearson correlation| with the features already picked``.

Every score is computed column by column, so scoring channel blocks separately
(workers, batches) and merging gives the same result as scoring all at once. Ties are
broken by the smaller global feature id (the reference leaves them to ``argsort``).
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.feature_selection import f_classif

__all__ = ["anova_scores", "merge_top_k", "mrmr_select"]


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
