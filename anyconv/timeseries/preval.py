"""Prevalidated ridge: calibrated probabilities for ridge-headed classifiers.

A ridge classifier (``RidgeClassifierCV``) fits ``±1`` targets by least squares and
decides by the largest score; its scores are not probabilities (aeon returns one-hot
``predict_proba``). Prevalidated ridge (Dempster, Webb & Schmidt 2024, *Prevalidated
ridge regression is a highly-efficient drop-in replacement for logistic regression
for high-dimensional data*, reference angus924/preval) turns them into probabilities:

1. the **leave-one-out** scores of every training case, from the ridge's closed form
   (no refits): with hat matrix ``H``, residuals ``e = Y - H Y``, the score a ridge
   fitted without case ``i`` gives case ``i`` is ``Y_i - e_i / (1 - H_ii)``;
2. a softmax **temperature** ``c > 0`` fitted on those scores by 1-D minimisation of
   the log-loss; ``predict_proba = softmax(c * scores)``.

Differences from the reference, so that ``argmax(predict_proba) == predict``: the
ridge keeps scikit-learn's unpenalised intercept and its alpha (chosen by
``RidgeClassifierCV``'s leave-one-out squared error, not by log-loss), and no class
prior offset is added after the temperature. Two classes use the logits
``(-s, s)`` of the single score column (the reference's ``hstack((-Y, Y))``).
Sample weights (``class_weight``) weight the ridge as scikit-learn does (weighted
centring, rows scaled by ``sqrt(w)``) and the log-loss.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg import cho_factor, cho_solve, cholesky, lapack
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax

__all__ = ["loo_ridge_scores", "fit_temperature", "temperature_proba", "two_class_logits"]

#: Smallest log-probability ratio to the top class in :func:`temperature_proba`
#: (``2 * log(float32 eps)``, the reference's logit clip of ``±log(eps)`` on both sides).
MIN_LOG_RATIO = 2.0 * float(np.log(np.finfo(np.float32).eps))
#: Search interval of the temperature (convex 1-D problem, bounded Brent).
TEMPERATURE_BOUNDS = (1e-6, 1e4)


def loo_ridge_scores(
    Z: np.ndarray, Y: np.ndarray, alpha: float, sample_weight: np.ndarray | None = None
) -> np.ndarray:
    """Leave-one-out predictions of ridge regression with an unpenalised intercept.

    The model is scikit-learn's ``Ridge(alpha, fit_intercept=True)``: minimise
    ``sum_i w_i (Y_i - b - Z_i @ B)^2 + alpha * |B|^2``. Its hat matrix is
    ``w/sum(w)`` (intercept) plus ``A (A^T A + alpha I)^-1 A^T`` with
    ``A = sqrt(w) * (Z - weighted mean)``; the closed form uses ``A A^T`` (n <= p)
    or ``A^T A`` (n > p), in float64.

    Parameters
    ----------
    Z : np.ndarray
        Features of the training cases (already scaled as the ridge saw them).
    Y : np.ndarray
        Targets, one column per score.
    alpha : float
        Ridge penalty (> 0).
    sample_weight : np.ndarray or None
        Positive weight per case; ``None`` = 1.

    Returns
    -------
    np.ndarray
        float64; row ``i`` is what the ridge fitted on all cases but ``i`` predicts for ``Z[i]``.

    Shape:
        Z: ``(n, p)``; Y: ``(n, k)`` or ``(n,)``; sample_weight: ``(n,)``; returns Y's shape.
    """
    Z = np.asarray(Z, dtype=np.float64)
    Y = np.asarray(Y, dtype=np.float64)
    one_column = Y.ndim == 1
    Y2 = Y[:, None] if one_column else Y  # (n, k)
    n, p = Z.shape
    if Y2.shape[0] != n or n < 2:
        raise ValueError(f"need Z (n, p) and Y (n, k) with the same n >= 2, got {Z.shape} and {Y.shape}")
    if not alpha > 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,) or not np.all(w > 0):
        raise ValueError(f"sample_weight must be {n} positive numbers, got shape {w.shape}")
    sw = np.sqrt(w)[:, None]  # (n, 1)
    A = (Z - w @ Z / w.sum()) * sw  # (n, p) weighted-centred, row-scaled
    B = (Y2 - w @ Y2 / w.sum()) * sw  # (n, k)
    if n <= p:
        K = A @ A.T  # (n, n)
        K[np.diag_indices(n)] += alpha
        # (K + alpha I)^-1 = Li^T Li with Li = L^-1, all in K's memory (one n x n array)
        L = cholesky(K, lower=True, overwrite_a=True, check_finite=False)
        Li, info = lapack.dtrtri(L, lower=1, overwrite_c=1)
        if info != 0:
            raise np.linalg.LinAlgError(f"triangular inverse failed (LAPACK info {info})")
        resid = alpha * (Li.T @ (Li @ B))  # B - K0 (K0 + alpha I)^-1 B
        leverage = 1.0 - alpha * np.einsum("ij,ij->j", Li, Li)  # diag of the inverse
    else:
        G = A.T @ A  # (p, p)
        G[np.diag_indices(p)] += alpha
        factor = cho_factor(G, lower=True)
        resid = B - A @ cho_solve(factor, A.T @ B)
        leverage = np.einsum("ij,ji->i", A, cho_solve(factor, A.T))
    leverage = leverage + w / w.sum()  # the intercept's share
    loo_resid = resid / sw / np.maximum(1.0 - leverage, np.finfo(np.float64).eps)[:, None]
    out = Y2 - loo_resid
    return out[:, 0] if one_column else out


def two_class_logits(scores: np.ndarray) -> np.ndarray:
    """Logits of every class: ``(-s, s)`` for a single score column, else the scores.

    Shape:
        scores: ``(n,)``, ``(n, 1)`` or ``(n, k)``; returns ``(n, max(k, 2))``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    return np.column_stack((-scores, scores)) if scores.ndim == 1 else scores


def _log_proba(logits: np.ndarray, c: float) -> np.ndarray:
    # log-softmax with every log-ratio to the top class clipped at MIN_LOG_RATIO: monotone,
    # so the top class stays the argmax; no probability is exactly 0
    z = c * logits
    z = np.maximum(z - z.max(axis=1, keepdims=True), MIN_LOG_RATIO)  # (n, k)
    return log_softmax(z, axis=1)


def fit_temperature(
    loo_scores: np.ndarray, y_index: np.ndarray, sample_weight: np.ndarray | None = None
) -> float:
    """The ``c > 0`` minimising the (weighted) log-loss of ``softmax(c * logits)``.

    Without the clip the loss is convex in ``c``; bounded Brent on
    :data:`TEMPERATURE_BOUNDS` finds its minimum (the upper bound is reached only
    when the leave-one-out scores classify every case correctly).

    Parameters
    ----------
    loo_scores : np.ndarray
        Leave-one-out scores (:func:`loo_ridge_scores`).
    y_index : np.ndarray
        Index of each case's true class in the logits' columns.
    sample_weight : np.ndarray or None

    Shape:
        loo_scores: ``(n,)`` or ``(n, k)``; y_index: ``(n,)``.
    """
    logits = two_class_logits(loo_scores)  # (n, k)
    y_index = np.asarray(y_index, dtype=np.intp)
    if y_index.shape != (logits.shape[0],):
        raise ValueError(f"y_index must have shape ({logits.shape[0]},), got {y_index.shape}")
    w = np.ones(logits.shape[0]) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    rows = np.arange(logits.shape[0])

    def loss(log_c: float) -> float:
        return float(-(w * _log_proba(logits, np.exp(log_c))[rows, y_index]).sum() / w.sum())

    lo, hi = np.log(TEMPERATURE_BOUNDS)
    result = minimize_scalar(loss, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(result.x))


def temperature_proba(scores: np.ndarray, c: float) -> np.ndarray:
    """Class probabilities ``softmax(c * logits)`` of decision scores.

    Shape:
        scores: ``(n,)`` (two classes) or ``(n, k)``; returns ``(n, max(k, 2))``, rows summing to 1.
    """
    P = np.exp(_log_proba(two_class_logits(scores), c))
    return P / P.sum(axis=1, keepdims=True)
