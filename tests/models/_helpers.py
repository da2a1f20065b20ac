"""Shared task specs and checks for the model tests."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.data.tasks.spec import TaskSpec

# conv1d-kind layers a sequence model cannot build at these tests' even seq_len (the mixer asks
# for kernel_size=seq_len=16), with the reason; their own tests cover them at odd sizes.
ODD_KERNEL_ONLY = {"weightedconv1d": "WeightedConv1d needs an odd kernel size; the mixer asks for kernel_size=seq_len=16"}


def sequence_marks(layer: str) -> list[pytest.MarkDecorator]:
    """A skip mark (with its reason) for a layer of :data:`ODD_KERNEL_ONLY`, else none."""
    reason = ODD_KERNEL_ONLY.get(layer)
    return [pytest.mark.skip(reason=reason)] if reason else []


def tokens_spec(kind: str = "sequence", *, seq_len: int = 16, vocab: int = 6, n_outputs: int = 6) -> TaskSpec:
    return TaskSpec("toy-tokens", kind, "tokens", (seq_len,), n_outputs, "cross_entropy", "accuracy", 0.2, vocab_size=vocab)


def features_spec(kind: str = "sequence", *, channels: int = 3, seq_len: int = 16, n_outputs: int = 4,
                  has_times: bool = False) -> TaskSpec:
    return TaskSpec("toy-features", kind, "features", (channels, seq_len), n_outputs, "cross_entropy", "accuracy", 0.25,
                    has_times=has_times)


def image_spec(channels: int = 1, size: int = 8, n_outputs: int = 10) -> TaskSpec:
    return TaskSpec("toy-images", "image-classification", "image", (channels, size, size), n_outputs,
                    "cross_entropy", "accuracy", 1 / n_outputs)


def denoise_spec(channels: int = 1, size: int = 8) -> TaskSpec:
    return TaskSpec("toy-denoise", "image-denoising", "image", (channels, size, size), channels, "mse", "psnr", 20.0)


def inputs_for(spec: TaskSpec, batch: int, generator: torch.Generator) -> Tensor:
    """A random input batch for ``spec``: ``(B, L)`` tokens, ``(B, C, L)`` features or ``(B, C, H, W)``."""
    if spec.input_kind == "tokens":
        return torch.randint(spec.vocab_size, (batch, *spec.input_shape), generator=generator)
    return torch.randn(batch, *spec.input_shape, generator=generator)


def batch_for(spec: TaskSpec, batch: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """A fixed batch ``(x, y)`` for ``spec``: random inputs and labels, or for denoising smooth
    clean images (2×2 random images upsampled) plus Gaussian noise of std 0.2 (x noisy, y clean)."""
    if spec.kind == "image-denoising":
        c, h, w = spec.input_shape
        coarse = torch.rand(batch, c, 2, 2, generator=generator)
        clean = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=True)  # (B, C, H, W)
        return clean + 0.2 * torch.randn(clean.shape, generator=generator), clean
    x = inputs_for(spec, batch, generator)
    if spec.kind == "sequence":
        return x, torch.randint(spec.n_outputs, (batch, spec.input_shape[-1]), generator=generator)
    return x, torch.randint(spec.n_outputs, (batch,), generator=generator)


def loss_of(spec: TaskSpec, output: Tensor, y: Tensor) -> Tensor:
    if spec.kind == "image-denoising":
        return F.mse_loss(output, y)
    return F.cross_entropy(output.reshape(-1, spec.n_outputs), y.reshape(-1))  # (B[*L], n_outputs), (B[*L],)


def input_ignoring_loss(spec: TaskSpec, x: Tensor, y: Tensor) -> float:
    """The loss a model that ignores its input could reach at best on ``(x, y)``: the entropy of
    the label frequencies (classification), or the noisy input's own MSE (denoising; the
    harness's chance level)."""
    if spec.kind == "image-denoising":
        return float(F.mse_loss(x, y))
    freq = torch.bincount(y.reshape(-1), minlength=spec.n_outputs).double() / y.numel()
    return float(-(freq[freq > 0] * freq[freq > 0].log()).sum())


def check_every_parameter_gets_gradient(model: nn.Module, loss: Tensor) -> None:
    loss.backward()
    missing = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    assert not missing, f"parameters without a gradient: {missing}"
    bad = [n for n, p in model.named_parameters() if p.grad is not None and not torch.isfinite(p.grad).all()]
    assert not bad, f"non-finite gradients: {bad}"
    assert sum(float(p.grad.abs().sum()) for p in model.parameters() if p.grad is not None) > 0


def overfit(model: nn.Module, spec: TaskSpec, x: Tensor, y: Tensor, *, steps: int = 40, lr: float = 1e-2) -> tuple[float, float]:
    """Loss on the fixed batch before and after ``steps`` Adam steps on it (train mode, no dropout)."""
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    with torch.no_grad():
        before = float(loss_of(spec, model(x), y))
    for _ in range(steps):
        optimizer.zero_grad()
        loss_of(spec, model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        after = float(loss_of(spec, model(x), y))
    return before, after
