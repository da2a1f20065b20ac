"""The layer contract: ``y = engine(x, kernel(...), bias)`` with the engine visible."""

from __future__ import annotations

from torch import Tensor, nn

from anyconv.functional._checks import METHODS
from anyconv.functional.conv import apply
from anyconv.functional.padding import check_mode


class KernelConv(nn.Module):
    """Base of every layer that composes a kernel module with an engine.

    Subclasses build ``self.kernel`` and call :meth:`_conv_forward` with the weight it returns.
    ``layer.method`` is what was asked for (``"auto"``, ``"direct"``, ``"fft"``);
    ``layer.engine`` is the engine that ran on the last forward (``None`` before the first).
    ``layer.check_finite`` (default True) makes the FFT engine raise on NaN/inf input, at one
    host sync per call; set it False in compiled or latency-bound code (see
    :func:`anyconv.functional.conv1d`; the test is always skipped under ``torch.compile``).

    Shape:
        x: ``(B, C_in, *S)`` → ``(B, C_out, *S_out)`` (the subclass documents its sizes).
    """

    def __init__(
        self, *, ndim: int, mode: str, groups: int, method: str, flip: bool, check_finite: bool = True
    ) -> None:
        super().__init__()
        check_mode(mode)
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if ndim == 2 and mode == "causal":
            raise ValueError("mode='causal' is only defined for 1-D layers")
        if not isinstance(check_finite, bool):
            raise ValueError(f"check_finite must be True or False, got {check_finite!r}")
        self.ndim, self.mode, self.groups, self.method, self.flip = ndim, mode, groups, method, flip
        self.check_finite = check_finite
        self.engine: str | None = None

    def _conv_forward(self, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        y, self.engine = apply(
            x, weight, bias, ndim=self.ndim, mode=self.mode, groups=self.groups, method=self.method,
            flip=self.flip, check_finite=self.check_finite,
        )
        return y

    def _conv_repr(self) -> str:
        parts = [f"mode={self.mode!r}"]
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.method != "auto":
            parts.append(f"method={self.method!r}")
        if self.flip:
            parts.append("flip=True")
        if not self.check_finite:
            parts.append("check_finite=False")
        return ", ".join(parts)
