"""Classifiers of the MiniRocket family: transform → scaler → ridge / logistic.

Scaling follows the references: MiniRocket and HDC-MiniRocket use
``StandardScaler(with_mean=False)`` (as aeon; the original used ridge's removed
``normalize=True``), MultiRocket standardises mean and variance (reference).
``estimator="auto"`` switches from ``RidgeClassifierCV(alphas=logspace(-3, 3, 10))``
to logistic regression above 10 000 training cases (the papers use an SGD
logistic regression there; we use scikit-learn's ``LogisticRegression``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np

from anyconv.timeseries._classifier import RandomKernelClassifier
from anyconv.timeseries.minirocket.estimator import MiniRocket
from anyconv.timeseries.minirocket.hdc import HDCMiniRocket
from anyconv.timeseries.minirocket.multirocket import MultiRocket

__all__ = ["MiniRocketClassifier", "MultiRocketClassifier", "HDCMiniRocketClassifier"]

_Estimator = Literal["auto", "ridge", "logistic"]


class MiniRocketClassifier(RandomKernelClassifier):
    """MiniRocket features → ``StandardScaler(with_mean=False)`` → ridge (or logistic).

    Parameters
    ----------
    n_kernels, max_dilations_per_kernel, n_jobs, random_state, batch_size, device, engine :
        Passed to :class:`~anyconv.timeseries.MiniRocket`.
    estimator : {"auto", "ridge", "logistic"}, default="auto"
    class_weight : dict, "balanced" or None, default=None

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _scaling: ClassVar[str] = "variance"
    _min_timepoints: ClassVar[int] = 9
    _transformer_class: ClassVar[type[MiniRocket]] = MiniRocket

    def __init__(
        self,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        estimator: _Estimator = "auto",
        class_weight: dict | str | None = None,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: str = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.estimator = estimator
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine


class MultiRocketClassifier(RandomKernelClassifier):
    """MultiRocket features → ``StandardScaler()`` → ridge (or logistic).

    Parameters
    ----------
    n_kernels : int, default=6_250
    max_dilations_per_kernel, estimator, class_weight, n_jobs, random_state, batch_size, device, engine :
        As :class:`MiniRocketClassifier`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _scaling: ClassVar[str] = "standard"
    _min_timepoints: ClassVar[int] = 10
    _transformer_class: ClassVar[type[MultiRocket]] = MultiRocket

    def __init__(
        self,
        n_kernels: int = 6_250,
        max_dilations_per_kernel: int = 32,
        estimator: _Estimator = "auto",
        class_weight: dict | str | None = None,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: str = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.estimator = estimator
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine


class HDCMiniRocketClassifier(RandomKernelClassifier):
    """HDC-MiniRocket features → ``StandardScaler(with_mean=False)`` → ridge (or logistic).

    Parameters
    ----------
    scale : float, default=1.0
        Time-encoding similarity scale (0 = MiniRocket).
    n_kernels, max_dilations_per_kernel, estimator, class_weight, n_jobs, random_state, batch_size, device, engine :
        As :class:`MiniRocketClassifier`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _scaling: ClassVar[str] = "variance"
    _min_timepoints: ClassVar[int] = 9
    _transformer_class: ClassVar[type[HDCMiniRocket]] = HDCMiniRocket

    def __init__(
        self,
        scale: float = 1.0,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        estimator: _Estimator = "auto",
        class_weight: dict | str | None = None,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: str = "auto",
    ) -> None:
        self.scale = scale
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.estimator = estimator
        self.class_weight = class_weight
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
