"""scikit-learn checks waived for the Rocket / LightWaveS estimators, each with its reason."""

from __future__ import annotations

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
