"""codensity k=100 of 10^6 filter-like points against scipy's cKDTree (workers=-1), as interleaved pairs,
and dense_core k=100 p=0.3 of the same points.

    python benchmarks/codensity_pairs.py [--n 1000000] [--pairs 3] [--shares 3] [--core-runs 3]

fasttda runs the whole codensity each time. cKDTree's whole run takes minutes on two cores, so each
of its turns builds the tree and queries `--shares` blocks of n/50 points (the blocks fasttda's
distributed path hands a worker: neighbours in tree order, the order cKDTree also gains from); its
time for n is the build plus 50 times the mean block. Both use every core; the ratio is the median
over the pairs, of wall time and of the process's CPU time (all threads): on a shared machine the
second measures the work, the first also the neighbours.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from scipy.spatial import cKDTree

import fasttda
from fasttda import _core

BLOCKS = 50


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--shares", type=int, default=3)
    parser.add_argument("--core-runs", type=int, default=3)
    args = parser.parse_args(argv)
    X = fasttda.datasets.filter_like(args.n, seed=0)
    k = args.k
    fasttda.codensity(X[:2000], k)  # thread start-up, page faults
    shares = [_core.codensity_part(X, k, b, BLOCKS)[0] for b in np.linspace(0, BLOCKS - 1, args.shares).astype(int)]
    clocks = {"wall": time.perf_counter, "cpu": time.process_time}
    ratios = {c: [] for c in clocks}
    ours_times = {c: [] for c in clocks}
    for pair in range(args.pairs):
        start = {c: f() for c, f in clocks.items()}
        rho = fasttda.codensity(X, k)
        ours = {c: f() - start[c] for c, f in clocks.items()}
        start = {c: f() for c, f in clocks.items()}
        tree = cKDTree(X)
        build = {c: f() - start[c] for c, f in clocks.items()}
        per_share = {c: [] for c in clocks}
        for q in shares:
            start = {c: f() for c, f in clocks.items()}
            d = tree.query(X[q], k + 1, workers=-1)[0][:, k]
            for c, f in clocks.items():
                per_share[c].append(f() - start[c])
            np.testing.assert_allclose(rho[q], d, rtol=1e-5)  # float32 points: cKDTree works in float64
        line = []
        for c in clocks:
            theirs = build[c] + BLOCKS * statistics.mean(per_share[c])
            ratios[c].append(theirs / ours[c])
            ours_times[c].append(ours[c])
            line.append(
                f"{c}: fasttda {ours[c]:.2f} s, cKDTree {theirs:.1f} s (build {build[c]:.2f} s + {BLOCKS} x "
                f"{statistics.mean(per_share[c]):.2f} s), ratio {theirs / ours[c]:.1f}x"
            )
        print(f"pair {pair}: " + "; ".join(line), flush=True)
    for c in clocks:
        print(
            f"codensity n={args.n:.0e} k={k}, {c} time: fasttda median {statistics.median(ours_times[c]):.2f} s, "
            f"median ratio {statistics.median(ratios[c]):.1f}x",
            flush=True,
        )
    for _ in range(args.core_runs):
        start = {c: f() for c, f in clocks.items()}
        fasttda.dense_core(X, k, 0.3)
        print(
            f"dense_core n={args.n:.0e} k={k} p=0.3: "
            + ", ".join(f"{c} {f() - start[c]:.2f} s" for c, f in clocks.items()),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
