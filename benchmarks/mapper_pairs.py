"""Mapper on equal work: fasttda against KeplerMapper + scikit-learn, same cover, same clusters.

    python benchmarks/mapper_pairs.py                # n = 1e5, 5 interleaved pairs
    python benchmarks/mapper_pairs.py --n 10000 --pairs 7

Both get the same pca2 lens of ``filter_like(n)`` and the same cubes:
KeplerMapper is handed fasttda's cover (its own places its cubes differently)
through a ``kmapper.Cover`` whose ``transform`` returns fasttda's preimages.
Each preimage is cut by single linkage at height 0.5 (sklearn's
``AgglomerativeClustering(linkage="single", distance_threshold=0.5)``), so the
two graphs have the same nodes; the script checks that they do before it
reports anything. The calls alternate (fasttda, KeplerMapper, fasttda, ...)
in one process, and the ratio is the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time

import numpy as np

import fasttda
from fasttda.mapper import principal_components

CUBES, OVERLAP, HEIGHT = 10, 0.3, 0.5


def fixed_cover(lower, upper):
    """A kmapper.Cover that yields the preimages of fasttda's intervals (ends ±inf at the outside)."""
    import kmapper

    class FixedCover(kmapper.Cover):
        def fit(self, data):
            self.di_ = np.arange(1, data.shape[1])
            self.centers_ = list(itertools.product(*(range(len(lo)) for lo in lower)))
            return self.centers_

        def transform_single(self, data, center, i=0):
            inside = np.ones(len(data), bool)
            for c, j in enumerate(center):
                lo = -np.inf if j == 0 else lower[c][j]
                hi = np.inf if j == len(upper[c]) - 1 else upper[c][j]
                v = data[:, self.di_[c]]
                inside &= (v >= lo) & (v <= hi)
            return data[inside]

    return FixedCover(n_cubes=CUBES, perc_overlap=OVERLAP)


def run_fasttda(X, L):
    return fasttda.mapper(X, L, n_intervals=CUBES, overlap=OVERLAP, cluster_params={"height": HEIGHT})


def run_kmapper(X, L, cover):
    import kmapper
    from sklearn.cluster import AgglomerativeClustering

    return kmapper.KeplerMapper(verbose=0).map(
        L,
        X,
        clusterer=AgglomerativeClustering(n_clusters=None, distance_threshold=HEIGHT, linkage="single"),
        cover=cover,
    )


def same_nodes(g, km, L, lower, upper) -> tuple[int, int]:
    """Checks both graphs have the same nodes (as member sets), leaving out one-point cubes, which KeplerMapper
    skips; returns the node counts compared."""
    ours = {frozenset(v.tolist()) for v, cube in zip(g.nodes, g.cube) if _cube_size(L, cube, lower, upper) >= 2}
    theirs = {frozenset(v) for v in km["nodes"].values()}
    if ours != theirs:
        raise AssertionError(
            f"the graphs differ: {len(ours - theirs)} nodes only in fasttda's, "
            f"{len(theirs - ours)} only in KeplerMapper's"
        )
    return len(ours), len(theirs)


def _cube_size(L, cube, lower, upper):
    inside = np.ones(len(L), bool)
    for c, j in enumerate(cube):
        lo = -np.inf if j == 0 else lower[c][j]
        hi = np.inf if j == len(upper[c]) - 1 else upper[c][j]
        inside &= (L[:, c] >= lo) & (L[:, c] <= hi)
    return int(inside.sum())


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--pairs", type=int, default=5)
    args = parser.parse_args(argv)

    X = fasttda.datasets.filter_like(args.n, seed=0)
    L = principal_components(X, 2)
    g = run_fasttda(X, L)  # warm-up, and the cover both use
    lower, upper = g.cover["lower"], g.cover["upper"]
    cover = fixed_cover(lower, upper)
    run_kmapper(X[:1000], L[:1000], fixed_cover(lower, upper))
    ratios, ours, theirs = [], [], []
    for _ in range(args.pairs):
        t = time.perf_counter()
        g = run_fasttda(X, L)
        a = time.perf_counter() - t
        t = time.perf_counter()
        km = run_kmapper(X, L, cover)
        b = time.perf_counter() - t
        ours.append(a), theirs.append(b), ratios.append(b / a)
    compared = same_nodes(g, km, L, lower, upper)
    print(
        f"n={args.n}: {compared[0]} nodes equal in both graphs; fasttda {statistics.median(ours):.4f} s, "
        f"KeplerMapper+sklearn {statistics.median(theirs):.3f} s (medians), "
        f"ratio {statistics.median(ratios):.1f}x (median of {args.pairs} interleaved pairs; "
        f"per pair: {', '.join(f'{r:.0f}' for r in ratios)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
