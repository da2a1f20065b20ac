"""``DynamicConv1d`` / ``DynamicConv2d``: attention over convolution kernels (Chen et al. 2020).

Each example gets ``W(x) = Σ_e π_e(x) W_e`` with ``π(x) = softmax(FC(ReLU(FC(GAP(x)))) / τ)``:
a convex mixture of ``num_experts`` kernels (and biases), applied through the engine's per-sample
path like :mod:`anyconv.layers.condconv`. The paper trains with a temperature annealed from
``τ = 30`` (near-uniform attention: every expert learns) to ``τ = 1`` over the first epochs.
That schedule is an explicit hook the training loop calls — :func:`anneal_temperature` (or
``layer.set_temperature(t)``) — never hidden state changed by ``forward``::

    for step in range(steps):
        anneal_temperature(model, step, anneal_steps=steps // 10)  # τ: 30 → 1, then 1
        loss = loss_fn(model(x), y); ...

The temperature is the buffer ``router.tau``, saved in the state dict (a checkpoint resumes it).
"""

from __future__ import annotations

import torch
from torch import nn

from anyconv.kernels.conditional import SoftmaxAttention
from anyconv.layers._conditional import ConditionalConvNd
from anyconv.layers.registry import register


def temperature_at(step: int, *, anneal_steps: int, start: float = 30.0, end: float = 1.0) -> float:
    """The paper's schedule: ``start`` at step 0, linear to ``end`` at ``anneal_steps``, then ``end``."""
    if isinstance(step, bool) or not isinstance(step, int) or step < 0:
        raise ValueError(f"step must be an int >= 0, got {step!r}")
    if isinstance(anneal_steps, bool) or not isinstance(anneal_steps, int) or anneal_steps < 0:
        raise ValueError(f"anneal_steps must be an int >= 0, got {anneal_steps!r}")
    for name, value in (("start", start), ("end", end)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(f"{name} must be a float > 0, got {value!r}")
    if step >= anneal_steps:
        return float(end)
    return float(start + (end - start) * step / anneal_steps)


def anneal_temperature(
    model: nn.Module, step: int, *, anneal_steps: int, start: float = 30.0, end: float = 1.0
) -> float:
    """Set every DynamicConv layer of ``model`` to the temperature of ``step``; returns it.

    Call it once per training step, before the forward (see :func:`temperature_at`).
    """
    tau = temperature_at(step, anneal_steps=anneal_steps, start=start, end=end)
    for module in model.modules():
        if isinstance(module, _DynamicConvNd):
            module.set_temperature(tau)
    return tau


class _DynamicConvNd(ConditionalConvNd):
    router: SoftmaxAttention

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | str | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        ndim: int,
        num_experts: int = 4,
        temperature: float = 30.0,
        hidden_channels: int | None = None,
        mode: str | None = None,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            ndim=ndim, num_experts=num_experts, mode=mode, method=method, check_finite=check_finite,
            device=device, dtype=dtype,
        )
        self.router = SoftmaxAttention(
            in_channels, num_experts, hidden_channels=hidden_channels, temperature=temperature, causal=self.causal,
            device=device, dtype=dtype,
        )

    @property
    def temperature(self) -> float:
        return self.router.temperature

    def set_temperature(self, temperature: float) -> None:
        """Set the attention's softmax temperature ``τ > 0`` (the annealing hook)."""
        self.router.set_temperature(temperature)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, temperature={self.temperature:g}"


@register(
    "dynamicconv1d", kind="conv1d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=5, padding=2, num_experts=3),
    example_input_shape=(2, 4, 16),
)
class DynamicConv1d(_DynamicConvNd):
    """DynamicConv over sequences: softmax attention (temperature ``τ``) over ``num_experts`` kernels.

    Arguments as :class:`torch.nn.Conv1d` (same order), plus keyword-only ``num_experts``,
    ``temperature`` (initial ``τ``, default 30 as the paper; anneal it with
    :func:`anneal_temperature`), ``hidden_channels`` of the attention (default ``C_in // 4 + 1``; ``num_experts`` if ``C_in = 3``),
    ``mode`` (incl. ``"causal"``: attention from the running mean, see
    :mod:`anyconv.layers._conditional`), ``method`` and ``check_finite``. ``forward(x, routing=None)``
    accepts an external ``(B, num_experts)`` attention. With one expert it is exactly
    ``torch.nn.Conv1d`` with that expert's weight (the attention is 1).

    Shape:
        x: ``(B, C_in, L)`` → ``(B, C_out, L_out)`` (``L_out`` as ``torch.nn.Conv1d``, or by ``mode``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int = 1,
        padding: int | str = 0,
        dilation: int = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        num_experts: int = 4,
        temperature: float = 30.0,
        hidden_channels: int | None = None,
        mode: str | None = None,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            ndim=1, num_experts=num_experts, temperature=temperature, hidden_channels=hidden_channels, mode=mode,
            method=method, check_finite=check_finite, device=device, dtype=dtype,
        )


@register(
    "dynamicconv2d", kind="conv2d",
    example_kwargs=dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, num_experts=3),
    example_input_shape=(2, 4, 8, 9),
)
class DynamicConv2d(_DynamicConvNd):
    """DynamicConv over images: softmax attention (temperature ``τ``) over ``num_experts`` kernels.

    Arguments as :class:`torch.nn.Conv2d` (same order), plus keyword-only ``num_experts``,
    ``temperature`` (initial ``τ``, default 30; anneal it with :func:`anneal_temperature`),
    ``hidden_channels`` (default ``C_in // 4 + 1``; ``num_experts`` if ``C_in = 3``), ``mode``, ``method``
    and ``check_finite``.
    ``forward(x, routing=None)`` accepts an external ``(B, num_experts)`` attention. With one
    expert it is exactly ``torch.nn.Conv2d`` with that expert's weight.

    Shape:
        x: ``(B, C_in, H, W)`` → ``(B, C_out, H_out, W_out)`` (as ``torch.nn.Conv2d``, or by ``mode``).
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | str | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        num_experts: int = 4,
        temperature: float = 30.0,
        hidden_channels: int | None = None,
        mode: str | None = None,
        method: str = "auto",
        check_finite: bool = True,
        device: torch.device | str | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
            ndim=2, num_experts=num_experts, temperature=temperature, hidden_channels=hidden_channels, mode=mode,
            method=method, check_finite=check_finite, device=device, dtype=dtype,
        )
