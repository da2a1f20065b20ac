"""Input validation shared by the time-series estimators."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse

from anyconv.timeseries import check_collection, check_consistent, pad_series


def test_2d_is_univariate_and_3d_kept() -> None:
    assert check_collection(np.zeros((4, 20)), min_timepoints=9).shape == (4, 1, 20)
    X = np.ones((3, 2, 12), dtype=np.float32)
    out = check_collection(X, min_timepoints=9)
    assert out.shape == (3, 2, 12) and out.dtype == np.float32


def test_integers_become_float64() -> None:
    out = check_collection(np.arange(40).reshape(2, 20), min_timepoints=9)
    assert out.dtype == np.float64 and out[1, 0, 0] == 20.0


@pytest.mark.parametrize("bad", [np.zeros((2, 12), dtype=bool), np.array([["a"] * 12] * 2), np.zeros((2, 12), dtype=object)])
def test_odd_dtypes_raise_type_error(bad) -> None:
    with pytest.raises(TypeError, match="float32, float64 or integer"):
        check_collection(bad, min_timepoints=9, name="MiniRocket")


def test_sparse_and_complex() -> None:
    with pytest.raises(TypeError, match="sparse"):
        check_collection(scipy.sparse.csr_matrix(np.ones((2, 12))), min_timepoints=9)
    with pytest.raises(ValueError, match="Complex data not supported"):
        check_collection(np.ones((2, 12), dtype=complex), min_timepoints=9)


def test_wrong_dimensionality_messages() -> None:
    with pytest.raises(ValueError, match=r"3-D array .* got a 1-D array of shape \(12,\)"):
        check_collection(np.zeros(12), min_timepoints=9)
    with pytest.raises(ValueError, match="got a 4-D array"):
        check_collection(np.zeros((2, 1, 1, 12)), min_timepoints=9)


def test_too_short_message_points_to_padding() -> None:
    with pytest.raises(ValueError, match=r"n_timepoints must be >= 9, got 5; zero-pad .*pad_series"):
        check_collection(np.zeros((3, 5)), min_timepoints=9)


def test_nan_inf_rejected() -> None:
    X = np.zeros((2, 12))
    X[1, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or inf"):
        check_collection(X, min_timepoints=9)


def test_unequal_list_points_to_pad_series() -> None:
    series = [np.zeros(10), np.zeros(14)]
    with pytest.raises(ValueError, match=r"equal-length series, got lengths from 10 to 14.*pad_series"):
        check_collection(series, min_timepoints=9)
    assert check_collection([np.zeros(10), np.ones(10)], min_timepoints=9).shape == (2, 1, 10)


def test_pad_series_modes() -> None:
    series = [np.arange(1.0, 4.0), np.arange(1.0, 6.0)]
    zero = pad_series(series)
    assert zero.shape == (2, 1, 5) and zero[0, 0].tolist() == [1, 2, 3, 0, 0]
    edge = pad_series(series, mode="edge")
    assert edge[0, 0].tolist() == [1, 2, 3, 3, 3]
    cut = pad_series(series, mode="truncate")
    assert cut.shape == (2, 1, 3) and cut[1, 0].tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match="truncate"):
        pad_series(series, length=4, mode="truncate")
    with pytest.raises(ValueError, match="mode"):
        pad_series(series, mode="reflect")


def test_check_consistent_messages() -> None:
    X = np.zeros((2, 3, 20))
    check_consistent(X, 3, 20)
    with pytest.raises(ValueError, match="X has 3 channel\\(s\\), but the estimator was fitted with 2"):
        check_consistent(X, 2, 20)
    with pytest.raises(ValueError, match=r"X has 20 timepoints, but .* 30 timepoints.*pad_series"):
        check_consistent(X, 3, 30)
