"""Linear heads fitted on features that do not fit in memory (chunk by chunk).

:class:`OutOfCoreRidgeClassifierCV` is scikit-learn's ``[StandardScaler] ->
RidgeClassifierCV`` (leave-one-out choice of alpha, unpenalised intercept, ``class_weight``)
computed from chunks of the feature matrix, in two passes over the chunks:

1. ``StandardScaler.partial_fit`` on every chunk (the scaler's statistics), and the
   weighted, shifted sums ``A = sum w (x-K)(x-K)^T``, ``s = sum w (x-K)`` and per-class
   ``T_c = sum_{y=c} w (x-K)`` (``K`` = the first chunk's mean: a shift keeps the centring
   exact where ``sum x x^T - n m m^T`` would cancel). From them the centred, scaled Gram
   ``G = (A - W d d^T) / (sigma sigma^T)`` and ``Z^T W Y`` follow, ``G = V diag(lam) V^T``
   once, and the coefficients for every alpha are ``V diag(1/(lam+alpha)) V^T Z^T W Y``.
2. Each chunk again: the leave-one-out residuals ``e_i / (1 - H_ii)`` for every alpha
   (``H_ii = w_i z_i^T (G + alpha I)^-1 z_i + w_i / W``), the alpha with the smallest mean
   weighted squared leave-one-out error (scikit-learn's criterion; first one on ties).

Memory: ``O(p^2)`` for ``G`` and its eigenvectors (``p`` features), one chunk of
features, and ``O(n k n_alphas)`` for the leave-one-out scores (kept for the prevalidated
ridge's temperature, :mod:`anyconv.timeseries.preval`); never ``O(n p)``. The result
equals the in-memory pipeline to rounding (tests compare with ``RidgeClassifierCV``).

:func:`fit_classifier_out_of_core` fits a ROCKET-family classifier this way: its
transformer on the first cases, the features computed chunk by chunk (twice, or once
into an on-disk cache), and sets the classifier's fitted attributes as ``fit`` does, so
``predict``, ``decision_function`` and ``predict_proba`` work unchanged.

:class:`SGDLogisticHead` is the logistic head by stochastic gradient descent over the
chunks (scikit-learn's ``SGDClassifier(loss="log_loss").partial_fit``), for the sizes
where the papers switch to a logistic head.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from anyconv.timeseries._classifier import RIDGE_ALPHAS
from anyconv.timeseries.linear_head import LinearHead
from anyconv.timeseries.preval import fit_temperature

__all__ = ["OutOfCoreRidgeClassifierCV", "SGDLogisticHead", "fit_classifier_out_of_core", "ChunkSource"]

#: A callable returning a fresh iterable of feature chunks ``(n_i, p)`` in case order
#: (called once per pass).
ChunkSource = Callable[[], Iterable[np.ndarray]]


def _chunks(source: ChunkSource, n_cases: int, n_features: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """``(start, chunk as float64 2-D)`` checking shapes and that the chunks cover ``n_cases``."""
    start = 0
    for chunk in source():
        F = np.asarray(chunk, dtype=np.float64)
        if F.ndim != 2 or (n_features is not None and F.shape[1] != n_features):
            raise ValueError(f"feature chunks must be 2-D (n_cases, n_features), got shape {F.shape}")
        if F.shape[0] == 0:
            continue
        if start + F.shape[0] > n_cases:
            raise ValueError(f"the chunks hold more cases than y ({n_cases} labels)")
        yield start, F
        start += F.shape[0]
    if start != n_cases:
        raise ValueError(f"the chunks hold {start} cases but y has {n_cases} labels")


class OutOfCoreRidgeClassifierCV(ClassifierMixin, BaseEstimator):
    """``[StandardScaler] -> RidgeClassifierCV`` fitted from chunks of features.

    Parameters
    ----------
    alphas : array-like
        Ridge penalties (scikit-learn's ``RidgeClassifierCV(alphas=...)``).
    scaling : {"none", "variance", "standard"}
        The scaler before the ridge: none, ``StandardScaler(with_mean=False)`` or ``StandardScaler()``.
    class_weight : dict, "balanced" or None
        As ``RidgeClassifierCV``.

    Attributes
    ----------
    scaler_ : StandardScaler or None
    classes_, coef_, intercept_, alpha_, best_score_ :
        As ``RidgeClassifierCV`` (``coef_`` applies to the *scaled* features).
    loo_scores_ : np.ndarray
        Leave-one-out scores of the training cases at ``alpha_``.

    Shape:
        chunks ``(n_i, n_features)`` summing to ``n_cases``; y ``(n_cases,)``;
        coef_ ``(1 or n_classes, n_features)``; loo_scores_ ``(n_cases, 1 or n_classes)``.
    """

    def __init__(
        self,
        alphas: object = tuple(RIDGE_ALPHAS),
        scaling: Literal["none", "variance", "standard"] = "variance",
        class_weight: dict | str | None = None,
    ) -> None:
        self.alphas = alphas
        self.scaling = scaling
        self.class_weight = class_weight

    def fit(self, X: np.ndarray, y: object, chunk_size: int = 1024) -> OutOfCoreRidgeClassifierCV:
        """Fit on an array-like of features (e.g. ``np.memmap``), reading ``chunk_size`` rows at a time."""
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        return self.fit_chunks(lambda: (X[i : i + chunk_size] for i in range(0, len(X), chunk_size)), y)

    def fit_chunks(self, chunks: ChunkSource, y: object) -> OutOfCoreRidgeClassifierCV:
        """Fit from ``chunks()`` (called twice), the feature chunks of the cases labelled ``y``."""
        if self.scaling not in ("none", "variance", "standard"):
            raise ValueError(f"scaling must be 'none', 'variance' or 'standard', got {self.scaling!r}")
        alphas = np.atleast_1d(np.asarray(self.alphas, dtype=np.float64))
        if alphas.ndim != 1 or alphas.size == 0 or np.any(alphas <= 0):
            raise ValueError(f"alphas must be a non-empty 1-D list of positive numbers, got {self.alphas!r}")
        y = np.asarray(y)
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one label per case), got shape {y.shape}")
        binarizer = LabelBinarizer(pos_label=1, neg_label=-1)
        Y = binarizer.fit_transform(y).astype(np.float64)  # (n, k), k = 1 for two classes
        self.classes_ = binarizer.classes_
        if self.classes_.size < 2:
            raise ValueError(f"needs at least 2 classes, got {self.classes_.size}")
        n = y.shape[0]
        w = compute_sample_weight(self.class_weight, y) if self.class_weight else np.ones(n)
        labels = np.searchsorted(self.classes_, y)  # (n,)
        self.scaler_ = None if self.scaling == "none" else StandardScaler(with_mean=self.scaling == "standard")

        # pass 1: scaler statistics and shifted weighted sums
        K = A = s = T = np.zeros(0)
        for start, F in _chunks(chunks, n):
            if self.scaler_ is not None:
                self.scaler_.partial_fit(F)
            if start == 0:
                K = F.mean(axis=0)
                p = F.shape[1]
                A, s, T = np.zeros((p, p)), np.zeros(p), np.zeros((self.classes_.size, p))
            D = F - K  # (c, p)
            wc = w[start : start + F.shape[0]]
            A += (D * wc[:, None]).T @ D
            s += wc @ D
            np.add.at(T, labels[start : start + F.shape[0]], D * wc[:, None])
        W = w.sum()
        d = s / W
        mean_w = K + d  # weighted mean of the raw features
        if self.scaler_ is not None:
            offset = self.scaler_.mean_ if self.scaler_.with_mean else 0.0
            sigma = self.scaler_.scale_
        else:
            offset, sigma = 0.0, np.ones_like(d)
        W_c = np.bincount(labels, weights=w, minlength=self.classes_.size)
        Y_c = binarizer.transform(self.classes_).astype(np.float64)  # (n_classes, k)
        y_mean = W_c @ Y_c / W  # (k,)
        G = (A - W * np.outer(d, d)) / np.outer(sigma, sigma)  # centred weighted Gram of scaled features
        B = ((T - W_c[:, None] * d).T @ Y_c) / sigma[:, None]  # (p, k) = Z^T W (Y - y_mean)
        lam, V = np.linalg.eigh(G)
        VB = V.T @ B  # (p, k)
        inv = 1.0 / (lam[:, None] + alphas[None, :])  # (p, n_alphas)

        # pass 2: leave-one-out errors for every alpha
        sq_err = np.zeros(alphas.size)
        loo = np.empty((alphas.size, n, Y.shape[1]))
        for start, F in _chunks(chunks, n, G.shape[0]):
            rows = slice(start, start + F.shape[0])
            P = ((F - mean_w) / sigma) @ V  # (c, p): centred scaled features in the eigenbasis
            h = w[rows, None] * ((P * P) @ inv + 1.0 / W)  # (c, n_alphas) hat diagonal
            Yc = Y[rows] - y_mean  # (c, k)
            for a in range(alphas.size):
                e = (Yc - P @ (inv[:, a, None] * VB)) / (1.0 - h[:, a, None])  # (c, k) LOO residuals
                sq_err[a] += (w[rows, None] * e * e).sum()
                loo[a, rows] = Y[rows] - e
        best = int(np.argmax(-sq_err / (n * Y.shape[1])))  # first best, as scikit-learn
        self.alpha_ = float(alphas[best])
        self.best_score_ = float(-sq_err[best] / (n * Y.shape[1]))
        coef = V @ (inv[:, best, None] * VB)  # (p, k)
        self.coef_ = np.ascontiguousarray(coef.T)  # (k, p)
        self.intercept_ = y_mean - ((mean_w - offset) / sigma) @ coef
        self.loo_scores_ = loo[best]
        self.sample_weight_ = w
        self.n_features_in_ = G.shape[0]
        return self

    def decision_function(self, Z: np.ndarray) -> np.ndarray:
        """Scores of *scaled* features, ``(n,)`` for two classes else ``(n, n_classes)``."""
        scores = np.asarray(Z, dtype=np.float64) @ self.coef_.T + self.intercept_
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, Z: np.ndarray) -> np.ndarray:
        """Labels of *scaled* features, as ``RidgeClassifierCV.predict``."""
        scores = self.decision_function(Z)
        return self.classes_[(scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)]

    def head(self) -> Pipeline:
        """The fitted ``[scaler] -> self`` as a pipeline over raw features."""
        steps = [("scale", self.scaler_)] if self.scaler_ is not None else []
        return Pipeline([*steps, ("classify", self)])


class SGDLogisticHead(ClassifierMixin, BaseEstimator):
    """Logistic head by SGD over chunks: ``StandardScaler`` (one pass) then ``epochs`` passes of
    ``SGDClassifier(loss="log_loss").partial_fit`` on the scaled chunks.

    Shape:
        chunks ``(n_i, n_features)``; y ``(n_cases,)``.
    """

    def __init__(self, epochs: int = 5, alpha: float = 1e-4, random_state: int | None = 0) -> None:
        self.epochs = epochs
        self.alpha = alpha
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: object, chunk_size: int = 1024) -> SGDLogisticHead:
        """Fit on an array-like of features, reading ``chunk_size`` rows at a time."""
        if chunk_size < 1:
            raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
        return self.fit_chunks(lambda: (X[i : i + chunk_size] for i in range(0, len(X), chunk_size)), y)

    def fit_chunks(self, chunks: ChunkSource, y: object) -> SGDLogisticHead:
        """Fit from ``chunks()`` (called ``epochs + 1`` times) and the labels ``y``."""
        if self.epochs < 1:
            raise ValueError(f"epochs must be >= 1, got {self.epochs}")
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        self.scaler_ = StandardScaler()
        for _, F in _chunks(chunks, y.shape[0]):
            self.scaler_.partial_fit(F)
        self.sgd_ = SGDClassifier(loss="log_loss", alpha=self.alpha, random_state=self.random_state)
        for _ in range(self.epochs):
            for start, F in _chunks(chunks, y.shape[0]):
                self.sgd_.partial_fit(self.scaler_.transform(F), y[start : start + F.shape[0]], classes=self.classes_)
        self.coef_, self.intercept_ = self.sgd_.coef_, self.sgd_.intercept_
        return self

    def predict(self, Z: np.ndarray) -> np.ndarray:
        """Labels of *scaled* features."""
        return self.sgd_.predict(Z)

    def predict_proba(self, Z: np.ndarray) -> np.ndarray:
        """Probabilities of *scaled* features, ``(n, n_classes)``."""
        return self.sgd_.predict_proba(Z)

    def head(self) -> Pipeline:
        """The fitted ``scaler -> self`` as a pipeline over raw features."""
        return Pipeline([("scale", self.scaler_), ("classify", self)])


def fit_classifier_out_of_core(
    classifier: object,
    X: object,
    y: object,
    *,
    chunk_size: int = 1024,
    transformer_cases: int | None = None,
    cache_dir: str | None = None,
) -> object:
    """Fit a ROCKET-family classifier with :class:`OutOfCoreRidgeClassifierCV` as its head.

    The transformer is fitted on ``X[:transformer_cases]`` (all cases if ``None``); the
    features of ``chunk_size`` cases at a time feed the head (transformed twice, or once
    into a ``np.memmap`` in ``cache_dir``). ``X`` may be any sliceable array-like
    (``np.memmap``, ``h5py``/``zarr`` datasets). Sets ``classes_``, ``transformer_``,
    ``pipeline_``, ``head_``, ``estimator_ = "ridge"`` and ``temperature_`` as ``fit`` does.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)``; y ``(n_cases,)``.
    """
    y = np.asarray(y)
    n = len(X)  # type: ignore[arg-type]
    if y.shape != (n,):
        raise ValueError(f"y must have one label per case ({n}), got shape {y.shape}")
    transformer = classifier._make_transformer()  # type: ignore[attr-defined]
    stop = n if transformer_cases is None else transformer_cases
    transformer.fit(np.asarray(X[:stop]), y[:stop])  # type: ignore[index]

    def features() -> Iterator[np.ndarray]:
        for i in range(0, n, chunk_size):
            yield transformer.transform(np.asarray(X[i : i + chunk_size]))  # type: ignore[index]

    ridge = OutOfCoreRidgeClassifierCV(
        alphas=classifier._make_linear(n)[1].alphas,  # type: ignore[attr-defined]
        scaling=classifier._scaling,  # type: ignore[attr-defined]
        class_weight=classifier.class_weight,  # type: ignore[attr-defined]
    )
    if cache_dir is None:
        ridge.fit_chunks(features, y)
    else:
        with tempfile.TemporaryDirectory(dir=cache_dir) as tmp:
            cache = np.lib.format.open_memmap(
                os.path.join(tmp, "features.npy"), mode="w+", dtype=np.float32,
                shape=(n, transformer.n_features_out_),
            )  # fmt: skip
            for i, F in zip(range(0, n, chunk_size), features(), strict=True):
                cache[i : i + len(F)] = F
            ridge.fit(cache, y, chunk_size)
            del cache
    head = ridge.head()
    classifier.classes_ = ridge.classes_  # type: ignore[attr-defined]
    classifier.estimator_ = "ridge"  # type: ignore[attr-defined]
    classifier.transformer_ = transformer  # type: ignore[attr-defined]
    classifier.pipeline_ = Pipeline([("transform", transformer), *head.steps])  # type: ignore[attr-defined]
    classifier.head_ = LinearHead.fold(head)  # type: ignore[attr-defined]
    classifier.temperature_ = fit_temperature(  # type: ignore[attr-defined]
        ridge.loo_scores_, np.searchsorted(ridge.classes_, y), ridge.sample_weight_ if ridge.class_weight else None
    )
    classifier.n_features_in_ = transformer.n_features_in_  # type: ignore[attr-defined]
    return classifier
