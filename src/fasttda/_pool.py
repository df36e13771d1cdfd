"""Running numba kernels that release the GIL on several threads at once."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor


def run(fn, jobs, n_threads: int | None = None) -> None:
    """fn(job) for every job, on up to n_threads threads (None: all cores); the first error is raised."""
    jobs = list(jobs)
    threads = min(len(jobs), n_threads or os.cpu_count() or 1)
    if threads <= 1:
        for job in jobs:
            fn(job)
        return
    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(fn, jobs):
            pass


def spans(n: int, parts: int) -> list[tuple[int, int]]:
    """[begin, end) ranges cutting range(n) into about `parts` equal pieces (none empty)."""
    parts = max(1, min(parts, n))
    return [(n * i // parts, n * (i + 1) // parts) for i in range(parts)]
