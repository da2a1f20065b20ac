"""Hydra regressors: features → the sparse scaler (MR-Hydra: + standard scaler) → ``RidgeCV``.

aeon's ``HydraRegressor`` / ``MultiRocketHydraRegressor`` pipelines on our transformers,
with the guards of :class:`~anyconv.timeseries._regressor.RandomKernelRegressor`
(float64 ridge on a standardised target, ill-conditioning warnings). The scalers run
inside the transformer (:class:`~anyconv.timeseries.hydra.classifiers.ScaledFeatures`).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from anyconv.timeseries._base import BaseRandomKernelTransformer
from anyconv.timeseries._regressor import RandomKernelRegressor
from anyconv.timeseries.hydra.classifiers import ScaledHead
from anyconv.timeseries.hydra.estimator import Hydra, MultiRocketHydra, _Engine
from anyconv.timeseries.hydra.kernels import HydraBank

__all__ = ["HydraRegressor", "MultiRocketHydraRegressor"]


class _ScaledRegressor(ScaledHead, RandomKernelRegressor):
    """Hydra regressors: the scaled transformer, then ``RidgeCV``."""


class HydraRegressor(_ScaledRegressor):
    """Hydra features → :class:`~anyconv.timeseries.hydra.SparseScaler` → ``RidgeCV``.

    Parameters
    ----------
    n_kernels, n_groups, max_num_channels, n_jobs, random_state, batch_size, device, engine, bank :
        As :class:`~anyconv.timeseries.Hydra`.

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
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
        self.bank = bank


class MultiRocketHydraRegressor(_ScaledRegressor):
    """``[Hydra → SparseScaler | MultiRocket → StandardScaler]`` → ``RidgeCV``.

    Parameters
    ----------
    n_kernels, n_groups, max_num_channels, n_multirocket_kernels, n_jobs, random_state, batch_size,
    device, engine, bank :
        As :class:`~anyconv.timeseries.MultiRocketHydra`.

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
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
        self.bank = bank
