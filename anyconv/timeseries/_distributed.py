"""LightWaveS feature selection split across worker processes (``torch.distributed``, gloo).

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
from typing import Protocol

import numpy as np
import torch

from anyconv.timeseries.lightwaves_apply import lightwaves_channel_features
from anyconv.timeseries.lightwaves_kernels import N_CANDIDATES, N_DILATIONS, N_FEATURES_PER_KERNEL
from anyconv.timeseries.lightwaves_select import anova_scores, merge_top_k, mrmr_select

__all__ = ["select_features", "select_features_distributed"]

_PER_CHANNEL = N_CANDIDATES * N_DILATIONS * N_FEATURES_PER_KERNEL  # 4032 features per channel


class _Comm(Protocol):
    rank: int
    world: int

    def all_gather(self, obj: object) -> list: ...


class _Local:
    rank, world = 0, 1

    def all_gather(self, obj: object) -> list:
        return [obj]


class _Gloo:
    def __init__(self, rank: int, world: int) -> None:
        self.rank, self.world = rank, world

    def all_gather(self, obj: object) -> list:
        out: list = [None] * self.world
        torch.distributed.all_gather_object(out, obj)
        return out


def _worker_candidates(
    X: np.ndarray, y: np.ndarray, channels: np.ndarray, n_candidates: int, batch_size: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Best ``n_candidates`` (ids, ANOVA scores, columns) among the given channels' features.

    Shape:
        X ``(n_cases, n_channels, L)`` -> ids ``(k,)``, scores ``(k,)``, columns ``(n_cases, k)``.
    """
    ids = np.zeros(0, dtype=np.int64)
    scores = np.zeros(0)
    cols = np.zeros((X.shape[0], 0), dtype=np.float32)
    Xt = torch.as_tensor(X, dtype=torch.float32)
    with torch.inference_mode():
        for c in channels:
            block = np.concatenate(
                [
                    lightwaves_channel_features(Xt[b0 : b0 + batch_size, int(c)]).numpy()
                    for b0 in range(0, X.shape[0], batch_size)
                ]
            )  # (n_cases, 4032)
            new_ids = int(c) * _PER_CHANNEL + np.arange(_PER_CHANNEL)
            ids, scores, cols = merge_top_k(
                np.concatenate([ids, new_ids]),
                np.concatenate([scores, anova_scores(block, y)]),
                n_candidates,
                np.concatenate([cols, block], axis=1),
            )
    return ids, scores, cols


def _select(
    comm: _Comm, X: np.ndarray, y: np.ndarray, n_features: int, n_candidates: int, batch_size: int
) -> np.ndarray | None:
    channels = np.array_split(np.arange(X.shape[1]), comm.world)[comm.rank]
    mine = _worker_candidates(X, y, channels, n_candidates, batch_size)
    parts = comm.all_gather(mine)
    if comm.rank != 0:
        return None
    ids, scores, cols = (np.concatenate([p[i] for p in parts], axis=-1) for i in range(3))
    ids, _, cols = merge_top_k(ids, scores, n_candidates, cols)
    return ids[mrmr_select(cols, y, n_features)]


def select_features(
    X: np.ndarray, y: np.ndarray, n_features: int, n_candidates: int, batch_size: int = 64
) -> np.ndarray:
    """Select LightWaveS features in this process.

    Parameters
    ----------
    X : np.ndarray
        Scaled (and sampled) training collection.
    y : np.ndarray
        Labels.
    n_features : int
        Final number of features (mRMR).
    n_candidates : int
        ANOVA pre-selection pool size.
    batch_size : int
        Cases per batch when computing candidate features.

    Returns
    -------
    np.ndarray
        Sorted global feature ids (see :func:`~anyconv.timeseries.lightwaves_kernels.unravel_features`).

    Shape:
        X ``(n_cases, n_channels, n_timepoints)``, y ``(n_cases,)`` -> ``(<= n_features,)``.
    """
    return np.sort(_select(_Local(), X, y, n_features, n_candidates, batch_size))


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
    """As :func:`select_features`, with the channels split over ``n_workers`` spawned processes.

    Workers communicate through ``torch.distributed`` (gloo backend, file rendezvous
    in a private temporary folder). Returns the same ids as :func:`select_features`.

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
