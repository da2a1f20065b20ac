"""anyconv: generalized convolutions for PyTorch (kernel parameterization × convolution engine)."""

from anyconv import functional
from anyconv.density_search import optimize_density
from anyconv.kernels import DenseKernel, HyenaFilter, Kernel, LongConvKernel, SGConvKernel, Sine, two_sided
from anyconv.layers import (
    CKConv1d,
    CKConv2d,
    CondConv1d,
    CondConv2d,
    Conv1d,
    Conv2d,
    DCLSConv1d,
    DCLSConv2d,
    DynamicConv1d,
    DynamicConv2d,
    FlexConv1d,
    FlexConv2d,
    HyenaOperator1d,
    KernelConv,
    LongConv1d,
    Orchid,
    SGConv1d,
    ShortConv1d,
    WeightedConv1d,
    WeightedConv2d,
    create,
    get_spec,
    list_layers,
    register,
)
from anyconv.layers.baking import bake, plain_conv
from anyconv.models import SequenceModel, SequenceModelConfig
from anyconv.optim import get_optim_hints, param_groups, set_optim_hints

__version__ = "0.1.0"

__all__ = [
    "CKConv1d",
    "CKConv2d",
    "CondConv1d",
    "CondConv2d",
    "Conv1d",
    "Conv2d",
    "DCLSConv1d",
    "DCLSConv2d",
    "DenseKernel",
    "DynamicConv1d",
    "DynamicConv2d",
    "FlexConv1d",
    "FlexConv2d",
    "HyenaFilter",
    "HyenaOperator1d",
    "Kernel",
    "KernelConv",
    "LongConv1d",
    "LongConvKernel",
    "Orchid",
    "SGConv1d",
    "SGConvKernel",
    "SequenceModel",
    "SequenceModelConfig",
    "ShortConv1d",
    "Sine",
    "WeightedConv1d",
    "WeightedConv2d",
    "bake",
    "create",
    "functional",
    "get_optim_hints",
    "get_spec",
    "list_layers",
    "optimize_density",
    "param_groups",
    "plain_conv",
    "register",
    "set_optim_hints",
    "two_sided",
]
