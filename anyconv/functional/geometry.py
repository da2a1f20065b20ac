"""Where a kernel reads: boundary ``mode`` or torch's ``padding`` / ``padding_mode``, ``stride``
and ``dilation``, validated once and turned into per-axis ``(left, right)`` extensions.

Two ways to say how the boundary is handled, never both:

- ``mode`` (this library's names, see :mod:`anyconv.functional.padding`): ``valid``, ``same``,
  ``causal``, ``full``, ``circular``. The amounts are those of the *dilated* kernel
  (``K_eff = dilation · (K - 1) + 1``); with ``stride > 1`` the stride-1 output is subsampled
  (``y[i] = y_1[i · stride]``), so ``mode="same"`` gives ``⌈L / stride⌉`` outputs.
- ``padding`` exactly as :func:`torch.nn.functional.conv1d` takes it: an int or a tuple of one int
  per axis (the same amount on both sides), ``"valid"`` or ``"same"`` (torch's rule: ``left =
  ⌊d(K-1)/2⌋``, the extra sample on the right; refused with ``stride > 1`` as torch does).

``padding_mode`` (``zeros``, ``reflect``, ``replicate``, ``circular``, as ``torch.nn.Conv*d``)
says what the extension holds; ``mode="circular"`` implies ``circular``. Neither ``mode`` nor
``padding`` → ``mode="same"`` (the engines' historical default).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from anyconv.functional.padding import PADDING_MODES, check_mode, pad_amounts

Padding = int | tuple[int, ...] | str


@dataclass(frozen=True)
class Geometry:
    """Validated boundary handling, stride and dilation of one convolution (sizes per axis)."""

    mode: str | None  # the boundary mode asked for, None when torch's padding was given
    padding: tuple[int, ...] | str  # normalized torch padding (``(0,) * ndim`` when mode was given)
    padding_mode: str  # zeros | reflect | replicate | circular
    stride: tuple[int, ...]
    dilation: tuple[int, ...]

    def effective_kernel_sizes(self, kernel_sizes: tuple[int, ...]) -> tuple[int, ...]:
        """``d · (K - 1) + 1`` per axis: the span of the dilated kernel."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, kernel_sizes))

    def pads(self, kernel_sizes: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
        """``(left, right)`` extension of each axis for a kernel of ``kernel_sizes`` taps."""
        spans = self.effective_kernel_sizes(kernel_sizes)
        if self.mode is not None:
            return tuple(pad_amounts(self.mode, k) for k in spans)
        if self.padding == "valid":
            return tuple((0, 0) for _ in spans)
        if self.padding == "same":
            return tuple(((k - 1) // 2, k - 1 - (k - 1) // 2) for k in spans)
        assert isinstance(self.padding, tuple)
        return tuple((p, p) for p in self.padding)

    def output_lengths(self, lengths: tuple[int, ...], kernel_sizes: tuple[int, ...]) -> tuple[int, ...]:
        """torch's rule ``⌊(L + left + right - K_eff) / stride⌋ + 1`` per axis (``<= 0``: no output)."""
        spans = self.effective_kernel_sizes(kernel_sizes)
        return tuple(
            (n + left + right - k) // s + 1 if n + left + right >= k else 0
            for n, (left, right), k, s in zip(lengths, self.pads(kernel_sizes), spans, self.stride)
        )

    @property
    def is_default_stride_dilation(self) -> bool:
        return all(s == 1 for s in self.stride) and all(d == 1 for d in self.dilation)


def _int_tuple(value: object, ndim: int, *, what: str, minimum: int, name: str) -> tuple[int, ...]:
    """An int or a tuple/list of ``ndim`` ints, each ``>= minimum``, as a tuple."""
    if type(value) is int and value >= minimum:  # the common case, checked cheaply (bool is not int here)
        return (value,) * ndim
    items: list[object] = [value] * ndim if not isinstance(value, (tuple, list)) else list(value)
    kind = "positive int" if minimum == 1 else "non-negative int"
    ok = len(items) == ndim and all(
        isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in items
    )
    if not ok:
        raise ValueError(f"{name}: {what} must be a {kind} or a tuple of {ndim} {kind}s, got {value!r}")
    return tuple(v for v in items if isinstance(v, int))


def check_padding_mode(padding_mode: str, name: str = "conv") -> str:
    """Return ``padding_mode`` unchanged, or raise a ValueError that suggests the closest names."""
    if not isinstance(padding_mode, str) or padding_mode not in PADDING_MODES:
        close = difflib.get_close_matches(str(padding_mode), PADDING_MODES, n=2)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"{name}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}{hint}")
    return padding_mode


def make_geometry(
    *,
    ndim: int,
    mode: str | None,
    padding: Padding | None,
    stride: int | tuple[int, ...],
    dilation: int | tuple[int, ...],
    padding_mode: str,
    name: str,
) -> Geometry:
    """Validate and normalize the boundary, stride and dilation arguments (kernel-size free).

    Raises a ValueError naming the bad value: ``mode`` and ``padding`` together, an unknown
    mode / padding string / padding mode, non-positive stride or dilation, negative padding,
    a tuple of the wrong length, ``padding="same"`` with a stride (as torch), ``mode="causal"``
    in 2-D, ``mode="circular"`` with another non-zeros ``padding_mode``.
    """
    if mode is not None and padding is not None:
        raise ValueError(
            f"{name}: give either mode= (this library's boundary names) or padding= (torch's), not both; "
            f"got mode={mode!r} and padding={padding!r}"
        )
    if mode is None and padding is None:
        mode = "same"
    check_padding_mode(padding_mode, name)
    strides = _int_tuple(stride, ndim, what="stride", minimum=1, name=name)
    dilations = _int_tuple(dilation, ndim, what="dilation", minimum=1, name=name)
    norm_padding: tuple[int, ...] | str = (0,) * ndim
    if mode is not None:
        try:
            check_mode(mode)
        except ValueError as err:
            raise ValueError(f"{name}: {err}") from None
        if ndim > 1 and mode == "causal":
            raise ValueError(
                f"{name}: mode='causal' is only defined for 1-D sequences; use 'same', 'full', 'valid' or 'circular'"
            )
        if mode == "circular":
            if padding_mode not in ("zeros", "circular"):
                raise ValueError(f"{name}: mode='circular' wraps around; it cannot take padding_mode={padding_mode!r}")
            padding_mode = "circular"
    elif isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise ValueError(f"{name}: padding must be 'same', 'valid', an int or a tuple of {ndim} ints, got {padding!r}")
        if padding == "same" and any(s != 1 for s in strides):
            raise ValueError(
                f"{name}: padding='same' is not supported with stride={stride!r} (as in torch); "
                "give the padding as ints, or mode='same' (pads as 'same', then subsamples)"
            )
        norm_padding = padding
    else:
        norm_padding = _int_tuple(padding, ndim, what="padding", minimum=0, name=name)
    return Geometry(mode, norm_padding, padding_mode, strides, dilations)
