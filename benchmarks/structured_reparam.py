"""RepLK / DilatedReparam: what the branches cost in training and what re-parameterization saves.

For each layer (depthwise, batch 8, 32 channels, 32×32, one thread unless the caller set more),
timed in interleaved rounds in one run against the deployed form (``layer.bake(32, 32)``: a
depthwise ``nn.Conv2d`` with the folded kernel, or past the FFT crossover a fixed-kernel
``anyconv.Conv2d``):

- training form, eval-mode inference (all branches, BN) ÷ deployed inference — the saving at
  deployment;
- training form forward+backward (train mode, batch statistics) ÷ a plain depthwise
  ``nn.Conv2d`` of the same ``K × K`` forward+backward — the training overhead of the branches;
- training form forward+backward ÷ deployed inference;
- torch's depthwise ``nn.Conv2d`` on a channels-last input ÷ the deployed module (CPU depthwise
  speed depends a lot on the memory format).

Each row also gives ``max_abs_diff`` between the baked and the live eval-mode outputs, and the
clock: this thread's CPU time when torch runs one thread (so load from other processes does not
count), else wall time.
``measure()`` returns the rows (``benchmarks/structured.py`` prints them);
``python -m benchmarks.structured_reparam`` prints them alone.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.layers.dilated_reparam import DilatedReparamConv2d
from anyconv.layers.replk import ReparamDepthwise2d, RepLKConv2d

BATCH, CHANNELS, SIZE = 8, 32, 32


def _clock() -> tuple[str, Callable[[], float]]:
    """This thread's CPU time with one torch thread (robust to other processes on a loaded
    machine: time spent descheduled does not count), else wall time."""
    if torch.get_num_threads() == 1:
        return "thread CPU time", time.thread_time
    return "wall time", time.perf_counter


def _interleaved(fns: list[Callable[[], object]], rounds: int, warmup: int = 2) -> list[list[float]]:
    clock = _clock()[1]
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t0 = clock()
            fn()
            times[i].append(clock() - t0)
    return times


def _ratio(times: list[list[float]], i: int, j: int) -> tuple[float, float]:
    """(best ÷ best, median of per-round ratios) of contender ``i`` against ``j``."""
    return min(times[i]) / min(times[j]), statistics.median(a / b for a, b in zip(times[i], times[j]))


def _inference(module: nn.Module, x: Tensor) -> Callable[[], None]:
    def run() -> None:
        with torch.no_grad():
            module(x)

    return run


def _forward_backward(module: nn.Module, x: Tensor) -> Callable[[], None]:
    def run() -> None:
        module.zero_grad(set_to_none=True)
        module(x).square().mean().backward()

    return run


def _settle(layer: ReparamDepthwise2d, x: Tensor) -> None:
    """A few train-mode batches so the BN statistics are not the initial (0, 1)."""
    layer.train()
    with torch.no_grad():
        for _ in range(3):
            layer(x + torch.randn_like(x))


def measure(rounds: int = 15) -> list[dict[str, Any]]:
    """The rows: one dict per (layer, comparison) with ``row``, ``best``, ``median``, ``baseline_ms``.

    Inputs are NCHW (the layers' training form runs its depthwise convs channels-last inside);
    ``deployed`` names what ``bake(32, 32)`` returned (``plain_conv`` picks the FFT engine's
    fixed-kernel conv past its crossover). One row times torch's depthwise ``nn.Conv2d`` on a
    channels-last input against the deployed module.
    """
    torch.manual_seed(0)
    x = torch.randn(BATCH, CHANNELS, SIZE, SIZE)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    cases: list[tuple[str, ReparamDepthwise2d]] = [
        ("RepLKConv2d K=13 small 5", RepLKConv2d(CHANNELS, 13)),
        ("RepLKConv2d K=31 small 5", RepLKConv2d(CHANNELS, 31)),
        ("DilatedReparamConv2d K=13 (5 branches)", DilatedReparamConv2d(CHANNELS, 13)),
    ]
    rows: list[dict[str, Any]] = []
    for name, layer in cases:
        _settle(layer, x)
        baked = layer.eval().bake(SIZE, SIZE).eval()
        deployed = f"{type(baked).__module__.split('.')[0]}.{type(baked).__name__}"
        with torch.no_grad():
            diff = float((baked(x) - layer(x)).abs().max())
        k = layer.kernel_size
        plain = nn.Conv2d(CHANNELS, CHANNELS, k, padding=k // 2, groups=CHANNELS)
        x_grad = x.clone().requires_grad_(True)

        def live_eval(layer: ReparamDepthwise2d = layer) -> None:
            layer.eval()
            with torch.no_grad():
                layer(x)

        def live_train(layer: ReparamDepthwise2d = layer, x_grad: Tensor = x_grad) -> None:
            layer.train()
            layer.zero_grad(set_to_none=True)
            layer(x_grad).square().mean().backward()

        fns = [_inference(baked, x), live_eval, live_train, _forward_backward(plain, x_grad), _inference(plain, x_cl)]
        times = _interleaved(fns, rounds)
        for label, i, j in (
            ("training form eval inference / deployed inference", 1, 0),
            ("training form fwd+bwd / plain depthwise nn.Conv2d fwd+bwd", 2, 3),
            ("training form fwd+bwd / deployed inference", 2, 0),
            ("depthwise nn.Conv2d on a channels-last input / deployed inference", 4, 0),
        ):
            best, median = _ratio(times, i, j)
            rows.append({"row": f"{name}, B={BATCH} C={CHANNELS} {SIZE}x{SIZE}: {label}", "best": best,
                         "median": median, "baseline_ms": 1e3 * min(times[j]), "deployed": deployed,
                         "max_abs_diff": diff, "clock": _clock()[0]})
    return rows


def main() -> None:
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, 1 thread")
    for row in measure():
        rest = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k != "row")
        print(f"  {row['row']}: {rest}")


if __name__ == "__main__":
    main()
