"""The Mapper of the 3×10^5-point dense core, first-gap cut: without a tree against Prim's tree.

    python benchmarks/mapper_core_gap.py --core core.npy            # 5 interleaved pairs
    python benchmarks/mapper_core_gap.py --core core.npy --threads 1

``analyze``'s Mapper call (pca2 lens, 10×10 cubes, overlap 0.3, first-gap cut,
triangles) on X(300, 30%) of ``filter_like(10**6, seed=0)``. The core takes
about 15 CPU seconds to compute, so it is saved to ``--core`` the first time
and read from there afterwards. The calls alternate (default, then
``prim_max`` = 131072, i.e. Prim's tree for every preimage), the script checks
that both give the same nodes and edges, and reports wall and CPU seconds
(``time.process_time``, all threads) with the medians of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

import fasttda
from fasttda.mapper import principal_components


def core(path):
    if path and os.path.exists(path):
        return np.load(path)
    X = fasttda.datasets.filter_like(10**6, seed=0)
    C = X[fasttda.dense_core(X, 300, 0.3)]
    if path:
        np.save(path, C)
    return C


def timed(C, L, prim_max, threads):
    w, c = time.perf_counter(), time.process_time()
    g = fasttda.mapper(
        C, L, n_intervals=10, overlap=0.3, triangles=True, cluster_params={"prim_max": prim_max}, n_threads=threads
    )
    return g, time.perf_counter() - w, time.process_time() - c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--core", default="", help="a .npy file for the dense core (written when missing)")
    ap.add_argument("--pairs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    a = ap.parse_args()
    C = core(a.core)
    L = principal_components(C, 2)
    timed(C[:20000], L[:20000], None, a.threads)  # warm-up
    rows = []
    for _ in range(a.pairs):
        g, w1, c1 = timed(C, L, None, a.threads)
        h, w2, c2 = timed(C, L, 131072, a.threads)
        assert g.n_nodes == h.n_nodes and all(np.array_equal(u, v) for u, v in zip(g.nodes, h.nodes))
        assert np.array_equal(g.edges, h.edges) and np.array_equal(g.triangles, h.triangles)
        rows.append((w1, c1, w2, c2))
    med = [statistics.median(r[i] for r in rows) for i in range(4)]
    print(
        f"{len(C)} points, {g.n_nodes} nodes equal in both graphs; without a tree {med[0]:.3f} s wall "
        f"{med[1]:.3f} s CPU, Prim's tree {med[2]:.3f} s wall {med[3]:.3f} s CPU (medians); "
        f"ratio {statistics.median(r[2] / r[0] for r in rows):.2f}x wall, "
        f"{statistics.median(r[3] / r[1] for r in rows):.2f}x CPU (median of {a.pairs} interleaved pairs; "
        f"wall per pair: {', '.join(f'{r[2] / r[0]:.1f}' for r in rows)})"
    )


if __name__ == "__main__":
    main()
