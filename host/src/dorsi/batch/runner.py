"""Run the batch map in parallel: a local process pool, or a Dask cluster.

On one machine the files go to a ``ProcessPoolExecutor`` (forkserver start, so
the progress bar's thread is never forked). Given a scheduler address the same
function is mapped over a Dask cluster (``distributed.Client``); the workers
then read the files themselves, so the paths must be visible to them (a
shared filesystem), which is what lets a clinic analyse more data than one
machine holds. Both show a ``rich`` progress bar.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from functools import partial
from pathlib import Path

import pyarrow as pa
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from dorsi.batch.job import JobOptions, analyse_file, rows_to_table
from dorsi.batch.manifest import BatchEntry


def _progress(console: Console | None) -> Progress:
    return Progress(TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                    console=console or Console(stderr=True), transient=False)


class BatchRunner:
    """Analyse many session files in parallel.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default: the CPU count). ``1`` runs in this
        process.
    dask_address : str, optional
        A Dask scheduler (``tcp://host:8786``): run on that cluster instead.
    options : JobOptions, optional
        Per-file options (exercise, Movella axes).
    console : rich.console.Console, optional
        Where the progress bar goes (default: stderr).

    Attributes
    ----------
    table_ : pyarrow.Table
        One row per (file, exercise), error rows for files that failed.
    failed_ : int
        Files that could not be analysed.
    """

    def __init__(self, workers: int | None = None, dask_address: str | None = None,
                 options: JobOptions | None = None, console: Console | None = None) -> None:
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        self.workers = workers
        self.dask_address = dask_address
        self.options = options or JobOptions()
        self.console = console

    def run(self, paths: Sequence[str | Path | BatchEntry]) -> "BatchRunner":
        """Analyse ``paths`` (files, or a manifest's entries); results in :attr:`table_`."""
        files: list[str | BatchEntry] = [p if isinstance(p, BatchEntry) else str(Path(p)) for p in paths]
        job = partial(analyse_file, options=self.options)
        if not files:
            rows: list[dict] = []
        elif self.dask_address:
            rows = self._dask(job, files)
        elif (self.workers or os.cpu_count() or 1) == 1 or len(files) == 1:
            rows = self._serial(job, files)
        else:
            rows = self._pool(job, files)
        self.table_: pa.Table = rows_to_table(rows)
        errors = self.table_.column("error").to_pylist()
        self.failed_ = sum(e is not None for e in errors)
        return self

    def _serial(self, job, files: list[str | BatchEntry]) -> list[dict]:
        rows = []
        with _progress(self.console) as bar:
            task = bar.add_task("files", total=len(files))
            for f in files:
                rows.extend(job(f))
                bar.advance(task)
        return rows

    def _pool(self, job, files: list[str | BatchEntry]) -> list[dict]:
        rows = []
        ctx = multiprocessing.get_context("forkserver")
        workers = min(self.workers or os.cpu_count() or 1, len(files))
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool, _progress(self.console) as bar:
            task = bar.add_task("files", total=len(files))
            futures = [pool.submit(job, f) for f in files]
            for fut in as_completed(futures):
                rows.extend(fut.result())
                bar.advance(task)
        return rows

    def _dask(self, job, files: list[str | BatchEntry]) -> list[dict]:
        from distributed import Client
        from distributed import as_completed as dask_completed

        rows = []
        with Client(self.dask_address, timeout="20s") as client, _progress(self.console) as bar:
            task = bar.add_task("files", total=len(files))
            futures = client.map(job, files, pure=False)
            for fut in dask_completed(futures):
                rows.extend(fut.result())
                bar.advance(task)
        return rows
