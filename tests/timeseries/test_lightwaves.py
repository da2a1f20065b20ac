"""LightWaveS / LightWaveSClassifier: kernels, engine vs reference, selection, estimator contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError
from sklearn.feature_selection import f_classif
from sklearn.utils.estimator_checks import parametrize_with_checks

from anyconv.timeseries import LightWaveS, LightWaveSClassifier
from anyconv.timeseries.lightwaves.engine import apply_lightwaves, lightwaves_channel_features
from anyconv.timeseries.lightwaves.kernels import LightWaveSKernels, candidate_kernels, unravel_features
from anyconv.timeseries.lightwaves.reference import apply_lightwaves_reference
from anyconv.timeseries.lightwaves.select import anova_scores, merge_top_k, mrmr_select
from tests.timeseries._waivers import CLASSIFIER, COMMON, engine_waivers


def _waived(est):
    return {**COMMON, **(CLASSIFIER if isinstance(est, LightWaveSClassifier) else {}), **engine_waivers(est)}


@parametrize_with_checks(
    [LightWaveS(n_features=8, random_state=0), LightWaveSClassifier(n_features=8, random_state=0)],
    expected_failed_checks=_waived,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _labelled(n=24, c=3, length=30, seed=0):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 2
    X = rng.randn(n, c, length)
    X[y == 1, 1] += np.sin(np.linspace(0, 6, length))  # class signal in channel 1 only
    return X, y


def test_candidate_kernels_are_minirockets_in_reference_order():
    k = candidate_kernels()
    assert k.shape == (84, 9) and len({tuple(r) for r in k}) == 84
    assert np.all((k == 2).sum(1) == 3) and np.all(k.sum(1) == 0)
    sympy = pytest.importorskip("sympy")
    ref = [list(p) for p in sympy.utilities.iterables.multiset_permutations([2] * 3 + [-1] * 6)]
    np.testing.assert_array_equal(k, np.asarray(ref, dtype=np.float32))


def test_feature_id_layout_round_trips():
    ids = np.array([0, 7, 8, 4031, 4032, 3 * 4032 + 5 * 48 + 2 * 8 + 6])
    ckdf = unravel_features(ids)
    np.testing.assert_array_equal(ckdf[-1], [3, 5, 2, 6])
    bank = LightWaveSKernels.from_feature_ids(ids[::-1])
    np.testing.assert_array_equal(bank.feature_ids(), np.sort(ids))


@pytest.mark.parametrize("length", [37, 40])  # odd length: layer 2 keeps L // 2 values
def test_engine_equals_numpy_reference(length):
    X = np.random.RandomState(1).randn(3, 2, length)
    ids = np.random.RandomState(2).choice(2 * 4032, 80, replace=False)
    bank = LightWaveSKernels.from_feature_ids(ids)
    ref = apply_lightwaves_reference(X, bank)
    np.testing.assert_allclose(apply_lightwaves(X, bank, batch_size=2, dtype=torch.float64), ref, rtol=1e-6, atol=1e-6)
    # float32 (default): same tolerance documented for Rocket; stretch/PPV counts may
    # differ only where an output is within rounding of zero
    f32 = apply_lightwaves(X, bank)
    close = np.isclose(f32, ref, rtol=1e-4, atol=1e-4)
    assert close.mean() >= 0.995


def test_full_grid_equals_reference_and_stretch_quirk():
    X = np.random.RandomState(3).randn(2, 1, 29)
    full = lightwaves_channel_features(torch.as_tensor(X[:, 0])).numpy()
    ref = apply_lightwaves_reference(X, LightWaveSKernels.from_feature_ids(np.arange(4032)))
    np.testing.assert_allclose(full, ref, atol=1e-12)
    # a positive stretch running to the end is not counted (as the reference code)
    ramp = np.arange(12.0)[None, None]
    feats = apply_lightwaves(ramp, LightWaveSKernels.from_feature_ids(np.arange(8)), dtype=torch.float64)
    np.testing.assert_allclose(feats[0, :4], apply_lightwaves_reference(ramp, LightWaveSKernels.from_feature_ids(np.arange(4)))[0])


def test_anova_blocks_merge_like_one_pass():
    rng = np.random.RandomState(0)
    F, y = rng.randn(30, 200), np.arange(30) % 3
    F[:, 5] = 1.0  # constant: never selected
    ids = np.arange(200)
    one = merge_top_k(ids, anova_scores(F, y), 25)[0]
    a = merge_top_k(ids[:90], anova_scores(F[:, :90], y), 25)
    b = merge_top_k(ids[90:], anova_scores(F[:, 90:], y), 25)
    two = merge_top_k(np.r_[a[0], b[0]], np.r_[a[1], b[1]], 25)[0]
    np.testing.assert_array_equal(one, two)
    assert 5 not in one


def test_mrmr_follows_the_reference_greedy_rule():
    rng = np.random.RandomState(1)
    y = np.arange(40) % 2
    F = rng.randn(40, 30) + y[:, None] * rng.rand(30)
    F[:, 7] = F[:, 3] * 2 + 1e-9 * rng.randn(40)  # near-duplicate of a strong feature
    got = mrmr_select(F, y, 6)
    # literal transcription of mrmr_feature_selection (all columns vary here)
    scores = f_classif(F, y)[0]
    sel = [int(np.argmax(scores))]
    corr_sum = np.abs(np.corrcoef(F.T)[sel[0]])
    for i in range(5):
        adj = scores * ~np.isin(np.arange(30), sel) / (corr_sum / (i + 1))
        sel.append(int(np.argmax(adj)))
        corr_sum = corr_sum + np.abs(np.corrcoef(F.T)[sel[-1]])
    np.testing.assert_array_equal(got, np.sort(sel))
    assert not {3, 7} <= set(got.tolist())


def test_fit_selects_features_kernels_and_channels():
    X, y = _labelled()
    est = LightWaveS(n_features=20, random_state=0).fit(X, y)
    assert est.n_features_out_ == 20 and est.kernels_.n_kernels <= 20
    assert 1 in est.channels_.tolist()
    Xs = ((X - est.mean_[:, None]) / est.std_[:, None]).astype(np.float32)
    np.testing.assert_allclose(est.transform(X), apply_lightwaves_reference(Xs, est.kernels_), rtol=1e-4, atol=1e-4)
    # inference reads only the selected channels
    X2 = X.copy()
    for c in set(range(3)) - set(est.channels_.tolist()):
        X2[:, c] = 1e6
    np.testing.assert_array_equal(est.transform(X2), est.transform(X))


def test_determinism_and_case_sampling():
    X, y = _labelled(n=40)
    a = LightWaveS(n_features=10, max_cases=20, random_state=1).fit(X, y)
    b = LightWaveS(n_features=10, max_cases=20, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.kernels_.feature_ids(), b.kernels_.feature_ids())
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_pickle_round_trip():
    X, y = _labelled()
    est = LightWaveS(n_features=12, random_state=0).fit(X, y)
    clone = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(clone.transform(X), est.transform(X))


def test_errors_name_the_problem():
    X, y = _labelled()
    with pytest.raises(NotFittedError):
        LightWaveS().transform(X)
    with pytest.raises(NotFittedError):
        LightWaveSClassifier().predict(X)
    with pytest.raises(ValueError, match="needs y"):
        LightWaveS().fit(X)
    with pytest.raises(ValueError, match="n_features must be an int >= 1"):
        LightWaveS(n_features=0).fit(X, y)
    with pytest.raises(ValueError, match="n_workers must be an int >= 1"):
        LightWaveS(n_workers=0).fit(X, y)
    est = LightWaveS(n_features=5, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="2 channel"):
        est.transform(X[:, :2])
    with pytest.raises(ValueError, match="n_timepoints must be >= 2"):
        LightWaveS().fit(X[:, :, :1], y)


def test_learns_arrowhead():
    pytest.importorskip("aeon")
    from aeon.datasets import load_classification

    X, y = load_classification("ArrowHead", split="train")
    Xt, yt = load_classification("ArrowHead", split="test")
    acc = LightWaveSClassifier(n_features=100, random_state=0).fit(X, y).score(Xt, yt)
    # measured 0.81 (selection is deterministic for <= 1500 cases); chance about 0.4
    assert acc >= 0.74


def test_head_is_the_references_normalize_true_ridge():
    """``normalize=True`` (columns centred and divided by their L2 norm) with penalty ``a`` equals
    ``StandardScaler`` + ridge with ``a * n_cases``; the classifier's grid is scaled so."""
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    rng = np.random.RandomState(0)
    F, target = rng.randn(40, 12) * rng.uniform(0.1, 10, 12) + 3, rng.randn(40)
    centred = F - F.mean(axis=0)
    normalized = centred / np.linalg.norm(centred, axis=0)  # what normalize=True did
    old = Ridge(alpha=2.0).fit(normalized, target).predict(normalized)
    new = Ridge(alpha=2.0 * 40).fit(StandardScaler().fit_transform(F), target).predict(StandardScaler().fit_transform(F))
    np.testing.assert_allclose(new, old, rtol=1e-10, atol=1e-10)

    y = np.arange(30) % 2
    X = rng.randn(30, 1, 32) + y[:, None, None]
    clf = LightWaveSClassifier(n_features=20, random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.pipeline_[-1].alphas, np.logspace(-3, 3, 10) * 30)
    assert type(clf.pipeline_[1]).__name__ == "StandardScaler" and clf.pipeline_[1].with_mean
