"""MultiRocket transformer (Tan, Dempster, Bergmeir & Webb, DMKD 2022).

MiniRocket kernels applied to the series and to its first difference, each
representation with its own dilations and biases, pooled with PPV, LSPV, MPV
and MIPV (see ``multirocket_engine.py``). Output order as the reference:
``[X: PPV | LSPV | MPV | MIPV][diff X: PPV | LSPV | MPV | MIPV]``, each block
``84 * (n_kernels // 84)`` wide (default 6 250 -> 4 * 2 * 6 216 = 49 728 features).

Reference quirk kept on purpose: the reference *transform* of the differenced
series builds its left taps with the undifferenced length, so taps 0..3 read one
step later than in a true dilated convolution (``x[t - (4 - i) d + 1]``), while
its *biases* are fitted with the true convolution. We reproduce both (the
bank's ``left_tap_shift``), so features equal the published code and aeon.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import torch
from sklearn.utils import check_random_state

from anyconv.timeseries._base import BaseRandomKernelTransformer, torch_threads
from anyconv.timeseries.minirocket import sample_minirocket_bank
from anyconv.timeseries.minirocket_engine import make_plan
from anyconv.timeseries.minirocket_kernels import N_KERNELS
from anyconv.timeseries.minirocket_reference import reference_multirocket
from anyconv.timeseries.multirocket_engine import multirocket_transform

__all__ = ["MultiRocket", "REFERENCE_DIFF_TAP_SHIFT"]

#: Left-tap shift the reference applies when transforming the differenced series.
REFERENCE_DIFF_TAP_SHIFT = 1


class MultiRocket(BaseRandomKernelTransformer):
    """MiniRocket kernels on X and diff(X) with four pooling operators.

    Parameters
    ----------
    n_kernels : int, default=6_250
        Kernels (bias/dilation combinations) per representation; rounded down to a
        multiple of 84 (values below 84 give 84). Features: ``8 * 84 * (n_kernels // 84)``.
    max_dilations_per_kernel : int, default=32
    n_jobs, random_state, batch_size, device :
        As :class:`~anyconv.timeseries.MiniRocket`.
    engine : {"torch", "reference"}, default="torch"

    Attributes
    ----------
    bank_, bank_diff_ : MiniRocketBank
        Kernels of the series and of its first difference.
    n_features_out_ : int

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``,
        ``n_timepoints >= 10`` (the difference needs 9); returns
        ``(n_cases, n_features_out_)`` float32.
    """

    _min_timepoints: ClassVar[int] = 10

    def __init__(
        self,
        n_kernels: int = 6_250,
        max_dilations_per_kernel: int = 32,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: Literal["torch", "reference"] = "torch",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine

    def _fit(self, X: np.ndarray, y: object) -> None:
        m = self.max_dilations_per_kernel
        if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1:
            raise ValueError(f"max_dilations_per_kernel must be a positive int, got {m!r}")
        if self.engine not in ("torch", "reference"):
            raise ValueError(f"engine must be 'torch' or 'reference', got {self.engine!r}")
        rng = check_random_state(self.random_state)
        n_features = max(int(self.n_kernels), N_KERNELS)
        X32 = X.astype(np.float32)
        with torch_threads(1):
            self.bank_ = sample_minirocket_bank(X32, n_features, m, rng)
            diff = sample_minirocket_bank(np.diff(X32, axis=-1), n_features, m, rng)
        diff.left_tap_shift = REFERENCE_DIFF_TAP_SHIFT  # biases fitted unshifted, as the reference
        self.bank_diff_ = diff
        self.n_features_out_ = 4 * (self.bank_.n_features + self.bank_diff_.n_features)

    def _elements_per_case(self, n_timepoints: int) -> int:
        # ~2**17 convolution outputs per batch and dilation: cache-resident
        # temporaries (measured faster than 4x larger batches)
        return 128 * N_KERNELS * n_timepoints

    def _before_transform(self) -> None:
        if self.engine == "torch":
            kw = dict(dtype=torch.float32, device=self._device)
            self._plans = (
                make_plan(self.bank_, self.n_channels_, **kw),
                make_plan(self.bank_diff_, self.n_channels_, **kw),
            )

    def _transform(self, X: np.ndarray) -> np.ndarray:
        X32 = X.astype(np.float32)
        D = np.diff(X32, axis=-1)
        if self.engine == "reference":
            return np.concatenate(
                [reference_multirocket(X32, self.bank_), reference_multirocket(D, self.bank_diff_)],
                axis=1,
            ).astype(np.float32)
        x = torch.as_tensor(X32).to(self._device)
        d = torch.as_tensor(D).to(self._device)
        base, diff = self._plans
        return torch.cat([multirocket_transform(x, base), multirocket_transform(d, diff)], 1).cpu().numpy()

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_plans", None)
        return state
