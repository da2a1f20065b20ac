"""Check the GPU paths on a CUDA machine and time the FFT engine there (not part of CI).

    PYTHONPATH=. python benchmarks/gpu_check.py --out gpu_check.json

1. Engines on CUDA: FFT and direct against ``torch.nn.functional.conv1d/conv2d`` (float32 and
   float64, every mode that torch can express, shared and per-sample weights, B = 0).
2. bfloat16 autocast through every registered sequence layer (output close to float32).
3. The harness on CUDA: ``train`` on a sequence task and an image task, fp32 and bf16, and
   ``load_run`` back onto the GPU giving the trained model's test metric.
4. Timing: depthwise causal long convolution, FFT engine vs direct, forward+backward, with
   CUDA events (best of N after warm-up), ratios measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

import anyconv
from anyconv.bench import RunConfig, load_run, train
from anyconv.bench.train import build, evaluate
from anyconv.functional import conv1d, conv2d


def engines(device: torch.device) -> dict[str, float]:
    """Worst absolute error of each engine against torch's conv on ``device``."""
    worst: dict[str, float] = {}
    gen = torch.Generator(device="cpu").manual_seed(0)
    for dtype in (torch.float32, torch.float64):
        for length, k in ((64, 3), (257, 64), (1000, 1000)):
            x = torch.randn(4, 8, length, generator=gen, dtype=dtype).to(device)
            w = torch.randn(8, 1, k, generator=gen, dtype=dtype).to(device)
            reference = F.conv1d(F.pad(x, (k - 1, 0)), w.flip(-1), groups=8)  # causal convolution
            for method in ("direct", "fft"):
                y = conv1d(x, w, mode="causal", groups=8, flip=True, method=method)
                key = f"conv1d causal {method} {str(dtype)[6:]}"
                worst[key] = max(worst.get(key, 0.0), float((y - reference).abs().max() / reference.abs().max()))
            per_sample = torch.randn(4, 8, 1, k, generator=gen, dtype=dtype).to(device)
            loop = torch.cat([F.conv1d(F.pad(x[b : b + 1], (k - 1, 0)), per_sample[b].flip(-1), groups=8) for b in range(4)])
            y = conv1d(x, per_sample, mode="causal", groups=8, flip=True, method="fft")
            key = f"conv1d per-sample fft {str(dtype)[6:]}"
            worst[key] = max(worst.get(key, 0.0), float((y - loop).abs().max() / loop.abs().max()))
        x2 = torch.randn(2, 4, 33, 40, generator=gen, dtype=dtype).to(device)
        w2 = torch.randn(6, 4, 5, 7, generator=gen, dtype=dtype).to(device)
        reference = F.conv2d(x2, w2, padding="same")
        for method in ("direct", "fft"):
            y = conv2d(x2, w2, mode="same", method=method)
            worst[f"conv2d same {method} {str(dtype)[6:]}"] = float((y - reference).abs().max() / reference.abs().max())
    empty = conv1d(torch.randn(0, 4, 64, device=device), torch.randn(4, 1, 64, device=device), groups=4, method="fft")
    worst["empty batch shape ok"] = float(empty.shape == (0, 4, 64))
    return worst


def bf16_layers(device: torch.device) -> dict[str, float]:
    """Relative error of each sequence layer's output under bf16 autocast vs float32."""
    errors = {}
    for name in anyconv.list_layers(kind="sequence"):
        torch.manual_seed(0)
        layer = anyconv.create(name, 32, 512).to(device)
        x = torch.randn(4, 32, 512, device=device)
        with torch.no_grad():
            reference = layer(x)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                y = layer(x)
        errors[name] = float((y.float() - reference).abs().max() / reference.abs().max())
    return errors


def harness(device: str) -> list[dict[str, object]]:
    """Train tiny runs on CUDA in fp32 and bf16; reload one and recompute its test metric."""
    rows = []
    runs = [
        RunConfig(layer="hyena1d", task="mqar", task_options={"n_pairs": 2, "vocab_size": 16}, stream=True, steps=300,
                  lr=1e-2, device=device),
        RunConfig(layer="conv2d", task="digits", steps=300, device=device),
        RunConfig(layer="conv2d", task="denoise-samples", stream=True, steps=200, batch_size=16, n_val=32, n_test=64,
                  device=device),
    ]
    with tempfile.TemporaryDirectory() as folder:
        for config in runs:
            for precision in ("fp32", "bf16"):
                config.precision = precision
                run_dir = Path(folder) / f"{config.task}-{precision}"
                start = time.perf_counter()
                result = train(config, run_dir, progress="off")
                model, saved, _ = load_run(run_dir, device=device)
                task, _ = build(saved)
                again = evaluate(model, task.test, task.spec, device=device, precision=precision)
                rows.append({"task": config.task, "layer": config.layer, "precision": precision,
                             "test_metric": result["test"]["metric"], "reloaded_metric": again["metric"],
                             "chance": result["chance"], "seconds": round(time.perf_counter() - start, 1),
                             "engines": sorted(set(result["engines"].values()))})
    return rows


def timing(device: torch.device, lengths: list[int], repeats: int = 10) -> list[dict[str, float]]:
    """Forward+backward ms of depthwise causal long convolution (B=8, C=64, K=L): FFT vs direct."""
    rows = []
    for length in lengths:
        x = torch.randn(8, 64, length, device=device, requires_grad=True)
        w = torch.randn(64, 1, length, device=device, requires_grad=True)
        row: dict[str, float] = {"L": length}
        for method in ("fft", "direct"):
            if method == "direct" and length > 16384:
                continue
            best = float("inf")
            for i in range(repeats + 2):
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record()
                conv1d(x, w, mode="causal", groups=64, flip=True, method=method).sum().backward()
                end.record()
                torch.cuda.synchronize()
                if i >= 2:
                    best = min(best, start.elapsed_time(end))
            row[f"{method}_ms"] = round(best, 3)
        if "direct_ms" in row:
            row["direct_over_fft"] = round(row["direct_ms"] / row["fft_ms"], 1)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("gpu_check.json"))
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096, 16384, 65536])
    args = parser.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("no CUDA device: this script checks the GPU paths")
    device = torch.device("cuda")
    report = {"device": torch.cuda.get_device_name(), "torch": torch.__version__}
    for name, step in (("engines", lambda: engines(device)), ("bf16_layers", lambda: bf16_layers(device)),
                       ("harness", lambda: harness("cuda")), ("timing", lambda: timing(device, args.lengths))):
        start = time.perf_counter()
        try:
            report[name] = step()
        except Exception as error:  # a report of what failed is the point of this script
            report[name] = {"error": f"{type(error).__name__}: {error}"}
        report[f"{name}_seconds"] = round(time.perf_counter() - start, 1)
        args.out.write_text(json.dumps(report, indent=2))
        print(name, json.dumps(report[name], indent=1)[:3000], flush=True)


if __name__ == "__main__":
    main()
