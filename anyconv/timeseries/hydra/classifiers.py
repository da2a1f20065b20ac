"""Hydra classifiers: features → the reference's sparse scaler (→ + standard scaler) → ridge / logistic.

The sparse scaler (angus924/hydra, aeon's ``_SparseScaler``) is not affine, so it
runs inside the classifier's transformer (:class:`ScaledFeatures`) and the head
(:class:`~anyconv.timeseries.linear_head.LinearHead`) folds only the linear model.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from anyconv.timeseries._base import BaseRandomKernelTransformer
from anyconv.timeseries._classifier import RandomKernelClassifier
from anyconv.timeseries.hydra.estimator import Hydra, MultiRocketHydra, _Engine
from anyconv.timeseries.hydra.kernels import HydraBank

__all__ = ["SparseScaler", "ScaledFeatures", "HydraClassifier", "MultiRocketHydraClassifier"]

_Estimator = Literal["auto", "ridge", "logistic"]


class SparseScaler(TransformerMixin, BaseEstimator):
    """Hydra's scaler: ``z = sqrt(max(x, 0))``, then ``(z - mean) * (z != 0) / (std + eps)``.

    ``std`` is the sample standard deviation (n - 1) and ``eps = (fraction of zeros)
    ** exponent + 1e-8`` per feature, both from the training data (as the reference).

    Parameters
    ----------
    mask : bool, default=True
        Keep zero counts at zero (the reference's default).
    exponent : int, default=4

    Shape:
        X: ``(n_cases, n_features)``; returns the same shape, float64.
    """

    def __init__(self, mask: bool = True, exponent: int = 4) -> None:
        self.mask = mask
        self.exponent = exponent

    def fit(self, X: np.ndarray, y: object = None) -> SparseScaler:
        """Per-feature mean, sample std and epsilon of ``sqrt(max(X, 0))``."""
        Z = np.sqrt(np.clip(np.asarray(X, dtype=np.float64), 0, None))
        if Z.ndim != 2 or Z.shape[0] < 2:
            raise ValueError(f"SparseScaler needs (n_cases >= 2, n_features) features, got shape {Z.shape}")
        self.epsilon_ = (Z == 0).mean(0) ** self.exponent + 1e-8
        self.mean_ = Z.mean(0)
        self.scale_ = Z.std(0, ddof=1) + self.epsilon_
        self.n_features_in_ = Z.shape[1]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        """Scaled features (float64)."""
        check_is_fitted(self, "scale_")
        Z = np.sqrt(np.clip(np.asarray(X, dtype=np.float64), 0, None))
        if Z.ndim != 2 or Z.shape[1] != self.n_features_in_:
            raise ValueError(f"expected features of shape (n_cases, {self.n_features_in_}), got {Z.shape}")
        centred = Z - self.mean_
        if self.mask:
            centred *= Z != 0
        return centred / self.scale_


class ScaledFeatures(TransformerMixin, BaseEstimator):
    """A random-kernel transformer followed by Hydra's scalers, fitted together.

    The first ``n_hydra_features_`` columns (all for Hydra) go through
    :class:`SparseScaler`, the rest (MultiRocket's) through ``StandardScaler()``.

    Shape:
        X: as the transformer's; returns ``(n_cases, n_features_out_)`` float64.
    """

    def __init__(self, transformer: BaseRandomKernelTransformer) -> None:
        self.transformer = transformer

    def fit_transform(self, X: object, y: object = None) -> np.ndarray:
        """Fit the transformer and the scalers; the scaled training features."""
        F = self.transformer.fit_transform(X)
        self.n_features_in_ = self.transformer.n_features_in_
        self.n_hydra_features_ = getattr(self.transformer, "n_hydra_features_", F.shape[1])
        self.sparse_ = SparseScaler().fit(F[:, : self.n_hydra_features_])
        self.standard_ = StandardScaler().fit(F[:, self.n_hydra_features_ :]) if F.shape[1] > self.n_hydra_features_ else None
        self.n_features_out_ = F.shape[1]
        return self._scale(F)

    def fit(self, X: object, y: object = None) -> ScaledFeatures:
        """Fit the transformer and the scalers."""
        self.fit_transform(X, y)
        return self

    def _scale(self, F: np.ndarray) -> np.ndarray:
        nh = self.n_hydra_features_
        if self.standard_ is None:
            return self.sparse_.transform(F)
        # written in place: StandardScaler.transform's float64 ops ((x - mean) / scale) without
        # its copies and the concatenation (three passes over MultiRocket's ~50k columns)
        out = np.empty(F.shape, dtype=np.float64)  # (n_cases, n_features_out_)
        out[:, :nh] = self.sparse_.transform(F[:, :nh])
        np.subtract(F[:, nh:], self.standard_.mean_, out=out[:, nh:], dtype=np.float64)
        out[:, nh:] /= self.standard_.scale_
        return out

    def transform(self, X: object) -> np.ndarray:
        """Transform, then scale."""
        check_is_fitted(self, "sparse_")
        return self._scale(self.transformer.transform(X))


class ScaledHead:
    """Mixin of the Hydra classifiers and regressors (listed before their random-kernel base):
    the transformer is wrapped with its scalers (:class:`ScaledFeatures`), so the head is the
    linear model only."""

    _scaling: ClassVar[str] = "none"

    def _make_transformer(self) -> ScaledFeatures:
        return ScaledFeatures(super()._make_transformer())  # type: ignore[misc]  # the estimator base's


class _HydraHead(ScaledHead, RandomKernelClassifier):
    """Hydra classifiers: the scaled transformer, then the ridge (or logistic) head."""


class HydraClassifier(_HydraHead):
    """Hydra features → :class:`SparseScaler` → ``RidgeClassifierCV(logspace(-3, 3, 10))`` (or logistic).

    Parameters
    ----------
    n_kernels, n_groups, max_num_channels, n_jobs, random_state, batch_size, device, engine, bank :
        Passed to :class:`~anyconv.timeseries.Hydra`.
    estimator : {"auto", "ridge", "logistic"}, default="auto"
        Ridge up to 10 000 training cases, logistic regression above (``"auto"``).
    class_weight : dict, "balanced" or None, default=None

    Attributes
    ----------
    transformer_ : ScaledFeatures
        ``transformer_.transformer`` is the fitted :class:`~anyconv.timeseries.Hydra`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _min_timepoints: ClassVar[int] = 9
    _transformer_class: ClassVar[type[BaseRandomKernelTransformer]] = Hydra

    def __init__(
        self,
        n_kernels: int = 8,
        n_groups: int = 64,
        max_num_channels: int = 8,
        estimator: _Estimator = "auto",
        class_weight: dict | str | None = None,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: _Engine = "auto",
        bank: HydraBank | None = None,
    ) -> None:
        self.n_kernels = n_kernels
        self.n_groups = n_groups
        self.max_num_channels = max_num_channels
        self.estimator = estimator
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
        self.bank = bank


class MultiRocketHydraClassifier(_HydraHead):
    """``[Hydra → SparseScaler | MultiRocket → StandardScaler]`` → one ridge (or logistic).

    Parameters
    ----------
    n_kernels, n_groups, max_num_channels, n_multirocket_kernels, n_jobs, random_state, batch_size,
    device, engine, bank :
        Passed to :class:`~anyconv.timeseries.MultiRocketHydra`.
    estimator, class_weight :
        As :class:`HydraClassifier`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _min_timepoints: ClassVar[int] = 10
    _transformer_class: ClassVar[type[BaseRandomKernelTransformer]] = MultiRocketHydra

    def __init__(
        self,
        n_kernels: int = 8,
        n_groups: int = 64,
        max_num_channels: int = 8,
        n_multirocket_kernels: int = 6_250,
        estimator: _Estimator = "auto",
        class_weight: dict | str | None = None,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: _Engine = "auto",
        bank: HydraBank | None = None,
    ) -> None:
        self.n_kernels = n_kernels
        self.n_groups = n_groups
        self.max_num_channels = max_num_channels
        self.n_multirocket_kernels = n_multirocket_kernels
        self.estimator = estimator
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
        self.bank = bank
