"""Density search for weighted convolution: DIRECT-L on validation loss, apart from SGD.

*Optimal Density Functions for Weighted Convolution in Learning Models* (Cammarasana & Patanè,
2025) tunes the density values ``den`` of :class:`~anyconv.layers.weighted.WeightedConv2d` with a
derivative-free global optimiser while the weights are trained by SGD for each candidate: the
objective of a density is the validation loss of a network trained with it. DIRECT-L is
SciPy's :func:`scipy.optimize.direct` with ``locally_biased=True``.

- :func:`direct_search` — the optimiser on any objective ``den -> loss`` (kept separate so it can
  be tested on problems whose optimum is known).
- :func:`optimize_density` — the objective of the paper: for each candidate, train a run of the
  harness (:func:`anyconv.bench.train.train`, same seed, so the same initial weights and
  batches) with every weighted layer's density set to it, and read the validation loss. The
  test split is never used to choose.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from anyconv.bench.config import RunConfig

# The ranges the reference README suggests per kernel size (first value outermost).
SUGGESTED_BOUNDS: dict[int, tuple[tuple[float, float], ...]] = {
    3: ((0.5, 1.5),),
    5: ((0.05, 1.0), (0.5, 1.5)),
    7: ((0.05, 0.5), (0.15, 1.0), (0.25, 1.5)),
}
DEFAULT_BOUND = (0.05, 1.5)  # for each value of other kernel sizes


@dataclass
class DensitySearchResult:
    """The best density found, its loss, and every evaluation in the order DIRECT-L asked."""

    density: list[float]
    loss: float
    evaluations: list[tuple[list[float], float]] = field(default_factory=list)
    message: str = ""

    @property
    def n_evals(self) -> int:
        return len(self.evaluations)


class _BudgetSpent(Exception):
    """Raised inside the objective to stop DIRECT at exactly ``max_evals`` evaluations."""


def _check_bounds(bounds: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for pair in bounds:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise ValueError(f"bounds must be (low, high) pairs, got {pair!r}")
        low, high = float(pair[0]), float(pair[1])
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise ValueError(f"each bound must be finite with low < high, got {pair!r}")
        out.append((low, high))
    if not out:
        raise ValueError("bounds must hold at least one (low, high) pair (a kernel of size 1 has no density to search)")
    return out


def direct_search(
    objective: Callable[[list[float]], float],
    bounds: Sequence[tuple[float, float]],
    *,
    max_evals: int = 50,
    max_iter: int = 1000,
    len_tol: float = 1e-6,
    on_evaluation: Callable[[list[float], float], None] | None = None,
) -> DensitySearchResult:
    """Minimise ``objective`` over the box ``bounds`` with DIRECT-L (``locally_biased=True``).

    ``max_evals`` is a hard cap on the objective calls (SciPy's ``maxfun`` alone lets DIRECT
    finish its sweep: 5 calls in 1-D when 1 was asked). ``on_evaluation(den, loss)`` is called
    after each evaluation (progress).
    """
    from scipy.optimize import direct  # here: `import anyconv` stays free of scipy.optimize

    box = _check_bounds(bounds)
    if isinstance(max_evals, bool) or not isinstance(max_evals, int) or max_evals < 1:
        raise ValueError(f"max_evals must be an int >= 1, got {max_evals!r}")
    evaluations: list[tuple[list[float], float]] = []

    def wrapped(x: np.ndarray) -> float:
        if len(evaluations) >= max_evals:
            raise _BudgetSpent
        den = [float(v) for v in x]
        loss = float(objective(den))
        if not np.isfinite(loss):
            loss = float(np.finfo(np.float64).max)  # DIRECT needs a number; a diverged run is the worst
        evaluations.append((den, loss))
        if on_evaluation is not None:
            on_evaluation(den, loss)
        return loss

    try:
        message = str(direct(wrapped, box, maxfun=max_evals, maxiter=max_iter, locally_biased=True, len_tol=len_tol).message)
    except _BudgetSpent:
        message = f"stopped after max_evals={max_evals} evaluations"
    best = min(evaluations, key=lambda item: item[1])
    return DensitySearchResult(density=best[0], loss=best[1], evaluations=evaluations, message=message)


def _weighted_kernel_sizes(config: RunConfig) -> tuple[int, ...]:
    """The (square) kernel size shared by every weighted layer of ``config``'s model."""
    from anyconv.bench.train import build
    from anyconv.layers.weighted import WeightedConv1d, WeightedConv2d

    _, model = build(config)
    sizes = {m.kernel.kernel_size for m in model.modules() if isinstance(m, (WeightedConv1d, WeightedConv2d))}
    if not sizes:
        raise ValueError(f"optimize_density needs a model with weighted layers; layer {config.layer!r} builds none")
    if len(sizes) > 1 or len(set(next(iter(sizes)))) > 1:
        raise ValueError(f"optimize_density searches one density shared by square kernels of one size, got sizes {sorted(sizes)}")
    return next(iter(sizes))


def default_bounds(kernel_size: int) -> list[tuple[float, float]]:
    """:data:`SUGGESTED_BOUNDS` for 3, 5, 7; :data:`DEFAULT_BOUND` per value otherwise."""
    return list(SUGGESTED_BOUNDS.get(kernel_size, (DEFAULT_BOUND,) * ((kernel_size - 1) // 2)))


def optimize_density(
    config: RunConfig,
    bounds: Sequence[tuple[float, float]] | None = None,
    *,
    max_evals: int = 20,
    on_evaluation: Callable[[list[float], float], None] | None = None,
) -> DensitySearchResult:
    """The density of ``config``'s weighted layers with the lowest validation loss (DIRECT-L).

    ``config`` is an :class:`anyconv.bench.config.RunConfig` whose layer is ``weightedconv1d``
    or ``weightedconv2d``; every candidate trains that run from the same seed for
    ``config.steps`` steps with ``layer_options["density"]`` set to the candidate (one density
    shared by all weighted layers, as the paper), and its final validation loss is the
    objective. ``bounds``: one ``(low, high)`` per density value (default
    :func:`default_bounds`). Cost: ``max_evals`` training runs.
    """
    from anyconv.bench.config import resolve
    from anyconv.bench.train import train

    sizes = _weighted_kernel_sizes(config)
    box = _check_bounds(default_bounds(sizes[0]) if bounds is None else bounds)
    if len(box) != (sizes[0] - 1) // 2:
        raise ValueError(
            f"bounds: kernel size {sizes[0]} has {(sizes[0] - 1) // 2} density values, got {len(box)} bounds"
        )

    def objective(den: list[float]) -> float:
        model: dict[str, Any] = dict(config.model)
        model["layer_options"] = {**dict(model.get("layer_options", {})), "density": den}
        run = resolve(dataclasses.replace(config, model=model, eval_every=config.steps))
        return float(train(run, None, progress="off")["val"]["loss"])

    return direct_search(objective, box, max_evals=max_evals, on_evaluation=on_evaluation)
