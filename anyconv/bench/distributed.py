"""Data-parallel training under ``torchrun`` (DistributedDataParallel, gloo on CPU, nccl on GPU).

``torchrun --nproc_per_node=N -m anyconv.cli train ...`` starts N processes with ``RANK``,
``WORLD_SIZE`` and ``LOCAL_RANK`` set; :func:`setup` joins them into one process group. Every
rank draws the same *global* batch from the same seeded generator and keeps its own contiguous
slice (:func:`shard`), and the loss is normalised by the *global* count of scored units
(:func:`global_count`), so N ranks × batch B/N compute the same gradient as 1 rank × batch B.
Only rank 0 writes files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import Tensor

from anyconv.data.tasks import TaskSplit


@dataclass(frozen=True)
class World:
    """This process's place among the ranks (``rank 0 of 1`` when not distributed)."""

    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.size > 1


def launched_by_torchrun() -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def setup(device: str) -> World:
    """Join the process group torchrun prepared (no-op for a single process)."""
    if not launched_by_torchrun():
        return World()
    if not dist.is_initialized():
        backend = "nccl" if device.startswith("cuda") else "gloo"
        dist.init_process_group(backend=backend)
    world = World(dist.get_rank(), dist.get_world_size(), int(os.environ.get("LOCAL_RANK", "0")))
    if device.startswith("cuda"):
        torch.cuda.set_device(world.local_rank)
    return world


def device_for(device: str, world: World) -> torch.device:
    """``cuda`` means this rank's own GPU under torchrun."""
    if device == "cuda" and world.distributed:
        return torch.device("cuda", world.local_rank)
    return torch.device(device)


def teardown() -> None:
    """Leave the process group, if one was joined."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def is_rank_zero() -> bool:
    """True in a single process and on rank 0 under torchrun."""
    return os.environ.get("RANK", "0") == "0"


def shard(batch: TaskSplit, world: World, batch_size: int) -> TaskSplit:
    """This rank's contiguous slice of the global batch (sizes must divide evenly)."""
    if not world.distributed:
        return batch
    if batch_size % world.size:
        raise ValueError(f"batch_size={batch_size} must be divisible by the number of ranks ({world.size})")
    per_rank = batch_size // world.size
    return batch.select(slice(world.rank * per_rank, (world.rank + 1) * per_rank))


def global_count(count: Tensor, world: World) -> Tensor:
    """The sum of ``count`` over all ranks."""
    if not world.distributed:
        return count
    total = count.detach().clone()
    dist.all_reduce(total)
    return total


def barrier(world: World) -> None:
    if world.distributed:
        dist.barrier()
