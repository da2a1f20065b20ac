"""scikit-learn estimator checks for the Rocket / MiniRocket / MultiRocket regressors.

As for the classifiers (``test_sklearn_checks_minirocket.py``): checks whose data
are 2-D with a handful of columns (series shorter than the 9 / 10 timepoints the
MiniRocket kernels need) are waived for MiniRocket/MultiRocket with the reason below
*and* run again on a pipeline that zero-pads short inputs to 16 timepoints, so what
they test is still exercised. Every waiver names its reason.
"""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from anyconv.timeseries import MiniRocketRegressor, MultiRocketRegressor, RocketRegressor
from tests.timeseries._waivers import COMMON, engine_waivers

ESTIMATORS = [
    RocketRegressor(n_kernels=50, random_state=0),
    MiniRocketRegressor(n_kernels=84, random_state=0),
    MultiRocketRegressor(n_kernels=84, random_state=0),
]

_SHORT = (
    "the check's data has fewer columns (timepoints) than the kernels need (9, or 10 "
    "for MultiRocket); we raise ValueError naming n_timepoints and pad_series. The "
    "same check runs on the zero-padding pipeline below"
)
_SHORT_NAMES = [
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_estimators_dtypes",
    "check_estimators_fit_returns_self", "check_estimators_nan_inf",
    "check_estimators_overwrite_params", "check_estimators_pickle",
    "check_f_contiguous_array_estimator", "check_fit2d_predict1d", "check_fit_check_is_fitted",
    "check_fit_idempotent", "check_fit_score_takes_y", "check_methods_sample_order_invariance",
    "check_methods_subset_invariance", "check_n_features_in", "check_n_features_in_after_fitting",
    "check_pipeline_consistency", "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input", "check_regressors_no_decision_function",
    "check_supervised_y_2d", "check_requires_y_none",
]
_TRAIN = (
    "the check expects R^2 > 0.5 on its 10-column data; zero-padded to 16 columns, "
    "MiniRocket's 84 PPV features of mostly-zero series do not reach it (unpadded they do: "
    "the check passes above); learning is tested in test_regressors.py (sine frequency, Covid3Month)"
)
_MULTIOUTPUT = "single-target regressors: y must be 1-D (ValueError names the shape), as aeon's"


def _expected_failed_checks(estimator) -> dict[str, str]:
    waived = {"check_regressor_multioutput": _MULTIOUTPUT}
    if not isinstance(estimator, RocketRegressor):
        waived = {name: _SHORT for name in _SHORT_NAMES} | waived
    return {**waived, **COMMON, **engine_waivers(estimator)}


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
    "estimators' parameters are checked unchanged by fit in the unpadded checks (Rocket)"
)
_PAD_HIDES = (
    "the padding helper makes inputs of different widths the same width, hiding the "
    "mismatch this check provokes; our mismatch errors are tested in test_regressors.py"
)

# MiniRocket only: MultiRocketRegressor shares every line of the regressor base, and its
# unpadded checks above already run on the check data with >= 10 columns (test-time budget)
PADDED = [make_pipeline(FunctionTransformer(_pad_to_16), ESTIMATORS[1])]


def _expected_failed_padded(pipeline) -> dict[str, str]:
    return engine_waivers(pipeline) | {
        "check_dtype_object": COMMON["check_dtype_object"],
        "check_dont_overwrite_parameters": _PIPE_MUTATES,
        "check_estimators_overwrite_params": _PIPE_MUTATES,
        "check_n_features_in_after_fitting": _PAD_HIDES,
        "check_fit2d_predict1d": COMMON["check_fit2d_predict1d"],
        "check_regressor_multioutput": _MULTIOUTPUT,
    } | ({"check_regressors_train": _TRAIN} if isinstance(pipeline[-1], MiniRocketRegressor) else {})


@parametrize_with_checks(PADDED, expected_failed_checks=_expected_failed_padded)
def test_sklearn_compatible_padded(estimator, check) -> None:
    check(estimator)
