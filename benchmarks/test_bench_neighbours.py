"""pytest-benchmark timings of the neighbourhood engine against scipy.

python -m pytest benchmarks/test_bench_neighbours.py --benchmark-columns=median,iqr
"""

import numpy as np
import pytest
from scipy.spatial import cKDTree
from stages_neighbours import numpy_maxmin

import fasttda

X = fasttda.datasets.filter_like(50_000, seed=0)


@pytest.mark.benchmark(group="codensity k=30 n=5e4")
def test_codensity_fasttda(benchmark):
    benchmark(fasttda.codensity, X, 30)


@pytest.mark.benchmark(group="codensity k=30 n=5e4")
def test_codensity_scipy(benchmark):
    benchmark(lambda: cKDTree(X).query(X, 31, workers=-1))


@pytest.mark.benchmark(group="maxmin 500 of 5e4")
def test_maxmin_fasttda(benchmark):
    benchmark(fasttda.maxmin, X, 500)


@pytest.mark.benchmark(group="maxmin 500 of 5e4")
def test_maxmin_numpy(benchmark):
    benchmark(numpy_maxmin, X.astype(np.float64), 500)
