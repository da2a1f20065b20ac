"""Best-of-N wall-clock timing shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence


def best_of(fn: Callable[[], object], repeats: int = 5, warmup: int = 1, budget_s: float = 20.0) -> float:
    """Best wall time of ``fn()`` in seconds over ``repeats`` runs (fewer if ``budget_s`` runs out)."""
    return best_of_interleaved([fn], repeats=repeats, warmup=warmup, budget_s=budget_s)[0]


def best_of_interleaved(
    fns: Sequence[Callable[[], object]], repeats: int = 5, warmup: int = 1, budget_s: float = 20.0
) -> list[float]:
    """Best wall time of each function, running them in turn on every repeat.

    Interleaving makes a burst of load from other processes hit every contender alike, so the
    ratios between them stay meaningful on a shared machine.
    """
    for _ in range(warmup):
        for fn in fns:
            fn()
    best = [float("inf")] * len(fns)
    started = time.perf_counter()
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
        if time.perf_counter() - started > budget_s:
            break
    return best
