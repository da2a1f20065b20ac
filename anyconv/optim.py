"""Per-parameter optimizer hints and one helper that turns them into param groups.

Kernel-generator parameters (Hyena filters, SGConv kernels, SMP radii, DCLS positions, …)
often want their own learning rate and no weight decay. Layers attach a hint with
:func:`set_optim_hints`; :func:`param_groups` reads the hints.

**Where hints live.** ``set_optim_hints(module, "name", ...)`` stores the hint on the *module
that owns the parameter* (a plain dict attribute keyed by the parameter's name), so it travels
with the model: ``copy.deepcopy(model)`` and ``torch.save``/``torch.load`` of the module keep it,
and ``load_state_dict`` into a freshly built model finds the hints its constructor set. The
hint is also attached to the ``Parameter`` object itself, which is what the older form
``set_optim_hints(param, ...)`` does alone; ``copy.deepcopy`` drops attributes of a
``Parameter``, so a hint set that way is lost in a copy. Prefer the module form.
"""

from __future__ import annotations

from typing import Any

from torch import nn

_HINT_ATTR = "_anyconv_optim"  # on a Parameter (legacy; dropped by copy.deepcopy)
_MODULE_ATTR = "_anyconv_optim_hints"  # on the owning module: {parameter name: hints}


def _check_hints(lr: float | None, lr_scale: float | None, weight_decay: float | None) -> dict[str, float]:
    if lr is not None and lr_scale is not None:
        raise ValueError(f"give lr or lr_scale, not both (got lr={lr}, lr_scale={lr_scale})")
    hints = {key: value for key, value in (("lr", lr), ("lr_scale", lr_scale), ("weight_decay", weight_decay)) if value is not None}
    for key, value in hints.items():
        if value < 0:
            raise ValueError(f"{key} must be >= 0, got {value}")
    return hints


def set_optim_hints(
    target: nn.Module | nn.Parameter,
    name: str | None = None,
    *,
    lr: float | None = None,
    lr_scale: float | None = None,
    weight_decay: float | None = None,
) -> nn.Parameter:
    """Attach optimizer hints to a parameter; returns the parameter (for chaining).

    ``set_optim_hints(module, "kernel", lr=1e-3)`` hints ``module.kernel`` (a dotted name such as
    ``"mlp.0.weight"`` reaches into submodules) and keeps the hint on the owning module, where
    copies and saved modules keep it. ``set_optim_hints(param, lr=1e-3)`` (no name) hints the
    ``Parameter`` object only. ``lr`` is an absolute learning rate; ``lr_scale`` multiplies the
    base one (give one of them); ``weight_decay`` replaces the base one.
    """
    hints = _check_hints(lr, lr_scale, weight_decay)
    if isinstance(target, nn.Parameter):
        if name is not None:
            raise ValueError(f"name is only used with a module target, got a Parameter and name={name!r}")
        param = target
    elif isinstance(target, nn.Module):
        if not isinstance(name, str):
            raise ValueError(f"set_optim_hints(module, name, ...) needs the parameter's name as a str, got {name!r}")
        prefix, _, local = name.rpartition(".")
        owner = target.get_submodule(prefix) if prefix else target
        param = owner._parameters.get(local)
        if param is None:
            known = [n for n, _ in target.named_parameters()]
            raise ValueError(f"{type(target).__name__} has no parameter named {name!r}; its parameters: {known}")
        table = owner.__dict__.setdefault(_MODULE_ATTR, {})
        table[local] = dict(hints)
    else:
        raise ValueError(f"target must be an nn.Module (with a name) or an nn.Parameter, got {type(target).__name__}")
    setattr(param, _HINT_ATTR, dict(hints))
    return param


def _module_hints(model: nn.Module) -> dict[int, dict[str, float]]:
    """``id(parameter) → hints`` for every hint stored on a module of ``model``."""
    found: dict[int, dict[str, float]] = {}
    for module in model.modules():
        for local, hints in module.__dict__.get(_MODULE_ATTR, {}).items():
            param = module._parameters.get(local)
            if param is not None:
                found[id(param)] = hints
    return found


def get_optim_hints(param: nn.Parameter, module: nn.Module | None = None) -> dict[str, float]:
    """The hints of ``param`` (empty if none).

    With ``module`` (a model containing ``param``) the hints stored on its owning module are
    found too, which is what survives ``copy.deepcopy``; without it only the hints attached to
    the ``Parameter`` object are seen (enough for a model as its layers built it).
    """
    if module is not None:
        hints = _module_hints(module).get(id(param))
        if hints is not None:
            return dict(hints)
    return dict(getattr(param, _HINT_ATTR, {}))


def param_groups(
    model: nn.Module, *, lr: float, weight_decay: float = 0.0, decay_1d: bool = False
) -> list[dict[str, Any]]:
    """Optimizer param groups honouring each parameter's hints.

    Parameters without hints get ``lr`` and ``weight_decay``; 1-D parameters (biases, norm
    scales) get no weight decay unless ``decay_1d``. Frozen parameters are left out.
    Groups are returned in a deterministic order with a ``"names"`` list of their members.
    """
    stored = _module_hints(model)
    groups: dict[tuple[float, float], dict[str, Any]] = {}
    for name, param in model.named_parameters():
        if not param.requires_grad:
            continue
        hints = stored.get(id(param), getattr(param, _HINT_ATTR, {}))
        group_lr = hints.get("lr", lr * hints.get("lr_scale", 1.0))
        default_decay = weight_decay if (param.ndim >= 2 or decay_1d) else 0.0
        group_decay = hints.get("weight_decay", default_decay)
        group = groups.setdefault(
            (group_lr, group_decay), {"params": [], "lr": group_lr, "weight_decay": group_decay, "names": []}
        )
        group["params"].append(param)
        group["names"].append(name)
    return list(groups.values())
