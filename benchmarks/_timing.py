"""Best-of-N wall-clock timing shared by the benchmark scripts."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeats: int = 5, warmup: int = 1, budget_s: float = 20.0) -> float:
    """Best wall time of ``fn()`` in seconds over ``repeats`` runs (fewer if ``budget_s`` runs out)."""
    for _ in range(warmup):
        fn()
    best = float("inf")
    started = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        if time.perf_counter() - started > budget_s:
            break
    return best
