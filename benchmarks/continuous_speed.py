"""Speed of the continuous-kernel layers against a dense kernel of the same length, same run.

1. Regular path: ``CKConv1d`` (SIREN kernel network) forward + backward at B=8, C=64, L=4096,
   depthwise and causal, kernel spanning the input, through the FFT engine — against a dense
   ``anyconv.Conv1d`` with a 4096-tap kernel through the same engine (target: ≤ 1.5×). FlexConv
   is timed twice: at its initial σ (the crop leaves a short kernel) and with the crop off.
2. Irregular path at N = 1000 samples with 50 % of a 2000-step grid dropped (true times kept):
   the grid path (integer times) and the pairwise path (the same times jittered off the grid),
   forward and forward + backward, against the regular path on 1000 samples.

Best-of-N wall times, the contenders interleaved on every repeat; only the ratios printed in
one run mean anything on a shared machine::

    python -m benchmarks.continuous_speed [--threads 1 --clock cpu] [--repeats 5]

``main()`` prints the table and returns the numbers (``benchmarks/continuous.py`` calls it).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

import torch
from rich.console import Console
from rich.table import Table
from torch import Tensor, nn

from anyconv.layers import CKConv1d, Conv1d, FlexConv1d

CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.thread_time}
_CLOCK: list[Callable[[], float]] = [time.perf_counter]


def best_of_interleaved(fns: Sequence[Callable[[], object]], repeats: int = 5, warmup: int = 1, budget_s: float = 20.0) -> list[float]:
    """Best time of each function over ``repeats`` rounds, every round running all of them in turn,
    on the chosen clock (``--clock cpu``: the calling thread's CPU time, which a loaded machine's
    other processes do not inflate — use it with one torch thread)."""
    clock = _CLOCK[0]
    for _ in range(warmup):
        for fn in fns:
            fn()
    best = [float("inf")] * len(fns)
    started = time.perf_counter()
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = clock()
            fn()
            best[i] = min(best[i], clock() - t0)
        if time.perf_counter() - started > budget_s:
            break
    return best


def _step(layer: nn.Module, x: Tensor, backward: bool, **kwargs: Tensor) -> Callable[[], None]:
    if not backward:

        def forward() -> None:
            with torch.no_grad():
                layer(x, **kwargs)

        return forward
    xg = x.clone().requires_grad_()

    def forward_backward() -> None:
        layer(xg, **kwargs).sum().backward()
        xg.grad = None
        layer.zero_grad(set_to_none=True)

    return forward_backward


def regular(batch: int, channels: int, length: int, repeats: int) -> dict[str, float]:
    """Forward + backward times (s) of the dense baseline and the continuous layers."""
    torch.manual_seed(0)
    common = dict(groups=channels, mode="causal", method="fft")
    layers: dict[str, nn.Module] = {
        "dense Conv1d (K=L)": Conv1d(channels, channels, length, **common),
        "CKConv1d (SIREN)": CKConv1d(channels, channels, kernel_size=None, **common),
        "CKConv1d (MAGNet)": CKConv1d(channels, channels, kernel_size=None, kernel_net="magnet", **common),
        "FlexConv1d (initial σ, cropped)": FlexConv1d(channels, channels, kernel_size=None, **common),
        "FlexConv1d (no crop)": FlexConv1d(channels, channels, kernel_size=None, crop=False, **common),
    }
    x = torch.randn(batch, channels, length)
    times = best_of_interleaved([_step(m, x, True) for m in layers.values()], repeats=repeats, budget_s=120)
    return dict(zip(layers, times))


def irregular(batch: int, channels: int, kept: int, repeats: int) -> dict[str, float]:
    """Times (s) of the irregular paths at ``kept`` samples (half of a 2·kept grid) and of the regular path."""
    torch.manual_seed(1)
    layer = CKConv1d(channels, channels, kernel_size=None, groups=channels, mode="causal")
    grid = torch.stack([torch.randperm(2 * kept)[:kept].sort().values for _ in range(batch)]).float()  # (B, N)
    jittered = grid + 0.5 * torch.rand(batch, kept)  # off the grid: the pairwise path
    x = torch.randn(batch, channels, kept)
    out: dict[str, float] = {}
    for backward in (False, True):
        tag = "fwd+bwd" if backward else "fwd"
        fns = [_step(layer, x, backward), _step(layer, x, backward, times=grid)]
        names = [f"regular N={kept} {tag}", f"irregular grid {tag}"]
        pair_repeats = max(1, repeats // 3)
        times = best_of_interleaved(fns, repeats=repeats, budget_s=60)
        times.append(best_of_interleaved([_step(layer, x, backward, times=jittered)], repeats=pair_repeats, warmup=0, budget_s=120)[0])
        names.append(f"irregular pairwise {tag}")
        out.update(zip(names, times))
    return out


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--length", type=int, default=4096)
    parser.add_argument("--kept", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave as is)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall", help="cpu: thread CPU time (with --threads 1)")
    args = parser.parse_args(argv)
    _CLOCK[0] = CLOCKS[args.clock]
    if args.threads:
        torch.set_num_threads(args.threads)
    results = regular(args.batch, args.channels, args.length, args.repeats)
    base = results["dense Conv1d (K=L)"]
    table = Table(title=f"continuous layers, fwd+bwd, B={args.batch} C={args.channels} L={args.length}, depthwise causal, FFT engine")
    table.add_column("layer")
    table.add_column("ms", justify="right")
    table.add_column("× dense", justify="right")
    numbers: dict[str, float] = {}
    for name, seconds in results.items():
        table.add_row(name, f"{seconds * 1e3:.1f}", f"{seconds / base:.2f}")
        numbers[f"{name} ms"] = seconds * 1e3
        numbers[f"{name} ratio"] = seconds / base
    irr = irregular(args.batch, args.channels, args.kept, args.repeats)
    table2 = Table(title=f"irregular path, B={args.batch} C={args.channels}, N={args.kept} kept of {2 * args.kept} (50 % drops)")
    table2.add_column("path")
    table2.add_column("ms", justify="right")
    table2.add_column("× regular", justify="right")
    for name, seconds in irr.items():
        tag = name.rsplit(" ", 1)[-1]
        ref = irr[f"regular N={args.kept} {tag}"]
        table2.add_row(name, f"{seconds * 1e3:.1f}", f"{seconds / ref:.2f}")
        numbers[f"{name} ms"] = seconds * 1e3
        numbers[f"{name} ratio"] = seconds / ref
    console = Console()
    console.print(table)
    console.print(table2)
    console.print(f"torch threads: {torch.get_num_threads()}; clock: {args.clock}; best of {args.repeats}, interleaved")
    return numbers


if __name__ == "__main__":
    main()
