"""Tasks by name, like the layer registry: ``register_task``, ``list_tasks``, ``make_task``.

A task is registered as a builder function whose keyword-only parameters are its *options*
(``seq_len``, ``n_pairs``, ...), each with a default, followed by the reserved ``sizes`` and
``seed`` arguments every builder takes. ``make_task(name, **options)`` checks each option
against that signature (unknown names get close matches; a value must have its default's
type) before the builder runs, so a bad suite file or command line fails before any training.
"""

from __future__ import annotations

import difflib
import fnmatch
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from anyconv.data.tasks.spec import KINDS, Task

RESERVED = ("sizes", "seed")


@dataclass(frozen=True)
class Sizes:
    """How many examples each split holds; None means the task's default.

    ``stream=True`` draws a fresh training batch every step (infinite data) instead of a fixed
    training set; only generated tasks can stream.
    """

    n_train: int | None = None
    n_val: int | None = None
    n_test: int | None = None
    stream: bool = False

    def __post_init__(self) -> None:
        for name in ("n_train", "n_val", "n_test"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"{name} must be None or an int >= 1, got {value!r}")
        if not isinstance(self.stream, bool):
            raise ValueError(f"stream must be a bool, got {self.stream!r}")
        if self.stream and self.n_train is not None:
            raise ValueError(f"give n_train or stream=True, not both (got n_train={self.n_train})")


@dataclass(frozen=True)
class TaskInfo:
    """What the registry knows of one task."""

    name: str
    kind: str
    builder: Callable[..., Task]
    description: str
    options: dict[str, Any] = field(default_factory=dict)  # option name -> default
    can_stream: bool = False


_TASKS: dict[str, TaskInfo] = {}


def register_task(name: str, *, kind: str, can_stream: bool = False) -> Callable[[Callable[..., Task]], Callable[..., Task]]:
    """Decorator adding a builder ``f(*, <options with defaults>, sizes: Sizes, seed: int) -> Task``."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")

    def decorator(builder: Callable[..., Task]) -> Callable[..., Task]:
        if name in _TASKS and _TASKS[name].builder is not builder:
            raise ValueError(f"task name {name!r} is already registered to {_TASKS[name].builder.__qualname__}")
        params = inspect.signature(builder).parameters
        missing = [r for r in RESERVED if r not in params]
        if missing:
            raise TypeError(f"task builder {builder.__qualname__} must take {RESERVED}, missing {missing}")
        options = {}
        for pname, param in params.items():
            if pname in RESERVED:
                continue
            if param.kind is not inspect.Parameter.KEYWORD_ONLY or param.default is inspect.Parameter.empty:
                raise TypeError(f"task option {pname!r} of {builder.__qualname__} must be keyword-only with a default")
            options[pname] = param.default
        doc = (builder.__doc__ or "").strip().splitlines()
        _TASKS[name] = TaskInfo(name, kind, builder, doc[0] if doc else "", options, can_stream)
        return builder

    return decorator


def _ensure_loaded() -> None:
    import anyconv.data.tasks  # noqa: F401  (importing the package registers every task)


def _unknown(what: str, name: str, known: list[str]) -> ValueError:
    close = difflib.get_close_matches(str(name), known, n=3, cutoff=0.4)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    return ValueError(f"unknown {what} {name!r}{hint} (known: {', '.join(known) or 'none'})")


def get_task_info(name: str) -> TaskInfo:
    """The :class:`TaskInfo` of ``name``; an unknown name raises a ValueError with close matches."""
    _ensure_loaded()
    if name not in _TASKS:
        raise _unknown("task", name, sorted(_TASKS))
    return _TASKS[name]


def list_tasks(pattern: str = "*", *, kind: str | None = None) -> list[str]:
    """Sorted names of registered tasks matching a shell-style ``pattern`` (and ``kind``)."""
    _ensure_loaded()
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS} or None, got {kind!r}")
    return sorted(n for n, info in _TASKS.items() if fnmatch.fnmatchcase(n, pattern) and (kind is None or info.kind == kind))


def check_options(name: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """``options`` checked against task ``name``'s signature, with the defaults filled in.

    Raises:
        ValueError: unknown task or option (with close matches), or a value whose type differs
            from the option's default (an int option takes an int, a float option an int or float).
    """
    info = get_task_info(name)
    resolved = dict(info.options)
    for key, value in options.items():
        if key not in info.options:
            raise _unknown(f"option of task {name!r}:", key, sorted(info.options))
        default = info.options[key]
        if default is not None and not _same_type(value, default):
            raise ValueError(
                f"task {name!r} option {key!r} expects a {type(default).__name__} (default {default!r}), got {value!r}"
            )
        resolved[key] = value
    return resolved


def _same_type(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def parse_option(name: str, text: str) -> tuple[str, Any]:
    """Parse a command-line ``key=value`` for task ``name``, typed by the option's default."""
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise ValueError(f"task option must look like key=value, got {text!r}")
    info = get_task_info(name)
    if key not in info.options:
        raise _unknown(f"option of task {name!r}:", key, sorted(info.options))
    default = info.options[key]
    try:
        if isinstance(default, bool):
            if raw.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return key, raw.lower() in ("true", "1")
        if isinstance(default, int):
            return key, int(raw)
        if isinstance(default, float):
            return key, float(raw)
    except ValueError:
        raise ValueError(
            f"task {name!r} option {key!r} expects a {type(default).__name__} (default {default!r}), got {raw!r}"
        ) from None
    return key, raw


def make_task(name: str, *, seed: int = 0, sizes: Sizes | None = None, **options: Any) -> Task:
    """Build task ``name`` with ``options`` (checked by :func:`check_options`).

    ``seed`` fixes every split (and a streaming task's validation/test sets); ``sizes`` sets
    split sizes or streaming.
    """
    info = get_task_info(name)
    resolved = check_options(name, options)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an int, got {seed!r}")
    sizes = sizes or Sizes()
    if sizes.stream and not info.can_stream:
        raise ValueError(f"task {name!r} is a fixed dataset and cannot stream; give n_train (or nothing) instead")
    return info.builder(**resolved, sizes=sizes, seed=seed)
