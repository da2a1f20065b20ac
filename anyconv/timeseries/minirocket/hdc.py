"""HDC-MiniRocket: MiniRocket with explicit time encoding (Schlegel, Neubert &
Protzel, IJCNN 2022; reference: TUC-ProAut/HDC_MiniROCKET).

The reference replaces each PPV ``mean_t 1[C_t > b_i]`` by a bundle of
timestamp-bound values ``sum_t bipolar(C_t > b_i) * P_t[i]`` where ``P_t`` is a
hyperdimensional vector (one dimension per feature) encoding the time
``t / (L - 1)`` by *fractional binding* with similarity scale ``s``: nearby
timestamps get similar vectors, and ``s`` sets how fast similarity decays
(``s = 0``: all timestamps equal -> MiniRocket).

Our choices (documented deviations):

* Timestamp vectors: fractional power encoding of a random phasor vector
  ``z_i = exp(1j * phi_i)``, ``phi_i ~ U(-pi, pi)`` (FHRR), taken to the power
  ``s * tau`` and mapped to reals with the Hartley ``cas`` function:
  ``P_tau[i] = cos(phi_i s tau) + sin(phi_i s tau)``. Expected similarity
  ``mean_i P_a[i] P_b[i] = sinc(s (a - b))`` — the sinc kernel the reference
  targets — and ``P = 1`` exactly at ``s = 0``. (The reference builds HRR
  vectors with FFTs and then standardises them, so its ``s = 0`` vectors are a
  random constant, not ones.)
* Combination: ``mean_t 1[C_t > b_i] * P_t[i]`` (binary, averaged over the
  pooled positions). The reference's ``sum_t (+-1) * P_t[i]`` equals
  ``2 n * ours - sum_t P_t[i]``: a fixed per-feature affine map, so a linear
  classifier on standardised features is the same; ours makes
  ``HDCMiniRocket(scale=0)`` *equal* to ``MiniRocket`` (same ``random_state``).
* The reference's padded-kernel branch reuses a stale timestamp slice (a bug);
  we use each kernel's actual positions.
* The reference picks ``s`` by cross-validation from a list; here ``scale`` is
  a parameter (tune it with ``GridSearchCV`` on the classifier).
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import torch

from anyconv.timeseries._layouts import layout
from anyconv.timeseries.minirocket.estimator import MiniRocket
from anyconv.timeseries.minirocket.kernels import N_KERNELS
from anyconv.timeseries.minirocket.native import hdc_rotations, ppv_transform_fused
from anyconv.timeseries.minirocket.pooling import hdc_transform
from anyconv.timeseries.minirocket.reference import reference_hdc_minirocket

__all__ = ["HDCMiniRocket"]


class HDCMiniRocket(MiniRocket):
    """MiniRocket with fractional-binding time encoding (HDC-MiniRocket).

    Parameters
    ----------
    scale : float, default=1.0
        Similarity decay of the timestamp encoding (``s`` in the paper); ``0``
        gives exactly the MiniRocket features.
    n_kernels, max_dilations_per_kernel, n_jobs, random_state, batch_size, device :
        As :class:`~anyconv.timeseries.MiniRocket`.
    engine : {"auto", "native", "torch", "reference"}, default="auto"
        ``"native"``: MiniRocket's compiled loop with the time-coded pooling
        (:func:`~anyconv.timeseries.minirocket.native.minirocket_into` with rotations; CPU);
        ``"torch"``: torch ops (CPU or CUDA); ``"auto"``: ``"native"`` when it can
        run, else ``"torch"``; ``"reference"``: numpy loops. Same features up to
        float32 rounding.

    Attributes
    ----------
    bank_ : MiniRocketBank
        Identical to ``MiniRocket``'s for the same ``random_state``.
    phases_ : np.ndarray of shape (n_features_out_,)
        ``phi_i ~ U(-pi, pi)``, drawn after the bank.

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``,
        ``n_timepoints >= 9``; returns ``(n_cases, n_features_out_)`` float32.
    """

    _min_timepoints: ClassVar[int] = 9
    _has_native_engine: ClassVar[bool] = True

    def __init__(
        self,
        scale: float = 1.0,
        n_kernels: int = 10_000,
        max_dilations_per_kernel: int = 32,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
        batch_size: int | None = None,
        device: str = "cpu",
        engine: Literal["auto", "native", "torch", "reference"] = "auto",
    ) -> None:
        self.scale = scale
        super().__init__(
            n_kernels=n_kernels,
            max_dilations_per_kernel=max_dilations_per_kernel,
            n_jobs=n_jobs,
            random_state=random_state,
            batch_size=batch_size,
            device=device,
            engine=engine,
        )

    def _fit(self, X: np.ndarray, y: object) -> None:
        s = self.scale
        if isinstance(s, bool) or not isinstance(s, (int, float, np.integer, np.floating)) or not np.isfinite(s):
            raise ValueError(f"scale must be a finite real number, got {s!r}")
        super()._fit(X, y)
        rng = self._rng_after_bank
        self.phases_ = rng.uniform(-np.pi, np.pi, self.n_features_out_)

    # batching: the native loop's working set is MiniRocket's; the torch engine's
    # largest tensors are three (B, 42, nf, n) ones per parity group
    @property
    def _batch_elements(self) -> int:  # type: ignore[override]
        return MiniRocket._batch_elements if self._engine() == "native" else 1 << 24

    @property
    def _case_multiple(self) -> int:  # type: ignore[override]
        return MiniRocket._case_multiple if self._engine() == "native" else 1

    def _elements_per_case(self, n_timepoints: int) -> int:
        if self._engine() == "native":
            return super()._elements_per_case(n_timepoints)
        return 3 * N_KERNELS * int(self.bank_.n_features_per_dilation.max()) * n_timepoints

    def _rotations(self, n_timepoints: int) -> torch.Tensor:
        """:func:`~anyconv.timeseries.minirocket.native.hdc_rotations` of the fitted bank and phases
        (built once per scale and length, :func:`~anyconv.timeseries._layouts.layout`)."""
        key = ("hdc-rotations", float(self.scale), n_timepoints)
        return layout((self.bank_, self.phases_), key,
                      lambda: hdc_rotations(self.bank_, self.phases_, float(self.scale), n_timepoints))

    def _before_transform(self) -> None:
        super()._before_transform()
        if self._engine() == "native":
            self._rotations(self.n_timepoints_)  # once, before batches may run in threads

    def _transform(self, X: np.ndarray) -> np.ndarray:
        engine = self._engine()
        if engine == "reference":
            return reference_hdc_minirocket(X, self.bank_, self.phases_, float(self.scale)).astype(np.float32)
        if engine == "native":
            x = torch.as_tensor(X, dtype=torch.float32)
            plan = self._plan(engine)
            return ppv_transform_fused(x, plan, self.bank_.left_tap_shift, self._rotations(X.shape[2])).numpy()
        plan = self._plan("torch")
        x = torch.as_tensor(X, dtype=torch.float32).to(self._device)
        phases = torch.as_tensor(self.phases_, dtype=torch.float64, device=self._device)
        return hdc_transform(x, plan, phases, float(self.scale)).cpu().numpy()
