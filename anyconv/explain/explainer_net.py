"""An explainer network (Zhang et al., *Unsupervised Learning of Neural Networks to Explain Neural
Networks*, 2019), learned by distillation without labels.

For a trained model (the *performer*), a source layer's features ``f`` ``(B, C_s, *S)`` and a
higher layer's features ``g`` ``(B, C_t, *S_t)``, the explainer has

- an encoder with two tracks of ``n_filters`` conv filters each: an **interpretable** track whose
  ReLU activations are pushed, by the *filter loss*, toward one localised peak per map (each
  filter should respond to one part), and an **ordinary** track without that constraint. Each
  interpretable map is standardised over its positions before the ReLU (instance norm, no
  affine): without it the cheapest way to lower the filter loss on a small map is to switch the
  filter off everywhere (measured: every filter silent after 100 steps on digits);
- a mixing weight ``p = sigmoid(w)``: the decoder reads ``p · x_interp + (1 − p) · x_ordinary``;
  a prior ``−η log p`` asks the interpretable track to carry as much as it can;
- a decoder (conv → ReLU → 1×1 conv, resized to ``S_t``) that reconstructs ``g``.

Loss: ``‖ĝ − g‖² / var(g) + λ · filter_loss + δ · overlap + η · (−log p)``. The filter loss of a map ``a ≥ 0``
with peak ``μ = argmax a`` is ``1 − Σ a·T_μ / Σ a`` where ``T_μ`` is a Gaussian of width
``sigma`` (in map cells) around ``μ`` — the share of the map's energy *outside* its peak region,
a smooth stand-in for the paper's template mutual information; as in the paper's interpretable
filters, the decoder reads the interpretable maps masked by their template, ``a ⊙ T_μ``.
``overlap`` (our addition) is the mean cosine similarity between different filters' maps on the
same input: without it every part filter converged to the same part (measured on MNIST-5k: 8
identical maps), with it they split the strokes between them. **Localisation** of a filter is
``Σ a·T_μ / Σ a`` averaged over inputs where it fires. Reported: the reconstruction loss over
training, the explained share ``p``, the share of ``g``'s variance explained with the ordinary
track held at its mean (``r2_interpretable``), and per-filter localisation before and after training.
"""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from anyconv.explain.gradcam import capture, resolve_layer

__all__ = ["Explainer", "ExplainerResult", "fit_explainer", "layer_features", "localisation", "overlap", "peak_templates"]


def layer_features(model: nn.Module, x: Tensor, layers: list[nn.Module | str], *, batch_size: int = 256) -> list[Tensor]:
    """The outputs of ``layers`` when ``model`` runs on ``x`` (no gradients, in batches).

    Shape:
        x: ``(N, ...)`` → one ``(N, C_l, *S_l)`` per layer
    """
    modules = [resolve_layer(model, layer) for layer in layers]
    outs: list[list[Tensor]] = [[] for _ in modules]
    with torch.no_grad():
        for start in range(0, len(x), batch_size):
            with ExitStack() as stack:  # every hook removed, also when the model raises
                records = [stack.enter_context(capture(m)) for m in modules]
                model(x[start : start + batch_size])
            for out, r in zip(outs, records, strict=True):
                if r.output is None:
                    raise ValueError("a requested layer was not called by the model's forward")
                out.append(r.output.detach())
    return [torch.cat(o) for o in outs]


def peak_templates(a: Tensor, sigma: float) -> Tensor:
    """Gaussian templates centred on each map's peak (``exp(−‖p − μ‖² / 2σ²)``).

    Shape:
        a: ``(B, F, *S)`` → ``(B, F, *S)``
    """
    b, f, *spatial = a.shape
    flat = a.reshape(b, f, -1).argmax(-1)  # (B, F) flat peak index
    coords = torch.stack(torch.meshgrid(*(torch.arange(s, device=a.device) for s in spatial), indexing="ij"), -1)
    coords = coords.reshape(-1, len(spatial)).to(a.dtype)  # (N, d)
    peaks = coords[flat]  # (B, F, d)
    d2 = ((coords[None, None] - peaks[:, :, None]) ** 2).sum(-1)  # (B, F, N)
    return torch.exp(-d2 / (2 * sigma**2)).reshape(a.shape)


def overlap(a: Tensor) -> Tensor:
    """Mean cosine similarity between the maps of different filters on the same input (0: disjoint
    parts, 1: every filter fires in the same place).

    Shape:
        a: ``(B, F, *S)`` non-negative → scalar
    """
    b, f = a.shape[:2]
    if f < 2:
        return a.new_zeros(())
    unit = a.reshape(b, f, -1)
    unit = unit / unit.norm(dim=-1, keepdim=True).clamp_min(1e-12)  # (B, F, N)
    cos = unit @ unit.transpose(1, 2)  # (B, F, F)
    return (cos.sum((1, 2)) - cos.diagonal(dim1=1, dim2=2).sum(-1)).mean() / (f * (f - 1))


def localisation(a: Tensor, sigma: float, eps: float = 1e-6) -> tuple[Tensor, Tensor]:
    """Per-map localisation ``Σ a·T_μ / (Σ a + eps)`` (0 for a silent map, so the filter loss
    ``1 − localisation`` never rewards a filter for dying) and whether the map fires (``Σ a > eps``).

    Shape:
        a: ``(B, F, *S)`` non-negative → ``(B, F)``, ``(B, F)`` bool
    """
    dims = tuple(range(2, a.ndim))
    total = a.sum(dims)
    share = (a * peak_templates(a.detach(), sigma)).sum(dims) / (total + eps)
    return share, total > eps


class Explainer(nn.Module):
    """Two-track encoder, mixing weight ``p`` and decoder (see the module docstring).

    Shape:
        f: ``(B, in_channels, *S)`` → ``(ĝ (B, out_channels, *out_size), a (B, n_filters, *S),
        x_ordinary (B, n_filters, *S))``; ``a`` are the interpretable activations before their
        part mask (the decoder reads ``a ⊙ T_μ``, as the paper's masked interpretable filters)
    """

    def __init__(self, in_channels: int, out_channels: int, out_size: tuple[int, ...], *, n_filters: int = 8,
                 hidden: int = 32, ndim: int = 2, sigma: float = 1.0) -> None:
        super().__init__()
        if sigma <= 0:
            raise ValueError(f"sigma must be > 0, got {sigma}")
        self.sigma = float(sigma)
        if ndim not in (1, 2) or len(out_size) != ndim:
            raise ValueError(f"ndim must be 1 or 2 with out_size of that many sizes, got ndim={ndim}, out_size={out_size}")
        conv = nn.Conv2d if ndim == 2 else nn.Conv1d
        self.out_size = tuple(out_size)
        self.interpretable = conv(in_channels, n_filters, 3, padding=1)
        self.ordinary = conv(in_channels, n_filters, 3, padding=1)
        self.mix = nn.Parameter(torch.zeros(()))  # p = sigmoid(mix) = 0.5 at start
        self.decoder = nn.Sequential(conv(n_filters, hidden, 3, padding=1), nn.ReLU(), conv(hidden, out_channels, 1))

    @property
    def p(self) -> Tensor:
        return torch.sigmoid(self.mix)

    def decode(self, z: Tensor) -> Tensor:
        g = self.decoder(z)  # (B, C_t, *S)
        if tuple(g.shape[2:]) == self.out_size:
            return g
        if g.ndim == 4:
            return F.adaptive_avg_pool2d(g, (self.out_size[0], self.out_size[1]))  # (B, C_t, *out_size)
        return F.adaptive_avg_pool1d(g, self.out_size[0])

    def parts(self, f: Tensor) -> tuple[Tensor, Tensor]:
        """Interpretable activations before and after the part mask (``a`` and ``a ⊙ T_μ``)."""
        h = self.interpretable(f)  # (B, F, *S)
        a = torch.relu(F.instance_norm(h) if h[0, 0].numel() > 1 else h)  # per-map standardised: cannot switch off
        return a, a * peak_templates(a.detach(), self.sigma)

    def forward(self, f: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        a, xi = self.parts(f)
        xo = torch.relu(self.ordinary(f))  # (B, F, *S)
        return self.decode(self.p * xi + (1 - self.p) * xo), a, xo


@dataclass
class ExplainerResult:
    """What :func:`fit_explainer` reports (metrics on the evaluation inputs)."""

    explainer: Explainer
    losses: list[float]  # reconstruction loss (normalised MSE) per step
    explained_share: float  # p
    r2: float  # share of the target features' variance the whole explainer reconstructs
    r2_interpretable: float  # ... with the ordinary track held at its mean over the inputs
    localisation_before: Tensor  # (F,) per interpretable filter, at initialisation (over inputs where it fires)
    localisation_after: Tensor  # (F,)
    firing_before: Tensor  # (F,) share of inputs on which each filter fires
    firing_after: Tensor  # (F,)
    overlap_before: float  # mean cosine similarity between different filters' maps (1: all the same part)
    overlap_after: float
    sigma: float
    source_shape: tuple[int, ...] = field(default=())


def _r2(pred: Tensor, target: Tensor) -> float:
    return float(1 - ((pred - target) ** 2).mean() / target.var(unbiased=False).clamp_min(1e-12))


def _filter_localisation(explainer: Explainer, f: Tensor) -> tuple[Tensor, Tensor, float]:
    with torch.no_grad():
        a = explainer.parts(f)[0]
        share, fires = localisation(a, explainer.sigma)  # (B, F)
        return (share * fires).sum(0) / fires.sum(0).clamp_min(1), fires.float().mean(0), float(overlap(a))  # (F,), (F,)


def fit_explainer(
    model: nn.Module, x: Tensor, *, source: nn.Module | str, target: nn.Module | str, x_eval: Tensor | None = None,
    n_filters: int = 8, steps: int = 300, batch_size: int = 64, lr: float = 3e-3, filter_weight: float = 1.0,
    diversity_weight: float = 1.0, prior_weight: float = 0.05, sigma: float | None = None, seed: int = 0,
) -> ExplainerResult:
    """Distil an :class:`Explainer` from ``model``'s ``source`` layer to its ``target`` layer on
    unlabeled inputs ``x``; metrics on ``x_eval`` (default ``x``). ``sigma`` (map cells) defaults
    to an eighth of the source map's longest side (at least 0.75).

    Shape:
        x, x_eval: model inputs ``(N, ...)``
    """
    if steps < 1 or batch_size < 1 or n_filters < 1:
        raise ValueError(f"steps, batch_size and n_filters must be >= 1, got {steps}, {batch_size}, {n_filters}")
    was_training = model.training
    model.eval()
    try:
        f, g = layer_features(model, x, [source, target])
        f_ev, g_ev = (f, g) if x_eval is None else layer_features(model, x_eval, [source, target])
    finally:
        model.train(was_training)
    if f.ndim not in (3, 4) or g.ndim != f.ndim:
        raise ValueError(f"source and target layers must give (B, C, *S) features of the same rank, got {tuple(f.shape)} and {tuple(g.shape)}")
    sigma = float(sigma) if sigma is not None else max(max(f.shape[2:]) / 8, 0.75)
    gen = torch.Generator().manual_seed(seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        explainer = Explainer(f.shape[1], g.shape[1], tuple(g.shape[2:]), n_filters=n_filters, ndim=f.ndim - 2, sigma=sigma)
    before = _filter_localisation(explainer, f_ev)
    opt = torch.optim.Adam(explainer.parameters(), lr=lr)
    scale = g.var(unbiased=False).clamp_min(1e-12)
    losses = []
    for _ in range(steps):
        idx = torch.randint(len(f), (min(batch_size, len(f)),), generator=gen)
        g_hat, a, _ = explainer(f[idx])
        recon = ((g_hat - g[idx]) ** 2).mean() / scale
        filter_loss = (1 - localisation(a, sigma)[0]).mean()
        loss = recon + filter_weight * filter_loss + diversity_weight * overlap(a) - prior_weight * torch.log(explainer.p)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(recon.detach()))
    with torch.no_grad():
        g_hat, _, xo = explainer(f_ev)
        xi = explainer.parts(f_ev)[1]
        p = explainer.p
        g_int = explainer.decode(p * xi + (1 - p) * xo.mean(0, keepdim=True))  # ordinary track at its mean
    after = _filter_localisation(explainer, f_ev)
    return ExplainerResult(
        explainer, losses, float(p), _r2(g_hat, g_ev), _r2(g_int, g_ev), before[0], after[0], before[1], after[1],
        before[2], after[2], sigma, tuple(f.shape[1:]),
    )
