"""LinearHead: a fitted scaler + linear classifier folded into one affine map, vs scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression, RidgeClassifierCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from anyconv.timeseries import LightWaveSClassifier, MiniRocketClassifier
from anyconv.timeseries.linear_head import LinearHead


def _features(n_classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """float32 features with shifted class means and very different column scales."""
    rng = np.random.RandomState(seed)
    y = np.arange(120) % n_classes
    F = rng.randn(120, 30) * rng.uniform(0.01, 50, 30) + y[:, None] * rng.randn(30) + rng.randn(30) * 10
    return F.astype(np.float32), y


HEADS = {
    "variance-ridge": lambda: make_pipeline(StandardScaler(with_mean=False), RidgeClassifierCV(np.logspace(-3, 3, 10))),
    "standard-logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
    "two-scalers-ridge": lambda: make_pipeline(StandardScaler(), StandardScaler(with_mean=False), RidgeClassifierCV()),
    "bare-ridge": lambda: RidgeClassifierCV(),
}


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("head_name", sorted(HEADS))
def test_folded_scores_and_labels_equal_scikit_learn(head_name: str, n_classes: int) -> None:
    F, y = _features(n_classes)
    head = HEADS[head_name]().fit(F[:80], y[:80])
    folded = LinearHead.fold(head)
    expected = head.decision_function(F[80:])
    got = folded.decision_function(F[80:])
    assert got.shape == expected.shape == ((40,) if n_classes == 2 else (40, n_classes))
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
    np.testing.assert_array_equal(folded.predict(F[80:]), head.predict(F[80:]))


def test_string_labels_come_back() -> None:
    F, y = _features(3)
    labels = np.array(["walk", "run", "sit"])[y]
    head = HEADS["variance-ridge"]().fit(F, labels)
    np.testing.assert_array_equal(LinearHead.fold(head).predict(F), head.predict(F))


def test_what_cannot_be_folded_is_refused() -> None:
    F, y = _features(2)
    with pytest.raises(ValueError, match=r"fitted linear classifier.*KNeighborsClassifier"):
        LinearHead.fold(make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(F, y))
    with pytest.raises(ValueError, match=r"only StandardScaler.*MinMaxScaler"):
        LinearHead.fold(make_pipeline(MinMaxScaler(), RidgeClassifierCV()).fit(F, y))
    with pytest.raises(ValueError, match="fitted linear classifier"):
        LinearHead.fold(RidgeClassifierCV())  # not fitted
    folded = LinearHead.fold(HEADS["bare-ridge"]().fit(F, y))
    with pytest.raises(ValueError, match=r"expected features of shape \(n_cases, 30\), got \(4, 29\)"):
        folded.predict(F[:4, :29])


@pytest.mark.parametrize("cls", [MiniRocketClassifier, LightWaveSClassifier])
def test_classifiers_predict_with_the_folded_pipeline(cls: type) -> None:
    rng = np.random.RandomState(3)
    y = np.arange(30) % 3
    X = rng.randn(30, 2, 40) + y[:, None, None] * np.sin(np.arange(40) / (2 + y[:, None, None]))
    params = {"n_kernels": 168} if cls is MiniRocketClassifier else {"n_features": 40}
    clf = cls(random_state=0, **params).fit(X[:20], y[:20])
    np.testing.assert_array_equal(clf.predict(X[20:]), clf.pipeline_.predict(X[20:]))
    np.testing.assert_allclose(
        clf.decision_function(X[20:]), clf.pipeline_.decision_function(X[20:]), rtol=1e-4, atol=1e-4
    )
