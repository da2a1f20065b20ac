"""Small helpers shared by the command line and the benchmarks."""

from anyconv.utils.io import atomic_write_json

__all__ = ["atomic_write_json"]
