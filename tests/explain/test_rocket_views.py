"""ROCKET kernel views: responses pool to the transformer's own features; importance ranks by head weight."""

from __future__ import annotations

import numpy as np
import pytest

from anyconv.explain.rocket_views import response_positions, rocket_response, top_rocket_kernels
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


# ---- MiniRocket / MultiRocket: one view per (representation, dilation, kernel) ----


@pytest.fixture(scope="module")
def gunpoint():
    from anyconv.data.timeseries_datasets import load_ucr

    X, y = load_ucr("GunPoint", split="train")
    Xt, _ = load_ucr("GunPoint", split="test")
    return X, y, Xt[:4]


@pytest.fixture(scope="module", params=["mini", "multi"])
def family_fitted(request, gunpoint):
    from anyconv.timeseries import MiniRocketClassifier, MultiRocketClassifier

    X, y, Xt = gunpoint
    cls = MiniRocketClassifier if request.param == "mini" else MultiRocketClassifier
    return cls(n_kernels=840, random_state=0).fit(X, y), X, Xt


def _brute_force_importance(clf, X):
    """Per (representation, dilation, kernel): Σ over its columns of |W|·std, walking the reference order."""
    from anyconv.timeseries.minirocket.multirocket import MultiRocket

    tr = clf.transformer_
    f = tr.transform(X)
    per_feature = (np.abs(clf.head_.weight) * f.std(0)[:, None]).sum(1)
    multi = isinstance(tr, MultiRocket)
    banks = [("series", tr.bank_), ("diff", tr.bank_diff_)] if multi else [("series", tr.bank_)]
    out, column = {}, 0
    for representation, bank in banks:
        block_start = column
        for j, d in enumerate(bank.dilations):
            for kernel in range(84):
                for _ in range(int(bank.n_features_per_dilation[j])):
                    key = (representation, int(d), kernel)
                    for pooling in range(4 if multi else 1):  # PPV | LSPV | MPV | MIPV blocks
                        out[key] = out.get(key, 0.0) + per_feature[column + pooling * bank.n_features]
                    column += 1
        column = block_start + (4 if multi else 1) * bank.n_features
    assert column == f.shape[1]
    return out


def test_family_importance_equals_brute_force(family_fitted):
    clf, X, _ = family_fitted
    views = top_rocket_kernels(clf, X, k=10**6)
    expected = _brute_force_importance(clf, X)
    assert len(views) == len(expected)
    got = {(v.representation, v.dilation, v.index): v.importance for v in views}
    assert got.keys() == expected.keys()
    np.testing.assert_allclose([got[key] for key in expected], list(expected.values()), rtol=1e-10)
    ranked = sorted(expected, key=lambda key: -expected[key])
    assert [(v.representation, v.dilation, v.index) for v in views[:10]] == ranked[:10]
    assert [v.importance for v in top_rocket_kernels(clf, X, k=3)] == [v.importance for v in views[:3]]


def test_family_responses_pool_to_the_transformers_ppv(family_fitted):
    # GunPoint test cases: the float64 responses thresholded at each bias give the transformer's
    # float32 PPV exactly, except where a response lies within float32 rounding of a bias (the
    # transformer sums in float32, in aeon's order: there rounding decides the comparison, so
    # the PPV may be any count between "strictly above b + tol" and "above b - tol")
    clf, X, Xt = family_fitted
    views = top_rocket_kernels(clf, X, k=10**6)
    features = clf.transformer_.transform(Xt)
    multi = views[0].columns.shape[0] == 4
    assert {v.representation for v in views} == ({"series", "diff"} if multi else {"series"})
    assert {v.padding == 0 for v in views} == {True, False}
    n_near = 0
    for n in range(len(Xt)):
        low, high = np.zeros(features.shape[1]), np.zeros(features.shape[1])
        covered = np.zeros(features.shape[1], dtype=bool)
        for v in views:
            r = rocket_response(Xt[n], v)
            assert r.shape == response_positions(v, Xt.shape[-1]).shape
            tol = 1e-5 * np.maximum(1.0, np.abs(v.biases))[None]  # (1, nf): float32 rounding of a 9-term sum
            low[v.columns[0]] = (r[:, None] > v.biases[None] + tol).mean(0)
            high[v.columns[0]] = (r[:, None] > v.biases[None] - tol).mean(0)
            covered[v.columns[0]] = True
        exact = covered & (low == high)
        n_near += int((covered & (low != high)).sum())
        np.testing.assert_array_equal(low[exact].astype(np.float32), features[n, exact])  # count / L in float32
        band = covered & ~exact
        assert np.all((features[n, band] >= low[band].astype(np.float32)) & (features[n, band] <= high[band].astype(np.float32)))
    assert n_near < 0.01 * len(Xt) * int(covered.sum())  # near-ties are rare: the exact check covers the rest
    ppv_columns = np.concatenate([v.columns[0] for v in views])
    n_ppv = features.shape[1] // 4 if multi else features.shape[1]  # MultiRocket: 2 of its 8 blocks
    assert len(np.unique(ppv_columns)) == len(ppv_columns) == n_ppv


def test_multirocket_other_poolings_from_the_responses(family_fitted):
    from anyconv.timeseries.minirocket.reference import reference_pooling

    clf, X, Xt = family_fitted
    views = top_rocket_kernels(clf, X, k=40)
    if views[0].columns.shape[0] == 1:
        pytest.skip("MiniRocket has PPV only")
    features = clf.transformer_.transform(Xt[:2])
    for v in views:
        for n in range(2):
            r = rocket_response(Xt[n], v)
            for b, bias in enumerate(v.biases):  # LSPV, MIPV exact; MPV a float32 mean
                np.testing.assert_allclose(reference_pooling(r, float(bias)), features[n, v.columns[:, b]],
                                           rtol=1e-5, atol=1e-5)


def test_multivariate_multirocket_channels():
    # BasicMotions (6 channels): views sum 1..6 channels; the difference views use the base series'
    # channel combinations (the reference quirk). On these 4 training cases every PPV column is exact;
    # a bias that an output ties within float32 rounding could flip one count (1 of 6 720 columns on
    # BasicMotions' test split), which is why GunPoint carries the full check above.
    from anyconv.data.timeseries_datasets import load_ucr
    from anyconv.timeseries import MultiRocketClassifier

    X, y = load_ucr("BasicMotions", split="train")
    clf = MultiRocketClassifier(n_kernels=84, random_state=1).fit(X, y)
    views = top_rocket_kernels(clf, X, k=10**6)
    assert max(len(v.channels) for v in views) > 1
    features = clf.transformer_.transform(X[:4])
    for v in views:
        for n in range(4):
            ppv = (rocket_response(X[n], v)[:, None] > v.biases[None]).mean(0).astype(np.float32)
            np.testing.assert_array_equal(ppv, features[n, v.columns[0]])


def test_unfitted_family_or_hdc_raise(gunpoint):
    from anyconv.timeseries import HDCMiniRocketClassifier, MiniRocketClassifier, MultiRocketClassifier

    for cls in (MiniRocketClassifier, MultiRocketClassifier):
        with pytest.raises(ValueError, match="not fitted"):
            top_rocket_kernels(cls(), np.zeros((2, 20)))
    X, y, _ = gunpoint
    hdc = HDCMiniRocketClassifier(n_kernels=84, random_state=0).fit(X[:10], y[:10])  # time-weighted, not PPV
    with pytest.raises(ValueError, match="expected a fitted"):
        top_rocket_kernels(hdc, X[:10])


def test_family_figure(family_fitted, tmp_path):
    from PIL import Image

    from anyconv.explain.figures import plot_rocket_kernels

    clf, X, Xt = family_fitted
    views = top_rocket_kernels(clf, X, k=3)
    series = Xt[0]
    path = plot_rocket_kernels(series, [rocket_response(series, v) for v in views],
                               [f"k{v.index} d{v.dilation} {v.representation}" for v in views], tmp_path / "r.png",
                               positions=[response_positions(v, series.shape[-1]) for v in views],
                               thresholds=[v.biases for v in views])
    with Image.open(path) as image:
        assert image.size[0] > 300
