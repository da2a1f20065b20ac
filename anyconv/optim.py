"""Per-parameter optimizer hints and one helper that turns them into param groups.

Kernel-generator parameters (Hyena filters, SGConv kernels, SMP radii, DCLS positions, …)
often want their own learning rate and no weight decay. Layers attach a hint to such
parameters with :func:`set_optim_hints`; :func:`param_groups` reads the hints.
"""

from __future__ import annotations

from typing import Any

from torch import nn

_HINT_ATTR = "_anyconv_optim"


def set_optim_hints(
    param: nn.Parameter, *, lr: float | None = None, lr_scale: float | None = None, weight_decay: float | None = None
) -> nn.Parameter:
    """Attach optimizer hints to ``param`` (returned for chaining).

    ``lr`` is an absolute learning rate; ``lr_scale`` multiplies the base one (give one of them).
    """
    if lr is not None and lr_scale is not None:
        raise ValueError(f"give lr or lr_scale, not both (got lr={lr}, lr_scale={lr_scale})")
    hints = {key: value for key, value in (("lr", lr), ("lr_scale", lr_scale), ("weight_decay", weight_decay)) if value is not None}
    for key, value in hints.items():
        if value < 0:
            raise ValueError(f"{key} must be >= 0, got {value}")
    setattr(param, _HINT_ATTR, hints)
    return param


def get_optim_hints(param: nn.Parameter) -> dict[str, float]:
    """The hints attached to ``param`` (empty if none)."""
    return dict(getattr(param, _HINT_ATTR, {}))


def param_groups(
    model: nn.Module, *, lr: float, weight_decay: float = 0.0, decay_1d: bool = False
) -> list[dict[str, Any]]:
    """Optimizer param groups honouring each parameter's hints.

    Parameters without hints get ``lr`` and ``weight_decay``; 1-D parameters (biases, norm
    scales) get no weight decay unless ``decay_1d``. Frozen parameters are left out.
    Groups are returned in a deterministic order with a ``"name"`` listing their members.
    """
    groups: dict[tuple[float, float], dict[str, Any]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        hints = get_optim_hints(param)
        group_lr = hints.get("lr", lr * hints.get("lr_scale", 1.0))
        default_decay = weight_decay if (param.ndim >= 2 or decay_1d) else 0.0
        group_decay = hints.get("weight_decay", default_decay)
        group = groups.setdefault(
            (group_lr, group_decay), {"params": [], "lr": group_lr, "weight_decay": group_decay, "names": []}
        )
        group["params"].append(param)
        group["names"].append(name)
    return list(groups.values())
