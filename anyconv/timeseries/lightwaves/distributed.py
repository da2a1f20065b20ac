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
"""

from __future__ import annotations

import os
import shutil
import tempfile

import numpy as np
import torch

from anyconv.timeseries.lightwaves.select import _select

__all__ = ["select_features_distributed"]


class _Gloo:
    def __init__(self, rank: int, world: int) -> None:
        self.rank, self.world = rank, world

    def all_gather(self, obj: object) -> list:
        out: list = [None] * self.world
        torch.distributed.all_gather_object(out, obj)
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
