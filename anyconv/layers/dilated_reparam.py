"""``DilatedReparamConv2d`` (UniRepLKNet, Ding et al. 2024): a large depthwise kernel plus parallel
dilated small kernels, each with BatchNorm, re-parameterized into one large depthwise kernel."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from anyconv.layers._bn_fold import check_odd
from anyconv.layers.registry import register
from anyconv.layers.replk import ReparamDepthwise2d

# UniRepLKNet's branch table (its DilatedReparamBlock): kernel_size -> ((k, dilation), ...).
# Kernel size 3 has no table entry there (its blocks use a plain depthwise conv below 7): here
# it gets no extra branch, i.e. one conv + BN.
BRANCH_TABLE: dict[int, tuple[tuple[int, int], ...]] = {
    3: (),
    5: ((3, 1), (3, 2)),
    7: ((5, 1), (3, 2), (3, 3)),
    9: ((5, 1), (5, 2), (3, 3), (3, 4)),
    11: ((5, 1), (5, 2), (3, 3), (3, 4), (3, 5)),
    13: ((5, 1), (7, 2), (3, 3), (3, 4), (3, 5)),
    15: ((5, 1), (7, 2), (3, 3), (3, 5), (3, 7)),
    17: ((5, 1), (9, 2), (3, 4), (3, 5), (3, 7)),
}


def _check_branches(kernel_size: int, branches: object) -> tuple[tuple[int, int], ...]:
    if isinstance(branches, (str, bytes)) or not isinstance(branches, Sequence):
        raise ValueError(f"DilatedReparamConv2d: branches must be a sequence of (kernel_size, dilation) pairs, got {branches!r}")
    checked = []
    for pair in branches:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ValueError(f"DilatedReparamConv2d: each branch must be a (kernel_size, dilation) pair, got {pair!r}")
        k = check_odd("DilatedReparamConv2d: a branch's kernel_size", pair[0])
        r = pair[1]
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"DilatedReparamConv2d: a branch's dilation must be an int >= 1, got {r!r}")
        if r * (k - 1) + 1 > kernel_size:
            raise ValueError(
                f"DilatedReparamConv2d: branch (kernel_size={k}, dilation={r}) covers {r * (k - 1) + 1} pixels, "
                f"more than kernel_size={kernel_size}"
            )
        checked.append((k, r))
    return tuple(checked)


@register(
    "dilatedreparamconv2d", kind="conv2d", example_kwargs=dict(channels=4, kernel_size=7), example_input_shape=(2, 4, 9, 9)
)
class DilatedReparamConv2d(ReparamDepthwise2d):
    """UniRepLKNet's dilated re-parameterization: large depthwise kernel + dilated small branches, each with BN.

    ``y = BN_0(dwconv(x, W_K)) + Σ_i BN_i(dwconv(x, w_i, dilation=r_i))``, the branches
    ``(k_i, r_i)`` from :data:`BRANCH_TABLE` (UniRepLKNet's defaults for ``kernel_size`` 5–17,
    plus 3 with no extra branch) or given as ``branches``; each footprint ``r·(k − 1) + 1`` is at
    most ``kernel_size``. Every convolution is bias-free and padded to keep the size.
    :meth:`reparameterize` / :meth:`bake` fold BN and the dilated kernels (zeros between their
    taps) into one ``K × K`` depthwise conv with bias and equal eval-mode outputs.

    Shape:
        x: ``(B, channels, H, W)`` → ``(B, channels, ⌊(H − 1)/stride⌋ + 1, ⌊(W − 1)/stride⌋ + 1)``
    """

    def __init__(self, channels: int, kernel_size: int, *, branches: Sequence[tuple[int, int]] | None = None,
                 stride: int = 1, padding_mode: str = "zeros", device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        check_odd("DilatedReparamConv2d: kernel_size", kernel_size)
        if branches is None:
            if kernel_size not in BRANCH_TABLE:
                raise ValueError(
                    f"DilatedReparamConv2d: no default branches for kernel_size={kernel_size} (UniRepLKNet's table "
                    f"covers {sorted(BRANCH_TABLE)}); pass branches=[(k, dilation), ...]"
                )
            branches = BRANCH_TABLE[kernel_size]
        spec = _check_branches(kernel_size, branches)
        super().__init__(channels, kernel_size, spec, stride=stride, padding_mode=padding_mode,
                         device=device, dtype=dtype)
        self.branch_spec = spec

    def extra_repr(self) -> str:
        return super().extra_repr() + ("" if self.reparameterized else f", branches={self.branch_spec}")
