"""Neighbourhood engine against scipy's cKDTree and a numpy max-min loop."""

import numpy as np
from scipy.spatial import cKDTree
from stage import Size, Stage, level

import fasttda

K = 100


def cloud(n):
    return lambda: fasttda.datasets.filter_like(n, seed=0)


def codensity_sizes():
    sizes = {"quick": [10_000], "standard": [100_000], "full": [100_000, 1_000_000, 10_000_000]}[level()]
    return [
        Size(f"n={n:.0e} k={K} d=8", cloud(n), baseline=n <= 1_000_000, baseline_repeats=1 if n >= 1_000_000 else None)
        for n in sizes
    ]


def numpy_maxmin(X, m, first=0):
    chosen = [first]
    nearest = np.linalg.norm(X - X[first], axis=1)
    for _ in range(m - 1):
        i = int(np.argmax(nearest))
        chosen.append(i)
        nearest = np.minimum(nearest, np.linalg.norm(X - X[i], axis=1))
    return chosen


def maxmin_sizes():
    n = {"quick": 10_000}.get(level(), 100_000)
    return [Size(f"2000 of n={n:.0e} d=8", cloud(n))]


def radius_sizes():
    n = {"quick": 10_000}.get(level(), 100_000)
    return [Size(f"n={n:.0e} r=0.1 d=8", cloud(n))]


STAGES = [
    Stage(
        "codensity",
        __name__,
        codensity_sizes,
        lambda X, warmup: fasttda.codensity(X[:1000] if warmup else X, K),
        lambda X, warmup: cKDTree(X[:1000] if warmup else X).query(X[:1000] if warmup else X, K + 1, workers=-1)[0][
            :, K
        ],
        "cKDTree.query workers=-1",
    ),
    Stage(
        "dense_core k=100 p=0.3",
        __name__,
        lambda: codensity_sizes()[:1],
        lambda X, warmup: fasttda.dense_core(X[:1000] if warmup else X, K, 0.3),
        lambda X, warmup: np.argsort(
            cKDTree(X[:1000] if warmup else X).query(X[:1000] if warmup else X, K + 1, workers=-1)[0][:, K],
            kind="stable",
        )[: int(0.3 * len(X))],
        "cKDTree + argsort",
    ),
    Stage(
        "maxmin",
        __name__,
        maxmin_sizes,
        lambda X, warmup: fasttda.maxmin(X, 10 if warmup else 2000),
        lambda X, warmup: numpy_maxmin(X, 10 if warmup else 2000),
        "numpy loop",
    ),
    Stage(
        "radius_graph",
        __name__,
        radius_sizes,
        lambda X, warmup: fasttda.radius_graph(X[:1000] if warmup else X, 0.1),
        lambda X, warmup: cKDTree(X[:1000] if warmup else X).query_pairs(0.1, output_type="ndarray"),
        "cKDTree.query_pairs",
    ),
]
