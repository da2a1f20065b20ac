"""Learning tests: a working model must beat what a broken one can reach on each task family.

Sizes are those of ``anyconv bench --quick`` (``anyconv.bench.suite.QUICK``, seed 0). Thresholds
come from measured runs on the 2-core CI machine, with margin:

=========  ==============  ========  =================  ========  ========
task       model           measured  threshold          chance    broken model (measured)
=========  ==============  ========  =================  ========  ========
copying    sgconv1d        1.000     >= 0.80            0.125     shortconv1d 0.121 (<= 0.20)
mqar       hyena1d         0.394     >= 0.30            0.143     shortconv1d (<= 0.22)
adding     sgconv1d        0.308     >= 0.25            0.190     shortconv1d (<= 0.22)
=========  ==============  ========  =================  ========  ========

A 3-tap short convolution in two layers sees 5 past samples: it cannot copy over 56 steps,
sum two far-apart marked values, or look a key up in the context, so it stays near chance.
"""

from __future__ import annotations

import pytest
import torch

from anyconv.bench.suite import quick_configs
from anyconv.bench.train import train


def _accuracy(layer: str, task: str) -> float:
    (config,) = quick_configs(layers=layer, tasks=task)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as `bench --quick`: same arithmetic order as the measured runs
    try:
        return train(config, progress=False)["accuracy"]
    finally:
        torch.set_num_threads(threads)


@pytest.mark.parametrize(
    "task, good, good_min, broken, broken_max",
    [
        ("copying", "sgconv1d", 0.80, "shortconv1d", 0.20),
        ("mqar", "hyena1d", 0.30, "shortconv1d", 0.22),
        ("adding", "sgconv1d", 0.25, "shortconv1d", 0.22),
    ],
)
def test_long_kernels_learn_what_a_short_kernel_cannot(task, good, good_min, broken, broken_max):
    good_accuracy = _accuracy(good, task)
    broken_accuracy = _accuracy(broken, task)
    assert good_accuracy >= good_min, f"{good} reached only {good_accuracy:.3f} on {task}"
    assert broken_accuracy <= broken_max, f"{broken} reached {broken_accuracy:.3f} on {task}: task leaks"
