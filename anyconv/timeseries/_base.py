"""Shared base class for random-kernel transformers (ROCKET family).

Public ``fit``/``transform`` validate once and delegate to the private hooks
``_fit(X, y)`` and ``_transform(X)`` (the aeon habit). Subclasses:

* list every parameter explicitly in ``__init__`` (scikit-learn requirement),
  including ``n_kernels``, ``random_state``, ``n_jobs``, ``batch_size``, ``device``;
* set ``_min_timepoints`` (e.g. 9 for MiniRocket);
* implement ``_fit(X, y)`` (``X`` validated, float, 3-D) and ``_transform(X)``
  returning a float32 numpy array for one *batch* of cases.

``transform`` feeds ``_transform`` in batches of ``_batch_cases(n_timepoints)``
cases so convolution outputs are never all materialised at once.

Threads: ``fit`` runs with ``torch.set_num_threads(n_jobs)`` (restored
afterwards). On CPU, ``transform`` runs ``n_jobs`` batches *concurrently* in a
thread pool with one torch thread each (torch ops release the GIL): on small
per-batch ops this scales far better than torch's intra-op OpenMP threads,
whose barriers dominate on a loaded 2-core machine. Set the class attribute
``_parallel_batches = False`` to use intra-op threads instead. On CUDA batches
run one after another. ``_before_transform()`` is called once, before the
batches (build device tensors there, not in ``_transform``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from anyconv.timeseries._args import int_at_least, optional_int_at_least
from anyconv.timeseries._validation import check_collection, check_consistent

__all__ = ["BaseRandomKernelTransformer", "torch_threads", "resolve_n_jobs", "resolve_device"]


def resolve_n_jobs(n_jobs: int | None) -> int:
    """scikit-learn semantics: ``None`` → 1, ``-1`` → all cores, ``-2`` → all but one."""
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ValueError(f"n_jobs must be a non-zero int or None, got {n_jobs!r}")
    if n_jobs < 0:  # (os.cpu_count is a system call: ask only when needed)
        return max(1, (os.cpu_count() or 1) + 1 + int(n_jobs))
    return int(n_jobs)


def resolve_device(device: str | torch.device) -> torch.device:
    """Parse ``device``; ``ValueError`` for unknown or unavailable devices."""
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}") from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} requested but CUDA is not available")
    if dev.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    return dev


#: Transform worker pools by size, reused across calls (starting threads measured
#: ~0.25 ms per call, most of a small transform); keyed with the process id so a
#: forked child builds its own.
_POOLS: dict[int, tuple[int, ThreadPoolExecutor]] = {}
_POOL_PREFIX = "anyconv-transform"


def batch_pool(workers: int) -> ThreadPoolExecutor | None:
    """The shared pool of ``workers`` threads, or ``None`` inside one of its threads.

    (A transform called from a pool thread runs its batches inline: waiting on
    the same pool from inside it could deadlock.)
    """
    if threading.current_thread().name.startswith(_POOL_PREFIX):
        return None
    entry = _POOLS.get(workers)
    if entry is None or entry[0] != os.getpid():
        entry = _POOLS[workers] = (os.getpid(), ThreadPoolExecutor(workers, thread_name_prefix=_POOL_PREFIX))
    return entry[1]


@contextmanager
def torch_threads(n_jobs: int | None) -> Iterator[None]:
    """Run a block with ``torch.set_num_threads(resolve_n_jobs(n_jobs))``, then restore."""
    previous = torch.get_num_threads()
    wanted = resolve_n_jobs(n_jobs)
    if wanted != previous:
        torch.set_num_threads(wanted)
    try:
        yield
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)


class BaseRandomKernelTransformer(TransformerMixin, BaseEstimator):
    """Template for random-kernel transformers: validation, threads, batching.

    Attributes set by ``fit``
    -------------------------
    n_channels_ : int
    n_timepoints_ : int
    n_features_in_ : int
        ``n_channels_ * n_timepoints_`` (scikit-learn bookkeeping).
    n_features_out_ : int
        Number of output features (set by the subclass' ``_fit``).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)``;
        transform returns ``(n_cases, n_features_out_)`` float32.
    """

    _min_timepoints: ClassVar[int] = 1
    _parallel_batches: ClassVar[bool] = True
    #: Budget of float32 elements per batch for the largest intermediate tensor.
    _batch_elements: ClassVar[int] = 1 << 24
    #: Automatic batch sizes are rounded down to a multiple of this (at least one multiple).
    _case_multiple: ClassVar[int] = 1

    # -- parameter checks shared by all subclasses ---------------------------------
    def _check_common_params(self) -> None:
        int_at_least("n_kernels", self.n_kernels, 1)
        optional_int_at_least("batch_size", self.batch_size, 1)
        resolve_n_jobs(self.n_jobs)
        self._device = resolve_device(self.device)

    def _batch_cases(self, n_timepoints: int) -> int:
        """Cases per batch: ``batch_size`` or an automatic memory-bounded value."""
        if self.batch_size is not None:
            return int(self.batch_size)
        per_case = max(1, self._elements_per_case(n_timepoints))
        bs = min(4096, self._batch_elements // per_case)
        return int(max(self._case_multiple, bs - bs % self._case_multiple))

    def _elements_per_case(self, n_timepoints: int) -> int:
        """Largest intermediate size per case (override for a better estimate)."""
        return 84 * 4 * self.n_channels_ * n_timepoints

    # -- public API ------------------------------------------------------------------
    def fit(self, X: object, y: object = None) -> BaseRandomKernelTransformer:
        """Sample the kernels (and fit data-dependent parts such as biases).

        Parameters
        ----------
        X : array-like of shape (n_cases, n_channels, n_timepoints) or (n_cases, n_timepoints)
        y : ignored

        Returns
        -------
        self
        """
        self._check_common_params()
        Xv = check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)
        _, self.n_channels_, self.n_timepoints_ = Xv.shape
        self.n_features_in_ = self.n_channels_ * self.n_timepoints_
        with torch_threads(self.n_jobs):
            self._fit(Xv, y)
        return self

    def transform(self, X: object) -> np.ndarray:
        """Apply the fitted kernels.

        Parameters
        ----------
        X : array-like of shape (n_cases, n_channels, n_timepoints) or (n_cases, n_timepoints)

        Returns
        -------
        np.ndarray of shape (n_cases, n_features_out_), float32
        """
        check_is_fitted(self, "n_features_out_")
        Xv = check_collection(X, min_timepoints=self._min_timepoints, name=type(self).__name__)
        check_consistent(Xv, self.n_channels_, self.n_timepoints_)
        self._device = resolve_device(self.device)
        n_cases = Xv.shape[0]
        bs = self._batch_cases(Xv.shape[2])
        starts = list(range(0, n_cases, bs))
        out = np.empty((n_cases, self.n_features_out_), dtype=np.float32)
        workers = resolve_n_jobs(self.n_jobs)
        pooled = (
            self._parallel_batches and self._device.type == "cpu" and workers > 1
            and self._worth_splitting(n_cases, Xv.shape[2])
        )
        if pooled and len(starts) < workers and n_cases > 1:  # keep every worker busy
            bs = -(-n_cases // workers)
            starts = list(range(0, n_cases, bs))

        def run(start: int) -> None:
            with torch.inference_mode():
                out[start : start + bs] = self._transform(Xv[start : start + bs])

        with torch_threads(1 if pooled else self.n_jobs):
            self._before_transform()
            pool = batch_pool(workers) if pooled and len(starts) > 1 else None
            if pool is not None:
                list(pool.map(run, starts))
            else:
                for start in starts:
                    run(start)
        return out

    def fit_transform(self, X: object, y: object = None) -> np.ndarray:
        """``fit(X).transform(X)`` (validates once per call)."""
        return self.fit(X, y).transform(X)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        """Names ``"<classname>0" ... "<classname>{n_features_out_-1}"``."""
        check_is_fitted(self, "n_features_out_")
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(self.n_features_out_)], dtype=object)

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.requires_fit = True
        tags.non_deterministic = self.random_state is None
        return tags

    # -- hooks -----------------------------------------------------------------------
    def _fit(self, X: np.ndarray, y: object) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform(self, X: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _before_transform(self) -> None:
        """Hook run once per ``transform`` call before the batches (default: nothing)."""

    def _worth_splitting(self, n_cases: int, n_timepoints: int) -> bool:
        """Whether ``transform`` should spread its batches over ``n_jobs`` threads (default: yes).

        Override for transforms so light that handing work to threads costs more
        than it saves on small inputs.
        """
        return True
