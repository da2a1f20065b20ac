"""Small reference networks built from anyconv layers, and ``build_model`` (task + layer → model)."""

from anyconv.models.build import (
    build_model,
    check_layer_fits,
    check_model_options,
    fitting_layers,
    model_options_for,
)
from anyconv.models.ccnn import CCNN, CCNNBlock, CCNNConfig
from anyconv.models.ckcnn import CKCNN, CKCNNConfig, TCNBlock
from anyconv.models.dncnn import DnCNN, DnCNNConfig
from anyconv.models.image import BasicBlock, ImageClassifier, ImageClassifierConfig
from anyconv.models.mixer import ConvMixer
from anyconv.models.sequence import ResidualBlock, SequenceModel, SequenceModelConfig

__all__ = [
    "CCNN",
    "CCNNBlock",
    "CCNNConfig",
    "CKCNN",
    "CKCNNConfig",
    "TCNBlock",
    "BasicBlock",
    "ConvMixer",
    "DnCNN",
    "DnCNNConfig",
    "ImageClassifier",
    "ImageClassifierConfig",
    "ResidualBlock",
    "SequenceModel",
    "SequenceModelConfig",
    "build_model",
    "check_layer_fits",
    "check_model_options",
    "fitting_layers",
    "model_options_for",
]
