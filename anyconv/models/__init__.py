"""Small reference networks built from anyconv layers."""

from anyconv.models.sequence import ResidualBlock, SequenceModel, SequenceModelConfig

__all__ = ["ResidualBlock", "SequenceModel", "SequenceModelConfig"]
