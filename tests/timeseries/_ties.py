"""Exact comparison of float32 loops with float64 references, up to *ties*.

A float32 loop and a float64 reference compute the same convolution output up to
rounding: ``|out32 - out64| <= tol``, with ``tol`` a bound on the float32 rounding
error of that sum (``n_ops * u * sum |terms|``, ``u = 2**-24``, times 2 for margin).
A comparison ``out > b`` can then differ only where ``|out64 - b| <= tol`` (a *tie*);
everywhere else it must agree. So a count ``#(out > b)`` from the loop must lie in
``[#(out64 > b + tol), #(out64 > b - tol)]`` -- exactly, with no fraction of
mismatches allowed -- and a max or min within ``tol`` of the reference's.
"""

from __future__ import annotations

import numpy as np

U32 = 2.0**-24  # unit roundoff of float32


def tolerance(n_ops: int, magnitude: np.ndarray) -> np.ndarray:
    """Bound on the float32 rounding error of a sum of ``n_ops`` operations of terms summing to ``magnitude``."""
    return 2.0 * n_ops * U32 * magnitude


def count_bounds(out64: np.ndarray, bias: float | np.ndarray, tol: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Smallest and largest ``#(out > bias)`` a float32 loop may give (last axis counted)."""
    return (out64 > bias + tol).sum(-1), (out64 > bias - tol).sum(-1)


def assert_counts_within(got_fraction: np.ndarray, n: int | np.ndarray, lo: np.ndarray, hi: np.ndarray, what: str) -> None:
    """``got_fraction * n`` (a count) lies in ``[lo, hi]`` everywhere; the error names the first miss."""
    count = np.rint(np.asarray(got_fraction, dtype=np.float64) * n)
    bad = (count < lo) | (count > hi)
    if bad.any():
        i = tuple(np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: {int(bad.sum())} counts outside their tie bounds; first at {i}: "
            f"got {count[i]}, allowed [{lo[i]}, {hi[i]}]"
        )


def rocket_outputs(X: np.ndarray, bank) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per kernel: float64 outputs ``(n_cases, n_out)`` (bias included) and their rounding bound.

    The native loop sums ``bias + sum_c sum_j w[c, j] x[c, t + j d]`` with float32 weights.
    """
    X = np.asarray(X, dtype=np.float64)
    result = []
    for k in range(bank.n_kernels):
        w, ch, b, d, p = bank.kernel(k)
        w32 = w.astype(np.float32).astype(np.float64)  # the loop's weights
        xp = np.pad(X[:, ch], ((0, 0), (0, 0), (p, p)))  # (n, n_ch, L + 2p)
        length = w.shape[1]
        n_out = X.shape[2] + 2 * p - (length - 1) * d
        out = np.full((X.shape[0], n_out), float(np.float32(b)))
        mag = np.full_like(out, abs(float(np.float32(b))))
        for j in range(length):
            window = xp[:, :, j * d : j * d + n_out]  # (n, n_ch, n_out)
            out += np.einsum("c,nct->nt", w32[:, j], window)
            mag += np.einsum("c,nct->nt", np.abs(w32[:, j]), np.abs(window))
        # the float64 reference uses the unrounded weights: add their rounding to the bound
        result.append((out, tolerance(w.size + 2, mag) + np.abs(w - w32).sum() * np.abs(X).max()))
    return result


def minirocket_outputs(x: np.ndarray, bank) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per (dilation, kernel) of one case ``x (C, L)``: pooled float64 outputs, rounding bound, biases.

    aeon's order: ``-(9 taps)`` then ``+ 3 x_a + 3 x_b + 3 x_c`` per channel, channels summed:
    at most ``14 * m`` float32 operations on terms bounded by ``3 * sum |taps|``.
    """
    from anyconv.timeseries.minirocket.reference import reference_combination_output

    x = np.asarray(x, dtype=np.float64)
    L = x.shape[1]
    ends = np.cumsum(bank.n_channels_per_combination)
    result, feature = [], 0
    for j, d in enumerate(bank.dilations):
        d, nf = int(d), int(bank.n_features_per_dilation[j])
        pad = 4 * d
        ax = np.pad(np.abs(x), ((0, 0), (pad + 1, pad + 1)))
        # sum of |taps| over the nine taps, plus the four left taps read one step later
        # (the bank's left_tap_shift): a bound for either kind of bank; (C, L)
        taps = sum(ax[:, pad + 1 + (i - 4) * d : pad + 1 + (i - 4) * d + L] for i in range(9))
        taps = taps + sum(ax[:, pad + 2 + (i - 4) * d : pad + 2 + (i - 4) * d + L] for i in range(4))
        for k in range(84):
            comb = j * 84 + k
            m = int(bank.n_channels_per_combination[comb])
            channels = bank.channel_indices[ends[comb] - m : ends[comb]]
            out = reference_combination_output(x, bank, j, k)
            tol = tolerance(14 * m, 3.0 * taps[channels].sum(0))
            if (j + k) % 2 == 1:
                out, tol = out[pad : L - pad], tol[pad : L - pad]
            result.append((out, tol, np.asarray(bank.biases[feature : feature + nf], dtype=np.float64)))
            feature += nf
    return result


def lightwaves_layers(x: np.ndarray, w: np.ndarray, d: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layer 1 and layer 2 float64 outputs of one kernel on one series, each with its rounding bound.

    The loop uses float32 weights pre-divided by ``d ** 1.5`` (9 products, 8 sums, possibly fused);
    layer 2 reads ``|layer 1|``, so layer 1's error carries into it through the weights.
    """
    from anyconv.timeseries.lightwaves.reference import lightwaves_layer_reference

    w_scaled = (w / (d * np.sqrt(d))).astype(np.float32).astype(np.float64)
    layers, carried = [], 0.0
    inp = np.asarray(x, dtype=np.float64)
    for _ in range(2):
        out, _ = lightwaves_layer_reference(inp, w, d)
        mag, _ = lightwaves_layer_reference(np.abs(inp), np.abs(w), d)  # sum |w x| / d ** 1.5
        tol = tolerance(20, mag) + np.abs(w_scaled).sum() * carried + 1e-12
        layers.append((out, tol))
        carried = tol.max()
        inp = np.abs(out)[0 : 2 * (out.shape[0] // 2) : 2]
    return layers


def longest_ending_stretch(positive: np.ndarray) -> int:
    """LightWaveS's stretch feature: longest run of positives that ends before the series does."""
    longest = run = 0
    for p in positive:
        if p:
            run += 1
        else:
            longest, run = max(longest, run), 0
    return longest
