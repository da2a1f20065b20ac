"""Argument checks of the time-series estimators (and where their warnings point).

Built on the library's shared checks (:mod:`anyconv.kernels._args`); what this
adds is the scikit-learn habit of accepting numpy integers where an int is wanted
(``GridSearchCV`` grids built with ``np.arange`` give them).
"""

from __future__ import annotations

import sys

import numpy as np

from anyconv.kernels._args import choice, positive_int

__all__ = ["int_at_least", "optional_int_at_least", "choice", "user_stacklevel"]


def int_at_least(name: str, value: object, minimum: int) -> int:
    """``value`` as an int if it is an int (Python or numpy, not bool) ``>= minimum``, else a ValueError naming it."""
    if isinstance(value, np.integer):
        value = int(value)
    return positive_int(name, value, minimum=minimum)


def optional_int_at_least(name: str, value: object, minimum: int) -> int | None:
    """``None``, or :func:`int_at_least`; the error says ``None`` is allowed too."""
    if value is None:
        return None
    try:
        return int_at_least(name, value, minimum)
    except ValueError:
        raise ValueError(f"{name} must be None or an int >= {minimum}, got {value!r}") from None


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` called by the caller of this function: the first
    frame outside ``anyconv`` and scikit-learn (whose wrappers call ``fit``/``transform``), so
    a warning names the user's line, whatever the call path inside the packages."""
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(("anyconv.", "sklearn.")):
        frame, level = frame.f_back, level + 1
    return level

