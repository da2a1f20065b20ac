"""Data loaders: time-series files (``.ts``, ``.arff``, UCR ``.tsv``) and bundled UCR/UEA datasets."""

from anyconv.data._collection import equalize_lengths
from anyconv.data.arff import load_arff
from anyconv.data.files import SUPPORTED_EXTENSIONS, load_timeseries_file
from anyconv.data.timeseries_datasets import (
    DatasetInfo,
    bundled_dataset_dir,
    describe_dataset,
    list_bundled_datasets,
    load_ucr,
    unusable_bundled_datasets,
)
from anyconv.data.ts_format import TsHeader, load_ts, read_ts_header
from anyconv.data.ucr_tsv import load_ucr_tsv

__all__ = [
    "DatasetInfo",
    "SUPPORTED_EXTENSIONS",
    "TsHeader",
    "bundled_dataset_dir",
    "describe_dataset",
    "equalize_lengths",
    "list_bundled_datasets",
    "load_arff",
    "load_timeseries_file",
    "load_ts",
    "load_ucr",
    "load_ucr_tsv",
    "read_ts_header",
    "unusable_bundled_datasets",
]
