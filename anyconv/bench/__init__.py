"""Benchmark harness: tasks × layers × seeds as suites, resumable runs, leaderboards and a report.

``anyconv.bench.load_run(dir)`` reads a saved run back (model, config, result);
:class:`~anyconv.bench.config.RunConfig` and :func:`~anyconv.bench.train.train` run one config.
"""

from anyconv.bench.config import RunConfig
from anyconv.bench.runs import LoadedRun, load_run
from anyconv.bench.suite import Suite, load_suite
from anyconv.bench.train import train

__all__ = ["LoadedRun", "RunConfig", "Suite", "load_run", "load_suite", "train"]
