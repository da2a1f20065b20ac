"""Random-kernel transforms and predictions over a Dask array of cases (``dask.array.map_blocks``).

The fitted transformer (or classifier) is applied to each block of cases where the block
lives: on a ``distributed`` cluster the estimator is pickled to the workers once per
graph, the cases never travel to the client. The cases axis may be chunked freely; the
channel and time axes are brought to one chunk each (a case must be whole to be
transformed). Each case's features do not depend on which other cases share its block,
so the result equals ``transformer.transform(X.compute())`` (tests compare them).

``dask`` is imported lazily: this module needs ``pip install "dask[distributed]"`` only
when used.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

__all__ = ["transform_dask", "predict_dask"]


def _cases(X: Any, name: str) -> Any:
    """``X`` as a 3-D dask array with whole cases per block."""
    import dask.array as da

    if not isinstance(X, da.Array):
        raise ValueError(f"{name} expects a dask.array.Array of cases, got {type(X).__name__}")
    if X.ndim == 2:
        X = X[:, None, :]  # (n_cases, 1, n_timepoints)
    if X.ndim != 3:
        raise ValueError(
            f"{name} expects (n_cases, n_channels, n_timepoints) or (n_cases, n_timepoints), got {X.shape}"
        )
    return X.rechunk({1: -1, 2: -1})


def _transform_block(block: np.ndarray, transformer: Any) -> np.ndarray:
    return transformer.transform(block)


def _predict_block(block: np.ndarray, classifier: Any) -> np.ndarray:
    return classifier.predict(block)


def transform_dask(transformer: Any, X: Any) -> Any:
    """``transformer.transform`` block by block over the cases of a Dask array (lazy).

    Parameters
    ----------
    transformer : fitted BaseRandomKernelTransformer
    X : dask.array.Array

    Returns
    -------
    dask.array.Array of float32, chunked along cases like ``X``.

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)`` ->
        ``(n_cases, n_features_out_)``.
    """
    check_is_fitted(transformer, "n_features_out_")
    X = _cases(X, "transform_dask")
    return X.map_blocks(
        _transform_block,
        transformer,
        dtype=np.float32,
        chunks=(X.chunks[0], (transformer.n_features_out_,)),
        drop_axis=2,
        meta=np.empty((0, 0), dtype=np.float32),
    )


def predict_dask(classifier: Any, X: Any) -> Any:
    """``classifier.predict`` block by block over the cases of a Dask array (lazy).

    Shape:
        X ``(n_cases, n_channels, n_timepoints)`` or ``(n_cases, n_timepoints)`` -> ``(n_cases,)``.
    """
    check_is_fitted(classifier, "classes_")
    X = _cases(X, "predict_dask")
    classes = np.asarray(classifier.classes_)
    return X.map_blocks(
        _predict_block,
        classifier,
        dtype=classes.dtype,
        chunks=(X.chunks[0],),
        drop_axis=(1, 2),
        meta=np.empty((0,), dtype=classes.dtype),
    )
