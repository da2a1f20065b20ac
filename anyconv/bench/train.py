"""A readable training loop: one registered layer, one registered task, one run folder.

``train(config, run_dir)`` builds the task and the model for its kind
(:func:`anyconv.models.build_model`), optimises it with AdamW over :func:`anyconv.param_groups`
(kernel-generator parameters get their hinted learning rate / weight decay) with linear
warm-up and cosine decay, evaluates on the **validation** split every ``eval_every`` steps, and
at the end evaluates the final model once on the **test** split — the number a leaderboard
reports. Nothing is selected on test.

With a ``run_dir`` the run is checkpointed (weights in safetensors, optimizer/scheduler/RNG
states beside them) every ``checkpoint_every`` steps and at the end; ``resume=True`` continues
from the last checkpoint and reaches the same weights and metrics as an uninterrupted run.
"""

from __future__ import annotations

import math
import time
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from anyconv.bench import checkpoint, distributed
from anyconv.bench.config import RunConfig, resolve, run_id
from anyconv.bench.objectives import batch_sums
from anyconv.bench.progress import RunProgress
from anyconv.data.tasks import Task, TaskSpec, TaskSplit, make_task
from anyconv.layers.base import KernelConv
from anyconv.layers.dcls import clamp_positions
from anyconv.layers.dynamicconv import anneal_temperature
from anyconv.layers.registry import get_spec
from anyconv.models import build_model
from anyconv.optim import param_groups
from anyconv.utils.io import atomic_write_json

BASELINES = ("shortconv1d", "conv1d", "conv2d")


def forward(model: nn.Module, batch: TaskSplit, spec: TaskSpec) -> torch.Tensor:
    """The model's output on ``batch`` (irregular sequences also get their times and mask)."""
    if spec.has_times:
        return model(batch.x, times=batch.times, mask=batch.observed)
    return model(batch.x)


@torch.no_grad()
def evaluate(model: nn.Module, split: TaskSplit, spec: TaskSpec, *, batch_size: int = 250,
             device: torch.device | str = "cpu", precision: str = "fp32") -> dict[str, float]:
    """Mean loss and metric over a whole split (model in eval mode, then restored)."""
    was_training = model.training
    model.eval()
    totals = torch.zeros(4, dtype=torch.float64)
    for start in range(0, len(split), batch_size):
        batch = split.select(slice(start, start + batch_size)).to(device)
        with _autocast(device, precision):
            output = forward(model, batch, spec)
        sums = batch_sums(output, batch, spec)
        totals += torch.tensor([float(sums.loss), float(sums.loss_count), float(sums.metric), float(sums.metric_count)],
                               dtype=torch.float64)
    model.train(was_training)
    return {"loss": float(totals[0] / totals[1]), "metric": float(totals[2] / totals[3])}


def _autocast(device: torch.device | str, precision: str) -> Any:
    if precision == "bf16":
        return torch.autocast(device_type=torch.device(device).type, dtype=torch.bfloat16)
    return nullcontext()


def _schedule(step: int, steps: int, warmup: int) -> float:
    """Learning-rate factor: linear warm-up, then cosine decay to 0."""
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))


def _engines(model: nn.Module) -> dict[str, str | None]:
    return {name: m.engine for name, m in model.named_modules() if isinstance(m, KernelConv)}


def build(config: RunConfig, *, device: torch.device | str = "cpu") -> tuple[Task, nn.Module]:
    """The task and the freshly initialised model of ``config`` (seeded by ``config.seed``)."""
    task = make_task(config.task, seed=config.seed, sizes=config.sizes(), **config.task_options)
    torch.manual_seed(config.seed)
    model = build_model(task.spec, config.layer, **config.model).to(device)
    return task, model


def train(
    config: RunConfig,
    run_dir: str | Path | None = None,
    *,
    resume: bool = False,
    progress: str = "auto",
) -> dict[str, Any]:
    """Train ``config``; return its result dict (and, with ``run_dir``, checkpoint and write it).

    ``progress``: ``"auto"`` (a bar on a terminal, a line per evaluation otherwise), ``"bar"``,
    ``"lines"`` or ``"off"``. Under ``torchrun`` every rank trains its share of each global
    batch and only rank 0 writes.
    """
    config = resolve(config)
    world = distributed.setup(config.device)
    device = distributed.device_for(config.device, world)
    folder = Path(run_dir) if run_dir is not None else None
    task, model = build(config, device=device)
    spec = task.spec
    if world.distributed:
        model = nn.parallel.DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    optimizer = torch.optim.AdamW(param_groups(model, lr=config.lr, weight_decay=config.weight_decay))
    warmup = int(config.warmup * config.steps)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _schedule(s, config.steps, warmup))
    eval_every = config.eval_every or math.ceil(config.steps / 5)
    checkpoint_every = config.checkpoint_every or eval_every
    sampler = torch.Generator().manual_seed(config.seed + 1)

    result: dict[str, Any] = {
        "run_id": run_id(config), "config": asdict(config), "task": asdict(spec), "metric": spec.metric,
        "chance": spec.chance, "params": sum(p.numel() for p in model.parameters()),
        "baseline": config.layer in BASELINES, "layer_kind": get_spec(config.layer).kind,
        "test": None, "val": None, "steps_done": 0, "wall_time_s": 0.0, "status": "running", "history": [],
        "world_size": world.size, "torch_threads": torch.get_num_threads(),
        "versions": _versions(),
    }
    start_step, elapsed_before = 0, 0.0
    if folder is not None and world.is_main:
        atomic_write_json(folder / "config.json", {"run_id": result["run_id"], "config": result["config"], "task": result["task"]})
    if resume and folder is not None and (ckpt := checkpoint.latest_checkpoint(folder)) is not None:
        state = checkpoint.load_state(ckpt)
        checkpoint.load_weights(_unwrap(model), ckpt, device)
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        sampler.set_state(state["sampler"])
        torch.set_rng_state(state["torch_rng"])
        start_step, elapsed_before = state["step"], state["wall_time_s"]
        result["history"] = state["history"]
        result["resumed_from"] = result["steps_done"] = start_step

    label = f"{config.task}/{config.layer}/s{config.seed}"
    bar = RunProgress(label, config.steps, initial=start_step, mode=progress if world.is_main else "off")
    start = time.perf_counter()
    model.train()
    try:
        for step in range(start_step, config.steps):
            anneal_temperature(model, step, anneal_steps=config.steps // 10)  # DynamicConv's τ: 30 → 1 over 10% (paper)
            batch = distributed.shard(task.batch(config.batch_size, sampler), world, config.batch_size).to(device)
            with _autocast(device, config.precision):
                output = forward(model, batch, spec)
            sums = batch_sums(output, batch, spec)
            loss = sums.loss * world.size / distributed.global_count(sums.loss_count, world)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if config.grad_clip > 0:
                nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            clamp_positions(model)  # DCLS: project learned positions back onto the kernel grid (explicit hook)
            scheduler.step()
            done = step + 1
            result["steps_done"] = done
            bar.step(loss.item())
            if done % eval_every == 0 or done == config.steps:
                val = evaluate(model, task.val, spec, device=device, precision=config.precision)
                result["history"].append({"step": done, "train_loss": loss.item() / world.size, "val_loss": val["loss"],
                                          "val_metric": val["metric"],
                                          "elapsed_s": elapsed_before + time.perf_counter() - start})
                bar.evaluated(done, spec.metric, val["metric"])
            if folder is not None and world.is_main and (done % checkpoint_every == 0 or done == config.steps):
                checkpoint.save_checkpoint(folder, done, _unwrap(model), {
                    "step": done, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "sampler": sampler.get_state(), "torch_rng": torch.get_rng_state(), "history": result["history"],
                    "wall_time_s": elapsed_before + time.perf_counter() - start,
                })
        last = result["history"][-1]
        result["val"] = {"loss": last["val_loss"], "metric": last["val_metric"]}
        result["test"] = evaluate(model, task.test, spec, device=device, precision=config.precision)
        result["status"] = "finished"
    except KeyboardInterrupt:
        result["status"] = "interrupted"
        raise
    finally:
        bar.close()
        result["wall_time_s"] = elapsed_before + time.perf_counter() - start
        result["engines"] = _engines(model)
        if folder is not None and world.is_main:
            atomic_write_json(folder / ("result.json" if result["status"] == "finished" else "partial.json"), result)
        if result["status"] == "finished":
            distributed.barrier(world)
    return result


def _unwrap(model: nn.Module) -> nn.Module:
    return model.module if isinstance(model, nn.parallel.DistributedDataParallel) else model


def _versions() -> dict[str, str]:
    from anyconv import __version__

    return {"anyconv": __version__, "torch": torch.__version__}
