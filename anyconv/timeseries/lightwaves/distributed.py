"""LightWaveS feature selection split across worker processes (``torch.distributed``, gloo).

(The selection itself, in one process, is :func:`~anyconv.timeseries.lightwaves.select.select_features`.)

As in the paper's distributed fit, the channels are split across workers
(``np.array_split``); each worker computes all candidate features of its channels,
keeps its ``n_candidates`` best by ANOVA, and sends them to the others; the merged
global top ``n_candidates`` are reduced to the final features by mRMR on worker 0.
The reference gathers scores first and then asks each worker for its share; sending
(id, score, column) triples in one ``all_gather`` selects the same features with one
round trip. With one worker the same code runs in-process, without torch.distributed.

Spawned workers re-import the caller's ``__main__``: scripts that fit with
``n_workers > 1`` need the usual ``if __name__ == "__main__":`` guard.

Inside an existing process group (``torchrun``, possibly across machines, any backend
that supports ``all_gather_object``): every rank calls
:func:`fit_in_process_group` (or :func:`select_features_in_group`) with the same
training data; each computes the candidates of its share of the channels, and every
rank ends with the same fitted estimator, equal to a single-process fit::

    torch.distributed.init_process_group("gloo")  # under torchrun
    est = fit_in_process_group(LightWaveS(random_state=0), X, y)
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import torch

from anyconv.timeseries.lightwaves.select import _select

__all__ = [
    "select_features_distributed",
    "select_features_in_group",
    "fit_in_process_group",
    "active_process_group",
]

#: The process group an estimator's ``fit`` selects its features in (set by
#: :func:`fit_in_process_group`); ``None``: in this process, or ``n_workers`` spawned ones.
_ACTIVE: ContextVar[tuple[Any] | None] = ContextVar("anyconv_lightwaves_group", default=None)


class _Gloo:
    def __init__(self, rank: int, world: int, group: Any = None) -> None:
        self.rank, self.world, self.group = rank, world, group

    def all_gather(self, obj: object) -> list:
        out: list = [None] * self.world
        torch.distributed.all_gather_object(out, obj, group=self.group)
        return out


def _spawned(rank: int, world: int, init_file: str, out_file: str, threads: int, args: tuple) -> None:
    torch.set_num_threads(threads)
    torch.distributed.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        result = _select(_Gloo(rank, world), *args)
        if rank == 0:
            np.save(out_file, result)
    finally:
        torch.distributed.destroy_process_group()


def select_features_distributed(
    X: np.ndarray,
    y: np.ndarray,
    n_features: int,
    n_candidates: int,
    n_workers: int,
    batch_size: int = 64,
    threads_per_worker: int = 1,
) -> np.ndarray:
    """As :func:`~anyconv.timeseries.lightwaves.select.select_features`, with the channels split over ``n_workers`` spawned processes.

    Workers communicate through ``torch.distributed`` (gloo backend, file rendezvous
    in a private temporary folder). Returns the same ids as ``select_features``.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)``, y ``(n_cases,)`` -> ``(<= n_features,)``.
    """
    tmp = tempfile.mkdtemp(prefix="anyconv_lws_")
    try:
        init_file, out_file = os.path.join(tmp, "rendezvous"), os.path.join(tmp, "result.npy")
        args = (X, y, n_features, n_candidates, batch_size)
        torch.multiprocessing.spawn(
            _spawned, args=(n_workers, init_file, out_file, threads_per_worker, args), nprocs=n_workers, join=True
        )
        return np.sort(np.load(out_file))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _check_group(group: Any) -> None:
    if not (torch.distributed.is_available() and torch.distributed.is_initialized()):
        raise ValueError(
            "no torch.distributed process group is initialised: call "
            "torch.distributed.init_process_group(...) first (e.g. under torchrun), or fit with n_workers"
        )


def select_features_in_group(
    X: np.ndarray, y: np.ndarray, n_features: int, n_candidates: int, batch_size: int = 64, group: Any = None
) -> np.ndarray:
    """As :func:`~anyconv.timeseries.lightwaves.select.select_features`, split over the ranks of ``group``.

    Every rank of ``group`` (default: the whole world) calls it with the same ``X`` and
    ``y``; each transforms its share of the channels; every rank returns the same ids.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)``, y ``(n_cases,)`` -> ``(<= n_features,)``.
    """
    _check_group(group)
    comm = _Gloo(torch.distributed.get_rank(group), torch.distributed.get_world_size(group), group)
    box = [_select(comm, X, y, n_features, n_candidates, batch_size)]  # the ids on rank 0, None elsewhere
    src = 0 if group is None else torch.distributed.get_global_rank(group, 0)
    torch.distributed.broadcast_object_list(box, src=src, group=group)
    return np.sort(np.asarray(box[0]))


def active_process_group() -> tuple[Any] | None:
    """``(group,)`` while inside :func:`fit_in_process_group`, else ``None``."""
    return _ACTIVE.get()


@contextmanager
def _in_group(group: Any) -> Iterator[None]:
    token = _ACTIVE.set((group,))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def fit_in_process_group(estimator: Any, X: object, y: object, group: Any = None) -> Any:
    """``estimator.fit(X, y)`` with the feature selection split over the ranks of ``group``.

    ``estimator`` is a :class:`~anyconv.timeseries.LightWaveS` or
    :class:`~anyconv.timeseries.LightWaveSClassifier` (with ``n_workers=1``); every rank
    calls this with the same ``X``, ``y`` and parameters and gets the same fitted
    estimator as a single-process ``fit``. Returns ``estimator``.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)``, y ``(n_cases,)``.
    """
    _check_group(group)
    if getattr(estimator, "n_workers", 1) != 1:
        raise ValueError(
            f"inside a process group the ranks are the workers: use n_workers=1, got {estimator.n_workers}"
        )
    with _in_group(group):
        return estimator.fit(X, y)
