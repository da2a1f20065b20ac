"""Fit LightWaveS across the ranks of a ``torchrun`` launch (one machine or several).

Every rank loads the same training data (a bundled dataset, BasicMotions by default, or
files given with ``--train``/``--test``: ``.ts``, ``.arff`` or UCR ``.tsv``), joins the process group torchrun prepared, and fits with
:func:`anyconv.timeseries.lightwaves.distributed.fit_in_process_group`: each rank computes the
candidate features of its share of the channels, and every rank ends with the same classifier,
equal to a one-process fit. Rank 0 reports test accuracy and, with ``--out``, saves the selected
feature ids and the test predictions (``.npz``, written atomically)::

    torchrun --nproc_per_node 2 examples/lightwaves_torchrun.py --out lightwaves.npz
    # across two machines: torchrun --nnodes 2 --node_rank {0,1} --master_addr HOST ... (same command)
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np
import torch

from anyconv.data.files import load_timeseries_file
from anyconv.data.timeseries_datasets import load_ucr
from anyconv.timeseries import LightWaveSClassifier
from anyconv.timeseries.lightwaves.distributed import fit_in_process_group


def _load(dataset: str, train: str | None, test: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if train is None or test is None:
        (X, y), (X_test, y_test) = load_ucr(dataset, "train"), load_ucr(dataset, "test")
    else:
        (X, y), (X_test, y_test) = load_timeseries_file(train), load_timeseries_file(test)
    return np.asarray(X), y, np.asarray(X_test), y_test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="BasicMotions", help="a bundled dataset (without --train/--test)")
    parser.add_argument("--train", help="file of the training split (.ts, .arff, .tsv)")
    parser.add_argument("--test", help=".ts file of the test split")
    parser.add_argument("--n-features", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="rank 0 saves feature ids and test predictions here (.npz)")
    args = parser.parse_args()
    if (args.train is None) != (args.test is None):
        parser.error("give both --train and --test, or neither")

    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo")  # RANK, WORLD_SIZE, MASTER_ADDR from torchrun
    try:
        X, y, X_test, y_test = _load(args.dataset, args.train, args.test)
        clf = fit_in_process_group(LightWaveSClassifier(n_features=args.n_features, random_state=args.seed), X, y)
        if torch.distributed.get_rank() == 0:
            pred = clf.predict(X_test)
            world = torch.distributed.get_world_size()
            print(f"{world} ranks: {clf.transformer_.n_features_out_} features, test accuracy {np.mean(pred == y_test):.3f}")
            if args.out:
                folder = os.path.dirname(os.path.abspath(args.out))
                with tempfile.NamedTemporaryFile(dir=folder, suffix=".npz", delete=False) as handle:
                    np.savez(handle, ids=clf.transformer_.kernels_.feature_ids(), pred=pred)
                os.replace(handle.name, args.out)
    finally:
        torch.distributed.destroy_process_group()


if __name__ == "__main__":
    main()
