"""ROCKET kernel views: responses pool to the transformer's own features; importance ranks by head weight."""

from __future__ import annotations

import numpy as np
import pytest

from anyconv.explain.rocket_views import rocket_response, top_rocket_kernels
from anyconv.timeseries import RocketClassifier
from anyconv.timeseries.rocket.estimator import normalise_series


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 1, 60)
    y = np.repeat([0, 1], 20)
    X = rng.normal(scale=0.3, size=(40, 2, 60)) + np.where(y[:, None, None] == 1, np.sin(12 * np.pi * t), 0)
    return RocketClassifier(n_kernels=50, random_state=0, engine="torch").fit(X, y), X.astype(np.float32)


def test_responses_pool_to_the_transformers_features(fitted):
    clf, X = fitted
    views = top_rocket_kernels(clf, X, k=5)
    features = clf.transformer_.transform(X[:3])
    normalised = normalise_series(X[:3])
    for v in views:
        for n in range(3):
            out = rocket_response(normalised[n], v)
            assert np.mean(out > 0) == pytest.approx(features[n, 2 * v.index], abs=1e-6)
            assert out.max() == pytest.approx(features[n, 2 * v.index + 1], rel=1e-4, abs=1e-4)


def test_importance_is_sorted_and_matches_the_head(fitted):
    clf, X = fitted
    views = top_rocket_kernels(clf, X, k=50)
    importance = [v.importance for v in views]
    assert importance == sorted(importance, reverse=True) and len({v.index for v in views}) == 50
    f = clf.transformer_.transform(X)
    i = views[0].index
    expected = (np.abs(clf.head_.weight[2 * i : 2 * i + 2]) * f.std(0)[2 * i : 2 * i + 2, None]).sum()
    assert views[0].importance == pytest.approx(expected)


def test_unfitted_or_other_models_raise(fitted):
    with pytest.raises(ValueError, match="not fitted"):
        top_rocket_kernels(RocketClassifier(), np.zeros((2, 10)))
    with pytest.raises(ValueError, match="expected a fitted RocketClassifier"):
        top_rocket_kernels(object(), np.zeros((2, 10)))
    with pytest.raises(ValueError, match="k must be"):
        top_rocket_kernels(fitted[0], fitted[1], k=0)


def test_rocket_figure(fitted, tmp_path):
    from PIL import Image

    from anyconv.explain.figures import plot_rocket_kernels

    clf, X = fitted
    views = top_rocket_kernels(clf, X, k=3)
    series = normalise_series(X[25:26])[0]
    path = plot_rocket_kernels(series, [rocket_response(series, v) for v in views],
                               [f"kernel {v.index}" for v in views], tmp_path / "rocket.png")
    with Image.open(path) as image:
        assert image.size[0] > 300
