"""FFT engine vs direct ``F.conv1d`` and vs the bare ``rfft → multiply → irfft`` floor.

Depthwise long convolution (B=8, C=64, K=L), causal, measured in one run on this machine:

    python benchmarks/fftconv.py                 # the table of docs/benchmarks.md
    python benchmarks/fftconv.py --crossover     # the K at which FFT starts to win, per L

Direct convolution is only timed where it finishes in reasonable time (see --max-direct).
All numbers are best-of-N wall times; compare only the ratios printed in the same run.
"""

from __future__ import annotations

import argparse
import platform

import torch
import torch.nn.functional as F
from rich.console import Console
from rich.table import Table

from anyconv.functional import conv1d, conv2d, fast_length
from benchmarks._timing import best_of_interleaved


def bare_fft_causal(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """The floor: one rfft per operand, a product, one irfft, a slice (no checks, no generality)."""
    n = fast_length(x.shape[-1] + k.shape[-1] - 1)
    return torch.fft.irfft(torch.fft.rfft(x, n=n) * torch.fft.rfft(k, n=n), n=n)[..., : x.shape[-1]]


def direct_causal(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """torch's direct conv with left padding only (the fast way to be causal directly)."""
    return F.conv1d(F.pad(x, (k.shape[-1] - 1, 0)), k.flip(-1).unsqueeze(1), groups=x.shape[1])


def engine_causal(x: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return conv1d(x, k.unsqueeze(1), mode="causal", groups=x.shape[1], method="fft", flip=True)


def _step(fn, x, k, backward: bool):
    """A zero-argument callable running ``fn`` forward (no grad) or forward + backward."""
    if not backward:

        def forward() -> None:
            with torch.no_grad():
                fn(x, k)

        return forward
    xg, kg = x.clone().requires_grad_(), k.clone().requires_grad_()

    def forward_backward() -> None:
        fn(xg, kg).sum().backward()
        xg.grad = kg.grad = None

    return forward_backward


def _timed(fns, x, k, backward: bool, repeats: int) -> list[float]:
    """Best-of-``repeats`` times of several implementations, interleaved on every repeat."""
    return best_of_interleaved([_step(fn, x, k, backward) for fn in fns], repeats=repeats, budget_s=60.0)


def table(lengths: list[int], batch: int, channels: int, max_direct: int, max_direct_bwd: int, repeats: int) -> Table:
    out = Table(title=f"depthwise causal long conv, B={batch}, C={channels}, K=L, float32, {torch.get_num_threads()} threads")
    for col in ("L", "pass", "direct ms", "FFT engine ms", "bare FFT ms", "direct / engine", "engine / bare"):
        out.add_column(col, justify="right")
    gen = torch.Generator().manual_seed(0)
    for length in lengths:
        x = torch.randn(batch, channels, length, generator=gen)
        k = torch.randn(channels, length, generator=gen) / length
        torch.testing.assert_close(engine_causal(x, k), bare_fft_causal(x, k), rtol=1e-3, atol=1e-3)
        for backward in (False, True):
            limit = max_direct_bwd if backward else max_direct
            engine, bare = _timed([engine_causal, bare_fft_causal], x, k, backward, repeats)
            direct = _timed([direct_causal], x, k, backward, min(repeats, 3))[0] if length <= limit else float("nan")
            out.add_row(
                str(length), "fwd+bwd" if backward else "fwd",
                "—" if direct != direct else f"{direct * 1e3:.1f}", f"{engine * 1e3:.2f}", f"{bare * 1e3:.2f}",
                "—" if direct != direct else f"{direct / engine:.1f}×", f"{engine / bare:.2f}×",
            )
    return out


def crossover(lengths: list[int], batch: int, channels: int, repeats: int) -> Table:
    """Smallest power-of-two-minus-one K at which the FFT engine beats direct, per L and pass."""
    out = Table(title="crossover: smallest K (2^j - 1) where FFT beats direct")
    for col in ("L", "forward K*", "fwd+bwd K*"):
        out.add_column(col, justify="right")
    gen = torch.Generator().manual_seed(0)
    for length in lengths:
        x = torch.randn(batch, channels, length, generator=gen)
        found = []
        for backward in (False, True):
            k_star = None
            for j in range(2, 20):
                k_size = 2**j - 1
                if k_size > length:
                    break
                k = torch.randn(channels, k_size, generator=gen) / k_size
                direct, fft = _timed([direct_causal, engine_causal], x, k, backward, repeats)
                if fft < direct:
                    k_star = k_size
                    break
            found.append("none ≤ L" if k_star is None else str(k_star))
        out.add_row(str(length), *found)
    return out


def crossover_2d(size: int, batch: int, channels: int, repeats: int) -> Table:
    """Smallest odd square kernel at which the FFT engine beats direct on ``size x size`` maps."""
    out = Table(title=f"2-D crossover, depthwise, {size}x{size} maps, mode='same'")
    for col in ("pass", "smallest K (K x K) where FFT wins", "area"):
        out.add_column(col, justify="right")
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(batch, channels, size, size, generator=gen)
    for backward in (False, True):
        found = None
        for k_size in range(3, size, 4):
            k = torch.randn(channels, 1, k_size, k_size, generator=gen) / k_size**2
            fns = [
                lambda a, w: conv2d(a, w, mode="same", groups=channels, method="direct"),
                lambda a, w: conv2d(a, w, mode="same", groups=channels, method="fft"),
            ]
            direct, fft = _timed(fns, x, k, backward, repeats)
            if fft < direct:
                found = k_size
                break
        out.add_row("fwd+bwd" if backward else "fwd", "none" if found is None else str(found),
                    "-" if found is None else str(found * found))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 2048, 4096, 8192, 16384, 32768, 65536])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--channels", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--max-direct", type=int, default=16384, help="largest L timed with direct conv, forward")
    parser.add_argument("--max-direct-bwd", type=int, default=4096, help="largest L timed with direct conv, fwd+bwd")
    parser.add_argument("--crossover", action="store_true", help="measure the direct/FFT crossover instead")
    parser.add_argument("--crossover-2d", type=int, default=0, metavar="SIZE",
                        help="measure the 2-D crossover on SIZE x SIZE maps instead")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    console = Console()
    console.print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, threads {args.threads}")
    if args.crossover_2d:
        console.print(crossover_2d(args.crossover_2d, args.batch, args.channels, args.repeats))
    elif args.crossover:
        console.print(crossover(args.lengths, args.batch, args.channels, args.repeats))
    else:
        console.print(table(args.lengths, args.batch, args.channels, args.max_direct, args.max_direct_bwd, args.repeats))


if __name__ == "__main__":
    main()
