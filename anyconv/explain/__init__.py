"""Explaining convolutional networks: Grad-CAM, attribution checks, kernel views, filter statistics,
explainer networks and decision trees over filter contributions (``anyconv explain`` on a saved run)."""

from anyconv.explain.decision_tree import FilterTree, filter_contributions, fit_filter_tree
from anyconv.explain.explainer_net import Explainer, ExplainerResult, fit_explainer
from anyconv.explain.filter_stats import FilterStats, collect_filters, distribution_shift, filter_stats
from anyconv.explain.gradcam import capture, grad_cam, grad_cam_pp, resolve_layer
from anyconv.explain.kernel_views import KernelView, find_kernel_layers, layer_kernels, spectrum
from anyconv.explain.sanity import (
    curve_area,
    deletion_curve,
    insertion_curve,
    randomisation_check,
    rank_correlation,
    reinitialised,
)

__all__ = [
    "Explainer",
    "ExplainerResult",
    "FilterStats",
    "FilterTree",
    "KernelView",
    "capture",
    "collect_filters",
    "curve_area",
    "deletion_curve",
    "distribution_shift",
    "filter_contributions",
    "filter_stats",
    "find_kernel_layers",
    "fit_explainer",
    "fit_filter_tree",
    "grad_cam",
    "grad_cam_pp",
    "insertion_curve",
    "layer_kernels",
    "randomisation_check",
    "rank_correlation",
    "reinitialised",
    "resolve_layer",
    "spectrum",
]
