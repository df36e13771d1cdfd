"""Rips persistence against ripser.py and giotto-ph (same thread count)."""

import numpy as np
from stage import Size, Stage, level

import fasttda

THREADS = 2


def landmarks(n_points, n_landmarks, thresh):
    def make():
        X = fasttda.datasets.filter_like(n_points, seed=0)
        return X[fasttda.maxmin(X, n_landmarks)].astype(np.float64), thresh

    return make


# At the enclosing radius (thresh=inf) 2,000 of these landmarks take minutes
# for every tool (the uniform fifth of filter_like makes thousands of H1
# classes in S^7); the thresholds keep the stage to seconds: every H1 bar is
# born by 0.7, and at 0.8 the barcode equals the full one.
def landmark_sizes():
    n = {"quick": 500}.get(level(), 2000)
    return [Size(f"{n} landmarks t={t}", landmarks(100_000, n, t)) for t in (0.7, 0.8)]


def core(n_points, k, p):
    def make():
        X = fasttda.datasets.filter_like(n_points, seed=0)
        return X[fasttda.dense_core(X, k, p)]

    return make


R_CORE = 0.14  # one component; the circles are still open (essential H1)


def core_sizes():
    n = {"quick": 30_000}.get(level(), 300_000)
    return [Size(f"H1 core {n * 33 // 100:.0e} r={R_CORE}", core(n, 30, 0.33), baseline_repeats=1)]


def ripser_py(data, warmup):
    from ripser import ripser

    L, t = data
    return ripser(L[:50] if warmup else L, maxdim=1, thresh=t)


def giotto(data, warmup):
    from gph import ripser_parallel

    L, t = data
    return ripser_parallel(L[:50] if warmup else L, maxdim=1, thresh=t, n_threads=THREADS)


def ours(data, warmup):
    L, t = data
    return fasttda.rips(L[:50] if warmup else L, maxdim=1, thresh=t, n_threads=THREADS)


def ours_sparse(X, warmup):
    return fasttda.rips(X[:1000] if warmup else X, maxdim=1, thresh=R_CORE, n_threads=THREADS)


def ripser_sparse(X, warmup):
    """ripser.py given the same radius graph as a scipy sparse matrix (a dense
    input would need the n×n matrix: 80 GB of float64 for 10^5 points)."""
    from ripser import ripser
    from scipy import sparse

    X = X[:1000] if warmup else X
    edges, dist = fasttda.radius_graph(X, R_CORE * (1 + 1e-6), n_threads=THREADS)
    A = sparse.coo_matrix((dist.astype(np.float64), (edges[:, 0], edges[:, 1])), shape=(len(X), len(X)))
    return ripser(A, maxdim=1, thresh=R_CORE, distance_matrix=True)


STAGES = [
    Stage("rips landmarks", __name__, landmark_sizes, ours, ripser_py, "ripser.py"),
    Stage("rips sparse core", __name__, core_sizes, ours_sparse, ripser_sparse, "ripser.py sparse input"),
]
try:
    import gph  # noqa: F401

    STAGES.insert(1, Stage("rips landmarks vs gph", __name__, landmark_sizes, ours, giotto, f"gph n_threads={THREADS}"))
except ImportError:  # giotto-ph is optional
    pass
