"""The kernel contract: a module whose ``forward`` *returns* a weight and never convolves."""

from __future__ import annotations

from torch import Tensor, nn


class Kernel(nn.Module):
    """Base class of every kernel parameterization.

    Subclasses implement ``forward(...) -> Tensor`` returning a weight that an engine in
    :mod:`anyconv.functional` can apply: ``(C_out, C_in/groups, *K)`` shared over the batch,
    or ``(B, C_out, C_in/groups, *K)`` when the kernel depends on the input.
    Subclasses set ``ndim`` (number of spatial axes of the weight they return).
    """

    ndim: int = 1

    def forward(self, *args: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must implement forward() returning a weight")
