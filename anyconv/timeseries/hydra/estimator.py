"""Hydra and MultiRocket-Hydra transformers (Dempster, Schmidt & Webb, DMKD 2023).

``Hydra.fit`` samples a :class:`~anyconv.timeseries.hydra.kernels.HydraBank` with numpy
from ``random_state`` (or takes the one passed as ``bank=``, e.g. exported from aeon
with :func:`~anyconv.timeseries.hydra.kernels.bank_from_aeon`); ``transform`` applies
it with the compiled loop (``native.py``, CPU), the torch engine (``engine.py``, CPU or
CUDA) or the numpy loops (``reference.py``).
``MultiRocketHydra`` concatenates Hydra's features and MultiRocket's.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from anyconv.timeseries._args import int_at_least
from anyconv.timeseries._base import BaseRandomKernelTransformer
from anyconv.timeseries._layouts import layout
from anyconv.timeseries._validation import check_collection, check_consistent
from anyconv.timeseries.hydra.engine import hydra_transform, make_plan
from anyconv.timeseries.hydra.kernels import KERNEL_LENGTH, HydraBank, hydra_dilations, sample_hydra_bank
from anyconv.timeseries.hydra.native import hydra_transform_native, native_bank
from anyconv.timeseries.hydra.reference import reference_hydra
from anyconv.timeseries.minirocket.multirocket import MultiRocket
from anyconv.timeseries.native import choose_engine

__all__ = ["Hydra", "MultiRocketHydra"]

_Engine = Literal["auto", "native", "torch", "reference"]


def _check_bank(bank: HydraBank, n_channels: int, n_timepoints: int, k: int, g: int) -> HydraBank:
    """``bank`` if it fits series of this shape and the ``(k, g)`` asked for, else ``ValueError``."""
    if not isinstance(bank, HydraBank):
        raise ValueError(f"bank must be a HydraBank or None, got {type(bank).__name__}")
    want = hydra_dilations(n_timepoints)
    divisor = min(2, g)
    h = g // divisor
    shape = (len(want), divisor, k * h, KERNEL_LENGTH)
    if not np.array_equal(bank.dilations, want) or bank.weights.shape != shape or (bank.k, bank.h) != (k, h):
        raise ValueError(
            f"bank does not fit: expected dilations {want.tolist()} and weights of shape {shape} "
            f"(k={k}, h={h}), got dilations {bank.dilations.tolist()} and weights {bank.weights.shape} "
            f"(k={bank.k}, h={bank.h})"
        )
    if n_channels > 1 and (bank.channels.shape[:3] != (*shape[:2], h) or bank.channels.max(initial=0) >= n_channels):
        raise ValueError(f"bank's channel indices {bank.channels.shape} do not fit {n_channels} channels")
    return bank


class Hydra(BaseRandomKernelTransformer):
    """HYDRA: competing convolutional kernels.

    Parameters
    ----------
    n_kernels : int, default=8
        Kernels per group (``k``).
    n_groups : int, default=64
        Groups per dilation (``g``); half on the series, half on its first difference.
    max_num_channels : int, default=8
        Most channels summed into one group's input (multivariate).
    n_jobs, random_state, batch_size, device :
        As :class:`~anyconv.timeseries.MiniRocket`. The bank is drawn with numpy
        (``check_random_state(random_state)``): the same kernels on every machine.
    engine : {"auto", "native", "torch", "reference"}, default="auto"
        ``"native"``: one compiled loop convolves and runs the competition in one
        pass per kernel group, eight cases per vector (CPU; ``_native/hydra.c``;
        features equal aeon's bit for bit where
        :func:`~anyconv.timeseries.hydra.native.sums_like_torch`, else within float32 rounding);
        ``"torch"``: CPU or CUDA; ``"auto"``: ``"native"`` on the CPU when the
        compiled loops are available (:func:`anyconv.timeseries.native.status`),
        else ``"torch"``; ``"reference"``: numpy loops in float64, the test oracle.
    bank : HydraBank or None, default=None
        Use this bank instead of sampling one (injected weights, e.g. aeon's).

    Attributes
    ----------
    bank_ : HydraBank
    n_features_out_ : int
        ``n_dilations * 2 * n_groups * n_kernels`` (``n_groups >= 2``).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``,
        ``n_timepoints >= 9``; returns ``(n_cases, n_features_out_)`` float32.
    """

    _min_timepoints: ClassVar[int] = 9
    #: automatic batches in whole vector blocks of cases (the native loop's LANES)
    _case_multiple: ClassVar[int] = 8

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

    def _engine(self) -> str:
        return choose_engine(self.engine, self._device)

    def _fit(self, X: np.ndarray, y: object) -> None:
        g = int_at_least("n_groups", self.n_groups, 1)
        m = int_at_least("max_num_channels", self.max_num_channels, 1)
        self._engine()
        _, C, L = X.shape
        if self.bank is not None:
            self.bank_ = _check_bank(self.bank, C, L, int(self.n_kernels), g)
        else:
            self.bank_ = sample_hydra_bank(L, C, int(self.n_kernels), g, m, check_random_state(self.random_state))
        self.n_features_out_ = self.bank_.n_features

    def _elements_per_case(self, n_timepoints: int) -> int:
        if self._engine() == "native":  # the padded layout and the features: nothing of size (k, L)
            pad = 4 * int(self.bank_.dilations.max(initial=0))
            return self.n_channels_ * (n_timepoints + 2 * pad) + self.n_features_out_
        return 3 * self.bank_.divisor * self.bank_.h * self.bank_.k * n_timepoints

    def _plan(self, engine: str):
        """The engine's layout of ``bank_`` (built once, :func:`~anyconv.timeseries._layouts.layout`)."""
        if engine == "native":
            return layout((self.bank_,), "hydra-native", lambda: native_bank(self.bank_))
        key = ("hydra-torch", str(self._device), self.n_channels_)
        return layout((self.bank_,), key, lambda: make_plan(self.bank_, self.n_channels_, device=self._device))

    def _before_transform(self) -> None:
        engine = self._engine()
        if engine != "reference":
            self._plan(engine)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        engine = self._engine()
        if engine == "reference":
            return reference_hydra(X, self.bank_).astype(np.float32)
        if engine == "native":
            return hydra_transform_native(torch.as_tensor(X, dtype=torch.float32), self._plan(engine), self.bank_.k).numpy()
        x = torch.as_tensor(X, dtype=torch.float32).to(self._device)
        return hydra_transform(x, self._plan(engine)).cpu().numpy()


class MultiRocketHydra(BaseRandomKernelTransformer):
    """Hydra features followed by MultiRocket features: ``[Hydra | MultiRocket]``.

    Parameters
    ----------
    n_kernels, n_groups, max_num_channels, bank :
        Hydra's (:class:`Hydra`).
    n_multirocket_kernels : int, default=6_250
        MultiRocket's ``n_kernels`` (49 728 features by default).
    n_jobs, random_state, batch_size, device :
        Passed to both (an int ``random_state`` draws aeon's MultiRocket kernels).
    engine : {"auto", "native", "torch", "reference"}, default="auto"
        Passed to both transformers.

    Attributes
    ----------
    hydra_ : Hydra
    multirocket_ : MultiRocket
    n_hydra_features_ : int
        Width of the Hydra block (the first columns).
    n_features_out_ : int

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``,
        ``n_timepoints >= 10``; returns ``(n_cases, n_features_out_)`` float32.
    """

    _min_timepoints: ClassVar[int] = 10

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

    def _fit(self, X: np.ndarray, y: object) -> None:
        shared = dict(n_jobs=self.n_jobs, random_state=self.random_state, batch_size=self.batch_size,
                      device=self.device, engine=self.engine)
        self.hydra_ = Hydra(n_kernels=self.n_kernels, n_groups=self.n_groups, max_num_channels=self.max_num_channels,
                            bank=self.bank, **shared).fit(X)
        self.multirocket_ = MultiRocket(n_kernels=self.n_multirocket_kernels, **shared).fit(X)
        self.n_hydra_features_ = self.hydra_.n_features_out_
        self.n_features_out_ = self.n_hydra_features_ + self.multirocket_.n_features_out_

    def transform(self, X: object) -> np.ndarray:
        """``[Hydra | MultiRocket]`` features, shape ``(n_cases, n_features_out_)`` float32."""
        check_is_fitted(self, "n_features_out_")
        Xv = check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)
        check_consistent(Xv, self.n_channels_, self.n_timepoints_)
        return np.concatenate([self.hydra_.transform(Xv), self.multirocket_.transform(Xv)], axis=1)
