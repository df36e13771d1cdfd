"""codensity k=100 of 10^6 filter-like points against scipy's cKDTree (workers=-1), as interleaved pairs,
and dense_core k=100 p=0.3 of the same points.

    python benchmarks/codensity_pairs.py [--n 1000000] [--pairs 3] [--shares 3]

fasttda runs the whole codensity each time. cKDTree's whole run takes minutes on two cores, so each
of its turns builds the tree and queries `--shares` blocks of n/50 points (the blocks fasttda's
distributed path hands a worker: neighbours in tree order, the order cKDTree also gains from); its
time for n is the build plus 50 times the mean block. Both use every core; the ratio is the median
over the pairs.
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
    args = parser.parse_args(argv)
    X = fasttda.datasets.filter_like(args.n, seed=0)
    k = args.k
    fasttda.codensity(X[:2000], k)  # thread start-up, page faults
    shares = [_core.codensity_part(X, k, b, BLOCKS)[0] for b in np.linspace(0, BLOCKS - 1, args.shares).astype(int)]
    ratios, ours_times, theirs_times = [], [], []
    for pair in range(args.pairs):
        start = time.perf_counter()
        rho = fasttda.codensity(X, k)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        tree = cKDTree(X)
        build = time.perf_counter() - start
        per_share = []
        for q in shares:
            start = time.perf_counter()
            d = tree.query(X[q], k + 1, workers=-1)[0][:, k]
            per_share.append(time.perf_counter() - start)
            np.testing.assert_allclose(rho[q], d, rtol=1e-5)  # float32 points: cKDTree works in float64
        theirs = build + BLOCKS * statistics.mean(per_share)
        ratios.append(theirs / ours)
        ours_times.append(ours)
        theirs_times.append(theirs)
        print(f"pair {pair}: fasttda {ours:.2f} s, cKDTree {theirs:.1f} s (build {build:.2f} s + {BLOCKS} x "
              f"{statistics.mean(per_share):.2f} s), ratio {theirs / ours:.1f}x", flush=True)
    print(f"codensity n={args.n:.0e} k={k}: fasttda median {statistics.median(ours_times):.2f} s, cKDTree median "
          f"{statistics.median(theirs_times):.1f} s, median ratio {statistics.median(ratios):.1f}x")
    times = []
    for _ in range(3):
        start = time.perf_counter()
        fasttda.dense_core(X, k, 0.3)
        times.append(time.perf_counter() - start)
    print(f"dense_core n={args.n:.0e} k={k} p=0.3: median {statistics.median(times):.2f} s of {times}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
