"""Exact Wasserstein (fasttda) against Hera's auction at relative error 0.01 (GUDHI's binding) on large
H1-like diagrams: does a relative-error mode pay for itself?

    python benchmarks/wasserstein_large.py
"""

import time

import numpy as np
from gudhi.hera import wasserstein_distance as hw

import fasttda

rng = np.random.default_rng(0)


def dgm(n):
    b = rng.uniform(0, 1, n)
    p = rng.exponential(0.02, n)
    p[:5] += 0.5
    return np.c_[b, b + p]


for n in [1000, 10000, 50000]:
    A, B = dgm(n), dgm(n)
    t = time.perf_counter()
    ours = fasttda.wasserstein(A, B, p=1, internal_p=np.inf)
    t1 = time.perf_counter() - t
    t = time.perf_counter()
    h = hw(A, B, order=1, internal_p=np.inf, delta=0.01)
    t2 = time.perf_counter() - t
    print(n, ours, h, f"ours {t1:.3f}s hera {t2:.3f}s")
