"""A fitted "scaler → linear classifier" head folded into one affine map.

The ROCKET-family classifiers end in ``[StandardScaler] → RidgeClassifierCV`` (or a
logistic regression). Both steps are affine, so at prediction time they compose into

    scores = F @ weight + bias,   weight = (coef / scale).T,   bias = intercept - (coef / scale) @ mean

and the labels are ``classes[scores > 0]`` for one score column (two classes) or
``classes[argmax(scores)]``, exactly as scikit-learn's linear classifiers decide.
One small matrix product replaces two estimators' input validation and output
wrapping: on a small batch (UnitTest, 22 cases x 500 LightWaveS features) scikit-learn's
``Pipeline.predict`` takes ~0.24 ms, most of a LightWaveS inference; this takes ~0.01 ms.
The scores equal the pipeline's up to rounding (tests compare them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

__all__ = ["LinearHead"]


@dataclass(frozen=True, eq=False)
class LinearHead:
    """Affine scores and labels of a fitted ``[StandardScaler] → linear classifier``.

    Attributes
    ----------
    classes : np.ndarray
        The classifier's ``classes_``.
    weight : np.ndarray
        float64, ``(coef / scale).T``.
    bias : np.ndarray
        float64, ``intercept - (coef / scale) @ mean``.

    Shape:
        weight: ``(n_features, n_scores)``; bias: ``(n_scores,)``, ``n_scores`` = 1
        for two classes else ``n_classes``; :meth:`predict` maps ``(n_cases, n_features)``
        to ``(n_cases,)``.
    """

    classes: np.ndarray
    weight: np.ndarray
    bias: np.ndarray

    @classmethod
    def fold(cls, head: Pipeline | BaseEstimator) -> LinearHead:
        """Fold a fitted linear classifier, or a pipeline of scalers ending in one.

        Raises ``ValueError`` for any other step (nothing non-linear is folded silently).
        """
        steps = [step for _, step in head.steps] if isinstance(head, Pipeline) else [head]
        *scalers, linear = steps
        # public API only: a fitted classifier with coef_ and intercept_ is linear
        # (sklearn.linear_model._base.LinearClassifierMixin is private)
        if not (is_classifier(linear) and hasattr(linear, "coef_") and hasattr(linear, "intercept_")):
            raise ValueError(
                f"the head must end in a fitted linear classifier (RidgeClassifierCV, "
                f"LogisticRegression, ...), got {type(linear).__name__}"
            )
        coef = np.atleast_2d(np.asarray(linear.coef_, dtype=np.float64))  # (n_scores, n_features)
        intercept = np.broadcast_to(np.asarray(linear.intercept_, dtype=np.float64), coef.shape[:1])
        mean = np.zeros(coef.shape[1])
        scale = np.ones(coef.shape[1])
        for scaler in scalers:  # so far x -> (x - mean) / scale; then y -> (y - m) / s
            if not isinstance(scaler, StandardScaler):
                raise ValueError(f"only StandardScaler steps can be folded, got {type(scaler).__name__}")
            m = scaler.mean_ if scaler.with_mean else 0.0
            s = scaler.scale_ if scaler.with_std else 1.0
            mean, scale = mean + m * scale, scale * s  # ((x - mean) / scale - m) / s
        w = coef / scale  # (n_scores, n_features)
        return cls(
            classes=np.asarray(linear.classes_),
            weight=np.ascontiguousarray(w.T),
            bias=intercept - w @ mean,
        )

    @property
    def n_features(self) -> int:
        """Features the head reads."""
        return self.weight.shape[0]

    def decision_function(self, F: np.ndarray) -> np.ndarray:
        """Scores, ``(n_cases,)`` for two classes else ``(n_cases, n_classes)`` (as scikit-learn)."""
        if F.ndim != 2 or F.shape[1] != self.n_features:
            raise ValueError(f"expected features of shape (n_cases, {self.n_features}), got {F.shape}")
        # float64 like scikit-learn's (float32 features @ float64 coef_): a case's score
        # must not depend on which other cases share its batch (float32 GEMM blocking does)
        scores = F.astype(np.float64, copy=False) @ self.weight + self.bias  # (n_cases, n_scores)
        return scores[:, 0] if scores.shape[1] == 1 else scores

    def predict(self, F: np.ndarray) -> np.ndarray:
        """Labels, ``(n_cases,)``: ``classes[scores > 0]`` or ``classes[argmax(scores)]``."""
        scores = self.decision_function(F)
        return self.classes[(scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)]
