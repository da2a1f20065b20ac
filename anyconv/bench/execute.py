"""Run many configs: serially, in N local processes (``--workers``), or on a Dask cluster (``--dask``).

Each run trains in its own folder ``<out_dir>/runs/<task>-<layer>-s<seed>-<run id>/``. A run
whose ``result.json`` exists is skipped (its result is read back); a run with a checkpoint but
no result continues from it. So re-running an interrupted suite finishes only what is missing,
and gives the same numbers as one uninterrupted pass.

Scale-out uses existing engines, not our own: :class:`concurrent.futures.ProcessPoolExecutor`
(spawned processes, one torch thread each by default) and ``dask.distributed`` (a run folder
on a file system every worker shares).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import torch

from anyconv.bench.config import RunConfig, run_name
from anyconv.bench.progress import SuiteProgress
from anyconv.bench.train import train


def run_dir_of(out_dir: str | Path, config: RunConfig) -> Path:
    return Path(out_dir) / "runs" / run_name(config)


def finished_result(run_dir: Path) -> dict[str, Any] | None:
    """The saved result of a finished run, or None."""
    path = run_dir / "result.json"
    return json.loads(path.read_text()) if path.exists() else None


def run_one(config: dict[str, Any], run_dir: str, threads: int, progress: str = "off") -> dict[str, Any]:
    """Train one config (a plain dict, so it pickles anywhere) in ``run_dir``, resuming if possible."""
    if threads > 0:
        torch.set_num_threads(threads)
    return train(RunConfig(**config), run_dir, resume=True, progress=progress)


def run_all(
    configs: Sequence[RunConfig],
    out_dir: str | Path,
    *,
    workers: int = 1,
    dask: str | None = None,
    threads: int = 1,
    progress: str = "auto",
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Train every config not finished yet; return all results in the order of ``configs``.

    ``on_result`` is called with each result as it arrives (finished earlier or now).
    """
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    folders = [run_dir_of(out_dir, c) for c in configs]
    results: list[dict[str, Any] | None] = [finished_result(f) for f in folders]
    # longest runs first, so parallel workers do not wait on one long straggler at the end
    todo = sorted((i for i, r in enumerate(results) if r is None), key=lambda i: -configs[i].steps)
    bar = SuiteProgress(len(configs), mode=progress, skipped=len(configs) - len(todo))

    def arrived(i: int, result: dict[str, Any]) -> None:
        results[i] = result
        bar.finished(result)
        if on_result is not None:
            on_result(result)

    for result in results:
        if result is not None and on_result is not None:
            on_result(result)
    try:
        if dask is not None:
            _run_dask(dask, configs, folders, todo, threads, arrived)
        elif workers > 1 and len(todo) > 1:
            _run_processes(workers, configs, folders, todo, threads, arrived)
        else:
            run_progress = "bar" if bar.mode == "bar" else "off"
            for i in todo:
                arrived(i, run_one(asdict(configs[i]), str(folders[i]), threads, run_progress))
    finally:
        bar.close()
    return [r for r in results if r is not None]


def _run_processes(workers: int, configs: Sequence[RunConfig], folders: list[Path], todo: list[int], threads: int,
                   arrived: Callable[[int, dict[str, Any]], None]) -> None:
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = {pool.submit(run_one, asdict(configs[i]), str(folders[i]), threads): i for i in todo}
        try:
            for future in as_completed(futures):
                arrived(futures[future], future.result())
        except BaseException:
            for future in futures:
                future.cancel()
            raise


def _run_dask(address: str, configs: Sequence[RunConfig], folders: list[Path], todo: list[int], threads: int,
              arrived: Callable[[int, dict[str, Any]], None]) -> None:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ValueError("--dask needs dask.distributed: pip install 'dask[distributed]'") from None
    with Client(address) as client:
        futures = {client.submit(run_one, asdict(configs[i]), str(folders[i].resolve()), threads, pure=False): i for i in todo}
        for future in dask_completed(list(futures)):
            arrived(futures[future], future.result())
