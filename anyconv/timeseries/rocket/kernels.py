"""ROCKET kernel bank: a plain record of sampled kernels, and the sampler.

The bank uses the flat layout of the reference implementations (angus924/rocket,
aeon ``_generate_kernels``) so kernels sampled elsewhere can be injected unchanged.
Sampling never applies a kernel; :mod:`.engine` (torch), :mod:`.native` (compiled) and
:mod:`.reference` (numpy loop) apply a bank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["RocketKernels", "sample_rocket_kernels", "ROCKET_LENGTHS"]

ROCKET_LENGTHS = (7, 9, 11)


@dataclass(frozen=True, eq=False)
class RocketKernels:
    """A bank of ROCKET kernels in the flat reference layout.

    Parameters
    ----------
    weights : np.ndarray
        Flat float32 weights; kernel ``i`` owns ``n_channel_indices[i] * lengths[i]``
        consecutive values, one row of ``lengths[i]`` taps per channel it reads.
    lengths, dilations, paddings, n_channel_indices : np.ndarray
        int32 per-kernel length, dilation, zero padding (each side) and channel count.
    biases : np.ndarray
        float32 per-kernel bias.
    channel_indices : np.ndarray
        Flat int32 channel ids; kernel ``i`` owns ``n_channel_indices[i]`` of them.

    Shape:
        weights ``(sum(n_channel_indices * lengths),)``; per-kernel arrays
        ``(n_kernels,)``; channel_indices ``(sum(n_channel_indices),)``.
    """

    weights: np.ndarray
    lengths: np.ndarray
    biases: np.ndarray
    dilations: np.ndarray
    paddings: np.ndarray
    n_channel_indices: np.ndarray
    channel_indices: np.ndarray

    @property
    def n_kernels(self) -> int:
        """Number of kernels in the bank."""
        return int(self.lengths.shape[0])

    @classmethod
    def from_tuple(cls, kernels: tuple) -> RocketKernels:
        """Wrap the 7-tuple returned by aeon's / sktime's ``_generate_kernels``."""
        w, ln, b, d, p, nci, ci = kernels
        return cls(
            weights=np.asarray(w, dtype=np.float32),
            lengths=np.asarray(ln, dtype=np.int32),
            biases=np.asarray(b, dtype=np.float32),
            dilations=np.asarray(d, dtype=np.int32),
            paddings=np.asarray(p, dtype=np.int32),
            n_channel_indices=np.asarray(nci, dtype=np.int32),
            channel_indices=np.asarray(ci, dtype=np.int32),
        )

    def offsets(self) -> tuple[np.ndarray, np.ndarray]:
        """Start of each kernel's weights and of its channel ids in the flat arrays."""
        w_len = self.n_channel_indices.astype(np.int64) * self.lengths
        w_off = np.concatenate([[0], np.cumsum(w_len)[:-1]]).astype(np.int64)
        c_off = np.concatenate([[0], np.cumsum(self.n_channel_indices)[:-1]]).astype(np.int64)
        return w_off, c_off

    def kernel(self, i: int) -> tuple[np.ndarray, np.ndarray, float, int, int]:
        """Kernel ``i`` as ``(weights (n_ch, length), channels (n_ch,), bias, dilation, padding)``."""
        w_off, c_off = self.offsets()
        n_ch, length = int(self.n_channel_indices[i]), int(self.lengths[i])
        w = self.weights[w_off[i] : w_off[i] + n_ch * length].reshape(n_ch, length)
        ch = self.channel_indices[c_off[i] : c_off[i] + n_ch]
        return w, ch, float(self.biases[i]), int(self.dilations[i]), int(self.paddings[i])

    def dense_weights(self, n_channels: int) -> np.ndarray:
        """All kernels as one zero-filled dense array over every channel and 11 taps.

        Shape:
            ``(n_kernels, n_channels, max(lengths))``; taps past a kernel's length
            and channels it does not read are zero.
        """
        w_off, c_off = self.offsets()
        n_ch = self.n_channel_indices.astype(np.int64)
        kmax = int(self.lengths.max()) if self.n_kernels else 1
        dense = np.zeros((self.n_kernels, n_channels, kmax), dtype=np.float32)
        kid = np.repeat(np.arange(self.n_kernels), n_ch)  # (rows,) one row per (kernel, channel)
        row_in_kernel = np.arange(kid.shape[0]) - np.repeat(c_off, n_ch)
        ln = self.lengths[kid].astype(np.int64)
        start = w_off[kid] + row_in_kernel * ln  # (rows,)
        taps = np.arange(kmax)
        valid = taps[None, :] < ln[:, None]  # (rows, kmax)
        src = np.where(valid, start[:, None] + taps[None, :], 0)
        vals = np.where(valid, self.weights[src], 0.0)
        dense[kid, self.channel_indices, :] = vals
        return dense


def sample_rocket_kernels(
    n_timepoints: int,
    n_channels: int,
    n_kernels: int,
    rng: np.random.RandomState,
) -> RocketKernels:
    """Sample ROCKET kernels as in Dempster et al. (2020) and aeon's multivariate variant.

    Length uniform from {7, 9, 11}; per kernel ``floor(2 ** U(0, log2(min(C, len) + 1)))``
    channels drawn without replacement, each with its own N(0, 1) weights centred to
    mean zero; bias U(-1, 1); dilation ``floor(2 ** U(0, log2((L - 1) / (len - 1))))``
    (at least 1); padding ``(len - 1) * dilation // 2`` with probability 1/2, else 0
    (always padded when the series is shorter than the kernel's span, where the
    references would draw dilation 0 and produce no valid output).

    Parameters
    ----------
    n_timepoints : int
        Series length L the dilations are drawn for.
    n_channels : int
        Number of channels C.
    n_kernels : int
        Number of kernels.
    rng : np.random.RandomState
        Source of randomness (vectorised draws: same distribution as the reference,
        not the same stream).

    Returns
    -------
    RocketKernels

    Shape:
        see :class:`RocketKernels`.
    """
    lengths = rng.choice(np.array(ROCKET_LENGTHS, dtype=np.int32), n_kernels).astype(np.int32)
    limit = np.minimum(n_channels, lengths)
    n_ch = np.floor(2.0 ** rng.uniform(0.0, np.log2(limit + 1))).astype(np.int32)
    n_ch = np.clip(n_ch, 1, limit)
    # channels without replacement: first n_ch of a random permutation per kernel
    perm = np.argsort(rng.uniform(size=(n_kernels, n_channels)), axis=1)  # (K, C)
    channel_indices = perm[np.arange(n_channels)[None, :] < n_ch[:, None]].astype(np.int32)
    n_w = int(np.dot(n_ch.astype(np.int64), lengths))
    weights = rng.normal(0.0, 1.0, n_w)
    rows = np.repeat(np.repeat(lengths, n_ch), np.repeat(lengths, n_ch))  # per weight: its row length
    row_id = np.repeat(np.arange(int(n_ch.sum())), np.repeat(lengths, n_ch))
    row_sum = np.bincount(row_id, weights=weights)
    weights = (weights - row_sum[row_id] / rows).astype(np.float32)  # centre each channel row
    biases = rng.uniform(-1.0, 1.0, n_kernels).astype(np.float32)
    hi = np.log2(max(n_timepoints - 1, 1) / (lengths - 1))
    dil = np.floor(2.0 ** rng.uniform(0.0, np.maximum(hi, 0.0))).astype(np.int32)
    dil = np.maximum(dil, 1)
    pad_on = rng.randint(2, size=n_kernels) == 1
    pad_on |= (lengths - 1) * dil > n_timepoints - 1  # series shorter than the kernel: pad
    paddings = np.where(pad_on, ((lengths - 1) * dil) // 2, 0).astype(np.int32)
    return RocketKernels(
        weights=weights,
        lengths=lengths,
        biases=biases,
        dilations=dil,
        paddings=paddings,
        n_channel_indices=n_ch,
        channel_indices=channel_indices,
    )
