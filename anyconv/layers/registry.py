"""Registry and factory: every operator by name, so tests and benchmarks can iterate over all.

``register`` records a layer class with the kind of module it is and a small example
configuration; ``create(name, ...)`` builds one; ``list_layers(pattern)`` lists names.

Kinds:
    ``"sequence"``: ``cls(channels, seq_len, *, bidirectional=False, ...)`` mapping
    ``(B, C, L) → (B, C, L)``; causal unless ``bidirectional=True``. The benchmark trains
    every sequence layer on the same tasks.
    ``"conv1d"`` / ``"conv2d"``: a general convolution layer.
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from torch import nn

KINDS = ("sequence", "conv1d", "conv2d")


@dataclass(frozen=True)
class LayerSpec:
    """What the registry knows of one layer."""

    name: str
    cls: type[nn.Module]
    kind: str
    example_kwargs: dict[str, Any] = field(default_factory=dict)
    example_input_shape: tuple[int, ...] = ()  # a small input the example accepts
    description: str = ""


_REGISTRY: dict[str, LayerSpec] = {}


def register(
    name: str,
    *,
    kind: str,
    example_kwargs: dict[str, Any],
    example_input_shape: tuple[int, ...],
) -> Callable[[type[nn.Module]], type[nn.Module]]:
    """Class decorator adding a layer to the registry under ``name``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def decorator(cls: type[nn.Module]) -> type[nn.Module]:
        if name in _REGISTRY and _REGISTRY[name].cls is not cls:
            raise ValueError(f"layer name {name!r} is already registered to {_REGISTRY[name].cls.__qualname__}")
        doc = (cls.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = LayerSpec(name, cls, kind, dict(example_kwargs), tuple(example_input_shape), doc[0] if doc else "")
        return cls

    return decorator


def _ensure_loaded() -> None:
    import anyconv.layers  # noqa: F401  (importing the package registers every layer)


def get_spec(name: str) -> LayerSpec:
    """The :class:`LayerSpec` of ``name``; an unknown name raises a ValueError with close matches."""
    _ensure_loaded()
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3, cutoff=0.4)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(f"unknown layer {name!r}{hint} (see anyconv.list_layers())")
    return _REGISTRY[name]


def create(name: str, *args: Any, **kwargs: Any) -> nn.Module:
    """Build the layer registered as ``name`` with the given constructor arguments.

    Arguments are passed to the layer's own constructor, which rejects misspelled names.
    """
    return get_spec(name).cls(*args, **kwargs)


def list_layers(pattern: str = "*", *, kind: str | None = None) -> list[str]:
    """Sorted names of registered layers matching a shell-style ``pattern`` (and ``kind``)."""
    _ensure_loaded()
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None, got {kind!r}")
    return sorted(
        name
        for name, spec in _REGISTRY.items()
        if fnmatch.fnmatchcase(name, pattern) and (kind is None or spec.kind == kind)
    )
