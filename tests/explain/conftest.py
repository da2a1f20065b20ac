"""One small image classifier trained on the 8×8 digits, shared by the explain tests (session scope)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import torch
from torch import Tensor, nn

from anyconv.data.tasks.digits import digits_arrays
from anyconv.models.image import ImageClassifier, ImageClassifierConfig


@dataclass
class Trained:
    model: nn.Module
    x_train: Tensor
    y_train: Tensor
    x_test: Tensor
    y_test: Tensor
    accuracy: float  # test accuracy


def train_digits(steps: int = 150, seed: int = 0) -> Trained:
    """ImageClassifier (anyconv ``conv2d`` layers, width 8) trained with Adam, batch 64."""
    torch.manual_seed(seed)
    x_tr, y_tr, x_te, y_te = (torch.tensor(a) for a in digits_arrays())
    model = ImageClassifier(ImageClassifierConfig(layer="conv2d", in_channels=1, n_outputs=10, width=8))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    gen = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        idx = torch.randint(len(x_tr), (64,), generator=gen)
        loss = nn.functional.cross_entropy(model(x_tr[idx]), y_tr[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    with torch.no_grad():
        accuracy = float((model(x_te).argmax(1) == y_te).float().mean())
    return Trained(model, x_tr, y_tr, x_te, y_te, accuracy)


@pytest.fixture(scope="session")
def digits_model() -> Trained:
    torch.set_num_threads(1)
    trained = train_digits()
    assert trained.accuracy > 0.9, trained.accuracy  # the explain tests need a model that learned
    return trained
