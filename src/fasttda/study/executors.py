"""Where a study's units of work run: this process, local worker processes, or a Dask cluster.

An executor has one method that matters, ``map_unordered(fn, tasks)``: it runs ``fn(*task)``
for every task and yields ``(task, result)`` as each finishes, in any order. ``fn`` must be an
importable module-level function and its arguments and results picklable; the results travel
back to the caller, which alone writes the study's store, so workers need no shared filesystem.
Executors are context managers; leaving the block stops their workers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator


class WorkerError(RuntimeError):
    """A worker died (killed, out of memory) rather than its task raising an error."""


class Executor:
    """Runs tasks one after the other in this process."""

    def map_unordered(self, fn: Callable, tasks: Iterable[tuple]) -> Iterator[tuple]:
        for task in tasks:
            yield task, fn(*task)

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "in this process"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _limit_threads(threads: int) -> None:
    """Worker start-up: several workers on one machine each get their share of the cores."""
    import torch
    torch.set_num_threads(threads)


def _collect(done, task_of: Callable, died: type, who: str, cancel: Callable) -> Iterator[tuple]:
    """Yields (task, result) for each future from ``done`` (an as-completed iterator), turning the
    pool's worker-death error ``died`` into a WorkerError, and calls ``cancel()`` when left."""
    try:
        for fut in done:
            try:
                result = fut.result()
            except died as e:
                raise WorkerError(f"{who} died while training seeds {task_of(fut)[-1]} "
                                  f"(killed, or out of memory?): {e}") from None
            yield task_of(fut), result
    finally:
        cancel()


class LocalExecutor(Executor):
    """``n_workers`` processes on this machine; 1 runs everything in this process.

    Workers are started with ``spawn``, not ``fork``: forking a process that has used torch's
    thread pools (or CUDA) can deadlock the child. Each worker gets ``threads`` torch threads
    (default: the cores divided among the workers).
    """

    def __init__(self, n_workers: int = 1, threads: int | None = None):
        if int(n_workers) < 1:
            raise ValueError(f"n_workers must be at least 1, got {n_workers}")
        self.n_workers = int(n_workers)
        self.threads = threads or max(1, (os.cpu_count() or 1) // self.n_workers)
        self._pool = None

    def map_unordered(self, fn, tasks):
        if self.n_workers == 1:
            yield from super().map_unordered(fn, tasks)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor, as_completed
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.n_workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_limit_threads, initargs=(self.threads,))
        from concurrent.futures.process import BrokenProcessPool
        futures = {self._pool.submit(fn, *task): task for task in tasks}

        def cancel():
            for fut in futures:
                fut.cancel()
        yield from _collect(as_completed(futures), futures.__getitem__, BrokenProcessPool, "a local worker process",
                            cancel)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def describe(self):
        if self.n_workers == 1:
            return "in this process"
        return f"on {self.n_workers} local worker processes ({self.threads} torch thread(s) each)"


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster: an existing scheduler at ``address`` (``tcp://host:8786``), or a
    ``LocalCluster`` of ``n_local`` single-threaded worker processes started here (and stopped on close).

    Tasks are submitted with ``pure=False`` so a retried task is recomputed, not looked up.
    """

    def __init__(self, address: str | None = None, n_local: int | None = None, *, host: str = "127.0.0.1",
                 timeout: float = 20.0):
        try:
            from distributed import Client, LocalCluster
        except ImportError as e:
            raise ImportError("running a study on Dask needs distributed: pip install 'fasttda[study]'") from e
        if (address is None) == (n_local is None):
            raise ValueError("give either the address of a Dask scheduler or a number of local workers")
        self.cluster = None
        if address is None:
            if int(n_local) < 1:
                raise ValueError(f"the local Dask cluster needs at least 1 worker, got {n_local}")
            self.cluster = LocalCluster(n_workers=int(n_local), threads_per_worker=1, processes=True, host=host,
                                        dashboard_address=None)
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=timeout)
            except OSError as e:  # TimeoutError and connection errors
                raise ValueError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        self.address = self.client.scheduler.address

    def map_unordered(self, fn, tasks):
        from distributed import KilledWorker, as_completed
        tasks = list(tasks)
        futures = [self.client.submit(fn, *task, pure=False) for task in tasks]
        which = {f.key: t for f, t in zip(futures, tasks)}
        yield from _collect(as_completed(futures), lambda fut: which[fut.key], KilledWorker, "Dask workers",
                            lambda: self.client.cancel([f for f in futures if not f.done()]))

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def describe(self):
        n = len(self.client.scheduler_info().get("workers", {}))
        kind = "a local Dask cluster" if self.cluster is not None else "the Dask scheduler"
        return f"on {kind} at {self.address} ({n} worker(s))"
