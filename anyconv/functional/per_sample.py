"""Per-sample kernels: one weight per batch element, applied in one call by folding the batch
into convolution groups (the slow Python loop over the batch is the test oracle)."""

from __future__ import annotations

from torch import Tensor


def fold_batch(x: Tensor, weight: Tensor, groups: int) -> tuple[Tensor, Tensor, int]:
    """Turn a per-sample problem into a shared-weight problem with ``B * groups`` groups.

    Shape:
        x: ``(B, C_in, *S)`` → ``(1, B * C_in, *S)``
        weight: ``(B, C_out, C_in/groups, *K)`` → ``(B * C_out, C_in/groups, *K)``
    """
    batch = x.shape[0]
    x = x.reshape(1, batch * x.shape[1], *x.shape[2:])  # (1, B*C_in, *S)
    weight = weight.reshape(batch * weight.shape[1], *weight.shape[2:])  # (B*C_out, C_in/g, *K)
    return x, weight, batch * groups


def unfold_batch(y: Tensor, batch: int) -> Tensor:
    """Inverse of :func:`fold_batch` on the output.

    Shape:
        y: ``(1, B * C_out, *S')`` → ``(B, C_out, *S')``
    """
    return y.reshape(batch, y.shape[1] // batch, *y.shape[2:])


def add_bias(y: Tensor, bias: Tensor | None, ndim: int) -> Tensor:
    """Add a ``(C_out,)`` or per-sample ``(B, C_out)`` bias to ``y`` of shape ``(B, C_out, *S)``."""
    if bias is None:
        return y
    if bias.ndim == 1:
        return y + bias.reshape(1, -1, *([1] * ndim))  # (1, C_out, 1, ...)
    return y + bias.reshape(*bias.shape, *([1] * ndim))  # (B, C_out, 1, ...)
