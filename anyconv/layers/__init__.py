"""User-facing layers: a kernel module composed with an engine. Importing registers them all."""

from anyconv.layers.base import KernelConv
from anyconv.layers.ckconv import CKConv1d, CKConv2d
from anyconv.layers.condconv import CondConv1d, CondConv2d
from anyconv.layers.dcls import DCLSConv1d, DCLSConv2d, clamp_positions
from anyconv.layers.dense import Conv1d, Conv2d
from anyconv.layers.dilated_reparam import DilatedReparamConv2d
from anyconv.layers.dynamicconv import DynamicConv1d, DynamicConv2d
from anyconv.layers.flexconv import FlexConv1d, FlexConv2d
from anyconv.layers.hyena import HyenaOperator1d
from anyconv.layers.inception import InceptionDWConv2d
from anyconv.layers.longconv import LongConv1d
from anyconv.layers.orchid import Orchid
from anyconv.layers.registry import LayerSpec, create, get_spec, list_layers, register
from anyconv.layers.replk import RepLKConv2d
from anyconv.layers.sgconv import SGConv1d
from anyconv.layers.shortconv import ShortConv1d
from anyconv.layers.smpconv import SMPConv1d, SMPConv2d
from anyconv.layers.weighted import WeightedConv1d, WeightedConv2d

__all__ = [
    "CKConv1d",
    "CKConv2d",
    "CondConv1d",
    "CondConv2d",
    "Conv1d",
    "Conv2d",
    "DCLSConv1d",
    "DCLSConv2d",
    "DilatedReparamConv2d",
    "DynamicConv1d",
    "DynamicConv2d",
    "FlexConv1d",
    "FlexConv2d",
    "HyenaOperator1d",
    "InceptionDWConv2d",
    "KernelConv",
    "LayerSpec",
    "LongConv1d",
    "Orchid",
    "RepLKConv2d",
    "SGConv1d",
    "SMPConv1d",
    "SMPConv2d",
    "ShortConv1d",
    "WeightedConv1d",
    "WeightedConv2d",
    "clamp_positions",
    "create",
    "get_spec",
    "list_layers",
    "register",
]
