"""A readable training loop: one sequence layer, one synthetic task, one JSON result.

``train(config)`` builds the task and a :class:`~anyconv.models.sequence.SequenceModel`,
optimises it with AdamW over :func:`anyconv.param_groups` (so kernel-generator parameters get
their hinted learning rate / weight decay) with linear warm-up and cosine decay, evaluates on
the held-out split every ``eval_every`` steps, and returns — and optionally writes, atomically —
a result dict. On ``KeyboardInterrupt`` the result so far (``"interrupted": true``) is still
written before the interrupt propagates.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from tqdm.auto import tqdm

from anyconv.data.synthetic import SyntheticTask, TaskSpec, TaskSplit, make_task
from anyconv.kernels._args import positive_int
from anyconv.layers.base import KernelConv
from anyconv.models.sequence import SequenceModel, SequenceModelConfig
from anyconv.optim import param_groups
from anyconv.utils.io import atomic_write_json


@dataclass
class TrainConfig:
    """One training run."""

    layer: str
    task: str
    seq_len: int = 64
    steps: int = 300
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 0.05
    warmup: float = 0.1  # fraction of steps with linear warm-up
    seed: int = 0
    d_model: int = 32
    n_layers: int = 2
    n_train: int = 2000
    n_test: int = 500
    eval_every: int = 0  # 0: every ceil(steps / 5) steps
    bidirectional: bool = False
    layer_kwargs: dict[str, Any] = field(default_factory=dict)
    task_options: dict[str, Any] = field(default_factory=dict)


def build_model(config: TrainConfig, spec: TaskSpec) -> SequenceModel:
    """The model :func:`train` trains for ``config`` on a task described by ``spec``."""
    return SequenceModel(
        SequenceModelConfig(
            layer=config.layer, seq_len=spec.seq_len, n_outputs=spec.n_outputs, input_kind=spec.input_kind,
            vocab_size=spec.vocab_size, in_channels=spec.in_channels, d_model=config.d_model,
            n_layers=config.n_layers, bidirectional=config.bidirectional, layer_kwargs=dict(config.layer_kwargs),
        )
    )


def loss_and_correct(output: Tensor, y: Tensor, mask: Tensor, spec: TaskSpec) -> tuple[Tensor, Tensor]:
    """Mean loss over the scored positions and the number of them predicted correctly.

    Shape:
        output: ``(B, L, n_outputs)``; y, mask: ``(B, L)``
    """
    if spec.kind == "classification":
        logits, target = output[mask], y[mask]  # (M, n_outputs), (M,)
        return F.cross_entropy(logits, target), (logits.argmax(-1) == target).sum()
    pred, target = output[..., 0][mask], y[mask]  # (M,), (M,)
    return F.mse_loss(pred, target), ((pred - target).abs() < spec.tolerance).sum()


@torch.no_grad()
def evaluate(model: nn.Module, split: TaskSplit, spec: TaskSpec, *, batch_size: int = 250) -> dict[str, float]:
    """Loss and accuracy over a whole split (model in eval mode)."""
    was_training = model.training
    model.eval()
    total_loss, correct, scored = 0.0, 0, 0
    for start in range(0, len(split), batch_size):
        x, y, mask = (t[start : start + batch_size] for t in (split.x, split.y, split.mask))
        loss, right = loss_and_correct(model(x), y, mask, spec)
        count = int(mask.sum())
        total_loss += float(loss) * count
        correct += int(right)
        scored += count
    model.train(was_training)
    return {"loss": total_loss / scored, "accuracy": correct / scored}


def _schedule(step: int, steps: int, warmup: int) -> float:
    """Learning-rate factor: linear warm-up, then cosine decay to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def _engines(model: nn.Module) -> dict[str, str | None]:
    return {name: module.engine for name, module in model.named_modules() if isinstance(module, KernelConv)}


def train(config: TrainConfig, *, out: str | Path | None = None, progress: bool = True) -> dict[str, Any]:
    """Train ``config.layer`` on ``config.task``; return (and write to ``out``) the result dict."""
    positive_int("steps", config.steps)
    positive_int("batch_size", config.batch_size)
    torch.manual_seed(config.seed)
    task: SyntheticTask = make_task(
        config.task, seq_len=config.seq_len, n_train=config.n_train, n_test=config.n_test, seed=config.seed,
        options=config.task_options,
    )
    spec = task.spec
    model = build_model(config, spec)
    optimizer = torch.optim.AdamW(param_groups(model, lr=config.lr, weight_decay=config.weight_decay))
    warmup = int(config.warmup * config.steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _schedule(step, config.steps, warmup))
    eval_every = config.eval_every or math.ceil(config.steps / 5)
    steps_per_epoch = math.ceil(config.n_train / config.batch_size)
    sampler = torch.Generator().manual_seed(config.seed + 1)

    result: dict[str, Any] = {
        "config": asdict(config), "task": asdict(spec), "params": sum(p.numel() for p in model.parameters()),
        "chance": spec.chance, "accuracy": None, "test_loss": None, "best_accuracy": None,
        "steps_done": 0, "wall_time_s": 0.0, "interrupted": False, "history": [], "torch_threads": torch.get_num_threads(),
    }
    start = time.perf_counter()
    bar = tqdm(total=config.steps, desc=f"{config.layer}/{config.task}", disable=not progress, leave=False)
    model.train()
    try:
        for step in range(config.steps):
            index = torch.randint(len(task.train), (config.batch_size,), generator=sampler)
            x, y, mask = task.train.x[index], task.train.y[index], task.train.mask[index]
            loss, _ = loss_and_correct(model(x), y, mask, spec)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            result["steps_done"] = step + 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if (step + 1) % eval_every == 0 or step + 1 == config.steps:
                metrics = evaluate(model, task.test, spec)
                result["history"].append(
                    {"step": step + 1, "epoch": (step + 1) / steps_per_epoch, "train_loss": loss.item(),
                     "test_loss": metrics["loss"], "test_accuracy": metrics["accuracy"]}
                )
                result["accuracy"], result["test_loss"] = metrics["accuracy"], metrics["loss"]
                result["best_accuracy"] = max(metrics["accuracy"], result["best_accuracy"] or 0.0)
                bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{metrics['accuracy']:.3f}")
    except KeyboardInterrupt:
        result["interrupted"] = True
        raise
    finally:
        bar.close()
        result["wall_time_s"] = time.perf_counter() - start
        result["engines"] = _engines(model)
        if out is not None:
            atomic_write_json(out, result)
    return result
