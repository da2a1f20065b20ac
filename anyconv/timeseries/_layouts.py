"""One cache for the engine layouts of fitted kernel banks.

A fitted estimator holds its bank as plain arrays (``kernels_``, ``bank_``, ...);
each engine needs its own layout of it (device tensors, grouped weights, per-feature
rotations). :func:`layout` builds a layout once per bank and key and keeps it
*outside* the estimator, keyed by the identity of the objects it was built from,
so that ``transform`` leaves the estimator unchanged, pickles stay plain, and
replacing a fitted attribute (``set_kernels``, a refit) can never reuse a stale
layout. Entries go when any of their owners is garbage collected.

Estimators build their layouts in ``_before_transform`` (once, before batches
run in threads); the lock makes concurrent first calls safe anyway.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TypeVar

__all__ = ["layout", "cached_layouts"]

T = TypeVar("T")

_LOCK = threading.RLock()
#: (owner ids, key) -> layout
_CACHE: dict[tuple[tuple[int, ...], Hashable], object] = {}
#: owner id -> cache keys that mention it (for removal when the owner dies)
_BY_OWNER: dict[int, set] = {}


def _forget(owner_id: int) -> None:
    with _LOCK:
        for entry in _BY_OWNER.pop(owner_id, ()):
            _CACHE.pop(entry, None)


def layout(owners: tuple[object, ...], key: Hashable, build: Callable[[], T]) -> T:
    """The layout ``build()`` of ``owners`` under ``key``, built on first use.

    Parameters
    ----------
    owners : tuple
        The fitted objects the layout is derived from (a bank, a phases array);
        each must support weak references.
    key : hashable
        What else the layout depends on (engine, device, dtype, length, ...).
    build : callable
        Builds the layout; called at most once per live ``owners`` and ``key``.
    """
    ids = tuple(id(o) for o in owners)
    entry = (ids, key)
    with _LOCK:
        if entry in _CACHE:
            return _CACHE[entry]  # type: ignore[return-value]
        value = build()
        _CACHE[entry] = value
        for owner, oid in zip(owners, ids):
            if oid not in _BY_OWNER:
                _BY_OWNER[oid] = set()
                weakref.finalize(owner, _forget, oid)
            _BY_OWNER[oid].add(entry)
        return value


def cached_layouts() -> int:
    """Number of layouts held (for tests: entries go with their owners)."""
    with _LOCK:
        return len(_CACHE)
