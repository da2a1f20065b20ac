"""CondConv2d / DynamicConv2d vs a plain ``torch.nn.Conv2d`` of the same shape (issue 11's target).

Default problem: batch 32, 64 → 64 channels, 3×3 kernel, 32×32 maps, padding 1, 4 experts, float32.
Contenders, all timed in one run, interleaved, best of N:

- ``nn.Conv2d``: the baseline (one shared kernel);
- ``per-sample engine``: ``anyconv.functional.conv2d`` with a ready ``(B, C_out, C_in, 3, 3)``
  weight and ``(B, C_out)`` bias (the floor of any per-example kernel: no routing, no mixing);
- ``CondConv2d`` and ``DynamicConv2d``: routing + mixing + the per-sample engine;
- ``per-example loop``: CondConv's routing and mixing, then one ``F.conv2d`` per example.

Passes: ``forward`` (eval, no grad) and ``train step`` (zero_grad, forward, mean-square loss,
backward, SGD step). Ratios are against ``nn.Conv2d`` measured in the same run: best time ÷ best
time, and the median over rounds of (time ÷ the same round's ``nn.Conv2d`` time)::

    python -m benchmarks.conditional                  # 2 threads (the machine's cores)
    python -m benchmarks.conditional --threads 1      # quieter on a shared machine
    python -m benchmarks.conditional --threads 1 --clock cpu   # thread CPU time: robust to load
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from collections.abc import Callable

import torch
import torch.nn.functional as F
from rich.console import Console
from rich.table import Table
from torch import Tensor, nn

from anyconv.functional import conv2d
from anyconv.layers.condconv import CondConv2d
from anyconv.layers.dynamicconv import DynamicConv2d


class PerSampleEngine(nn.Module):
    """The per-sample engine alone on fixed per-example weights (no routing, no mixing)."""

    def __init__(self, batch: int, channels: int, kernel: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(batch, channels, channels, kernel, kernel) / (3 * channels) ** 0.5)
        self.bias = nn.Parameter(torch.zeros(batch, channels))

    def forward(self, x: Tensor) -> Tensor:
        return conv2d(x, self.weight, self.bias, padding=self.weight.shape[-1] // 2)


class LoopCondConv(nn.Module):
    """CondConv computed the slow way: the same routing and mixing, then a loop over the examples."""

    def __init__(self, layer: CondConv2d) -> None:
        super().__init__()
        self.layer = layer

    def forward(self, x: Tensor) -> Tensor:
        routing = self.layer.router(x)  # (B, K)
        weight, bias = self.layer.kernel(routing), self.layer.kernel.mix_bias(routing)
        pad = self.layer.kernel.kernel_size[0] // 2
        outs = [F.conv2d(x[b : b + 1], weight[b], None if bias is None else bias[b], padding=pad) for b in range(x.shape[0])]
        return torch.cat(outs)  # (B, C_out, H, W)


def _pass(module: nn.Module, x: Tensor, train: bool) -> Callable[[], None]:
    """A zero-argument callable: a no-grad eval forward, or one SGD training step."""
    if not train:
        module.eval()

        def forward() -> None:
            with torch.no_grad():
                module(x)

        return forward
    module.train()
    optimizer = torch.optim.SGD(module.parameters(), lr=1e-6)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        module(x).square().mean().backward()
        optimizer.step()

    return step


def contenders(batch: int, channels: int, kernel: int, experts: int) -> dict[str, nn.Module]:
    torch.manual_seed(0)
    cond = CondConv2d(channels, channels, kernel, padding=kernel // 2, num_experts=experts)
    dynamic = DynamicConv2d(channels, channels, kernel, padding=kernel // 2, num_experts=experts)
    dynamic.set_temperature(1.0)
    return {
        "nn.Conv2d": nn.Conv2d(channels, channels, kernel, padding=kernel // 2),
        "per-sample engine": PerSampleEngine(batch, channels, kernel),
        "CondConv2d": cond,
        "DynamicConv2d": dynamic,
        "per-example loop": LoopCondConv(CondConv2d(channels, channels, kernel, padding=kernel // 2, num_experts=experts)),
    }


def check(modules: dict[str, nn.Module], x: Tensor) -> None:
    """The loop contender computes what CondConv2d computes (same weights)."""
    cond, loop = modules["CondConv2d"], modules["per-example loop"]
    loop.layer.load_state_dict(cond.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(loop(x), cond(x), rtol=1e-4, atol=1e-4)


def rounds(fns: list[Callable[[], None]], repeats: int, clock: Callable[[], float]) -> list[list[float]]:
    """``repeats`` rounds; each runs every function once (order rotated per round). Times in s."""
    for fn in fns:  # warm-up
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for r in range(repeats):
        order = [(i + r) % len(fns) for i in range(len(fns))]
        for i in order:
            t0 = clock()
            fns[i]()
            times[i].append(clock() - t0)
    return times


def table(batch: int, channels: int, size: int, kernel: int, experts: int, repeats: int, clock: str) -> Table:
    """Best time of each contender, its ratio to the best nn.Conv2d time, and the median of the
    per-round ratios (each round runs every contender once, so a burst of load from other
    processes mostly hits one round; the median ignores such rounds)."""
    out = Table(
        title=f"B={batch}, {channels}→{channels} channels, {kernel}×{kernel}, {size}×{size} maps, "
        f"{experts} experts, float32, {torch.get_num_threads()} thread(s), {repeats} rounds, {clock} time"
    )
    timer = time.perf_counter if clock == "wall" else time.thread_time
    for col in ("pass", "contender", "best ms", "best ÷ best nn.Conv2d", "median of round ratios"):
        out.add_column(col, justify="right")
    x = torch.randn(batch, channels, size, size, generator=torch.Generator().manual_seed(0))
    modules = contenders(batch, channels, kernel, experts)
    check(modules, x)
    for train in (False, True):
        times = rounds([_pass(m, x, train) for m in modules.values()], repeats, timer)
        for name, ts in zip(modules, times):
            ratio = statistics.median(t / base for t, base in zip(ts, times[0]))
            out.add_row(
                "train step" if train else "forward", name, f"{min(ts) * 1e3:.2f}", f"{min(ts) / min(times[0]):.2f}×",
                f"{ratio:.2f}×",
            )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--size", type=int, default=32)
    parser.add_argument("--kernel", type=int, default=3)
    parser.add_argument("--experts", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=15, help="rounds per pass")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="wall",
                        help="cpu: the calling thread's CPU time (needs --threads 1; robust to other processes' load)")
    args = parser.parse_args()
    if args.clock == "cpu" and args.threads != 1:
        parser.error("--clock cpu measures the calling thread only: use it with --threads 1")
    torch.set_num_threads(args.threads)
    console = Console()
    console.print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, threads {args.threads}")
    console.print(table(args.batch, args.channels, args.size, args.kernel, args.experts, args.repeats, args.clock))


if __name__ == "__main__":
    main()
