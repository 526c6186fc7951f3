"""Batch analysis of many recordings/CSVs: a local process pool or a Dask cluster."""

from dorsi.batch.discover import find_inputs
from dorsi.batch.job import COLUMNS, SCHEMA, JobOptions, analyse_file, rows_to_table
from dorsi.batch.manifest import BatchEntry, ManifestError, is_manifest, read_manifest
from dorsi.batch.runner import BatchRunner

__all__ = ["COLUMNS", "SCHEMA", "BatchEntry", "BatchRunner", "JobOptions", "ManifestError", "analyse_file",
           "find_inputs", "is_manifest", "read_manifest", "rows_to_table"]
