"""Loss and metric of one batch, as sums, for every task kind.

Everything is returned as *sums with their counts* so that evaluation can add batches up
exactly and data-parallel training can normalise by the global count (see
:mod:`anyconv.bench.distributed`): the mean loss over a batch split across ranks is then the
same as over the whole batch.

==========================  ===========================  ==========================================
metric                      counted over                 a unit scores
==========================  ===========================  ==========================================
accuracy                    scored positions / examples  1 if ``argmax`` equals the target
tolerance-accuracy          scored positions             1 if ``|prediction − target| < tolerance``
psnr                        images                       ``10·log10(1 / mse)`` dB, prediction clamped to [0, 1]
==========================  ===========================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from anyconv.data.tasks import TaskSpec, TaskSplit


@dataclass
class BatchSums:
    """Sums over one batch: loss over ``loss_count`` units, metric over ``metric_count`` units."""

    loss: Tensor  # scalar, differentiable
    loss_count: Tensor  # scalar
    metric: Tensor  # scalar, no gradient
    metric_count: Tensor  # scalar


def _targets(output: Tensor, batch: TaskSplit, spec: TaskSpec) -> tuple[Tensor, Tensor]:
    """The scored predictions and their targets.

    Shape:
        sequence: output ``(B, L, n_outputs)`` → ``(M, n_outputs)``, ``(M,)`` over the M scored positions;
        classification: output ``(B, n_outputs)``, y ``(B,)`` unchanged; denoising: unchanged.
    """
    if spec.kind == "sequence":
        if batch.mask is None:
            raise ValueError(f"task {spec.name!r} is a 'sequence' task but its batch has no mask of scored positions")
        return output[batch.mask], batch.y[batch.mask]
    return output, batch.y


def batch_sums(output: Tensor, batch: TaskSplit, spec: TaskSpec) -> BatchSums:
    """Loss and metric sums of a model ``output`` on ``batch`` (see the module table)."""
    pred, target = _targets(output.float(), batch, spec)
    if spec.loss == "cross_entropy":
        loss = F.cross_entropy(pred, target, reduction="sum")
        count = torch.tensor(float(target.numel()), device=pred.device)
        with torch.no_grad():
            right = (pred.argmax(-1) == target).sum().float()
        return BatchSums(loss, count, right, count)
    if spec.metric == "tolerance-accuracy":
        tolerance = spec.tolerance
        if tolerance is None:
            raise ValueError(f"task {spec.name!r} scores tolerance-accuracy but its spec has no tolerance")
        value = pred[..., 0]  # (M, 1) -> (M,)
        loss = F.mse_loss(value, target, reduction="sum")
        count = torch.tensor(float(target.numel()), device=pred.device)
        with torch.no_grad():
            right = ((value - target).abs() < tolerance).sum().float()
        return BatchSums(loss, count, right, count)
    if spec.metric == "psnr":
        loss = F.mse_loss(pred, target, reduction="sum")
        count = torch.tensor(float(target.numel()), device=pred.device)
        with torch.no_grad():
            mse = (pred.clamp(0, 1) - target).pow(2).flatten(1).mean(1)  # (B, C, H, W) -> (B,)
            psnr = 10.0 * torch.log10(1.0 / mse.clamp_min(1e-12))
        return BatchSums(loss, count, psnr.sum(), torch.tensor(float(len(psnr)), device=pred.device))
    raise ValueError(f"no objective for loss {spec.loss!r} with metric {spec.metric!r} (task {spec.name!r})")
