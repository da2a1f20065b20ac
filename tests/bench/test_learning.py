"""Learning tests: a working model must beat what a broken one can reach on each quick-suite task.

The runs are the quick suite's own configs (``anyconv/bench/suites/quick.toml``, seed 0, one
torch thread as `bench` uses). Thresholds come from the measured runs recorded in
``docs/benchmarks.md`` (quick suite, 2 seeds), with margin:

=========  ============  =================  ============  ======================================
task       good layer    threshold          chance        broken model
=========  ============  =================  ============  ======================================
copying    sgconv1d      >= 0.80            0.125         shortconv1d <= 0.20
mqar       sgconv1d      >= 0.40            0.143         shortconv1d <= 0.20
adding     conv1d        >= 0.80            0.190         shortconv1d <= 0.24
=========  ============  =================  ============  ======================================

A 3-tap short convolution in two layers sees 5 past samples: it cannot copy over 56 steps,
sum two far-apart marked values, or look a key up in the context, so it stays near chance.
"""

from __future__ import annotations

import pytest
import torch

from anyconv.bench.suite import load_suite
from anyconv.bench.train import train


def _metric(layer: str, task: str) -> float:
    (config,) = [c for c in load_suite("quick", seeds=[0]).runs if c.layer == layer and c.task == task]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as `bench`: same arithmetic order as the measured runs
    try:
        return train(config, progress="off")["test"]["metric"]
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "task, good, good_min, broken, broken_max",
    [
        ("copying", "sgconv1d", 0.80, "shortconv1d", 0.20),
        ("mqar", "sgconv1d", 0.40, "shortconv1d", 0.20),
        ("adding", "conv1d", 0.80, "shortconv1d", 0.24),
    ],
)
def test_long_kernels_learn_what_a_short_kernel_cannot(task, good, good_min, broken, broken_max):
    good_metric = _metric(good, task)
    broken_metric = _metric(broken, task)
    assert good_metric >= good_min, f"{good} reached only {good_metric:.3f} on {task}"
    assert broken_metric <= broken_max, f"{broken} reached {broken_metric:.3f} on {task}: task leaks"
