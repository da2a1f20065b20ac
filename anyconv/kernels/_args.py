"""Constructor-argument checks shared by the long-kernel modules and the sequence layers."""

from __future__ import annotations


def positive_int(name: str, value: object, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an int ``>= minimum``, else raise a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {value!r}")
    return value


def probability(name: str, value: object) -> float:
    """Return ``value`` as a float in ``[0, 1)``, else raise a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{name} must be a float in [0, 1), got {value!r}")
    return float(value)


def non_negative(name: str, value: object) -> float:
    """Return ``value`` as a float ``>= 0``, else raise a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"{name} must be a float >= 0, got {value!r}")
    return float(value)


def optional_rate(name: str, value: object) -> float | None:
    """``None`` or a float ``> 0`` (a learning rate hint)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f"{name} must be None or a float > 0, got {value!r}")
    return float(value)


def choice(name: str, value: object, allowed: tuple[str, ...]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise a ValueError listing them."""
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")
    return str(value)


def check_length(name: str, length: int | None, maximum: int) -> int:
    """The kernel length to produce: ``maximum`` when ``length`` is None, else ``1 <= length <= maximum``."""
    if length is None:
        return maximum
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= maximum:
        raise ValueError(f"{name}: length must be an int in [1, {maximum}] (the longest kernel), got {length!r}")
    return length
