"""Several training processes (one per GPU, on one or more machines): who this one is, and the few
collectives training needs.

``torchrun`` and ``accelerate launch`` both start one process per device and tell each its place
in ``RANK``, ``WORLD_SIZE`` and ``LOCAL_RANK`` (with ``MASTER_ADDR``/``MASTER_PORT`` for the
rendezvous), so the same command that trains in one process trains in many: nothing here needs
accelerate itself. GPUs talk over NCCL, CPU processes over gloo. torch is imported inside the
functions, so reading the environment stays cheap.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from models.core.runtime import DeviceChoice


@dataclass(frozen=True)
class World:
    """This process's place among the training processes (one process: rank 0 of 1)."""
    rank: int = 0
    size: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        """The one process that writes checkpoints, runs and output."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.size > 1

    def shard(self, rows: np.ndarray) -> np.ndarray:
        """This process's share of ``rows``: contiguous and as even as possible (sizes differ by one at most)."""
        return np.array_split(np.asarray(rows), self.size)[self.rank]


def from_env() -> World:
    """What torchrun / accelerate launch set; one process when they set nothing."""
    return World(int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)),
                 int(os.environ.get("LOCAL_RANK", 0)))


def start(world: World, device: DeviceChoice) -> DeviceChoice:
    """Join the process group; each GPU process takes its own device (``cuda:LOCAL_RANK``)."""
    import torch
    import torch.distributed as dist

    if device.is_cuda:
        torch.cuda.set_device(world.local_rank)
        device = replace(device, device=f"cuda:{world.local_rank}",
                         reason=f"{device.reason}; process {world.rank + 1} of {world.size}")
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.is_cuda else "gloo")
    return device


def stop(world: World) -> None:
    if world.active:
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()


def all_sum(value: float, world: World) -> float:
    """The sum of ``value`` over every process."""
    if not world.active:
        return value
    import torch
    import torch.distributed as dist

    tensor = torch.tensor([value], dtype=torch.float64)
    if dist.get_backend() == "nccl":
        tensor = tensor.cuda()
    dist.all_reduce(tensor)
    return float(tensor.item())


def gather(value: Any, world: World) -> list[Any]:
    """Every process's ``value`` (any picklable object), in rank order, on every process."""
    if not world.active:
        return [value]
    import torch.distributed as dist

    out: list[Any] = [None] * world.size
    dist.all_gather_object(out, value)
    return out


def broadcast(value: Any, world: World) -> Any:
    """The main process's ``value``, on every process."""
    if not world.active:
        return value
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def barrier(world: World) -> None:
    if world.active:
        import torch.distributed as dist

        dist.barrier()


def wrap(model: Any, world: World, device: DeviceChoice) -> Any:
    """The model under DistributedDataParallel when several processes train it (gradients averaged)."""
    if not world.active:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[world.local_rank] if device.is_cuda else None)


def unwrap(model: Any) -> Any:
    return getattr(model, "module", model)


def no_sync(model: Any, skip: bool) -> Any:
    """Inside a gradient-accumulation window: no all-reduce until its last backward pass."""
    import contextlib

    return model.no_sync() if skip and hasattr(model, "no_sync") else contextlib.nullcontext()

