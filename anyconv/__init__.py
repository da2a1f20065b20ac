"""anyconv: generalized convolutions for PyTorch (kernel parameterization × convolution engine)."""

from anyconv import functional
from anyconv.kernels import DenseKernel, Kernel
from anyconv.layers import Conv1d, Conv2d, KernelConv, create, get_spec, list_layers, register
from anyconv.optim import get_optim_hints, param_groups, set_optim_hints

__version__ = "0.1.0"

__all__ = [
    "Conv1d",
    "Conv2d",
    "DenseKernel",
    "Kernel",
    "KernelConv",
    "create",
    "functional",
    "get_optim_hints",
    "get_spec",
    "list_layers",
    "param_groups",
    "register",
    "set_optim_hints",
]
