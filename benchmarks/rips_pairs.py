"""Rips persistence of max–min landmarks of filter-like points: fasttda against ripser.py and giotto-ph.

The three cases of issue 19: H0+H1 of 1,000 landmarks with no threshold (every
pair; the enclosing radius bounds it), H0+H1 of 2,000 at thresh 0.8, and
H0..H2 of 1,000 at thresh 0.8 (H2 with no threshold takes minutes for every
tool). Runs are interleaved (fasttda, ripser.py, giotto-ph, fasttda, ...) and
each ratio is the median over the rounds of that round's pair, so load on a
shared machine hits all sides alike. giotto-ph and fasttda use every core;
ripser.py has one thread. The diagrams are checked equal.

    python benchmarks/rips_pairs.py [--rounds 3] [--cases 1000-inf 2000-0.8 1000-h2]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import fasttda

CASES = {"1000-inf": (1000, np.inf, 1), "2000-0.8": (2000, 0.8, 1), "1000-h2": (1000, 0.8, 2)}


def landmarks(n: int) -> np.ndarray:
    X = fasttda.datasets.filter_like(100_000, seed=0)
    return np.ascontiguousarray(X[fasttda.maxmin(X, n)], dtype=np.float64)


def timed(f):
    t = time.perf_counter()
    out = f()
    return time.perf_counter() - t, out


def same(a, b, dims) -> bool:
    for d in range(dims + 1):
        x = np.sort(np.asarray(a[d]), axis=0)
        y = np.sort(np.asarray(b[d]), axis=0)
        if x.shape != y.shape or not np.allclose(x, y, atol=1e-5):
            return False
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    args = ap.parse_args(argv)
    from gph import ripser_parallel
    from ripser import ripser

    threads = os.cpu_count()
    print("| case | fasttda (s) | ripser.py (s) | giotto-ph (s) | vs ripser.py | vs giotto-ph | equal |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases:
        n, thresh, maxdim = CASES[case]
        L = landmarks(n)
        ours, rp, gp = [], [], []
        ok = True
        for _ in range(args.rounds):
            t1, a = timed(lambda: fasttda.rips(L, maxdim=maxdim, thresh=thresh, n_threads=threads))
            t2, b = timed(lambda: ripser(L, maxdim=maxdim, thresh=thresh))
            t3, c = timed(lambda: ripser_parallel(L, maxdim=maxdim, thresh=thresh, n_threads=threads))
            ours.append(t1)
            rp.append(t2)
            gp.append(t3)
            ok &= same(a["dgms"], b["dgms"], maxdim) and same(a["dgms"], c["dgms"], maxdim)
        r_rp = np.median(np.array(rp) / np.array(ours))
        r_gp = np.median(np.array(gp) / np.array(ours))
        print(
            f"| {n} landmarks, thresh {thresh}, H0..H{maxdim} | {np.median(ours):.2f} | {np.median(rp):.2f} "
            f"| {np.median(gp):.2f} | {r_rp:.1f}x | {r_gp:.1f}x | {ok} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
