"""LightWaveS (Pantiskas, Verstoep, Hoogendoorn & Bal, 2022) as scikit-learn estimators.

``fit`` scales each channel with training statistics, samples at most ``max_cases``
cases, computes every candidate feature (84 kernels x 6 dilations x 8 features per
channel, :mod:`.engine`), pre-selects ``n_candidates`` by ANOVA and keeps
``n_features`` by mRMR (:mod:`.select`), optionally with the channels split over
``n_workers`` processes (:mod:`.distributed`). ``transform`` applies only the
selected kernels to only the selected channels (:mod:`.native` or :mod:`.engine`).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import torch
from sklearn.utils import check_random_state

from anyconv.timeseries import native
from anyconv.timeseries._args import int_at_least, optional_int_at_least
from anyconv.timeseries._base import BaseRandomKernelTransformer, resolve_device, resolve_n_jobs
from anyconv.timeseries._classifier import RandomKernelClassifier
from anyconv.timeseries._layouts import layout
from anyconv.timeseries.lightwaves.distributed import (
    active_process_group,
    select_features_distributed,
    select_features_in_group,
)
from anyconv.timeseries.lightwaves.engine import LightWaveSPlan, apply_lightwaves, plan_lightwaves
from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels
from anyconv.timeseries.lightwaves.native import NativeLightWaveSPlan, apply_lightwaves_native, plan_lightwaves_native
from anyconv.timeseries.lightwaves.select import select_features
from anyconv.timeseries.native import choose_engine

__all__ = ["LightWaveS", "LightWaveSClassifier"]

class LightWaveS(BaseRandomKernelTransformer):
    """LightWaveS transform: 500 selected wavelet-like two-layer kernel features.

    Parameters
    ----------
    n_features : int, default=500
        Features kept by mRMR (fewer if fewer candidates vary).
    n_candidates : int or None, default=None
        ANOVA pre-selection pool; ``None`` means ``3 * n_features`` (the reference).
    max_cases : int, default=1500
        Fit on a random sample of at most this many cases (the reference's SAMPLE_SIZE).
    standardise : bool, default=True
        Standardise each channel with its training mean and std (``+1e-8``).
        (Called ``scale`` before; renamed so that ``scale`` means one thing in this
        package: :class:`~anyconv.timeseries.HDCMiniRocket`'s float similarity scale.)
    n_workers : int, default=1
        Processes the feature selection is split over (torch.distributed, gloo).
        The workers are *spawned*: each re-imports the script that called ``fit``,
        so a script fitting with ``n_workers > 1`` must keep its work under
        ``if __name__ == "__main__":``, or every worker runs the whole script again
        (at best wasted time, at worst workers that spawn workers).
    random_state : int, RandomState or None, default=None
        Seed of the case sampling (the only randomness; kernels are fixed).
    n_jobs : int or None, default=1
        torch threads (split between workers when ``n_workers > 1``).
    batch_size : int or None, default=None
        Cases per batch; ``None`` picks a memory-bounded size.
    device : str or torch.device, default="cpu"
        Where ``transform`` computes.
    engine : {"auto", "native", "torch"}, default="auto"
        How ``transform`` applies the selected kernels: ``"native"`` runs both
        layers and all features of each kernel in one compiled loop
        (:func:`~anyconv.timeseries.lightwaves.native.lightwaves_into`; CPU; 5-7x faster
        than ``"torch"`` on GunPoint/OSULeaf), ``"torch"`` uses torch ops (CPU
        or CUDA), ``"auto"`` picks ``"native"`` when it can run. Same features
        up to float32 rounding. ``fit`` always uses the torch engine.

    Attributes
    ----------
    kernels_ : LightWaveSKernels
        Selected (channel, kernel, dilation) triples and feature mask.
    channels_ : np.ndarray
        Channels the transform reads (channel selection).
    mean_, std_ : np.ndarray
        Per-channel scaling, shape ``(n_channels,)``.
    n_features_out_ : int

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``, y
        ``(n_cases,)`` -> ``(n_cases, n_features_out_)`` float32.
    """

    _min_timepoints: ClassVar[int] = 2

    def __init__(
        self,
        n_features: int = 500,
        n_candidates: int | None = None,
        max_cases: int = 1500,
        standardise: bool = True,
        n_workers: int = 1,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        device: str | torch.device = "cpu",
        engine: Literal["auto", "native", "torch"] = "auto",
    ) -> None:
        self.n_features = n_features
        self.n_candidates = n_candidates
        self.max_cases = max_cases
        self.standardise = standardise
        self.n_workers = n_workers
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.device = device
        self.engine = engine

    def _check_common_params(self) -> None:
        int_at_least("n_features", self.n_features, 1)
        optional_int_at_least("n_candidates", self.n_candidates, 1)
        int_at_least("max_cases", self.max_cases, 2)
        int_at_least("n_workers", self.n_workers, 1)
        optional_int_at_least("batch_size", self.batch_size, 1)
        if not isinstance(self.standardise, (bool, np.bool_)):
            raise ValueError(f"standardise must be True or False, got {self.standardise!r}")
        resolve_n_jobs(self.n_jobs)
        self._device = resolve_device(self.device)
        choose_engine(self.engine, self._device, reference_ok=False)

    _case_multiple: ClassVar[int] = native.LANES  # whole vector blocks for the native loop

    def _worth_splitting(self, n_cases: int, n_timepoints: int) -> bool:
        # below ~1e6 kernel positions one thread wins (measured, native loop, 2 threads:
        # UnitTest 22 x 332 x 24 = 0.18e6: 0.29 ms inline vs 0.45 ms split; Covid3Month_disc
        # 1.7e6: 1.49 vs 1.04 ms)
        return n_cases * self.kernels_.n_kernels * n_timepoints >= 1 << 20

    def _elements_per_case(self, n_timepoints: int) -> int:
        return 4 * max(self.kernels_.n_kernels, 84) * n_timepoints

    def _fit(self, X: np.ndarray, y: object) -> None:
        if y is None:
            raise ValueError("LightWaveS selects features with the class labels: fit(X, y) needs y")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(f"y must be 1-D with one label per case ({X.shape[0]}), got shape {y.shape}")
        self.mean_ = X.mean(axis=(0, 2), dtype=np.float64) if self.standardise else np.zeros(X.shape[1])
        self.std_ = X.std(axis=(0, 2), dtype=np.float64) + 1e-8 if self.standardise else np.ones(X.shape[1])
        if X.shape[0] > self.max_cases:
            rows = check_random_state(self.random_state).choice(X.shape[0], self.max_cases, replace=False)
            X, y = X[np.sort(rows)], y[np.sort(rows)]
        Xs = self._scaled(X, np.arange(X.shape[1]))
        n_candidates = 3 * self.n_features if self.n_candidates is None else self.n_candidates
        n_candidates = max(n_candidates, self.n_features)
        bs = max(1, min(512, (1 << 22) // (84 * X.shape[2])))
        if (group := active_process_group()) is not None:  # fit_in_process_group
            ids = select_features_in_group(Xs, y, self.n_features, n_candidates, bs, group[0])
        elif self.n_workers == 1:
            ids = select_features(Xs, y, self.n_features, n_candidates, bs)
        else:
            threads = max(1, resolve_n_jobs(self.n_jobs) // self.n_workers)
            ids = select_features_distributed(Xs, y, self.n_features, n_candidates, self.n_workers, bs, threads)
        self.kernels_ = LightWaveSKernels.from_feature_ids(ids)
        self.channels_ = self.kernels_.used_channels()
        self.n_features_out_ = self.kernels_.n_features

    def _scaled(self, X: np.ndarray, channels: np.ndarray) -> np.ndarray:
        """Scale the given channels with the training statistics, float32."""
        mean, std = self.mean_[channels], self.std_[channels]
        return ((X[:, channels] - mean[:, None]) / std[:, None]).astype(np.float32)

    def _get_plan(self, engine: str) -> LightWaveSPlan | NativeLightWaveSPlan:
        """The ``engine``'s layout of ``kernels_``, channel ids relative to ``channels_``
        (built once, :func:`~anyconv.timeseries._layouts.layout`)."""
        bank, channels = self.kernels_, self.channels_

        def build() -> LightWaveSPlan | NativeLightWaveSPlan:
            local = LightWaveSKernels(  # channel ids relative to the selected channels
                np.searchsorted(channels, bank.channels), bank.kernel_ids, bank.dilation_exps, bank.feature_mask
            )
            if engine == "native":
                return plan_lightwaves_native(local)
            return plan_lightwaves(local, torch.float32, self._device)

        key = "lightwaves-native" if engine == "native" else ("lightwaves-torch", str(self._device))
        return layout((bank, channels), key, build)

    def _before_transform(self) -> None:
        self._get_plan(choose_engine(self.engine, self._device))  # build once, before batches may run in threads

    def _transform(self, X: np.ndarray) -> np.ndarray:
        if self.kernels_.n_kernels == 0:
            return np.zeros((X.shape[0], 0), dtype=np.float32)
        Xs = self._scaled(X, self.channels_)  # (n, n_selected_channels, L): only what is read
        engine = choose_engine(self.engine, self._device)
        if engine == "native":
            return apply_lightwaves_native(Xs, self._get_plan(engine))
        return apply_lightwaves(Xs, self._get_plan(engine), batch_size=max(1, Xs.shape[0]))


class LightWaveSClassifier(RandomKernelClassifier):
    """LightWaveS transform, ``StandardScaler``, then ``RidgeClassifierCV``.

    The reference fits ``RidgeClassifierCV(alphas=logspace(-3, 3, 10), normalize=True)``
    (removed in scikit-learn 1.2); its equivalent, used here, standardises the features
    and multiplies the penalties by the number of training cases (``normalize`` divided
    each centred column by its L2 norm, ``std * sqrt(n_cases)``).

    Parameters
    ----------
    n_features, n_candidates, max_cases, standardise, n_workers, random_state, n_jobs, batch_size, device, engine
        As :class:`LightWaveS`.
    estimator : {"auto", "ridge", "logistic"}, default="auto"
        Linear model; ``"auto"`` is ridge up to 10 000 training cases, else logistic.
    class_weight : dict, "balanced" or None, default=None
        Passed to the linear model.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``;
        y ``(n_cases,)``; ``predict`` returns ``(n_cases,)``.
    """

    _scaling: ClassVar[str] = "standard"
    _alphas_per_case: ClassVar[bool] = True
    _min_timepoints: ClassVar[int] = 2
    _transformer_class: ClassVar[type[LightWaveS]] = LightWaveS

    def __init__(
        self,
        n_features: int = 500,
        n_candidates: int | None = None,
        max_cases: int = 1500,
        standardise: bool = True,
        n_workers: int = 1,
        random_state: int | np.random.RandomState | None = None,
        n_jobs: int | None = 1,
        batch_size: int | None = None,
        device: str | torch.device = "cpu",
        engine: str = "auto",
        estimator: str = "auto",
        class_weight: dict | str | None = None,
    ) -> None:
        self.n_features = n_features
        self.n_candidates = n_candidates
        self.max_cases = max_cases
        self.standardise = standardise
        self.n_workers = n_workers
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.device = device
        self.engine = engine
        self.estimator = estimator
        self.class_weight = class_weight
