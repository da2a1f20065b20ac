"""MultiRocket transformer (Tan, Dempster, Bergmeir & Webb, DMKD 2022).

MiniRocket kernels applied to the series and to its first difference, each
representation with its own dilations and biases, pooled with PPV, LSPV, MPV
and MIPV (see ``pooling.py``; compiled: ``native.pool4_into``). Output order as the reference:
``[X: PPV | LSPV | MPV | MIPV][diff X: PPV | LSPV | MPV | MIPV]``, each block
``84 * (n_kernels // 84)`` wide (default 6 250 -> 4 * 2 * 6 216 = 49 728 features).

Reference quirk kept on purpose: the reference *transform* of the differenced
series builds its left taps with the undifferenced length, so taps 0..3 read one
step later than in a true dilated convolution (``x[t - (4 - i) d + 1]``), while
its *biases* are fitted with the true convolution. We reproduce both (the
bank's ``left_tap_shift``), so features equal the published code and aeon.
Multivariate quirk, also kept: the difference is transformed with the base
series' channel combinations (:func:`with_base_channels`). With an int
``random_state`` the draws are aeon's (see ``aeon_seed``): same dilations, channel
combinations and biases as ``aeon``'s ``MultiRocket(random_state=seed)``.

What holds for the features: the bank (dilations, channel combinations, biases) is
aeon's bit for bit -- the biases are fitted in the summation order numba's ``fastmath``
gives aeon's fits (univariate ``alpha + ((g_a + g_c) + g_b)``, multivariate as
MiniRocket's) -- and the native engine computes the convolution outputs in aeon's
transform order and MPV as aeon's loop does, so its features equal aeon's bit for bit,
also on series with long flat stretches (ACSF1), where many outputs equal a bias and a
last-bit difference would flip whole runs of ``output > bias`` (tested). The torch engine
(a GEMM) sums in another order: its features equal aeon's within ``rtol = atol = 1e-5``
except at such ties (~1 % of ACSF1's entries). Known exception: numba's ``np.quantile``
under ``fastmath`` rounds a few interpolations differently from ours (19 of 6 216 biases
on Covid3Month_disc, last float32 bit; only MPV entries then differ, by < 1e-4 relative).
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar, Literal

import numpy as np
import torch

from anyconv.timeseries._args import int_at_least
from anyconv.timeseries._base import BaseRandomKernelTransformer, resolve_device, torch_threads
from anyconv.timeseries._layouts import layout
from anyconv.timeseries.minirocket.engine import CASE_MULTIPLE, make_plan
from anyconv.timeseries.minirocket.estimator import _WORKSPACES, aeon_seed, n_features_wanted, sample_minirocket_bank
from anyconv.timeseries.minirocket.kernels import (
    MINIROCKET_FIT_ORDER,
    MULTIROCKET_FIT_ORDER,
    N_KERNELS,
    MiniRocketBank,
)
from anyconv.timeseries.minirocket.native import (
    NATIVE_MAX_TIMEPOINTS,
    conv_bank,
    kernel_ranges,
    multirocket_transform_native,
)
from anyconv.timeseries.minirocket.pooling import multirocket_transform
from anyconv.timeseries.minirocket.reference import reference_multirocket
from anyconv.timeseries.native import choose_engine

__all__ = ["MultiRocket", "REFERENCE_DIFF_TAP_SHIFT", "with_base_channels"]

#: Left-tap shift the reference applies when transforming the differenced series.
REFERENCE_DIFF_TAP_SHIFT = 1


def with_base_channels(diff: MiniRocketBank, base: MiniRocketBank) -> MiniRocketBank:
    """The difference bank as the reference transform applies it (multivariate quirk).

    The reference's multivariate transform (sktime's ``MultiRocketMultivariate``,
    aeon's ``MultiRocket``) convolves the differenced series with the *base*
    series' channel combinations, in order, although the difference biases were
    fitted with the difference's own draws. Combinations past the end of the base
    draws (only if the difference has more dilations, where the reference reads
    out of bounds) keep the difference's own channels. Univariate banks do not
    change (every combination reads channel 0).
    """
    n = len(diff.n_channels_per_combination)
    m = min(n, len(base.n_channels_per_combination))  # combinations taken from the base
    per_comb = np.concatenate([base.n_channels_per_combination[:m], diff.n_channels_per_combination[m:]])
    base_used = int(base.n_channels_per_combination[:m].sum())  # channel ids of those m
    diff_skipped = int(diff.n_channels_per_combination[:m].sum())
    channels = np.concatenate([base.channel_indices[:base_used], diff.channel_indices[diff_skipped:]])
    return dataclasses.replace(diff, n_channels_per_combination=per_comb.copy(), channel_indices=channels)


class MultiRocket(BaseRandomKernelTransformer):
    """MiniRocket kernels on X and diff(X) with four pooling operators.

    Parameters
    ----------
    n_kernels : int, default=6_250
        Kernels (bias/dilation combinations) per representation; rounded down to a
        multiple of 84 (values below 84 give 84 with a ``UserWarning``). Features: ``8 * 84 * (n_kernels // 84)``.
    max_dilations_per_kernel : int, default=32
    n_jobs, random_state, batch_size, device :
        As :class:`~anyconv.timeseries.MiniRocket`.
    engine : {"auto", "native", "torch", "reference"}, default="auto"
        As :class:`~anyconv.timeseries.MiniRocket`; the native loops convolve in
        aeon's summation order and compute all four pooling operators in one pass
        per bias (~10x faster than torch ops on OSULeaf; aeon's features bit for bit,
        the torch engine's within float32 rounding except at ties, see above).
        ``"auto"`` falls back to ``"torch"`` off the
        CPU, without the compiled extension, or from ``NATIVE_MAX_TIMEPOINTS``.

    Attributes
    ----------
    bank_, bank_diff_ : MiniRocketBank
        Kernels of the series and of its first difference (``bank_diff_`` with the
        transform's channel combinations, see :func:`with_base_channels`).
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
        engine: Literal["auto", "native", "torch", "reference"] = "auto",
    ) -> None:
        self.n_kernels = n_kernels
        self.max_dilations_per_kernel = max_dilations_per_kernel
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.batch_size = batch_size
        self.device = device
        self.engine = engine

    def _fit(self, X: np.ndarray, y: object) -> None:
        m = int_at_least("max_dilations_per_kernel", self.max_dilations_per_kernel, 1)
        choose_engine(self.engine, resolve_device(self.device))
        # aeon's streams: one channel stream for both representations, and a bias
        # stream seeded afresh for each (same seed) -- so an int seed draws aeon's numbers
        seed = aeon_seed(self.random_state)
        channel_rng = np.random.RandomState(seed)
        n_features = n_features_wanted(self.n_kernels, type(self).__name__)
        X32 = X.astype(np.float32)
        # aeon's univariate and multivariate bias fits sum the weight-2 taps in different orders
        order = MULTIROCKET_FIT_ORDER if X.shape[1] == 1 else MINIROCKET_FIT_ORDER
        with torch_threads(1):
            self.bank_ = sample_minirocket_bank(
                X32, n_features, m, channel_rng, np.random.RandomState(seed), gamma_order=order
            )
            diff = sample_minirocket_bank(
                np.diff(X32, axis=-1), n_features, m, channel_rng, np.random.RandomState(seed), gamma_order=order
            )
        diff.left_tap_shift = REFERENCE_DIFF_TAP_SHIFT  # biases fitted unshifted, as the reference
        self.bank_diff_ = with_base_channels(diff, self.bank_)
        self.n_features_out_ = 4 * (self.bank_.n_features + self.bank_diff_.n_features)

    # As MiniRocket: ~2**19 convolution outputs and taps per batch and
    # dilation stay in L2/L3, whole multiples of CASE_MULTIPLE cases fill the
    # vector lanes of the native loop (the torch pooling chunks its own
    # temporaries, see ``pool4``).
    _batch_elements: ClassVar[int] = 1 << 19
    _case_multiple: ClassVar[int] = CASE_MULTIPLE

    def _elements_per_case(self, n_timepoints: int) -> int:
        return (N_KERNELS + 9 * self.n_channels_) * n_timepoints + self.n_features_out_ // 4

    def _engine(self) -> str:
        engine = choose_engine(self.engine, self._device)
        if engine == "native" and self.n_timepoints_ >= NATIVE_MAX_TIMEPOINTS:
            if self.engine == "native":
                raise ValueError(
                    f"engine='native' supports < {NATIVE_MAX_TIMEPOINTS} timepoints, "
                    f"got {self.n_timepoints_}; use 'auto' or 'torch'"
                )
            return "torch"
        return engine

    def _plans(self) -> tuple:
        """Torch layouts of ``bank_`` and ``bank_diff_`` (built once each, :func:`~anyconv.timeseries._layouts.layout`)."""
        key = ("minirocket-torch", str(self._device), self.n_channels_)
        return tuple(
            layout((bank,), key, lambda bank=bank: make_plan(bank, self.n_channels_, dtype=torch.float32, device=self._device))
            for bank in (self.bank_, self.bank_diff_)
        )

    def _ranges(self, plans: tuple, n_timepoints: int) -> tuple:
        """Pooled ranges of ``bank_`` at ``n_timepoints`` and ``bank_diff_`` at one fewer (cached with the banks)."""
        return tuple(
            layout((bank,), ("pool4-ranges", n), lambda plan=plan, n=n: kernel_ranges(plan, n))
            for bank, plan, n in zip((self.bank_, self.bank_diff_), plans, (n_timepoints, n_timepoints - 1))
        )

    def _channels(self) -> tuple:
        """:func:`conv_bank` of ``bank_`` and ``bank_diff_`` (cached with the banks)."""
        return tuple(
            layout((bank,), ("conv-channels",), lambda bank=bank: conv_bank(bank))
            for bank in (self.bank_, self.bank_diff_)
        )

    def _before_transform(self) -> None:
        engine = self._engine()
        if engine != "reference":
            plans = self._plans()
            if engine == "native":
                self._ranges(plans, self.n_timepoints_)
                self._channels()

    def _transform(self, X: np.ndarray) -> np.ndarray:
        X32 = X.astype(np.float32)
        D = np.diff(X32, axis=-1)
        engine = self._engine()
        if engine == "reference":
            return np.concatenate(
                [reference_multirocket(X32, self.bank_), reference_multirocket(D, self.bank_diff_)],
                axis=1,
            ).astype(np.float32)
        x = torch.as_tensor(X32).to(self._device)
        d = torch.as_tensor(D).to(self._device)
        base, diff = self._plans()
        if engine == "native":
            ws = _WORKSPACES.__dict__.setdefault("ws", {})  # per-thread reused tap buffers
            r_base, r_diff = self._ranges((base, diff), X.shape[2])
            c_base, c_diff = self._channels()
            return torch.cat([multirocket_transform_native(x, base, r_base, c_base, ws),
                              multirocket_transform_native(d, diff, r_diff, c_diff, ws)], 1).numpy()
        return torch.cat([multirocket_transform(x, base), multirocket_transform(d, diff)], 1).cpu().numpy()
