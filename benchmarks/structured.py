"""Structured kernels for vision (issue 12): speed ratios and DnCNN PSNR, in one run.

Rows (every ratio against a baseline timed in the same run, interleaved rounds):

- ``WeightedConv2d`` training step (zero_grad, forward, mean-square loss, backward, SGD step) ÷
  ``nn.Conv2d``'s, fixed and learnable density (target ≤ 1.11, the precursor paper's +11 %);
  baked ``WeightedConv2d`` inference ÷ ``nn.Conv2d`` inference (target ≤ 1.02; baked *is* an
  ``nn.Conv2d``). Problem: batch 16, 64 → 64 channels, 32×32, 3×3 and 7×7, padding "same".
- ``DCLSConv2d`` forward+backward vs the ``DCLS`` package's ``Dcls2d`` on the same parameters:
  speed-up = package time ÷ ours (target ≥ 1.0). ConvNeXt-dcls's depthwise setting (17×17,
  34 taps) and a dense one.
- RepLK / DilatedReparam training vs deployed inference: ``benchmarks/structured_reparam.py``'s
  ``measure()`` rows, if that file exists.
- DnCNN on ``denoise-samples`` (σ = 25): the density of ``weightedconv2d`` tuned by DIRECT-L on
  validation loss (:func:`anyconv.optimize_density`), then ``conv2d`` and ``weightedconv2d``
  (tuned density) trained for the same steps over ``--seeds`` seeds; test PSNR mean ± std.

Ratios: "best" = best time ÷ best time; "median" = median over rounds of (time ÷ the same
round's baseline time) — the robust one on a loaded machine::

    python -m benchmarks.structured                 # everything (minutes)
    python -m benchmarks.structured --skip-dncnn    # speed rows only
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from anyconv.layers.dcls import DCLSConv2d
from anyconv.layers.weighted import WeightedConv2d


def clock() -> tuple[str, Callable[[], float]]:
    """This thread's CPU time when torch runs one thread (time spent descheduled by other
    processes on a loaded machine does not count), else wall time."""
    if torch.get_num_threads() == 1:
        return "thread CPU time", time.thread_time
    return "wall time", time.perf_counter


def interleaved(fns: list[Callable[[], object]], rounds: int, warmup: int = 2) -> list[list[float]]:
    """Times of each function per round (see :func:`clock`), the functions run in turn every round."""
    now = clock()[1]
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t0 = now()
            fn()
            times[i].append(now() - t0)
    return times


def ratios(times: list[list[float]], baseline: int = 0) -> list[tuple[float, float]]:
    """(best ÷ best, median of per-round ratios) of each contender against ``baseline``."""
    base = times[baseline]
    return [(min(t) / min(base), statistics.median(a / b for a, b in zip(t, base))) for t in times]


def train_step(layer: nn.Module, x: Tensor) -> Callable[[], None]:
    optimizer = torch.optim.SGD(layer.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        layer(x).square().mean().backward()
        optimizer.step()

    return step


def inference(layer: nn.Module, x: Tensor) -> Callable[[], None]:
    def run() -> None:
        with torch.no_grad():
            layer(x)

    return run


def weighted_rows(rounds: int) -> list[dict[str, Any]]:
    rows = []
    for k, density in ((3, [0.7]), (7, [0.25, 0.15, 0.55])):
        torch.manual_seed(0)
        x = torch.randn(16, 64, 32, 32)
        conv = nn.Conv2d(64, 64, k, padding=k // 2)
        contenders = {
            "fixed density": WeightedConv2d(64, 64, k, padding=k // 2, density=density),
            "learnable density": WeightedConv2d(64, 64, k, padding=k // 2, density=density, learnable_density=True),
            "fixed density, method='direct'": WeightedConv2d(64, 64, k, padding=k // 2, density=density, method="direct"),
            "learnable density, method='direct'": WeightedConv2d(
                64, 64, k, padding=k // 2, density=density, learnable_density=True, method="direct"
            ),
        }
        times = interleaved([train_step(conv, x)] + [train_step(m, x) for m in contenders.values()], rounds)
        for (name, layer), (best, median) in zip(contenders.items(), ratios(times)[1:]):
            rows.append({"row": f"WeightedConv2d {k}x{k} ({name}) train step / nn.Conv2d", "best": best, "median": median,
                         "target": "<= 1.11", "baseline_ms": 1e3 * min(times[0]), "engine": layer.engine})
        baked = contenders["fixed density"].bake(32, 32)
        times = interleaved([inference(conv, x), inference(baked, x)], rounds)
        (_, _), (bb, bm) = ratios(times)
        rows.append({"row": f"baked WeightedConv2d {k}x{k} inference / nn.Conv2d ({type(baked).__name__})", "best": bb,
                     "median": bm, "target": "<= 1.02", "baseline_ms": 1e3 * min(times[0])})
    return rows


def dcls_rows(rounds: int) -> list[dict[str, Any]]:
    logging.getLogger().setLevel(logging.ERROR)  # the package warns about its CUDA-only kernel
    try:
        from DCLS.construct.modules import Dcls2d
    except ImportError:
        return [{"row": "DCLS package not installed (pip install dcls): no comparison"}]
    rows = []
    # channels, groups, kernel, kernel_count, batch, side
    for c, groups, k, count, batch, side in ((64, 64, 17, 34, 8, 28), (32, 1, 7, 14, 8, 16)):
        torch.manual_seed(0)
        ours = DCLSConv2d(c, c, k, padding=k // 2, groups=groups, kernel_count=count)
        ref = Dcls2d(c, c, count, padding=k // 2, dilated_kernel_size=k, groups=groups, version="gauss")
        with torch.no_grad():
            ref.weight.copy_(ours.kernel.weight)
            ref.P.copy_(ours.kernel.positions.flip(0))
            ref.SIG.copy_(ours.kernel.sigma.flip(0))
            ref.bias.copy_(ours.bias)
        x = torch.randn(batch, c, side, side)
        torch.testing.assert_close(ours(x), ref(x), rtol=1e-4, atol=1e-4)  # same function before timing it

        def fwd_bwd(layer: nn.Module, x: Tensor = x) -> Callable[[], None]:
            def run() -> None:
                layer.zero_grad(set_to_none=True)
                layer(x).square().mean().backward()

            return run

        direct = DCLSConv2d(c, c, k, padding=k // 2, groups=groups, kernel_count=count, method="direct")
        direct.load_state_dict(ours.state_dict())
        times = interleaved([fwd_bwd(ref), fwd_bwd(ours), fwd_bwd(direct)], rounds)
        for layer, (best, median) in zip((ours, direct), ratios(times)[1:]):
            rows.append({"row": f"DCLSConv2d {k}x{k} {count} taps, C={c} groups={groups} (method={layer.method!r}): "
                                "DCLS package / ours (fwd+bwd)",
                         "best": 1 / best, "median": 1 / median, "target": ">= 1.0",
                         "baseline_ms": 1e3 * min(times[0]), "engine": layer.engine})
    return rows


def reparam_rows() -> list[dict[str, Any]]:
    path = Path(__file__).with_name("structured_reparam.py")
    if not path.exists():
        return [{"row": "benchmarks/structured_reparam.py not present: no RepLK / DilatedReparam rows"}]
    spec = importlib.util.spec_from_file_location("structured_reparam", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return list(module.measure())


def dncnn_rows(seeds: int, steps: int, tune_steps: int, tune_evals: int, kernel_size: int) -> list[dict[str, Any]]:
    from anyconv.bench.config import RunConfig
    from anyconv.bench.train import train
    from anyconv.density_search import optimize_density

    model = {"width": 16, "depth": 6, "kernel_size": kernel_size}
    base = RunConfig(layer="weightedconv2d", task="denoise-samples", steps=tune_steps, batch_size=32, n_train=2000,
                     n_val=200, model=model)
    t0 = time.perf_counter()
    search = optimize_density(base, max_evals=tune_evals)
    tune_s = time.perf_counter() - t0
    rows: list[dict[str, Any]] = [{"row": f"density search (DIRECT-L, {search.n_evals} runs x {tune_steps} steps, seed 0)",
                                   "density": [round(v, 4) for v in search.density], "val_loss": f"{search.loss:.6f}",
                                   "seconds": tune_s}]
    for layer, options in (("conv2d", {}), ("weightedconv2d", {"density": search.density})):
        psnr, chance = [], 0.0
        for seed in range(seeds):
            config = RunConfig(layer=layer, task="denoise-samples", seed=seed, steps=steps, batch_size=32, n_train=2000,
                               n_val=200, model={**model, "layer_options": options})
            result = train(config, None, progress="off")
            psnr.append(result["test"]["metric"])
            chance = result["chance"]
        rows.append({"row": f"DnCNN {model} {layer}{' (tuned density)' if options else ''}: test PSNR dB",
                     "mean": statistics.mean(psnr), "std": statistics.stdev(psnr) if len(psnr) > 1 else 0.0,
                     "seeds": seeds, "steps": steps, "noisy_input_psnr": chance})
    return rows


def show(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        text = row.get("row", "")
        rest = ", ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in row.items() if k != "row")
        print(f"  {text}: {rest}" if rest else f"  {text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1: quieter on a shared machine)")
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds per contender")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--steps", type=int, default=400, help="DnCNN training steps per run")
    parser.add_argument("--tune-steps", type=int, default=200, help="training steps per density candidate")
    parser.add_argument("--tune-evals", type=int, default=8, help="DIRECT-L evaluations (training runs)")
    parser.add_argument("--kernel-size", type=int, default=3, help="DnCNN kernel size")
    parser.add_argument("--skip-dncnn", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {platform.processor() or platform.machine()}, {args.threads} thread(s), "
          f"timed by {clock()[0]}, {args.rounds} interleaved rounds")
    print("WeightedConv2d vs nn.Conv2d (batch 16, 64 -> 64 channels, 32x32):")
    show(weighted_rows(args.rounds))
    print("DCLSConv2d vs the DCLS package (gauss):")
    show(dcls_rows(args.rounds))
    print("RepLK / DilatedReparam training vs deployed:")
    show(reparam_rows())
    if not args.skip_dncnn:
        print(f"DnCNN on denoise-samples (sigma 25), {args.seeds} seeds:")
        show(dncnn_rows(args.seeds, args.steps, args.tune_steps, args.tune_evals, args.kernel_size))


if __name__ == "__main__":
    main()
