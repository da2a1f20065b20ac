"""scikit-learn checks waived for the Rocket / LightWaveS estimators, each with its reason."""

from __future__ import annotations

from anyconv.timeseries import native

#: Checks every estimator here fails for shared, deliberate input conventions.
COMMON = {
    "check_dtype_object": "object arrays raise TypeError on purpose (no silent coercion of strings)",
    "check_fit2d_predict1d": "1-D input is rejected with a ValueError naming the accepted "
    "2-D/3-D shapes, not sklearn's 'Reshape your data' wording",
    "check_n_features_in_after_fitting": "consistency is checked per channel and timepoint "
    "(check_consistent) with its own message, not sklearn's n_features_in_ wording",
}

#: Extra checks the classifiers fail.
CLASSIFIER = {
    "check_classifiers_train": "sklearn's blobs have 2-3 features, i.e. series of 2-3 timepoints: "
    "too short for convolution features to reach the check's accuracy threshold",
}


#: Waived only where the estimator runs the torch engine (compiled loops not built, or
#: engine="torch"); the native loops compute every case alike, whatever its batch.
TORCH_ENGINE = {
    name: "the torch engine's im2col GEMM may round a case's float32 outputs differently "
    "depending on its row in the batch (~1 ulp, 1e-7 relative), so permuting or subsetting "
    "the cases changes scores at the check's rtol=1e-7; the native engine is exact here"
    for name in ("check_methods_sample_order_invariance", "check_methods_subset_invariance")
}


def engine_waivers(estimator) -> dict[str, str]:
    """:data:`TORCH_ENGINE` when ``estimator`` will transform with the torch engine."""
    engine = estimator.get_params().get("engine", "auto")
    return TORCH_ENGINE if engine == "torch" or (engine == "auto" and not native.available()) else {}
