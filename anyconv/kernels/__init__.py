"""Kernel parameterizations: modules that *return* a weight."""

from anyconv.kernels.base import Kernel
from anyconv.kernels.conditional import ExpertKernels, SigmoidRouting, SoftmaxAttention
from anyconv.kernels.dcls import DCLSKernel
from anyconv.kernels.dense import DenseKernel
from anyconv.kernels.density import DensityKernel
from anyconv.kernels.implicit import HyenaFilter, Sine
from anyconv.kernels.long import LongConvKernel
from anyconv.kernels.multiscale import SGConvKernel
from anyconv.kernels.orchid import OrchidConditioning
from anyconv.kernels.two_sided import two_sided

__all__ = [
    "DCLSKernel", "DenseKernel", "DensityKernel", "ExpertKernels", "HyenaFilter", "Kernel", "LongConvKernel",
    "OrchidConditioning", "SGConvKernel", "SigmoidRouting", "Sine", "SoftmaxAttention", "two_sided",
]
