"""``anyconv classify`` and ``anyconv datasets``: random-kernel classification from the shell.

``anyconv classify --dataset GunPoint --method minirocket --out result.json`` fits a
classifier on the train split, predicts the test split, prints accuracy, fit and predict
seconds and the number of features, and writes them (with the configuration and library
versions) to a JSON file atomically. ``--train PATH --test PATH`` reads ``.ts``, ``.arff``
or UCR ``.tsv``/``.txt`` files instead: trailing missing values (the UCR 2018 archive pads
its variable-length series with ``NaN``) are removed first, missing values inside a series
are an error naming the file and case, and numeric labels are compared in one spelling
(``1.0`` is the class ``1``, see :mod:`anyconv.data.files`). Test labels that are not
among the trained classes are a warning (some) or an error (all). ``anyconv datasets``
lists the bundled datasets.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import platform
import time
import warnings
from datetime import UTC, datetime
from typing import Any

import numpy as np

from anyconv.timeseries.native import ENGINES

__all__ = ["add_parsers", "run_classify", "run_datasets", "METHODS"]

_SCALARS = (int, float, str, bool, type(None))

#: CLI method name -> classifier class exported by ``anyconv.timeseries``
METHODS: dict[str, str] = {
    "minirocket": "MiniRocketClassifier",
    "rocket": "RocketClassifier",
    "multirocket": "MultiRocketClassifier",
    "hdc-minirocket": "HDCMiniRocketClassifier",
    "lightwaves": "LightWaveSClassifier",
    "hydra": "HydraClassifier",
    "multirocket-hydra": "MultiRocketHydraClassifier",
}
#: Other spellings accepted by ``--method`` (after lower-casing and ``_`` -> ``-``).
ALIASES: dict[str, str] = {"multirockethydra": "multirocket-hydra", "mr-hydra": "multirocket-hydra"}


def add_parsers(subparsers: argparse._SubParsersAction) -> None:
    """Register ``classify`` and ``datasets`` on the top-level ``anyconv`` parser."""
    classify = subparsers.add_parser(
        "classify",
        help="fit a random-kernel classifier on a train split and score the test split",
        description="Fit a ROCKET-family classifier and report test accuracy and timings.",
    )
    source = classify.add_argument_group("data (either --dataset or --train and --test)")
    source.add_argument("--dataset", metavar="NAME", help="bundled dataset (see `anyconv datasets`)")
    source.add_argument("--train", metavar="PATH", help="training file (.ts, .arff, .tsv)")
    source.add_argument("--test", metavar="PATH", help="test file (.ts, .arff, .tsv)")
    source.add_argument(
        "--archive", metavar="DIR", default=None,
        help="every dataset DIR/NAME/NAME_TRAIN.ts|.arff|.tsv; --out is then the results CSV "
        "(rewritten atomically after each dataset; rerunning skips finished datasets)",
    )  # fmt: skip
    classify.add_argument("--method", required=True, metavar="METHOD", help=f"one of: {', '.join(METHODS)}")
    classify.add_argument(
        "--n-kernels",
        type=int,
        default=None,
        metavar="N",
        help="number of kernels (method default if omitted; hydra, multirocket-hydra: kernels per group)",
    )
    classify.add_argument("--seed", type=int, default=0, metavar="N", help="random_state (default 0)")
    classify.add_argument("--n-jobs", type=int, default=1, metavar="N", help="threads (default 1)")
    classify.add_argument(
        "--engine",
        choices=ENGINES,
        default="auto",
        help="how the kernels are applied: compiled loops (native), torch ops, the numpy "
        "reference (MiniRocket family only); auto = native when built, else torch",
    )
    classify.add_argument(
        "--equalize",
        choices=("pad", "truncate"),
        default=None,
        help="for unequal-length data: zero-pad to the longest or truncate to the shortest series "
        "(trailing missing values, the padding of variable-length files, are removed first)",
    )
    classify.add_argument("--out", metavar="PATH", default=None, help="write the result as JSON here")
    classify.set_defaults(func=run_classify)

    datasets = subparsers.add_parser(
        "datasets",
        help="list the bundled classification datasets with their shapes",
        description="List the UCR/UEA datasets bundled with installed packages (nothing is downloaded).",
    )
    datasets.add_argument("--out", metavar="PATH", default=None, help="also write the list as JSON here")
    datasets.set_defaults(func=run_datasets)


def _resolve_method(name: str) -> str:
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    if key in METHODS:
        return key
    close = difflib.get_close_matches(key, list(METHODS), n=2, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"unknown method {name!r}{hint} Expected one of: {', '.join(METHODS)}")


def _classifier_class(method: str) -> type:
    import anyconv.timeseries as ts

    cls = getattr(ts, METHODS[method], None)
    if cls is None:
        raise ValueError(f"method {method!r} is not available: anyconv.timeseries has no {METHODS[method]}")
    return cls


def _build_classifier(method: str, n_kernels: int | None, seed: int, n_jobs: int, engine: str = "auto") -> Any:
    cls = _classifier_class(method)
    accepted = cls().get_params()
    params: dict[str, Any] = {}
    for key, value in (("random_state", seed), ("n_jobs", n_jobs), ("engine", engine)):
        if key in accepted:
            params[key] = value
    if n_kernels is not None:
        if "n_kernels" not in accepted:
            raise ValueError(f"--n-kernels is not a setting of {cls.__name__}; omit it for {method!r}")
        if n_kernels < 1:
            raise ValueError(f"--n-kernels must be a positive integer, got {n_kernels}")
        params["n_kernels"] = n_kernels
    return cls(**params)


def _load_file(path: str):
    """A labelled file, each series without its trailing missing values (variable-length padding).

    Raises
    ------
    ValueError
        Naming the file and the (1-based) case when a series has no values, or missing
        or infinite values inside it, which no ``--equalize`` can repair.
    """
    from anyconv.data import load_timeseries_file

    X, y = load_timeseries_file(path, strip_trailing_missing=True)
    for i, series in enumerate(X):  # series: (n_channels, n_timepoints_i)
        if series.shape[-1] == 0:
            raise ValueError(f"{path}: case {i + 1} has no values (every time point is missing)")
        if not np.isfinite(series).all():
            raise ValueError(
                f"{path}: case {i + 1} has missing or infinite values inside the series "
                f"({int((~np.isfinite(series)).sum())} of {series.size}; trailing ones, the padding "
                "of variable-length files, are removed); the classifiers need complete series, "
                "so impute them first"
            )
    return X, y


def _names(values: np.ndarray, limit: int = 10) -> str:
    names = [str(v) for v in values]
    return str(names) if len(names) <= limit else f"{names[:limit]} and {len(names) - limit} more"


def _check_labels(y_train: np.ndarray, y_test: np.ndarray) -> list[str]:
    """Warnings about test labels the classifier cannot predict; an error when no label is known."""
    classes, test_classes = np.unique(y_train), np.unique(y_test)
    unseen = np.setdiff1d(test_classes, classes)
    if unseen.size == test_classes.size:
        raise ValueError(
            f"none of the test labels {_names(test_classes)} are among the trained classes "
            f"{_names(classes)}, so the accuracy would be 0; do both files name the classes the same way?"
        )
    if not unseen.size:
        return []
    n_cases = int(np.isin(y_test, unseen).sum())
    message = (
        f"test label(s) {_names(unseen)} ({n_cases} of {len(y_test)} cases) are not among the "
        f"trained classes {_names(classes)}; those cases count as errors"
    )
    warnings.warn(message, UserWarning, stacklevel=3)
    return [message]


def _load_split_data(args: argparse.Namespace):
    """``(dataset description, (X_train, y_train), (X_test, y_test))`` with 3-D arrays."""
    from anyconv.data import equalize_lengths, load_ucr

    if args.dataset is not None:
        if args.train is not None or args.test is not None:
            raise ValueError("give either --dataset NAME or --train PATH --test PATH, not both")
        dataset = {"name": args.dataset}
        (X_train, y_train), (X_test, y_test) = (load_ucr(args.dataset, s) for s in ("train", "test"))
    elif args.train is None or args.test is None:
        raise ValueError("give --dataset NAME, or both --train PATH and --test PATH")
    else:
        dataset = {"train": args.train, "test": args.test}
        (X_train, y_train), (X_test, y_test) = (_load_file(p) for p in (args.train, args.test))
    try:  # one common length for both splits (padding each split alone would differ)
        X_train, X_test = equalize_lengths([X_train, X_test], args.equalize)
    except ValueError as error:
        if args.equalize is None and "unequal lengths" in str(error):
            reason = error.args[0].split(";")[0]
            raise ValueError(f"{reason}; pass --equalize pad or --equalize truncate") from None
        raise
    return dataset, (X_train, y_train), (X_test, y_test)


def versions() -> dict[str, str]:
    """Versions of the libraries a result depends on."""
    import sklearn
    import torch

    try:
        anyconv_version = importlib.metadata.version("anyconv")
    except importlib.metadata.PackageNotFoundError:
        anyconv_version = "unknown"
    return {
        "anyconv": anyconv_version,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "platform": platform.platform(),
    }


def run_classify(args: argparse.Namespace) -> int:
    """Handler of ``anyconv classify``; returns the exit code."""
    from rich.console import Console
    from rich.table import Table

    from anyconv.utils.io import atomic_write_json

    method = _resolve_method(args.method)
    if getattr(args, "archive", None) is not None:
        from anyconv.timeseries.archive import run_archive_command

        return run_archive_command(
            args, method, lambda: _build_classifier(method, args.n_kernels, args.seed, args.n_jobs, args.engine)
        )
    dataset, (X_train, y_train), (X_test, y_test) = _load_split_data(args)
    label_warnings = _check_labels(y_train, y_test)
    classifier = _build_classifier(method, args.n_kernels, args.seed, args.n_jobs, args.engine)

    start = time.perf_counter()
    classifier.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    predictions = classifier.predict(X_test)
    predict_seconds = time.perf_counter() - start
    accuracy = float(np.mean(predictions == y_test))
    n_features = int(getattr(classifier.transformer_, "n_features_out_", -1))

    dataset.update(
        n_train=int(X_train.shape[0]),
        n_test=int(X_test.shape[0]),
        n_channels=int(X_train.shape[1]),
        n_timepoints=int(X_train.shape[2]),
        n_classes=int(np.unique(y_train).size),
    )
    result = {
        "command": "classify",
        "config": {
            "method": method,
            "estimator": type(classifier).__name__,
            "n_kernels": args.n_kernels,
            "seed": args.seed,
            "n_jobs": args.n_jobs,
            "engine": args.engine,
            "equalize": args.equalize,
            "params": {k: v for k, v in classifier.get_params().items() if isinstance(v, _SCALARS)},
        },
        "dataset": dataset,
        "accuracy": accuracy,
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "n_features": n_features,
        "warnings": label_warnings,
        "versions": versions(),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    table = Table(title=f"{type(classifier).__name__} on {dataset.get('name', args.train)}")
    for column in ("accuracy", "fit s", "predict s", "features"):
        table.add_column(column, justify="right")
    table.add_row(f"{accuracy:.4f}", f"{fit_seconds:.3f}", f"{predict_seconds:.3f}", str(n_features))
    console = Console()
    console.print(table)
    if args.out is not None:
        atomic_write_json(args.out, result)
        console.print(f"wrote {args.out}")
    return 0


def run_datasets(args: argparse.Namespace) -> int:
    """Handler of ``anyconv datasets``; returns the exit code."""
    from rich.console import Console
    from rich.table import Table

    from anyconv.data import describe_dataset, list_bundled_datasets
    from anyconv.utils.io import atomic_write_json

    infos = [describe_dataset(name) for name in list_bundled_datasets()]
    table = Table(title="Bundled classification datasets (nothing is downloaded)")
    for column in ("name", "train", "test", "channels", "length", "classes", "source"):
        table.add_column(column, justify="left" if column in ("name", "source") else "right", overflow="fold")
    for info in infos:
        length = str(info.min_length) if info.equal_length else f"{info.min_length}-{info.max_length}"
        table.add_row(
            info.name, str(info.n_train), str(info.n_test), str(info.n_channels),
            length, str(info.n_classes), info.source,
        )  # fmt: skip
    Console().print(table)
    if args.out is not None:
        rows = [dict(vars(info), equal_length=info.equal_length) for info in infos]
        atomic_write_json(args.out, {"command": "datasets", "datasets": rows})
    return 0
