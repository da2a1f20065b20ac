"""Archive runs: one classifier on every dataset of a UCR/UEA folder (``anyconv classify --archive``).

A dataset is a sub-folder ``NAME`` holding ``NAME_TRAIN`` and ``NAME_TEST`` with the same
extension (``.ts`` preferred, then ``.arff``, ``.tsv``, ``.txt``), the layout of the UCR
and UEA archives. :func:`run_archive` fits on the train split and scores the test split
of each, one after another, and after every dataset rewrites the results CSV
*atomically* (a temporary file renamed over the old one), so an interrupted run leaves
the CSV of the datasets finished so far, and running the same command again skips them
(rows with status ``ok`` for the same method and seed; failed datasets are retried).

Where the dataset appears in the published tables shipped with the package
(``reference_results/``, copied from the authors' repositories: ROCKET, MiniRocket,
MultiRocket, Hydra on the UCR archive) the published accuracy is written beside ours,
with the difference. Published accuracies are means over resamples or runs, ours is
one run on the default split: a point or two either way is normal.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal

import numpy as np

__all__ = ["ArchiveDataset", "find_datasets", "published_accuracy", "run_archive", "COLUMNS", "PUBLISHED"]

#: Extensions tried for ``NAME_TRAIN`` / ``NAME_TEST``, in order of preference.
EXTENSIONS = (".ts", ".arff", ".tsv", ".txt")
#: CLI method -> (file in ``reference_results/``, dataset column, accuracy column). Methods
#: without a published table (hdc-minirocket, lightwaves, multirocket-hydra) get an empty column.
PUBLISHED: dict[str, tuple[str, str, str]] = {
    "rocket": ("rocket_results_ucr.csv", "dataset", "accuracy_mean"),
    "minirocket": ("minirocket_results_ucr109_mean.csv", "dataset", "accuracy"),
    "multirocket": ("multirocket_all_resamples_average.csv", "dataset_name", "MultiRocket"),
    "hydra": ("hydra_results_ucr112.csv", "dataset", "accuracy"),
}
#: Columns of the results CSV.
COLUMNS = (
    "dataset", "method", "seed", "status", "accuracy", "published_accuracy", "difference",
    "n_train", "n_test", "n_channels", "n_timepoints", "n_classes", "fit_seconds", "predict_seconds",
)  # fmt: skip


@dataclass(frozen=True)
class ArchiveDataset:
    """One dataset of an archive folder: its name and the train and test files."""

    name: str
    train: str
    test: str


def find_datasets(root: str | os.PathLike) -> list[ArchiveDataset]:
    """The datasets of a UCR/UEA folder layout ``root/NAME/NAME_TRAIN.ext``, sorted by name.

    Raises ``ValueError`` if ``root`` is not a folder or holds no dataset.
    """
    root = os.fspath(root)
    if not os.path.isdir(root):
        raise ValueError(f"--archive expects a folder of datasets (NAME/NAME_TRAIN.ts, ...), got {root!r}")
    found = []
    for name in sorted(os.listdir(root)):
        for ext in EXTENSIONS:
            train, test = (os.path.join(root, name, f"{name}_{split}{ext}") for split in ("TRAIN", "TEST"))
            if os.path.isfile(train) and os.path.isfile(test):
                found.append(ArchiveDataset(name, train, test))
                break
    if not found:
        raise ValueError(
            f"no dataset found in {root!r}: expected sub-folders NAME holding NAME_TRAIN and NAME_TEST "
            f"files with one of the extensions {', '.join(EXTENSIONS)}"
        )
    return found


def published_accuracy(method: str) -> dict[str, float]:
    """Published accuracy per dataset name for ``method`` (empty when no table is shipped)."""
    if method not in PUBLISHED:
        return {}
    filename, name_column, accuracy_column = PUBLISHED[method]
    text = resources.files("anyconv.timeseries").joinpath("reference_results", filename).read_text("utf-8")
    return {row[name_column]: float(row[accuracy_column]) for row in csv.DictReader(io.StringIO(text))}


def _read_rows(path: str) -> list[dict[str, str]]:
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _write_rows(path: str, rows: list[dict[str, Any]]) -> None:
    from anyconv.utils.io import atomic_write_text

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buffer.getvalue())


def _run_one(
    dataset: ArchiveDataset, make_classifier: Callable[[], Any], equalize: Literal["pad", "truncate"] | None
) -> dict[str, Any]:
    from anyconv.data import equalize_lengths
    from anyconv.timeseries.commands import _load_file

    (X_train, y_train), (X_test, y_test) = (_load_file(p) for p in (dataset.train, dataset.test))
    X_train, X_test = equalize_lengths([X_train, X_test], equalize)
    classifier = make_classifier()
    start = time.perf_counter()
    classifier.fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    accuracy = float(np.mean(classifier.predict(X_test) == y_test))
    return {
        "accuracy": accuracy, "n_train": X_train.shape[0], "n_test": X_test.shape[0],
        "n_channels": X_train.shape[1], "n_timepoints": X_train.shape[2], "n_classes": np.unique(y_train).size,
        "fit_seconds": round(fit_seconds, 4), "predict_seconds": round(time.perf_counter() - start, 4),
    }  # fmt: skip


def run_archive(
    root: str | os.PathLike,
    out: str | os.PathLike,
    method: str,
    make_classifier: Callable[[], Any],
    *,
    seed: int = 0,
    equalize: Literal["pad", "truncate"] | None = None,
    progress: bool = True,
) -> list[dict[str, Any]]:
    """Fit and score ``make_classifier()`` on every dataset under ``root``; results CSV at ``out``.

    Datasets already in ``out`` with status ``ok`` for this ``method`` and ``seed`` are
    skipped; the CSV is rewritten atomically after every dataset. A dataset that fails
    (unreadable file, unequal lengths without ``equalize``) gets status ``error: ...`` and
    the run goes on. Returns all rows of the CSV (previous and new).
    """
    from tqdm.auto import tqdm

    out = os.fspath(out)
    datasets = find_datasets(root)
    rows = _read_rows(out)
    done = {
        r["dataset"]
        for r in rows
        if r.get("status") == "ok" and r.get("method") == method and r.get("seed") == str(seed)
    }
    rows = [r for r in rows if r["dataset"] not in {d.name for d in datasets} or r["dataset"] in done
            or r.get("method") != method or r.get("seed") != str(seed)]  # fmt: skip
    todo = [d for d in datasets if d.name not in done]
    published = published_accuracy(method)
    bar = tqdm(todo, desc=f"{method} archive", unit="dataset", disable=not progress)
    for dataset in bar:
        bar.set_postfix_str(dataset.name)
        row: dict[str, Any] = {"dataset": dataset.name, "method": method, "seed": seed}
        try:
            row.update(_run_one(dataset, make_classifier, equalize), status="ok")
        except (ValueError, OSError) as error:
            row["status"] = f"error: {error}".replace("\n", " ")
        reference = published.get(dataset.name)
        if reference is not None:
            row["published_accuracy"] = reference
            if row["status"] == "ok":
                row["difference"] = round(row["accuracy"] - reference, 6)
        rows.append(row)
        _write_rows(out, rows)
    return rows


def run_archive_command(args: Any, method: str, make_classifier: Callable[[], Any]) -> int:
    """``anyconv classify --archive DIR --out results.csv``: run, then print a summary table."""
    from rich.console import Console
    from rich.table import Table

    if args.dataset is not None or args.train is not None or args.test is not None:
        raise ValueError("give either --archive DIR or --dataset / --train and --test, not both")
    if args.out is None:
        raise ValueError("--archive needs --out PATH for the results CSV (it is also what makes the run resumable)")
    rows = run_archive(args.archive, args.out, method, make_classifier, seed=args.seed, equalize=args.equalize)
    table = Table(title=f"{method} on {args.archive}")
    for column in ("dataset", "accuracy", "published", "status"):
        table.add_column(column, justify="left" if column in ("dataset", "status") else "right")
    for row in rows:
        if row.get("method") == method and str(row.get("seed")) == str(args.seed):
            accuracy, reference = row.get("accuracy", ""), row.get("published_accuracy", "")
            table.add_row(
                str(row["dataset"]), f"{float(accuracy):.4f}" if accuracy != "" else "-",
                f"{float(reference):.4f}" if reference not in ("", None) else "-", str(row["status"]),
            )  # fmt: skip
    console = Console()
    console.print(table)
    console.print(f"wrote {args.out}")
    return 0
