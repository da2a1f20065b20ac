"""Checkpoints of a run folder: weights in safetensors, the rest of the training state in torch.

Layout of a run folder::

    <run>/config.json          the resolved RunConfig, the task spec and the run id
    <run>/ckpt-<step>/model.safetensors   model weights (state_dict)
    <run>/ckpt-<step>/state.pt            optimizer, scheduler, RNG states, step, history
    <run>/latest.json          {"step": N, "dir": "ckpt-N"}: the last complete checkpoint
    <run>/result.json          written once the run has finished

A checkpoint folder is filled completely before ``latest.json`` is atomically replaced to
point at it, and only then are older checkpoint folders removed: a run killed at any moment
leaves either the previous or the new checkpoint readable, never a half-written one.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from anyconv.utils.io import atomic_write_json

LATEST = "latest.json"


def _atomic_torch_save(obj: Any, path: Path) -> None:
    tmp = path.with_name(f".tmp-{path.name}")
    torch.save(obj, tmp)
    tmp.replace(path)


def save_checkpoint(run_dir: Path, step: int, model: nn.Module, state: dict[str, Any]) -> Path:
    """Write checkpoint ``step`` (weights + ``state``), point ``latest.json`` at it, drop older ones."""
    folder = run_dir / f"ckpt-{step}"
    folder.mkdir(parents=True, exist_ok=True)
    weights = {name: t.detach().cpu().contiguous() for name, t in model.state_dict().items()}
    tmp = folder / ".tmp-model.safetensors"
    save_file(weights, str(tmp))
    tmp.replace(folder / "model.safetensors")
    _atomic_torch_save(state, folder / "state.pt")
    atomic_write_json(run_dir / LATEST, {"step": step, "dir": folder.name})
    for old in run_dir.glob("ckpt-*"):
        if old.is_dir() and old.name != folder.name:
            shutil.rmtree(old, ignore_errors=True)
    return folder


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The folder of the last complete checkpoint of ``run_dir``, or None."""
    pointer = run_dir / LATEST
    if not pointer.exists():
        return None
    folder = run_dir / json.loads(pointer.read_text())["dir"]
    return folder if (folder / "model.safetensors").exists() and (folder / "state.pt").exists() else None


def load_weights(model: nn.Module, folder: Path, device: torch.device | str = "cpu") -> None:
    """Load ``folder/model.safetensors`` into ``model`` (strict: every key must match)."""
    model.load_state_dict(load_file(str(folder / "model.safetensors"), device=str(device)))


def load_state(folder: Path) -> dict[str, Any]:
    """The training state saved beside the weights (optimizer, scheduler, RNG states, step, history)."""
    return torch.load(folder / "state.pt", map_location="cpu", weights_only=False)
