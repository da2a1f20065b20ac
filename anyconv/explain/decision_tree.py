"""A decision tree over filter contributions (Zhang et al., *Interpreting CNNs via Decision Trees*, CVPR 2019).

For a top conv layer with activations ``A`` ``(B, C, *S)`` and the score ``y`` of the class the
model predicts, filter ``c`` contributes ``Σ_S (∂y/∂A_c ⊙ A_c)`` (gradient × activation; for a
global-average-pool + linear head this is exactly ``W[y, c] · mean_S A_c``). The per-example
contribution vectors, L1-normalised (the paper's rationale vectors), are fitted by a
scikit-learn decision tree to the model's *predictions*; each node is a **decision mode** — the
examples routed there and their mean rationale — coarse near the root, fine near the leaves.
:meth:`FilterTree.fidelity` is the share of held-out examples where the tree agrees with the
model; :meth:`FilterTree.explain` gives one example's path and its top contributing filters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from anyconv.explain.gradcam import capture, resolve_layer, target_scores

__all__ = ["DecisionMode", "ExampleExplanation", "FilterTree", "filter_contributions", "fit_filter_tree"]


def filter_contributions(
    model: nn.Module, x: Tensor, *, layer: nn.Module | str, target: int | Tensor | None = None
) -> tuple[Tensor, Tensor]:
    """Gradient × activation contribution of each of ``layer``'s channels to the target (default:
    predicted) class score, and the class ids.

    Shape:
        x: ``(B, ...)`` → contributions ``(B, C)``, classes ``(B,)``
    """
    module = resolve_layer(model, layer)
    x = x.detach().clone().requires_grad_(x.is_floating_point())
    with torch.enable_grad(), capture(module) as record:
        logits = model(x)
    if record.output is None or record.output.ndim < 2:
        raise ValueError(f"layer {type(module).__name__} gave no (B, C, ...) output in the model's forward")
    score, classes = target_scores(logits, target)
    (grad,) = torch.autograd.grad(score.sum(), record.output)
    act = record.output.detach()
    return (grad * act).flatten(2).sum(-1) if act.ndim > 2 else grad * act, classes  # (B, C), (B,)


@dataclass(frozen=True)
class DecisionMode:
    """One node of the tree: how many examples reach it, their majority class, mean rationale."""

    node: int
    depth: int
    n_examples: int
    majority_class: int
    purity: float  # share of the node's examples predicted as the majority class
    rationale: np.ndarray  # (C,) mean normalised contribution of each filter
    is_leaf: bool

    def top_filters(self, k: int = 5) -> list[tuple[int, float]]:
        order = np.argsort(-np.abs(self.rationale))[:k]
        return [(int(i), float(self.rationale[i])) for i in order]


@dataclass(frozen=True)
class ExampleExplanation:
    """One example: its predicted class, the tree's decision path and its top contributing filters."""

    predicted_class: int
    tree_class: int
    path: list[tuple[int, int, float, float, bool]]  # (node, filter, threshold, value, went_left)
    contributions: list[tuple[int, float]]  # (filter, normalised contribution), largest |·| first


def _normalise(contrib: Tensor) -> np.ndarray:
    c = contrib.detach().double().cpu().numpy()
    return c / np.maximum(np.abs(c).sum(1, keepdims=True), 1e-12)  # (B, C) rows with unit L1 norm


class FilterTree:
    """A fitted decision tree over normalised filter contributions (see the module docstring)."""

    def __init__(self, tree: object, layer: nn.Module | str, rationales: np.ndarray, classes: np.ndarray) -> None:
        self.tree = tree
        self.layer = layer
        nodes = tree.apply(rationales)  # type: ignore[attr-defined]
        t = tree.tree_  # type: ignore[attr-defined]
        depth = np.zeros(t.node_count, dtype=int)
        for n in range(t.node_count):
            for child in (t.children_left[n], t.children_right[n]):
                if child >= 0:
                    depth[child] = depth[n] + 1
        paths = tree.decision_path(rationales).toarray().astype(bool)  # type: ignore[attr-defined]  # (B, nodes)
        self.modes: list[DecisionMode] = []
        for n in range(t.node_count):
            members = paths[:, n]
            counts = np.bincount(classes[members], minlength=1)
            self.modes.append(DecisionMode(
                n, int(depth[n]), int(members.sum()), int(counts.argmax()), float(counts.max() / max(members.sum(), 1)),
                rationales[members].mean(0), bool(t.children_left[n] < 0),
            ))
        del nodes

    def modes_at(self, depth: int) -> list[DecisionMode]:
        """The decision modes at ``depth`` (leaves above it included): the tree cut at that depth."""
        return [m for m in self.modes if m.depth == depth or (m.is_leaf and m.depth < depth)]

    def predict(self, model: nn.Module, x: Tensor) -> tuple[np.ndarray, np.ndarray]:
        """The tree's classes and the model's predicted classes for ``x``."""
        contrib, classes = filter_contributions(model, x, layer=self.layer)
        return self.tree.predict(_normalise(contrib)), classes.cpu().numpy()  # type: ignore[attr-defined]

    def fidelity(self, model: nn.Module, x: Tensor) -> float:
        """Share of ``x`` on which the tree's class equals the model's prediction."""
        tree_classes, model_classes = self.predict(model, x)
        return float((tree_classes == model_classes).mean())

    def explain(self, model: nn.Module, x: Tensor, k: int = 5) -> ExampleExplanation:
        """Path and top-``k`` contributing filters of one example ``x`` ``(1, ...)``."""
        if x.shape[0] != 1:
            raise ValueError(f"explain takes one example (1, ...), got a batch of {x.shape[0]}")
        contrib, classes = filter_contributions(model, x, layer=self.layer)
        r = _normalise(contrib)  # (1, C)
        t = self.tree.tree_  # type: ignore[attr-defined]
        nodes = self.tree.decision_path(r).indices  # type: ignore[attr-defined]
        path = []
        for n in nodes:
            if t.children_left[n] >= 0:
                f, thr = int(t.feature[n]), float(t.threshold[n])
                path.append((int(n), f, thr, float(r[0, f]), bool(r[0, f] <= thr)))
        order = np.argsort(-np.abs(r[0]))[:k]
        return ExampleExplanation(int(classes[0]), int(self.tree.predict(r)[0]), path,  # type: ignore[attr-defined]
                                  [(int(i), float(r[0, i])) for i in order])


def fit_filter_tree(
    model: nn.Module, x: Tensor, *, layer: nn.Module | str, max_depth: int | None = 6, min_samples_leaf: int = 5,
    seed: int = 0,
) -> FilterTree:
    """Fit a :class:`FilterTree` on ``x`` (the model's own predictions are the labels).

    Shape:
        x: ``(N, ...)`` model inputs
    """
    from sklearn.tree import DecisionTreeClassifier

    if max_depth is not None and max_depth < 1:
        raise ValueError(f"max_depth must be >= 1 or None, got {max_depth}")
    contrib, classes = filter_contributions(model, x, layer=layer)
    rationales, labels = _normalise(contrib), classes.cpu().numpy()
    tree = DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf, random_state=seed)
    tree.fit(rationales, labels)
    return FilterTree(tree, layer, rationales, labels)
