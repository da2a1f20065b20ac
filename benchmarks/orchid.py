"""Orchid block vs a causal softmax-attention block of the same width, and MQAR accuracy vs length.

    python -m benchmarks.orchid                       # speed and memory, L = 1k … 32k (torch's threads)
    python -m benchmarks.orchid --threads 1           # the same on one thread
    python -m benchmarks.orchid --mqar                # MQAR accuracy vs length (Orchid, Hyena, LongConv)

**Speed.** One forward + backward of each block on ``(B, C, L)`` float32 (``B=1, C=64``), best of
N, the contenders interleaved (shared machine: only the ratios are meaningful). The attention
block is ``in_proj (C → 3C) → F.scaled_dot_product_attention(q, k, v, is_causal=True) →
out_proj`` with one head of width ``C`` (torch picks its fused CPU kernel). The Orchid block is
:class:`anyconv.Orchid` in causal mode (default Type II conditioning, 2 causal blocks). Context
rows: causal Orchid with 4 blocks, non-causal Orchid (``bidirectional=True``: one convolution, no
blocks) and ``hyena1d`` (the same block with a static kernel: the floor of a causal Orchid).

**Memory** is the bytes of the tensors autograd saves for the backward (each storage counted
once, via ``torch.autograd.graph.saved_tensors_hooks``): the activation memory a training step
keeps between forward and backward. It does not count transient workspaces inside an op (e.g.
attention scores that a fused kernel never stores), nor parameters and gradients.

The script fits ``time ∝ L^a`` and ``memory ∝ L^b`` by least squares on log-log points.
"""

from __future__ import annotations

import argparse
import math
import platform

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv import HyenaOperator1d, Orchid
from benchmarks._timing import best_of_interleaved


class AttentionBlock(nn.Module):
    """Causal single-head softmax attention with input and output projections.

    Shape:
        x: ``(B, C, L)`` → ``(B, C, L)``
    """

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.in_proj = nn.Linear(channels, 3 * channels)
        self.out_proj = nn.Linear(channels, channels)

    def forward(self, x: Tensor) -> Tensor:
        q, k, v = self.in_proj(x.transpose(1, 2)).unsqueeze(1).chunk(3, dim=-1)  # (B, 1, L, C) each
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)  # (B, 1, L, C)
        return self.out_proj(y.squeeze(1)).transpose(1, 2)  # (B, L, C) -> (B, C, L)


def saved_bytes(block: nn.Module, x: Tensor) -> int:
    """Bytes of the distinct storages autograd saves during one forward of ``block``."""
    seen: dict[int, int] = {}

    def pack(t: Tensor) -> Tensor:
        storage = t.untyped_storage()
        seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        block(x.clone().requires_grad_()).sum()
    return sum(seen.values())


def step(block: nn.Module, x: Tensor):
    xg = x.clone().requires_grad_()

    def run() -> None:
        block.zero_grad(set_to_none=True)
        block(xg).sum().backward()

    return run


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``log y`` against ``log x``."""
    lx, ly = [math.log(v) for v in xs], [math.log(v) for v in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum((a - mx) ** 2 for a in lx)


def contenders(channels: int, length: int, attention_max: int) -> dict[str, nn.Module]:
    """The blocks timed at one length: causal Orchid (the comparison), then context rows."""
    blocks: dict[str, nn.Module] = {
        "orchid": Orchid(channels, length),  # causal, Type II, 2 blocks
        "orchid nb=4": Orchid(channels, length, num_blocks=4),
        "orchid same": Orchid(channels, length, bidirectional=True),  # non-causal: one convolution
        "hyena1d": HyenaOperator1d(channels, length),
    }
    if length <= attention_max:
        blocks["attention"] = AttentionBlock(channels)
    return blocks


def speed(lengths: list[int], channels: int, repeats: int, attention_max: int) -> None:
    torch.manual_seed(0)
    print(f"fwd+bwd ms and saved-for-backward MiB; B=1, C={channels}, float32, {torch.get_num_threads()} thread(s), "
          f"best of {repeats}, interleaved. orchid = causal, Type II, 2 blocks; attention = causal SDPA, 1 head")
    names = list(contenders(channels, 8, attention_max))
    print(f"{'L':>6} " + " ".join(f"{n + ' ms':>15}" for n in names) + f" {'attn/orchid':>11} "
          + " ".join(f"{n + ' MiB':>16}" for n in ("orchid", "attention")))
    rows: dict[str, list[tuple[int, float, float]]] = {name: [] for name in names}
    for length in lengths:
        x = torch.randn(1, channels, length)
        blocks = contenders(channels, length, attention_max)
        times = dict(zip(blocks, best_of_interleaved([step(b, x) for b in blocks.values()], repeats=repeats, budget_s=90.0),
                         strict=True))
        for name, block in blocks.items():
            rows[name].append((length, times[name], saved_bytes(block, x) / 2**20))
        t_a, mem_a = times.get("attention", math.nan), rows["attention"][-1][2] if "attention" in blocks else math.nan
        cells = " ".join(f"{times.get(n, math.nan) * 1e3:>15.1f}" for n in names)
        print(f"{length:>6} {cells} {t_a / times['orchid']:>10.2f}× {rows['orchid'][-1][2]:>16.2f} {mem_a:>16.2f}", flush=True)
    for name, points in rows.items():
        if len(points) > 1:
            ls = [p[0] for p in points]
            print(f"{name}: time ~ L^{slope(ls, [p[1] for p in points]):.2f}, saved memory ~ L^{slope(ls, [p[2] for p in points]):.2f}"
                  f" (L = {ls[0]} … {ls[-1]})")


def mqar(lengths: list[int], seeds: list[int], steps: int, layers: list[str], pairs: int, vocab: int) -> None:
    from anyconv.bench.config import RunConfig
    from anyconv.bench.train import train

    print(f"MQAR test accuracy vs length: {pairs} pairs, vocabulary {vocab}, streamed, {steps} steps, lr 1e-2, "
          f"d_model 32, 2 layers, all layers bidirectional; mean ± std over seeds {seeds}")
    print(f"{'L':>6} " + " ".join(f"{name:>16}" for name in layers))
    for length in lengths:
        cells = []
        for layer in layers:
            accs = []
            for seed in seeds:
                config = RunConfig(
                    layer=layer, task="mqar", task_options={"seq_len": length, "n_pairs": pairs, "vocab_size": vocab},
                    seed=seed, steps=steps, lr=1e-2, stream=True, n_val=200, n_test=500,
                    model={"d_model": 32, "n_layers": 2, "bidirectional": True},
                )
                accs.append(train(config, progress="off")["test"]["metric"])
            mean = sum(accs) / len(accs)
            std = (sum((a - mean) ** 2 for a in accs) / max(len(accs) - 1, 1)) ** 0.5
            cells.append(f"{mean:.3f} ± {std:.3f}")
        print(f"{length:>6} " + " ".join(f"{c:>16}" for c in cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096, 8192, 16384, 32768])
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--attention-max", type=int, default=32768, help="longest L at which attention is timed")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch threads (default: torch's default, the machine's cores; --threads 1 for a "
                        "shared machine)")
    parser.add_argument("--mqar", action="store_true", help="MQAR accuracy vs length instead of speed")
    parser.add_argument("--mqar-lengths", type=int, nargs="+", default=[32, 128, 512])
    parser.add_argument("--layers", nargs="+", default=["orchid", "hyena1d", "longconv1d"])
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--vocab", type=int, default=16)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--steps", type=int, default=150)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{platform.processor() or platform.machine()}, torch {torch.__version__}")
    if args.mqar:
        mqar(args.mqar_lengths, args.seeds, args.steps, args.layers, args.pairs, args.vocab)
    else:
        speed(args.lengths, args.channels, args.repeats, args.attention_max)


if __name__ == "__main__":
    main()
