"""UCR/UEA classification datasets that ship inside installed packages, read with our loaders.

aeon bundles a handful of archive datasets (``aeon/datasets/data/<Name>/<Name>_TRAIN.ts``);
sktime bundles a few more (PLAID among them) in the same layout. Nothing is downloaded:
a dataset is available exactly when an installed package carries its files. Package
directories are located with ``importlib.util.find_spec`` without importing the package.
"""

from __future__ import annotations

import difflib
import functools
import importlib.util
import os
from dataclasses import dataclass

import numpy as np

from anyconv.data._collection import Collection, Equalize
from anyconv.data.ts_format import load_ts, read_ts_header

__all__ = [
    "DatasetInfo",
    "bundled_dataset_dir",
    "describe_dataset",
    "list_bundled_datasets",
    "load_ucr",
    "unusable_bundled_datasets",
]

# (package, data folder inside it), searched in this order
_SOURCES = (("aeon", ("datasets", "data")), ("sktime", ("datasets", "data")))
_SPLITS = ("train", "test")


@dataclass(frozen=True)
class DatasetInfo:
    """Size of a bundled classification dataset.

    ``min_length``/``max_length`` differ for unequal-length datasets.
    """

    name: str
    n_train: int
    n_test: int
    n_channels: int
    min_length: int
    max_length: int
    n_classes: int
    source: str

    @property
    def equal_length(self) -> bool:
        """Whether every series (train and test) has the same length."""
        return self.min_length == self.max_length


def _package_data_dirs() -> list[tuple[str, str]]:
    dirs = []
    for package, parts in _SOURCES:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for root in spec.submodule_search_locations:
            folder = os.path.join(root, *parts)
            if os.path.isdir(folder):
                dirs.append((package, folder))
    return dirs


@functools.lru_cache(maxsize=1)
def _index() -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    """``({name: (package, folder)} for classification, {name: why} for the rest)``."""
    found: dict[str, tuple[str, str]] = {}
    other: dict[str, str] = {}
    for package, data_dir in _package_data_dirs():
        for sub in sorted(os.listdir(data_dir)):
            folder = os.path.join(data_dir, sub)
            if not os.path.isdir(folder):
                continue
            for fname in sorted(os.listdir(folder)):
                if not fname.endswith("_TRAIN.ts"):
                    continue
                name = fname[: -len("_TRAIN.ts")]
                if name in found or name in other:
                    continue
                if not os.path.isfile(os.path.join(folder, f"{name}_TEST.ts")):
                    other[name] = "it has no _TEST.ts file"
                    continue
                header = read_ts_header(os.path.join(folder, fname))
                if header.class_label:
                    found[name] = (package, folder)
                else:
                    other[name] = "it is a regression dataset (@targetLabel), not classification"
    return found, other


def _resolve(name: str) -> str:
    """The bundled dataset's exact name (case-insensitive lookup) or a helpful ``ValueError``."""
    if not isinstance(name, str):
        raise TypeError(f"dataset name must be a str, got {type(name).__name__}")
    found, other = _index()
    if name in found:
        return name
    lowered = {n.lower(): n for n in found}
    if name.lower() in lowered:
        return lowered[name.lower()]
    if name in other:
        raise ValueError(f"dataset {name!r} is bundled but cannot be used for classification: {other[name]}")
    close = difflib.get_close_matches(name, list(found), n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else "."
    where = ", ".join(pkg for pkg, _ in _package_data_dirs()) or "no package with bundled data"
    plaid = " PLAID ships only with sktime, which is not installed." if name.lower() == "plaid" else ""
    raise ValueError(
        f"unknown dataset {name!r}{hint} Available (bundled in {where}, nothing is downloaded): "
        f"{', '.join(sorted(found))}.{plaid}"
    )


def bundled_dataset_dir(name: str) -> str:
    """Folder holding ``<name>_TRAIN.ts`` and ``<name>_TEST.ts``.

    Raises
    ------
    ValueError
        For an unknown name, with close matches (difflib) and the available names.
    """
    return _index()[0][_resolve(name)][1]


def list_bundled_datasets() -> list[str]:
    """Names of the classification datasets bundled in installed packages (sorted).

    Unequal-length datasets appear twice where the package also ships the
    archive's truncated equal-length version (``<name>_eq``).
    """
    return sorted(_index()[0])


def unusable_bundled_datasets() -> dict[str, str]:
    """Bundled ``.ts`` datasets that :func:`load_ucr` refuses, with the reason (regression, no test split)."""
    return dict(_index()[1])


def load_ucr(
    name: str,
    split: str = "train",
    *,
    equalize: Equalize = None,
    pad_value: float = 0.0,
) -> tuple[Collection, np.ndarray]:
    """Load one split of a bundled UCR/UEA classification dataset.

    Parameters
    ----------
    name : str
        Dataset name as in :func:`list_bundled_datasets` (case-insensitive), e.g.
        ``"GunPoint"``, ``"BasicMotions"``, ``"JapaneseVowels_eq"``.
    split : {"train", "test"}, default="train"
        Which split.
    equalize : {None, "pad", "truncate"}, default=None
        For unequal-length datasets: ``None`` returns a list of 2-D arrays, ``"pad"``
        pads to the longest series with ``pad_value``, ``"truncate"`` cuts to the
        shortest, *within this split*; to give train and test one common length use
        :func:`anyconv.data.equalize_lengths`. ``<name>_eq`` is the archive's own
        equal-length (truncated) version.
    pad_value : float, default=0.0
        Fill value for ``equalize="pad"``.

    Returns
    -------
    X : np.ndarray or list of np.ndarray
        float64 series.
    y : np.ndarray
        Class labels as strings, case kept as in the file (aeon lower-cases them).

    Shape:
        X: ``(n_cases, n_channels, n_timepoints)`` or list of ``(n_channels, n_timepoints_i)``;
        y: ``(n_cases,)``.

    Raises
    ------
    ValueError
        For an unknown name (with suggestions), a regression dataset or a bad ``split``.
    """
    if not isinstance(split, str) or split.lower() not in _SPLITS:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    real_name = _resolve(name)
    path = os.path.join(_index()[0][real_name][1], f"{real_name}_{split.upper()}.ts")
    return load_ts(path, equalize=equalize, pad_value=pad_value)


def describe_dataset(name: str) -> DatasetInfo:
    """Load both splits of a bundled dataset and summarise their shapes."""
    real_name = _resolve(name)
    (X_train, y_train), (X_test, y_test) = (load_ucr(real_name, s) for s in _SPLITS)
    lengths = [s.shape[-1] for X in (X_train, X_test) for s in X]
    return DatasetInfo(
        name=real_name,
        n_train=len(X_train),
        n_test=len(X_test),
        n_channels=int(X_train[0].shape[0]),
        min_length=int(min(lengths)),
        max_length=int(max(lengths)),
        n_classes=int(np.unique(np.concatenate([y_train, y_test])).size),
        source=_index()[0][real_name][0],
    )
