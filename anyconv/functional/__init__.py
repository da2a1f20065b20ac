"""Convolution engines: stateless functions that *apply* a weight."""

from anyconv.functional.conv import conv1d, conv2d
from anyconv.functional.direct import direct_conv
from anyconv.functional.dispatch import choose_method
from anyconv.functional.fft import fast_length, fft_conv
from anyconv.functional.irregular import irregular_conv
from anyconv.functional.padding import MODES, output_length, pad_amounts

__all__ = [
    "MODES",
    "choose_method",
    "conv1d",
    "conv2d",
    "direct_conv",
    "fast_length",
    "fft_conv",
    "irregular_conv",
    "output_length",
    "pad_amounts",
]
