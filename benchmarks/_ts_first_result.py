"""Worker: time-to-first-result of one library/method on one dataset, in a fresh process.

Run by ``benchmarks/timeseries.py`` with ``NUMBA_CACHE_DIR`` pointing at an empty folder,
so aeon's numba kernels (``cache=True``) are compiled in this process, not loaded from a
cache. The clock starts *before* the estimator's library is imported (aeon + numba, or
anyconv + torch) and stops when test predictions exist. The data arrive as a ``.npz``
file, read with numpy before the clock starts, so neither library is imported early.
Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lib", required=True)
    parser.add_argument("--method", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--n-kernels", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    with np.load(args.data) as data:
        X_train, y_train, X_test, y_test = (data[k] for k in ("X_train", "y_train", "X_test", "y_test"))

    start = time.perf_counter()
    from _ts_common import make_transformer, run_once, set_threads

    set_threads(args.threads, use_torch=args.lib == "anyconv", use_numba=args.lib == "aeon")
    transformer = make_transformer(args.lib, args.method, args.n_kernels, args.seed, args.threads)  # imports the library
    imported = time.perf_counter()
    result = run_once(transformer, X_train, y_train, X_test, y_test)
    done = time.perf_counter()
    print(json.dumps({
        "seconds": done - start,  # library import + first fit/transform/predict (numba compilation included)
        "first_call_seconds": done - imported,  # the same without the import
        "import_seconds": imported - start,
        "accuracy": result["accuracy"],
        "compute": result["fit_transform"],
    }))


if __name__ == "__main__":
    main()
