"""MiniRocket transformer (Dempster, Schmidt & Webb, KDD 2021).

``fit`` samples a :class:`~anyconv.timeseries.minirocket.kernels.MiniRocketBank`
(dilations, channel subsets, biases); ``transform`` applies it in batches with the
compiled loop (``native.py``) or the torch engine (``engine.py``). ``engine="reference"`` applies the same bank with the slow
numpy loops (for checking).
"""

from __future__ import annotations

import threading
import warnings
from typing import ClassVar, Literal

import numpy as np
import torch
from sklearn.utils import check_random_state

from anyconv.timeseries._args import int_at_least, user_stacklevel
from anyconv.timeseries._base import BaseRandomKernelTransformer, torch_threads
from anyconv.timeseries._layouts import layout
from anyconv.timeseries.minirocket.engine import CASE_MULTIPLE, make_plan, ppv_transform
from anyconv.timeseries.minirocket.kernels import (
    MINIROCKET_FIT_ORDER,
    N_KERNELS,
    MiniRocketBank,
    fit_biases,
    fit_dilations,
    sample_channel_combinations,
)
from anyconv.timeseries.minirocket.native import fused_bank, ppv_transform_fused
from anyconv.timeseries.minirocket.reference import reference_minirocket
from anyconv.timeseries.native import choose_engine

__all__ = ["MiniRocket", "sample_minirocket_bank", "aeon_seed", "n_features_wanted"]

#: Per-thread engine buffers (see ``ppv_transform``'s ``ws``).
_WORKSPACES = threading.local()


def aeon_seed(random_state: int | np.random.RandomState | None) -> int:
    """The integer seed aeon's MiniRocket/MultiRocket derive from ``random_state``.

    An int is used as is; a ``RandomState`` gives one draw ``randint(2**31 - 1)``
    (as aeon); ``None`` draws that integer from numpy's global generator.
    """
    if isinstance(random_state, (int, np.integer)) and not isinstance(random_state, bool):
        return int(random_state)
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def n_features_wanted(n_kernels: int, estimator: str) -> int:
    """``n_kernels`` raised to the minimum of one feature per kernel (84), with a ``UserWarning``."""
    if n_kernels < N_KERNELS:
        warnings.warn(
            f"{estimator}: n_kernels={n_kernels} is below the minimum of {N_KERNELS} (one bias per kernel); "
            f"using n_kernels={N_KERNELS}", UserWarning, stacklevel=user_stacklevel(),
        )
        return N_KERNELS
    return int(n_kernels)


def sample_minirocket_bank(
    X: np.ndarray,
    n_features: int,
    max_dilations_per_kernel: int,
    channel_rng: np.random.RandomState,
    bias_rng: np.random.RandomState,
    *,
    left_tap_shift: int = 0,
    gamma_order: tuple[int, int, int] = MINIROCKET_FIT_ORDER,
) -> MiniRocketBank:
    """Fit dilations, channel subsets and biases to ``X`` (float32 convolutions).

    ``channel_rng`` draws the channel subsets (multivariate only), ``bias_rng``
    the training case behind each (dilation, kernel)'s biases. aeon seeds the
    two streams separately (numpy's global generator, then numba's, both with
    the same seed); passing ``RandomState(seed)`` for each draws the same numbers.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)``.
    """
    _, n_channels, n_timepoints = X.shape
    dilations, per_dilation = fit_dilations(n_timepoints, n_features, max_dilations_per_kernel)
    per_comb, channels = sample_channel_combinations(channel_rng, n_channels, N_KERNELS * len(dilations))
    X32 = X.astype(np.float32, copy=False)
    biases = fit_biases(X32, dilations, per_dilation, per_comb, channels, bias_rng, gamma_order)
    return MiniRocketBank(dilations, per_dilation, biases, per_comb, channels, left_tap_shift)


class MiniRocket(BaseRandomKernelTransformer):
    """MINImally RandOm Convolutional KErnel Transform.

    Parameters
    ----------
    n_kernels : int, default=10_000
        Number of features wanted; as in the reference (and aeon) it is rounded
        down to a multiple of 84 (10 000 -> 9 996); values below 84 give 84 with a
        ``UserWarning``.
    max_dilations_per_kernel : int, default=32
    n_jobs : int or None, default=1
        torch threads used by ``fit``/``transform`` (``-1``: all cores).
    random_state : int, RandomState or None, default=None
    batch_size : int or None, default=None
        Cases per batch in ``transform``; ``None`` picks a memory-bounded size.
    device : str, default="cpu"
        ``"cpu"`` or ``"cuda"``/``"cuda:N"`` for the torch engine.
    engine : {"auto", "native", "torch", "reference"}, default="auto"
        How the bank is applied. ``"torch"``: torch ops only (CPU or CUDA).
        ``"native"``: one compiled loop computes each kernel's output the way
        aeon does and its PPV while the output is in L1
        (:func:`anyconv.timeseries.minirocket.native.minirocket_into`; CPU; ~4x faster than
        ``"torch"`` on OSULeaf); with an int ``random_state`` its features are
        *equal* to aeon's ``MiniRocket(random_state=seed)``. ``"torch"``: a GEMM
        per dilation (CPU or CUDA; another summation order, so a feature can
        differ by one count where an output ties its bias). ``"auto"``:
        ``"native"`` when it can run, else ``"torch"``. ``"reference"``: slow
        numpy loops in float64 (oracle for tests).

    Attributes
    ----------
    bank_ : MiniRocketBank
    n_features_out_ : int
    n_channels_, n_timepoints_ : int

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``,
        ``n_timepoints >= 9``; ``transform`` returns ``(n_cases, n_features_out_)`` float32.

    Notes
    -----
    Numerics: the torch engine computes in float32 like the reference; features
    are counts / n, so they differ from the float64 numpy reference only where
    a convolution value lies within float32 rounding of its bias (measured:
    fewer than 1 in 10^4 features, by one count).
    """

    _min_timepoints: ClassVar[int] = 9
    _has_native_engine: ClassVar[bool] = True

    def __init__(
        self,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: Literal["auto", "native", "torch", "reference"] = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine

    def _check_params(self) -> None:
        int_at_least("max_dilations_per_kernel", self.max_dilations_per_kernel, 1)
        choose_engine(self.engine, self._device, native_ok=self._has_native_engine)

    def _fit(self, X: np.ndarray, y: object) -> None:
        self._check_params()
        seed = aeon_seed(self.random_state)
        rng = np.random.RandomState(seed)
        n_features = n_features_wanted(self.n_kernels, type(self).__name__)
        with torch_threads(1):  # small ops: intra-op threads only add overhead
            self.bank_ = sample_minirocket_bank(
                X, n_features, self.max_dilations_per_kernel, rng, np.random.RandomState(seed)
            )
        self._rng_after_bank = rng  # subclasses draw more from the channel stream
        self.n_features_out_ = self.bank_.n_features

    # Batches of ~2**19 convolution outputs, taps and a share of the F-feature
    # output keep the engine's buffers in L2/L3 (OSULeaf, L = 427: 8 cases per
    # batch 1.5x faster per case than 23 with torch pooling); whole multiples of
    # CASE_MULTIPLE cases fill the vector lanes (see ``ppv_transform``).
    _batch_elements: ClassVar[int] = 1 << 19
    _case_multiple: ClassVar[int] = CASE_MULTIPLE

    def _elements_per_case(self, n_timepoints: int) -> int:
        return (N_KERNELS + 9 * self.n_channels_) * n_timepoints + self.n_features_out_ // 2

    def _engine(self) -> str:
        return choose_engine(self.engine, self._device, native_ok=self._has_native_engine)

    def _transform(self, X: np.ndarray) -> np.ndarray:
        engine = self._engine()
        if engine == "reference":
            return reference_minirocket(X, self.bank_).astype(np.float32)
        x = torch.as_tensor(X, dtype=torch.float32)
        if engine == "native":
            return ppv_transform_fused(x, self._plan(engine), self.bank_.left_tap_shift).numpy()
        # per-thread reused buffers; the caller copies the result out before the
        # thread's next batch, so returning a view of them is safe
        ws = _WORKSPACES.__dict__.setdefault("ws", {})
        return ppv_transform(x.to(self._device), self._plan(engine), ws).cpu().numpy()

    def _before_transform(self) -> None:
        engine = self._engine()
        if engine != "reference":
            self._plan(engine)

    def _plan(self, engine: str):
        """The engine's layout of ``bank_`` (built once, :func:`~anyconv.timeseries._layouts.layout`)."""
        if engine == "native":
            return layout((self.bank_,), "minirocket-native", lambda: fused_bank(self.bank_))
        key = ("minirocket-torch", str(self._device), self.n_channels_)
        return layout((self.bank_,), key, lambda: make_plan(
            self.bank_, self.n_channels_, dtype=torch.float32, device=self._device))

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_rng_after_bank", None)  # fit-time only
        return state
