"""Checks that tell a user whether to trust an attribution map.

- :func:`randomisation_check` — the model-randomisation sanity check (Adebayo et al. 2018):
  re-initialise the model's weights and compare the maps by Spearman rank correlation; a map
  that barely changes does not explain the *trained* model and is flagged.
- :func:`deletion_curve` / :func:`insertion_curve` (Petsiuk et al. 2018, RISE): remove (insert)
  input positions in the order a map ranks them and follow the target class' probability;
  :func:`curve_area` is the normalised area (deletion: lower is better; insertion: higher).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

__all__ = [
    "RandomisationResult", "curve_area", "deletion_curve", "insertion_curve", "randomisation_check",
    "rank_correlation", "reinitialised",
]

MapFn = Callable[[nn.Module, Tensor], Tensor]


def rank_correlation(a: Tensor, b: Tensor) -> Tensor:
    """Spearman rank correlation per example (average ranks for ties); NaN-free: a constant map
    against anything scores 0.

    Shape:
        a, b: ``(B, *S)`` → ``(B,)``
    """
    from scipy.stats import rankdata

    if a.shape != b.shape:
        raise ValueError(f"maps must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}")
    ra = torch.as_tensor(rankdata(a.detach().flatten(1).cpu().double().numpy(), axis=1))  # (B, N)
    rb = torch.as_tensor(rankdata(b.detach().flatten(1).cpu().double().numpy(), axis=1))  # (B, N)
    ra, rb = ra - ra.mean(1, keepdim=True), rb - rb.mean(1, keepdim=True)
    denom = (ra.norm(dim=1) * rb.norm(dim=1))
    return torch.where(denom > 0, (ra * rb).sum(1) / torch.where(denom > 0, denom, 1.0), 0.0)


def reinitialised(model: nn.Module, *, seed: int = 0) -> nn.Module:
    """A deep copy of ``model`` whose every module with ``reset_parameters`` is re-initialised
    (BatchNorm statistics reset too), drawn from ``torch.manual_seed(seed)``; ``model`` is untouched."""
    clone = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        for module in clone.modules():
            reset = getattr(module, "reset_parameters", None)
            if callable(reset):
                reset()
            if isinstance(module, nn.modules.batchnorm._BatchNorm):
                module.reset_running_stats()
    return clone


@dataclass(frozen=True)
class RandomisationResult:
    """Per-example rank correlations between the trained and the randomised model's maps."""

    correlations: Tensor  # (B,)
    threshold: float

    @property
    def mean(self) -> float:
        return float(self.correlations.mean())

    @property
    def flagged(self) -> bool:
        """True when the maps barely change with the weights (mean |ρ| at or above the threshold)."""
        return float(self.correlations.abs().mean()) >= self.threshold


def randomisation_check(
    model: nn.Module, x: Tensor, map_fn: MapFn, *, seed: int = 0, threshold: float = 0.5
) -> RandomisationResult:
    """Compare ``map_fn(model, x)`` with ``map_fn(reinitialised(model), x)`` by rank correlation.

    ``map_fn`` receives the model to explain (the same layer names exist in the copy), e.g.
    ``lambda m, x: grad_cam(m, x, layer="stage2")``. ``flagged`` says the map does not depend on
    the weights enough to be trusted.

    Shape:
        x: ``(B, C, *S)``; ``map_fn`` returns ``(B, *S')``
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    trained = map_fn(model, x)
    random = map_fn(reinitialised(model, seed=seed), x)
    return RandomisationResult(rank_correlation(trained, random), threshold)


def _probabilities(model: nn.Module, x: Tensor, classes: Tensor) -> Tensor:
    with torch.no_grad():
        return torch.softmax(model(x), dim=1).gather(1, classes[:, None])[:, 0]  # (B,)


def _curve(model: nn.Module, x: Tensor, saliency: Tensor, target: Tensor | None, steps: int,
           baseline: float, insert: bool) -> tuple[Tensor, Tensor]:
    if saliency.shape != (x.shape[0], *x.shape[2:]):
        raise ValueError(f"saliency must have shape {(x.shape[0], *x.shape[2:])} (B, *spatial of x), got {tuple(saliency.shape)}")
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    b, n = x.shape[0], saliency[0].numel()
    with torch.no_grad():
        classes = model(x).argmax(1) if target is None else target.to(torch.long)
    order = saliency.reshape(b, n).argsort(dim=1, descending=True)  # (B, N) most salient first
    fractions = torch.linspace(0, 1, steps + 1)
    start = torch.full_like(x, baseline) if insert else x
    source = x if insert else torch.full_like(x, baseline)
    probs = []
    for frac in fractions:
        k = round(float(frac) * n)
        mask = torch.zeros(b, n, dtype=torch.bool)
        mask.scatter_(1, order[:, :k], True)
        mask = mask.reshape(b, 1, *x.shape[2:])  # (B, 1, *S): the same positions in every channel
        probs.append(_probabilities(model, torch.where(mask, source, start), classes))
    return fractions, torch.stack(probs, dim=1)  # (steps+1,), (B, steps+1)


def deletion_curve(model: nn.Module, x: Tensor, saliency: Tensor, *, target: Tensor | None = None,
                   steps: int = 20, baseline: float = 0.0) -> tuple[Tensor, Tensor]:
    """Probability of the target (default: predicted) class as the most salient positions are set to
    ``baseline`` (all channels), in ``steps`` equal shares.

    Shape:
        x: ``(B, C, *S)``, saliency: ``(B, *S)`` → fractions ``(steps+1,)``, probabilities ``(B, steps+1)``
    """
    return _curve(model, x, saliency, target, steps, baseline, insert=False)


def insertion_curve(model: nn.Module, x: Tensor, saliency: Tensor, *, target: Tensor | None = None,
                    steps: int = 20, baseline: float = 0.0) -> tuple[Tensor, Tensor]:
    """Probability of the target class as the most salient positions are copied from ``x`` into a
    ``baseline`` image. Shapes as :func:`deletion_curve`."""
    return _curve(model, x, saliency, target, steps, baseline, insert=True)


def curve_area(fractions: Tensor, probabilities: Tensor) -> Tensor:
    """Trapezoidal area under each curve over the fraction axis ``[0, 1]``.

    Shape:
        fractions: ``(T,)``, probabilities: ``(B, T)`` → ``(B,)``
    """
    return torch.as_tensor(np.trapezoid(probabilities.double().numpy(), fractions.double().numpy(), axis=1))
