"""Regressors of the ROCKET family: transform → ``StandardScaler(with_mean=False)`` → ``RidgeCV``.

The pipelines of aeon's ``RocketRegressor``, ``MiniRocketRegressor`` and
``MultiRocketRegressor`` (and of the papers' regression experiments), on our
transformers, with the guards of :class:`~anyconv.timeseries._regressor.RandomKernelRegressor`.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import torch

from anyconv.timeseries._regressor import RandomKernelRegressor
from anyconv.timeseries.minirocket import MiniRocket, MultiRocket
from anyconv.timeseries.rocket import Rocket

__all__ = ["RocketRegressor", "MiniRocketRegressor", "MultiRocketRegressor"]


class RocketRegressor(RandomKernelRegressor):
    """ROCKET features → ``StandardScaler(with_mean=False)`` → ``RidgeCV``.

    Parameters
    ----------
    n_kernels, normalise, random_state, n_jobs, batch_size, device, engine
        As :class:`~anyconv.timeseries.Rocket`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _transformer_class: ClassVar[type[Rocket]] = Rocket

    def __init__(
        self,
        n_kernels: int = 10_000,
        normalise: bool = True,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        device: str | torch.device = "cpu",
        engine: str = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.normalise = normalise
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.device = device
        self.engine = engine


class MiniRocketRegressor(RandomKernelRegressor):
    """MiniRocket features → ``StandardScaler(with_mean=False)`` → ``RidgeCV``.

    Parameters
    ----------
    n_kernels, max_dilations_per_kernel, n_jobs, random_state, batch_size, device, engine
        As :class:`~anyconv.timeseries.MiniRocket`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _min_timepoints: ClassVar[int] = 9
    _transformer_class: ClassVar[type[MiniRocket]] = MiniRocket

    def __init__(
        self,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: str = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine


class MultiRocketRegressor(RandomKernelRegressor):
    """MultiRocket features → ``StandardScaler(with_mean=False)`` → ``RidgeCV`` (as aeon).

    Parameters
    ----------
    n_kernels : int, default=6_250
    max_dilations_per_kernel, n_jobs, random_state, batch_size, device, engine
        As :class:`~anyconv.timeseries.MultiRocket`.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``; y: ``(n_cases,)``.
    """

    _min_timepoints: ClassVar[int] = 10
    _transformer_class: ClassVar[type[MultiRocket]] = MultiRocket

    def __init__(
        self,
        n_kernels: int = 6_250,
        max_dilations_per_kernel: int = 32,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: str = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
