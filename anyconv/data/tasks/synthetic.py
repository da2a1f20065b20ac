"""Synthetic long-range sequence tasks, generated locally and deterministically from a seed.

=============  =============================================  =====================  ============
task           input                                          scored positions       chance
=============  =============================================  =====================  ============
copying        ``n_copy`` symbols, blanks, a marker, blanks    last ``n_copy``        1/n_symbols
adding         2 channels: U(0,1) values, two marker ones      last                   see below
mqar           key-value pairs, then queried keys             query positions        1/n_keys
=============  =============================================  =====================  ============

Each generator draws ``n`` examples from a ``torch.Generator``; the builders use it for fixed
train/val/test splits (each from its own seeded generator, so the three never share an example
stream) or, with ``stream=True``, to draw a fresh training batch every step.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from anyconv.data.tasks.registry import Sizes, register_task
from anyconv.data.tasks.spec import Task, TaskSpec, TaskSplit
from anyconv.kernels._args import positive_int

BLANK = 0  # the filler token of the token tasks
DEFAULT_SIZES = {"n_train": 2000, "n_val": 500, "n_test": 500}
_SPLIT_SALT = {"train": 0, "val": 1, "test": 2}


def split_generator(seed: int, split: str) -> torch.Generator:
    """The generator of one split of a generated task (distinct streams per split and seed)."""
    return torch.Generator().manual_seed(seed * 7919 + 104_729 * _SPLIT_SALT[split] + 1)


def generated_task(spec: TaskSpec, generate: Callable[[int, torch.Generator], TaskSplit], sizes: Sizes, seed: int) -> Task:
    """A :class:`Task` from a generator: fixed val/test sets, a fixed train set or a stream."""
    n_val = sizes.n_val or DEFAULT_SIZES["n_val"]
    n_test = sizes.n_test or DEFAULT_SIZES["n_test"]
    val = generate(n_val, split_generator(seed, "val"))
    test = generate(n_test, split_generator(seed, "test"))
    if sizes.stream:
        return Task(spec, None, val, test, sampler=generate)
    train = generate(sizes.n_train or DEFAULT_SIZES["n_train"], split_generator(seed, "train"))
    return Task(spec, train, val, test)


def copying_split(n: int, gen: torch.Generator, *, seq_len: int, n_copy: int, n_symbols: int) -> TaskSplit:
    """``n`` copying examples (see :func:`copying`)."""
    data = torch.randint(1, n_symbols + 1, (n, n_copy), generator=gen)
    x = torch.full((n, seq_len), BLANK, dtype=torch.long)
    x[:, :n_copy] = data
    x[:, seq_len - n_copy - 1] = n_symbols + 1
    y = torch.zeros(n, seq_len, dtype=torch.long)
    y[:, seq_len - n_copy :] = data
    mask = torch.zeros(n, seq_len, dtype=torch.bool)
    mask[:, seq_len - n_copy :] = True
    return TaskSplit(x, y, mask)


@register_task("copying", kind="sequence", can_stream=True)
def copying(*, seq_len: int = 64, n_copy: int = 8, n_symbols: int = 8, sizes: Sizes, seed: int) -> Task:
    """Copying memory: remember ``n_copy`` symbols over a gap and write them after the marker.

    Tokens: 0 blank, ``1..n_symbols`` data, ``n_symbols + 1`` marker. The data fill positions
    ``0..n_copy-1``, the marker sits at ``seq_len - n_copy - 1`` and the targets are the data at
    the last ``n_copy`` positions, so each answer lies ``seq_len - n_copy`` steps after its symbol.
    """
    positive_int("seq_len", seq_len)
    positive_int("n_copy", n_copy)
    positive_int("n_symbols", n_symbols, minimum=2)
    if seq_len < 2 * n_copy + 1:
        raise ValueError(f"copying needs seq_len >= 2 * n_copy + 1 = {2 * n_copy + 1}, got seq_len={seq_len}")
    spec = TaskSpec(
        "copying", "sequence", "tokens", (seq_len,), n_symbols + 2, "cross_entropy", "accuracy", 1.0 / n_symbols,
        vocab_size=n_symbols + 2, description=f"copy {n_copy} symbols over {seq_len - n_copy} steps",
        options={"seq_len": seq_len, "n_copy": n_copy, "n_symbols": n_symbols},
    )
    return generated_task(
        spec, lambda n, g: copying_split(n, g, seq_len=seq_len, n_copy=n_copy, n_symbols=n_symbols), sizes, seed
    )


def adding_split(n: int, gen: torch.Generator, *, seq_len: int) -> TaskSplit:
    """``n`` adding-problem examples (see :func:`adding`)."""
    half = seq_len // 2
    values = torch.rand(n, seq_len, generator=gen)
    first = torch.randint(0, half, (n,), generator=gen)
    second = torch.randint(half, seq_len, (n,), generator=gen)
    rows = torch.arange(n)
    markers = torch.zeros(n, seq_len)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=1)  # (N, 2, L)
    y = torch.zeros(n, seq_len)
    y[:, -1] = values[rows, first] + values[rows, second]
    mask = torch.zeros(n, seq_len, dtype=torch.bool)
    mask[:, -1] = True
    return TaskSplit(x, y, mask)


@register_task("adding", kind="sequence", can_stream=True)
def adding(*, seq_len: int = 64, tolerance: float = 0.1, sizes: Sizes, seed: int) -> Task:
    """Adding problem: output the sum of the two values whose marker is 1 (regression).

    Channel 0 holds U(0, 1) values, channel 1 marks one position in the first half and one in
    the second half; the target (in [0, 2]) is scored at the last position. Accuracy counts
    ``|error| < tolerance``; always answering 1 (the best constant) scores
    ``chance = 1 - (1 - tolerance)^2``.
    """
    positive_int("seq_len", seq_len, minimum=2)
    if not 0 < tolerance < 1:
        raise ValueError(f"tolerance must be a float in (0, 1), got {tolerance!r}")
    spec = TaskSpec(
        "adding", "sequence", "features", (2, seq_len), 1, "mse", "tolerance-accuracy",
        1.0 - (1.0 - tolerance) ** 2, tolerance=float(tolerance),
        description=f"sum two marked values of {seq_len}", options={"seq_len": seq_len, "tolerance": tolerance},
    )
    return generated_task(spec, lambda n, g: adding_split(n, g, seq_len=seq_len), sizes, seed)


def mqar_split(n: int, gen: torch.Generator, *, seq_len: int, n_pairs: int, vocab_size: int, n_queries: int) -> TaskSplit:
    """``n`` multi-query associative recall examples (see :func:`mqar`)."""
    n_keys = (vocab_size - 1) // 2
    keys = torch.rand(n, n_keys, generator=gen).argsort(dim=1)[:, :n_pairs] + 1  # (N, P) distinct keys
    values = torch.randint(n_keys + 1, 2 * n_keys + 1, (n, n_pairs), generator=gen)  # (N, P)
    x = torch.full((n, seq_len), BLANK, dtype=torch.long)
    x[:, 0 : 2 * n_pairs : 2] = keys
    x[:, 1 : 2 * n_pairs : 2] = values
    which = torch.rand(n, n_pairs, generator=gen).argsort(dim=1)[:, :n_queries]  # (N, Q) queried pairs
    free = seq_len - 2 * n_pairs
    where = torch.rand(n, free, generator=gen).argsort(dim=1)[:, :n_queries] + 2 * n_pairs  # (N, Q)
    rows = torch.arange(n)[:, None]
    x[rows, where] = keys.gather(1, which)
    y = torch.zeros(n, seq_len, dtype=torch.long)
    y[rows, where] = values.gather(1, which)
    mask = torch.zeros(n, seq_len, dtype=torch.bool)
    mask[rows, where] = True
    return TaskSplit(x, y, mask)


@register_task("mqar", kind="sequence", can_stream=True)
def mqar(*, seq_len: int = 64, n_pairs: int = 4, vocab_size: int = 32, n_queries: int = 0, sizes: Sizes, seed: int) -> Task:
    """Multi-query associative recall (MQAR, as in Zoology): recall the value bound to each queried key.

    Tokens: 0 blank; keys ``1..K`` and values ``K+1..2K`` with ``K = (vocab_size - 1) // 2``.
    Positions ``0..2·n_pairs-1`` hold ``k_1 v_1 … k_n v_n`` (distinct keys, random values); then
    ``n_queries`` (0 means ``n_pairs``) of those keys reappear at random later positions, each
    scored with its value as target; every other position is blank. Stream it
    (``stream=True``): a small fixed training set is learned by memorising it.
    """
    positive_int("seq_len", seq_len)
    positive_int("n_pairs", n_pairs)
    positive_int("vocab_size", vocab_size, minimum=3)
    n_queries = n_queries or n_pairs
    positive_int("n_queries", n_queries)
    n_keys = (vocab_size - 1) // 2
    if n_pairs > n_keys:
        raise ValueError(f"n_pairs={n_pairs} needs distinct keys but vocab_size={vocab_size} gives only {n_keys}")
    if n_queries > n_pairs:
        raise ValueError(f"n_queries must be <= n_pairs={n_pairs}, got {n_queries}")
    if seq_len < 2 * n_pairs + n_queries:
        raise ValueError(f"mqar needs seq_len >= 2 * n_pairs + n_queries = {2 * n_pairs + n_queries}, got seq_len={seq_len}")
    spec = TaskSpec(
        "mqar", "sequence", "tokens", (seq_len,), vocab_size, "cross_entropy", "accuracy", 1.0 / n_keys,
        vocab_size=vocab_size, description=f"recall {n_queries} of {n_pairs} key-value pairs",
        options={"seq_len": seq_len, "n_pairs": n_pairs, "vocab_size": vocab_size, "n_queries": n_queries},
    )

    def generate(n: int, g: torch.Generator) -> TaskSplit:
        return mqar_split(n, g, seq_len=seq_len, n_pairs=n_pairs, vocab_size=vocab_size, n_queries=n_queries)

    return generated_task(spec, generate, sizes, seed)
