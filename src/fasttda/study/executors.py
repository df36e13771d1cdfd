"""Where a study's units of work run: this process, local worker processes, or a Dask cluster.

An executor has one method that matters, ``map_unordered(fn, tasks)``: it runs ``fn(*task)``
for every task and yields ``(task, result)`` as each finishes, in any order. ``fn`` must be an
importable module-level function and its arguments and results picklable; the results travel
back to the caller, which alone writes the study's store, so workers need no shared filesystem.
Executors are context managers; leaving the block stops their workers.

Progress: a running task may call ``report_progress(key, value)`` (e.g. the iterations its
seeds have done); the executor delivers it, in the caller's process, to the ``on_progress``
callback given to ``map_unordered``. In this process that is a direct call; from local worker
processes the messages travel on a queue that the caller drains while it waits. Dask workers
report nothing; their tasks count when they finish.
"""

from __future__ import annotations

import contextlib
import os
import queue as _queue
import time
from collections.abc import Callable, Iterable, Iterator

__all__ = ["DaskExecutor", "Executor", "LocalExecutor", "WorkerError", "choose_workers", "report_progress"]

_POLL = 0.2  # seconds between drains of the workers' progress queue while waiting for tasks

# Where report_progress sends: the caller's callback around a task run in this process, a queue's
# put in a worker process, None where nobody listens.
_report_to: Callable | None = None


def report_progress(key, value) -> None:
    """Called inside a task: tells the caller's ``on_progress(key, value)`` how far the task has come.

    ``key`` and ``value`` must be picklable and small; a caller that does not listen loses them,
    and a failure to deliver never fails the task.

    Parameters
    ----------
    key, value
        Picklable; e.g. the task's seeds and the iterations done.

    Returns
    -------
    None

    Examples
    --------
    >>> from fasttda.study.executors import Executor, report_progress
    >>> def task(n):
    ...     report_progress("task", n)
    ...     return n * n
    >>> seen = []
    >>> list(Executor().map_unordered(task, [(3,)], on_progress=lambda k, v: seen.append((k, v)))), seen
    ([((3,), 9)], [('task', 3)])
    """
    if _report_to is not None:
        with contextlib.suppress(Exception):  # progress is advisory; the task's result is what matters
            _report_to(key, value)


class WorkerError(RuntimeError):
    """A worker died (killed, out of memory) rather than its task raising an error.

    Parameters
    ----------
    message : str
        What died and while doing what (the seeds it was training), as ``RuntimeError`` takes it.

    Examples
    --------
    >>> from fasttda.study.executors import WorkerError
    >>> err = WorkerError("worker 2 died while training seeds [8, 9] (killed, or out of memory?)")
    >>> isinstance(err, RuntimeError), str(err)
    (True, 'worker 2 died while training seeds [8, 9] (killed, or out of memory?)')
    """


class Executor:
    """Runs tasks one after the other in this process.

    ``map_unordered(fn, tasks, on_progress)`` yields ``(task, fn(*task))`` for each task; while a task
    runs, its ``report_progress(key, value)`` calls go to ``on_progress``.

    Parameters
    ----------
    None

    Examples
    --------
    >>> from fasttda.study.executors import Executor
    >>> with Executor() as ex:
    ...     list(ex.map_unordered(pow, [(2, 3), (3, 2)]))
    [((2, 3), 8), ((3, 2), 9)]
    """

    def map_unordered(
        self, fn: Callable, tasks: Iterable[tuple], on_progress: Callable | None = None
    ) -> Iterator[tuple]:
        global _report_to
        for task in tasks:
            before, _report_to = _report_to, on_progress
            try:
                result = fn(*task)
            finally:
                _report_to = before
            yield task, result

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return "in this process"

    @property
    def workers(self) -> int:
        """How many tasks run at once (what the groups of a new study are sized for)."""
        return 1

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _start_worker(threads: int, progress) -> None:
    """Worker start-up: several workers on one machine each get their share of the cores, and
    report_progress puts on the caller's queue (without waiting for it at exit: progress may be lost)."""
    global _report_to
    import torch

    torch.set_num_threads(threads)
    progress.cancel_join_thread()
    _report_to = lambda key, value: progress.put_nowait((key, value))


_DONE = "fasttda: task done"  # progress key a worker sends after a task's last report
_FLUSH = 10.0  # seconds to wait for a finished task's last reports to come through the queue


def _reporting(fn: Callable, token: int, *args):
    """Runs a task in a worker, then marks its end on the progress queue: the queue keeps one
    process's messages in order, so the caller that sees the mark has seen every report before it."""
    try:
        return fn(*args)
    finally:
        if _report_to is not None:
            _report_to(_DONE, token)


def _polled(futures, poll: Callable) -> Iterator:
    """The futures as they complete (like as_completed), calling ``poll()`` every _POLL seconds meanwhile."""
    from concurrent.futures import FIRST_COMPLETED, wait

    pending = set(futures)
    while pending:
        done, pending = wait(pending, timeout=_POLL, return_when=FIRST_COMPLETED)
        poll()
        yield from done


def _collect(done, task_of: Callable, died: type, who: str, cancel: Callable) -> Iterator[tuple]:
    """Yields (task, result) for each future from ``done`` (an as-completed iterator), turning the
    pool's worker-death error ``died`` into a WorkerError, and calls ``cancel()`` when left."""
    try:
        for fut in done:
            try:
                result = fut.result()
            except died as e:
                raise WorkerError(
                    f"{who} died while training seeds {task_of(fut)[-1]} (killed, or out of memory?): {e}"
                ) from None
            yield task_of(fut), result
    finally:
        cancel()


class LocalExecutor(Executor):
    """``n_workers`` processes on this machine; 1 runs everything in this process.

    Workers are started with ``spawn``, not ``fork``: forking a process that has used torch's
    thread pools (or CUDA) can deadlock the child. Each worker gets ``threads`` torch threads
    (default: the cores divided among the workers). ``why``, when given, says how the number was
    chosen, and ``describe()`` adds it.

    Parameters
    ----------
    n_workers : int
    threads : int, optional
        Torch threads per worker.
    why : str, optional

    Raises
    ------
    ValueError
        When ``n_workers`` is below 1.

    Examples
    --------
    >>> from fasttda.study.executors import LocalExecutor
    >>> with LocalExecutor(1) as ex:  # one worker: this process
    ...     sorted(r for _, r in ex.map_unordered(pow, [(2, 3), (3, 2)]))
    [8, 9]
    """

    def __init__(self, n_workers: int = 1, threads: int | None = None, *, why: str | None = None):
        if int(n_workers) < 1:
            raise ValueError(f"n_workers must be at least 1, got {n_workers}")
        self.why = why
        self.n_workers = int(n_workers)
        self.threads = threads or max(1, (os.cpu_count() or 1) // self.n_workers)
        self._pool = None
        self._queue = None

    def map_unordered(self, fn, tasks, on_progress=None):
        if self.n_workers == 1:
            yield from super().map_unordered(fn, tasks, on_progress)
            return
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._queue = context.Queue()
            self._pool = ProcessPoolExecutor(
                self.n_workers, mp_context=context, initializer=_start_worker, initargs=(self.threads, self._queue)
            )
        from concurrent.futures.process import BrokenProcessPool

        futures, tokens = {}, {}
        for i, task in enumerate(tasks):
            fut = self._pool.submit(_reporting, fn, i, *task)
            futures[fut], tokens[fut] = task, i
        marked = set()

        def take(block: bool) -> bool:
            """Hands one message to on_progress; False when there is none (or the queue is closed)."""
            try:
                key, value = self._queue.get(timeout=0.05) if block else self._queue.get_nowait()
            except (_queue.Empty, OSError, ValueError):
                return False
            if key == _DONE:
                marked.add(value)
            elif on_progress is not None:
                on_progress(key, value)
            return True

        def drain():
            while take(False):
                pass

        def flushed(done):
            """The finished futures, each once its task's last reports have been handed on."""
            for fut in done:
                if not fut.cancelled() and fut.exception() is None:
                    deadline = time.monotonic() + _FLUSH
                    while tokens[fut] not in marked and time.monotonic() < deadline:
                        take(True)
                yield fut

        def cancel():
            for fut in futures:
                fut.cancel()

        yield from _collect(
            flushed(_polled(futures, drain)), futures.__getitem__, BrokenProcessPool, "a local worker process", cancel
        )

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
            self._queue.close()
            self._queue = None

    def describe(self):
        if self.n_workers == 1:
            text = "in this process"
        else:
            text = f"on {self.n_workers} local worker processes ({self.threads} torch thread(s) each)"
        return text if self.why is None else f"{text}, {self.why}"

    @property
    def workers(self) -> int:
        return self.n_workers


class DaskExecutor(Executor):
    """Tasks on a Dask distributed cluster: an existing scheduler at ``address`` (``tcp://host:8786``), or a
    ``LocalCluster`` of ``n_local`` single-threaded worker processes started here (and stopped on close).

    Tasks are submitted with ``pure=False`` so a retried task is recomputed, not looked up.

    Parameters
    ----------
    address : str, optional
    n_local : int, optional
    host : str
        Where a local cluster listens.
    timeout : float
        Seconds to wait for the scheduler.

    Raises
    ------
    ImportError
        Without ``distributed``.

    Examples
    --------
    >>> from fasttda.study import DaskExecutor, StudyConfig, run_study
    >>> with DaskExecutor(address="tcp://scheduler:8786") as ex:  # doctest: +SKIP
    ...     run_study(StudyConfig(seeds=64), "runs/big", executor=ex)
    """

    def __init__(
        self, address: str | None = None, n_local: int | None = None, *, host: str = "127.0.0.1", timeout: float = 20.0
    ):
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
            self.cluster = LocalCluster(
                n_workers=int(n_local), threads_per_worker=1, processes=True, host=host, dashboard_address=None
            )
            self.client = Client(self.cluster)
        else:
            try:
                self.client = Client(address, timeout=timeout)
            except OSError as e:  # TimeoutError and connection errors
                raise ValueError(f"cannot reach the Dask scheduler at {address}: {e}") from None
        self.address = self.client.scheduler.address

    def map_unordered(self, fn, tasks, on_progress=None):
        from distributed import KilledWorker, as_completed

        tasks = list(tasks)
        futures = [self.client.submit(fn, *task, pure=False) for task in tasks]
        which = {f.key: t for f, t in zip(futures, tasks)}
        yield from _collect(
            as_completed(futures),
            lambda fut: which[fut.key],
            KilledWorker,
            "Dask workers",
            lambda: self.client.cancel([f for f in futures if not f.done()]),
        )

    def close(self):
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
            self.cluster = None

    def describe(self):
        n = len(self.client.scheduler_info().get("workers", {}))
        kind = "a local Dask cluster" if self.cluster is not None else "the Dask scheduler"
        return f"on {kind} at {self.address} ({n} worker(s))"

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info().get("workers", {})
        return max(1, sum(int(w.get("nthreads", 1)) for w in info.values()))


def choose_workers(config, out) -> tuple[int, str]:
    """Local worker processes for a study when none are asked for, and why, in words.

    One per core (each with one torch thread; measured faster than one process with all threads), no
    more than there are groups of seeds, and one, in this process, when training runs on a GPU. A new
    study without a group size gets the one sized for these workers (set in ``config``; a resumed study
    keeps its stored groups).

    Parameters
    ----------
    config : StudyConfig
        The study to run; its ``group_size`` is set when None and the study is new.
    out : str or Path
        The study folder (a resumed study's stored groups are read from it).

    Returns
    -------
    (int, str)
        The number of workers and the reason, e.g. ``(2, "chosen for 2 core(s) (--workers N to change)")``.

    Examples
    --------
    >>> from fasttda.study import StudyConfig
    >>> choose_workers(StudyConfig(seeds=24, device="cuda"), "runs/new")
    (1, 'training on cuda (--workers N to change)')
    """
    from pathlib import Path

    from . import store
    from .config import default_group_size

    out = Path(out)
    cores = os.cpu_count() or 1
    device = config.device
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    if not device.startswith("cpu"):
        return 1, f"training on {device} (--workers N to change)"
    seeds = len(config.seeds)
    group = config.group_size
    if group is None and (out / store.MANIFEST).is_file():  # a resumed study keeps its groups
        try:
            group = store.manifest_config(store.read_manifest(out)).group_size
        except (ValueError, OSError, KeyError):
            group = None  # run_study reports what is wrong with the folder
    if group is None:
        group = config.group_size = default_group_size(seeds, min(cores, seeds))
    workers = max(1, min(cores, -(-seeds // group)))
    return workers, f"chosen for {cores} core(s) (--workers N to change)"
