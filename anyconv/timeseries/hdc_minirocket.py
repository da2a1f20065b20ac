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

from anyconv.timeseries.minirocket import MiniRocket
from anyconv.timeseries.minirocket_engine import MiniRocketPlan, N_KERNELS, iter_parity_groups, ppv_transform_fused
from anyconv.timeseries.minirocket_kernels import MiniRocketBank
from anyconv.timeseries.minirocket_reference import reference_hdc_minirocket

__all__ = ["HDCMiniRocket", "hdc_transform", "hdc_rotations"]


def hdc_rotations(bank: MiniRocketBank, phases: np.ndarray, scale: float, n_timepoints: int) -> torch.Tensor:
    """Per feature, the rotation the native loop walks its timestamp code with.

    Feature ``i`` codes position ``t`` as ``cos(w_i t) + sin(w_i t)`` with
    ``w_i = phases[i] * scale / (L - 1)`` (i.e. ``phi_i * s * tau``, ``tau = t / (L - 1)``);
    its pooling starts at ``lo`` = 0, or ``4 d`` where the reference pools the
    unpadded centre (odd dilation index + kernel index).

    Shape:
        phases: ``(n_features,)`` in bank order; returns ``(n_features, 4)`` float64
        ``[cos(w lo), sin(w lo), cos(w), sin(w)]``.
    """
    lo = np.concatenate([  # first pooled position of each feature, bank order (dilation, kernel, bias)
        np.repeat(np.where((j + np.arange(N_KERNELS)) % 2 == 1, 4 * int(d), 0), int(nf))
        for j, (d, nf) in enumerate(zip(bank.dilations, bank.n_features_per_dilation))
    ])
    w = np.asarray(phases, dtype=np.float64) * float(scale) / max(n_timepoints - 1, 1)
    return torch.as_tensor(np.stack([np.cos(w * lo), np.sin(w * lo), np.cos(w), np.sin(w)], axis=1))


def hdc_transform(x: torch.Tensor, plan: MiniRocketPlan, phases: torch.Tensor, scale: float) -> torch.Tensor:
    """HDC-MiniRocket features of one batch.

    Shape:
        x: ``(B, C, L)``; phases: ``(plan.n_features,)``; returns ``(B, n_features)`` float32.
    """
    B, _, L = x.shape
    tau = torch.arange(L, dtype=torch.float64, device=x.device) / max(L - 1, 1)
    out = torch.empty((B, plan.n_features), dtype=torch.float32, device=x.device)
    for j, p, C, b, t0 in iter_parity_groups(x, plan):
        start, stop, nf = plan.slices[j]
        n = C.shape[-1]
        phi = phases[start:stop].view(N_KERNELS // 2, 2, nf)[:, p]  # (42, nf)
        angle = phi.unsqueeze(-1) * (scale * tau[t0 : t0 + n])  # (42, nf, n) float64
        code = (torch.cos(angle) + torch.sin(angle)).to(x.dtype)
        pos = (C.unsqueeze(2) > b.unsqueeze(0).unsqueeze(-1)).to(x.dtype)  # (B, 42, nf, n)
        total = (pos * code).sum(-1, dtype=torch.float64) / n  # (B, 42, nf)
        block = out[:, start:stop].view(B, N_KERNELS // 2, 2, nf)
        block[:, :, p] = total.to(torch.float32)
    return out


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
        (:func:`~anyconv.timeseries.native.minirocket_into` with rotations; CPU);
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
        """:func:`hdc_rotations` of the fitted bank (cached per scale and length)."""
        key = (float(self.scale), n_timepoints)
        cached = getattr(self, "_rotations_cache", None)
        if cached is None or cached[0] != key or cached[1] is not self.bank_:
            self._rotations_cache = (key, self.bank_, hdc_rotations(self.bank_, self.phases_, *key))
        return self._rotations_cache[2]

    def _before_transform(self) -> None:
        super()._before_transform()
        if self._engine() == "native":
            self._rotations(self.n_timepoints_)  # once, before batches may run in threads

    def __getstate__(self) -> dict:
        state = super().__getstate__()
        state.pop("_rotations_cache", None)
        return state

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
