"""Kernel networks: small networks mapping relative positions ``(N, d)`` to kernel values ``(N, out)``.

* :class:`KernelMLP` — Linear → [norm] → ReLU / LeakyReLU / GELU, repeated, → Linear (CKConv's MLP).
* :class:`SIREN` — sine layers ``sin(ω0 (W x + b))`` with the SIREN initialisation (Sitzmann et
  al. 2020): first layer ``U(−1/fan_in, 1/fan_in)``, later sine layers ``U(±√(6/fan_in)/ω0)``;
  the linear output layer Kaiming-uniform ``U(±√(3/fan_in))`` (the CCNN reference). The
  CKConv reference wraps its layers in ``weight_norm`` *before* initialising, so its uniform
  init only sets the direction ``v`` while ``g`` keeps the norm from construction time and the
  SIREN bounds never hold for the effective weight; here there is no weight norm and the
  bounds hold for the weights used (tested).
* :class:`RandomFourierFeatures` — ``[cos(2π B x), sin(2π B x)]`` with fixed ``B ~ N(0, scale²)``,
  then an MLP (the CKConv reference's RFNet, with the frequencies fixed as in Tancik et al.).
* :class:`MAGNet` — multiplicative anisotropic Gabor network (FlexConv's default):
  ``h_0 = g_0(x)``, ``h_l = g_l(x) ⊙ (W_l h_{l−1} + b_l)``, ``out = W_out h_L + b``, with
  ``g_l(x) = exp(−½ Σ_d (γ_{l,d} (x_d − μ_{l,d}))²) ⊙ sin(V_l x + c_l)``; ``γ ~ Gamma(α/(l+1), β)``,
  ``μ ~ init_spatial_value · U(−1, 1)``, ``V_l`` torch's default init times
  ``input_scale/√(L+1) · γ``, ``c_l ~ U(−π, π)`` (the FlexConv / CCNN reference ``MAGNet``).

Every network has ``in_dim``, ``out_dim`` and an ``output`` linear layer, whose weights the
continuous layers rescale at initialisation (Chang et al. 2020, as the CCNN reference).
"""

from __future__ import annotations

import itertools
import math

import torch
from torch import Tensor, nn

from anyconv.kernels._args import choice, positive_int

ACTIVATIONS: tuple[str, ...] = ("relu", "leaky_relu", "gelu")
NORMS: tuple[str, ...] = ("none", "layer")
KERNEL_NETS: tuple[str, ...] = ("siren", "mlp", "rff", "magnet")


def _positive_float(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or not math.isfinite(value):
        raise ValueError(f"{name} must be a finite float > 0, got {value!r}")
    return float(value)


class _KernelNet(nn.Module):
    """Common checks and the ``(N, in_dim) → (N, out_dim)`` contract."""

    in_dim: int
    out_dim: int
    output: nn.Linear

    def _check(self, x: Tensor) -> None:
        if x.ndim != 2 or x.shape[-1] != self.in_dim:
            raise ValueError(
                f"{type(self).__name__} takes positions of shape (N, {self.in_dim}), got {tuple(x.shape)}"
            )


class KernelMLP(_KernelNet):
    """Linear → [LayerNorm] → activation, ``num_layers − 1`` times, then a Linear output.

    Shape:
        ``(N, in_dim)`` → ``(N, out_dim)``
    """

    def __init__(
        self, in_dim: int, out_dim: int, *, hidden: int = 32, num_layers: int = 3, activation: str = "relu",
        norm: str = "none", bias: bool = True, device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_dim, self.out_dim = positive_int("in_dim", in_dim), positive_int("out_dim", out_dim)
        hidden, num_layers = positive_int("hidden", hidden), positive_int("num_layers", num_layers, minimum=2)
        self.activation, self.norm = choice("activation", activation, ACTIVATIONS), choice("norm", norm, NORMS)
        factory = {"device": device, "dtype": dtype}
        act = {"relu": nn.ReLU, "leaky_relu": nn.LeakyReLU, "gelu": nn.GELU}[activation]
        layers: list[nn.Module] = []
        width = in_dim
        for _ in range(num_layers - 1):
            layers.append(nn.Linear(width, hidden, bias=bias, **factory))
            if norm == "layer":
                layers.append(nn.LayerNorm(hidden, **factory))
            layers.append(act())
            width = hidden
        self.hidden = nn.Sequential(*layers)
        self.output = nn.Linear(hidden, out_dim, bias=bias, **factory)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        return self.output(self.hidden(x))


class SIREN(_KernelNet):
    """Sine network ``sin(ω0 (W x + b))`` per hidden layer, linear output, SIREN initialisation.

    Shape:
        ``(N, in_dim)`` → ``(N, out_dim)``
    """

    def __init__(
        self, in_dim: int, out_dim: int, *, hidden: int = 32, num_layers: int = 3, omega_0: float = 30.0,
        bias: bool = True, device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_dim, self.out_dim = positive_int("in_dim", in_dim), positive_int("out_dim", out_dim)
        hidden, num_layers = positive_int("hidden", hidden), positive_int("num_layers", num_layers, minimum=2)
        self.omega_0 = _positive_float("omega_0", omega_0)
        factory = {"device": device, "dtype": dtype}
        widths = [in_dim] + [hidden] * (num_layers - 1)
        self.sines = nn.ModuleList(nn.Linear(a, b, bias=bias, **factory) for a, b in itertools.pairwise(widths))
        self.output = nn.Linear(hidden, out_dim, bias=bias, **factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """SIREN init of the sine layers (biases: torch's default ``U(±1/√fan_in)``, ``U(−1, 1)`` for
        1-D positions); the output layer, which no sine follows, gets Kaiming-uniform for a linear
        layer, ``U(±√(3/fan_in))``, and a zero bias (as the CCNN reference: ``±√(6/fan_in)/ω0``
        there would make the kernel ω0 times too small)."""
        with torch.no_grad():
            for index, layer in enumerate(self.sines):
                fan_in = layer.weight.shape[1]
                bound = 1.0 / fan_in if index == 0 else math.sqrt(6.0 / fan_in) / self.omega_0
                layer.weight.uniform_(-bound, bound)
                if layer.bias is not None:
                    layer.bias.uniform_(-1.0 / math.sqrt(fan_in), 1.0 / math.sqrt(fan_in))
            bound = math.sqrt(3.0 / self.output.weight.shape[1])
            self.output.weight.uniform_(-bound, bound)
            if self.output.bias is not None:
                self.output.bias.zero_()

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        for layer in self.sines:
            x = torch.sin(self.omega_0 * layer(x))  # (N, hidden)
        return self.output(x)

    def extra_repr(self) -> str:
        return f"omega_0={self.omega_0}"


class RandomFourierFeatures(_KernelNet):
    """Fixed Fourier features ``[cos(2π B x), sin(2π B x)]`` followed by a ReLU MLP.

    Shape:
        ``(N, in_dim)`` → ``(N, out_dim)``
    """

    def __init__(
        self, in_dim: int, out_dim: int, *, hidden: int = 32, num_layers: int = 3, scale: float = 10.0,
        bias: bool = True, device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_dim, self.out_dim = positive_int("in_dim", in_dim), positive_int("out_dim", out_dim)
        hidden, num_layers = positive_int("hidden", hidden), positive_int("num_layers", num_layers, minimum=2)
        if hidden % 2:
            raise ValueError(f"hidden must be even for RandomFourierFeatures (cos and sin halves), got {hidden}")
        self.scale = _positive_float("scale", scale)
        self.register_buffer("frequencies", torch.randn(in_dim, hidden // 2, device=device, dtype=dtype) * self.scale)
        factory = {"device": device, "dtype": dtype}
        self.mlp = KernelMLP(hidden, out_dim, hidden=hidden, num_layers=num_layers - 1, bias=bias, **factory) if num_layers > 2 else None
        self.output = self.mlp.output if self.mlp is not None else nn.Linear(hidden, out_dim, bias=bias, **factory)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        phase = 2 * math.pi * (x @ self.frequencies)  # (N, hidden/2)
        features = torch.cat([torch.cos(phase), torch.sin(phase)], dim=-1)  # (N, hidden)
        return self.mlp(features) if self.mlp is not None else self.output(features)


class MAGNet(_KernelNet):
    """Multiplicative anisotropic Gabor network (see the module docstring for the formula).

    Shape:
        ``(N, in_dim)`` → ``(N, out_dim)``
    """

    def __init__(
        self, in_dim: int, out_dim: int, *, hidden: int = 32, num_layers: int = 3, input_scale: float = 25.6,
        alpha: float = 6.0, beta: float = 1.0, init_spatial_value: float = 1.0, bias: bool = True,
        device: torch.device | str | None = None, dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        self.in_dim, self.out_dim = positive_int("in_dim", in_dim), positive_int("out_dim", out_dim)
        self.hidden_size = positive_int("hidden", hidden)
        self.num_layers = positive_int("num_layers", num_layers)  # hidden linears; num_layers + 1 Gabor filters
        self.input_scale, self.alpha = _positive_float("input_scale", input_scale), _positive_float("alpha", alpha)
        self.beta, self.init_spatial_value = _positive_float("beta", beta), _positive_float("init_spatial_value", init_spatial_value)
        factory = {"device": device, "dtype": dtype}
        n = num_layers + 1
        self.filters = nn.ModuleList(nn.Linear(in_dim, hidden, bias=True, **factory) for _ in range(n))
        self.mu = nn.Parameter(torch.empty(n, hidden, in_dim, **factory))
        self.gamma = nn.Parameter(torch.empty(n, hidden, in_dim, **factory))
        self.linear = nn.ModuleList(nn.Linear(hidden, hidden, bias=bias, **factory) for _ in range(num_layers))
        self.output = nn.Linear(hidden, out_dim, bias=bias, **factory)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        n = self.num_layers + 1
        with torch.no_grad():
            for layer_index, filt in enumerate(self.filters):
                filt.reset_parameters()
                rate = torch.tensor(self.alpha / (layer_index + 1), dtype=torch.float64)
                gamma = torch.distributions.Gamma(rate, torch.tensor(self.beta, dtype=torch.float64))
                self.gamma[layer_index].copy_(gamma.sample((self.hidden_size, self.in_dim)))
                self.mu[layer_index].uniform_(-self.init_spatial_value, self.init_spatial_value)
                filt.weight.mul_(self.input_scale / math.sqrt(n) * self.gamma[layer_index])  # (hidden, in_dim)
                filt.bias.uniform_(-math.pi, math.pi)
            bound = math.sqrt(1.0 / self.hidden_size)
            for lin in self.linear:
                lin.reset_parameters()
                lin.weight.uniform_(-bound, bound)
            self.output.reset_parameters()

    def _gabor(self, index: int, x: Tensor) -> Tensor:
        diff = x.unsqueeze(1) - self.mu[index]  # (N, hidden, d)
        window = torch.exp(-0.5 * (self.gamma[index] * diff).square().sum(-1))  # (N, hidden)
        return window * torch.sin(self.filters[index](x))  # (N, hidden)

    def forward(self, x: Tensor) -> Tensor:
        self._check(x)
        h = self._gabor(0, x)  # (N, hidden)
        for index, lin in enumerate(self.linear, start=1):
            h = self._gabor(index, x) * lin(h)  # (N, hidden)
        return self.output(h)


def make_kernel_net(
    name: str, in_dim: int, out_dim: int, *, hidden: int = 32, num_layers: int = 3, omega_0: float = 30.0,
    activation: str = "relu", norm: str = "none", rff_scale: float = 10.0, input_scale: float = 25.6,
    init_spatial_value: float = 1.0, device: torch.device | str | None = None, dtype: torch.dtype | None = None,
) -> _KernelNet:
    """Build the kernel network called ``name`` (one of :data:`KERNEL_NETS`); unused options are ignored."""
    choice("kernel_net", name, KERNEL_NETS)
    factory = {"device": device, "dtype": dtype}
    if name == "siren":
        return SIREN(in_dim, out_dim, hidden=hidden, num_layers=num_layers, omega_0=omega_0, **factory)
    if name == "mlp":
        return KernelMLP(in_dim, out_dim, hidden=hidden, num_layers=num_layers, activation=activation, norm=norm, **factory)
    if name == "rff":
        return RandomFourierFeatures(in_dim, out_dim, hidden=hidden, num_layers=num_layers, scale=rff_scale, **factory)
    return MAGNet(
        in_dim, out_dim, hidden=hidden, num_layers=num_layers, input_scale=input_scale,
        init_spatial_value=init_spatial_value, **factory,
    )
