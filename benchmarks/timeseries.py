"""anyconv vs aeon: Rocket, MiniRocket, MultiRocket (and LightWaveS vs our Rocket) on bundled UCR/UEA data.

Usage::

    python benchmarks/timeseries.py [--datasets GunPoint,OSULeaf] [--quick] [--out results.json]

Per dataset it prints, for each method, the accuracy of both libraries, the steady-state
fit+transform time ratio aeon/anyconv (both warmed up on a slice of the same data, best
of ``--repeats`` alternating runs), and the time-to-first-result ratio: each library in a
fresh subprocess, clock started before its import, with ``NUMBA_CACHE_DIR`` set to an
empty folder so aeon's numba compilation is really paid. Both libraries run with 2
threads (``torch.set_num_threads``, ``numba.set_num_threads``, ``n_jobs=2``) and share
the head ``StandardScaler(with_mean=False)`` + ``RidgeClassifierCV``. LightWaveS is
compared with our Rocket: inference time (transform + predict on the test split with the
head folded into one affine map, as our classifiers predict; best of up to 20 calls within
0.25 s per run),
feature count and accuracy. Accuracies are also set beside the published ones.

Writes ``--out`` (JSON) and the same rows as CSV next to it (``.csv``).

``--hydra`` runs Hydra and MultiRocket-Hydra against aeon instead (``_ts_hydra.py``: aeon's
injected bank, accuracy, log-loss, transform and fit+predict ratios; ``…_hydra.json``), and
``--regression`` the log-loss table of the ROCKET-family classifiers and the five regressors
against aeon (``timeseries_regression.py``; ``…_regression.json``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time

import numpy as np
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _ts_common import METHODS, N_KERNELS, make_transformer, run_once, set_threads
from _ts_plot import plot_benchmark
from _ts_report import TARGETS, markdown, published_accuracies, published_name, summarize, write_csv

from anyconv.data import describe_dataset, list_bundled_datasets, load_ucr
from anyconv.data.timeseries_datasets import unusable_bundled_datasets
from anyconv.timeseries import native
from anyconv.utils.io import atomic_write_json

QUICK_DATASETS = ("GunPoint", "ItalyPowerDemand", "BasicMotions")
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ts_first_result.py")
LONG_RUN_SECONDS = 10.0  # a first run longer than this is not repeated
PAUSE_BETWEEN_BLOCKS_S = 1.0  # lets the other library's idle worker threads go to sleep


def choose_datasets(requested: list[str] | None, quick: bool) -> tuple[list[str], dict[str, str]]:
    """Equal-length classification datasets to run, and ``{name: why skipped}``."""
    skipped = dict(unusable_bundled_datasets())
    names = list_bundled_datasets()
    if requested:
        names = [describe_dataset(n).name for n in requested]  # validates, exact case
    elif quick:
        names = list(QUICK_DATASETS)
    chosen = []
    for name in names:
        info = describe_dataset(name)
        if not info.equal_length:
            eq = f"{name}_eq"
            skipped[name] = (
                f"unequal length ({info.min_length}-{info.max_length}); "
                + (f"its truncated version {eq} is run" if eq in list_bundled_datasets() else "no _eq version")
            )
        else:
            chosen.append(name)
    return chosen, skipped


def steady_state(lib_runs: dict, data: tuple, repeats: int, other_heads: dict | None = None) -> dict[str, dict]:
    """Warm up each library on a slice, then time each library in its own block; best time per stage.

    Blocks, not run-by-run alternation: after a numba parallel call its worker threads keep
    spinning for a while and slow down whatever runs next in the process (measured: torch ops
    5-50x slower right after aeon). Each block starts after a short pause so neither library
    pays for the other's threads.
    """
    X_train, y_train, X_test, y_test = data
    n_warm = min(len(X_train), 8)
    for make in lib_runs.values():  # warm-up: numba compilation, torch first-call costs
        run_once(make(), X_train[:n_warm], y_train[:n_warm], X_test[:n_warm], y_test[:n_warm])
    best: dict[str, dict] = {}
    for lib, make in lib_runs.items():
        time.sleep(PAUSE_BETWEEN_BLOCKS_S)
        for i in range(repeats):
            result = run_once(make(), X_train, y_train, X_test, y_test, repeat_inference=True, other_heads=other_heads)
            if lib not in best:
                best[lib] = result
                best[lib]["runs"] = 1
            else:
                for key in ("fit", "transform_train", "transform_test", "fit_transform", "head_predict",
                            "folded_head_predict", "inference"):
                    best[lib][key] = min(best[lib][key], result[key])
                best[lib]["head_disagreements"] = max(best[lib]["head_disagreements"], result["head_disagreements"])
                best[lib]["runs"] += 1
            if i == 0 and result["fit_transform"] > LONG_RUN_SECONDS:
                break
    return best


def first_result(lib: str, method: str, data_file: str, n_kernels: int | None, seed: int, threads: int) -> dict:
    """Run the worker in a fresh interpreter with an empty numba cache (one retry on failure)."""
    try:
        return _first_result_once(lib, method, data_file, n_kernels, seed, threads)
    except RuntimeError:
        time.sleep(10)  # e.g. a file being edited while the benchmark runs
        return _first_result_once(lib, method, data_file, n_kernels, seed, threads)


def _first_result_once(lib: str, method: str, data_file: str, n_kernels: int | None, seed: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONWARNINGS="ignore")
        cmd = [sys.executable, WORKER, "--lib", lib, "--method", method, "--data", data_file,
               "--seed", str(seed), "--threads", str(threads)]  # fmt: skip
        if n_kernels is not None:
            cmd += ["--n-kernels", str(n_kernels)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"first-result worker failed ({lib} {method}):\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _table(title: str, columns: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=None, help="comma-separated names (default: all bundled)")
    parser.add_argument("--quick", action="store_true",
                        help="3 small datasets, 1/10 of the kernels (and LightWaveS features), 1 run, first-result on the first dataset only")
    parser.add_argument("--out", default="results/timeseries_benchmark.json", help="JSON output (CSV written beside it)")
    parser.add_argument("--repeats", type=int, default=3, help="steady-state runs per library (best kept)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of rocket,minirocket,multirocket")
    parser.add_argument("--no-lightwaves", action="store_true", help="skip LightWaveS vs Rocket")
    parser.add_argument("--no-first-result", action="store_true", help="skip the fresh-process measurements")
    parser.add_argument("--first-result-datasets", default=None,
                        help="comma-separated datasets that get the fresh-process measurement (default: all run)")
    parser.add_argument("--render", metavar="JSON", default=None,
                        help="measure nothing: re-print the tables of a finished run and rewrite its .md and .png")
    parser.add_argument("--hydra", action="store_true",
                        help="run the Hydra / MultiRocket-Hydra rows instead (benchmarks/_ts_hydra.py: aeon's injected bank)")
    parser.add_argument("--regression", action="store_true",
                        help="run the log-loss and regressor rows instead (benchmarks/timeseries_regression.py)")
    args = parser.parse_args(argv)
    if args.regression:
        from timeseries_regression import main as regression_main

        return regression_main(["--out", os.path.splitext(args.out)[0] + "_regression.json"])
    if args.hydra:
        from _ts_hydra import main as hydra_main

        return hydra_main([*(["--datasets", args.datasets] if args.datasets else []), "--repeats", str(args.repeats),
                           "--out", os.path.splitext(args.out)[0] + "_hydra.json"])
    console = Console(width=None if sys.stdout.isatty() else 200)
    if args.render:
        return render(console, args.render)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    unknown = sorted(set(methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown method(s) {unknown}; expected a subset of {list(METHODS)}")
    with_lightwaves = not args.no_lightwaves and "rocket" in methods
    set_threads(args.threads)
    requested = [d.strip() for d in args.datasets.split(",")] if args.datasets else None
    datasets, skipped = choose_datasets(requested, args.quick)
    scale = 10 if args.quick else 1
    n_kernels = {m: (k // scale if k else None) for m, k in N_KERNELS.items()}
    repeats = 1 if args.quick else args.repeats
    published = published_accuracies()
    first_names = [d.strip() for d in args.first_result_datasets.split(",")] if args.first_result_datasets else None
    rows, lw_rows = [], []
    load_before = os.getloadavg()

    with Progress(console=console, transient=True) as progress, tempfile.TemporaryDirectory() as tmp:
        task = progress.add_task("benchmark", total=len(datasets) * (len(methods) + with_lightwaves))
        for d_index, name in enumerate(datasets):
            (X_train, y_train), (X_test, y_test) = load_ucr(name, "train"), load_ucr(name, "test")
            data = (X_train, y_train, X_test, y_test)
            data_file = os.path.join(tmp, f"{name}.npz")
            np.savez(data_file, X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test)
            measure_first = not args.no_first_result and (
                name in first_names if first_names is not None else (not args.quick or d_index == 0)
            )
            ours_rocket = None
            for method in methods:
                progress.update(task, description=f"{name}: {method}")
                makers = {lib: (lambda lib=lib, method=method: make_transformer(lib, method, n_kernels[method], args.seed, args.threads))
                          for lib in ("aeon", "anyconv")}  # fmt: skip
                best = steady_state(makers, data, repeats)
                row = {
                    "dataset": name, "method": method, "n_kernels": n_kernels[method],
                    "acc_anyconv": best["anyconv"]["accuracy"], "acc_aeon": best["aeon"]["accuracy"],
                    "features_anyconv": best["anyconv"]["n_features"], "features_aeon": best["aeon"]["n_features"],
                    "fit_transform_anyconv_s": best["anyconv"]["fit_transform"], "fit_transform_aeon_s": best["aeon"]["fit_transform"],
                    "steady_ratio": best["aeon"]["fit_transform"] / best["anyconv"]["fit_transform"],
                    "runs": best["anyconv"]["runs"],
                }  # fmt: skip
                key = published_name(name)
                row["acc_published"] = published.get(method, {}).get(key) if key else None
                if measure_first:
                    progress.update(task, description=f"{name}: {method} (fresh processes)")
                    first = {lib: first_result(lib, method, data_file, n_kernels[method], args.seed, args.threads)
                             for lib in ("aeon", "anyconv")}  # fmt: skip
                    row.update(first_aeon_s=first["aeon"]["seconds"], first_anyconv_s=first["anyconv"]["seconds"],
                               first_ratio=first["aeon"]["seconds"] / first["anyconv"]["seconds"],
                               first_call_ratio=first["aeon"]["first_call_seconds"] / first["anyconv"]["first_call_seconds"],
                               first_aeon_fit_transform_s=first["aeon"]["compute"],
                               first_anyconv_fit_transform_s=first["anyconv"]["compute"])  # fmt: skip
                rows.append(row)
                if not console.is_terminal:  # the progress bar only renders on a terminal
                    console.log(f"{name} {method}: acc {row['acc_anyconv']:.4f}/{row['acc_aeon']:.4f}, "
                                f"steady {row['steady_ratio']:.2f}x, first {row.get('first_ratio')}")
                if method == "rocket":
                    ours_rocket = best["anyconv"]
                progress.advance(task)
            if with_lightwaves:
                progress.update(task, description=f"{name}: lightwaves")
                lw_rows.append(lightwaves_row(name, data, ours_rocket, n_kernels["lightwaves"], args, repeats))
                progress.advance(task)

    args.load_average = {"start": load_before, "end": os.getloadavg()}
    report(console, rows, lw_rows, skipped, args)
    return 0


def lightwaves_row(name: str, data: tuple, rocket: dict, n_kernels: int | None, args: argparse.Namespace, repeats: int) -> dict:
    """LightWaveS vs our Rocket (already measured) on one dataset."""
    from anyconv.timeseries import LightWaveSClassifier

    make = lambda: make_transformer("anyconv", "lightwaves", n_kernels, args.seed, args.threads)  # noqa: E731
    # accuracy with the shared head and with LightWaveSClassifier's (the reference's
    # normalize=True ridge); RocketClassifier's head is the shared one
    heads = {"classifier": LightWaveSClassifier().make_head}
    lw = steady_state({"anyconv": make}, data, repeats, other_heads=heads)["anyconv"]
    return {
        "dataset": name,
        "acc_lightwaves": lw["accuracy"], "acc_rocket": rocket["accuracy"],
        "acc_diff_points": 100 * (lw["accuracy"] - rocket["accuracy"]),
        "acc_lightwaves_classifier": lw["accuracy_classifier"],
        "acc_diff_classifier_points": 100 * (lw["accuracy_classifier"] - rocket["accuracy"]),
        "features_lightwaves": lw["n_features"], "features_rocket": rocket["n_features"],
        "feature_fraction": lw["n_features"] / rocket["n_features"],
        "inference_lightwaves_s": lw["inference"], "inference_rocket_s": rocket["inference"],
        "inference_ratio": rocket["inference"] / lw["inference"],
        "fit_lightwaves_s": lw["fit"],
        "head_disagreements": lw["head_disagreements"] + rocket["head_disagreements"],
    }  # fmt: skip


def _fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render_tables(rows: list[dict], lw_rows: list[dict], skipped: dict, threads: int) -> tuple[list, list[dict]]:
    """``(title, columns, rows)`` tables of a run, and its summary against the targets."""
    tables = []
    for method in dict.fromkeys(r["method"] for r in rows):
        mine = [r for r in rows if r["method"] == method]
        tables.append((
            f"{method} (n_kernels={mine[0]['n_kernels']}, {threads} threads)",
            ["dataset", "acc ours", "acc aeon", "acc published", "features ours/aeon",
             "fit+transform s ours/aeon", "steady aeon/ours", "first result s ours/aeon", "first aeon/ours", "first call aeon/ours"],
            [[r["dataset"], f"{r['acc_anyconv']:.4f}", f"{r['acc_aeon']:.4f}", _fmt(r["acc_published"], ".4f"),
              f"{r['features_anyconv']}/{r['features_aeon']}",
              f"{r['fit_transform_anyconv_s']:.3f}/{r['fit_transform_aeon_s']:.3f}", f"{r['steady_ratio']:.2f}x",
              f"{_fmt(r.get('first_anyconv_s'), '.2f')}/{_fmt(r.get('first_aeon_s'), '.2f')}",
              _fmt(r.get("first_ratio"), ".1f") + ("x" if r.get("first_ratio") else ""),
              _fmt(r.get("first_call_ratio"), ".1f") + ("x" if r.get("first_call_ratio") else "")] for r in mine],
        ))  # fmt: skip
    if lw_rows:
        tables.append((
            "LightWaveS vs our Rocket",
            ["dataset", "acc LWS classifier head", "diff (points)", "acc LWS shared head", "diff (points)",
             "acc Rocket", "features LWS/Rocket", "fraction", "inference ms LWS/Rocket", "speed-up"],
            [[r["dataset"], _fmt(r.get("acc_lightwaves_classifier"), ".4f"), _fmt(r.get("acc_diff_classifier_points"), "+.2f"),
              f"{r['acc_lightwaves']:.4f}", f"{r['acc_diff_points']:+.2f}", f"{r['acc_rocket']:.4f}",
              f"{r['features_lightwaves']}/{r['features_rocket']}", f"{100 * r['feature_fraction']:.2f}%",
              f"{1e3 * r['inference_lightwaves_s']:.3f}/{1e3 * r['inference_rocket_s']:.3f}", f"{r['inference_ratio']:.1f}x"]
             for r in lw_rows],
        ))  # fmt: skip
    summary = summarize(rows, lw_rows)
    tables.append(("Targets", ["target", "measured", "met"],
                   [[s["target"], s["measured"], {True: "yes", False: "NO", None: "-"}[s["met"]]] for s in summary]))  # fmt: skip
    if skipped:
        tables.append(("Skipped bundled datasets", ["dataset", "why"], [[k, v] for k, v in sorted(skipped.items())]))
    return tables, summary


def write_markdown(path: str, tables: list) -> None:
    """The tables as Markdown, written to a temp file then renamed."""
    with open(path + ".tmp", "w") as handle:
        handle.write(markdown(tables))
    os.replace(path + ".tmp", path)


def render(console: Console, json_path: str) -> int:
    """Re-print the tables of a finished run (``--render``) and rewrite its ``.md`` and ``.png``."""
    with open(json_path) as handle:
        result = json.load(handle)
    tables, _ = render_tables(result["rows"], result["lightwaves"], result["skipped"], result["config"]["threads"])
    for title, columns, body in tables:
        console.print(_table(title, columns, body))
    stem = os.path.splitext(json_path)[0]
    write_markdown(stem + ".md", tables)
    plot_benchmark(stem + ".png", result["rows"], result["lightwaves"], result["config"]["targets"])
    console.print(f"wrote {stem}.md and {stem}.png")
    return 0


def report(console: Console, rows: list[dict], lw_rows: list[dict], skipped: dict, args: argparse.Namespace) -> None:
    """Print the tables and write JSON, CSV and Markdown."""
    tables, summary = render_tables(rows, lw_rows, skipped, args.threads)
    for title, columns, body in tables:
        console.print(_table(title, columns, body))
    import sklearn
    import torch

    result = {
        "config": {"datasets": list(dict.fromkeys(r["dataset"] for r in rows)),
                   "methods": list(dict.fromkeys(r["method"] for r in rows)), "quick": args.quick,
                   "repeats": args.repeats, "seed": args.seed, "threads": args.threads,
                   "n_kernels": {r["method"]: r["n_kernels"] for r in rows}, "targets": TARGETS,
                   "command": "python benchmarks/timeseries.py " + " ".join(sys.argv[1:])},
        "machine": {"processor": _cpu_model(), "platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "load_average_1_5_15min": args.load_average},
        "anyconv_timeseries_sha256": _source_digest(),
        "anyconv_engine": "native (compiled loops)" if native.available() else "torch (compiled loops not built)",
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__, "aeon": _version("aeon"), "numba": _version("numba"),
                     "anyconv": _version("anyconv")},
        "rows": rows, "lightwaves": lw_rows, "summary": summary, "skipped": skipped,
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }  # fmt: skip
    stem = os.path.splitext(args.out)[0]
    atomic_write_json(args.out, result)
    write_csv(stem + ".csv", rows)
    write_csv(stem + "_lightwaves.csv", lw_rows)
    write_markdown(stem + ".md", tables)
    plot_benchmark(stem + ".png", rows, lw_rows, TARGETS)
    console.print(f"wrote {args.out}, {stem}.csv, {stem}_lightwaves.csv, {stem}.md and {stem}.png")


def _source_digest() -> str:
    """Digest of anyconv/timeseries/**/*.py and its C loops: which estimator code was measured."""
    import glob
    import hashlib

    import anyconv.timeseries

    digest = hashlib.sha256()
    root = os.path.dirname(anyconv.timeseries.__file__)
    sources = glob.glob(os.path.join(root, "**", "*.py"), recursive=True) + glob.glob(os.path.join(root, "_native", "*.[ch]"))
    for path in sorted(sources):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()[:16]


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(package: str) -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


if __name__ == "__main__":
    sys.exit(main())
