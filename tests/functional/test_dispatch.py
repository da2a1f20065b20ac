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


def _strided_problem(length, k, *, stride=1, dilation=1):
    x, w = torch.zeros(1, 2, length), torch.zeros(2, 1, k)
    return check_conv_args(x, w, None, ndim=1, mode="causal", groups=2, stride=stride, dilation=dilation)


def test_stride_and_dilation_move_the_crossover_toward_direct():
    """The direct engine's work falls with the stride and ignores dilation; the FFT's does not."""
    for table, grad in ((CROSSOVER_FORWARD[1:], False), (CROSSOVER_TRAINING, True)):
        for length, k in table:
            assert choose_method(_strided_problem(length, k), needs_grad=grad, dtype=torch.float32) == "fft"
            assert choose_method(_strided_problem(length, k, stride=2), needs_grad=grad, dtype=torch.float32) == "direct"
            assert choose_method(_strided_problem(length, 2 * k, stride=2), needs_grad=grad, dtype=torch.float32) == "fft"
            # a dilated kernel spans far more samples: the transform grows, the direct work does not
            spread = _strided_problem(length, k, dilation=max(2, length // k))
            assert choose_method(spread, needs_grad=grad, dtype=torch.float32) == "direct"


def test_dilated_span_longer_than_a_circular_input_goes_fft():
    x, w = torch.zeros(1, 2, 64), torch.zeros(2, 1, 9)
    problem = check_conv_args(x, w, None, ndim=1, mode="circular", groups=2, dilation=10)  # span 81 > 64
    assert choose_method(problem, needs_grad=False, dtype=torch.float32) == "fft"
    problem = check_conv_args(x, w, None, ndim=1, mode="circular", groups=2)
    assert choose_method(problem, needs_grad=False, dtype=torch.float32) == "direct"


def test_2d_stride_raises_the_area_threshold():
    x = torch.zeros(1, 2, 64, 64)
    w = torch.zeros(2, 1, 7, 7)  # exactly the training crossover area
    problem = check_conv_args(x, w, None, ndim=2, groups=2)
    assert choose_method(problem, needs_grad=True, dtype=torch.float32) == "fft"
    problem = check_conv_args(x, w, None, ndim=2, groups=2, stride=(2, 1))
    assert choose_method(problem, needs_grad=True, dtype=torch.float32) == "direct"


def test_2d_dense_channel_mixing_stays_direct_longer():
    x = torch.zeros(1, 64, 32, 32)
    dense7 = check_conv_args(x, torch.zeros(64, 64, 7, 7), None, ndim=2, groups=1)
    depthwise7 = check_conv_args(x, torch.zeros(64, 1, 7, 7), None, ndim=2, groups=64)
    assert choose_method(depthwise7, needs_grad=True, dtype=torch.float32) == "fft"
    assert choose_method(dense7, needs_grad=True, dtype=torch.float32) == "direct"  # FFT measured 7x slower
    dense15 = check_conv_args(x, torch.zeros(64, 64, 15, 15), None, ndim=2, groups=1)
    assert choose_method(dense15, needs_grad=True, dtype=torch.float32) == "fft"
    assert choose_method(dense15, needs_grad=False, dtype=torch.float32) == "direct"
    few = check_conv_args(torch.zeros(1, 4, 32, 32), torch.zeros(4, 4, 7, 7), None, ndim=2, groups=1)
    assert choose_method(few, needs_grad=True, dtype=torch.float32) == "fft"  # 4 input channels: depthwise table
