"""codensity on a Dask LocalCluster of worker processes against the local call, and the per-query
cost of one worker's share, from which a larger cluster's time follows.

    python benchmarks/distributed_neighbours.py --n 1000000 --workers 2

Each worker builds the whole tree (a fixed cost per worker) and searches n / workers queries;
the client scatters the points once. The results are checked to equal the local call.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import fasttda
from fasttda import _core


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    from distributed import Client, LocalCluster

    X = fasttda.datasets.filter_like(args.n, seed=0)
    # Wall time and CPU time side by side: on a shared machine the CPU time (summed over the
    # threads of this process, or over the worker processes) is the work, the wall time the wait.
    start, cpu = time.perf_counter(), time.process_time()
    local = fasttda.codensity(X, args.k)
    t_local, c_local = time.perf_counter() - start, time.process_time() - cpu
    print(f"local codensity n={args.n:.0e} k={args.k}: {t_local:.2f} s wall, {c_local:.1f} s CPU (all cores)")

    with (
        LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        start, before = time.perf_counter(), client.run(time.process_time)
        there = fasttda.codensity(X, args.k, client=client)
        t_cluster = time.perf_counter() - start
        c_cluster = sum(client.run(time.process_time).values()) - sum(before.values())
        assert np.array_equal(there, local), "the cluster's codensity differs from the local call"
        print(
            f"{args.workers}-worker LocalCluster: {t_cluster:.2f} s wall, {c_cluster:.1f} s CPU in the workers "
            "(identical to local: yes)"
        )

    # One worker's share, on one thread here: the tree build and the per-query cost, in wall and in
    # CPU time (on a shared machine the second is what a worker of its own would take).
    for name, clock in (("wall", time.perf_counter), ("cpu", time.process_time)):
        start = clock()
        _core.codensity_part(X, args.k, 0, 1_000_000, 1)  # a handful of queries: the build alone
        t_build = clock() - start
        start = clock()
        q, _ = _core.codensity_part(X, args.k, 0, 16, 1)
        per_query = (clock() - start - t_build) / len(q)
        print(f"{name} time, 1 thread: tree build {t_build:.2f} s, search {per_query * 1e6:.1f} us per query")
        for w in (2, 16):
            print(f"  {w} workers of 1 thread each, by that cost: {t_build + per_query * args.n / w:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
