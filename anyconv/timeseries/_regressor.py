"""Generic "random-kernel transform → ridge regression" estimator.

The ROCKET papers' regressors (and aeon's): transform → ``StandardScaler(with_mean=False)``
→ ``RidgeCV(alphas=np.logspace(-3, 3, 10))`` (alpha by efficient leave-one-out). Here
the same pipeline, guarded against the numerical blow-ups seen elsewhere (e.g. RMSE
≈ 3e11 on Covid3Month):

* the ridge is fitted in float64 (the transforms return float32, with which an
  eigendecomposition of an ill-conditioned Gram matrix loses every digit);
* the target is standardised before ``RidgeCV`` chooses alpha and fits (the choice is
  invariant to the target's scale in exact arithmetic, so predictions equal
  scikit-learn's pipeline on the raw target, but small or large targets such as
  Covid3Month's ≈ 0.05 do not meet tiny intercepts or overflowing errors);
* after fitting, the ridge's normal equations are checked; a relative residual above
  :data:`CONDITION_TOLERANCE` raises an :class:`IllConditionedWarning`, and so do
  predictions further than :data:`FAR_OUT` training-target spreads from the training
  mean.

Subclasses list their parameters in ``__init__`` and set ``_transformer_class`` (the
transformer is built from the regressor's parameters of the same names), as
:class:`~anyconv.timeseries._classifier.RandomKernelClassifier`.
"""

from __future__ import annotations

import warnings
from typing import ClassVar, Literal

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import assert_all_finite
from sklearn.utils.validation import check_is_fitted

from anyconv.timeseries._base import BaseRandomKernelTransformer
from anyconv.timeseries._classifier import RIDGE_ALPHAS
from anyconv.timeseries._validation import check_collection

__all__ = ["RandomKernelRegressor", "IllConditionedWarning", "CONDITION_TOLERANCE", "FAR_OUT"]

#: Largest accepted relative residual of the ridge's normal equations.
CONDITION_TOLERANCE = 1e-6
#: Predictions this many training-target spreads (max - min) from the training mean warn.
FAR_OUT = 100.0


class IllConditionedWarning(UserWarning):
    """The ridge solve lost its accuracy, or predictions lie far outside the training targets."""


class RandomKernelRegressor(RegressorMixin, BaseEstimator):
    """Base: transform with random kernels, scale, then ``RidgeCV`` on a standardised target.

    Attributes set by ``fit``
    -------------------------
    transformer_ : BaseRandomKernelTransformer
    pipeline_ : sklearn.pipeline.Pipeline
        ``transformer_`` → scaler (if any) → ``RidgeCV`` (fitted on the standardised target).
    alpha_ : float
        The penalty ``RidgeCV`` chose.
    coef_, intercept_ : np.ndarray, float
        Scaler, ridge and target scaling folded into one affine map of the features:
        ``predict(X) = transform(X) @ coef_ + intercept_`` (float64).
    y_mean_, y_scale_ : float
        The target's standardisation.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``;
        y: ``(n_cases,)``; ``predict`` returns ``(n_cases,)``.
    """

    _scaling: ClassVar[Literal["none", "variance", "standard"]] = "variance"
    _min_timepoints: ClassVar[int] = 1
    _transformer_class: ClassVar[type[BaseRandomKernelTransformer]]

    def _make_transformer(self) -> BaseRandomKernelTransformer:
        """A fresh transformer taking every regressor parameter whose name it shares."""
        cls = self._transformer_class
        accepted = cls._get_param_names()
        return cls(**{name: value for name, value in self.get_params(deep=False).items() if name in accepted})

    def make_head(self) -> Pipeline:
        """The unfitted scaler (if any) and ``RidgeCV`` that ``fit`` puts after the transform."""
        steps: list[tuple[str, BaseEstimator]] = []
        if self._scaling != "none":
            steps.append(("scale", StandardScaler(with_mean=self._scaling == "standard")))
        steps.append(("regress", RidgeCV(alphas=RIDGE_ALPHAS)))
        return Pipeline(steps)

    def _check_y(self, y: object, n_cases: int) -> np.ndarray:
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y is None")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; raveling it",
                DataConversionWarning,
                stacklevel=3,
            )
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one target per case), got shape {y.shape}")
        if y.dtype.kind not in "fiub":
            raise ValueError(f"y must hold numbers (regression targets), got dtype {y.dtype}")
        y = y.astype(np.float64)
        assert_all_finite(y, input_name="y")  # ValueError "Input y contains NaN." / "... infinity ..."
        if y.shape[0] != n_cases:
            raise ValueError(f"y has {y.shape[0]} targets but X has {n_cases} cases")
        return y

    def fit(self, X: object, y: object) -> RandomKernelRegressor:
        """Fit transformer, scaler and ridge.

        Parameters
        ----------
        X : array-like of shape (n_cases, n_channels, n_timepoints) or (n_cases, n_timepoints)
        y : array-like of shape (n_cases,)

        Returns
        -------
        self
        """
        Xv = check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)
        y = self._check_y(y, Xv.shape[0])
        if y.shape[0] < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 cases, got n_samples={y.shape[0]}")
        self.y_mean_ = float(y.mean())
        spread = float(y.std())
        self.y_scale_ = spread if spread > 0 else 1.0
        self.y_range_ = float(np.ptp(y))
        transformer = self._make_transformer()
        F = transformer.fit_transform(Xv, y).astype(np.float64)  # (n_cases, n_features)
        head = self.make_head()
        head.fit(F, (y - self.y_mean_) / self.y_scale_)
        self.pipeline_ = Pipeline([("transform", transformer), *head.steps])
        self.transformer_ = transformer
        self.n_features_in_ = transformer.n_features_in_
        ridge = head[-1]
        self.alpha_ = float(ridge.alpha_)
        self._fold(head)
        self._check_conditioning(head, F, (y - self.y_mean_) / self.y_scale_)
        return self

    def _fold(self, head: Pipeline) -> None:
        """``coef_``, ``intercept_``: scaler → ridge → target scale as one affine map."""
        ridge = head[-1]
        coef = np.asarray(ridge.coef_, dtype=np.float64).ravel()  # (n_features,)
        mean = np.zeros_like(coef)
        scale = np.ones_like(coef)
        if len(head) > 1:
            scaler = head[0]
            mean = scaler.mean_ if scaler.with_mean else mean
            scale = scaler.scale_ if scaler.with_std else scale
        w = coef / scale
        self.coef_ = w * self.y_scale_
        self.intercept_ = float((ridge.intercept_ - w @ mean) * self.y_scale_ + self.y_mean_)

    def _check_conditioning(self, head: Pipeline, F: np.ndarray, target: np.ndarray) -> None:
        Z = head[:-1].transform(F) if len(head) > 1 else F  # (n_cases, n_features)
        Zc = Z - Z.mean(axis=0)
        ridge = head[-1]
        coef = np.asarray(ridge.coef_, dtype=np.float64).ravel()
        tc = target - target.mean()
        resid = Zc.T @ (tc - Zc @ coef) - self.alpha_ * coef  # normal equations
        # relative to the sizes of their terms (a backward error), not to Zc.T @ tc, which is ~0
        # when the target is unrelated to the features
        norm_z = np.linalg.norm(Zc)
        size = norm_z * (np.linalg.norm(tc) + norm_z * np.linalg.norm(coef)) + self.alpha_ * np.linalg.norm(coef)
        err = float(np.linalg.norm(resid))
        rel = 0.0 if err == 0.0 else err / max(float(size), float(np.finfo(np.float64).tiny))
        self.solve_residual_ = rel
        if not np.isfinite(rel) or rel > CONDITION_TOLERANCE:
            warnings.warn(
                f"{type(self).__name__}: the ridge solve is ill-conditioned (relative residual of "
                f"the normal equations {rel:.1e} > {CONDITION_TOLERANCE:.0e} at alpha={self.alpha_:g}); "
                "predictions may be far off. Check for constant or huge features",
                IllConditionedWarning,
                stacklevel=3,
            )

    def predict(self, X: object) -> np.ndarray:
        """Predicted targets, shape ``(n_cases,)``, float64."""
        check_is_fitted(self, "pipeline_")
        Xv = check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)
        F = self.transformer_.transform(Xv)  # (n_cases, n_features)
        pred = F.astype(np.float64, copy=False) @ self.coef_ + self.intercept_
        far = np.abs(pred - self.y_mean_) > FAR_OUT * max(self.y_range_, self.y_scale_)
        if far.any():
            warnings.warn(
                f"{type(self).__name__}: {int(far.sum())} prediction(s) lie more than {FAR_OUT:g} "
                f"training-target spreads from the training mean (largest {pred[far][np.abs(pred[far]).argmax()]:.3g}); "
                "the inputs are far from the training data or the fit is ill-conditioned",
                IllConditionedWarning,
                stacklevel=2,
            )
        return pred

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
