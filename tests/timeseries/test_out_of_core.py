"""Out-of-core heads: equal to scikit-learn's in-memory ``[StandardScaler] -> RidgeClassifierCV``."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelBinarizer, StandardScaler

from anyconv.timeseries import MiniRocketClassifier
from anyconv.timeseries._classifier import RIDGE_ALPHAS
from anyconv.timeseries.linear_head import LinearHead
from anyconv.timeseries.out_of_core import (
    OutOfCoreRidgeClassifierCV,
    SGDLogisticHead,
    fit_classifier_out_of_core,
)
from anyconv.timeseries.preval import loo_ridge_scores


def _problem(n: int, p: int, n_classes: int, seed: int, offset: float = 0.0):
    rng = np.random.RandomState(seed)
    y = rng.randint(n_classes, size=n)
    y[:n_classes] = np.arange(n_classes)
    F = rng.randn(n, p) * rng.uniform(0.1, 10, size=p) + offset  # (n, p), unequal scales
    F[:, : min(p, 5)] += y[:, None]  # some signal (float64: the reference scales float32 in float32)
    return F, np.asarray([f"c{k}" for k in y])


def _reference(F, y, scaling, class_weight):
    steps = [] if scaling == "none" else [("scale", StandardScaler(with_mean=scaling == "standard"))]
    ridge = RidgeClassifierCV(alphas=RIDGE_ALPHAS, class_weight=class_weight)
    return Pipeline([*steps, ("classify", ridge)]).fit(F, y)


@pytest.mark.parametrize(
    ("n", "p", "n_classes", "scaling", "class_weight", "offset"),
    [
        (60, 12, 2, "variance", None, 0.0),  # n > p: scikit-learn's covariance mode
        (30, 50, 3, "standard", None, 0.0),  # n < p: its gram mode
        (45, 20, 3, "variance", "balanced", 0.0),
        (40, 15, 2, "none", None, 0.0),
        (50, 10, 4, "standard", None, 1e6),  # large means: the shift keeps centring exact
    ],
)
def test_ridge_equals_ridge_classifier_cv(n, p, n_classes, scaling, class_weight, offset) -> None:
    F, y = _problem(n, p, n_classes, seed=n + p, offset=offset)
    ref = _reference(F, y, scaling, class_weight)
    ooc = OutOfCoreRidgeClassifierCV(alphas=RIDGE_ALPHAS, scaling=scaling, class_weight=class_weight)
    ooc.fit(F, y, chunk_size=7)  # uneven chunks, the last one short
    assert ooc.alpha_ == ref[-1].alpha_
    np.testing.assert_allclose(ooc.best_score_, ref[-1].best_score_, rtol=1e-8)
    mine, theirs = LinearHead.fold(ooc.head()), LinearHead.fold(ref)
    scale = np.abs(theirs.weight).max()
    np.testing.assert_allclose(mine.weight, theirs.weight, rtol=1e-7, atol=1e-9 * scale)
    np.testing.assert_allclose(mine.bias, theirs.bias, rtol=1e-7, atol=1e-7 * np.abs(theirs.bias).max())
    np.testing.assert_array_equal(ooc.head().predict(F), ref.predict(F))
    # leave-one-out scores: the in-memory closed form on the scaled features
    Z = ref[:-1].transform(F) if len(ref) > 1 else F
    Y = LabelBinarizer(pos_label=1, neg_label=-1).fit_transform(y)
    w = ooc.sample_weight_ if class_weight else None
    np.testing.assert_allclose(ooc.loo_scores_, loo_ridge_scores(Z, Y, ooc.alpha_, w), rtol=1e-6, atol=1e-8)


def test_chunking_does_not_change_the_result() -> None:
    F, y = _problem(40, 8, 3, seed=3)
    one = OutOfCoreRidgeClassifierCV().fit(F, y, chunk_size=40)
    many = OutOfCoreRidgeClassifierCV().fit(F, y, chunk_size=1)
    np.testing.assert_allclose(many.coef_, one.coef_, rtol=1e-9, atol=1e-12)


def test_chunks_must_cover_the_labels() -> None:
    F, y = _problem(20, 4, 2, seed=0)
    with pytest.raises(ValueError, match="hold 10 cases but y has 20"):
        OutOfCoreRidgeClassifierCV().fit_chunks(lambda: [F[:10]], y)
    with pytest.raises(ValueError, match="more cases than y"):
        OutOfCoreRidgeClassifierCV().fit_chunks(lambda: [F, F], y)
    with pytest.raises(ValueError, match="scaling must be"):
        OutOfCoreRidgeClassifierCV(scaling="max").fit(F, y)


def test_classifier_out_of_core_equals_fit(tmp_path) -> None:
    rng = np.random.RandomState(0)
    y = np.arange(36) % 3
    X = np.cumsum(rng.randn(36, 1, 40), axis=-1) + y[:, None, None] * np.sin(np.arange(40) / (2 + y[:, None, None]))
    ref = MiniRocketClassifier(n_kernels=84, random_state=0).fit(X, y)
    # exact reference: the same head on the features in float64 (``fit`` scales the
    # float32 features in float32, which moves the ridge's weights by ~1e-5 relative)
    F = ref.transformer_.transform(X).astype(np.float64)
    exact = LinearHead.fold(ref.make_head(len(y)).fit(F, y))
    for cache in (None, str(tmp_path)):
        clf = MiniRocketClassifier(n_kernels=84, random_state=0)
        fit_classifier_out_of_core(clf, X, y, chunk_size=10, cache_dir=cache)
        np.testing.assert_allclose(clf.head_.weight, exact.weight, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(clf.head_.bias, exact.bias, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(clf.head_.weight, ref.head_.weight, rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(clf.temperature_, ref.temperature_, rtol=1e-4)
        np.testing.assert_array_equal(clf.predict(X), ref.predict(X))
        np.testing.assert_allclose(clf.predict_proba(X), ref.predict_proba(X), atol=1e-6)
    assert list(tmp_path.iterdir()) == []  # the feature cache is removed


def test_sgd_logistic_head_learns() -> None:
    rng = np.random.RandomState(5)
    y = np.arange(400) % 3
    F = rng.randn(400, 10) + 3.0 * np.eye(3, 10)[y]  # (400, 10): class k shifts feature k
    chunks = lambda: (F[i : i + 64] for i in range(0, 400, 64))  # noqa: E731
    head = SGDLogisticHead(epochs=8).fit_chunks(chunks, y).head()
    reference = Pipeline([("s", StandardScaler()), ("l", LogisticRegression(max_iter=1000))]).fit(F, y)
    acc, ref_acc = (np.mean(m.predict(F) == y) for m in (head, reference))
    assert ref_acc > 0.8 and acc >= ref_acc - 0.05
    proba = head.predict_proba(F)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)
    with pytest.raises(ValueError, match="epochs must be"):
        SGDLogisticHead(epochs=0).fit_chunks(chunks, y)
