"""method='auto' follows the measured crossover and reports what ran."""

from __future__ import annotations

import torch

from anyconv.functional._checks import check_conv_args
from anyconv.functional.conv import apply
from anyconv.functional.dispatch import CROSSOVER_FORWARD, CROSSOVER_TRAINING, choose_method


def _problem(length, k, mode="causal"):
    x, w = torch.zeros(1, 2, length), torch.zeros(2, 1, k)
    return check_conv_args(x, w, None, ndim=1, mode=mode, groups=2, method="auto")


def test_measured_table_points_are_honoured():
    for table, grad in ((CROSSOVER_FORWARD, False), (CROSSOVER_TRAINING, True)):
        for length, k in table:
            assert choose_method(_problem(length, k), needs_grad=grad, dtype=torch.float32) == "fft"
            assert choose_method(_problem(length, k - 1), needs_grad=grad, dtype=torch.float32) == "direct"


def test_short_kernels_stay_direct_and_long_go_fft():
    assert choose_method(_problem(4096, 7), needs_grad=True, dtype=torch.float32) == "direct"
    assert choose_method(_problem(4096, 4096), needs_grad=False, dtype=torch.float32) == "fft"
    # half precision runs the FFT in float32 (see anyconv.functional.fft): same crossover
    assert choose_method(_problem(4096, 4096), needs_grad=False, dtype=torch.bfloat16) == "fft"


def test_auto_reports_the_engine_and_training_lowers_the_threshold():
    x = torch.randn(1, 2, 1024)
    w = torch.randn(2, 1, 100)
    _, ran = apply(x, w, None, ndim=1, mode="causal", groups=2, method="auto", flip=True)
    assert ran == "direct"
    _, ran = apply(x, w.requires_grad_(), None, ndim=1, mode="causal", groups=2, method="auto", flip=True)
    assert ran == "fft"
