"""Generic "random-kernel transform → linear classifier" estimator.

Pattern of the ROCKET papers: transform → (optional) ``StandardScaler`` →
``RidgeClassifierCV(alphas=np.logspace(-3, 3, 10))``; for large training sets
(the papers: more than about 10 000 cases) a logistic regression instead. Prediction
applies scaler and linear model as one folded affine map (:class:`LinearHead`).

Subclasses list all their parameters explicitly in ``__init__`` (no ``**kwargs``)
and set ``_transformer_class``: the transformer is built from the classifier's parameters
of the same names (so the two cannot drift apart). Class attribute ``_scaling`` chooses the
scaler: ``"none"``, ``"variance"`` (``StandardScaler(with_mean=False)``, as aeon's
MiniRocketClassifier) or ``"standard"`` (mean and variance, as MultiRocket).
Ridge/logistic options come from the parameters ``estimator`` (``"auto"``,
``"ridge"``, ``"logistic"``) and ``class_weight``.
"""

from __future__ import annotations

import warnings
from typing import ClassVar, Literal

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from anyconv.timeseries._base import BaseRandomKernelTransformer
from anyconv.timeseries._validation import check_collection
from anyconv.timeseries.linear_head import LinearHead
from anyconv.timeseries.preval import fit_temperature, loo_ridge_scores, temperature_proba

__all__ = ["RandomKernelClassifier", "LOGISTIC_THRESHOLD", "RIDGE_ALPHAS"]

#: Above this many training cases ``estimator="auto"`` uses logistic regression.
LOGISTIC_THRESHOLD = 10_000
#: Ridge penalties searched by leave-one-out CV (the papers' grid).
RIDGE_ALPHAS = np.logspace(-3, 3, 10)


class RandomKernelClassifier(ClassifierMixin, BaseEstimator):
    """Base: transform with random kernels, then a linear classifier.

    Attributes set by ``fit``
    -------------------------
    classes_ : np.ndarray
    transformer_ : BaseRandomKernelTransformer
    pipeline_ : sklearn.pipeline.Pipeline
        ``transformer_`` → scaler (if any) → linear model.
    estimator_ : str
        ``"ridge"`` or ``"logistic"`` (what ``estimator="auto"`` chose).
    head_ : LinearHead
        Scaler and linear model folded into one affine map: what ``predict`` and
        ``decision_function`` apply to the features (same scores as ``pipeline_``
        up to rounding, without two estimators' per-call validation).
    temperature_ : float or None
        Ridge heads: the softmax temperature of ``predict_proba`` (prevalidated ridge,
        :mod:`anyconv.timeseries.preval`), fitted on the ridge's leave-one-out scores of
        the training cases. ``None`` for logistic heads (their own probabilities).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``;
        y: ``(n_cases,)``; ``predict`` returns ``(n_cases,)``.
    """

    _scaling: ClassVar[Literal["none", "variance", "standard"]] = "variance"
    #: Multiply the ridge penalties by the number of training cases: the references'
    #: ``RidgeClassifierCV(..., normalize=True)`` (columns divided by their L2 norm,
    #: std * sqrt(n)) is ``StandardScaler`` + ridge with ``alpha * n_samples``
    #: (scikit-learn's note on removing ``normalize``).
    _alphas_per_case: ClassVar[bool] = False
    _min_timepoints: ClassVar[int] = 1

    _transformer_class: ClassVar[type[BaseRandomKernelTransformer]]

    def _make_transformer(self) -> BaseRandomKernelTransformer:
        """A fresh transformer taking every classifier parameter whose name it shares."""
        cls = self._transformer_class
        accepted = cls._get_param_names()
        return cls(**{name: value for name, value in self.get_params(deep=False).items() if name in accepted})

    def _make_linear(self, n_cases: int) -> tuple[str, BaseEstimator]:
        choice = self.estimator
        if choice not in ("auto", "ridge", "logistic"):
            raise ValueError(f"estimator must be 'auto', 'ridge' or 'logistic', got {choice!r}")
        if choice == "auto":
            choice = "logistic" if n_cases > LOGISTIC_THRESHOLD else "ridge"
        if choice == "ridge":
            alphas = RIDGE_ALPHAS * n_cases if self._alphas_per_case else RIDGE_ALPHAS
            return choice, RidgeClassifierCV(alphas=alphas, class_weight=self.class_weight)
        return choice, LogisticRegression(max_iter=1000, class_weight=self.class_weight)

    def make_head(self, n_cases: int) -> Pipeline:
        """The unfitted scaler (if any) and linear model that ``fit`` puts after the transform
        for ``n_cases`` training cases (also for features computed elsewhere)."""
        steps: list[tuple[str, BaseEstimator]] = []
        if self._scaling != "none":
            steps.append(("scale", StandardScaler(with_mean=self._scaling == "standard")))
        steps.append(("classify", self._make_linear(n_cases)[1]))
        return Pipeline(steps)

    def fit(self, X: object, y: object) -> RandomKernelClassifier:
        """Fit transformer, scaler and linear classifier.

        Parameters
        ----------
        X : array-like of shape (n_cases, n_channels, n_timepoints) or (n_cases, n_timepoints)
        y : array-like of shape (n_cases,)

        Returns
        -------
        self
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected; raveling it",
                DataConversionWarning,
                stacklevel=2,
            )
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one label per case), got shape {y.shape}")
        if y.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__} got 0 cases (y is empty); fit needs cases of at least 2 classes"
            )
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes, got 1 class: {classes}"
            )
        Xv = check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)
        if y.shape[0] != Xv.shape[0]:
            raise ValueError(
                f"y has {y.shape[0]} labels but X has {Xv.shape[0]} cases"
            )
        self.classes_ = classes
        head = self.make_head(Xv.shape[0])
        self.estimator_ = "logistic" if isinstance(head[-1], LogisticRegression) else "ridge"
        transformer = self._make_transformer()
        F = transformer.fit_transform(Xv, y)  # (n_cases, n_features), what Pipeline.fit does
        head.fit(F, y)
        self.pipeline_ = Pipeline([("transform", transformer), *head.steps])
        self.transformer_ = transformer
        self.head_ = LinearHead.fold(head)
        self.temperature_ = None if self.estimator_ == "logistic" else self._fit_temperature(head, F, y)
        self.n_features_in_ = self.transformer_.n_features_in_
        return self

    def _fit_temperature(self, head: Pipeline, F: np.ndarray, y: np.ndarray) -> float:
        """Prevalidated ridge: temperature fitted on the ridge's leave-one-out scores."""
        ridge = head[-1]
        Z = head[:-1].transform(F) if len(head) > 1 else F  # (n_cases, n_features), scaled
        Y = LabelBinarizer(pos_label=1, neg_label=-1).fit_transform(y)  # RidgeClassifierCV's targets
        weight = compute_sample_weight(self.class_weight, y) if self.class_weight else None
        loo = loo_ridge_scores(Z, Y, float(ridge.alpha_), weight)
        return fit_temperature(loo, np.searchsorted(self.classes_, y), weight)

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities, shape ``(n_cases, n_classes)``, rows summing to 1.

        Ridge heads: ``softmax(temperature_ * scores)`` (two classes: logits ``(-s, s)``),
        so ``argmax`` equals :meth:`predict`; logistic heads: the logistic regression's own.
        """
        Xv = self._validated(X)  # first: NotFittedError before pipeline_ is looked up
        F = self.transformer_.transform(Xv)
        if self.temperature_ is None:
            return self.pipeline_[1:].predict_proba(F)
        return temperature_proba(self.head_.decision_function(F), self.temperature_)

    def _validated(self, X: object) -> np.ndarray:
        check_is_fitted(self, "pipeline_")
        return check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)

    def predict(self, X: object) -> np.ndarray:
        """Predicted class labels, shape ``(n_cases,)``."""
        Xv = self._validated(X)  # first: NotFittedError before pipeline_ is looked up
        return self.head_.predict(self.transformer_.transform(Xv))

    def decision_function(self, X: object) -> np.ndarray:
        """Linear scores, shape ``(n_cases,)`` for 2 classes else ``(n_cases, n_classes)``."""
        Xv = self._validated(X)  # first: NotFittedError before pipeline_ is looked up
        return self.head_.decision_function(self.transformer_.transform(Xv))

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        return tags
