"""ROCKET (Dempster, Petitjean & Webb, 2020) as scikit-learn estimators.

``Rocket`` samples a bank of random dilated kernels in ``fit``
(:func:`~anyconv.timeseries.rocket.kernels.sample_rocket_kernels`) and applies it in
``transform`` with the compiled loop (:mod:`~anyconv.timeseries.rocket.native`) or the
batched torch engine (:func:`~anyconv.timeseries.rocket.engine.apply_rocket`), two
features (PPV, max) per kernel. ``RocketClassifier`` adds the papers' scaling and ridge classifier.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import torch
from sklearn.utils import check_random_state

from anyconv.timeseries import native
from anyconv.timeseries._base import BaseRandomKernelTransformer
from anyconv.timeseries._classifier import RandomKernelClassifier
from anyconv.timeseries._layouts import layout
from anyconv.timeseries.native import choose_engine
from anyconv.timeseries.rocket.engine import RocketPlan, apply_rocket, plan_rocket
from anyconv.timeseries.rocket.kernels import RocketKernels, sample_rocket_kernels
from anyconv.timeseries.rocket.native import NativeRocketPlan, apply_rocket_native, plan_rocket_native

__all__ = ["Rocket", "RocketClassifier", "normalise_series"]


def normalise_series(X: np.ndarray) -> np.ndarray:
    """Z-normalise each channel of each case over time (std 0 is replaced by 1, as aeon).

    Shape:
        ``(n_cases, n_channels, n_timepoints)`` -> same, float32.
    """
    X = np.asarray(X, dtype=np.float32)
    mean = X.mean(axis=-1, keepdims=True, dtype=np.float64)
    std = X.std(axis=-1, keepdims=True, dtype=np.float64)
    std[std == 0] = 1.0
    return ((X - mean) / std).astype(np.float32)


class Rocket(BaseRandomKernelTransformer):
    """RandOm Convolutional KErnel Transform.

    Parameters
    ----------
    n_kernels : int, default=10_000
        Number of random kernels; the output has ``2 * n_kernels`` features.
    normalise : bool, default=True
        Z-normalise each channel of each case before the kernels are applied (as aeon).
    random_state : int, RandomState or None, default=None
        Seed of the kernel sampling.
    n_jobs : int or None, default=1
        torch threads used by ``fit`` and ``transform`` (``-1``: all cores).
    batch_size : int or None, default=None
        Cases per transform batch; ``None`` picks a memory-bounded size.
    device : str or torch.device, default="cpu"
        Where the convolutions run (``"cuda"`` if available).
    engine : {"auto", "native", "torch"}, default="auto"
        ``"native"``: each kernel's convolution, PPV and max in one compiled loop
        (:func:`~anyconv.timeseries.rocket.native.rocket_into`; CPU; 2-2.7x faster than
        ``"torch"`` on BasicMotions/OSULeaf); ``"torch"``: im2col + matmul per
        kernel group (CPU or CUDA); ``"auto"``: ``"native"`` when it can run.
        Same features up to float32 rounding.

    Attributes
    ----------
    kernels_ : RocketKernels
        The sampled bank (plain arrays; any engine can apply it).
    n_features_out_ : int
        ``2 * n_kernels``.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)`` ->
        ``(n_cases, 2 * n_kernels)`` float32, columns ``[ppv_0, max_0, ppv_1, ...]``.

    Notes
    -----
    Computed in float32 (like the references). For series shorter than a kernel's
    span the references draw dilation 0; here dilation is at least 1 and such a
    kernel is padded so at least one output exists.
    """

    _min_timepoints: ClassVar[int] = 1

    def __init__(
        self,
        n_kernels: int = 10_000,
        normalise: bool = True,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        device: str | torch.device = "cpu",
        engine: Literal["auto", "native", "torch"] = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.normalise = normalise
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.device = device
        self.engine = engine

    def _fit(self, X: np.ndarray, y: object) -> None:
        if not isinstance(self.normalise, (bool, np.bool_)):
            raise ValueError(f"normalise must be True or False, got {self.normalise!r}")
        choose_engine(self.engine, self._device, reference_ok=False)
        rng = check_random_state(self.random_state)
        _, n_channels, n_timepoints = X.shape
        self.kernels_ = sample_rocket_kernels(n_timepoints, n_channels, self.n_kernels, rng)
        self.n_features_out_ = 2 * self.n_kernels

    def _elements_per_case(self, n_timepoints: int) -> int:
        return 2 * self.n_kernels + self.n_channels_ * n_timepoints

    _case_multiple: ClassVar[int] = native.LANES  # whole vector blocks for the native loop

    def _get_plan(self, engine: str) -> RocketPlan | NativeRocketPlan:
        """The ``engine``'s layout of ``kernels_`` (built once, :func:`~anyconv.timeseries._layouts.layout`)."""
        if engine == "native":
            return layout((self.kernels_,), "rocket-native", lambda: plan_rocket_native(self.kernels_))
        return layout((self.kernels_,), ("rocket-torch", str(self._device), self.n_channels_),
                      lambda: plan_rocket(self.kernels_, self.n_channels_, torch.float32, self._device))

    def _before_transform(self) -> None:
        self._get_plan(choose_engine(self.engine, self._device))  # build once, before batches run in threads

    def _transform(self, X: np.ndarray) -> np.ndarray:
        X = normalise_series(X) if self.normalise else np.asarray(X, dtype=np.float32)
        if choose_engine(self.engine, self._device) == "native":
            return apply_rocket_native(X, self._get_plan("native"))
        return apply_rocket(X, self._get_plan("torch"))

    def set_kernels(self, kernels: RocketKernels | tuple) -> Rocket:
        """Replace the fitted bank, e.g. with kernels sampled by aeon (``aeon_rocket.kernels``).

        Parameters
        ----------
        kernels : RocketKernels or the reference 7-tuple
            Must read only channels ``< n_channels_``.

        Returns
        -------
        self
        """
        bank = kernels if isinstance(kernels, RocketKernels) else RocketKernels.from_tuple(kernels)
        if bank.channel_indices.size and int(bank.channel_indices.max()) >= self.n_channels_:
            raise ValueError(
                f"kernels read channel {int(bank.channel_indices.max())}, but the estimator "
                f"was fitted with {self.n_channels_} channel(s)"
            )
        self.kernels_ = bank
        self.n_features_out_ = 2 * bank.n_kernels
        return self


class RocketClassifier(RandomKernelClassifier):
    """ROCKET transform, ``StandardScaler(with_mean=False)``, then ``RidgeClassifierCV``.

    Parameters
    ----------
    n_kernels, normalise, random_state, n_jobs, batch_size, device, engine
        As :class:`Rocket`.
    estimator : {"auto", "ridge", "logistic"}, default="auto"
        Linear model; ``"auto"`` is ridge up to 10 000 training cases, else logistic.
    class_weight : dict, "balanced" or None, default=None
        Passed to the linear model.

    Attributes
    ----------
    classes_, transformer_, pipeline_, estimator_
        See :class:`~anyconv.timeseries._classifier.RandomKernelClassifier`.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``;
        y ``(n_cases,)``; ``predict`` returns ``(n_cases,)``.
    """

    _scaling: ClassVar[str] = "variance"
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
        estimator: str = "auto",
        class_weight: dict | str | None = None,
    ) -> None:
        self.n_kernels = n_kernels
        self.normalise = normalise
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
        self.estimator = estimator
        self.class_weight = class_weight
