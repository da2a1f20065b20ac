"""Explain one model on some inputs: every figure, the numbers, and one HTML page.

:func:`explain_model` works on any classifier ``(B, C, *S) → (B, n_classes)`` (Grad-CAM,
attribution checks, explainer network, decision tree) and on any model for the kernel views and
filter statistics; ``anyconv explain`` (:mod:`anyconv.explain.commands`) calls it on a saved run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from anyconv.explain import figures
from anyconv.explain.decision_tree import fit_filter_tree
from anyconv.explain.explainer_net import fit_explainer
from anyconv.explain.family_views import family_figure
from anyconv.explain.filter_stats import filter_stats
from anyconv.explain.gradcam import grad_cam, grad_cam_pp
from anyconv.explain.kernel_views import find_kernel_layers, layer_kernels
from anyconv.explain.page import Section, write_page
from anyconv.explain.sanity import curve_area, deletion_curve, insertion_curve, randomisation_check
from anyconv.utils.io import atomic_write_text

__all__ = ["default_layers", "explain_model", "layer_inputs"]

MAX_KERNEL_LAYERS = 6


@contextmanager
def _record(model: nn.Module, what: str) -> Iterator[list[tuple[str, Any]]]:
    """Record ``(name, output)`` (``what="output"``) or ``(name, first input)`` of every submodule,
    in call-completion order; hooks always removed."""
    seen: list[tuple[str, Any]] = []
    with ExitStack() as stack:
        for name, module in model.named_modules():
            if not name:
                continue
            if what == "output":
                def hook(_m: nn.Module, _i: tuple[Any, ...], out: Any, name: str = name) -> None:
                    seen.append((name, out))
                handle = module.register_forward_hook(hook)
            else:
                def pre(_m: nn.Module, args: tuple[Any, ...], name: str = name) -> None:
                    seen.append((name, args[0] if args else None))
                handle = module.register_forward_pre_hook(pre)
            stack.callback(handle.remove)
        yield seen


def _channels_first_like(out: Tensor, x: Tensor) -> bool:
    """``out`` looks like ``(B, C, *S)`` features of ``x``: same batch and rank, every spatial size > 1
    dividing the input's (an integer downsampling), and (1-D) not a channels-last ``(B, L, D)`` tensor."""
    if out.ndim != x.ndim or out.shape[0] != x.shape[0] or not out.is_floating_point():
        return False
    spatial, given = out.shape[2:], x.shape[2:]
    if any(s < 2 or g % s for s, g in zip(spatial, given, strict=True)):
        return False
    channels_last = x.ndim == 3 and out.shape[1] == given[-1] and spatial[-1] != given[-1]  # sequence models' (B, L, D)
    return not channels_last


def default_layers(model: nn.Module, x: Tensor) -> tuple[str | None, str | None]:
    """``(target, source)``: the last module whose output looks channels-first with the input's spatial
    rank and an integer downsampling of its size (the Grad-CAM layer), and the last such module with parameters that finished before it and is
    neither inside it nor around it (the explainer's source layer)."""
    with torch.no_grad(), _record(model, "output") as seen:
        model(x)
    candidates = [n for n, out in seen if isinstance(out, Tensor) and _channels_first_like(out, x)]
    if not candidates:
        return None, None
    target = candidates[-1]
    modules = dict(model.named_modules())
    related = lambda n: n == target or n.startswith(target + ".") or target.startswith(n + ".")  # noqa: E731
    sources = [n for n in candidates[: candidates.index(target)] if not related(n)
               and any(True for _ in modules[n].parameters())]
    return target, (sources[-1] if sources else None)


def layer_inputs(model: nn.Module, x: Tensor, names: list[str]) -> dict[str, Tensor]:
    """The first positional input each named submodule received in one forward pass on ``x``."""
    with torch.no_grad(), _record(model, "input") as seen:
        model(x)
    found: dict[str, Tensor] = {}
    for name, inp in seen:
        if name in names and name not in found and isinstance(inp, Tensor):
            found[name] = inp
    return found


def _fmt(v: float) -> str:
    return f"{v:.3f}"


def explain_model(
    model: nn.Module, x: Tensor, out_dir: str | Path, *, x_fit: Tensor | None = None, layer: str | None = None,
    title: str = "Explanations", classifier: bool = True, explainer_steps: int = 300, seed: int = 0,
) -> dict[str, Any]:
    """Write figures, ``explain.json`` and ``index.html`` into ``out_dir``; return the summary.

    ``x``: inputs to explain (the first 8 are drawn); ``x_fit``: unlabeled inputs for the explainer
    network and the decision tree (default ``x``); ``layer``: the Grad-CAM / tree layer (default
    :func:`default_layers`); ``classifier=False`` skips what needs class scores.

    Shape:
        x, x_fit: ``(N, C, *S)`` model inputs
    """
    out = Path(out_dir)
    img = out / "img"
    model.eval()
    x_fit = x if x_fit is None else x_fit
    summary: dict[str, Any] = {"title": title, "n_inputs": len(x)}
    sections: list[Section] = []
    target, source = default_layers(model, x[:2]) if x.is_floating_point() else (None, None)
    layer = layer or target
    summary["layer"] = layer
    if classifier and layer is not None:
        sections += _attributions(model, x, layer, img, summary, seed)
        sections += _tree(model, x, x_fit, layer, img, summary, seed)
        if source is not None and layer == target:
            sections += _explainer(model, x, x_fit, source, layer, img, summary, explainer_steps, seed)
    elif classifier:
        sections.append(Section("Grad-CAM", ["No layer with the input's spatial layout (token inputs or no conv layer): "
                                             "Grad-CAM, the explainer and the decision tree were skipped."]))
    sections += _kernels(model, x, img, summary)
    atomic_write_text(out / "explain.json", json.dumps(summary, indent=2, default=float) + "\n")
    write_page(out / "index.html", title, sections, subtitle=f"{len(x)} inputs; explained layer: {layer}")
    summary["page"] = str(out / "index.html")
    return summary


def _attributions(model: nn.Module, x: Tensor, layer: str, img: Path, summary: dict[str, Any], seed: int) -> list[Section]:
    with torch.no_grad():
        predicted = model(x).argmax(1)
    cam, cam_pp = grad_cam(model, x, layer=layer), grad_cam_pp(model, x, layer=layer)
    labels = [f"pred {int(c)}" for c in predicted[:8]]
    figs = [(figures.plot_grad_cam(x, cam, img / "grad_cam.png", labels=labels, title=f"Grad-CAM at {layer}"), "Grad-CAM"),
            (figures.plot_grad_cam(x, cam_pp, img / "grad_cam_pp.png", labels=labels, title=f"Grad-CAM++ at {layer}"), "Grad-CAM++")]
    sanity = randomisation_check(model, x, lambda m, v: grad_cam(m, v, layer=layer), seed=seed)
    gen = torch.Generator().manual_seed(seed)
    random_rank = torch.rand(cam.shape, generator=gen)
    curves = {"Grad-CAM deletion": deletion_curve(model, x, cam), "random deletion": deletion_curve(model, x, random_rank),
              "Grad-CAM insertion": insertion_curve(model, x, cam), "random insertion": insertion_curve(model, x, random_rank)}
    areas = {k: float(curve_area(*v).mean()) for k, v in curves.items()}
    figs.append((figures.plot_curves(curves, img / "deletion_insertion.png", title="Deletion and insertion curves"),
                 "Deletion (lower area: the map found what matters) and insertion (higher is better) curves"))
    summary.update(randomisation_rank_correlation=sanity.mean, randomisation_flagged=sanity.flagged, curve_areas=areas)
    verdict = ("FLAGGED: the maps barely change when the weights are re-initialised; do not trust them."
               if sanity.flagged else "passed: the maps change when the weights are re-initialised.")
    return [Section("Grad-CAM and attribution checks", [
        f"Model-randomisation check (Spearman rank correlation of the maps, trained vs re-initialised, "
        f"mean over {len(x)} inputs): {sanity.mean:.3f} — {verdict}"],
        [(["curve", "mean area"], [[k, _fmt(v)] for k, v in areas.items()])], figs)]


def _tree(model: nn.Module, x: Tensor, x_fit: Tensor, layer: str, img: Path, summary: dict[str, Any], seed: int) -> list[Section]:
    tree = fit_filter_tree(model, x_fit, layer=layer, max_depth=6, seed=seed)
    fidelity = tree.fidelity(model, x)
    modes = tree.modes_at(2)
    labels = [f"node {m.node}: n={m.n_examples}, class {m.majority_class} ({m.purity:.0%})" for m in modes]
    fig = figures.plot_tree_modes(np.stack([m.rationale for m in modes]), labels, img / "tree_modes.png",
                                  title="Decision modes at depth 2 (mean filter contributions)")
    one = tree.explain(model, x[:1])
    summary.update(tree_fidelity=fidelity, tree_nodes=len(tree.modes))
    path_rows = [[str(n), str(f), f"{v:.4f}", ("<=" if left else ">") + f" {t:.4f}"] for n, f, t, v, left in one.path]
    return [Section("Decision tree over filter contributions", [
        f"Tree of depth <= 6 fitted on {len(x_fit)} inputs to the model's predictions from normalised "
        f"gradient x activation contributions of the filters of {layer}; fidelity on the {len(x)} explained "
        f"inputs: {fidelity:.3f}. Example 0 (model: class {one.predicted_class}, tree: class {one.tree_class}):"],
        [(["node", "filter", "contribution", "test"], path_rows),
         (["filter", "normalised contribution"], [[str(f), f"{c:.4f}"] for f, c in one.contributions])],
        [(fig, "Decision modes: each row is a node at depth 2 of the tree")])]


def _explainer(model: nn.Module, x: Tensor, x_fit: Tensor, source: str, target: str, img: Path,
               summary: dict[str, Any], steps: int, seed: int) -> list[Section]:
    result = fit_explainer(model, x_fit, source=source, target=target, x_eval=x, steps=steps, seed=seed)
    from anyconv.explain.explainer_net import layer_features

    (f,) = layer_features(model, x[:6], [source])
    with torch.no_grad():
        parts = result.explainer.parts(f)[0]
    fig = figures.plot_explainer(x[:6], parts, result.losses, (result.localisation_before, result.localisation_after),
                                 img / "explainer.png")
    summary["explainer"] = {
        "source": source, "target": target, "explained_share_p": result.explained_share, "r2": result.r2,
        "r2_interpretable": result.r2_interpretable, "loss_first": float(np.mean(result.losses[:10])),
        "loss_last": float(np.mean(result.losses[-10:])),
        "localisation_before": result.localisation_before.tolist(), "localisation_after": result.localisation_after.tolist(),
        "overlap_before": result.overlap_before, "overlap_after": result.overlap_after,
    }
    e = summary["explainer"]
    return [Section("Explainer network", [
        f"Distilled from {source} to {target} on {len(x_fit)} unlabeled inputs ({steps} steps). Explained share p = "
        f"{e['explained_share_p']:.3f}; the explainer reconstructs R² = {e['r2']:.3f} of {target}'s features "
        f"({e['r2_interpretable']:.3f} with the ordinary track held at its mean). Reconstruction loss "
        f"{e['loss_first']:.3f} → {e['loss_last']:.3f}; mean localisation of the part filters "
        f"{np.mean(e['localisation_before']):.3f} at initialisation → {np.mean(e['localisation_after']):.3f}; "
        f"overlap between different part filters {e['overlap_before']:.3f} → {e['overlap_after']:.3f}."],
        [], [(fig, "Part filters: activation maps of each interpretable filter on the first inputs")])]


def _kernels(model: nn.Module, x: Tensor, img: Path, summary: dict[str, Any]) -> list[Section]:
    names = find_kernel_layers(model)[:MAX_KERNEL_LAYERS]
    inputs = layer_inputs(model, x[:2], names)
    figs, stats_rows, stats = [], [], {}
    for name in names:
        module = model.get_submodule(name)
        try:
            views = layer_kernels(module, inputs.get(name), name=name)
        except ValueError as error:
            stats_rows.append([name, "-", "-", "-", "-", "-", str(error)])
            continue
        safe = name.replace(".", "_") or "model"
        figs.append((figures.plot_kernel_views(views, img / f"kernels_{safe}.png", title=f"{name} ({type(module).__name__})"),
                     f"Kernels applied by {name}"))
        if name in inputs:
            family = family_figure(module, inputs[name], img / f"family_{safe}.png", title=f"{name} ({type(module).__name__})")
            if family is not None:
                figs.append((family, f"What the kernel of {name} is made of"))
        static = [v for v in views if not v.per_example]
        if static:
            s = filter_stats(static[-1].weight)
            stats[name] = s.as_dict()
            stats_rows.append([name, str(s.n_filters), _fmt(s.sparsity), _fmt(s.degenerate_share),
                               _fmt(s.variance_entropy), _fmt(s.orthogonality), static[-1].name])
    summary["filter_stats"] = stats
    if stats:
        figs.append((figures.plot_filter_stats(stats, img / "filter_stats.png"), "Filter statistics per layer"))
    head = ["layer", "filters", "sparsity", "degenerate", "variance entropy", "orthogonality", "kernel"]
    return [Section("Kernels and filter statistics", [
        "Kernels as the layers apply them (baked, sampled or returned by their kernel modules); statistics "
        "as CNN Filter DB: sparsity (share of near-zero taps), degenerate filters (all taps near zero), "
        "variance entropy (0: one pattern, 1: spread evenly), orthogonality (1: mutually orthogonal)."],
        [(head, stats_rows)], figs)]
