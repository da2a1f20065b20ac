"""Why a dataset's Hydra accuracy differs from aeon's on aeon's bank: engines vs float64.

Usage::

    python benchmarks/_ts_hydra_ties.py [--dataset ACSF1] [--cases 3] [--multirocket-hydra]

On aeon's bank (``HydraClassifier(random_state=0)``, exported with ``bank_from_aeon``) it fits
our ``HydraClassifier`` with each of the ``"native"`` and ``"torch"`` engines and prints, per
engine, the test accuracy, the test labels that differ from aeon's and the feature entries
(train and test splits) that differ from aeon's transform by more than ``1e-3 * (1 + |f|)``.
Then, on the first ``--cases`` training cases, it compares both float32 results with the
``"reference"`` engine (numpy loops in **float64**, slow: ~30 s per case of length 1460 here):
if aeon's features and ours are about equally far from the float64 ones, in different
entries, the differences are float32 rounding flipping near-ties in the competition
(argmax/argmin over a group's kernels), not a bug. 1 torch thread.

``--multirocket-hydra`` instead compares aeon's ``MultiRocketHydraClassifier(random_state=0)``
with ours on its Hydra bank: differing test labels, and the test-split feature entries that
differ in the Hydra part and in the MultiRocket part (and, for reference, between our
standalone ``MultiRocket(random_state=0)`` and aeon's).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch


def _differ(a: np.ndarray, b: np.ndarray) -> int:
    """Entries of ``a`` differing from ``b`` by more than ``1e-3 * (1 + |b|)``."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return int((np.abs(a - b) > 1e-3 * (1 + np.abs(b))).sum())


def main(argv: list[str] | None = None) -> int:
    from aeon.classification.convolution_based import HydraClassifier as AeonHydra

    from anyconv.data import load_ucr
    from anyconv.timeseries import Hydra, HydraClassifier
    from anyconv.timeseries.hydra import bank_from_aeon

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ACSF1")
    parser.add_argument("--cases", type=int, default=3, help="training cases compared with the float64 reference")
    parser.add_argument("--multirocket-hydra", action="store_true", help="compare MultiRocket-Hydra part by part")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    (X, y), (Xt, yt) = load_ucr(args.dataset, "train"), load_ucr(args.dataset, "test")
    if args.multirocket_hydra:
        return _multirocket_hydra(args.dataset, X, y, Xt, yt)
    aeon = AeonHydra(random_state=0).fit(X, y)
    transformer = aeon.clf_.steps[0][1]
    bank = bank_from_aeon(transformer)
    aeon_pred = aeon.predict(Xt)
    F_aeon = {"train": np.asarray(transformer.transform(X)), "test": np.asarray(transformer.transform(Xt))}
    print(f"{args.dataset}: aeon accuracy {np.mean(aeon_pred == yt):.4f}")
    for engine in ("native", "torch"):
        ours = HydraClassifier(bank=bank, engine=engine).fit(X, y)
        pred = ours.predict(Xt)
        fitted = ours.transformer_.transformer
        counts = {split: _differ(fitted.transform(data), F_aeon[split]) for split, data in (("train", X), ("test", Xt))}
        print(
            f"  {engine:6s}: accuracy {np.mean(pred == yt):.4f}, test labels differing from aeon's "
            f"{int(np.sum(pred != aeon_pred))}, feature entries differing from aeon's: train "
            f"{counts['train']} / {F_aeon['train'].size}, test {counts['test']} / {F_aeon['test'].size}"
        )
    head = X[: args.cases]
    exact = Hydra(bank=bank, engine="reference").fit(X).transform(head)
    native = Hydra(bank=bank, engine="native").fit(X).transform(head)
    aeon_head = F_aeon["train"][: args.cases]
    print(f"  first {args.cases} train cases ({exact.size} entries), differing from the float64 reference:")
    print(f"    aeon (float32, torch): {_differ(aeon_head, exact)}")
    print(f"    ours (float32, native): {_differ(native, exact)}")
    print(f"    ours vs aeon: {_differ(native, aeon_head)}")
    return 0


def _multirocket_hydra(name: str, X: np.ndarray, y: np.ndarray, Xt: np.ndarray, yt: np.ndarray) -> int:
    from aeon.classification.convolution_based import MultiRocketHydraClassifier as AeonMRH
    from aeon.transformations.collection.convolution_based import MultiRocket as AeonMultiRocket

    from anyconv.timeseries import MultiRocket, MultiRocketHydraClassifier
    from anyconv.timeseries.hydra import bank_from_aeon

    aeon = AeonMRH(random_state=0).fit(X, y)
    ours = MultiRocketHydraClassifier(bank=bank_from_aeon(aeon._transform_hydra), random_state=0).fit(X, y)
    pa, po = aeon.predict(Xt), ours.predict(Xt)
    cases = np.nonzero(pa != po)[0]
    print(f"{name}: MR-Hydra accuracy aeon {np.mean(pa == yt):.4f}, ours {np.mean(po == yt):.4f}; "
          f"differing test cases {cases.tolist()} (aeon {pa[cases].tolist()}, ours {po[cases].tolist()}, "
          f"truth {yt[cases].tolist()})")  # fmt: skip
    fitted = ours.transformer_.transformer
    F = fitted.transform(Xt)  # (n_test, hydra features + MultiRocket features)
    n_hydra = fitted.n_hydra_features_
    F_hydra = np.asarray(aeon._transform_hydra.transform(Xt))  # a torch tensor
    F_multi = np.asarray(aeon._transform_multirocket.transform(Xt))
    print(f"  Hydra part: {_differ(F[:, :n_hydra], F_hydra)} / {np.size(F_hydra)} test entries differ")
    print(f"  MultiRocket part: {_differ(F[:, n_hydra:], F_multi)} / {np.size(F_multi)} test entries differ")
    alone = MultiRocket(random_state=0).fit(X).transform(Xt)
    reference = AeonMultiRocket(random_state=0).fit(X).transform(Xt)
    print(f"  standalone MultiRocket(random_state=0) vs aeon's: {_differ(alone, reference)} / {np.size(reference)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
