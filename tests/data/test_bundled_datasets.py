"""Bundled UCR/UEA datasets read with our loaders agree with aeon's own loader."""

from __future__ import annotations

import os

import numpy as np
import pytest

from anyconv.data import (
    bundled_dataset_dir,
    describe_dataset,
    list_bundled_datasets,
    load_arff,
    load_ucr,
    load_ucr_tsv,
)
from anyconv.data._collection import normalize_label

aeon_datasets = pytest.importorskip("aeon.datasets")

EXPECTED = {
    "ACSF1", "ArrowHead", "BasicMotions", "Covid3Month_disc", "GunPoint", "ItalyPowerDemand",
    "JapaneseVowels", "OSULeaf", "PickupGestureWiimoteZ", "UnitTest",
}  # fmt: skip


def _assert_same(ours, theirs):
    X, y = ours
    X_ref, y_ref = theirs
    assert isinstance(X, list) == isinstance(X_ref, list)
    assert len(X) == len(X_ref)
    for a, b in zip(X, X_ref):
        np.testing.assert_array_equal(a, b)
    # aeon lower-cases labels; we keep the file's case and spell integral numbers as
    # integers (Covid3Month_disc: aeon "0.0", ours "0")
    expected = [normalize_label(label) for label in y_ref.astype(str)]
    np.testing.assert_array_equal(np.char.lower(y.astype(str)), expected)


def test_bundled_list_contains_the_aeon_classification_datasets():
    names = set(list_bundled_datasets())
    assert EXPECTED <= names
    assert "Covid3Month" not in names  # regression


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("split", ["train", "test"])
def test_equal_to_aeon_load_classification(name, split):
    _assert_same(load_ucr(name, split), aeon_datasets.load_classification(name, split=split))


@pytest.mark.parametrize("name", ["JapaneseVowels", "PickupGestureWiimoteZ"])
def test_eq_versions_equal_to_aeon_load_equal_length(name):
    ref = aeon_datasets.load_classification(name, split="test", load_equal_length=True)
    _assert_same(load_ucr(f"{name}_eq", "test"), ref)


def test_unequal_length_options():
    X, _ = load_ucr("JapaneseVowels", "train")
    assert isinstance(X, list) and len({s.shape[1] for s in X}) > 1
    lengths = [s.shape[1] for s in X]
    padded, _ = load_ucr("JapaneseVowels", "train", equalize="pad")
    assert padded.shape == (270, 12, max(lengths))
    truncated, _ = load_ucr("JapaneseVowels", "train", equalize="truncate")
    assert truncated.shape == (270, 12, min(lengths))


@pytest.mark.parametrize("name", ["GunPoint", "ArrowHead", "BasicMotions"])
def test_bundled_arff_and_tsv_agree_with_ts(name):
    folder = bundled_dataset_dir(name)
    X, y = load_ucr(name, "train")
    for ext, loader in ((".arff", load_arff), (".tsv", load_ucr_tsv)):
        path = os.path.join(folder, f"{name}_TRAIN{ext}")
        if os.path.exists(path):
            X_other, y_other = loader(path)
            np.testing.assert_array_equal(X_other, X)
            np.testing.assert_array_equal(y_other, y)


def test_unknown_name_suggests_close_matches():
    with pytest.raises(ValueError, match="did you mean 'GunPoint'"):
        load_ucr("GunPiont")
    with pytest.raises(ValueError, match="regression"):
        load_ucr("Covid3Month")
    with pytest.raises(ValueError, match="split must be"):
        load_ucr("GunPoint", "validation")


def test_describe_dataset():
    info = describe_dataset("basicmotions")
    assert (info.name, info.n_train, info.n_test, info.n_channels) == ("BasicMotions", 40, 40, 6)
    assert info.equal_length and info.n_classes == 4


def test_equalize_lengths_gives_train_and_test_one_length():
    from anyconv.data import equalize_lengths

    (X_train, _), (X_test, _) = load_ucr("PickupGestureWiimoteZ", "train"), load_ucr("PickupGestureWiimoteZ", "test")
    longest = max(s.shape[1] for X in (X_train, X_test) for s in X)
    padded_train, padded_test = equalize_lengths([X_train, X_test], "pad")
    assert padded_train.shape == (50, 1, longest) and padded_test.shape == (50, 1, longest)
    np.testing.assert_array_equal(padded_test[0, :, : X_test[0].shape[1]], X_test[0])
    with pytest.raises(ValueError, match="unequal lengths"):
        equalize_lengths([X_train, X_test], None)
