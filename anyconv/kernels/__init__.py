"""Kernel parameterizations: modules that *return* a weight."""

from anyconv.kernels.base import Kernel
from anyconv.kernels.conditional import ExpertKernels, SigmoidRouting, SoftmaxAttention
from anyconv.kernels.continuous import SIREN, KernelMLP, MAGNet, RandomFourierFeatures
from anyconv.kernels.dcls import DCLSKernel
from anyconv.kernels.dense import DenseKernel
from anyconv.kernels.density import DensityKernel
from anyconv.kernels.gaussian_mask import GaussianMask
from anyconv.kernels.implicit import HyenaFilter, Sine
from anyconv.kernels.long import LongConvKernel
from anyconv.kernels.multiscale import SGConvKernel
from anyconv.kernels.orchid import OrchidConditioning
from anyconv.kernels.two_sided import two_sided

__all__ = [
    "DCLSKernel", "DenseKernel", "DensityKernel", "ExpertKernels", "GaussianMask", "HyenaFilter", "Kernel", "KernelMLP",
    "LongConvKernel", "MAGNet", "OrchidConditioning", "RandomFourierFeatures", "SIREN", "SGConvKernel",
    "SigmoidRouting", "Sine", "SoftmaxAttention", "two_sided",
]
