"""The layer contract: ``y = engine(x, kernel(...), bias)`` with the engine visible."""

from __future__ import annotations

from torch import Tensor, nn

from anyconv.functional._checks import METHODS
from anyconv.functional.conv import apply
from anyconv.functional.geometry import Geometry, Padding, make_geometry


class KernelConv(nn.Module):
    """Base of every layer that composes a kernel module with an engine.

    Subclasses build ``self.kernel`` and call :meth:`_conv_forward` with the weight it returns.
    ``layer.method`` is what was asked for (``"auto"``, ``"direct"``, ``"fft"``);
    ``layer.engine`` is the engine that ran on the last forward (``None`` before the first).
    ``layer.check_finite`` (default True) makes the FFT engine raise on NaN/inf input, at one
    host sync per call; set it False in compiled or latency-bound code (see
    :func:`anyconv.functional.conv1d`; the test is always skipped under ``torch.compile``).

    Boundary, stride and dilation as ``torch.nn.Conv*d`` (``stride``, ``padding``, ``dilation``,
    ``padding_mode``; ``padding=0`` by default: a layer given neither ``mode`` nor ``padding``
    is "valid", like torch's), or a boundary ``mode`` (``"same"``, ``"causal"``, ...; see
    :mod:`anyconv.functional.geometry`). ``mode`` together with a non-zero ``padding`` raises.
    Attributes: ``stride`` and ``dilation`` are tuples (one int per axis); ``padding`` is a
    tuple, ``"same"`` or ``"valid"`` — or ``None`` when ``mode`` is set (``layer.mode`` is
    ``None`` otherwise); ``padding_mode`` as given.

    Shape:
        x: ``(B, C_in, *S)`` → ``(B, C_out, *S_out)`` (the subclass documents its sizes).
    """

    def __init__(
        self,
        *,
        ndim: int,
        mode: str | None = None,
        groups: int = 1,
        method: str = "auto",
        flip: bool = False,
        check_finite: bool = True,
        stride: int | tuple[int, ...] = 1,
        padding: Padding = 0,
        dilation: int | tuple[int, ...] = 1,
        padding_mode: str = "zeros",
    ) -> None:
        super().__init__()
        if method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {method!r}")
        if not isinstance(check_finite, bool):
            raise ValueError(f"check_finite must be True or False, got {check_finite!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ValueError(f"groups must be a positive int, got {groups!r}")
        name = type(self).__name__
        if mode is not None:
            # torch's default padding=0 may stand beside a mode; any other padding is a conflict
            zero = padding == 0 or (isinstance(padding, (tuple, list)) and all(p == 0 for p in padding))
            geometry = make_geometry(
                ndim=ndim, mode=mode, padding=None if zero else padding, stride=stride, dilation=dilation,
                padding_mode=padding_mode, name=name,
            )
        else:
            geometry = make_geometry(
                ndim=ndim, mode=None, padding=padding, stride=stride, dilation=dilation, padding_mode=padding_mode,
                name=name,
            )
        self.ndim, self.mode, self.groups, self.method, self.flip = ndim, mode, groups, method, flip
        self.stride, self.dilation = geometry.stride, geometry.dilation
        self.padding: tuple[int, ...] | str | None = None if mode is not None else geometry.padding
        self.padding_mode = padding_mode
        self.check_finite = check_finite
        self.engine: str | None = None
        self._geometry = (self._geometry_key(), geometry)

    def _geometry_key(self) -> tuple[object, ...]:
        return (self.ndim, self.mode, self.padding, self.stride, self.dilation, self.padding_mode)

    def _current_geometry(self) -> Geometry:
        """The validated geometry of the current attributes (remade if one was reassigned)."""
        key, geometry = self._geometry
        if key != self._geometry_key():
            geometry = make_geometry(
                ndim=self.ndim, mode=self.mode, padding=self.padding, stride=self.stride, dilation=self.dilation,
                padding_mode=self.padding_mode, name=type(self).__name__,
            )
            self._geometry = (self._geometry_key(), geometry)
        return geometry

    def _conv_forward(self, x: Tensor, weight: Tensor, bias: Tensor | None) -> Tensor:
        y, self.engine = apply(
            x, weight, bias, ndim=self.ndim, mode=self.mode, padding=self.padding, stride=self.stride,
            dilation=self.dilation, groups=self.groups, padding_mode=self.padding_mode, method=self.method,
            flip=self.flip, check_finite=self.check_finite, geometry=self._current_geometry(),
        )
        return y

    def _conv_repr(self) -> str:
        """``stride`` (always, as torch) and the non-default arguments, in torch's order, for ``extra_repr``."""
        ones = (1,) * self.ndim
        parts = [f"stride={self.stride}"]
        if self.mode is not None:
            parts.append(f"mode={self.mode!r}")
        elif self.padding != (0,) * self.ndim:
            parts.append(f"padding={self.padding!r}")
        if self.dilation != ones:
            parts.append(f"dilation={self.dilation}")
        if self.groups != 1:
            parts.append(f"groups={self.groups}")
        if self.padding_mode != "zeros":
            parts.append(f"padding_mode={self.padding_mode!r}")
        if self.method != "auto":
            parts.append(f"method={self.method!r}")
        if self.flip:
            parts.append("flip=True")
        if not self.check_finite:
            parts.append("check_finite=False")
        return ", ".join(parts)
