"""scikit-learn estimator checks for the MiniRocket family (small n_kernels).

Most scikit-learn checks feed 2-D data with 2-5 columns, i.e. series shorter
than the 9 (MultiRocket: 10) timepoints the kernels need; our estimators reject
those with a ValueError that names ``n_timepoints`` and ``pad_series``. Those
checks are waived below *and* run a second time on a pipeline that zero-pads
short inputs to 16 timepoints first, so every property they test (pickling,
idempotence, dtypes, NaN handling, subset/order invariance, n_features_in_,
...) is still exercised on our estimators.
"""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from anyconv.timeseries import (
    HDCMiniRocket,
    HDCMiniRocketClassifier,
    MiniRocket,
    MiniRocketClassifier,
    MultiRocket,
    MultiRocketClassifier,
)
from tests.timeseries._waivers import engine_waivers

ESTIMATORS = [
    MiniRocket(n_kernels=84, random_state=0),
    MultiRocket(n_kernels=84, random_state=0),
    HDCMiniRocket(n_kernels=84, random_state=0),
    MiniRocketClassifier(n_kernels=84, random_state=0),
    MultiRocketClassifier(n_kernels=84, random_state=0),
    HDCMiniRocketClassifier(n_kernels=84, random_state=0),
]

_OBJECT = (
    "object arrays are rejected with TypeError on purpose: inputs must be float or "
    "integer arrays, nothing is coerced silently (anyconv.timeseries._validation)"
)
_SHORT = (
    "the check's data has fewer columns (timepoints) than the kernels need (9, or 10 "
    "for MultiRocket); we raise ValueError naming n_timepoints and pad_series. The "
    "same check runs on the zero-padding pipeline below"
)
_SHORT_BOTH = [
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_estimators_dtypes",
    "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_predict1d", "check_fit_check_is_fitted",
    "check_fit_idempotent", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
    "check_pipeline_consistency", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
]
_SHORT_TRANSFORMER = [
    "check_transformer_data_not_an_array", "check_transformer_general",
    "check_transformer_preserve_dtypes",
]
_SHORT_CLASSIFIER = [
    "check_class_weight_classifiers", "check_classifier_data_not_an_array",
    "check_decision_proba_consistency",
    "check_classifiers_classes", "check_classifiers_train", "check_supervised_y_2d",
]


def _expected_failed_checks(estimator) -> dict[str, str]:
    names = _SHORT_BOTH + (
        _SHORT_CLASSIFIER if hasattr(estimator, "predict") else _SHORT_TRANSFORMER
    )
    waived = {name: _SHORT for name in names}
    waived["check_dtype_object"] = _OBJECT
    return {**waived, **engine_waivers(estimator)}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check) -> None:
    check(estimator)


def _pad_to_16(X):
    """Zero-pad numeric 2-D input to 16 columns (test helper); anything else unchanged."""
    if hasattr(X, "tocsr") or hasattr(X, "todense"):
        return X
    arr = np.asarray(X)
    if arr.ndim == 2 and arr.dtype.kind in "fiu" and 0 < arr.shape[1] < 16:
        return np.pad(arr, ((0, 0), (0, 16 - arr.shape[1])))
    return X


_PIPE_MUTATES = (
    "sklearn's Pipeline fits its step objects in place (a Pipeline property); our "
    "estimators' parameters are checked unchanged by fit in test_minirocket.py"
)
_PAD_HIDES = (
    "the padding helper makes inputs of different widths the same width, hiding the "
    "mismatch this check provokes; our mismatch errors are tested in test_minirocket.py"
)

PADDED = [make_pipeline(FunctionTransformer(_pad_to_16), est) for est in ESTIMATORS]


def _expected_failed_padded(pipeline) -> dict[str, str]:
    return engine_waivers(pipeline) | {
        "check_dtype_object": _OBJECT,
        "check_dont_overwrite_parameters": _PIPE_MUTATES,
        "check_estimators_overwrite_params": _PIPE_MUTATES,
        "check_n_features_in_after_fitting": _PAD_HIDES,
        "check_transformer_general": _PAD_HIDES,
        "check_fit2d_predict1d": (
            "1-D input reaches our estimator, whose ValueError explains the accepted "
            "shapes instead of scikit-learn's 'Reshape your data' wording (tested in "
            "test_validation.py)"
        ),
    }


@parametrize_with_checks(PADDED, expected_failed_checks=_expected_failed_padded)
def test_sklearn_compatible_padded(estimator, check) -> None:
    check(estimator)
