"""Explaining convolutional networks: Grad-CAM, attribution checks, kernel views, filter statistics,
explainer networks and decision trees over filter contributions (``anyconv explain`` on a saved run)."""

from anyconv.explain.filter_stats import FilterStats, collect_filters, distribution_shift, filter_stats
from anyconv.explain.gradcam import capture, grad_cam, grad_cam_pp, resolve_layer
from anyconv.explain.sanity import (
    curve_area,
    deletion_curve,
    insertion_curve,
    randomisation_check,
    rank_correlation,
    reinitialised,
)

__all__ = [
    "FilterStats",
    "capture",
    "collect_filters",
    "curve_area",
    "deletion_curve",
    "distribution_shift",
    "filter_stats",
    "grad_cam",
    "grad_cam_pp",
    "insertion_curve",
    "randomisation_check",
    "rank_correlation",
    "reinitialised",
    "resolve_layer",
]
